/**
 * Brings a role to its desired state: read, plan (pure, handlers/domain/roles.ts), apply only the
 * differences. Shared by the switch role (member account) and the reader role (log-archive account).
 */
import { roleDrift, type DriftItem, type RunMode } from '../domain/drift';
import { assertRoleDocumentsWithinLimits, planRole, type RoleSpec } from '../domain/roles';
import { serializePolicy } from '../domain/policy-document';
import type { RolePort } from './deps';

/** Result of a role sync. */
export interface RoleSyncResult {
  /** The role's ARN; empty when it does not exist and the run only reports. */
  readonly roleArn: string;
  readonly changed: boolean;
  /** What differed (and, in `apply` mode, was changed). */
  readonly drift: DriftItem[];
}

/**
 * Ensures `desired` exists as specified. Conflicts (a role of that name the service does not own)
 * are thrown as `conflict(reason)` so each caller can name its own error.
 */
export async function syncRole(
  iam: RolePort,
  desired: RoleSpec,
  conflict: (reason: string) => Error,
  kind: 'switchRole' | 'readerRole' | 'changeRules',
  mode: RunMode = 'apply',
): Promise<RoleSyncResult> {
  assertRoleDocumentsWithinLimits(desired);
  const observed = await iam.getRole(desired.roleName);
  const plan = planRole(observed, desired);
  const name = desired.roleName;
  const drift = roleDrift(kind, plan, name);

  if (plan.action === 'conflict') throw conflict(plan.reason);
  if (plan.action === 'none') return { roleArn: observed!.arn, changed: false, drift };
  if (mode === 'report') return { roleArn: observed?.arn ?? '', changed: false, drift };
  switch (plan.action) {
    case 'create': {
      const roleArn = await iam.createRole({
        roleName: name,
        path: desired.path,
        description: desired.description,
        trustPolicyText: serializePolicy(desired.trustPolicy),
        maxSessionDuration: desired.maxSessionDuration,
        tags: desired.tags,
        ...(desired.permissionsBoundaryArn ? { permissionsBoundaryArn: desired.permissionsBoundaryArn } : {}),
      });
      for (const arn of desired.managedPolicyArns) await iam.attachPolicy(name, arn);
      for (const [policyName, doc] of Object.entries(desired.inlinePolicies)) {
        await iam.putInlinePolicy(name, policyName, serializePolicy(doc));
      }
      return { roleArn, changed: true, drift };
    }
    case 'update': {
      if (plan.setBoundary && desired.permissionsBoundaryArn) await iam.putPermissionsBoundary(name, desired.permissionsBoundaryArn);
      if (plan.updateTrust) await iam.updateAssumeRolePolicy(name, serializePolicy(desired.trustPolicy));
      if (plan.updateRole) await iam.updateRole(name, desired.description, desired.maxSessionDuration);
      for (const arn of plan.attach) await iam.attachPolicy(name, arn);
      for (const policyName of plan.putInline) await iam.putInlinePolicy(name, policyName, serializePolicy(desired.inlinePolicies[policyName]));
      // Removals last: if the update is interrupted, a re-run finds them still to do.
      for (const policyName of plan.deleteInline) await iam.deleteInlinePolicy(name, policyName);
      for (const arn of plan.detach) await iam.detachPolicy(name, arn);
      if (plan.addTags.length) await iam.tagRole(name, plan.addTags);
      return { roleArn: observed!.arn, changed: true, drift };
    }
  }
}
