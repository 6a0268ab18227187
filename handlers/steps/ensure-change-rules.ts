/**
 * The change rules of a member account (handlers/domain/change-rules.ts): the forwarder role first
 * (the rules' target names it), then each rule and its target. Read, plan, write only what differs,
 * like every step; in `report` mode only the drift.
 *
 * Without an organization (or without the bus in the configuration) there is nothing to install: the
 * orchestrator's bus admits member accounts only through `aws:PrincipalOrgID`. The step then reports
 * `skipped`, and the fleet reconcile is the only detection.
 */
import {
  changeRuleDrift,
  changeRulesEnabled,
  desiredChangeForwarderRole,
  desiredChangeRules,
  planChangeRule,
} from '../domain/change-rules';
import type { DriftItem, RunMode } from '../domain/drift';
import { ChangeRuleConflict } from '../shared/errors';
import type { StepDeps } from './deps';
import { syncRole } from './role-sync';

/** Result of EnsureChangeRules. */
export interface ChangeRulesResult {
  readonly changed: boolean;
  readonly drift: DriftItem[];
  /** Why nothing was installed, when that is the case. */
  readonly skipped?: string;
}

/** Ensures the forwarder role and the change rules in `accountId`. */
export async function ensureChangeRules(deps: StepDeps, accountId: string, mode: RunMode = 'apply'): Promise<ChangeRulesResult> {
  const config = deps.config;
  if (!changeRulesEnabled(config)) {
    return { changed: false, drift: [], skipped: 'no organizationId or onboardingBusArn in the configuration: changes are found by the fleet reconcile only' };
  }
  const conflict = (what: string) => (reason: string) =>
    new ChangeRuleConflict(
      `Account ${accountId} already has ${what} that this service does not own (${reason}). Rename or delete it, then re-run the onboarding.`,
      { accountId, what },
    );
  const role = await syncRole(await deps.memberRoles(accountId), desiredChangeForwarderRole(config, accountId), conflict('a role named CloudTrailOnboarding-ChangeForwarder'), 'changeRules', mode);
  let changed = role.changed;
  const drift = [...role.drift];
  for (const spec of desiredChangeRules(config, accountId)) {
    const rules = await deps.memberChangeRules(accountId, spec.region);
    const observed = await rules.get(spec.name);
    const plan = planChangeRule(observed, spec);
    if (plan.action === 'conflict') throw conflict(`an EventBridge rule named ${spec.name} in ${spec.region}`)(plan.reason);
    drift.push(...changeRuleDrift(plan, spec));
    if (plan.action === 'none' || mode === 'report') continue;
    changed = true;
    if (plan.action === 'create') {
      await rules.putRule(spec, { tag: true });
      await rules.putTarget(spec);
      continue;
    }
    if (plan.putRule || plan.enable) await rules.putRule(spec, { tag: false });
    if (plan.putTarget) await rules.putTarget(spec);
    if (plan.removeTargets.length) await rules.removeTargets(spec.name, plan.removeTargets);
  }
  return { changed, drift };
}
