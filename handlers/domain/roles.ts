/**
 * The two kinds of role the service owns, and the decision of what to change on an existing one:
 * - the switch role in each member account, assumed by the security account's principals;
 * - one reader role per member account in the log-archive account, able to read only that
 *   account's logs.
 * A role with the right name but without the ownership tag belongs to someone else: a conflict.
 */
import { OWNERSHIP, type RuntimeConfig } from '../shared/config';
import { accountRootArn, bucketArn, logObjectPrefix, parseArn } from './arns';
import { accountTrailsPattern, CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY } from './key-policy';
import { assertWithinLimit } from './limits';
import { isOwnedByService, missingTags, OWNERSHIP_TAG, type Tag } from './ownership';
import { canonicalize, parsePolicy, POLICY_VERSION, serializePolicy, type PolicyDocument } from './policy-document';

/** Ownership by tag, shared with trails (see ownership.ts); re-exported as part of the roles API. */
export { isOwnedByService, OWNERSHIP_TAG, type Tag } from './ownership';

/** Everything about a role the service decides; what it should look like. */
export interface RoleSpec {
  roleName: string;
  /** IAM path; `/` unless stated. It cannot be changed after creation. */
  path: string;
  description: string;
  trustPolicy: PolicyDocument;
  /** Seconds. */
  maxSessionDuration: number;
  /** Sorted, de-duplicated. */
  managedPolicyArns: string[];
  /** Inline policies by name. */
  inlinePolicies: Record<string, PolicyDocument>;
  tags: Tag[];
  /** ARN of the managed policy that must be the role's permissions boundary, if any. */
  permissionsBoundaryArn?: string;
}

/** A role as read from IAM (GetRole, ListAttachedRolePolicies, ListRolePolicies/GetRolePolicy, ListRoleTags). */
export interface ObservedRole {
  arn: string;
  roleName: string;
  /** The trust policy, already URL-decoded (IAM returns it percent-encoded). */
  trustPolicyText: string;
  description?: string;
  maxSessionDuration: number;
  managedPolicyArns: string[];
  /** The permissions boundary's policy ARN, if the role has one. */
  permissionsBoundaryArn?: string;
  /** Inline policy documents by name, already URL-decoded. */
  inlinePolicies: Record<string, string>;
  tags: Tag[];
}

/** What to do about a role. `update` lists only what differs; each list may be empty. */
export type RolePlan =
  | { action: 'create' }
  | { action: 'conflict'; reason: string }
  | { action: 'none' }
  | {
      action: 'update';
      /** UpdateAssumeRolePolicy. */
      updateTrust: boolean;
      /** UpdateRole: description or maximum session duration. */
      updateRole: boolean;
      /** PutRolePermissionsBoundary with the desired boundary (first: the other writes may require it). */
      setBoundary: boolean;
      /** AttachRolePolicy. */
      attach: string[];
      /** DetachRolePolicy. */
      detach: string[];
      /** PutRolePolicy, by policy name. */
      putInline: string[];
      /** DeleteRolePolicy, by policy name. */
      deleteInline: string[];
      /** TagRole: missing tags, or tags with another value. Tags others added are left alone. */
      addTags: Tag[];
    };

/** Name of the reader role's only inline policy. */
export const READER_POLICY_NAME = 'ReadOwnCloudTrailLogs';

/** Default session length of the reader roles (the IAM default). */
export const READER_MAX_SESSION_SECONDS = 3600;

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/**
 * The switch role of a member account: assumable by the configured principals only, with the
 * configured managed policies.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user.html
 */
export function desiredSwitchRole(config: RuntimeConfig): RoleSpec {
  return {
    roleName: config.switchRole.name,
    path: '/',
    description: 'Lets the security account inspect this account. Managed by cloudtrail-onboarding; changes are reverted.',
    trustPolicy: {
      Version: POLICY_VERSION,
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: sortedUnique(config.switchRole.trustedPrincipalArns) },
          Action: 'sts:AssumeRole',
        },
      ],
    },
    maxSessionDuration: config.switchRole.maxSessionDuration,
    managedPolicyArns: sortedUnique(config.switchRole.managedPolicyArns),
    inlinePolicies: {},
    tags: [{ ...OWNERSHIP_TAG }],
  };
}

/** The reader role's name for a member account: `<readerRoleNamePrefix><accountId>` (at most 64 characters). */
export function readerRoleName(config: RuntimeConfig, accountId: string): string {
  return `${config.readerRoleNamePrefix}${accountId}`;
}

/**
 * The reader role (in the log-archive account) of one member account: assumable by that account
 * (as delegated by its own IAM policies) and able to read only that account's log files.
 * - `s3:ListBucket` is limited with `s3:prefix`:
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html#condition-key-bucket-ops-2
 * - `kms:Decrypt` is limited to the account's trails by the CloudTrail encryption context:
 *   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html#create-kms-key-policy-for-cloudtrail-decrypt
 * The key policy's foreign `arn:<p>:iam::<logArchive>:root` statement is what lets this identity
 * policy count for KMS.
 */
