/**
 * Plain data the adapters return and accept. What they read is the domain's observed shape
 * (handlers/domain), so the decisions take it unchanged; what they write is defined here.
 */
import type { Tag } from '../domain/ownership';

export type { Tag } from '../domain/ownership';
export type { ObservedRole } from '../domain/roles';
export type { ObservedTrail } from '../domain/trail';
export type { OrgAccount } from '../domain/request';

/** What `IamAdapter.createRole` needs. */
export interface RoleInput {
  roleName: string;
  path: string;
  description: string;
  /** Trust policy as JSON text. */
  trustPolicyText: string;
  maxSessionDuration: number;
  tags: Tag[];
  /** Managed policy ARN to set as permissions boundary. */
  permissionsBoundaryArn?: string;
}

/** What `TrailAdapter.create` / `update` need. */
export interface TrailInput {
  name: string;
  s3BucketName: string;
  s3KeyPrefix?: string;
  kmsKeyId: string;
  isMultiRegionTrail: boolean;
  includeGlobalServiceEvents: boolean;
  enableLogFileValidation: boolean;
  /** An organization trail (`trailMode` `organization`, created in the management account or by the delegated administrator). */
  isOrganizationTrail?: boolean;
  /** Set at creation only: UpdateTrail takes no tags (see `TrailAdapter.update`). */
  tags: Tag[];
}

