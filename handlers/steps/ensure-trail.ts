/** Step 4: the account's trail, delivering to the central bucket with the central key, logging. */
import { trailDrift, type DriftItem, type RunMode } from '../domain/drift';
import type { AccountTrailMigration } from '../domain/trail-migration';
import { deliveryVerdict, desiredTrail, needsStartLogging, planTrail } from '../domain/trail';
import { TrailConflict, TrailNotLoggingYet } from '../shared/errors';
import { resolvedConfig, type StepDeps } from './deps';

/** Result of the trail step. */
export interface TrailResult {
  /** The trail's ARN; empty when it does not exist and the run only reports. */
  readonly trailArn: string;
  readonly changed: boolean;
  /** True once confirmed logging; in `report` mode, what the trail reports. */
  readonly isLogging: boolean;
  /** What differed (and, in `apply` mode, was changed). */
  readonly drift: DriftItem[];
  /** Delivery as GetTrailStatus reports it (deliveryVerdict): OK, DELIVERY_FAILING or DELIVERY_STALE. */
  readonly delivery: 'OK' | 'DELIVERY_FAILING' | 'DELIVERY_STALE';
  /** What CloudTrail reported, for a person ('' when OK). */
  readonly deliveryDetail: string;
  /**
   * The account's per-account trail's migration to the organization trail (EnsureOrganizationTrail with
   * migrateAccountTrails; handlers/domain/trail-migration.ts). Always `none` here: this is the per-account trail.
   */
  readonly migration: AccountTrailMigration;
  /** A sentence about `migration` ('' for none). */
  readonly migrationDetail: string;
}

/** A trail result's migration fields when there is nothing to migrate. */
export const NO_MIGRATION = { migration: 'none', migrationDetail: '' } as const;

/** Ensures the trail in `accountId` exists as configured and is logging (in `report` mode: says what differs). */
export async function ensureTrail(deps: StepDeps, accountId: string, mode: RunMode = 'apply'): Promise<TrailResult> {
  const desired = desiredTrail(await resolvedConfig(deps));
  const trails = await deps.memberTrails(accountId);
  const observed = await trails.get(desired.name);
  const plan = planTrail(observed, desired);
  const drift = trailDrift(plan, desired.name, observed?.isLogging);
  let changed = false;
  let trailArn = observed?.trailArn;

  const delivery = deliveryVerdict(observed, deps.now());
  const deliveryOf = { delivery: delivery.verdict, deliveryDetail: delivery.detail, ...NO_MIGRATION };
  if (mode === 'report' && plan.action !== 'conflict') {
    return { trailArn: trailArn ?? '', changed: false, isLogging: observed?.isLogging ?? false, drift, ...deliveryOf };
  }
  switch (plan.action) {
    case 'conflict':
      // The adapter finds a same-named trail homed in another region (a shadow trail here) too.
      throw new TrailConflict(
        `Account ${accountId} already has a trail named ${desired.name} that this service cannot take as its own: ${plan.reason} ` +
          'Then re-run the onboarding.',
        { accountId, trailName: desired.name, ...(observed ? { trailArn: observed.trailArn, homeRegion: observed.homeRegion } : {}) },
      );
    case 'create':
      trailArn = await trails.create(desired);
      changed = true;
      break;
    case 'update':
      if (plan.fields.some((f) => f !== 'eventSelectors')) await trails.update(desired);
      if (plan.fields.includes('eventSelectors')) await trails.putDefaultEventSelectors(desired.name);
      changed = true;
      break;
    case 'none':
      break;
  }

  // A new trail does not log until StartLogging; an existing one may have been stopped.
  if (plan.action === 'create' || (observed && needsStartLogging(observed))) {
    await trails.startLogging(desired.name);
    changed = true;
  }
  const isLogging = plan.action === 'none' && !changed ? observed!.isLogging : await trails.isLogging(desired.name);
  if (!isLogging) {
    throw new TrailNotLoggingYet(`Trail ${trailArn} in account ${accountId} does not report IsLogging yet after StartLogging.`, {
      accountId,
      trailArn,
    });
  }
  return { trailArn: trailArn!, changed, isLogging: true, drift, ...deliveryOf };
}
