/**
 * The fleet reconcile's pacing and continuation (handlers/start/fleet.ts), against fakes on a virtual
 * clock: every sleep advances it, nothing waits in real time. Runs last `runMs` of virtual time; the
 * listing of running executions can lag behind, as ListExecutions does.
 */
import type { FleetSweep, SweepLease } from '../../../handlers/adapters/fleet-sweep';
import type { ExecutionDescription, ExecutionSummary, StartedExecution } from '../../../handlers/adapters/sfn';
import type { AccountStatusItem } from '../../../handlers/adapters/status-store';
import { AccessDenied, Throttled } from '../../../handlers/shared/errors';
import {
  decideSweep,
  KEPT_READER_ROLE_REASON,
  keptReaderRolesDue,
  type FleetDeps,
  type FleetOptions,
  type FleetResult,
  openRunCount,
  parseFleetEvent,
  pendingAccounts,
  reconcileFleet,
  runModeOf,
  SLOT_POLL_MS,
  startDelayMs,
} from '../../../handlers/start/fleet';

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);
const arnOf = (name: string) => `arn:aws:states:eu-west-1:111122223333:execution:CloudTrailOnboarding:${name}`;
const accountIds = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i * 7));

interface FakeRun {
  name: string;
  input: string;
  start: number;
  /** Closes at this virtual time. */
  end: number;
}

/** Step Functions, the status table and the sweep record, on one virtual clock. */
class FakeFleet {
  now = T0;
  readonly runs = new Map<string, FakeRun>();
  readonly calls: string[] = [];
  readonly sleeps: number[] = [];
  /** Start times of new runs (virtual ms). */
  readonly starts: number[] = [];
  /** Largest number of runs open at once (sampled at every start). */
  peakOpen = 0;
  accounts: AccountStatusItem[] = [];
  /** How long a run lasts. */
  runMs = 20_000;
  /** How long a new run stays missing from the listing. */
  listLagMs = 0;
  /** Errors the next StartExecution calls throw, in order. */
  startErrors: Error[] = [];
  /** The `FLEET#reconcile` item. */
  sweep?: FleetSweep;
  lease?: { owner: string; expiresAt: number };

  withAccounts(ids: string[], status: AccountStatusItem['status'] = 'ONBOARDED'): this {
    this.accounts.push(...ids.map((accountId) => ({ pk: `ACCOUNT#${accountId}`, accountId, status, executionArn: '', startedAt: '', updatedAt: '' })));
    return this;
  }

  open(at = this.now): FakeRun[] {
    return [...this.runs.values()].filter((r) => r.start <= at && at < r.end);
  }

  /** Names of the runs started, in order. */
  started(): string[] {
    return this.calls.filter((c) => c.startsWith('start ')).map((c) => c.slice(6));
  }

  deps(): FleetDeps {
    const clock = () => new Date(this.now);
    return {
      now: clock,
      sleep: async (ms) => {
        this.sleeps.push(ms);
        this.now += ms;
      },
      start: {
        status: { getAccount: async (id) => this.accounts.find((a) => a.accountId === id) },
        executions: {
          executionArnFor: arnOf,
          startExecution: async (name, input) => this.startExecution(name, input),
          describeExecution: async (arn) => this.describe(arn),
          redriveExecution: async () => {
            throw new Error('not used');
          },
          executionHistory: async () => [],
          listExecutionsByPrefix: async () => [],
        },
      },
      running: {
        listRunningExecutionsByPrefix: async (prefix): Promise<ExecutionSummary[]> => {
          this.calls.push(`list ${prefix}`);
          return this.open()
            .filter((r) => r.name.startsWith(prefix) && r.start + this.listLagMs <= this.now)
            .map((r) => ({ executionArn: arnOf(r.name), name: r.name, status: 'RUNNING', startDate: new Date(r.start) }));
        },
      },
      accounts: {
        listAccounts: async (filter) => {
          this.calls.push(filter?.status === 'OFFBOARDED' ? 'scan OFFBOARDED' : 'scan');
          return this.accounts.filter((a) => !filter?.status || a.status === filter.status);
        },
      },
      sweeps: {
        acquire: async (owner, leaseMs): Promise<SweepLease> => {
          if (this.lease && this.lease.owner !== owner && this.lease.expiresAt >= this.now) return { acquired: false };
          this.lease = { owner, expiresAt: this.now + leaseMs };
          return this.sweep ? { acquired: true, sweep: structuredClone(this.sweep) } : { acquired: true };
        },
        save: async (owner, sweep) => {
          if (this.lease?.owner !== owner) return false;
          this.sweep = structuredClone(sweep);
          return true;
        },
        release: async (owner, sweep) => {
          if (this.lease?.owner !== owner) return false;
          if (sweep) this.sweep = structuredClone(sweep);
          this.lease = undefined;
          return true;
        },
      },
    };
  }

