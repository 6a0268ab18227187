/**
 * The start paths' orchestration against an in-memory Step Functions with AWS's semantics:
 * which answer each prior state gets, what is called, and that nothing second is ever started.
 */
import type { AccountStatusItem } from '../../../handlers/adapters/status-store';
import { describeOnboarding, retryOnboarding, startOnboarding } from '../../../handlers/start';
import { rejection } from '../adapters/sdk-errors';
import { arnOf, FakeExecutions, inputOf } from './fake-executions';

const ID = '444455556666';
const BASE = `onboard-${ID}`;
const INPUT = inputOf(ID);

describe('startOnboarding', () => {
  const CASES: {
    label: string;
    prior: (f: FakeExecutions) => void;
    outcome: string;
    execution: string;
    status: string;
  }[] = [
    { label: 'no execution yet', prior: () => undefined, outcome: 'started', execution: BASE, status: 'RUNNING' },
    { label: 'its execution running', prior: (f) => f.add({ name: BASE, status: 'RUNNING', input: INPUT }), outcome: 'already-running', execution: BASE, status: 'RUNNING' },
    { label: 'its execution succeeded', prior: (f) => f.add({ name: BASE, status: 'SUCCEEDED', input: INPUT }), outcome: 'already-onboarded', execution: BASE, status: 'SUCCEEDED' },
    { label: 'its execution failed', prior: (f) => f.add({ name: BASE, status: 'FAILED', input: INPUT, error: 'AccessDenied' }), outcome: 'previously-failed', execution: BASE, status: 'FAILED' },
    { label: 'its execution timed out', prior: (f) => f.add({ name: BASE, status: 'TIMED_OUT', input: INPUT }), outcome: 'previously-failed', execution: BASE, status: 'TIMED_OUT' },
    { label: 'its execution was aborted', prior: (f) => f.add({ name: BASE, status: 'ABORTED', input: INPUT }), outcome: 'previously-failed', execution: BASE, status: 'ABORTED' },
    {
      label: 'its first execution failed and a retry succeeded',
      prior: (f) => f.add({ name: BASE, status: 'FAILED', input: INPUT }).add({ name: `${BASE}-retry-1`, status: 'SUCCEEDED', input: INPUT }),
      outcome: 'already-onboarded',
      execution: `${BASE}-retry-1`,
      status: 'SUCCEEDED',
    },
    {
      label: 'its first execution failed and a retry runs',
      prior: (f) => f.add({ name: BASE, status: 'FAILED', input: INPUT }).add({ name: `${BASE}-retry-1`, status: 'RUNNING', input: INPUT }),
      outcome: 'already-running',
      execution: `${BASE}-retry-1`,
      status: 'RUNNING',
    },
  ];

  it.each(CASES)('an account with $label answers $outcome with $execution', async ({ prior, outcome, execution, status }) => {
    // prepare
    const f = new FakeExecutions();
    prior(f);

    // act
    const r = await startOnboarding(f.deps(), ID);

    // assert
    expect(r).toMatchObject({ outcome, accountId: ID, executionName: execution, executionArn: arnOf(execution), status });
    expect(f.started()).toEqual(outcome === 'started' ? [BASE] : []);
  });

  it('starts with exactly {"accountId": "<id>"} as input', async () => {
    const f = new FakeExecutions();
    await startOnboarding(f.deps(), ID);
    expect(f.executions.get(BASE)?.input).toBe('{"accountId":"444455556666"}');
  });

  it('answers with the execution another start created between its describe and its start', async () => {
    // prepare: the name is taken (by an execution that has since succeeded) between the two calls
    const f = new FakeExecutions();
    f.beforeStart = () => f.add({ name: BASE, status: 'SUCCEEDED', input: INPUT });

    // act
    const r = await startOnboarding(f.deps(), ID);

    // assert
    expect(r).toMatchObject({ outcome: 'already-onboarded', executionName: BASE });
    expect(f.started()).toEqual([]);
  });

  it('two first starts racing get one execution, the same for both', async () => {
    // prepare
    const f = new FakeExecutions();

    // act
    const [a, b] = await Promise.all([startOnboarding(f.deps(), ID), startOnboarding(f.deps(), ID)]);

    // assert
    expect(a.executionArn).toBe(b.executionArn);
    expect(f.started()).toEqual([BASE]);
  });

  it('refuses with ExecutionNameTaken when the name runs with another input', async () => {
    const f = new FakeExecutions().add({ name: BASE, status: 'RUNNING', input: '{"accountId":"444455556666","force":true}' });
    const err = await rejection(startOnboarding(f.deps(), ID));
    expect(err.name).toBe('ExecutionNameTaken');
    expect(f.started()).toEqual([]);
  });

  it.each([
    ['12345', 'InvalidAccountId'],
    [' 444455556666', 'InvalidAccountId'],
    ['', 'InvalidAccountId'],
  ])('validates the id %j first (%s) and calls nothing', async (id, name) => {
    const f = new FakeExecutions();
    const err = await rejection(startOnboarding(f.deps(), id));
    expect(err.name).toBe(name);
    expect(f.calls).toEqual([]);
  });
});

