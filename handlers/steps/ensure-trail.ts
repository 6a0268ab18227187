/** Step 4: the account's trail, delivering to the central bucket with the central key, logging. */
import { desiredTrail, needsStartLogging, planTrail } from '../domain/trail';
import { TrailConflict, TrailNotLoggingYet } from '../shared/errors';
import { resolvedConfig, type StepDeps } from './deps';

/** Result of the trail step. */
export interface TrailResult {
  readonly trailArn: string;
  readonly changed: boolean;
  readonly isLogging: true;
}

/** Ensures the trail in `accountId` exists as configured and is logging. */
export async function ensureTrail(deps: StepDeps, accountId: string): Promise<TrailResult> {
  const desired = desiredTrail(await resolvedConfig(deps));
  const trails = await deps.memberTrails(accountId);
  const observed = await trails.get(desired.name);
  const plan = planTrail(observed, desired);
  let changed = false;
  let trailArn = observed?.trailArn;

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
      await trails.update(desired);
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
  return { trailArn: trailArn!, changed, isLogging: true };
}