  private startExecution(name: string, input: string): StartedExecution {
    const error = this.startErrors.shift();
    if (error) {
      this.calls.push(`start-failed ${name}`);
      throw error;
    }
    const existing = this.runs.get(name);
    if (existing) {
      if (existing.end > this.now && existing.input === input) return { executionArn: arnOf(name), alreadyStarted: false };
      return { executionArn: arnOf(name), alreadyStarted: true };
    }
    this.calls.push(`start ${name}`);
    this.runs.set(name, { name, input, start: this.now, end: this.now + this.runMs });
    this.starts.push(this.now);
    this.peakOpen = Math.max(this.peakOpen, this.open().length);
    return { executionArn: arnOf(name), startDate: new Date(this.now), alreadyStarted: false };
  }

  private describe(arn: string): ExecutionDescription | undefined {
    const name = arn.split(':').pop()!;
    this.calls.push(`describe ${name}`);
    const r = this.runs.get(name);
    if (!r) return undefined;
    return { executionArn: arn, name, status: r.end > this.now ? 'RUNNING' : 'SUCCEEDED', startDate: new Date(r.start), input: r.input };
  }
}

const LIMITS = { maxConcurrent: 3, maxStartsPerSecond: 2 };

function options(fake: FakeFleet, over: Partial<FleetOptions> = {}): FleetOptions {
  return { trigger: 'start', mode: 'apply', limits: LIMITS, owner: 'invocation-1', deadline: fake.now + 600_000, leaseMs: 960_000, ...over };
}

/** The account of a reconcile execution name. */
const accountOf = (name: string) => name.split('-')[1];

/** Largest number of starts within any one second. */
function peakPerSecond(starts: number[]): number {
  let peak = 0;
  for (const t of starts) peak = Math.max(peak, starts.filter((u) => u >= t && u < t + 1000).length);
  return peak;
}

function progressed(r: FleetResult) {
  if (r.outcome !== 'continuing' && r.outcome !== 'finished') throw new Error(`expected a sweep, got ${JSON.stringify(r)}`);
  return r;
}

