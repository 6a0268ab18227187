/**
 * The decisions of the start paths, as pure functions of what Step Functions reports: which answer a
 * start gets when the account's execution exists, and what a retry does with the latest execution.
 */
import type { ExecutionStatus, RedriveStatus } from '../adapters/sfn';
import { runNumberOf } from './naming';

/** How a start request ended. */
export const StartOutcome = {
  /** A new execution was started. */
  Started: 'started',
  /** The account's execution is running: that execution is the answer, nothing new was started. */
  AlreadyRunning: 'already-running',
  /** The account's latest execution succeeded. */
  AlreadyOnboarded: 'already-onboarded',
  /** The account's latest execution failed, timed out or was aborted: use retry. */
  PreviouslyFailed: 'previously-failed',
} as const;
/** One of `StartOutcome`. */
export type StartOutcome = (typeof StartOutcome)[keyof typeof StartOutcome];

/** How a retry request ended. */
export const RetryOutcome = {
  /** The failed execution was redriven: it resumes at its failed state, same ARN, same input. */
  Redriven: 'redriven',
  /** A new execution (`onboard-<id>-retry-<n>`) was started. */
  Restarted: 'restarted',
  /** The account's execution is running: nothing new was started. */
  AlreadyRunning: 'already-running',
} as const;
/** One of `RetryOutcome`. */
export type RetryOutcome = (typeof RetryOutcome)[keyof typeof RetryOutcome];

/** True while an execution has not closed (a redrive pending counts as open). */
export function isOpen(status: ExecutionStatus): boolean {
  return status === 'RUNNING' || status === 'PENDING_REDRIVE';
}

/** True for the closed, unsuccessful statuses RedriveExecution accepts. */
export function isUnsuccessful(status: ExecutionStatus): boolean {
  return status === 'FAILED' || status === 'ABORTED' || status === 'TIMED_OUT';
}

/** The answer to a start when the account already has an execution in this status. */
export function outcomeOfExisting(status: ExecutionStatus): Exclude<StartOutcome, 'started'> {
  if (isOpen(status)) return StartOutcome.AlreadyRunning;
  if (status === 'SUCCEEDED') return StartOutcome.AlreadyOnboarded;
  return StartOutcome.PreviouslyFailed;
}

/** What a retry does with the account's latest execution. */
export type RetryAction =
  | { readonly kind: 'already-running' }
  | { readonly kind: 'redrive' }
  /**
   * Start `onboard-<id>-retry-<n>`: the execution FAILED (it ended in the OnboardingFailed Fail state,
   * which a redrive would only re-enter), cannot be redriven (older than 14 days, ...), or it
   * succeeded and the retry is a verification run.
   */
  | { readonly kind: 'start-new'; readonly reason: 'failed' | 'not-redrivable' | 'verify' };

/**
 * Decides a retry:
 * - running -> nothing to do, answer with it;
 * - FAILED -> a new execution with the next retry name. Every failure of this workflow is caught and
 *   ends in the `OnboardingFailed` (or `Rejected`) Fail state, and a redrive "continues the failed
 *   execution from the unsuccessful step": it would re-enter the Fail state and fail again.
 *   https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html
 * - aborted or timed out and redrivable -> redrive (resumes at the interrupted state, same input);
 * - aborted or timed out but not redrivable -> a new execution with the next retry name;
 * - succeeded -> a new execution too: a *verification run*. Every step reads, compares and writes
 *   only what differs, so on an account that has not drifted it writes nothing, and on one that has
 *   (a trail deleted, a policy edited) it repairs it. A retry is thus always safe to ask for.
 */
export function decideRetry(latest: { readonly status: ExecutionStatus; readonly redriveStatus?: RedriveStatus }): RetryAction {
  if (isOpen(latest.status)) return { kind: 'already-running' };
  if (latest.status === 'SUCCEEDED') return { kind: 'start-new', reason: 'verify' };
  if (latest.status === 'FAILED') return { kind: 'start-new', reason: 'failed' };
  if (isUnsuccessful(latest.status) && latest.redriveStatus === 'REDRIVABLE') return { kind: 'redrive' };
  return { kind: 'start-new', reason: 'not-redrivable' };
}

/**
 * The number of the next retry execution: one more than the highest run of the account so far
 * (`onboard-<id>` is run 0). Equal to the count of earlier executions while none has expired;
 * every caller that sees the same executions computes the same number, so concurrent retries ask
 * Step Functions for the same name and it runs one execution.
 */
export function nextRetryNumber(accountId: string, executionNames: readonly string[]): number {
  let highest = 0;
  for (const name of executionNames) {
    const n = runNumberOf(accountId, name);
    if (n !== undefined && n > highest) highest = n;
  }
  return highest + 1;
}

/** The most recent of some executions (latest start; on a tie, the higher run number). */
export function latestExecution<T extends { readonly name: string; readonly startDate: Date }>(accountId: string, executions: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const x of executions) {
    if (!best) {
      best = x;
      continue;
    }
    const dt = x.startDate.getTime() - best.startDate.getTime();
    if (dt > 0 || (dt === 0 && (runNumberOf(accountId, x.name) ?? -1) > (runNumberOf(accountId, best.name) ?? -1))) best = x;
  }
  return best;
}
