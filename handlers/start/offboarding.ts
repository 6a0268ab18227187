/**
 * Starting an offboarding: the one function the API (`DELETE /accounts/{id}`), the operator CLI
 * (`onboard offboard <id>`) and the Organizations events share.
 *
 * The execution name is derived from the request and the account's record, so every way in asks
 * for the same execution and a duplicate (the event and the operator at once) starts one:
 * `offboard-<id>-<onboarded>` where `<onboarded>` is when the account was last onboarded (compact
 * UTC, `20261201T193000Z`): one offboarding per onboarding. Once that execution has closed, a new
 * request (a failed one retried, a kept reader role to delete) starts `offboard-<id>-<onboarded>-<n>`.
 * The input carries the reason, so it differs between callers: Step Functions then answers
 * ExecutionAlreadyExists for a running one, which is reported as `already-running`.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
import { MAX_REASON_LENGTH, parseOnboardingRequest } from '../domain/request';
import { InvalidRequest, NothingToOffboard } from '../shared/errors';
import { isOpen } from './decisions';
import type { StartDeps } from './deps';
import type { ExecutionRef } from './starter';

/** What `startOffboarding` answers. */
export interface OffboardStartResult extends ExecutionRef {
  readonly outcome: 'started' | 'already-running';
  readonly accountId: string;
}

/** Prefix of every offboarding execution of an account. */
export function offboardingNamePrefix(accountId: string): string {
  return `offboard-${accountId}-`;
}

/** `2026-12-01T19:30:00.123Z` -> `20261201T193000Z` (execution names allow no `:` or `.`). */
function compactTime(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The execution input of an offboarding, as JSON text. */
export function offboardingInputFor(accountId: string, reason: string): string {
  return JSON.stringify({ accountId, action: 'offboard', reason });
}

/**
 * Starts the offboarding of `accountId` for `reason` (the event, or who asked), or answers with the
 * one running.
 * @throws InvalidAccountId / InvalidRequest for bad input, NothingToOffboard when the account was never
 *   onboarded: nothing is started or written.
 */
export async function startOffboarding(deps: StartDeps, accountId: string, reason: string): Promise<OffboardStartResult> {
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON_LENGTH) {
    throw new InvalidRequest(`The offboarding's reason must be text of 1 to ${MAX_REASON_LENGTH} characters (received ${JSON.stringify(String(reason).slice(0, 40))})`);
  }
  // The same checks as the state machine's (a bad id is InvalidAccountId, named alike on every way in).
  const { accountId: id } = parseOnboardingRequest({ accountId, action: 'offboard', reason });
  const item = await deps.status.getAccount(id);
  if (!item) {
    throw new NothingToOffboard(`Account ${id} was never onboarded (the status table has no record of it): there is nothing of this service's to remove. Nothing was started.`, { accountId: id });
  }
  const base = `${offboardingNamePrefix(id)}${compactTime(item.onboardedAt ?? item.startedAt)}`;
  const input = offboardingInputFor(id, reason);
  for (let n = 0; n < 100; n++) {
    const name = n === 0 ? base : `${base}-${n}`;
    const existing = await deps.executions.describeExecution(deps.executions.executionArnFor(name));
    if (existing && isOpen(existing.status)) return { outcome: 'already-running', accountId: id, ...refOf(existing, name) };
    if (existing) continue; // closed: the next number
    const started = await deps.executions.startExecution(name, input);
    if (!started.alreadyStarted) return { outcome: 'started', accountId: id, executionArn: started.executionArn, executionName: name, status: 'RUNNING', ...(started.startDate ? { startDate: started.startDate.toISOString() } : {}) };
    // Taken between the two calls (another caller): that one runs.
    const taken = await deps.executions.describeExecution(started.executionArn);
    if (taken && isOpen(taken.status)) return { outcome: 'already-running', accountId: id, ...refOf(taken, name) };
  }
  throw new InvalidRequest(`Account ${id} has been offboarded 100 times since its last onboarding; look at its executions (offboard-${id}-*) before starting another.`);
}

function refOf(e: { executionArn: string; status: ExecutionRef['status']; startDate?: Date }, name: string): ExecutionRef {
  return { executionArn: e.executionArn, executionName: name, status: e.status, ...(e.startDate ? { startDate: e.startDate.toISOString() } : {}) };
}