describe('one sweep', () => {
  it('starts one run per ONBOARDED account, in account-id order, in the configured mode, and finishes', async () => {
    // prepare
    const ids = accountIds(5);
    const fake = new FakeFleet().withAccounts([ids[3], ids[0], ids[4]]).withAccounts([ids[1]], 'FAILED').withAccounts([ids[2]], 'IN_PROGRESS');
    fake.accounts.push(fake.accounts[0]); // a duplicate item must not start twice
    // act
    const r = progressed(await reconcileFleet(fake.deps(), options(fake, { mode: 'report' })));
    // assert
    expect(fake.started().map(accountOf)).toEqual([ids[0], ids[3], ids[4]]);
    expect(fake.started().every((n) => /^reconcile-\d{12}-report-\d{8}T\d{4}$/.test(n))).toBe(true);
    expect([...fake.runs.values()].map((x) => JSON.parse(x.input))).toEqual([0, 3, 4].map((i) => ({ accountId: ids[i], mode: 'report' })));
    expect(r).toMatchObject({ outcome: 'finished', began: true, mode: 'report', remaining: 0, sweep: { started: 3, skipped: 0 } });
    expect(r.executionArns).toHaveLength(3);
    expect(fake.sweep).toMatchObject({ after: ids[4], finishedAt: expect.any(String) });
    expect(fake.lease).toBeUndefined();
  });

  it('starts at most maxStartsPerSecond runs in any second (the waits are the injected sleep)', async () => {
    const fake = new FakeFleet().withAccounts(accountIds(12));
    fake.runMs = 100; // runs close at once: only the rate limits
    await reconcileFleet(fake.deps(), options(fake, { limits: { maxConcurrent: 10, maxStartsPerSecond: 4 } }));
    expect(fake.starts).toHaveLength(12);
    expect(peakPerSecond(fake.starts)).toBe(4);
    for (let i = 1; i < fake.starts.length; i++) expect(fake.starts[i] - fake.starts[i - 1]).toBeGreaterThanOrEqual(250);
    expect(fake.now - T0).toBeLessThan(4_000); // and no slower than that
  });

  it('never has more than maxConcurrent runs open, counting its own runs the listing does not show yet', async () => {
    const fake = new FakeFleet().withAccounts(accountIds(10));
    fake.runMs = 30_000;
    fake.listLagMs = 60_000; // ListExecutions shows none of them in time: DescribeExecution must
    const r = progressed(await reconcileFleet(fake.deps(), options(fake)));
    expect(r.outcome).toBe('finished');
    expect(fake.started()).toHaveLength(10);
    expect(fake.peakOpen).toBe(3);
    expect(fake.calls).toContain(`describe ${fake.started()[0]}`);
    // While full it counts again every SLOT_POLL_MS, never in a tight loop.
    expect(fake.sleeps.filter((s) => s === SLOT_POLL_MS).length).toBeGreaterThan(0);
    expect(fake.sleeps.every((s) => s > 0)).toBe(true);
  });

  it('counts other reconcile runs (a repair after an event) against the cap', async () => {
    const fake = new FakeFleet().withAccounts(accountIds(2));
    fake.runs.set('reconcile-999999999999-apply-20261201T0259', { name: 'reconcile-999999999999-apply-20261201T0259', input: '{}', start: T0 - 1000, end: T0 + 40_000 });
    fake.runs.set('onboard-888888888888', { name: 'onboard-888888888888', input: '{}', start: T0 - 1000, end: T0 + 400_000 });
    await reconcileFleet(fake.deps(), options(fake, { limits: { maxConcurrent: 1, maxStartsPerSecond: 2 } }));
    // The first start waited for the other reconcile run to close (an onboarding does not count).
    expect(fake.starts[0]).toBeGreaterThanOrEqual(T0 + 40_000);
    expect(fake.started()).toHaveLength(2);
  });

  it('passes over an account whose id Step Functions would not take, and goes on', async () => {
    const fake = new FakeFleet().withAccounts(['12345', ...accountIds(2)]);
    const r = progressed(await reconcileFleet(fake.deps(), options(fake)));
    expect(r).toMatchObject({ outcome: 'finished', skipped: ['12345'], sweep: { started: 2, skipped: 1 } });
    expect(fake.started()).toHaveLength(2);
  });

  it('a run of the same account and minute already open is counted, not started twice', async () => {
    const ids = accountIds(2);
    const fake = new FakeFleet().withAccounts(ids);
    const name = `reconcile-${ids[0]}-apply-20261201T0300`;
    fake.runs.set(name, { name, input: JSON.stringify({ accountId: ids[0], mode: 'apply' }), start: T0, end: T0 + 50_000 });
    const r = progressed(await reconcileFleet(fake.deps(), options(fake)));
    expect(fake.started().map(accountOf)).toEqual([ids[1]]);
    expect(r.executionArns).toEqual([arnOf(name), arnOf(fake.started()[0])]);
  });
});

