/**
 * Lambda entry of StartFromEvent, the target of the onboarding bus's rules on the account events
 * (handlers/start-from-event/event.ts: CreateAccountResult, AccountJoinedOrganization, MoveAccount,
 * Control Tower's CreateManagedAccount): wiring only. An account outside the configured scope is
 * recorded SKIPPED and nothing starts; one in scope is started with the same execution name and input
 * as the API (handlers/start/from-event.ts), so an event delivered twice, two events of one account, or
 * an event and an API call for the same account, start one onboarding.
 *
 * Errors are rethrown. EventBridge invokes Lambda asynchronously: once Lambda has queued the event,
 * a function error is retried by Lambda (twice by default) and then goes to the function's
 * on-failure destination or dead-letter queue; the rule target's retry policy and DLQ cover only
 * delivery to Lambda. Throttling and 5xx pass on a retry; a malformed input lands in the
 * destination for a person to see. Lambda may deliver an event more than once: harmless here.
 * An out-of-scope account is no error (SKIPPED, no alarm).
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 *
 * Environment: `ONBOARDING_CONFIG` and `STATE_MACHINE_ARN`.
 */
import type { Context } from 'aws-lambda';
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { logFailure, logger } from '../shared/step-handler';
import { createStartDeps, loadStateMachineArn } from '../start';
import { startFromAccountEvent, type EventStartResult } from '../start/from-event';
import { readEvent } from './event';

const config = loadRuntimeConfig();
const start = createStartDeps(config, loadStateMachineArn());
// The account's OU path is read through the same Organizations access as ValidateRequest's (the
// function's own role in the management account, else `organizationsRoleArn`), only when the scope names OUs.
const organizations = createAwsDeps(config);
const deps = { ...start, scope: config.scope, accountPath: (id: string) => organizations.accountPath(id) };

/** What the function returns (visible in its logs and destinations). */
export type StartFromEventResult = EventStartResult | { readonly outcome: 'ignored'; readonly reason: string };

/** Starts the onboarding of the account an event names (or records it SKIPPED). */
export async function handler(event: unknown, context?: Context): Promise<StartFromEventResult> {
  if (context) logger.addContext(context);
  logger.appendKeys({ step: 'StartFromEvent' });
  try {
    const request = readEvent(event);
    if (request.kind === 'ignore') {
      logger.warn('event ignored', { reason: request.reason });
      return { outcome: 'ignored', reason: request.reason };
    }
    logger.appendKeys({ accountId: request.accountId, trigger: request.trigger });
    if (request.source === 'raw-event' && request.trigger === 'CreateAccountResult') {
      logger.warn('received the raw Organizations event: the rule has no InputTransformer ({"accountId": "<accountId>"})');
    }
    const result = await startFromAccountEvent(deps, request.accountId, request.trigger);
    if (result.outcome === 'skipped') {
      // Not an error: the account is outside scope. An ONBOARDED account moved out of scope stays onboarded
      // (there is no offboarding yet); its item notes the move.
      logger.info('account out of scope: not onboarded', { reason: result.reason, recorded: result.recorded, destinationParentId: request.destinationParentId });
    } else {
      logger.info('onboarding start handled', { outcome: result.outcome, executionArn: result.executionArn, status: result.status });
    }
    return result;
  } catch (e) {
    logFailure('onboarding start failed', e);
    throw e;
  } finally {
    logger.removeKeys(['step', 'accountId', 'trigger']);
  }
}
