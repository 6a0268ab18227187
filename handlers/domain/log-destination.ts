/**
 * Where every member trail delivers: the central bucket and key in the log-archive account. The
 * bucket- and key-policy renderers take this instead of the whole configuration.
 */
import type { RuntimeConfig } from '../shared/config';
import { organizationTrailArn } from './arns';

/** The central log destination and the trail name that identifies each account's writer. */
export interface LogDestination {
  /** AWS partition of every ARN (`aws`, `aws-cn`, `aws-us-gov`). */
  partition: string;
  /** Home region of every member trail; the region in the trail ARNs CloudTrail presents as `aws:SourceArn`. */
  homeRegion: string;
  /** Account owning the bucket and the key. */
  logArchiveAccountId: string;
  /** Central bucket. */
  bucketName: string;
  /** Optional key prefix, without slashes at either end. */
  logPrefix?: string;
  /** Central KMS key, as a full key ARN. */
  keyArn: string;
  /** Name of the trail in every member account. */
  trailName: string;
  /**
   * AWS Organizations id (`o-...`) of the member accounts, when configured. Lets the shared policies
   * switch to organization-wide statements (`aws:SourceOrgID`) once the per-account list no longer
   * fits; without it, an overflow is a PolicyTooLarge error.
   */
  organizationId?: string;
  /**
   * The central bucket encrypts with an S3 Bucket Key: CloudTrail then needs `kms:Decrypt` on the key
   * to create or update a trail. Observed (GetBucketEncryption, by EnsureKeyPolicy), not configured;
   * absent means no.
   * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
   */
  bucketKeyEnabled?: boolean;
  /**
   * Set in `trailMode` `organization`: the one organization trail that delivers every member's logs.
   * The shared policies then grant that trail (pinned by its ARN) and no account.
   */
  organizationTrail?: OrganizationTrailDestination;
  /**
   * `migrateAccountTrails`, with `organizationTrail`: accounts whose per-account trail was deleted. The
   * service's per-account statements, kept in organization mode while such trails deliver, are rendered
   * without them (handlers/domain/trail-migration.ts).
   */
  retiredAccountTrails?: readonly string[];
}

/** The organization trail as the shared policies and reader roles name it. */
export interface OrganizationTrailDestination {
  /** The trail's ARN (home region, management account): `aws:SourceArn` and its encryption context. */
  arn: string;
  /** The organization (`o-...`): CloudTrail writes member accounts' logs under `AWSLogs/<org-id>/<account-id>/`. */
  organizationId: string;
  /** The management account: the trail's own account, whose logs go to `AWSLogs/<management-account>/`. */
  managementAccountId: string;
}

/** The destination described by a validated configuration. */
export function logDestinationFromConfig(config: RuntimeConfig): LogDestination {
  const dest: LogDestination = {
    partition: config.partition,
    homeRegion: config.homeRegion,
    logArchiveAccountId: config.logArchiveAccountId,
    bucketName: config.bucketName,
    keyArn: config.keyArn,
    trailName: config.trailName,
  };
  if (config.logPrefix !== undefined) dest.logPrefix = config.logPrefix;
  if (config.organizationId !== undefined) dest.organizationId = config.organizationId;
  const organizationTrail = organizationTrailOf(config);
  if (organizationTrail) dest.organizationTrail = organizationTrail;
  return dest;
}

/** The organization trail of `trailMode` `organization`; `undefined` in `account` mode. */
export function organizationTrailOf(
  config: Pick<RuntimeConfig, 'trailMode' | 'organizationId' | 'organizationTrail' | 'partition' | 'homeRegion' | 'managementAccountId'>,
): OrganizationTrailDestination | undefined {
  if (config.trailMode !== 'organization' || config.organizationId === undefined) return undefined;
  return { arn: organizationTrailArn(config), organizationId: config.organizationId, managementAccountId: config.managementAccountId };
}
