/**
 * Lambda entry of ReconcileFleet, the target of the fleet reconcile's two EventBridge Scheduler
 * schedules (`{"action": "start"}` on `fleetReconcile.schedule`, `{"action": "continue"}` every few
 * minutes) and of the backfill (`{"action": "backfill"}`: an operator, `fleetStart.schedule`): wiring
 * only. The sweeps themselves, and why they span invocations: handlers/start/fleet.ts and
 * handlers/start/fleet-start.ts. `continue` continues both sweeps, the reconcile's first, each under
 * its own lease, within one deadline.
 *
 * Errors are rethrown (the invocation fails and shows in the function's Errors metric, which is
 * alarmed on); the sweep's progress is recorded first, so the next tick continues where it stopped.
 *
 * Environment: `ONBOARDING_CONFIG` and `STATE_MACHINE_ARN`.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { loadRuntimeConfig } from '../shared/config';
import { logFailure, logger } from '../shared/step-handler';
import { loadStateMachineArn } from '../start/aws-deps';
import { FLEET_FUNCTION_TIMEOUT_SECONDS, FLEET_LEASE_MS, FLEET_SAFETY_MARGIN_MS, type FleetResult, parseFleetEvent, reconcileFleet, runModeOf } from '../start/fleet';
import { backfillFleet } from '../start/fleet-start';
import { createFleetDeps } from './aws-deps';

const config = loadRuntimeConfig();
const deps = createFleetDeps(config, loadStateMachineArn());

/** What one invocation did: the reconcile's sweep (absent for `backfill`) and the backfill's (absent for `start`). */
export type FleetInvocationResult = FleetResult & { readonly backfill?: FleetResult };

function logResult(sweep: string, trigger: string, result: FleetResult): void {
  if (result.outcome === 'busy' || result.outcome === 'idle') {
    logger.info(`${sweep}: nothing to do`, { trigger, outcome: result.outcome, reason: result.reason });
    return;
  }
  logger.info(sweep, {
    trigger,
    outcome: result.outcome,
    sweepStartedAt: result.sweepStartedAt,
    mode: result.mode,
    startedNow: result.executionArns.length,
    skipped: result.skipped,
    remaining: result.remaining,
    stoppedBy: result.stoppedBy,
    sweep: result.sweep,
  });
}

/** Starts (or continues) the sweep of every ONBOARDED account and/or the backfill, until shortly before the timeout. */
export async function handler(event: unknown, context?: Context): Promise<FleetInvocationResult> {
  if (context) logger.addContext(context);
  logger.appendKeys({ step: 'ReconcileFleet' });
  try {
    const action = parseFleetEvent(event);
    const remaining = context?.getRemainingTimeInMillis() ?? FLEET_FUNCTION_TIMEOUT_SECONDS * 1000;
    const owner = context?.awsRequestId ?? randomUUID();
    const deadline = deps.now().getTime() + remaining - FLEET_SAFETY_MARGIN_MS;
    const backfill = (trigger: 'start' | 'continue') => backfillFleet(deps, { trigger, config, owner, deadline, leaseMs: FLEET_LEASE_MS });
    if (action === 'backfill') {
      const result = await backfill('start');
      logResult('backfill', action, result);
      return result;
    }
    const result = await reconcileFleet(deps, { trigger: action, mode: runModeOf(config.driftResponse), limits: config.fleetReconcile, owner, deadline, leaseMs: FLEET_LEASE_MS });
    logResult('fleet reconcile', action, result);
    if (action !== 'continue' || !config.organizationId) return result;
    const continued = await backfill('continue');
    logResult('backfill', action, continued);
    return { ...result, backfill: continued };
  } catch (e) {
    logFailure('fleet reconcile failed', e);
    throw e;
  } finally {
    logger.removeKeys(['step']);
  }
}
