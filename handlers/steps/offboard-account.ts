/**
 * Offboarding (`{"accountId": ..., "action": "offboard"}`): the account leaves, in this order, each
 * part idempotent (a re-run finds what is already gone and writes nothing for it):
 * 1. In the account, through the member-access role: the service's trail (deleted: DeleteTrail ends
 *    its delivery), its switch role, its change rules and their forwarder role; only what carries the
 *    service's ownership tag. An account that cannot be reached (closed, suspended, out of the
 *    organization: the AssumeRole is refused) is no error: what stays there is recorded.
 * 2. The shared policies, after the trail (so no delivery is left failing): the account is withdrawn
 *    from the member set and left out of both policies, under the same lease and coalescing as
 *    onboarding (shared-policy-sync.ts withdrawFromSharedPolicy). In `trailMode` `organization` the
 *    policies name no account; only per-account statements kept from account mode are retired.
 * 3. The reader role in the log-archive account: deleted, or kept for `offboarding.keepReaderRoleDays`
 *    from the first offboarding (a later run deletes it once they are over). With the shared reader
 *    role nothing is per account: an account that left the organization no longer matches its trust
 *    (`aws:PrincipalOrgID`); one still in it keeps reading its own old logs (recorded).
 * 4. OFFBOARDED, with why, when, what was removed and what was left behind.
 * No log file is ever deleted or changed: the logs stay in the bucket under its retention.
 */
import { CHANGE_FORWARDER_ROLE_NAME, CHANGE_RULE_NAMES, iamEventsRegion } from '../domain/change-rules';
import { isOwnedByService } from '../domain/ownership';
import { readerRoleName } from '../domain/roles';
import { foreignTrailReason } from '../domain/trail-migration';
import { isOnboardingError } from '../shared/errors';
import type { RuntimeConfig } from '../shared/config';
import type { RolePort, StepDeps } from './deps';
import { retireAccountTrailGrants, withdrawFromSharedPolicies } from './ensure-shared-policies';

/** Something the offboarding could not remove, and why. */
export interface LeftBehind {
  readonly resource: string;
  readonly reason: string;
}

/** What an offboarding did. */
export interface OffboardResult {
  readonly accountId: string;
  /** What was removed or withdrawn by this run (empty on a re-run). */
  readonly removed: string[];
  readonly leftBehind: LeftBehind[];
  /** The reader role kept until then (`offboarding.keepReaderRoleDays`). */
  readonly readerRoleKeptUntil?: string;
}

/** The errors that mean the account cannot be reached through its member-access role. */
const UNREACHABLE = ['MemberAccountNotReady', 'AccessDenied'];

/** Offboards `accountId` (see the module comment). */
export async function offboardAccount(deps: StepDeps, accountId: string, executionArn: string, reason: string): Promise<OffboardResult> {
  const config = deps.config;
  const removed: string[] = [];
  const leftBehind: LeftBehind[] = [];

  // 1. The account's own resources.
  try {
    removed.push(...(await removeMemberResources(deps, config, accountId)));
  } catch (e) {
    if (!(isOnboardingError(e) && UNREACHABLE.includes(e.name))) throw e;
    const why = `the account cannot be reached through ${config.memberAccessRoleName} (${e.name}: ${e.message})`;
    for (const resource of ['trail', 'switchRole', 'changeRules']) leftBehind.push({ resource, reason: why });
  }

  // 2. The shared policies (after the trail).
  const owner = `${executionArn}#OffboardAccount`;
  if (config.trailMode === 'organization') {
    const retired = await retireAccountTrailGrants(deps, accountId, owner);
    if (retired.bucketPolicy) removed.push('bucketPolicy');
    if (retired.keyPolicy) removed.push('keyPolicy');
  } else {
    const withdrawn = await withdrawFromSharedPolicies(deps, accountId, owner);
    for (const [resource, r] of Object.entries(withdrawn)) {
      if (r.changed) removed.push(resource);
      if (r.stillGranted) {
        leftBehind.push({ resource, reason: 'the policy grants the organization as a whole (aws:SourceOrgID), not accounts one by one: it names no account to remove' });
      }
    }
  }

  // 3. The reader role.
  const kept = await removeReaderRole(deps, config, accountId, removed, leftBehind);

  // 4. The record.
  await deps.status.markOffboarded(accountId, { executionArn, reason, removed, leftBehind, ...(kept ? { readerRoleKeptUntil: kept } : {}) });
  return { accountId, removed, leftBehind, ...(kept ? { readerRoleKeptUntil: kept } : {}) };
}

