/**
 * What the two shared resource policies (the central bucket's and the central key's) have in
 * common: who may deliver (a list of accounts, or the whole organization), the conditions that pin
 * each request to an onboarded account's own trail, reading the accounts back (this encoding and the
 * earlier explicit one), and rendering: owned statements merged into the current document, measured
 * against the AWS limit, compared to decide whether a write is due.
 *
 * The compact encoding names each account once, in `aws:SourceAccount`, and uses the request's own
 * `${aws:SourceAccount}` as a policy variable wherever the account appears in a resource or a
 * pattern, so that each account can only reach what is its own. Global condition keys can be policy
 * variables in the resource part of an ARN and in string and ARN conditions:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
import { InvalidAccountId, PolicyVersionConflict, StalePrincipalInPolicy } from '../shared/errors';
import { accountIdFromArn, isAccountId, parseArn } from './arns';
import type { LogDestination } from './log-destination';
import { assertWithinLimit, POLICY_LIMITS } from './limits';
import {
  canonicalize,
  describeStatement,
  isOwnedStatement,
  mergeOwnedStatements,
  parsePolicy,
  policySize,
  POLICY_VERSION,
  serializePolicy,
  statementsWithVariableText,
  uniqueIdPrincipals,
  type PolicyCondition,
  type PolicyDocument,
  type PolicyRender,
  type PolicyStatement,
} from './policy-document';

/** The service principal of CloudTrail, the only principal the shared owned statements grant. */
export const CLOUDTRAIL_SERVICE_PRINCIPAL = 'cloudtrail.amazonaws.com';

/**
 * Global condition keys CloudTrail sets when it calls S3 and KMS for a trail: the trail's account
 * and the trail's ARN (documented for both), and the organization of the trail's account (relied on
 * for S3 only: CloudTrail does not document it for its KMS requests, see `ownedKeyStatements`).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 */
export const SOURCE_KEYS = {
  account: 'aws:SourceAccount',
  arn: 'aws:SourceArn',
  orgId: 'aws:SourceOrgID',
} as const;

/** The trail's own account, as a policy variable (resolved per request). */
export const SOURCE_ACCOUNT_VARIABLE = '${aws:SourceAccount}';

/** How the owned statements name the trails that may deliver. */
export const SharingMode = {
  /** Every onboarded account is listed in `aws:SourceAccount` (the compact encoding). */
  accounts: 'accounts',
  /** Any account of the configured organization (`aws:SourceOrgID`): used once the list no longer fits. */
  organization: 'organization',
  /**
   * `trailMode` `organization`: the one organization trail, pinned by its ARN; no account is added
   * (statements of per-account trails that still deliver are kept until they are migrated).
   */
  organizationTrail: 'organization-trail',
} as const;
/** One of `SharingMode`'s values. */
export type SharingMode = (typeof SharingMode)[keyof typeof SharingMode];

/** Who the owned statements grant. */
export type Grantees =
  | { readonly mode: typeof SharingMode.accounts; readonly accounts: readonly string[] }
  | { readonly mode: typeof SharingMode.organization; readonly organizationId: string };

/**
 * `arn:<p>:cloudtrail:<homeRegion>:*:trail/<trailName>`: the configured trail in any account. With
 * `aws:SourceAccount` (or `aws:SourceOrgID`) it names exactly the onboarded accounts' trails, since
 * CloudTrail presents a trail's own account as `aws:SourceAccount` and the (multi-region) trail's
 * home-region ARN as `aws:SourceArn`.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html#cloudtrail-s3-bucket-policy-confused-deputy
 */
export function trailArnPattern(dest: LogDestination): string {
  return `arn:${dest.partition}:cloudtrail:${dest.homeRegion}:*:trail/${dest.trailName}`;
}

/**
 * The conditions of the owned Allow statements that grant delivery: the trail name (`ArnLike
 * aws:SourceArn`) and who may deliver (`StringEquals aws:SourceAccount [accounts]` or
 * `aws:SourceOrgID <org>`). The key policy's Describe statement takes the trail name only, and its
 * organization-wide Encrypt statement asks for the organization only if the request names one:
 * see `ownedKeyStatements`.
 */
