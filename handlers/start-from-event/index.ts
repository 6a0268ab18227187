/**
 * Lambda entry of StartFromEvent, the target of the EventBridge rule on AWS Organizations'
 * `CreateAccountResult` (SUCCEEDED): wiring only. It starts the account's onboarding with the same
 * execution name and input as the API (handlers/start), so an event delivered twice, or an event and
 * an API call for the same account, start one onboarding.
 *
 * Errors are rethrown. EventBridge invokes Lambda asynchronously: once Lambda has queued the event,
 * a function error is retried by Lambda (twice by default) and then goes to the function's
 * on-failure destination or dead-letter queue; the rule target's retry policy and DLQ cover only
 * delivery to Lambda. Throttling and 5xx pass on a retry; a malformed input lands in the
 * destination for a person to see. Lambda may deliver an event more than once: harmless here.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 *
 * Environment: `ONBOARDING_CONFIG` and `STATE_MACHINE_ARN`.
 */
import type { Context } from 'aws-lambda';
import { loadRuntimeConfig } from '../shared/config';
import { logFailure, logger } from '../shared/step-handler';
import { createStartDeps, loadStateMachineArn, startOnboarding, type StartResult } from '../start';
import { readEvent } from './event';

const deps = createStartDeps(loadRuntimeConfig(), loadStateMachineArn());

/** What the function returns (visible in its logs and destinations). */
export type StartFromEventResult = StartResult | { readonly outcome: 'ignored'; readonly reason: string };

/** Starts the onboarding of the account an event names. */
export async function handler(event: unknown, context?: Context): Promise<StartFromEventResult> {
  if (context) logger.addContext(context);
  logger.appendKeys({ step: 'StartFromEvent' });
  try {
    const request = readEvent(event);
    if (request.kind === 'ignore') {
      logger.warn('event ignored', { reason: request.reason });
      return { outcome: 'ignored', reason: request.reason };
    }
    logger.appendKeys({ accountId: request.accountId });
    if (request.source === 'raw-event') {
      logger.warn('received the raw Organizations event: the rule has no InputTransformer ({"accountId": "<accountId>"})');
    }
    const result = await startOnboarding(deps, request.accountId);
    logger.info('onboarding start handled', { outcome: result.outcome, executionArn: result.executionArn, status: result.status });
    return result;
  } catch (e) {
    logFailure('onboarding start failed', e);
    throw e;
  } finally {
    logger.removeKeys(['step', 'accountId']);
  }
}