export function desiredReaderRole(config: RuntimeConfig, accountId: string): RoleSpec {
  const p = config.partition;
  const bucket = bucketArn(p, config.bucketName);
  const prefix = logObjectPrefix(config.logPrefix, accountId);
  const policy: PolicyDocument = {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: 'ReadOwnLogFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: `${bucket}/${prefix}*` },
      {
        Sid: 'ListOwnLogFiles',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucket,
        Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
      },
      {
        Sid: 'DecryptOwnLogFiles',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: config.keyArn,
        Condition: { StringLike: { [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY]: accountTrailsPattern(p, accountId) } },
      },
    ],
  };
  return {
    roleName: readerRoleName(config, accountId),
    path: '/',
    description: `Reads the CloudTrail logs of account ${accountId} in the central bucket. Managed by cloudtrail-onboarding.`,
    trustPolicy: {
      Version: POLICY_VERSION,
      Statement: [{ Effect: 'Allow', Principal: { AWS: accountRootArn(p, accountId) }, Action: 'sts:AssumeRole' }],
    },
    maxSessionDuration: READER_MAX_SESSION_SECONDS,
    managedPolicyArns: [],
    inlinePolicies: { [READER_POLICY_NAME]: policy },
    tags: [{ ...OWNERSHIP_TAG }],
    // The LogArchive stack's boundary: the access role may write reader roles only with it.
    permissionsBoundaryArn: config.readerRoleBoundaryArn,
  };
}

/** The IAM path in a role ARN (`arn:aws:iam::1:role/a/b/Name` -> `/a/b/`). */
function pathOfRoleArn(arn: string, roleName: string): string | undefined {
  const resource = parseArn(arn)?.resource;
  if (!resource?.startsWith('role/') || !resource.endsWith(roleName)) return undefined;
  return resource.slice('role'.length, resource.length - roleName.length);
}

/**
 * Decides what to do about a role: create it, leave it, update only what differs, or refuse
 * (someone else's role with our name). Policies are compared canonically: IAM may hand a document
 * back with other key order or a one-element list collapsed to a scalar.
 *
 * @throws InvalidPolicyDocument when an observed document is not a policy.
 */
export function planRole(observed: ObservedRole | undefined, desired: RoleSpec): RolePlan {
  if (!observed) return { action: 'create' };
  if (!isOwnedByService(observed.tags)) {
    return {
      action: 'conflict',
      reason:
        `Role ${observed.roleName} (${observed.arn}) already exists and is not tagged ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue}, ` +
        'so this service did not create it and will not change it. Rename or delete that role, or tag it to let the service adopt it.',
    };
  }
  const path = pathOfRoleArn(observed.arn, observed.roleName);
  if (path !== undefined && path !== desired.path) {
    return {
      action: 'conflict',
      reason: `Role ${observed.roleName} has path ${path} but ${desired.path} is wanted, and IAM cannot change a role's path. Delete the role to have it re-created.`,
    };
  }

  const updateTrust =
    canonicalize(parsePolicy(observed.trustPolicyText, `trust policy of role ${observed.roleName}`)) !== canonicalize(desired.trustPolicy);
  const updateRole = (observed.description ?? '') !== desired.description || observed.maxSessionDuration !== desired.maxSessionDuration;

  const have = new Set(observed.managedPolicyArns);
  const want = new Set(desired.managedPolicyArns);
  const attach = [...want].filter((a) => !have.has(a)).sort();
  const detach = [...have].filter((a) => !want.has(a)).sort();

  const putInline = Object.keys(desired.inlinePolicies)
    .filter((name) => {
      const text = observed.inlinePolicies[name];
      if (text === undefined) return true;
      const current = parsePolicy(text, `inline policy ${name} of role ${observed.roleName}`);
      return canonicalize(current) !== canonicalize(desired.inlinePolicies[name] as PolicyDocument);
    })
    .sort();
  const deleteInline = Object.keys(observed.inlinePolicies)
    .filter((name) => !(name in desired.inlinePolicies))
    .sort();

  const addTags = missingTags(observed.tags, desired.tags);
  const setBoundary = desired.permissionsBoundaryArn !== undefined && observed.permissionsBoundaryArn !== desired.permissionsBoundaryArn;

  if (!setBoundary && !updateTrust && !updateRole && !attach.length && !detach.length && !putInline.length && !deleteInline.length && !addTags.length) {
    return { action: 'none' };
  }
  return { action: 'update', setBoundary, updateTrust, updateRole, attach, detach, putInline, deleteInline, addTags };
}

/**
 * Checks a role's documents against the IAM quotas before anything is created.
 * @throws PolicyTooLarge naming the trust-policy limit (2,048 characters without white space) or
 *   the aggregate inline-policy limit (10,240 characters).
 */
export function assertRoleDocumentsWithinLimits(spec: RoleSpec): void {
  assertWithinLimit('trustPolicy', serializePolicy(spec.trustPolicy), { document: `trust policy of role ${spec.roleName}` });
  assertWithinLimit('roleInlinePolicies', Object.values(spec.inlinePolicies).map(serializePolicy), {
    document: `inline policies of role ${spec.roleName}`,
  });
}
