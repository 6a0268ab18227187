/**
 * The two kinds of role the service owns, and the decision of what to change on an existing one:
 * - the switch role in each member account, assumed by the security account's principals;
 * - one reader role per member account in the log-archive account, able to read only that
 *   account's logs.
 * A role with the right name but without the ownership tag belongs to someone else: a conflict.
 */
import { OWNERSHIP, type RuntimeConfig } from '../shared/config';
import { accountRootArn, bucketArn, logObjectPrefix, organizationLogObjectPrefix, organizationTrailArn, parseArn } from './arns';
import { accountTrailsPattern, CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY } from './key-policy';
import { assertWithinLimit } from './limits';
import { isOwnedByService, missingTags, OWNERSHIP_TAG, type Tag } from './ownership';
import { canonicalize, parsePolicy, POLICY_VERSION, serializePolicy, type PolicyCondition, type PolicyDocument } from './policy-document';

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
 * Encryption-context key S3 passes to KMS for an SSE-KMS object: the object's ARN (the bucket's ARN
 * when S3 itself made the data key under an S3 Bucket Key); S3 hands the stored context back to KMS
 * with the Decrypt of a GetObject.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context
 */
export const S3_ENCRYPTION_CONTEXT_KEY = 'kms:EncryptionContext:aws:s3:arn';

/**
 * `kms:ViaService` of a request S3 makes to KMS for a caller (`s3.<region>.amazonaws.com`, the
 * bucket's region): a Decrypt allowed only so happens only inside a GetObject S3 authorized.
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 */
export function s3ViaService(region: string): string {
  return `s3.${region}.amazonaws.com`;
}

/** What a reader's decrypt is scoped by in `trailMode` `organization`. */
export interface OrganizationReaderScope {
  /** The organization trail's ARN: the encryption context of every file it writes. */
  readonly trailArn: string;
  /** The organization (`o-...`): members' logs are under `AWSLogs/<org-id>/<account-id>/`. */
  readonly organizationId: string;
  /** Region of the central bucket (`kms:ViaService` = `s3.<region>.amazonaws.com`). */
  readonly bucketRegion: string;
}

/**
 * The decrypt condition of a reader in `trailMode` `organization`. The encryption context of an
 * organization trail's files names the organization trail (the management account's), not the member,
 * so `aws:cloudtrail:arn` alone would let every member's reader decrypt every member's files. So:
 * - `StringEquals kms:ViaService` = `s3.<bucket region>.amazonaws.com`: KMS decrypts only for a request
 *   S3 makes on the reader's behalf, i.e. inside a GetObject S3 has already authorized, and the
 *   reader's GetObject reaches only `[prefix/]AWSLogs/<org-id>/<account>/` (the same role's
 *   ReadOwnLogFiles, capped by the boundary); a ciphertext taken elsewhere cannot be decrypted directly;
 * - `StringEquals kms:EncryptionContext:aws:cloudtrail:arn` = the organization trail: only its files;
 * - `StringLike kms:EncryptionContext:aws:s3:arn` = `<bucket>/[prefix/]AWSLogs/<org-id>/<account>/*`:
 *   CloudTrail's data key for a log file carries "the ARN of the S3 bucket and path where the
 *   CloudTrail log files are delivered" next to the trail's ARN
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-kms-works-with-cloudtrail.html), and
 *   the context is cryptographically bound to the data key, so KMS itself decrypts only the account's
 *   own files, whoever asks. The tightest condition AWS documents for this; it also holds for digest
 *   files (`.../AWSLogs/<org-id>/<account>/CloudTrail-Digest/`).
 * Open: with an S3 Bucket Key on the bucket, S3's own context is the bucket's ARN
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context);
 * whether CloudTrail's files then still carry the object ARN is not documented.
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html#create-kms-key-policy-for-cloudtrail-decrypt
 */
export function organizationDecryptCondition(scope: OrganizationReaderScope, ownObjectsArnPattern: string): PolicyCondition {
  return {
    StringEquals: { 'kms:ViaService': s3ViaService(scope.bucketRegion), [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY]: scope.trailArn },
    StringLike: { [S3_ENCRYPTION_CONTEXT_KEY]: ownObjectsArnPattern },
  };
}

