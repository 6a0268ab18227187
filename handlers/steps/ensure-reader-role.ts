/** Step 5: the role that gives the member account read-only access to its own logs. */
import { desiredReaderRole } from '../domain/roles';
import { ReaderRoleConflict } from '../shared/errors';
import { resolvedConfig, type StepDeps } from './deps';
import type { RunMode } from '../domain/drift';
import { syncRole, type RoleSyncResult } from './role-sync';

/** Ensures the reader role for `accountId` in the log-archive account. */
export async function ensureReaderRole(deps: StepDeps, accountId: string, mode: RunMode = 'apply'): Promise<RoleSyncResult> {
  const desired = desiredReaderRole(await resolvedConfig(deps), accountId);
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
