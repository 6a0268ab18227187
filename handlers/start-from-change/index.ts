/**
 * Lambda entry of StartFromChange, the target of the onboarding bus's rule on forwarded
 * "AWS API Call via CloudTrail" events (member accounts' change rules, the LogArchive stacks' rules,
 * the organization trail's rule in the management account):
 * wiring only (handlers/start/changes.ts decides).
 *
 * Errors are rethrown: EventBridge invokes Lambda asynchronously, Lambda retries a function error
 * twice, then the event goes to the dead-letter queue, which is alarmed on; the fleet reconcile
 * catches the change later in any case.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 *
 * Environment: `ONBOARDING_CONFIG` and `STATE_MACHINE_ARN`.
 */
import type { Context } from 'aws-lambda';
import { loadRuntimeConfig } from '../shared/config';
import { logFailure, logger } from '../shared/step-handler';
import { createStartDeps, loadStateMachineArn } from '../start';
import { startFromChange, type ChangeStartDeps, type ChangeStartResult } from '../start/changes';

const config = loadRuntimeConfig();
const deps: ChangeStartDeps = createStartDeps(config, loadStateMachineArn());

/** Starts the reconcile run a forwarded change asks for. */
export async function handler(event: unknown, context?: Context): Promise<ChangeStartResult> {
  if (context) logger.addContext(context);
  logger.appendKeys({ step: 'StartFromChange' });
  try {
    const result = await startFromChange(deps, config, event, new Date());
    if (result.outcome === 'ignored') logger.info('change ignored', { reason: result.reason, change: result.change });
    else logger.warn('change detected: reconcile started', { scope: result.scope, ...(result.drifted ? { drifted: result.drifted } : {}), change: result.change, accountId: result.run.accountId, executionArn: result.run.executionArn, alreadyStarted: result.run.alreadyStarted, mode: result.run.mode });
    return result;
  } catch (e) {
    logFailure('starting the reconcile of a change failed', e);
    throw e;
  } finally {
    logger.removeKeys(['step']);
  }
}
