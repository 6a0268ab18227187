/**
 * Reconcile runs: the same state machine with `mode` `apply` (repair: change what drifted) or
 * `report` (verify: write nothing, record health and drift). Names are deterministic per account,
 * mode and minute, so a burst of triggers (events, a schedule, an operator) within a minute starts
 * one run: Step Functions returns the open execution for a duplicate name with the same input.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
import type { RunMode } from '../domain/drift';
import { parseOnboardingRequest } from '../domain/request';
import type { ExecutionDescription } from '../adapters/sfn';
import type { StartDeps } from './deps';

/** Prefix of every reconcile execution of an account: `reconcile-<accountId>-`. */
export const RECONCILE_NAME_PREFIX = 'reconcile-';

/** `reconcile-<accountId>-<apply|report>-<yyyymmddThhmm>` (UTC; at most 80 characters). */
export function reconcileExecutionNameFor(accountId: string, mode: RunMode, now: Date): string {
  const minute = now.toISOString().slice(0, 16).replace(/[-:]/g, '');
  return `${RECONCILE_NAME_PREFIX}${accountId}-${mode}-${minute}`;
}

/** The input of a reconcile run: `{"accountId":"<id>","mode":"<mode>"}`. */
export function reconcileInputFor(accountId: string, mode: RunMode): string {
  return JSON.stringify({ accountId, mode });
}

/** A started (or already running) reconcile run. */
export interface ReconcileStart {
  readonly accountId: string;
  readonly mode: RunMode;
  readonly executionName: string;
  readonly executionArn: string;
  /** True when this minute's run of the account and mode existed already (it is the one returned). */
  readonly alreadyStarted: boolean;
}

/**
 * Starts the reconcile run of `accountId` for this minute, or finds it. A bad id is rejected by name
 * (InvalidAccountId) before anything is called.
 */
export async function startReconcile(deps: StartDeps, accountId: string, mode: RunMode, now: Date): Promise<ReconcileStart> {
  const { accountId: id } = parseOnboardingRequest({ accountId });
  const name = reconcileExecutionNameFor(id, mode, now);
  const started = await deps.executions.startExecution(name, reconcileInputFor(id, mode));
  return { accountId: id, mode, executionName: name, executionArn: started.executionArn, alreadyStarted: started.alreadyStarted };
}

/** Waits until the execution has closed (`pollMs` between reads), and returns its description. */
export async function waitForExecution(deps: StartDeps, executionArn: string, pollMs: number, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<ExecutionDescription | undefined> {
  for (;;) {
    const d = await deps.executions.describeExecution(executionArn);
    if (!d || d.status !== 'RUNNING') return d;
    await sleep(pollMs);
  }
}
