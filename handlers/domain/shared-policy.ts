/**
 * What the two shared resource policies (the central bucket's and the central key's) have in
 * common: a list of accounts in, owned statements rendered for them, merged into the current
 * document, measured against the AWS limit, and compared to decide whether a write is due.
 */
import { InvalidAccountId } from '../shared/errors';
import { accountIdFromArn, isAccountId, parseArn, trailArn } from './arns';
import type { LogDestination } from './log-destination';
import { assertWithinLimit, POLICY_LIMITS } from './limits';
import {
  canonicalize,
  isOwnedStatement,
  mergeOwnedStatements,
  parsePolicy,
  policySize,
  serializePolicy,
  type PolicyDocument,
  type PolicyRender,
  type PolicyStatement,
} from './policy-document';

/** The service principal of CloudTrail, the only principal the shared owned statements grant. */
export const CLOUDTRAIL_SERVICE_PRINCIPAL = 'cloudtrail.amazonaws.com';

/** Trail ARNs of the accounts in the home region: what CloudTrail presents as `aws:SourceArn`. */
export function trailArns(accounts: readonly string[], dest: LogDestination): string[] {
  return accounts.map((a) => trailArn(dest.partition, dest.homeRegion, a, dest.trailName));
}

/**
 * Sorted, de-duplicated account ids.
 * @throws InvalidAccountId when one is not 12 digits: it would render a broken (or too broad) grant.
 */
export function normaliseAccounts(accounts: readonly string[]): string[] {
  for (const a of accounts) {
    if (!isAccountId(a)) throw new InvalidAccountId(`Cannot grant ${JSON.stringify(a)} in a shared policy: not a 12-digit account id`);
  }
  return [...new Set(accounts)].sort();
}

/** A policy element as a list (a scalar becomes a one-element list, absent becomes empty). */
export function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Every string value of the condition keys `keys` (compared case-insensitively, as AWS does for
 * condition key names) in one statement, whatever the operator.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
 */
export function conditionValues(s: PolicyStatement, keys: readonly string[]): string[] {
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  const out: string[] = [];
  for (const byKey of Object.values(s.Condition ?? {})) {
    for (const [key, value] of Object.entries(byKey ?? {})) {
      if (!wanted.has(key.toLowerCase())) continue;
      for (const v of asList(value)) if (typeof v === 'string') out.push(v);
    }
  }
  return out;
}

/**
 * Accounts named by CloudTrail ARNs (trail ARNs or `arn:<p>:cloudtrail:*:<acct>:trail/*` patterns)
 * in the given condition keys of the owned statements.
 */
export function accountsInOwnedConditions(doc: PolicyDocument, keys: readonly string[]): string[] {
  const found = new Set<string>();
  for (const s of doc.Statement.filter(isOwnedStatement)) {
    for (const v of conditionValues(s, keys)) {
      if (parseArn(v)?.service !== 'cloudtrail') continue;
      const account = accountIdFromArn(v);
      if (account) found.add(account);
    }
  }
  return [...found].sort();
}

/** Inputs of `renderSharedPolicy`. */
export interface SharedPolicyRenderInput {
  /** Which limit applies. */
  kind: 'bucketPolicy' | 'keyPolicy';
  /** The document's name in messages. */
  what: string;
  /** The current policy text, `undefined` when there is none. */
  currentText: string | undefined;
  /** Every account the owned statements must grant. */
  accounts: readonly string[];
  /** Renders the owned statements for the (normalised) accounts; none for an empty list. */
  owned: (accounts: string[]) => PolicyStatement[];
  /** Extra safety check of a document about to be written (the key policy's administrators). */
  guard?: (current: PolicyDocument, desired: PolicyDocument) => void;
}

/**
 * Renders a shared policy: current document with the owned statements replaced.
 * The guard and the size limit are checked only when a write is due, so a re-run that writes
 * nothing can never fail on them.
 */
export function renderSharedPolicy(input: SharedPolicyRenderInput): PolicyRender {
  const current = parsePolicy(input.currentText, input.what);
  const accounts = normaliseAccounts(input.accounts);
  const document = mergeOwnedStatements(current, input.owned(accounts));
  const text = serializePolicy(document);
  const changed = canonicalize(current) !== canonicalize(document);
  if (changed) {
    input.guard?.(current, document);
    assertWithinLimit(input.kind, text, { accounts: accounts.length, document: input.what });
  }
  return { document, text, bytes: policySize(text), limit: POLICY_LIMITS[input.kind].max, changed, accounts };
}
