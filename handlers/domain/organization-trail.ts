/**
 * `trailMode` `organization`: the one organization trail and the decisions about it. The service's
 * own trail is created from the management account (or the CloudTrail delegated administrator) with
 * the same settings as a per-account trail plus `IsOrganizationTrail`; an existing trail named by
 * `organizationTrail.arn` (Control Tower's, another team's) is only verified, never written.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-an-organizational-trail-by-using-the-aws-cli.html
 */
import type { RuntimeConfig } from '../shared/config';
import { organizationTrailArn } from './arns';
import { desiredTrail, planTrail, type ObservedTrail, type TrailPlan, type TrailSpec } from './trail';

/** The service principal whose trusted access organization trails need (seed 003: enable-aws-service-access). */
export const CLOUDTRAIL_SERVICE_PRINCIPAL = 'cloudtrail.amazonaws.com';

/** The feature set organization trails and trusted access need. */
export const ALL_FEATURES = 'ALL';

/**
 * What a person runs, from the management account, to enable all features. The service never runs
 * it: every member account must approve the change.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_org_support-all-features.html
 */
export const ENABLE_ALL_FEATURES_COMMAND = 'aws organizations enable-all-features';

/** The organization trail the service creates and keeps: a per-account trail's settings, for the organization. */
export interface OrganizationTrailSpec extends TrailSpec {
  isOrganizationTrail: true;
}

/** The service's own organization trail (not used with `organizationTrail.arn`). */
export function desiredOrganizationTrail(config: RuntimeConfig): OrganizationTrailSpec {
  return { ...desiredTrail(config), name: config.organizationTrail.name, isOrganizationTrail: true };
}

/**
 * What to do about the service's own organization trail: as `planTrail` (create, leave, update what
 * differs, or refuse a trail that is not ours or is homed elsewhere), and a trail of ours that is not
 * (or no longer) an organization trail is updated back to one.
 */
export function planOrganizationTrail(observed: ObservedTrail | undefined, desired: OrganizationTrailSpec): TrailPlan {
  if (!observed) return { action: 'create' };
  const plan = planTrail({ ...observed, isOrganizationTrail: false }, desired);
  if (plan.action === 'create' || plan.action === 'conflict') return plan;
  if (observed.isOrganizationTrail === true) return plan;
  return { action: 'update', fields: [...(plan.action === 'update' ? plan.fields : []), 'isOrganizationTrail'] };
}

/**
 * Why an existing organization trail (`organizationTrail.arn`) cannot serve as the service's: each
 * problem a sentence; empty when it can. It must exist, be an organization trail, cover every region,
 * deliver to the central bucket under the configured prefix (the reader roles and the bucket policy
 * name that prefix) and encrypt with the central key (the key policy grants it; readers decrypt with
 * that key), and log. It is never changed: its owner fixes it.
 */
export function existingOrganizationTrailProblems(observed: ObservedTrail | undefined, config: RuntimeConfig): string[] {
  const arn = organizationTrailArn(config);
  if (!observed) return [`Trail ${arn} does not exist (or the orchestrator cannot read it).`];
  const problems: string[] = [];
  if (observed.isOrganizationTrail !== true) problems.push(`Trail ${arn} is not an organization trail.`);
  if (!observed.isMultiRegionTrail) problems.push(`Trail ${arn} does not log all regions.`);
  if (observed.s3BucketName !== config.bucketName) problems.push(`Trail ${arn} delivers to bucket ${observed.s3BucketName || '(none)'}, not ${config.bucketName}.`);
  if ((observed.s3KeyPrefix ?? '') !== (config.logPrefix ?? '')) {
    problems.push(`Trail ${arn} delivers under prefix ${JSON.stringify(observed.s3KeyPrefix ?? '')}, not logPrefix ${JSON.stringify(config.logPrefix ?? '')}.`);
  }
  if (observed.kmsKeyId !== config.keyArn) problems.push(`Trail ${arn} encrypts with ${observed.kmsKeyId ?? 'no KMS key (SSE-S3)'}, not the central key ${config.keyArn}.`);
  if (!observed.isLogging) problems.push(`Trail ${arn} is not logging (its owner must start it: the service never writes to it).`);
  return problems;
}

/** True when the organization has all features enabled (DescribeOrganization `FeatureSet`). */
export function hasAllFeatures(featureSet: string): boolean {
  return featureSet === ALL_FEATURES;
}
