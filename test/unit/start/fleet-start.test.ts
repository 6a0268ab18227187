/**
 * The fleet start's decisions (handlers/start/fleet-start.ts): which accounts of the organization are
 * started, skipped (with why) or left, table-driven; and the start itself against the in-memory Step
 * Functions on a virtual clock: paced, capped, interrupted and run again without starting anything twice.
 */
import type { OrganizationMember } from '../../../handlers/adapters/organizations';
import { SCOPE_DEFAULTS, type ScopeRuntime } from '../../../handlers/shared/config';
import { parseExcludes, planFleetStart, startFleet, type FleetStartOutcome } from '../../../handlers/start/fleet-start';
import { FakeExecutions } from './fake-executions';

const ROOT = 'r-a1b2';
const PROD = 'ou-a1b2-prod0001';
const SANDBOX = 'ou-a1b2-sandbox1';
const member = (id: string, path: string[], state = 'ACTIVE'): OrganizationMember => ({ id, state, path });
const CONFIG = { managementAccountId: '111122223333', logArchiveAccountId: '222233334444', allowManagementAccount: false, allowLogArchiveAccount: false };
const MEMBERS = [
  member('111122223333', [ROOT]),
  member('222233334444', [ROOT]),
  member('100000000001', [ROOT, PROD]),
  member('100000000002', [ROOT, PROD], 'SUSPENDED'),
  member('100000000003', [ROOT, SANDBOX]),
  member('100000000004', [ROOT]),
  member('100000000005', [ROOT, PROD]),
];

describe('planFleetStart', () => {
  it.each<[string, Partial<ScopeRuntime>, string[], Record<string, string>]>([
    ['the whole organization', {}, [], { '100000000002': 'not-active' }],
    ['scope.excludeOus', { excludeOus: [SANDBOX] }, [], { '100000000002': 'not-active', '100000000003': 'out-of-scope' }],
    ['scope.includeOus', { includeOus: [PROD] }, [], { '100000000002': 'not-active', '100000000003': 'out-of-scope', '100000000004': 'out-of-scope' }],
    ['scope.excludeAccounts and --exclude an OU', { excludeAccounts: ['100000000004'] }, [SANDBOX], { '100000000002': 'not-active', '100000000003': 'excluded', '100000000004': 'out-of-scope' }],
    ['--exclude an account', {}, ['100000000005'], { '100000000002': 'not-active', '100000000005': 'excluded' }],
  ])('%s: starts the in-scope ACTIVE accounts not ONBOARDED, skips the rest with why', (_name, scope, exclude, skipped) => {
    const plan = planFleetStart({ members: MEMBERS, onboarded: new Set(['100000000001']), config: { ...CONFIG, scope: { ...SCOPE_DEFAULTS, ...scope } }, exclude: parseExcludes(exclude) });
    const skips = Object.fromEntries(plan.entries.flatMap((e) => (e.action === 'skip' && e.kind !== 'not-allowed' ? [[e.accountId, e.kind]] : [])));
    expect(skips).toEqual(skipped);
    expect(plan.entries.find((e) => e.accountId === '100000000001')).toMatchObject({ action: 'leave', reason: 'ONBOARDED' });
    expect(plan.entries.filter((e) => e.action === 'skip' && e.kind === 'not-allowed').map((e) => e.accountId)).toEqual(['111122223333', '222233334444']);
    expect(plan.start).toEqual(['100000000003', '100000000004', '100000000005'].filter((id) => !(id in skipped)));
  });

  it('with allowManagementAccount the management account is started like any other; an ONBOARDED suspended account is left, not skipped', () => {
    const plan = planFleetStart({ members: [member('111122223333', [ROOT]), member('100000000002', [ROOT], 'SUSPENDED')], onboarded: new Set(['100000000002']), config: { ...CONFIG, allowManagementAccount: true, scope: SCOPE_DEFAULTS } });
    expect(plan.start).toEqual(['111122223333']);
    expect(plan.entries[0]).toMatchObject({ accountId: '100000000002', action: 'leave' });
  });

  it('parseExcludes takes account, root and OU ids and refuses anything else', () => {
    expect(parseExcludes(['100000000001', SANDBOX, ROOT, '100000000001'])).toEqual({ accounts: ['100000000001'], ous: [SANDBOX, ROOT] });
    expect(() => parseExcludes(['sandbox'])).toThrow(expect.objectContaining({ name: 'InvalidRequest' }));
  });
});