/** The organization scope of a configuration in `trailMode` `organization`; `undefined` in `account` mode. */
export function organizationReaderScopeOf(config: RuntimeConfig): OrganizationReaderScope | undefined {
  if (config.trailMode !== 'organization' || config.organizationId === undefined) return undefined;
  return { trailArn: organizationTrailArn(config), organizationId: config.organizationId, bucketRegion: config.homeRegion };
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
 * In `trailMode` `organization`: the prefix is `[<prefix>/]AWSLogs/<org-id>/<acct>/` and decrypt is
 * scoped by `organizationDecryptCondition` (the organization trail's files name no member).
 */
export function desiredReaderRole(config: RuntimeConfig, accountId: string): RoleSpec {
  const p = config.partition;
  const bucket = bucketArn(p, config.bucketName);
  // In organization mode the organization trail writes the account's logs under AWSLogs/<org-id>/<account>/.
  const org = organizationReaderScopeOf(config);
  const prefix = org ? organizationLogObjectPrefix(config.logPrefix, org.organizationId, accountId) : logObjectPrefix(config.logPrefix, accountId);
  const decryptCondition = org
    ? organizationDecryptCondition(org, `${bucket}/${prefix}*`)
    : { StringLike: { [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY]: accountTrailsPattern(p, accountId) } };
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
        Condition: decryptCondition,
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

// ---------------------------------------------------------------- the shared reader role

/**
 * The session tag that names the account a shared reader session reads for. The trust policy lets an
 * account set it only to itself (`${aws:PrincipalAccount}`); the permissions name the prefix and the
 * trails through `${aws:PrincipalTag/<key>}`. IAM compares tag keys without regard to case when it
 * stores them ("you cannot have separate Department and department tag keys"), but `aws:TagKeys`
 * values are compared as written: the trust policy admits exactly this spelling and nothing else.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
 */
export const SHARED_READER_SESSION_TAG = 'CloudTrailLogsAccount';

/** `${aws:PrincipalTag/<SHARED_READER_SESSION_TAG>}`: the tagged account, resolved per request. */
export const SHARED_READER_ACCOUNT_VARIABLE = `\${aws:PrincipalTag/${SHARED_READER_SESSION_TAG}}`;

/** How the shared role's permissions name the central key. */
export type SharedReaderKey =
  /** By key ARN (an existing key by ARN, or the created key's ARN). */
  | { readonly arn: string }
  /**
   * By alias (an existing key configured by alias ARN): every key of the log-archive account in the
   * home region, narrowed by `kms:ResourceAliases`, as the boundary does; IAM names keys by key ARN only.
   * https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html
   */
  | { readonly accountKeysArn: string; readonly alias: string };

/** What the shared role is built from (the LogArchive stack and the step pass the same values). */
export interface SharedReaderInput {
  readonly partition: string;
  readonly organizationId: string;
  readonly logArchiveAccountId: string;
  readonly bucketName: string;
  readonly logPrefix?: string;
  readonly readerRoleBoundaryArn: string;
  /** Name of the role (infra/names.ts SHARED_READER_ROLE_NAME). */
  readonly roleName: string;
  readonly key: SharedReaderKey;
  /** `trailMode` `organization`: the organization prefix and decrypt scope (`organizationDecryptCondition`). */
  readonly organizationTrail?: { readonly trailArn: string; readonly bucketRegion: string };
}

/** Description of the shared reader role (the step compares it, so the stack and the step share it). */
export const SHARED_READER_DESCRIPTION =
  'Reads the CloudTrail logs of the account named by the session tag CloudTrailLogsAccount, which the trust policy lets ' +
  'each organization account set only to itself. Deployed by the LogArchive stack; checked by cloudtrail-onboarding.';

/**
 * The shared reader role of `readerAccess.mode` `shared` (LogArchive stack): one role that every
 * account of the organization may assume, each only for itself, instead of one role per account (IAM
 * allows 1,000 roles per account by default, 5,000 at most, shared with everything else there:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
 *
 * Trust (one statement, `sts:AssumeRole` and `sts:TagSession`, Principal `*`, all conditions ANDed):
 * - `StringEquals aws:PrincipalOrgID` = the organization: only its accounts' principals
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid).
 *   Cross-account, the caller's own IAM policies must also allow `sts:AssumeRole` and `sts:TagSession`.
 * - `StringNotEquals aws:PrincipalAccount` = the log-archive account: the role's own sessions live in
 *   that account, so this also closes chaining from the shared role into itself; the log-archive
 *   account reads its own logs with its own IAM policies (same account), never through this role.
 * - `StringEquals aws:RequestTag/<key>` = `${aws:PrincipalAccount}`: the tag must be passed and name
 *   the caller's own account (a missing tag fails StringEquals). Global condition keys may be used as
 *   policy variables in condition values
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
 * - `ForAllValues:StringEquals aws:TagKeys` = [<key>]: no other session tag, and no other spelling of
 *   this one (`aws:TagKeys` values are compared case-sensitively by StringEquals).
 * - `Null aws:PrincipalTag/<key>` = true: the caller has no tag of that key at all -- not as an IAM
 *   tag of its role or user, and not as a transitive session tag inherited from an earlier session of
 *   a role chain (STS carries those into the new session, and a request cannot override them:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-chaining).
 *   Condition key names are case-insensitive, so this covers every spelling of the key. So the new
 *   session's tag can only be the one the request passed, which names the caller's account.
 * The management account is no exception: SCPs do not apply to it, but nothing here relies on an SCP;
 * it too can only name itself.
 *
 * Permissions (inline policy `ReadOwnCloudTrailLogs`, as tight as the per-account role's with the
 * account replaced by `${aws:PrincipalTag/<key>}`, which IAM resolves in Resource and Condition values;
 * each statement also requires the tag to be present (`Null ... false`), so a session without it is
 * denied whatever the variable would do). The boundary caps it at reading the logs, as for every
 * reader role.
 */
export function desiredSharedReaderRole(input: SharedReaderInput): RoleSpec {
  const p = input.partition;
  const bucket = bucketArn(p, input.bucketName);
  const org = input.organizationTrail;
  const prefix = org
    ? organizationLogObjectPrefix(input.logPrefix, input.organizationId, SHARED_READER_ACCOUNT_VARIABLE)
    : logObjectPrefix(input.logPrefix, SHARED_READER_ACCOUNT_VARIABLE);
  const tagged = { Null: { [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: 'false' } };
  const decrypt: PolicyCondition = org
    ? organizationDecryptCondition({ ...org, organizationId: input.organizationId }, `${bucket}/${prefix}*`)
    : { StringLike: { [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY]: accountTrailsPattern(p, SHARED_READER_ACCOUNT_VARIABLE) } };
  const keyStatement = 'arn' in input.key
    ? { Resource: input.key.arn, Condition: { ...tagged, ...decrypt } }
    : {
        Resource: input.key.accountKeysArn,
        Condition: {
          ...tagged,
          ...decrypt,
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [input.key.alias] },
        },
      };
  const policy: PolicyDocument = {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: 'ReadOwnLogFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: `${bucket}/${prefix}*`, Condition: tagged },
      {
        Sid: 'ListOwnLogFiles',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucket,
        Condition: { ...tagged, StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
      },
      { Sid: 'DecryptOwnLogFiles', Effect: 'Allow', Action: 'kms:Decrypt', ...keyStatement },
    ],
  };
  return {
    roleName: input.roleName,
    path: '/',
    description: SHARED_READER_DESCRIPTION,
    trustPolicy: {
      Version: POLICY_VERSION,
      Statement: [
        {
          Sid: 'OrganizationAccountsReadOwnLogs',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: {
            StringEquals: {
              'aws:PrincipalOrgID': input.organizationId,
              [`aws:RequestTag/${SHARED_READER_SESSION_TAG}`]: '${aws:PrincipalAccount}',
            },
            StringNotEquals: { 'aws:PrincipalAccount': input.logArchiveAccountId },
            'ForAllValues:StringEquals': { 'aws:TagKeys': [SHARED_READER_SESSION_TAG] },
            Null: { [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: 'true' },
          },
        },
      ],
    },
    maxSessionDuration: READER_MAX_SESSION_SECONDS,
    managedPolicyArns: [],
    inlinePolicies: { [READER_POLICY_NAME]: policy },
    tags: [{ ...OWNERSHIP_TAG }],
    permissionsBoundaryArn: input.readerRoleBoundaryArn,
  };
}

/** The name of a role from its ARN (`arn:aws:iam::1:role/a/Name` -> `Name`). */
export function roleNameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/**
 * The shared role as the runtime configuration describes it (`readerAccess.mode` `shared`): a key
 * configured by key ARN is named by it; a key configured by alias ARN is either the created key (the
 * stack names it by key ARN: `resolvedKeyArn`) or an existing one (the stack names it by alias), so
 * both candidates are returned and the observed role must match one.
 */
export function sharedReaderRoleCandidates(config: RuntimeConfig, resolvedKeyArn: string): RoleSpec[] {
  if (!config.sharedReaderRoleArn || !config.organizationId) return [];
  const base = {
    partition: config.partition,
    organizationId: config.organizationId,
    logArchiveAccountId: config.logArchiveAccountId,
    bucketName: config.bucketName,
    ...(config.logPrefix ? { logPrefix: config.logPrefix } : {}),
    readerRoleBoundaryArn: config.readerRoleBoundaryArn,
    roleName: roleNameOfArn(config.sharedReaderRoleArn),
    ...organizationTrailOfShared(config),
  };
  const byArn = desiredSharedReaderRole({ ...base, key: { arn: resolvedKeyArn } });
  const alias = /^arn:[^:]+:kms:([^:]+):(\d{12}):(alias\/.+)$/.exec(config.keyArn);
  if (!alias) return [byArn];
  const accountKeysArn = `arn:${config.partition}:kms:${alias[1]}:${alias[2]}:key/*`;
  return [byArn, desiredSharedReaderRole({ ...base, key: { accountKeysArn, alias: alias[3] } })];
}

/** The shared role's `organizationTrail` input for a configuration (none in `account` mode). */
export function organizationTrailOfShared(config: RuntimeConfig): { organizationTrail?: { trailArn: string; bucketRegion: string } } {
  const org = organizationReaderScopeOf(config);
  return org ? { organizationTrail: { trailArn: org.trailArn, bucketRegion: org.bucketRegion } } : {};
}
