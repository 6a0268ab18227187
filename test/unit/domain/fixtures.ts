/**
 * Shared test data for the domain tests: the simulated organisation of docs/DESIGN.md
 * ("Accounts used by the simulation and the demo").
 */
import { parseRuntimeConfig, type RuntimeConfig, type RuntimeConfigInput } from '../../../handlers/shared/config';
import { logDestinationFromConfig, type LogDestination } from '../../../handlers/domain/log-destination';
import type { PolicyDocument, PolicyStatement } from '../../../handlers/domain/policy-document';

/** Account ids of the simulated organisation. */
export const ACCOUNTS = {
  management: '111122223333',
  logArchive: '222233334444',
  /** The fixture's new account. */
  newMember: '444455556666',
  members: ['555566667777', '666677778888', '777788889999'],
  suspended: '999900001111',
  /** Not in the organisation. */
  outsider: '123456789012',
} as const;

export const ORGANIZATION_ID = 'o-a1b2c3d4e5';
export const HOME_REGION = 'eu-west-1';
export const BUCKET = 'org-cloudtrail-logs-222233334444';
export const KEY_ARN = 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const TRAIL_NAME = 'org-member-trail';
export const LOG_PREFIX = 'cloudtrail';
/** The principal the switch roles trust: a role of the security (log-archive) account. */
export const SECURITY_AUDITOR_ARN = 'arn:aws:iam::222233334444:role/SecurityAuditor';

/** The configuration as the CDK app writes it (defaults omitted). */
export const CONFIG_INPUT: RuntimeConfigInput = {
  homeRegion: HOME_REGION,
  managementAccountId: ACCOUNTS.management,
  logArchiveAccountId: ACCOUNTS.logArchive,
  organizationId: ORGANIZATION_ID,
  bucketName: BUCKET,
  keyArn: KEY_ARN,
  logPrefix: LOG_PREFIX,
  trailName: TRAIL_NAME,
  switchRole: { name: 'SecurityAccountAccess', trustedPrincipalArns: [SECURITY_AUDITOR_ARN] },
  logArchiveAccessRoleArn: 'arn:aws:iam::222233334444:role/CloudTrailOnboardingLogArchiveAccess',
  readerRoleBoundaryArn: 'arn:aws:iam::222233334444:policy/CloudTrailOnboarding-ReaderBoundary',
  tableName: 'cloudtrail-onboarding-status',
};

/** The validated configuration. */
export const config: RuntimeConfig = parseRuntimeConfig(CONFIG_INPUT);

/** The configuration with some keys replaced (`undefined` removes a key). */
export function configWith(overrides: Partial<RuntimeConfigInput>): RuntimeConfig {
  const merged: Record<string, unknown> = { ...CONFIG_INPUT, ...overrides };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  return parseRuntimeConfig(merged);
}

/** The log destination of `config`. */
export const dest: LogDestination = logDestinationFromConfig(config);

/** The same destination without a key prefix. */
export const destWithoutPrefix: LogDestination = logDestinationFromConfig(configWith({ logPrefix: undefined }));

/** The same destination without an organization id: no organization-wide mode, an overflow is an error. */
export const destWithoutOrganization: LogDestination = logDestinationFromConfig(configWith({ organizationId: undefined }));

/** Trail ARN of an account in the home region. */
export function trailArnOf(accountId: string, region = HOME_REGION): string {
  return `arn:aws:cloudtrail:${region}:${accountId}:trail/${TRAIL_NAME}`;
}

/**
 * `n` distinct, valid, 12-digit account ids (for size tests). Real account ids are 12 digits with
 * no structure: a fixed width is all that matters for the size of a list.
 */
export function manyAccounts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(300000000000 + i * 7919));
}

// ------------------------------------------------------------------------ foreign statements

/** A bucket-policy statement someone else owns: deny plain HTTP. */
export const DENY_INSECURE_TRANSPORT: PolicyStatement = {
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};

/** A bucket-policy statement someone else owns: an auditor may read everything. */
export const AUDITOR_READ: PolicyStatement = {
  Sid: 'AuditorRead',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::222233334444:role/Auditor' },
  Action: ['s3:GetObject', 's3:ListBucket'],
  Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
};

/** A statement without a Sid (foreign by definition). */
export const NO_SID_STATEMENT: PolicyStatement = {
  Effect: 'Allow',
  Principal: { Service: 'config.amazonaws.com' },
  Action: 's3:GetBucketAcl',
  Resource: `arn:aws:s3:::${BUCKET}`,
};

/** The key policy's delegation to the log-archive account's IAM (reader roles rely on it). */
export const KEY_ROOT_DELEGATION: PolicyStatement = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::222233334444:root' },
  Action: 'kms:*',
  Resource: '*',
};

/** The key administrators. */
export const KEY_ADMINISTRATORS: PolicyStatement = {
  Sid: 'Allow access for Key Administrators',
  Effect: 'Allow',
  Principal: { AWS: ['arn:aws:iam::222233334444:role/KeyAdmin'] },
  Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
  Resource: '*',
};

/** A document of the given statements. */
export function doc(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** A document's text, as AWS would return it (pretty-printed, to prove white space does not matter). */
export function text(...statements: PolicyStatement[]): string {
  return JSON.stringify(doc(...statements), null, 2);
}

/** The bucket policy the log-archive account starts with. */
export const INITIAL_BUCKET_POLICY = text(DENY_INSECURE_TRANSPORT, AUDITOR_READ);

/** The key policy the log-archive account starts with. */
export const INITIAL_KEY_POLICY = text(KEY_ROOT_DELEGATION, KEY_ADMINISTRATORS);

// ------------------------------------------------------------------------ the earlier explicit encoding

/** The bucket statements the service wrote before the compact encoding (one grant per account). */
export function legacyBucketStatements(accounts: readonly string[], prefix = `${LOG_PREFIX}/`): PolicyStatement[] {
  const trails = accounts.map((a) => trailArnOf(a));
  return [
    {
      Sid: 'CloudTrailOnboardingAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: `arn:aws:s3:::${BUCKET}`,
      Condition: { StringEquals: { 'aws:SourceArn': trails } },
    },
    {
      Sid: 'CloudTrailOnboardingWrite',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: accounts.map((a) => `arn:aws:s3:::${BUCKET}/${prefix}AWSLogs/${a}/*`),
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trails } },
    },
  ];
}

/** The key statements the service wrote before the compact encoding (same Sids as now). */
export function legacyKeyStatements(accounts: readonly string[]): PolicyStatement[] {
  const trails = accounts.map((a) => trailArnOf(a));
  return [
    {
      Sid: 'CloudTrailOnboardingEncrypt',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: {
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': accounts.map((a) => `arn:aws:cloudtrail:*:${a}:trail/*`) },
        StringEquals: { 'aws:SourceArn': trails },
      },
    },
    {
      Sid: 'CloudTrailOnboardingDescribe',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': trails } },
    },
  ];
}