describe('retryOnboarding', () => {
  const CASES: {
    label: string;
    prior: (f: FakeExecutions) => void;
    outcome: string;
    execution: string;
    calls: string[];
    reason?: string;
  }[] = [
    {
      label: 'a running execution',
      prior: (f) => f.add({ name: BASE, status: 'RUNNING', input: INPUT }),
      outcome: 'already-running',
      execution: BASE,
      calls: [],
    },
    {
      label: 'a failed execution, redrivable but ended in the Fail state a redrive would re-enter',
      prior: (f) => f.add({ name: BASE, status: 'FAILED', input: INPUT }),
      outcome: 'restarted',
      execution: `${BASE}-retry-1`,
      calls: [`start ${BASE}-retry-1 -> new`],
      reason: 'failed',
    },
    {
      label: 'a redrivable aborted execution',
      prior: (f) => f.add({ name: BASE, status: 'ABORTED', input: INPUT }),
      outcome: 'redriven',
      execution: BASE,
      calls: [`redrive ${BASE}`],
    },
    {
      label: 'a redrivable timed-out execution',
      prior: (f) => f.add({ name: BASE, status: 'TIMED_OUT', input: INPUT }),
      outcome: 'redriven',
      execution: BASE,
      calls: [`redrive ${BASE}`],
    },
    {
      label: 'a failed execution that cannot be redriven',
      prior: (f) => f.add({ name: BASE, status: 'FAILED', input: INPUT, redrivable: false }),
      outcome: 'restarted',
      execution: `${BASE}-retry-1`,
      calls: [`start ${BASE}-retry-1 -> new`],
      reason: 'failed',
    },
    {
      label: 'a succeeded execution (verification run)',
      prior: (f) => f.add({ name: BASE, status: 'SUCCEEDED', input: INPUT }),
      outcome: 'restarted',
      execution: `${BASE}-retry-1`,
      calls: [`start ${BASE}-retry-1 -> new`],
      reason: 'verify',
    },
    {
      label: 'a first run and a retry, both failed and not redrivable',
      prior: (f) =>
        f.add({ name: BASE, status: 'FAILED', input: INPUT, redrivable: false }).add({ name: `${BASE}-retry-1`, status: 'FAILED', input: INPUT, redrivable: false }),
      outcome: 'restarted',
      execution: `${BASE}-retry-2`,
      calls: [`start ${BASE}-retry-2 -> new`],
      reason: 'failed',
    },
    {
      label: 'an old failed first run and a redrivable timed-out retry',
      prior: (f) => f.add({ name: BASE, status: 'FAILED', input: INPUT, redrivable: false }).add({ name: `${BASE}-retry-1`, status: 'TIMED_OUT', input: INPUT }),
      outcome: 'redriven',
      execution: `${BASE}-retry-1`,
      calls: [`redrive ${BASE}-retry-1`],
    },
    {
      label: 'a retry the listing does not show yet (closed): the next name is used',
      prior: (f) =>
        f
          .add({ name: BASE, status: 'FAILED', input: INPUT, redrivable: false })
          .add({ name: `${BASE}-retry-1`, status: 'FAILED', input: INPUT, redrivable: false, unlisted: true }),
      outcome: 'restarted',
      execution: `${BASE}-retry-2`,
      calls: [`start ${BASE}-retry-1 -> taken`, `start ${BASE}-retry-2 -> new`],
      reason: 'failed',
    },
  ];

  it.each(CASES)('on $label: $outcome $execution', async ({ prior, outcome, execution, calls, reason }) => {
    // prepare
    const f = new FakeExecutions();
    prior(f);

    // act
    const r = await retryOnboarding(f.deps(), ID);

    // assert
    expect(r).toMatchObject({ outcome, accountId: ID, executionName: execution, executionArn: arnOf(execution) });
    expect(r.reason).toBe(reason);
    expect(f.calls.filter((c) => c.startsWith('start') || c.startsWith('redrive'))).toEqual(calls);
  });

  it('a redrive answers with the same ARN, running, and the previous failure', async () => {
    const f = new FakeExecutions().add({ name: BASE, status: 'TIMED_OUT', input: INPUT, error: 'States.Timeout' });
    const r = await retryOnboarding(f.deps(), ID);
    expect(r).toMatchObject({ outcome: 'redriven', status: 'RUNNING', redriveCount: 1, previous: { status: 'TIMED_OUT', error: 'States.Timeout' } });
    expect(r).not.toHaveProperty('error');
  });

  it('two concurrent retries of a succeeded onboarding start one verification run', async () => {
    // prepare
    const f = new FakeExecutions().add({ name: BASE, status: 'SUCCEEDED', input: INPUT });

    // act
    const [a, b] = await Promise.all([retryOnboarding(f.deps(), ID), retryOnboarding(f.deps(), ID)]);

    // assert: both computed onboard-<id>-retry-1; Step Functions ran it once
    expect(a.executionArn).toBe(arnOf(`${BASE}-retry-1`));
    expect(b.executionArn).toBe(a.executionArn);
    expect(f.started()).toEqual([`${BASE}-retry-1`]);
  });

  it('answers already-running when another retry redrove the execution first', async () => {
    // prepare
    const f = new FakeExecutions().add({ name: BASE, status: 'ABORTED', input: INPUT });
    f.beforeRedrive = () => {
      f.executions.get(BASE)!.status = 'RUNNING';
    };

    // act
    const r = await retryOnboarding(f.deps(), ID);

    // assert
    expect(r).toMatchObject({ outcome: 'already-running', executionName: BASE });
    expect(f.started()).toEqual([]);
  });

  it('redrives the execution the status table names when its name is not ours', async () => {
    // prepare: an execution started by hand, recorded by the state machine
    const f = new FakeExecutions().add({ name: 'manual-1', status: 'ABORTED', input: INPUT });
    f.items.set(ID, item({ executionArn: arnOf('manual-1'), status: 'IN_PROGRESS' }));

    // act
    const r = await retryOnboarding(f.deps(), ID);

    // assert
    expect(r).toMatchObject({ outcome: 'redriven', executionName: 'manual-1' });
  });

  it('refuses with OnboardingNotFound when the account was never started', async () => {
    const f = new FakeExecutions();
    const err = await rejection(retryOnboarding(f.deps(), ID));
    expect(err.name).toBe('OnboardingNotFound');
    expect(err.message).toMatch(/POST \/accounts/);
    expect(f.started()).toEqual([]);
  });
});

