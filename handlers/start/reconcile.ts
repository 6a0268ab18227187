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

/** The input of a reconcile run: `{"accountId":"<id>","mode":"<mode>"[,"notBefore":"<time>"]}`. */
export function reconcileInputFor(accountId: string, mode: RunMode, notBefore?: string): string {
  return JSON.stringify({ accountId, mode, ...(notBefore ? { notBefore } : {}) });
}

/**
 * Seconds after the end of a change's minute that its run waits before it reads: room for the last
 * change of the minute to be visible to reads (IAM and CloudTrail are eventually consistent).
 */
export const CHANGE_SETTLE_SECONDS = 10;

/**
 * What a change run is about when it is not the account's own resources: `organization-trail`, the
 * organization trail every member shares (trailMode `organization`), which one account's run repairs.
 * It is part of the run's name, so the execution (and every notification naming it) says so.
 */
export const CHANGE_SUBJECTS = ['organization-trail'] as const;
/** One of {@link CHANGE_SUBJECTS}. */
export type ChangeSubject = (typeof CHANGE_SUBJECTS)[number];

/**
 * The run a change made at `changeTime` asks for: `reconcile-<id>-<mode>-<minute>-event`
 * (`...-<minute>-<subject>-event` for a {@link ChangeSubject}), waiting until CHANGE_SETTLE_SECONDS
 * after the end of that minute (`notBefore`). Every change of one minute maps to the same name and
 * input, so a burst starts one run; and since that run reads only after the minute is over, it sees
 * every change of the minute, also those whose events arrive while it runs (they find it, by name, and
 * need nothing more). A change of the next minute gets the next run. At most 80 characters (the
 * longest, `reconcile-<12>-report-<13>-organization-trail-event`, has 68).
 */
export function changeReconcileFor(accountId: string, mode: RunMode, changeTime: Date, subject?: ChangeSubject): { name: string; notBefore: string } {
  const minuteStart = Math.floor(changeTime.getTime() / 60_000) * 60_000;
  const notBefore = new Date(minuteStart + 60_000 + CHANGE_SETTLE_SECONDS * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { name: `${reconcileExecutionNameFor(accountId, mode, new Date(minuteStart))}${subject ? `-${subject}` : ''}-event`, notBefore };
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
 * Starts the reconcile run of `accountId` for this minute, or finds it; with `change`, the run of the
 * change's minute ({@link changeReconcileFor}). A bad id is rejected by name (InvalidAccountId)
 * before anything is called.
 */
export async function startReconcile(deps: StartDeps, accountId: string, mode: RunMode, now: Date, change?: { readonly time: Date; readonly subject?: ChangeSubject }): Promise<ReconcileStart> {
  const { accountId: id } = parseOnboardingRequest({ accountId });
  const forChange = change ? changeReconcileFor(id, mode, change.time, change.subject) : undefined;
  const name = forChange?.name ?? reconcileExecutionNameFor(id, mode, now);
  const started = await deps.executions.startExecution(name, reconcileInputFor(id, mode, forChange?.notBefore));
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
