/** The last steps: record ONBOARDED, or record FAILED with an error a person can act on. */
import { healthOf, type DeliveryVerdict, type DriftItem, type DriftResource, type Health, type RunMode } from '../domain/drift';
import { switchRoleConsoleLink } from '../domain/access-links';
import type { MigrationOutcome } from '../domain/trail-migration';
import type { StepDeps } from './deps';

/** Resources an onboarding produced. */
export interface OnboardedResources {
  readonly switchRoleArn: string;
  readonly trailArn: string;
  readonly readerRoleArn: string;
}

/** What each resource's step found different (handlers/domain/drift.ts), as the state machine collects it. */
export type DriftByResource = Partial<Record<DriftResource, DriftItem[]>>;

/**
 * Records the run: applying, the account is ONBOARDED with the run's health (REPAIRED when an
 * onboarded account had drifted); reporting, only its health and drift (the status is left as it is).
 * No write when the record already says so.
 */
export async function recordResult(
  deps: StepDeps,
  accountId: string,
  executionArn: string,
  mode: RunMode,
  resources: OnboardedResources & {
    readonly drift?: DriftByResource;
    readonly delivery?: DeliveryVerdict;
    readonly deliveryDetail?: string;
    /** The per-account trail's migration (EnsureOrganizationTrail); `none` is not recorded. */
    readonly accountTrail?: MigrationOutcome;
  },
): Promise<{ status: string; health: Health; drift: DriftItem[]; switchRoleLink: string }> {
  const { drift: byResource, delivery, deliveryDetail, accountTrail, ...arns } = resources;
  // The console link that opens Switch Role into the account (the execution's output, so the notification carries it).
  const switchRoleLink = switchRoleConsoleLink(arns.switchRoleArn, `audit ${accountId}`) ?? '';
  const drift = Object.values(byResource ?? {}).flatMap((items) => items ?? []);
  const current = await deps.status.getAccount(accountId);
  let health = healthOf(mode, drift, current?.status === 'ONBOARDED');
  if (health === 'HEALTHY' && delivery && delivery !== 'OK') {
    // A delivery problem is no drift to undo, but it is named with the run's findings.
    health = delivery;
    drift.push({ resource: 'trail', code: delivery === 'DELIVERY_FAILING' ? 'DeliveryFailing' : 'DeliveryStale', detail: deliveryDetail ?? '' });
  }
  if (mode === 'report') {
    if (current) await deps.status.recordVerification(accountId, { executionArn, health, drift });
    return { status: current?.status ?? 'NOT_ONBOARDED', health, drift, switchRoleLink };
  }
  // The item just read is the one markOnboarded compares with (not read again).
  await deps.status.markOnboarded(
    accountId,
    {
      executionArn,
      ...arns,
      health,
      drift: health === 'HEALTHY' ? [] : drift,
      ...(accountTrail && accountTrail.migration !== 'none' ? { accountTrail } : {}),
    },
    current ?? null,
  );
  return { status: 'ONBOARDED', health, drift, switchRoleLink };
}

/** A failure as the state machine's Catch hands it over (`{ Error, Cause }`). */
export interface CaughtFailure {
  readonly Error?: string;
  readonly Cause?: string;
}

/** The error and cause the execution fails with. */
export interface DescribedFailure {
  readonly error: string;
  readonly cause: string;
  readonly step?: string;
}

/**
 * Turns a caught failure into an error name and a readable cause. Lambda errors arrive as a JSON
 * envelope (`errorType`, `errorMessage`, `trace`); Step Functions' own errors (States.Timeout, ...)
 * as plain text.
 */
export function describeFailure(failure: CaughtFailure | undefined): DescribedFailure {
  const error = failure?.Error || 'States.Unknown';
  let cause = failure?.Cause ?? '';
  try {
    const envelope = JSON.parse(cause) as { errorMessage?: unknown };
    if (envelope && typeof envelope.errorMessage === 'string') cause = envelope.errorMessage;
  } catch {
    // not an envelope: keep the text as it is
  }
  const step = /^(Validate\w+|Ensure\w+|Record\w+): /.exec(cause)?.[1];
  return { error, cause: cause || `${error} (no cause given)`, step };
}

/** Records FAILED when the account id is known and valid; returns what the execution fails with. */
export async function recordFailure(deps: StepDeps, state: unknown, executionArn: string): Promise<DescribedFailure> {
  const s = (state && typeof state === 'object' ? state : {}) as { accountId?: unknown; failure?: CaughtFailure };
  const described = describeFailure(s.failure);
  if (typeof s.accountId === 'string' && /^\d{12}$/.test(s.accountId)) {
    await deps.status.markFailed(s.accountId, {
      executionArn,
      error: { name: described.error, cause: described.cause, step: described.step },
    });
  }
  return described;
}