/** Step 1: the trail, the switch role, the change rules and their forwarder role; returns what was removed. */
async function removeMemberResources(deps: StepDeps, config: RuntimeConfig, accountId: string): Promise<string[]> {
  const removed: string[] = [];
  const trails = await deps.memberTrails(accountId);
  const trail = await trails.get(config.trailName);
  if (trail && foreignTrailReason(config, trail) === undefined) {
    await trails.delete(config.trailName);
    removed.push('trail');
  }
  const roles = await deps.memberRoles(accountId);
  if (await deleteOwnedRole(roles, config.switchRole.name)) removed.push('switchRole');
  let rulesRemoved = false;
  for (const [name, region] of [
    [CHANGE_RULE_NAMES.trail, config.homeRegion],
    [CHANGE_RULE_NAMES.roles, iamEventsRegion(config.partition)],
  ] as const) {
    const rules = await deps.memberChangeRules(accountId, region);
    const rule = await rules.get(name);
    if (!rule || !isOwnedByService(rule.tags)) continue;
    if (rule.targets.length) await rules.removeTargets(name, rule.targets.map((t) => t.id));
    await rules.deleteRule(name);
    rulesRemoved = true;
  }
  if ((await deleteOwnedRole(roles, CHANGE_FORWARDER_ROLE_NAME)) || rulesRemoved) removed.push('changeRules');
  return removed;
}

/** Deletes a role of the service's (its policies first); false when it is absent or not ours. */
async function deleteOwnedRole(roles: RolePort, name: string): Promise<boolean> {
  const role = await roles.getRole(name);
  if (!role || !isOwnedByService(role.tags)) return false;
  for (const policyName of Object.keys(role.inlinePolicies).sort()) await roles.deleteInlinePolicy(name, policyName);
  for (const arn of role.managedPolicyArns) await roles.detachPolicy(name, arn);
  await roles.deleteRole(name);
  return true;
}

/**
 * Step 3: the per-account reader role, deleted or kept; returns the date it is kept until, if kept.
 * The days run from the first offboarding run (the status item's `offboarding.startedAt`).
 */
async function removeReaderRole(deps: StepDeps, config: RuntimeConfig, accountId: string, removed: string[], leftBehind: LeftBehind[]): Promise<string | undefined> {
  if (config.readerAccess.mode === 'shared') {
    leftBehind.push({
      resource: 'readerRole',
      reason:
        'the shared reader role is not per account: an account out of the organization no longer matches its trust (aws:PrincipalOrgID); ' +
        'one still in it can still read its own logs through it',
    });
    return undefined;
  }
  const days = config.offboarding.keepReaderRoleDays;
  if (days > 0) {
    const record = (await deps.status.getAccount(accountId)) as { offboarding?: { startedAt?: string } } | undefined;
    const from = Date.parse(record?.offboarding?.startedAt ?? deps.now().toISOString());
    const until = new Date(from + days * 24 * 3600 * 1000);
    if (until.getTime() > deps.now().getTime()) {
      const iam = await deps.logArchiveRoles();
      if (await iam.getRole(readerRoleName(config, accountId))) {
        leftBehind.push({ resource: 'readerRole', reason: `kept until ${until.toISOString()} (offboarding.keepReaderRoleDays ${days}); offboard the account again after that to delete it` });
        return until.toISOString();
      }
      return undefined;
    }
  }
  if (await deleteOwnedRole(await deps.logArchiveRoles(), readerRoleName(config, accountId))) removed.push('readerRole');
  return undefined;
}
