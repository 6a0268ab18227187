/**
 * Step 5: the member account's read-only access to its own logs.
 * - `readerAccess.mode` `per-account`: the account's own reader role in the log-archive account.
 * - `shared`: no role is created; the LogArchive stack's shared reader role is checked (read-only)
 *   and recorded as the account's reader role. An account offboarded before is taken off the role's
 *   deny list (handlers/steps/shared-reader-revocation.ts), so onboarding it again gives its access
 *   back. With `removePerAccountRoles`, the account's earlier per-account role is deleted, only after
 *   the shared role is verified, so the account can read its logs at every moment of the migration.
 */
import { roleDrift, type DriftItem, type RunMode } from '../domain/drift';
import { withoutDenyList } from '../domain/reader-revocation';
import { desiredReaderRole, isOwnedByService, planRole, readerRoleName, sharedReaderRoleCandidates, type RolePlan } from '../domain/roles';
import { ConfigurationError, ReaderRoleConflict, SharedReaderRoleNotDeployed } from '../shared/errors';
import type { RuntimeConfig } from '../shared/config';
import { resolvedConfig, type LockPort, type RolePort, type StepDeps } from './deps';
import { syncRole, type RoleSyncResult } from './role-sync';
import { setSharedReaderAccess } from './shared-reader-revocation';

/**
 * Ensures the account's read access to its logs (see the file comment).
 * @param owner who holds the shared role's deny-list lease, when it is needed (the execution).
 */
export async function ensureReaderRole(deps: StepDeps, accountId: string, mode: RunMode = 'apply', owner = `${accountId}#EnsureReaderRole`): Promise<RoleSyncResult> {
  const config = await resolvedConfig(deps);
  if (config.readerAccess.mode === 'shared') {
    return ensureSharedReaderAccess(await deps.logArchiveRoles(), config, accountId, mode, { lock: deps.lock, owner });
  }
  const desired = desiredReaderRole(config, accountId);
  const iam = await deps.logArchiveRoles();
  return syncRole(
    iam,
    desired,
    (reason) =>
      new ReaderRoleConflict(
        `The log-archive account already has a role named ${desired.roleName} that this service does not own (${reason}). ` +
          `Rename or delete it, or set readerRoleNamePrefix to another prefix, then re-run the onboarding.`,
        { accountId, roleName: desired.roleName },
      ),
    'readerRole',
    mode,
  );
}

/** What differs between the shared role and the stack's, as drift items (none: verified). */
export function sharedReaderRoleDrift(plan: RolePlan, roleName: string): DriftItem[] {
  if (plan.action === 'conflict') {
    return [{ resource: 'readerRole', code: 'RoleOwnershipTagMissing', detail: `Role ${roleName} ${plan.reason.includes('path') ? 'has another path than the stack deploys' : 'is not tagged as deployed by the LogArchive stack'}.` }];
  }
  return roleDrift('readerRole', plan, roleName);
}

/**
 * Shared mode: verify the shared role (GetRole, its policy listings and inline policy: reads only;
 * the service's own deny list, {@link withoutDenyList}, is not the stack's and is left out of the
 * comparison), then take the account off the deny list if an offboarding put it there, then, with
 * `removePerAccountRoles` and in `apply` mode, delete the account's per-account role of ours.
 * A missing or changed shared role is drift in `report` mode and `SharedReaderRoleNotDeployed` in
 * `apply` mode (before anything is written). A listed account is drift (`ReaderAccessRevoked`) in
 * `report` mode.
 * @param denyList the lease the deny list is written under; without it the list is not read.
 */
export async function ensureSharedReaderAccess(
  iam: RolePort,
  config: RuntimeConfig,
  accountId: string,
  mode: RunMode,
  denyList?: { readonly lock: LockPort; readonly owner: string },
): Promise<RoleSyncResult> {
  const candidates = sharedReaderRoleCandidates(config, config.keyArn);
  const first = candidates[0];
  if (!first) {
    throw new ConfigurationError('readerAccess.mode "shared" needs sharedReaderRoleArn and organizationId in the runtime configuration.', { accountId });
  }
  const roleName = first.roleName;
  const read = await iam.getRole(roleName, { tagsFromGetRole: true });
  const observed = read && withoutDenyList(read);
  const plans = candidates.map((c) => planRole(observed, c));
  const plan = plans.find((p) => p.action === 'none') ?? plans[0];
  if (plan.action !== 'none' || !observed) {
    const drift = sharedReaderRoleDrift(plan, roleName);
    if (mode === 'report') return { roleArn: observed?.arn ?? '', changed: false, drift };
    throw new SharedReaderRoleNotDeployed(
      `The shared reader role ${roleName} in the log-archive account ${config.logArchiveAccountId} ` +
        `${observed ? `differs from what the LogArchive stack deploys (${drift.map((d) => d.code).join(', ')})` : 'does not exist'}. ` +
        'This service never writes it: deploy the CloudTrailOnboarding-LogArchive stack (with readerAccess.mode "shared"); a deploy of an ' +
        'unchanged template does not undo a change made outside CloudFormation, so then restore the role as the template has it ' +
        '(CloudFormation drift detection on the stack shows what differs). Then re-run the onboarding.',
      { accountId, roleName, drift: drift.map((d) => d.code) },
    );
  }
  // Onboarded again after an offboarding: its sessions are no longer denied.
  const restored = denyList
    ? await setSharedReaderAccess({ iam, lock: denyList.lock, roleName, accountId, revoke: false, owner: denyList.owner, leaseSeconds: config.lockLeaseSeconds, mode })
    : { changed: false, drift: [] };
  let changed = restored.changed;
  if (mode === 'apply' && config.readerAccess.removePerAccountRoles) {
    // Only now that the shared role is verified: the account never lacks a way to read its logs.
    const name = readerRoleName(config, accountId);
    const old = await iam.getRole(name);
    if (old && isOwnedByService(old.tags)) {
      for (const policyName of Object.keys(old.inlinePolicies).sort()) await iam.deleteInlinePolicy(name, policyName);
      for (const arn of old.managedPolicyArns) await iam.detachPolicy(name, arn);
      await iam.deleteRole(name);
      changed = true;
    }
  }
  return { roleArn: observed.arn, changed, drift: restored.drift };
}
