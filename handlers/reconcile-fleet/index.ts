/**
 * Lambda entry of ReconcileFleet, the target of the fleet reconcile's two EventBridge Scheduler
 * schedules (`{"action": "start"}` on `fleetReconcile.schedule`, `{"action": "continue"}` every few
 * minutes): wiring only. The sweep itself, and why it spans invocations, is handlers/start/fleet.ts.
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
import { createFleetDeps } from './aws-deps';

const config = loadRuntimeConfig();
const deps = createFleetDeps(config, loadStateMachineArn());

/** Starts (or continues) the sweep of every ONBOARDED account, until shortly before the timeout. */
export async function handler(event: unknown, context?: Context): Promise<FleetResult> {
  if (context) logger.addContext(context);
  logger.appendKeys({ step: 'ReconcileFleet' });
  try {
    const trigger = parseFleetEvent(event);
    const remaining = context?.getRemainingTimeInMillis() ?? FLEET_FUNCTION_TIMEOUT_SECONDS * 1000;
    const result = await reconcileFleet(deps, {
      trigger,
      mode: runModeOf(config.driftResponse),
      limits: config.fleetReconcile,
      owner: context?.awsRequestId ?? randomUUID(),
      deadline: deps.now().getTime() + remaining - FLEET_SAFETY_MARGIN_MS,
      leaseMs: FLEET_LEASE_MS,
    });
    if (result.outcome === 'busy' || result.outcome === 'idle') {
      logger.info('fleet reconcile: nothing to do', { trigger, outcome: result.outcome, reason: result.reason });
    } else {
      logger.info('fleet reconcile', {
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
    return result;
  } catch (e) {
    logFailure('fleet reconcile failed', e);
    throw e;
  } finally {
    logger.removeKeys(['step']);
  }
}
