/**
 * The central key's policy: the statements that let each onboarded account's trail encrypt its
 * log files with the key, one explicit grant per account.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 */
import { OWNERSHIP } from '../shared/config';
import { InvalidPolicyDocument } from '../shared/errors';
import type { LogDestination } from './log-destination';
import {
  canonicalize,
  canonicalStatement,
  isOwnedStatement,
  type PolicyDocument,
  type PolicyRender,
  type PolicyStatement,
} from './policy-document';
import {
  accountsInOwnedConditions,
  CLOUDTRAIL_SERVICE_PRINCIPAL,
  normaliseAccounts,
  renderSharedPolicy,
  trailArns,
} from './shared-policy';

/** Sids of the owned key-policy statements. */
export const KEY_POLICY_SIDS = {
  /** CloudTrail generates a data key per log file. */
  encrypt: `${OWNERSHIP.sidPrefix}Encrypt`,
  /** CloudTrail checks the key when a trail is created or updated. */
  describe: `${OWNERSHIP.sidPrefix}Describe`,
} as const;

/**
 * Encryption-context key CloudTrail sets to the ARN of the trail writing the file; the per-account
 * pattern ties each account's grant to its own trails.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html#create-kms-key-policy-for-cloudtrail-encrypt
 */
export const CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY = 'kms:EncryptionContext:aws:cloudtrail:arn';

/** `arn:<p>:cloudtrail:*:<account>:trail/*`: any trail of the account, in any region. */
export function accountTrailsPattern(partition: string, accountId: string): string {
  return `arn:${partition}:cloudtrail:*:${accountId}:trail/*`;
}

/**
 * The owned statements for these accounts (none for an empty list). Resource `*` in a key policy
 * means "this key". `aws:SourceArn` is the confused-deputy guard.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 */
export function ownedKeyStatements(accounts: readonly string[], dest: LogDestination): PolicyStatement[] {
  const accts = normaliseAccounts(accounts);
  if (accts.length === 0) return [];
  const sourceArns = trailArns(accts, dest);
  return [
    canonicalStatement({
      Sid: KEY_POLICY_SIDS.encrypt,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: {
        StringLike: { [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY]: accts.map((a) => accountTrailsPattern(dest.partition, a)) },
        StringEquals: { 'aws:SourceArn': sourceArns },
      },
    }),
    canonicalStatement({
      Sid: KEY_POLICY_SIDS.describe,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': sourceArns } },
    }),
  ];
}

/**
 * Accounts the owned statements grant now: from the encryption-context patterns and the trail ARNs
 * in `aws:SourceArn` (the union, for the same reasons as the bucket policy).
 */
export function accountsInKeyPolicy(doc: PolicyDocument, _dest: LogDestination): string[] {
  return accountsInOwnedConditions(doc, [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY, 'aws:SourceArn']);
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
 * Renders the key policy that grants exactly `accounts`, keeping every foreign statement.
 *
 * @param currentText - the policy as GetKeyPolicy returned it.
 * @param accounts - every account to grant; sorted and de-duplicated.
 * @throws InvalidPolicyDocument when a write is due and it would lose the administrators.
 * @throws PolicyTooLarge when a write is due and the result is over 32 KB (nothing is written).
 */
export function renderKeyPolicy(currentText: string | undefined, accounts: readonly string[], dest: LogDestination): PolicyRender {
  return renderSharedPolicy({
    kind: 'keyPolicy',
    what: `key policy of ${dest.keyArn}`,
    currentText,
    accounts,
    owned: (accts) => ownedKeyStatements(accts, dest),
    guard: assertKeyPolicyKeepsAdministration,
  });
}
