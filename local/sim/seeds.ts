/**
 * Ready-made starting states: the log-archive account as another team left it, and member
 * accounts as Organizations creates them. They write state directly (no requests are logged).
 */
import type { SimTrail } from './cloudtrail';
import type { SimRole } from './iam';
import { rootArn } from './identity';
import { defaultKeyPolicy } from './kms';
import { CLOUDTRAIL_SERVICE_PRINCIPAL } from './organizations';
import type { SimBucketEncryption } from './s3';
import type { SimWorld } from './world';

/** AWS-managed policy attached to the seeded administrative roles. */
export const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';
/** Role the orchestrator assumes in the log-archive account (created by the LogArchive stack). */
export const LOG_ARCHIVE_ACCESS_ROLE = 'OnboardingLogArchiveAccess';
/** Human key administrators named in the key policy. */
export const KEY_ADMINISTRATOR_ROLE = 'KeyAdministrator';
/** Role Organizations creates in every account it creates. */
export const ORGANIZATION_ACCESS_ROLE = 'OrganizationAccountAccessRole';

/** What seedLogArchive creates. */
export interface LogArchiveSpec {
  readonly accountId: string;
  readonly region: string;
  readonly bucketName: string;
  /** Key id (a UUID); the key ARN is `arn:<p>:kms:<region>:<accountId>:key/<keyId>`. */
  readonly keyId: string;
  /** Statements already in the bucket policy. Default: a DenyInsecureTransport statement. `[]`: no bucket policy. */
  readonly foreignBucketStatements?: readonly object[];
  /** Statements appended to the default key policy (root delegation + key administrators). */
  readonly foreignKeyStatements?: readonly object[];
  /** The bucket's default encryption (e.g. SSE-KMS with an S3 Bucket Key). Default: no configuration. */
  readonly bucketEncryption?: SimBucketEncryption;
}

/** What seedLogArchive created. */
export interface LogArchiveSeed {
  readonly accountId: string;
  readonly region: string;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly keyId: string;
  readonly keyArn: string;
  readonly accessRoleArn: string;
  readonly keyAdministratorRoleArn: string;
}

/** Options of seedMember. */
export interface MemberSeedOptions {
  /** Account trusted by OrganizationAccountAccessRole. Default: the management account. */
  readonly trustedAccountId?: string;
}

const trustAccount = (partition: string, accountId: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: rootArn(partition, accountId) }, Action: 'sts:AssumeRole' }],
});

function trustedAccount(world: SimWorld, given: string | undefined): string {
  const id = given ?? world.organization?.managementAccountId;
  if (!id) throw new Error('No organization: pass trustedAccountId');
  return id;
}

