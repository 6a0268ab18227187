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
 *    from when the offboarding began (the fleet reconcile starts the run that deletes it once the
 *    days are over: handlers/start/fleet.ts).
 *    With the shared reader role (`readerAccess.mode` `shared`) nothing is per account: the account
 *    is added to the role's deny list (handlers/domain/reader-revocation.ts), so no session tagged
 *    with it can read from then on, whether or not it is still in the organization; onboarding it
 *    again takes it off. A per-account role left from before the switch to `shared` is deleted when
 *    `removePerAccountRoles` allows it, else recorded as left behind.
 * 4. OFFBOARDED, with why, when, what was removed and what was left behind.
 * No log file is ever deleted or changed: the logs stay in the bucket under its retention.
 */
import { CHANGE_FORWARDER_ROLE_NAME, CHANGE_RULE_NAMES, iamEventsRegion } from '../domain/change-rules';
import { isOwnedByService } from '../domain/ownership';
import { decideRetention } from '../domain/reader-revocation';
import { readerRoleName, roleNameOfArn } from '../domain/roles';
import { foreignTrailReason } from '../domain/trail-migration';
import { ConfigurationError, isOnboardingError } from '../shared/errors';
import type { RuntimeConfig } from '../shared/config';
import type { LeftBehind } from '../adapters/status-store';
import type { RolePort, StepDeps } from './deps';
import { retireAccountTrailGrants, withdrawFromSharedPolicies } from './ensure-shared-policies';
import { setSharedReaderAccess } from './shared-reader-revocation';

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
    // The AssumeRole's refusal says nothing more useful here (its text is about new accounts).
    const why = `the account cannot be reached through ${config.memberAccessRoleName} (${e.name}: out of the organization, closing, closed or suspended)`;
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
  const kept = await removeReaderRole(deps, config, accountId, owner, removed, leftBehind);

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
 * Step 3: the account's read access in the log-archive account; returns the date its role is kept
 * until, if it is kept (see the module comment).
 */
async function removeReaderRole(deps: StepDeps, config: RuntimeConfig, accountId: string, owner: string, removed: string[], leftBehind: LeftBehind[]): Promise<string | undefined> {
  const iam = await deps.logArchiveRoles();
  if (config.readerAccess.mode === 'shared') {
    await revokeSharedReaderAccess(deps, config, iam, accountId, owner, removed);
    await removeEarlierPerAccountRole(config, iam, accountId, removed, leftBehind);
    return undefined;
  }
  const name = readerRoleName(config, accountId);
  const days = config.offboarding.keepReaderRoleDays;
  const role = await iam.getRole(name);
  if (!role || !isOwnedByService(role.tags)) return undefined;
  if (days > 0) {
    const record = (await deps.status.getAccount(accountId)) as { offboarding?: { startedAt?: string } } | undefined;
    const decision = decideRetention({ days, now: deps.now(), ...(record?.offboarding?.startedAt ? { offboardingStartedAt: record.offboarding.startedAt } : {}) });
    if (decision.action === 'keep') {
      leftBehind.push({
        resource: 'readerRole',
        reason: `kept until ${decision.until} (offboarding.keepReaderRoleDays ${days}, from ${decision.since}); the fleet reconcile deletes it after that`,
      });
      return decision.until;
    }
  }
  if (await deleteOwnedRole(iam, name)) removed.push('readerRole');
  return undefined;
}

/** Shared mode: the account on the shared role's deny list (`readerAccess` in `removed` when this run put it there). */
async function revokeSharedReaderAccess(deps: StepDeps, config: RuntimeConfig, iam: RolePort, accountId: string, owner: string, removed: string[]): Promise<void> {
  if (!config.sharedReaderRoleArn) {
    throw new ConfigurationError('readerAccess.mode "shared" needs sharedReaderRoleArn in the runtime configuration.', { accountId });
  }
  const r = await setSharedReaderAccess({
    iam,
    lock: deps.lock,
    roleName: roleNameOfArn(config.sharedReaderRoleArn),
    accountId,
    revoke: true,
    owner,
    leaseSeconds: config.lockLeaseSeconds,
  });
  if (r.changed) removed.push('readerAccess');
}

/**
 * Shared mode: the account's per-account role of ours from before the switch, which still trusts the
 * account. Deleted with `removePerAccountRoles` (the LogArchive stack grants the deletion only then);
 * otherwise recorded, for a person to delete.
 */
async function removeEarlierPerAccountRole(config: RuntimeConfig, iam: RolePort, accountId: string, removed: string[], leftBehind: LeftBehind[]): Promise<void> {
  const name = readerRoleName(config, accountId);
  if (config.readerAccess.removePerAccountRoles) {
    if (await deleteOwnedRole(iam, name)) removed.push('readerRole');
    return;
  }
  const old = await iam.getRole(name);
  if (old && isOwnedByService(old.tags)) {
    leftBehind.push({
      resource: 'readerRole',
      reason: `${name}, its role from before readerAccess.mode "shared", still trusts the account; removePerAccountRoles is false, so the service may not delete it: delete it by hand`,
    });
  }
}
