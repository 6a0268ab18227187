/**
 * Drift: every difference between what the service set and what AWS reports, as named items. The
 * items are derived from the same plans the steps apply (planRole, planTrail, the shared-policy
 * render), so onboarding, repair and verification share one check of each field; there is no second
 * implementation. A run in `report` mode stops after the plan; in `apply` mode the items are what it
 * changed.
 */
import type { RolePlan } from './roles';
import type { TrailPlan } from './trail';

/** How a run treats what differs: change it (onboarding, repair) or only report it. */
export const RUN_MODES = ['apply', 'report'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** The resources the service keeps per account. */
export type DriftResource = 'trail' | 'switchRole' | 'readerRole' | 'bucketPolicy' | 'keyPolicy' | 'key' | 'changeRules';

/** One difference, with a stable code (for alarms, filters, tests) and a sentence for a person. */
export interface DriftItem {
  readonly resource: DriftResource;
  readonly code: string;
  readonly detail: string;
}

/** What the trail's delivery looked like to the run (handlers/domain/trail.ts deliveryVerdict). */
export type DeliveryVerdict = 'OK' | 'DELIVERY_FAILING' | 'DELIVERY_STALE';

/** Health of an onboarded account after its last run. */
export const HEALTH = {
  healthy: 'HEALTHY',
  drifted: 'DRIFTED',
  repaired: 'REPAIRED',
  deliveryFailing: 'DELIVERY_FAILING',
  deliveryStale: 'DELIVERY_STALE',
} as const;
export type Health = (typeof HEALTH)[keyof typeof HEALTH];

/**
 * The metric RecordResult emits once per run (namespace `CloudTrailOnboarding`, dimension `service`):
 * 1 when the run left the account DRIFTED or REPAIRED, 0 when HEALTHY. The orchestrator alarms on it.
 */
export const ACCOUNTS_NOT_HEALTHY_METRIC = 'AccountsNotHealthy';

/** The trail fields planTrail compares, and the code of each. */
const TRAIL_FIELD_CODES: Record<string, { code: string; what: string }> = {
  s3BucketName: { code: 'TrailBucketChanged', what: 'delivers to another bucket' },
  s3KeyPrefix: { code: 'TrailPrefixChanged', what: 'delivers under another prefix' },
  kmsKeyId: { code: 'TrailKeyChanged', what: 'does not encrypt with the central key' },
  isMultiRegionTrail: { code: 'TrailNotMultiRegion', what: 'no longer logs every region' },
  includeGlobalServiceEvents: { code: 'TrailGlobalEventsOff', what: 'no longer logs global service events' },
  enableLogFileValidation: { code: 'TrailLogFileValidationOff', what: 'has log file validation turned off' },
  tags: { code: 'TrailOwnershipTagMissing', what: 'lost its ownership tag' },
  eventSelectors: { code: 'TrailEventSelectorsNarrowed', what: 'no longer records every read and write management event' },
};

/** The drift a trail plan describes, plus logging (`isLogging` of the observed trail). */
export function trailDrift(plan: TrailPlan, trailName: string, isLogging: boolean | undefined): DriftItem[] {
  if (plan.action === 'create') return [{ resource: 'trail', code: 'TrailMissing', detail: `Trail ${trailName} does not exist.` }];
  if (plan.action === 'conflict') return [];
  const items: DriftItem[] = plan.action === 'update'
    ? plan.fields.map((f) => {
        const c = TRAIL_FIELD_CODES[f] ?? { code: 'TrailSettingChanged', what: `differs in ${f}` };
        return { resource: 'trail', code: c.code, detail: `Trail ${trailName} ${c.what} (${f}).` };
      })
    : [];
  if (isLogging === false) items.push({ resource: 'trail', code: 'TrailNotLogging', detail: `Trail ${trailName} is not logging.` });
  return items;
}

/** The drift a role plan describes. */
export function roleDrift(resource: 'switchRole' | 'readerRole' | 'changeRules', plan: RolePlan, roleName: string): DriftItem[] {
  const item = (code: string, detail: string): DriftItem => ({ resource, code, detail: `Role ${roleName} ${detail}.` });
  switch (plan.action) {
    case 'none':
    case 'conflict':
      return [];
    case 'create':
      return [item('RoleMissing', 'does not exist')];
    case 'update': {
      const out: DriftItem[] = [];
      if (plan.setBoundary) out.push(item('RoleBoundaryChanged', 'does not have the permissions boundary'));
      if (plan.updateTrust) out.push(item('RoleTrustChanged', 'trusts other principals than configured'));
      if (plan.updateRole) out.push(item('RoleSettingsChanged', 'has another description or maximum session duration'));
      if (plan.attach.length) out.push(item('RoleManagedPolicyMissing', `lacks managed policies ${plan.attach.join(', ')}`));
      if (plan.detach.length) out.push(item('RoleManagedPolicyAdded', `has extra managed policies ${plan.detach.join(', ')}`));
      if (plan.putInline.length) out.push(item('RoleInlinePolicyChanged', `has changed or missing inline policies ${plan.putInline.join(', ')}`));
      if (plan.deleteInline.length) out.push(item('RoleInlinePolicyAdded', `has extra inline policies ${plan.deleteInline.join(', ')}`));
      if (plan.addTags.length) out.push(item('RoleOwnershipTagMissing', 'lost its ownership tag'));
      return out;
    }
  }
}

/**
 * The drift of one shared policy for an account: not granted at all, or granted but the owned
 * statements are not what the service renders (someone edited them).
 */
export function policyDrift(resource: 'bucketPolicy' | 'keyPolicy', granted: boolean, asRendered: boolean, accountId: string): DriftItem[] {
  const what = resource === 'bucketPolicy' ? 'The central bucket policy' : 'The central key policy';
  if (!granted) return [{ resource, code: 'GrantMissing', detail: `${what} does not grant account ${accountId}'s trail.` }];
  if (!asRendered) return [{ resource, code: 'OwnedStatementsChanged', detail: `${what}'s CloudTrailOnboarding statements differ from what the service writes.` }];
  return [];
}

/**
 * The drift of the central key's state: it must be Enabled (a disabled key, or one scheduled for
 * deletion, encrypts nothing: every trail's delivery fails).
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
 */
export function keyStateDrift(state: { keyState: string; deletionDate?: Date }, keyArn: string): DriftItem[] {
  if (state.keyState === 'Enabled') return [];
  if (state.keyState === 'PendingDeletion') {
    const when = state.deletionDate ? ` on ${state.deletionDate.toISOString()}` : '';
    return [{ resource: 'key', code: 'KeyPendingDeletion', detail: `The central key ${keyArn} is scheduled for deletion${when}.` }];
  }
  return [{ resource: 'key', code: 'KeyDisabled', detail: `The central key ${keyArn} is ${state.keyState}, not Enabled.` }];
}

/**
 * The health a run leaves: no difference is HEALTHY; differences are DRIFTED when only reported, and
 * REPAIRED when applied to an account that was onboarded before (a first onboarding creates
 * everything, which is no repair).
 */
export function healthOf(mode: RunMode, drift: readonly DriftItem[], wasOnboarded: boolean): Health {
  if (!drift.length) return HEALTH.healthy;
  if (mode === 'report') return HEALTH.drifted;
  return wasOnboarded ? HEALTH.repaired : HEALTH.healthy;
}