describe('startFleet', () => {
  const ids = Array.from({ length: 12 }, (_, i) => String(100000000100 + i));
  /** Step Functions in memory on a virtual clock; runs last `runMs` and close on their own. */
  function fleet(runMs = 3_000) {
    const fake = new FakeExecutions();
    let now = Date.UTC(2026, 11, 1);
    const startedAt = new Map<string, number>();
    const starts: number[] = [];
    let peakOpen = 0;
    const close = () => {
      for (const [name, t] of startedAt) {
        const x = fake.executions.get(name);
        if (x && x.status === 'RUNNING' && now >= t + runMs) x.status = 'SUCCEEDED';
      }
    };
    const start = fake.deps();
    const startExecution = start.executions.startExecution;
    const deps = {
      start: {
        ...start,
        executions: {
          ...start.executions,
          startExecution: async (name: string, input: string) => {
            const r = await startExecution(name, input);
            if (!r.alreadyStarted) {
              startedAt.set(name, now);
              starts.push(now);
              peakOpen = Math.max(peakOpen, [...fake.executions.values()].filter((x) => x.status === 'RUNNING').length);
            }
            return r;
          },
        },
      },
      running: {
        listRunningExecutionsByPrefix: async (prefix: string) => {
          close();
          return [...fake.executions.values()].filter((x) => x.status === 'RUNNING' && x.name.startsWith(prefix)).map((x) => ({ executionArn: `arn:aws:states:eu-west-1:111122223333:execution:Onboarding:${x.name}`, name: x.name, status: x.status, startDate: x.startDate }));
        },
      },
      now: () => new Date(now),
      sleep: async (ms: number) => {
        now += ms;
        close();
      },
    };
    return { fake, deps, starts, peak: () => peakOpen, advance: (ms: number) => ((now += ms), close()) };
  }

  it('starts every account once, at most maxStartsPerSecond and never more than maxConcurrent open', async () => {
    const f = fleet();
    const r = await startFleet(f.deps, ids, { limits: { maxConcurrent: 4, maxStartsPerSecond: 2 } });
    expect(f.fake.started().sort()).toEqual(ids.map((id) => `onboard-${id}`));
    expect(r.outcomes.map((o) => (o.kind === 'start' ? o.result.outcome : o.kind))).toEqual(ids.map(() => 'started'));
    expect(r.notStarted).toEqual([]);
    expect(f.peak()).toBeLessThanOrEqual(4);
    for (let i = 1; i < f.starts.length; i++) expect(f.starts[i] - f.starts[i - 1]).toBeGreaterThanOrEqual(500);
  });

  it('interrupted after 5 starts it starts nothing more; run again it starts exactly the rest, and a third run nothing', async () => {
    const f = fleet();
    const signal = { aborted: false };
    const first = await startFleet(f.deps, ids, { limits: { maxConcurrent: 20, maxStartsPerSecond: 2 }, signal, onOutcome: (o: FleetStartOutcome) => void (o.accountId === ids[4] && (signal.aborted = true)) });
    expect(first).toMatchObject({ stoppedBy: 'aborted', notStarted: ids.slice(5) });
    expect(f.fake.started()).toHaveLength(5);
    const second = await startFleet(f.deps, ids, { limits: { maxConcurrent: 20, maxStartsPerSecond: 2 } });
    // The first five are still running: the same name and input answer with that execution.
    expect(second.outcomes.slice(0, 5).map((o) => (o.kind === 'start' ? o.result.outcome : o.kind))).toEqual(Array(5).fill('already-running'));
    expect(f.fake.started().sort()).toEqual(ids.map((id) => `onboard-${id}`));
    f.advance(60_000);
    const third = await startFleet(f.deps, ids, { limits: { maxConcurrent: 20, maxStartsPerSecond: 2 } });
    expect(third.outcomes.map((o) => (o.kind === 'start' ? o.result.outcome : o.kind))).toEqual(ids.map(() => 'already-onboarded'));
    expect(f.fake.started()).toHaveLength(ids.length); // StartExecution created each execution once
  });
});

describe('POST /fleet/onboard', () => {
  it('records a requested backfill (202) unless one is open (200), and says what happens next', async () => {
    const { requestBackfill } = await import('../../../handlers/start/fleet-start');
    const { backfillResponse } = await import('../../../handlers/api/fleet');
    const recorded: unknown[] = [];
    let open = false;
    const sweeps = { request: async (sweep: unknown) => (open ? false : (recorded.push(sweep), (open = true))) };
    const now = new Date(Date.UTC(2026, 11, 1, 10));
    const first = backfillResponse(await requestBackfill(sweeps, now), 'r1');
    expect(first.statusCode).toBe(202);
    expect(JSON.parse(first.body)).toMatchObject({ outcome: 'requested', requestedAt: now.toISOString(), message: expect.stringMatching(/within 5 minutes/) });
    expect(recorded).toEqual([{ startedAt: now.toISOString(), mode: 'apply', open: [], started: 0, skipped: 0 }]);
    const second = backfillResponse(await requestBackfill(sweeps, now), 'r2');
    expect([second.statusCode, JSON.parse(second.body).outcome]).toEqual([200, 'already-open']);
  });
});
