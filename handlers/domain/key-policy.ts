/**
 * The central key's policy: the statements that let each onboarded account's trail encrypt its
 * log files with the key, and only with its own encryption context.
 *
 * Compact encoding (docs/DESIGN.md, "Documents"): the accounts are listed in `aws:SourceAccount`,
 * the trail name is pinned by an `aws:SourceArn` pattern, and the encryption context must name a
 * trail of the requesting account (`arn:<p>:cloudtrail:*:${aws:SourceAccount}:trail/*`). The earlier
 * explicit encoding (trail ARN lists and one encryption-context pattern per account, same Sids) is
 * still read, so its accounts carry over when it is replaced.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 */
import { OWNERSHIP } from '../shared/config';
import { InvalidPolicyDocument } from '../shared/errors';
import type { LogDestination, OrganizationTrailDestination } from './log-destination';
import {
  canonicalize,
  canonicalStatement,
  isOwnedStatement,
  type PolicyCondition,
  type PolicyDocument,
  type PolicyRender,
  type PolicyStatement,
} from './policy-document';
import {
  accountsInOwnedConditions,
  accountsInSourceAccount,
  CLOUDTRAIL_SERVICE_PRINCIPAL,
  grants,
  organizationTrailGranted,
  renderOrganizationTrailPolicy,
  renderSharedPolicy,
  SharingMode,
  SOURCE_ACCOUNT_VARIABLE,
  SOURCE_KEYS,
  sourceConditions,
  toGrantees,
  type Grantees,
} from './shared-policy';

/** Sids of the owned key-policy statements (the same in the earlier explicit encoding). */
export const KEY_POLICY_SIDS = {
  /** CloudTrail generates a data key per log file (and, with an S3 Bucket Key on the bucket, may decrypt). */
  encrypt: `${OWNERSHIP.sidPrefix}Encrypt`,
  /** CloudTrail checks the key when a trail is created or updated. */
  describe: `${OWNERSHIP.sidPrefix}Describe`,
} as const;

/** Sids of the owned key-policy statements of `trailMode` `organization` (the organization trail's). */
export const ORGANIZATION_KEY_POLICY_SIDS = {
  /** The organization trail generates a data key per log file (and, with an S3 Bucket Key, may decrypt). */
  encrypt: `${OWNERSHIP.sidPrefix}OrganizationEncrypt`,
  /** CloudTrail checks the key when the organization trail is created or updated. */
  describe: `${OWNERSHIP.sidPrefix}OrganizationDescribe`,
} as const;

/**
 * Encryption-context key CloudTrail sets to the ARN of the trail writing the file; the pattern ties
 * each account's grant to its own trails.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html#create-kms-key-policy-for-cloudtrail-encrypt
 */
export const CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY = 'kms:EncryptionContext:aws:cloudtrail:arn';

/** `arn:<p>:cloudtrail:*:<account>:trail/*`: any trail of the account, in any region. */
export function accountTrailsPattern(partition: string, accountId: string): string {
  return `arn:${partition}:cloudtrail:*:${accountId}:trail/*`;
}

