/**
 * The steps of an execution, read from its history: for each Task state, whether it ran, succeeded
 * or failed, how many attempts it took (the state machine's Retry) and the error of each failure.
 *
 * History events other than `*StateEntered` / `*StateExited` do not name their state; each points
 * at the event before it in the same state (`previousEventId`), so the state is found by following
 * that chain (Parallel branches interleave their events; the chains keep them apart).
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
import type { ExecutionEvent } from '../adapters/sfn';

/** Where a step is. */
export type StepStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** One Task state of an execution. */
export interface StepSummary {
  /** The state's name (`EnsureTrail`). */
  readonly state: string;
  readonly status: StepStatus;
  /** Attempts made (Retry included; a redrive's attempts are added). */
  readonly attempts: number;
  /** Attempts after the first. */
  readonly retries: number;
  /** Error name of each failed attempt, in order. */
  readonly errors: readonly string[];
  /** Error name of the last failed attempt when the step failed. */
  readonly error?: string;
  readonly enteredAt: string;
  readonly exitedAt?: string;
}

const SCHEDULED = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);
const SUCCEEDED = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded', 'ActivitySucceeded']);
/** Failure events and the error Step Functions reports when the event carries none. */
const FAILED: Record<string, string> = {
  TaskFailed: 'States.TaskFailed',
  TaskStartFailed: 'States.TaskFailed',
  TaskSubmitFailed: 'States.TaskFailed',
  TaskTimedOut: 'States.Timeout',
  LambdaFunctionFailed: 'States.TaskFailed',
  LambdaFunctionStartFailed: 'States.TaskFailed',
  LambdaFunctionScheduleFailed: 'States.TaskFailed',
  LambdaFunctionTimedOut: 'States.Timeout',
  ActivityFailed: 'States.TaskFailed',
  ActivityScheduleFailed: 'States.TaskFailed',
  ActivityTimedOut: 'States.Timeout',
};

interface Step {
  state: string;
  status: StepStatus;
  attempts: number;
  errors: string[];
  error?: string;
  enteredAt: string;
  exitedAt?: string;
}

/** The Task states of an execution in the order they were first entered. */
export function summarizeSteps(events: readonly ExecutionEvent[]): StepSummary[] {
  const steps = new Map<string, Step>();
  const stateOfEvent = new Map<number, string>();
  const open = new Set<string>();

  for (const e of [...events].sort((a, b) => a.id - b.id)) {
    const at = e.timestamp.toISOString();
    let state = e.stateName;
    if (e.type === 'TaskStateEntered' && state) {
      const step = steps.get(state);
      if (step) {
        // Entered again (a redrive resumes at the failed state): the same step, another go.
        step.status = 'RUNNING';
        delete step.exitedAt;
      } else {
        steps.set(state, { state, status: 'RUNNING', attempts: 0, errors: [], enteredAt: at });
      }
      open.add(state);
    } else if (state === undefined) {
      state = e.previousEventId !== undefined ? stateOfEvent.get(e.previousEventId) : undefined;
      // A chain that does not resolve (a page of history missing) is unambiguous with one open task.
      if (state === undefined && open.size === 1) state = [...open][0];
    }
    if (state === undefined) continue;
    stateOfEvent.set(e.id, state);

    const step = steps.get(state);
    if (!step) continue; // not a Task state
    if (SCHEDULED.has(e.type)) {
      step.attempts += 1;
      step.status = 'RUNNING';
    } else if (SUCCEEDED.has(e.type)) {
      step.status = 'SUCCEEDED';
      delete step.error;
    } else if (e.type in FAILED) {
      const name = e.error || FAILED[e.type];
      step.errors.push(name);
      step.error = name;
      step.status = 'FAILED';
    } else if (e.type === 'TaskStateAborted') {
      step.status = 'ABORTED';
      step.exitedAt = at;
      open.delete(state);
    } else if (e.type === 'TaskStateExited') {
      step.exitedAt = at;
      open.delete(state);
    }
  }

  return [...steps.values()].map((s) => ({
    state: s.state,
    status: s.status,
    attempts: s.attempts,
    retries: Math.max(0, s.attempts - 1),
    errors: [...s.errors],
    ...(s.status === 'FAILED' && s.error ? { error: s.error } : {}),
    enteredAt: s.enteredAt,
    ...(s.exitedAt ? { exitedAt: s.exitedAt } : {}),
  }));
}
