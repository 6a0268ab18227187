/** The steps of an execution read from its history (AWS's event types, chained by previousEventId). */
import type { ExecutionEvent } from '../../../handlers/adapters/sfn';
import { summarizeSteps } from '../../../handlers/start';

const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);

/** A history: [type, previousEventId, stateName?, error?] per event, ids from 1. */
function history(rows: [string, number | undefined, string?, string?][]): ExecutionEvent[] {
  return rows.map(([type, prev, stateName, error], i) => ({
    id: i + 1,
    type,
    timestamp: new Date(T0 + i * 1000),
    ...(prev !== undefined ? { previousEventId: prev } : {}),
    ...(stateName ? { stateName } : {}),
    ...(error ? { error } : {}),
  }));
}

describe('summarizeSteps', () => {
  it('a task that succeeded at once', () => {
    const steps = summarizeSteps(
      history([
        ['ExecutionStarted', undefined],
        ['TaskStateEntered', 1, 'ValidateRequest'],
        ['TaskScheduled', 2],
        ['TaskStarted', 3],
        ['TaskSucceeded', 4],
        ['TaskStateExited', 5, 'ValidateRequest'],
      ]),
    );
    expect(steps).toEqual([
      { state: 'ValidateRequest', status: 'SUCCEEDED', attempts: 1, retries: 0, errors: [], enteredAt: new Date(T0 + 1000).toISOString(), exitedAt: new Date(T0 + 5000).toISOString() },
    ]);
  });

  it('a task retried after throttling, then succeeded', () => {
    const [step] = summarizeSteps(
      history([
        ['TaskStateEntered', undefined, 'EnsureSwitchRole'],
        ['TaskScheduled', 1],
        ['TaskStarted', 2],
        ['TaskFailed', 3, undefined, 'Throttled'],
        ['TaskScheduled', 4],
        ['TaskStarted', 5],
        ['TaskSucceeded', 6],
        ['TaskStateExited', 7, 'EnsureSwitchRole'],
      ]),
    );
    expect(step).toMatchObject({ state: 'EnsureSwitchRole', status: 'SUCCEEDED', attempts: 2, retries: 1, errors: ['Throttled'] });
    expect(step).not.toHaveProperty('error');
  });

  it('parallel branches interleaved: each event goes to its own state by the chain', () => {
    const steps = summarizeSteps(
      history([
        ['ParallelStateEntered', undefined, 'Onboard'],
        ['TaskStateEntered', 1, 'EnsureSwitchRole'], // 2
        ['TaskStateEntered', 1, 'EnsureReaderRole'], // 3
        ['TaskScheduled', 2], // 4 switch
        ['TaskScheduled', 3], // 5 reader
        ['TaskStarted', 4], // 6 switch
        ['TaskStarted', 5], // 7 reader
        ['TaskFailed', 6, undefined, 'AccessDenied'], // 8 switch
        ['TaskSucceeded', 7], // 9 reader
        ['TaskStateExited', 9, 'EnsureReaderRole'], // 10
        ['ParallelStateFailed', 1], // 11
      ]),
    );
    expect(steps.map((s) => [s.state, s.status, s.errors, s.error])).toEqual([
      ['EnsureSwitchRole', 'FAILED', ['AccessDenied'], 'AccessDenied'],
      ['EnsureReaderRole', 'SUCCEEDED', [], undefined],
    ]);
  });

  it('a branch stopped by another branch failure is ABORTED', () => {
    const steps = summarizeSteps(
      history([
        ['TaskStateEntered', undefined, 'EnsureBucketPolicy'],
        ['TaskScheduled', 1],
        ['TaskStarted', 2],
        ['TaskStateAborted', 3],
      ]),
    );
    expect(steps[0]).toMatchObject({ state: 'EnsureBucketPolicy', status: 'ABORTED', attempts: 1 });
  });

  it('a failure without an error name is States.TaskFailed; a timeout States.Timeout', () => {
    const steps = summarizeSteps(
      history([
        ['TaskStateEntered', undefined, 'EnsureTrail'],
        ['TaskScheduled', 1],
        ['TaskStarted', 2],
        ['TaskTimedOut', 3],
        ['TaskScheduled', 4],
        ['TaskStarted', 5],
        ['TaskFailed', 6],
      ]),
    );
    expect(steps[0]).toMatchObject({ status: 'FAILED', errors: ['States.Timeout', 'States.TaskFailed'], error: 'States.TaskFailed' });
  });

  it('a redriven execution: the failed step entered again counts as the same step, now succeeded', () => {
    const steps = summarizeSteps(
      history([
        ['TaskStateEntered', undefined, 'EnsureTrail'],
        ['TaskScheduled', 1],
        ['TaskStarted', 2],
        ['TaskFailed', 3, undefined, 'AccessDenied'],
        ['ExecutionFailed', 4],
        ['ExecutionRedriven', 5],
        ['TaskStateEntered', 6, 'EnsureTrail'],
        ['TaskScheduled', 7],
        ['TaskStarted', 8],
        ['TaskSucceeded', 9],
        ['TaskStateExited', 10, 'EnsureTrail'],
      ]),
    );
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ state: 'EnsureTrail', status: 'SUCCEEDED', attempts: 2, errors: ['AccessDenied'] });
  });

  it('a task still running, and states that are not tasks, as the API shows them', () => {
    const steps = summarizeSteps(
      history([
        ['PassStateEntered', undefined, 'DescribeRejection'],
        ['PassStateExited', 1, 'DescribeRejection'],
        ['TaskStateEntered', 2, 'RecordResult'],
        ['TaskScheduled', 3],
      ]),
    );
    expect(steps).toEqual([expect.objectContaining({ state: 'RecordResult', status: 'RUNNING', attempts: 1 })]);
    expect(steps[0]).not.toHaveProperty('exitedAt');
  });

  it('the legacy Lambda ARN resource (LambdaFunction* events) counts too', () => {
    const [step] = summarizeSteps(
      history([
        ['TaskStateEntered', undefined, 'EnsureTrail'],
        ['LambdaFunctionScheduled', 1],
        ['LambdaFunctionStarted', 2],
        ['LambdaFunctionFailed', 3, undefined, 'TrailConflict'],
      ]),
    );
    expect(step).toMatchObject({ status: 'FAILED', attempts: 1, error: 'TrailConflict' });
  });
});
