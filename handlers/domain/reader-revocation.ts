/**
 * How an offboarded account's read access to its logs ends (handlers/steps/offboard-account.ts):
 * - `readerAccess.mode` `shared`: one role serves every account, so nothing per account can be
 *   deleted. An inline policy of the service's on that role, {@link OFFBOARDED_POLICY_NAME}, denies
 *   everything to a session whose `CloudTrailLogsAccount` tag names an offboarded account.
 * - `per-account`: the account's role is deleted, or kept for `offboarding.keepReaderRoleDays`
 *   ({@link decideRetention}).
 * Pure functions; the writes are in handlers/steps/shared-reader-revocation.ts and offboard-account.ts.
 */
import { assertWithinLimit, measure, POLICY_LIMITS } from './limits';
import { canonicalize, parsePolicy, POLICY_VERSION, serializePolicy, type PolicyDocument } from './policy-document';
import { SHARED_READER_SESSION_TAG, type ObservedRole } from './roles';

// ---------------------------------------------------------------- shared mode: the deny list

/**
 * Name of the inline policy the service owns on the shared reader role (the LogArchive stack's
 * `CloudTrailOnboarding-LogReader`); the stack's own policy there is `ReadOwnCloudTrailLogs`.
 *
 * Why an inline policy on a role CloudFormation manages: the role's trust policy and its
 * `ReadOwnCloudTrailLogs` are the stack's, and the stack is deployed rarely, by a person; the list
 * changes with every offboarding, at run time. (A deny in the trust policy would be the stack's
 * document; a second role would leave the first one's access as it is.) CloudFormation itself has a
 * role's inline policies come from other resources than the role's own `Policies`: an
 * AWS::IAM::Policy or AWS::IAM::RolePolicy adds one to any role it names (the role's reference notes
 * "external" policies that refer to it), and IAM does not tell such a policy from one PutRolePolicy
 * wrote (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-rolepolicy.html).
 * AWS does not say in so many words what an update of the role does to an inline policy it did not
 * declare: README "What only a sandbox account can confirm" lists the check, and the stack's deletion
 * needs this policy deleted first (README "Offboarding").
 */
export const OFFBOARDED_POLICY_NAME = 'CloudTrailOnboarding-Offboarded';

/** Sid of its one statement (the service's Sid prefix). */
export const OFFBOARDED_SID = 'CloudTrailOnboardingOffboardedAccounts';

/** Lease under which the list is read and written (handlers/adapters/lease-lock.ts), like the shared policies. */
export const SHARED_READER_LEASE = 'shared-reader-role';

/** `aws:PrincipalTag/CloudTrailLogsAccount`: the account a shared reader session reads for. */
const TAG_KEY = `aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`;

/**
 * The deny list for `accounts` (sorted, de-duplicated), or undefined when there is none (the policy
 * is then deleted: an empty value list is not something IAM documents).
 *
 * One Deny of every action on every resource, when the session's `CloudTrailLogsAccount` tag is one
 * of the accounts. Session tags are the session's principal tags: "the request context includes the
 * aws:PrincipalTag context key" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html),
 * and the trust policy lets each account set that tag only to itself, so the tag is the account.
 * "If a single condition operator includes multiple values for a context key, those values are
 * evaluated using a logical OR"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html):
 * one StringEquals with the list. An explicit Deny wins over every Allow, the stack's included
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), and it is
 * evaluated on every request, so sessions taken before the offboarding are refused from then on too.
 * A session without the tag does not match (the key is absent: the condition is false); the stack's
 * policy grants such a session nothing anyway.
 */
export function offboardedDenyPolicy(accounts: readonly string[]): PolicyDocument | undefined {
  const ids = [...new Set(accounts)].sort();
  if (!ids.length) return undefined;
  return {
    Version: POLICY_VERSION,
    Statement: [{ Sid: OFFBOARDED_SID, Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { [TAG_KEY]: ids } } }],
  };
}

/**
 * The accounts the deny list names (its statement's values), sorted; none without the policy.
 * @throws InvalidPolicyDocument when the text is not a policy.
 */
export function offboardedAccountsIn(text: string | undefined): string[] {
  if (text === undefined) return [];
  const doc = parsePolicy(text, `inline policy ${OFFBOARDED_POLICY_NAME} of the shared reader role`);
  const out = new Set<string>();
  for (const s of doc.Statement) {
    if (s.Sid !== OFFBOARDED_SID || s.Effect !== 'Deny') continue;
    const values = s.Condition?.StringEquals?.[TAG_KEY];
    for (const v of ([] as unknown[]).concat(values ?? [])) if (typeof v === 'string') out.add(v);
  }
  return [...out].sort();
}

