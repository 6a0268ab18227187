/** Step 1: the switch role the security account uses to get into the member account. */
import { desiredSwitchRole } from '../domain/roles';
import { SwitchRoleConflict } from '../shared/errors';
import type { StepDeps } from './deps';
import type { RunMode } from '../domain/drift';
import { syncRole, type RoleSyncResult } from './role-sync';

/** Ensures the switch role in `accountId`. */
export async function ensureSwitchRole(deps: StepDeps, accountId: string, mode: RunMode = 'apply'): Promise<RoleSyncResult> {
  const desired = desiredSwitchRole(deps.config);
  const iam = await deps.memberRoles(accountId);
  return syncRole(
    iam,
    desired,
    (reason) =>
      new SwitchRoleConflict(
        `Account ${accountId} already has a role named ${desired.roleName} that this service does not own (${reason}). ` +
          `Rename or delete that role, or set switchRole.name to another name, then re-run the onboarding.`,
        { accountId, roleName: desired.roleName },
      ),
    'switchRole',
    mode,
  );
}
