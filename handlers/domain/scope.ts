/**
 * The configured scope: which accounts of the organization the service onboards. Pure decisions on
 * an account's place in the OU tree (its parent path, root first), read by ValidateRequest, the
 * event starter and the fleet start alike, so all three agree.
 *
 * Rules, in this order (the first that applies decides):
 * 1. an account in `excludeAccounts` is out;
 * 2. an account with an OU of `excludeOus` anywhere on its path is out (exclusion wins);
 * 3. with `includeOus`, an account with none of them on its path is out;
 * 4. otherwise it is in.
 */
import type { ScopeRuntime } from '../shared/config';
import { AccountOutOfScope } from '../shared/errors';

/** Which rule put an account out of scope. */
export type ScopeRule = 'excludeAccounts' | 'excludeOus' | 'includeOus';

/** The scope's decision for one account. */
export type ScopeDecision = { readonly inScope: true } | { readonly inScope: false; readonly rule: ScopeRule; readonly reason: string };

/** True when deciding needs the account's OU path (a rule names OUs); `excludeAccounts` alone does not. */
export function scopeNeedsPath(scope: ScopeRuntime): boolean {
  return scope.includeOus.length > 0 || scope.excludeOus.length > 0;
}

/** True when the scope is the whole organization. */
export function isWholeOrganization(scope: ScopeRuntime): boolean {
  return !scopeNeedsPath(scope) && scope.excludeAccounts.length === 0;
}

/**
 * Decides whether `accountId` is in scope.
 *
 * @param path - the account's parents, root first (`['r-ab12', 'ou-ab12-11111111', ...]`); may be
 *   omitted only when {@link scopeNeedsPath} is false.
 * @throws Error when the path is needed and missing (a caller's mistake, never an AWS condition).
 */
export function decideScope(accountId: string, scope: ScopeRuntime, path?: readonly string[]): ScopeDecision {
  if (scope.excludeAccounts.includes(accountId)) {
    return { inScope: false, rule: 'excludeAccounts', reason: `account ${accountId} is listed in scope.excludeAccounts` };
  }
  if (!scopeNeedsPath(scope)) return { inScope: true };
  if (!path) throw new Error(`decideScope: the scope names OUs, so the OU path of account ${accountId} is needed`);
  const excludedBy = path.find((id) => scope.excludeOus.includes(id));
  if (excludedBy) {
    return { inScope: false, rule: 'excludeOus', reason: `account ${accountId} is under ${excludedBy}, which scope.excludeOus excludes (path ${path.join(' / ')})` };
  }
  if (scope.includeOus.length && !path.some((id) => scope.includeOus.includes(id))) {
    return {
      inScope: false,
      rule: 'includeOus',
      reason: `account ${accountId} is under ${path.join(' / ') || 'no parent'}, none of scope.includeOus (${scope.includeOus.join(', ')})`,
    };
  }
  return { inScope: true };
}

/**
 * {@link decideScope}, throwing for an account out of scope.
 * @throws AccountOutOfScope naming the rule and how to change it.
 */
export function checkScope(accountId: string, scope: ScopeRuntime, path?: readonly string[]): void {
  const d = decideScope(accountId, scope, path);
  if (d.inScope) return;
  throw new AccountOutOfScope(`Account ${accountId} is out of the configured scope: ${d.reason}. Change scope in the configuration to onboard it.`, {
    accountId,
    rule: d.rule,
    ...(path ? { path: [...path] } : {}),
  });
}