/** What to do with the deny list: write this text, delete the policy, or nothing. */
export type DenyListPlan =
  | { readonly action: 'none'; readonly accounts: string[] }
  | { readonly action: 'put'; readonly accounts: string[]; readonly text: string }
  | { readonly action: 'delete'; readonly accounts: string[] };

/**
 * Plans the shared role's deny list with `accountId` added (`revoke`) or taken out (an onboarding),
 * from the role as read. The list is checked against IAM's limit on a role's inline policies, all
 * together ("Role policy size cannot exceed 10,240 characters", white space not counted:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length),
 * before anything is written. Each account takes 15 characters; with the stack's own policy (about
 * 1,000 characters) about 600 offboarded accounts fit.
 *
 * @throws PolicyTooLarge naming the role, the size, the limit and how many accounts fit.
 */
export function planDenyList(role: Pick<ObservedRole, 'roleName' | 'inlinePolicies'>, accountId: string, revoke: boolean): DenyListPlan {
  const currentText = role.inlinePolicies[OFFBOARDED_POLICY_NAME];
  const listed = offboardedAccountsIn(currentText);
  const accounts = revoke ? [...new Set([...listed, accountId])].sort() : listed.filter((a) => a !== accountId);
  const doc = offboardedDenyPolicy(accounts);
  if (!doc) return currentText === undefined ? { action: 'none', accounts } : { action: 'delete', accounts };
  if (currentText !== undefined && canonicalize(parsePolicy(currentText, OFFBOARDED_POLICY_NAME)) === canonicalize(doc)) return { action: 'none', accounts };
  const text = serializePolicy(doc);
  const others = Object.entries(role.inlinePolicies).filter(([name]) => name !== OFFBOARDED_POLICY_NAME).map(([, t]) => t);
  assertWithinLimit('roleInlinePolicies', [text, ...others], {
    document: `inline policies of role ${role.roleName} (the stack's and ${OFFBOARDED_POLICY_NAME}, the offboarded accounts' deny list)`,
    accounts: accounts.length,
    fit: accountsThatFit(others),
    advice:
      'Onboarding an account again takes it off the list. An account closed more than 90 days ago cannot be reopened ' +
      '(https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html): remove such accounts from the list by hand. ' +
      'Or use readerAccess.mode "per-account", whose roles are deleted one by one.',
  });
  return { action: 'put', accounts, text };
}

/** How many accounts the deny list can hold next to the role's other inline policies. */
export function accountsThatFit(otherPolicies: readonly string[]): number {
  const room = POLICY_LIMITS.roleInlinePolicies.max - measure('roleInlinePolicies', otherPolicies);
  const one = measure('roleInlinePolicies', serializePolicy(offboardedDenyPolicy(['000000000000'])!));
  const two = measure('roleInlinePolicies', serializePolicy(offboardedDenyPolicy(['000000000000', '000000000001'])!));
  return room < one ? 0 : 1 + Math.floor((room - one) / (two - one));
}

/** The role without the deny list: what the LogArchive stack deployed, for comparing with its template. */
export function withoutDenyList<T extends Pick<ObservedRole, 'inlinePolicies'>>(role: T): T {
  const { [OFFBOARDED_POLICY_NAME]: _list, ...rest } = role.inlinePolicies;
  return { ...role, inlinePolicies: rest };
}

// ---------------------------------------------------------------- per-account mode: a kept role

/** What becomes of a kept reader role at this run. */
export type RetentionDecision = { readonly action: 'delete' } | { readonly action: 'keep'; readonly since: string; readonly until: string };

/**
 * Keep or delete an offboarded account's reader role (`days` > 0). The days run from when the
 * account's offboarding began: the status item keeps that date across the offboarding's runs (a
 * retry, the fleet reconcile's run once the days are over), and an onboarding since starts afresh.
 */
export function decideRetention(input: { readonly days: number; readonly now: Date; readonly offboardingStartedAt?: string }): RetentionDecision {
  const sinceMs = Date.parse(input.offboardingStartedAt ?? '') || input.now.getTime();
  const untilMs = sinceMs + input.days * 24 * 3600 * 1000;
  if (untilMs <= input.now.getTime()) return { action: 'delete' };
  return { action: 'keep', since: new Date(sinceMs).toISOString(), until: new Date(untilMs).toISOString() };
}