export function sourceConditions(grantees: Grantees, dest: LogDestination): PolicyCondition {
  return {
    ArnLike: { [SOURCE_KEYS.arn]: trailArnPattern(dest) },
    StringEquals:
      grantees.mode === SharingMode.accounts
        ? { [SOURCE_KEYS.account]: [...grantees.accounts] }
        : { [SOURCE_KEYS.orgId]: grantees.organizationId },
  };
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

/** An account list (sorted, de-duplicated, checked) as grantees; grantees as they are. */
export function toGrantees(grantees: Grantees | readonly string[]): Grantees {
  return isAccountList(grantees) ? { mode: SharingMode.accounts, accounts: normaliseAccounts(grantees) } : grantees;
}

function isAccountList(g: Grantees | readonly string[]): g is readonly string[] {
  return Array.isArray(g);
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
 * in the given condition keys of the owned statements. ARNs whose account is a wildcard or a policy
 * variable name no account.
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

/** Accounts listed in `aws:SourceAccount` by the owned statements (the compact encoding). */
export function accountsInSourceAccount(doc: PolicyDocument): string[] {
  const found = new Set<string>();
  for (const s of doc.Statement.filter(isOwnedStatement)) {
    for (const v of conditionValues(s, [SOURCE_KEYS.account])) if (isAccountId(v)) found.add(v);
  }
  return [...found].sort();
}

/**
 * Organization ids the owned statements grant organization-wide: named in `aws:SourceOrgID` (with
 * any operator) by a document whose owned statements list no account in `aws:SourceAccount`. A
 * document that lists accounts is an account-list one even when an owned statement also names the
 * organization (the key policy's Describe statement did, as earlier versions wrote it).
 */
export function organizationsInPolicy(doc: PolicyDocument): string[] {
  if (accountsInSourceAccount(doc).length > 0) return [];
  const found = new Set<string>();
  for (const s of doc.Statement.filter(isOwnedStatement)) {
    for (const v of conditionValues(s, [SOURCE_KEYS.orgId])) found.add(v);
  }
  return [...found].sort();
}

/**
 * How the owned statements of a document grant: `organization` when they name an organization
 * (`aws:SourceOrgID`) and list no account (see `organizationsInPolicy`), otherwise `accounts`
 * (including "no owned statement").
 */
export function sharingModeOf(doc: PolicyDocument): SharingMode {
  return organizationsInPolicy(doc).length > 0 ? SharingMode.organization : SharingMode.accounts;
}

/**
 * True when the document's owned statements already let `accountId`'s trail deliver: the account is
 * listed (in this encoding or the earlier explicit one, as `accountsIn` reads it), or the statements
 * are organization-wide for the configured organization. Organization membership itself is checked
 * when the request is validated (ValidateRequest asks AWS Organizations), not here.
 *
 * "Granted" is not "nothing to write": the caller still renders and compares (an earlier encoding,
 * a changed prefix or trail name, a hand edit are all rewritten).
 */
export function grants(
  doc: PolicyDocument,
  accountId: string,
  dest: LogDestination,
  accountsIn: (doc: PolicyDocument, dest: LogDestination) => string[],
): boolean {
  if (dest.organizationId !== undefined && organizationsInPolicy(doc).includes(dest.organizationId)) return true;
  return accountsIn(doc, dest).includes(accountId);
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
  /** The organization the accounts belong to, when configured: allows the organization-wide mode. */
  organizationId: string | undefined;
  /** Renders the owned statements for these grantees (none for an empty account list). */
  owned: (grantees: Grantees) => PolicyStatement[];
  /** Extra safety check of a document about to be written (the key policy's administrators). */
  guard?: (current: PolicyDocument, desired: PolicyDocument) => void;
}

/**
 * Renders a shared policy: the current document with the owned statements replaced.
 *
 * Which encoding:
 * - the account list (`aws:SourceAccount`), as long as the document fits the AWS limit;
 * - organization-wide (`aws:SourceOrgID`) when the list does not fit and an organization id is
 *   configured, and from then on (the policy no longer records the accounts, so going back to a
 *   list would rest on the member set alone: a lost member set would silently revoke delivery);
 * - otherwise PolicyTooLarge, naming the limit and how many accounts fit. Nothing is written.
 *
 * The guard, the size limit and the two checks of what AWS would refuse to take back
 * (`assertVersionUpgradeKeepsMeaning`, `assertNoStalePrincipals`) apply only when a write is due, so
 * a re-run that writes nothing can never fail on them.
 */
export function renderSharedPolicy(input: SharedPolicyRenderInput): PolicyRender {
  const current = parsePolicy(input.currentText, input.what);
  const accounts = normaliseAccounts(input.accounts);
  const orgId = input.organizationId;

  const attempt = (grantees: Grantees) => {
    const document = mergeOwnedStatements(current, grantees.mode === SharingMode.accounts && grantees.accounts.length === 0 ? [] : input.owned(grantees));
    const text = serializePolicy(document);
    const changed = canonicalize(current) !== canonicalize(document);
    return { document, text, changed, bytes: policySize(text) };
  };
  const result = (r: ReturnType<typeof attempt>, mode: SharingMode): PolicyRender => {
    if (r.changed) {
      assertVersionUpgradeKeepsMeaning(current, r.document, input.what);
      assertNoStalePrincipals(r.document, input.kind, input.what);
      input.guard?.(current, r.document);
    }
    return { document: r.document, text: r.text, bytes: r.bytes, limit: POLICY_LIMITS[input.kind].max, changed: r.changed, accounts, mode };
  };
  const fits = (r: ReturnType<typeof attempt>) => !r.changed || r.bytes <= POLICY_LIMITS[input.kind].max;

  const organizationWide = () => {
    const r = attempt({ mode: SharingMode.organization, organizationId: orgId as string });
    if (r.changed) {
      assertWithinLimit(input.kind, r.text, {
        accounts: accounts.length,
        document: `${input.what} (organization-wide, ${orgId})`,
        advice: 'Even without the account list the document does not fit: shorten or move the foreign statements.',
      });
    }
    return result(r, SharingMode.organization);
  };

  if (orgId !== undefined && sharingModeOf(current) === SharingMode.organization) return organizationWide();

  const listed = attempt({ mode: SharingMode.accounts, accounts });
  if (fits(listed)) return result(listed, SharingMode.accounts);
  if (orgId !== undefined) return organizationWide();

  const fit = largestFit((n) => fits(attempt({ mode: SharingMode.accounts, accounts: accounts.slice(0, n) })), accounts.length);
  assertWithinLimit(input.kind, listed.text, { accounts: accounts.length, document: input.what, fit });
  // Unreachable: the listed document is over the limit, so the assertion above throws.
  return result(listed, SharingMode.accounts);
}

/** Inputs of `renderOrganizationTrailPolicy`. */
export interface OrganizationTrailRenderInput {
  /** Which limit applies. */
  kind: 'bucketPolicy' | 'keyPolicy';
  /** The document's name in messages. */
  what: string;
  /** The current policy text, `undefined` when there is none. */
  currentText: string | undefined;
  /** The owned statements the organization trail needs (their Sids: `ownedSids`). */
  statements: PolicyStatement[];
  /** Accounts the kept per-account statements list (reported, not rendered). */
  accountsIn: (doc: PolicyDocument) => string[];
  /** Extra safety check of a document about to be written (the key policy's administrators). */
  guard?: (current: PolicyDocument, desired: PolicyDocument) => void;
  /**
   * Accounts whose per-account trail is gone (migrateAccountTrails), and the per-account statements for
   * a list of accounts: the kept per-account statements are rendered for the accounts they list minus
   * these (none left: no per-account statement). Statements that list no account (organization-wide)
   * are kept as they are: they cannot drop one account.
   */
  retire?: { readonly accounts: readonly string[]; readonly perAccount: (accounts: readonly string[]) => PolicyStatement[] };
}

/**
 * Renders a shared policy for `trailMode` `organization`: the organization trail's owned statements
 * merged in (replacing their namesakes in place, else appended), every other statement kept as it
 * is -- foreign ones, and the service's own per-account statements too: a per-account trail they
 * grant may still be delivering, and only the migration (once the organization trail is confirmed
 * to deliver that account's logs) may retire them. No account is ever added.
 *
 * The same checks as `renderSharedPolicy` apply when a write is due: the size limit, the Version
 * upgrade, stale principals and the guard.
 */
export function renderOrganizationTrailPolicy(input: OrganizationTrailRenderInput): PolicyRender {
  const current = parsePolicy(input.currentText, input.what);
  const ours = new Set(input.statements.map((st) => st.Sid));
  let kept = current.Statement.filter((st) => isOwnedStatement(st) && !ours.has(st.Sid));
  // The accounts of the per-account statements alone (the organization trail's name the management account).
  const listed = input.accountsIn({ ...current, Statement: kept });
  if (input.retire && listed.some((a) => input.retire!.accounts.includes(a))) {
    kept = input.retire.perAccount(listed.filter((a) => !input.retire!.accounts.includes(a)));
  }
  const document = mergeOwnedStatements(current, [...kept, ...input.statements]);
  const text = serializePolicy(document);
  const changed = canonicalize(current) !== canonicalize(document);
  if (changed) {
    assertWithinLimit(input.kind, text, { document: `${input.what} (organization trail)`, advice: 'Shorten or move the foreign statements.' });
    assertVersionUpgradeKeepsMeaning(current, document, input.what);
    assertNoStalePrincipals(document, input.kind, input.what);
    input.guard?.(current, document);
  }
  return {
    document,
    text,
    bytes: policySize(text),
    limit: POLICY_LIMITS[input.kind].max,
    changed,
    accounts: listed,
    mode: SharingMode.organizationTrail,
  };
}

/**
 * True when every statement of `statements` (the organization trail's, as rendered) is in the
 * document exactly as rendered: the organization trail may deliver, whatever the account.
 */
export function organizationTrailGranted(doc: PolicyDocument, statements: readonly PolicyStatement[]): boolean {
  const have = new Map(doc.Statement.filter(isOwnedStatement).map((st) => [st.Sid as string, canonicalize({ Version: '', Statement: [st] })]));
  return statements.every((st) => have.get(st.Sid as string) === canonicalize({ Version: '', Statement: [st] }));
}

/**
 * Refuses to raise a document's Version to 2012-10-17 (which the owned statements need) when a
 * foreign statement's text contains `${`: literal text under 2008-10-17 (or no Version), a policy
 * variable under 2012-10-17, so the upgrade would change what that statement grants. Without such
 * text the two versions mean the same.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
 *
 * @throws PolicyVersionConflict naming the first such statement (Sid or position) and what to do.
 */
export function assertVersionUpgradeKeepsMeaning(current: PolicyDocument, desired: PolicyDocument, what: string): void {
  if (current.Version === POLICY_VERSION || desired.Version !== POLICY_VERSION) return;
  const [first] = statementsWithVariableText(current);
  if (!first) return;
  throw new PolicyVersionConflict(
    `The ${what} has Version ${current.Version} (a document without Version is read as 2008-10-17), and its ${describeStatement(first.statement, first.index)} ` +
      `contains "\${" text, which that version takes literally. The statements this service adds need Version ${POLICY_VERSION} ` +
      `(they use the policy variable \${aws:SourceAccount}), under which that text would become a policy variable and change what the statement grants. ` +
      `Nothing was written. Rewrite that statement for Version ${POLICY_VERSION} (a literal "\${" is written "\${$}{") and set "Version": "${POLICY_VERSION}", ` +
      'or remove the statement; then re-run the onboarding.',
    { document: what, version: current.Version, statementIndex: first.index, ...(first.statement.Sid !== undefined ? { sid: first.statement.Sid } : {}) },
  );
}

/** How each service refuses a document with a unique-id principal. */
const STALE_PRINCIPAL_REFUSAL = {
  bucketPolicy: 'S3 rejects a bucket policy that contains one (MalformedPolicy: "Invalid principal in policy")',
  keyPolicy: 'KMS rejects a key policy that contains one (MalformedPolicyDocumentException)',
} as const;

/**
 * Refuses to write a document in which a statement names a principal by its unique id (`AROA...`):
 * that is how AWS shows a role or user that was deleted, and S3 and KMS reject the whole document,
 * so every write would fail with a cause that points nowhere. The foreign statement is never dropped
 * or edited here: its owner decides.
 *
 * @throws StalePrincipalInPolicy naming the first such statement (Sid or position), the principal and what to do.
 */
export function assertNoStalePrincipals(doc: PolicyDocument, kind: SharedPolicyRenderInput['kind'], what: string): void {
  const [first] = uniqueIdPrincipals(doc);
  if (!first) return;
  throw new StalePrincipalInPolicy(
    `The ${what} has a statement this service does not own, ${describeStatement(first.statement, first.index)}, that names the principal ${first.principal}: ` +
      `a unique id, which is how AWS shows a role or user that was deleted. ${STALE_PRINCIPAL_REFUSAL[kind]}, so no update of it can succeed. ` +
      'Nothing was written. Remove that principal from the statement (or the whole statement, if it names no one else); ' +
      'if the role was re-created, name it again by its ARN. Then re-run the onboarding.',
    { document: what, principal: first.principal, statementIndex: first.index, ...(first.statement.Sid !== undefined ? { sid: first.statement.Sid } : {}) },
  );
}

/** The largest n in [0, max] for which `ok(n)` holds; `ok` is monotone (true up to some n, false after). */
export function largestFit(ok: (n: number) => boolean, max: number): number {
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