/** The DenyInsecureTransport statement most log buckets carry. */
export function denyInsecureTransport(bucketArn: string): object {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** Creates the log-archive bucket (with foreign statements), the key, the key administrators and the access role. */
export function seedLogArchive(world: SimWorld, spec: LogArchiveSpec): LogArchiveSeed {
  const p = world.partition;
  world.accounts.require(spec.accountId);
  const bucketArn = world.s3.bucketArn(spec.bucketName);
  const keyAdmin = world.iam.createRole(spec.accountId, {
    name: KEY_ADMINISTRATOR_ROLE,
    trustPolicy: trustAccount(p, spec.accountId),
    managedPolicyArns: [ADMINISTRATOR_ACCESS],
  });
  // An administrator of the account (what its owners sign in as); the onboarding service's own access
  // role is not seeded: the LogArchive stack creates it when the local runner deploys the app.
  seedAdministrator(world, spec.accountId);
  const bucketStatements = spec.foreignBucketStatements ?? [denyInsecureTransport(bucketArn)];
  world.s3.addBucket({
    name: spec.bucketName,
    ownerAccountId: spec.accountId,
    region: spec.region,
    ...(bucketStatements.length > 0 ? { policy: { Version: '2012-10-17', Statement: bucketStatements } } : {}),
    ...(spec.bucketEncryption ? { encryption: spec.bucketEncryption } : {}),
  });
  const keyPolicy = defaultKeyPolicy(p, spec.accountId) as { Statement: object[] };
  keyPolicy.Statement.push(
    {
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow',
      Principal: { AWS: keyAdmin.arn },
      Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
      Resource: '*',
    },
    ...(spec.foreignKeyStatements ?? []),
  );
  const key = world.kms.addKey({ accountId: spec.accountId, region: spec.region, keyId: spec.keyId, policy: keyPolicy, description: 'CloudTrail log encryption' });
  return {
    accountId: spec.accountId,
    region: spec.region,
    bucketName: spec.bucketName,
    bucketArn,
    keyId: spec.keyId,
    keyArn: key.arn,
    accessRoleArn: `arn:${p}:iam::${spec.accountId}:role/${LOG_ARCHIVE_ACCESS_ROLE}`,
    keyAdministratorRoleArn: keyAdmin.arn,
  };
}

/** Role name of the administrator every seeded account has (AdministratorAccess, trusting its own account). */
export const ADMINISTRATOR_ROLE = 'Administrator';

/** Creates the account's `Administrator` role (once): the identity a person of that account signs in as. */
export function seedAdministrator(world: SimWorld, accountId: string): SimRole {
  return (
    world.iam.getRole(accountId, ADMINISTRATOR_ROLE) ??
    world.iam.createRole(accountId, { name: ADMINISTRATOR_ROLE, trustPolicy: trustAccount(world.partition, accountId), managedPolicyArns: [ADMINISTRATOR_ACCESS] })
  );
}

/** Creates OrganizationAccountAccessRole (trusting the management account, AdministratorAccess). */
export function seedMember(world: SimWorld, accountId: string, options: MemberSeedOptions = {}): SimRole {
  world.accounts.require(accountId);
  return world.iam.createRole(accountId, {
    name: ORGANIZATION_ACCESS_ROLE,
    trustPolicy: trustAccount(world.partition, trustedAccount(world, options.trustedAccountId)),
    managedPolicyArns: [ADMINISTRATOR_ACCESS],
  });
}

/**
 * A bucket of `ownerAccountId` into which `trailAccountId`'s trails may deliver: the bucket policy
 * AWS documents for a trail (ACL check and PutObject under `AWSLogs/<account>/`, both for that
 * account's trails only, with the bucket-owner-full-control ACL).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 */
export function seedTrailBucket(world: SimWorld, spec: { name: string; ownerAccountId: string; trailAccountId: string; region: string }): void {
  const arn = `arn:${world.partition}:s3:::${spec.name}`;
  world.s3.addBucket({
    name: spec.name,
    ownerAccountId: spec.ownerAccountId,
    region: spec.region,
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'AWSCloudTrailAclCheck', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: arn, Condition: { StringEquals: { 'aws:SourceAccount': spec.trailAccountId } } },
        {
          Sid: 'AWSCloudTrailWrite',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${arn}/AWSLogs/${spec.trailAccountId}/*`,
          Condition: { StringEquals: { 'aws:SourceAccount': spec.trailAccountId, 's3:x-amz-acl': 'bucket-owner-full-control' } },
        },
        denyInsecureTransport(arn),
      ],
    },
  });
}

/** What {@link seedOrganizationTrail} creates. */
export interface OrganizationTrailSeedSpec {
  /** Trail name, e.g. Control Tower's `aws-controltower-BaselineCloudTrail`. */
  readonly name: string;
  /** Bucket the trail delivers into (must exist). */
  readonly bucket: string;
  /** Key ARN for SSE-KMS (must exist); none: SSE-S3. */
  readonly keyArn?: string;
  readonly prefix?: string;
  /**
   * Who created it: the management account (default) or a member account id, which is then registered
   * as CloudTrail delegated administrator. Either way the management account owns the trail.
   */
  readonly createdBy?: 'management' | string;
  /** Home region. Default: the bucket's. */
  readonly region?: string;
  /** Default true (Control Tower's is multi-region). */
  readonly isMultiRegionTrail?: boolean;
  /** Default true. */
  readonly logFileValidation?: boolean;
  /** Default true: logging since now. */
  readonly logging?: boolean;
  /**
   * Add the bucket and key statements the trail needs, pinned to its ARN (what whoever created it
   * wrote; the bucket statements are appended to the bucket policy, the key statements to the key
   * policy). Default true.
   */
  readonly policyStatements?: boolean;
  readonly tags?: readonly { Key: string; Value?: string }[];
}

/**
 * An organization trail that exists already (Control Tower's, another team's): the organization has
 * all features (else a plain Error: no such trail can exist) and trusted access for CloudTrail, the
 * trail is the management account's (`arn:<p>:cloudtrail:<region>:<management>:trail/<name>`), logging,
 * with its bucket and key statements. Writes state directly (no requests, no events).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
 */
export function seedOrganizationTrail(world: SimWorld, spec: OrganizationTrailSeedSpec): SimTrail {
  const organization = world.organization;
  if (!organization) throw new Error('seedOrganizationTrail: the world has no organization');
  if (world.organizations.featureSet !== 'ALL') throw new Error('seedOrganizationTrail: an organization trail needs all features (world.organizations.setFeatureSet("ALL"))');
  const bucket = world.s3.getBucket(spec.bucket);
  if (!bucket) throw new Error(`seedOrganizationTrail: bucket ${spec.bucket} does not exist`);
  const region = spec.region ?? bucket.region;
  const mgmt = organization.managementAccountId;
  world.organizations.enableServiceAccess(CLOUDTRAIL_SERVICE_PRINCIPAL);
  if (spec.createdBy !== undefined && spec.createdBy !== 'management' && !world.organizations.isDelegatedAdministrator(spec.createdBy, CLOUDTRAIL_SERVICE_PRINCIPAL)) {
    world.organizations.registerDelegatedAdministrator(spec.createdBy, CLOUDTRAIL_SERVICE_PRINCIPAL);
  }
  const arn = world.cloudtrail.trailArn(mgmt, region, spec.name);
  const key = spec.keyArn === undefined ? undefined : world.kms.resolve(spec.keyArn, mgmt, region);
  if (spec.keyArn !== undefined && !key) throw new Error(`seedOrganizationTrail: key ${spec.keyArn} does not exist`);

  if (spec.policyStatements !== false) {
    const bucketArn = world.s3.bucketArn(bucket.name);
    const prefix = spec.prefix ? `${spec.prefix}/` : '';
    const doc = (bucket.policy ? JSON.parse(bucket.policy) : { Version: '2012-10-17', Statement: [] }) as { Statement: object[] | object };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    const source = { 'aws:SourceArn': arn };
    statements.push(
      { Sid: `${spec.name}AclCheck`, Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: bucketArn, Condition: { StringEquals: source } },
      {
        Sid: `${spec.name}Write`,
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `${bucketArn}/${prefix}AWSLogs/${organization.id}/*`,
        Condition: { StringEquals: { ...source, 's3:x-amz-acl': 'bucket-owner-full-control' } },
      },
    );
    world.cloudtrail.beforeChange({ bucket: bucket.name });
    bucket.policy = JSON.stringify({ ...doc, Statement: statements });
    if (key) {
      const keyDoc = JSON.parse(key.policy) as { Statement: object[] };
      keyDoc.Statement.push(
        {
          Sid: `${spec.name}Encrypt`,
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 'kms:GenerateDataKey*',
          Resource: '*',
          Condition: { StringEquals: source, StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': arn } },
        },
        { Sid: `${spec.name}Describe`, Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:DescribeKey', Resource: '*', Condition: { StringEquals: source } },
      );
      world.cloudtrail.beforeChange({ keyArn: key.arn });
      key.policy = JSON.stringify(keyDoc);
    }
  }

  const now = world.now();
  const logging = spec.logging !== false;
  return world.cloudtrail.addTrail({
    name: spec.name,
    arn,
    accountId: mgmt,
    homeRegion: region,
    s3BucketName: bucket.name,
    ...(spec.prefix ? { s3KeyPrefix: spec.prefix } : {}),
    includeGlobalServiceEvents: true,
    isMultiRegionTrail: spec.isMultiRegionTrail !== false,
    logFileValidationEnabled: spec.logFileValidation !== false,
    ...(key ? { kmsKeyId: key.arn } : {}),
    isOrganizationTrail: true,
    tags: (spec.tags ?? []).map((t) => ({ ...t })),
    isLogging: logging,
    ...(logging ? { startLoggingTime: now } : {}),
  });
}
