/**
 * Lambda entry of StartFromEvent, the target of the onboarding bus's rules on the account events
 * (handlers/start-from-event/event.ts: CreateAccountResult, AccountJoinedOrganization, MoveAccount,
 * Control Tower's CreateManagedAccount): wiring only. An account outside the configured scope is
 * recorded SKIPPED and nothing starts; one in scope is started with the same execution name and input
 * as the API (handlers/start/from-event.ts), so an event delivered twice, two events of one account, or
 * an event and an API call for the same account, start one onboarding.
 *
 * The events of an account leaving (RemoveAccountFromOrganization, CloseAccount, AccountDepartedOrganization:
 * handlers/domain/departure-event.ts) start its offboarding, with the event's name (and caller) as the
 * reason, through the one `startOffboarding` every way in shares. An account the service never onboarded
 * is logged and nothing else: no record, no execution, no error.
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
import { startFromAccountEvent, startOffboardingFromEvent, type DepartureStartResult, type EventStartResult } from '../start/from-event';
import { readEvent } from './event';

const config = loadRuntimeConfig();
const start = createStartDeps(config, loadStateMachineArn());
// The account's OU path is read through the same Organizations access as ValidateRequest's (the
// function's own role in the management account, else `organizationsRoleArn`), only when the scope names OUs.
const organizations = createAwsDeps(config);
const deps = { ...start, scope: config.scope, accountPath: (id: string) => organizations.accountPath(id) };

/** What the function returns (visible in its logs and destinations). */
export type StartFromEventResult = EventStartResult | DepartureStartResult | { readonly outcome: 'ignored'; readonly reason: string };

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
    if (request.kind === 'offboard') return await offboard(request);
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

/** An account left or is closing: its offboarding, or a log line when there is nothing of the service's to remove. */
async function offboard(request: { accountId: string; trigger: DepartureStartResult['trigger']; reason: string }): Promise<DepartureStartResult> {
  const result = await startOffboardingFromEvent(deps, request);
  if (result.outcome === 'not-onboarded') {
    // Not an error: most accounts that leave were never the service's (or left before it ran).
    logger.info('account left the organization but was never onboarded: nothing to offboard, nothing recorded', { reason: request.reason });
  } else if (result.outcome === 'already-offboarded') {
    logger.info('account already offboarded: nothing started', { reason: request.reason, executionArn: result.executionArn });
  } else {
    logger.info('offboarding start handled', { outcome: result.outcome, executionArn: result.executionArn, status: result.status, reason: request.reason });
  }
  return result;
}