/**
 * The owned statements for these grantees (none for an empty account list). Resource `*` in a key
 * policy means "this key".
 * - `Encrypt`: `kms:GenerateDataKey*` for the listed accounts (or the organization) and the
 *   configured trail name, only with an encryption context naming a trail of the requesting account
 *   (`${aws:SourceAccount}` as a policy variable in a string condition); when the bucket uses an S3
 *   Bucket Key (`dest.bucketKeyEnabled`), also `kms:Decrypt`, which CloudTrail then needs to create or
 *   update a trail ("If you are using an existing S3 bucket with an S3 Bucket Key, kms:Decrypt
 *   permissions are required to create or update a trail with SSE-KMS encryption enabled",
 *   create-kms-key-policy-for-cloudtrail.html), under the same conditions. In the same statement
 *   rather than a third one: the grant is for the same requesters, and a second account list would
 *   halve the accounts the key policy holds (16 bytes in all instead of 15 per account);
 * - `Describe`: `kms:DescribeKey` for trails with the configured name (`ArnLike aws:SourceArn`), in
 *   both modes. It carries no account list: DescribeKey returns key metadata, nothing that encrypts
 *   or decrypts, and AWS's own default CloudTrail key policy grants it with no condition at all
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/default-kms-key-policy.html).
 *   Nor does it name the organization: CloudTrail documents `aws:SourceArn` and `aws:SourceAccount`
 *   for its KMS requests, not `aws:SourceOrgID`, so such a condition could deny CloudTrail the key
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).
 *   One list instead of two: 15 bytes per account instead of 30. With the test fixtures' foreign
 *   statements, 1,000 accounts take 16,201 of the 32,768 bytes and the list overflows at 2,105
 *   accounts (organization-wide from there when an organization id is configured) instead of 1,051,
 *   leaving room for the administrators' statements of a real key; the bucket policy (20 KB,
 *   overflowing at 1,276) is the tighter one (test/unit/domain/capacity.test.ts).
 *
 * Organization-wide, the Encrypt statement names the organization with `StringEqualsIfExists
 * aws:SourceOrgID`: CloudTrail does not document that key for KMS, so a plain `StringEquals` could
 * give no trail a data key at all; if the key is present it must match, and either way the trail
 * name and the own-account encryption context hold, and the bucket policy (whose S3 requests carry
 * `aws:SourceOrgID`) keeps trails outside the organization from delivering.
 */
export function ownedKeyStatements(grantees: Grantees | readonly string[], dest: LogDestination): PolicyStatement[] {
  const who = toGrantees(grantees);
  if (who.mode === SharingMode.accounts && who.accounts.length === 0) return [];
  const source = sourceConditions(who, dest);
  const encryptSource: PolicyCondition =
    who.mode === SharingMode.organization ? { ArnLike: source.ArnLike, StringEqualsIfExists: source.StringEquals } : source;
  return [
    canonicalStatement({
      Sid: KEY_POLICY_SIDS.encrypt,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: dest.bucketKeyEnabled === true ? ['kms:Decrypt', 'kms:GenerateDataKey*'] : 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: {
        ...encryptSource,
        StringLike: { [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY]: accountTrailsPattern(dest.partition, SOURCE_ACCOUNT_VARIABLE) },
      },
    }),
    canonicalStatement({
      Sid: KEY_POLICY_SIDS.describe,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { ArnLike: source.ArnLike },
    }),
  ];
}

/**
 * The owned statements of `trailMode` `organization`, for the one organization trail:
 * - `OrganizationEncrypt`: Allow CloudTrail `kms:GenerateDataKey*` only for that trail
 *   (`StringEquals aws:SourceArn`) and only with its encryption context
 *   (`kms:EncryptionContext:aws:cloudtrail:arn` = the trail's ARN: CloudTrail names the trail that
 *   writes, which for an organization trail is the management account's trail, for every member's
 *   files); with an S3 Bucket Key on the bucket also `kms:Decrypt`, as in account mode;
 * - `OrganizationDescribe`: Allow CloudTrail `kms:DescribeKey` for that trail.
 * No account list and no per-account statement.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 */
export function organizationKeyStatements(dest: LogDestination, trail: OrganizationTrailDestination): PolicyStatement[] {
  const source = { [SOURCE_KEYS.arn]: trail.arn };
  return [
    canonicalStatement({
      Sid: ORGANIZATION_KEY_POLICY_SIDS.encrypt,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: dest.bucketKeyEnabled === true ? ['kms:Decrypt', 'kms:GenerateDataKey*'] : 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringEquals: { ...source, [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY]: trail.arn } },
    }),
    canonicalStatement({
      Sid: ORGANIZATION_KEY_POLICY_SIDS.describe,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: source },
    }),
  ];
}

/**
 * Accounts the owned statements list now: `aws:SourceAccount` (this encoding), plus, from the
 * earlier explicit encoding, the encryption-context patterns and the trail ARNs in `aws:SourceArn`
 * (the union, for the same reasons as the bucket policy). An organization-wide policy lists none.
 */
export function accountsInKeyPolicy(doc: PolicyDocument, _dest: LogDestination): string[] {
  const found = new Set([...accountsInSourceAccount(doc), ...accountsInOwnedConditions(doc, [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY, SOURCE_KEYS.arn])]);
  return [...found].sort();
}

