/** Execution names and the start/retry decisions: pure, table-driven. */
import type { ExecutionStatus, RedriveStatus } from '../../../handlers/adapters/sfn';
import {
  decideRetry,
  executionInputFor,
  executionNameFor,
  isInputFor,
  latestExecution,
  nextRetryNumber,
  outcomeOfExisting,
  retryExecutionNameFor,
  runNumberOf,
} from '../../../handlers/start';

const ID = '444455556666';

describe('execution names', () => {
  it('are derived from the account id alone', () => {
    expect(executionNameFor(ID)).toBe('onboard-444455556666');
    expect(retryExecutionNameFor(ID, 3)).toBe('onboard-444455556666-retry-3');
  });

  it('fit what Step Functions and CloudWatch Logs accept (1-80 of A-Za-z0-9-_)', () => {
    for (const name of [executionNameFor(ID), retryExecutionNameFor(ID, 999_999)]) {
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
  });

  it('refuse a retry number below 1', () => {
    expect(() => retryExecutionNameFor(ID, 0)).toThrow(RangeError);
  });

  it.each<[string, number | undefined]>([
    ['onboard-444455556666', 0],
    ['onboard-444455556666-retry-1', 1],
    ['onboard-444455556666-retry-12', 12],
    ['onboard-444455556666-retry-0', undefined],
    ['onboard-444455556666-retry-', undefined],
    ['onboard-444455556666-retry-1x', undefined],
    ['onboard-4444555566661', undefined],
    ['onboard-555566667777', undefined],
    ['local-1', undefined],
  ])('run number of %s is %s', (name, n) => {
    expect(runNumberOf(ID, name)).toBe(n);
  });
});

describe('execution input', () => {
  it('is exactly {"accountId":"<id>"}', () => {
    expect(executionInputFor(ID)).toBe('{"accountId":"444455556666"}');
  });

  it.each<[string | undefined, boolean]>([
    ['{"accountId":"444455556666"}', true],
    ['{ "accountId": "444455556666" }', true],
    [undefined, true],
    ['{"accountId":"555566667777"}', false],
    ['{"accountId":"444455556666","force":true}', false],
    ['not json', false],
    ['["444455556666"]', false],
  ])('%s is ours: %s', (input, ours) => {
    expect(isInputFor(ID, input)).toBe(ours);
  });
});

describe('outcomeOfExisting', () => {
  it.each<[ExecutionStatus, string]>([
    ['RUNNING', 'already-running'],
    ['PENDING_REDRIVE', 'already-running'],
    ['SUCCEEDED', 'already-onboarded'],
    ['FAILED', 'previously-failed'],
    ['TIMED_OUT', 'previously-failed'],
    ['ABORTED', 'previously-failed'],
  ])('%s -> %s', (status, outcome) => {
    expect(outcomeOfExisting(status)).toBe(outcome);
  });
});

describe('decideRetry', () => {
  it.each<[ExecutionStatus, RedriveStatus | undefined, ReturnType<typeof decideRetry>]>([
    ['RUNNING', 'NOT_REDRIVABLE', { kind: 'already-running' }],
    ['PENDING_REDRIVE', undefined, { kind: 'already-running' }],
    // A FAILED execution ended in the OnboardingFailed Fail state: a redrive would re-enter it.
    ['FAILED', 'REDRIVABLE', { kind: 'start-new', reason: 'failed' }],
    ['FAILED', 'NOT_REDRIVABLE', { kind: 'start-new', reason: 'failed' }],
    ['ABORTED', 'REDRIVABLE', { kind: 'redrive' }],
    ['TIMED_OUT', 'REDRIVABLE', { kind: 'redrive' }],
    ['ABORTED', 'NOT_REDRIVABLE', { kind: 'start-new', reason: 'not-redrivable' }],
    ['TIMED_OUT', undefined, { kind: 'start-new', reason: 'not-redrivable' }],
    ['SUCCEEDED', 'NOT_REDRIVABLE', { kind: 'start-new', reason: 'verify' }],
  ])('%s with redrive status %s -> %j', (status, redriveStatus, action) => {
    expect(decideRetry({ status, ...(redriveStatus ? { redriveStatus } : {}) })).toEqual(action);
  });
});

describe('nextRetryNumber', () => {
  it.each<[string[], number]>([
    [[], 1],
    [['onboard-444455556666'], 1],
    [['onboard-444455556666', 'onboard-444455556666-retry-1'], 2],
    [['onboard-444455556666-retry-4', 'onboard-444455556666'], 5],
    [['onboard-444455556666-retry-2'], 3], // the first run expired (90 days): still past the highest
    [['onboard-555566667777-retry-9', 'local-3'], 1], // other accounts' and foreign names do not count
  ])('after %j is %d', (names, n) => {
    expect(nextRetryNumber(ID, names)).toBe(n);
  });
});

describe('latestExecution', () => {
  it('is the one started last; on a tie, the higher run', () => {
    const t = new Date('2026-11-20T08:00:00Z');
    const later = new Date('2026-11-20T09:00:00Z');
    expect(latestExecution(ID, [{ name: 'onboard-444455556666', startDate: t }, { name: 'onboard-444455556666-retry-1', startDate: later }])?.name).toBe(
      'onboard-444455556666-retry-1',
    );
    expect(latestExecution(ID, [{ name: 'onboard-444455556666-retry-2', startDate: t }, { name: 'onboard-444455556666-retry-1', startDate: t }])?.name).toBe(
      'onboard-444455556666-retry-2',
    );
    expect(latestExecution(ID, [])).toBeUndefined();
  });
});