describe('describeOnboarding', () => {
  it('reports the status table status and the latest execution', async () => {
    // prepare
    const f = new FakeExecutions().add({ name: BASE, status: 'FAILED', input: INPUT }).add({ name: `${BASE}-retry-1`, status: 'SUCCEEDED', input: INPUT });
    f.items.set(ID, item({ executionArn: arnOf(`${BASE}-retry-1`), status: 'ONBOARDED' }));

    // act
    const v = await describeOnboarding(f.deps(), ID);

    // assert
    expect(v).toMatchObject({ accountId: ID, status: 'ONBOARDED', statusSource: 'status-table', execution: { executionName: `${BASE}-retry-1`, status: 'SUCCEEDED' } });
    expect(v.record).not.toHaveProperty('pk');
    expect(f.calls).toContain(`history ${BASE}-retry-1`);
  });

  it('derives the status from the execution when the table has none yet', async () => {
    const f = new FakeExecutions().add({ name: BASE, status: 'RUNNING', input: INPUT, unlisted: true });
    const v = await describeOnboarding(f.deps(), ID);
    expect(v).toMatchObject({ status: 'IN_PROGRESS', statusSource: 'execution', execution: { executionName: BASE } });
  });

  it('refuses with OnboardingNotFound for an account never started', async () => {
    const err = await rejection(describeOnboarding(new FakeExecutions().deps(), ID));
    expect(err.name).toBe('OnboardingNotFound');
  });
});

function item(over: Partial<AccountStatusItem>): AccountStatusItem {
  return {
    pk: `ACCOUNT#${ID}`,
    accountId: ID,
    status: 'FAILED',
    executionArn: arnOf(BASE),
    startedAt: '2026-11-20T08:00:00.000Z',
    updatedAt: '2026-11-20T08:01:00.000Z',
    ...over,
  };
}