/**
 * True when the key policy already lets `accountId`'s trail encrypt: listed, or granted
 * organization-wide for the configured organization (see `grants` in shared-policy.ts).
 */
export function keyPolicyGrants(doc: PolicyDocument, accountId: string, dest: LogDestination): boolean {
  if (dest.organizationTrail) return organizationTrailGranted(doc, organizationKeyStatements(dest, dest.organizationTrail));
  return grants(doc, accountId, dest, accountsInKeyPolicy);
}

/** Canonical text of one statement, for comparing statements one by one. */
function statementKey(s: PolicyStatement): string {
  return canonicalize({ Version: '', Statement: [s] });
}

/**
 * Guard against ever writing a key policy that loses its administrators: a key whose policy no
 * longer lets anyone manage it is unrecoverable without AWS Support.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key
 *
 * @throws InvalidPolicyDocument when `desired` drops or changes a foreign statement of `current`,
 *   reorders them, or contains no foreign Allow statement at all (e.g. the current policy was
 *   never read, so only the CloudTrail statements would be written).
 */
export function assertKeyPolicyKeepsAdministration(current: PolicyDocument, desired: PolicyDocument): void {
  const before = current.Statement.filter((s) => !isOwnedStatement(s)).map(statementKey);
  const after = desired.Statement.filter((s) => !isOwnedStatement(s)).map(statementKey);
  const lost = before.findIndex((s, i) => after[i] !== s);
  if (lost !== -1 || after.length !== before.length) {
    const which = lost !== -1 ? current.Statement.filter((s) => !isOwnedStatement(s))[lost] : undefined;
    throw new InvalidPolicyDocument(
      `Refusing to write the key policy: it would drop, change or reorder a statement this service does not own` +
        (which ? ` (${which.Sid ? `Sid ${which.Sid}` : `foreign statement #${lost + 1}`})` : '') +
        '. Foreign statements, including the key administrators, must be kept unchanged.',
      { foreignBefore: before.length, foreignAfter: after.length },
    );
  }
  if (!desired.Statement.some((s) => !isOwnedStatement(s) && s.Effect === 'Allow')) {
    throw new InvalidPolicyDocument(
      'Refusing to write a key policy with no statement for the key administrators (only CloudTrail would be allowed). ' +
        'Was the current key policy read? A KMS key always has one.',
    );
  }
}

/**
 * Renders the key policy that grants exactly `accounts` (or, past the limit, the organization),
 * keeping every foreign statement unchanged and in place.
 *
 * @param currentText - the policy as GetKeyPolicy returned it.
 * @param accounts - every account to grant; sorted and de-duplicated.
 * @param dest - the destination; with `bucketKeyEnabled`, CloudTrail is also granted `kms:Decrypt`.
 * @throws InvalidPolicyDocument when a write is due and it would lose the administrators.
 * @throws PolicyTooLarge when a write is due, the account list does not fit 32 KB and no organization
 *   id is configured; the message names the limit and how many accounts fit. Nothing is written.
 */
export function renderKeyPolicy(currentText: string | undefined, accounts: readonly string[], dest: LogDestination): PolicyRender {
  if (dest.organizationTrail) {
    // Organization mode: the organization trail's statements; `accounts` adds nothing (no per-account statement).
    return renderOrganizationTrailPolicy({
      kind: 'keyPolicy',
      what: `key policy of ${dest.keyArn}`,
      currentText,
      statements: organizationKeyStatements(dest, dest.organizationTrail),
      accountsIn: (doc) => accountsInKeyPolicy(doc, dest),
      guard: assertKeyPolicyKeepsAdministration,
      ...(dest.retiredAccountTrails?.length ? { retire: { accounts: dest.retiredAccountTrails, perAccount: (accounts) => ownedKeyStatements(accounts, dest) } } : {}),
    });
  }
  return renderSharedPolicy({
    kind: 'keyPolicy',
    what: `key policy of ${dest.keyArn}`,
    currentText,
    accounts,
    organizationId: dest.organizationId,
    owned: (grantees) => ownedKeyStatements(grantees, dest),
    guard: assertKeyPolicyKeepsAdministration,
  });
}