describe('a fleet larger than one invocation', () => {
  it('stops before the deadline, records where it stopped, and the continuation tick goes on from there until every account has one run', async () => {
    const ids = accountIds(40);
    const fake = new FakeFleet().withAccounts(ids);
    fake.runMs = 10_000;
    const deps = fake.deps();
    const results: FleetResult[] = [];
    let invocation = 0;
    for (;;) {
      invocation += 1;
      const r = await reconcileFleet(deps, options(fake, { trigger: invocation === 1 ? 'start' : 'continue', owner: `invocation-${invocation}`, deadline: fake.now + 30_000 }));
      results.push(r);
      if (r.outcome !== 'continuing') break;
      expect(r.stoppedBy).toBe('deadline');
      expect(fake.now).toBeLessThanOrEqual(T0 + 30_000 * invocation + 5 * 60_000 * (invocation - 1));
      fake.now += 5 * 60_000; // the next tick
    }
    expect(results.length).toBeGreaterThan(2);
    expect(results.at(-1)).toMatchObject({ outcome: 'finished', began: false, remaining: 0, sweep: { started: 40 } });
    expect(results.slice(1).every((r) => r.outcome !== 'busy' && r.outcome !== 'idle' && !r.began)).toBe(true);
    // Every account exactly once, in order, across the invocations.
    expect(fake.started().map(accountOf)).toEqual(ids);
    // One sweep: every invocation reported the same start.
    expect(new Set(results.map((r) => progressed(r).sweepStartedAt)).size).toBe(1);
  });

  it('the next invocation counts the runs the previous one left open, even before the listing shows them', async () => {
    const fake = new FakeFleet().withAccounts(accountIds(6));
    fake.runMs = 60_000;
    fake.listLagMs = 120_000;
    const first = progressed(await reconcileFleet(fake.deps(), options(fake, { deadline: fake.now + 3_000 })));
    expect(first.outcome).toBe('continuing');
    expect(fake.sweep!.open).toHaveLength(3);
    const second = progressed(await reconcileFleet(fake.deps(), options(fake, { trigger: 'continue', owner: 'invocation-2', deadline: fake.now + 300_000 })));
    expect(second.outcome).toBe('finished');
    expect(fake.peakOpen).toBe(3);
  });

  it('a continuation tick with no sweep open does nothing of the sweep but take and give back the lease', async () => {
    const fake = new FakeFleet().withAccounts(accountIds(3));
    expect(await reconcileFleet(fake.deps(), options(fake, { trigger: 'continue' }))).toEqual({ outcome: 'idle', reason: 'no sweep has begun yet' });
    await reconcileFleet(fake.deps(), options(fake));
    const done = await reconcileFleet(fake.deps(), options(fake, { trigger: 'continue' }));
    expect(done).toMatchObject({ outcome: 'idle', reason: expect.stringMatching(/^the last sweep \(begun .*\) finished at /) });
    expect(fake.started()).toHaveLength(3);
    expect(fake.calls.filter((c) => c === 'scan')).toHaveLength(1);
  });

  it('the daily tick that finds the last sweep unfinished continues it instead of starting over', async () => {
    const ids = accountIds(4);
    const fake = new FakeFleet().withAccounts(ids);
    fake.sweep = { startedAt: '2026-11-30T03:00:00.000Z', mode: 'apply', after: ids[1], open: [], started: 2, skipped: 0 };
    const r = progressed(await reconcileFleet(fake.deps(), options(fake)));
    expect(r).toMatchObject({ outcome: 'finished', began: false, sweepStartedAt: '2026-11-30T03:00:00.000Z', sweep: { started: 4 } });
    expect(fake.started().map(accountOf)).toEqual([ids[2], ids[3]]);
  });

  it('an invocation while another holds the lease returns busy and starts nothing', async () => {
    const fake = new FakeFleet().withAccounts(accountIds(3));
    fake.lease = { owner: 'invocation-0', expiresAt: T0 + 60_000 };
    expect(await reconcileFleet(fake.deps(), options(fake))).toMatchObject({ outcome: 'busy' });
    expect(fake.calls).toEqual([]);
    // An expired lease (its holder is gone) is taken over.
    fake.now = T0 + 60_001;
    expect(progressed(await reconcileFleet(fake.deps(), options(fake))).outcome).toBe('finished');
  });
});

describe('failures', () => {
  it('a throttled start is retried with back-off; still throttled, the invocation stops and leaves the account to the next one', async () => {
    const ids = accountIds(3);
    const fake = new FakeFleet().withAccounts(ids);
    fake.startErrors = [new Throttled('ExecutionLimitExceeded')];
    const r = progressed(await reconcileFleet(fake.deps(), options(fake)));
    expect(r.outcome).toBe('finished');
    expect(fake.sleeps).toContain(1_000);
    expect(fake.started().map(accountOf)).toEqual(ids);

    const again = new FakeFleet().withAccounts(ids);
    again.startErrors = [new Throttled('a'), new Throttled('b'), new Throttled('c')];
    const stopped = progressed(await reconcileFleet(again.deps(), options(again)));
    expect(stopped).toMatchObject({ outcome: 'continuing', stoppedBy: 'throttled', remaining: 3 });
    expect(again.sweep!.after).toBeUndefined();
    expect(progressed(await reconcileFleet(again.deps(), options(again, { trigger: 'continue' }))).outcome).toBe('finished');
    expect(again.started().map(accountOf)).toEqual(ids);
  });

  it('AccessDenied fails the invocation, after recording the progress and releasing the lease', async () => {
    const ids = accountIds(3);
    const fake = new FakeFleet().withAccounts(ids);
    const deps = fake.deps();
    await reconcileFleet(deps, options(fake, { deadline: fake.now + 1 })).catch(() => undefined); // begins the sweep
    fake.sweep = { ...fake.sweep!, after: ids[0], started: 1 };
    fake.startErrors = [new AccessDenied('not authorized to perform: states:StartExecution')];
    await expect(reconcileFleet(deps, options(fake, { trigger: 'continue' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(fake.lease).toBeUndefined();
    expect(fake.sweep).toMatchObject({ after: ids[0], started: 1 });
    expect(fake.sweep!.finishedAt).toBeUndefined();
  });
});

describe('the decisions', () => {
  it.each([
    [undefined, 'start'],
    [null, 'start'],
    [{}, 'start'],
    [{ action: 'start' }, 'start'],
    [{ action: 'continue' }, 'continue'],
  ])('the event %j is a %s', (event, trigger) => {
    expect(parseFleetEvent(event)).toBe(trigger);
  });

  it.each([[{ action: 'stop' }, /action is "stop"; it must be one of "start", "continue"/], [{ accountId: '444455556666' }, /takes only "action"/], ['start', /takes \{\}/], [[1], /takes \{\}/]])(
    'the event %j is refused by name',
    (event, message) => {
      expect(() => parseFleetEvent(event)).toThrow(expect.objectContaining({ name: 'InvalidRequest', message: expect.stringMatching(message) }));
    },
  );

  it('driftResponse repair runs in mode apply, report in mode report', () => {
    expect([runModeOf('repair'), runModeOf('report')]).toEqual(['apply', 'report']);
  });

  it.each([
    [undefined, 0, 2, 0],
    [0, 0, 2, 500],
    [0, 400, 2, 100],
    [0, 900, 2, 0],
    [0, 0, 0.5, 2000],
  ])('after a start at %p, at %p, with %p per second: wait %p ms', (last, now, rate, wait) => {
    expect(startDelayMs(last, now, rate)).toBe(wait);
  });

  it('pending accounts are those after the cursor, in id order, once each', () => {
    expect(pendingAccounts(['300000000000', '100000000000', '200000000000', '100000000000'])).toEqual(['100000000000', '200000000000', '300000000000']);
    expect(pendingAccounts(['300000000000', '100000000000', '200000000000'], '100000000000')).toEqual(['200000000000', '300000000000']);
  });

  it('open runs are the listed ones and the own ones still running, each once', () => {
    expect(openRunCount(['a', 'b'], ['b', 'c'])).toBe(3);
  });

  it('a sweep begins on start only when none is open; an open one is resumed whatever the trigger', () => {
    const now = new Date(T0);
    const open: FleetSweep = { startedAt: 'x', mode: 'report', open: [], started: 0, skipped: 0 };
    expect(decideSweep(undefined, 'start', 'apply', now)).toEqual({ action: 'begin', sweep: { startedAt: now.toISOString(), mode: 'apply', open: [], started: 0, skipped: 0 } });
    expect(decideSweep(open, 'start', 'apply', now)).toEqual({ action: 'resume', sweep: open });
    expect(decideSweep(open, 'continue', 'apply', now)).toEqual({ action: 'resume', sweep: open });
    expect(decideSweep({ ...open, finishedAt: 'y' }, 'continue', 'apply', now)).toMatchObject({ action: 'idle' });
    expect(decideSweep({ ...open, finishedAt: 'y' }, 'start', 'apply', now)).toMatchObject({ action: 'begin' });
  });
});

describe('reader roles kept past their days (offboarding.keepReaderRoleDays)', () => {
  const [DUE, LATER, NONE, BACK] = accountIds(4);
  const ONBOARDED_AT = '2026-11-20T08:00:00.000Z';
  /** An account item with its offboarding record. */
  const item = (accountId: string, status: AccountStatusItem['status'], readerRoleKeptUntil?: string): AccountStatusItem => ({
    pk: `ACCOUNT#${accountId}`,
    accountId,
    status,
    executionArn: '',
    startedAt: ONBOARDED_AT,
    updatedAt: '',
    onboardedAt: ONBOARDED_AT,
    offboarding: { reason: 'RemoveAccountFromOrganization', executionArn: '', startedAt: ONBOARDED_AT, ...(readerRoleKeptUntil ? { readerRoleKeptUntil } : {}) },
  });
  /** A fleet with one account due, one kept for another day, one not kept, and one onboarded again since. */
  function fleet(): FakeFleet {
    const fake = new FakeFleet();
    fake.accounts.push(
      item(DUE, 'OFFBOARDED', new Date(T0 - 1).toISOString()),
      item(LATER, 'OFFBOARDED', new Date(T0 + 24 * 3600 * 1000).toISOString()),
      item(NONE, 'OFFBOARDED'),
      item(BACK, 'ONBOARDED', new Date(T0 - 1).toISOString()),
    );
    return fake;
  }
  const offboardingOf = (id: string) => `offboard-${id}-20261120T080000Z`;

  it('an OFFBOARDED account whose kept role is due gets an offboarding with the reason; no other account does', async () => {
    // prepare
    const fake = fleet();
    // act
    const r = await reconcileFleet(fake.deps(), options(fake));
    // assert
    expect(fake.started().filter((n) => n.startsWith('offboard-'))).toEqual([offboardingOf(DUE)]);
    expect(JSON.parse(fake.runs.get(offboardingOf(DUE))!.input)).toEqual({ accountId: DUE, action: 'offboard', reason: KEPT_READER_ROLE_REASON });
    expect(r).toMatchObject({ outcome: 'finished', readerRoleDeletions: [arnOf(offboardingOf(DUE))] });
    // The one onboarded again is reconciled by the sweep, as every ONBOARDED account, not offboarded.
    expect(fake.started().filter((n) => n.startsWith('reconcile-')).map(accountOf)).toEqual([BACK]);
  });

  it('the 5-minute continuation tick starts it too, with no sweep to continue', async () => {
    const fake = fleet();
    const r = await reconcileFleet(fake.deps(), options(fake, { trigger: 'continue' }));
    expect(r).toEqual({ outcome: 'idle', reason: 'no sweep has begun yet', readerRoleDeletions: [arnOf(offboardingOf(DUE))] });
  });

  it('a tick while that offboarding still runs starts nothing more; once the account is no longer due, nothing either', async () => {
    const fake = fleet();
    await reconcileFleet(fake.deps(), options(fake, { trigger: 'continue' }));
    fake.now += 1_000;
    const again = await reconcileFleet(fake.deps(), options(fake, { trigger: 'continue' }));
    expect(again).toMatchObject({ readerRoleDeletions: [arnOf(offboardingOf(DUE))] });
    expect(fake.started()).toEqual([offboardingOf(DUE)]);
    // The offboarding deleted the role: the record keeps no date.
    fake.accounts[0] = item(DUE, 'OFFBOARDED');
    fake.now += fake.runMs;
    expect(await reconcileFleet(fake.deps(), options(fake, { trigger: 'continue' }))).toEqual({ outcome: 'idle', reason: 'no sweep has begun yet' });
    expect(fake.started()).toEqual([offboardingOf(DUE)]);
  });

  it('an invocation that finds the lease held starts none (its holder does)', async () => {
    const fake = fleet();
    fake.lease = { owner: 'invocation-0', expiresAt: T0 + 60_000 };
    expect(await reconcileFleet(fake.deps(), options(fake))).toEqual({ outcome: 'busy', reason: 'another invocation holds the fleet reconcile lease' });
    expect(fake.calls).toEqual([]);
  });

  it('a throttled start ends the round without failing the tick; the next tick starts it', async () => {
    const fake = fleet();
    fake.startErrors = [new Throttled('ExecutionLimitExceeded')];
    expect(await reconcileFleet(fake.deps(), options(fake, { trigger: 'continue' }))).toEqual({ outcome: 'idle', reason: 'no sweep has begun yet' });
    expect(fake.started()).toEqual([]);
    await reconcileFleet(fake.deps(), options(fake, { trigger: 'continue' }));
    expect(fake.started()).toEqual([offboardingOf(DUE)]);
  });

  it('any other failure to start is thrown (the invocation fails and is alarmed on)', async () => {
    const fake = fleet();
    fake.startErrors = [new AccessDenied('not authorized to perform: states:StartExecution')];
    await expect(reconcileFleet(fake.deps(), options(fake, { trigger: 'continue' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it.each([
    ['due at that very millisecond', 'OFFBOARDED', new Date(T0).toISOString(), true],
    ['due a millisecond later', 'OFFBOARDED', new Date(T0 + 1).toISOString(), false],
    ['not kept', 'OFFBOARDED', undefined, false],
    ['not a date', 'OFFBOARDED', 'soon', false],
    ['offboarding again', 'OFFBOARDING', new Date(T0 - 1).toISOString(), false],
  ] as const)('keptReaderRolesDue: %s', (_what, status, until, due) => {
    expect(keptReaderRolesDue([item(DUE, status, until)], new Date(T0))).toEqual(due ? [DUE] : []);
  });
});
