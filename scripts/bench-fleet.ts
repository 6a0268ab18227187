/**
 * Benchmark child (run by scripts/bench.ts; alone: `npx tsx scripts/bench-fleet.ts`): a fleet
 * reconcile of N onboarded accounts with no drift (issue 10, "Must show"), N = BENCH_FLEET_SIZE
 * (default 500).
 *
 * 1. N member accounts are added to the demo organization and onboarded for real, all at once (the
 *    bench's burst: real definition, handlers, shared-policy lease).
 * 2. The ReconcileFleet function is invoked as its schedules would: `{"action":"start"}`, then
 *    `{"action":"continue"}` until the sweep is finished. It runs with the configuration's pacing
 *    (config/onboarding.sample.json: fleetReconcile defaults, maxStartsPerSecond and maxConcurrent).
 *    The local Lambda context gives an invocation 120 s (in AWS 900 s), so a large fleet takes several
 *    invocations. In AWS the continuation schedule fires every few minutes and the lease makes an
 *    invocation wait for the previous one to end, so two invocations are always tens of seconds apart
 *    (at least the 30-s safety margin); the bench waits one start interval (1 / maxStartsPerSecond)
 *    between them, the least that keeps the pacing: an invocation's first start is not paced against
 *    the previous invocation's last (handlers/start/fleet.ts `startDelayMs`).
 *    Before the sweep every function's session cache is emptied (`SessionCache.clearAll`): a daily
 *    sweep finds the onboarding's one-hour sessions long expired, so each run assumes its roles again.
 * 3. Measured over the sweep: AWS calls (every request the simulated AWS saw, the status table
 *    included, and the Step Functions API calls), write calls outside the status table (must be 0:
 *    nothing drifted), the world's snapshot before and after (must be equal), state transitions of
 *    the reconcile runs (StateEntered events, what Step Functions bills), wall time, and member-account
 *    calls per second (calls whose target account is one of the N, in 1-second windows from the
 *    sweep's start, stamped by local/sim/calls.ts `timestampCalls`).
 */
import '../local/polyfills';
import * as path from 'node:path';
import { SessionCache } from '../handlers/adapters/sts';
import type { FleetResult } from '../handlers/start/fleet';
import { loadAppConfig, orchestratorAccount } from '../infra/config';
import { LocalStepFunctions } from '../local/runner';
import { timestampCalls, type CallRecord } from '../local/sim/calls';
import { createDemoWorld, DEMO } from '../local/sim/demo-world';
import { childMain, within } from './bench-child';

const ROOT = path.join(__dirname, '..');

/** Ids of the fleet's accounts (12 digits, distinct from the demo organization's). */
export const fleetIds = (n: number): string[] => Array.from({ length: n }, (_, i) => String(600000000000 + i * 7919));

/** The fleet's size: BENCH_FLEET_SIZE, default 500. */
export function fleetSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_FLEET_SIZE ?? '500';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_FLEET_SIZE must be a positive whole number (received ${raw})`);
  return n;
}

/** Most calls in one window: fixed 1-second windows from `t0`, and any 1-second interval. */
function peakPerSecond(times: readonly number[], t0: number): { fixedWindow: number; fixedWindowStartS: number; anyInterval: number } {
  const buckets = new Map<number, number>();
  for (const t of times) {
    const b = Math.floor((t - t0) / 1000);
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
  }
  let fixedWindow = 0;
  let fixedWindowStartS = 0;
  for (const [b, n] of buckets) {
    if (n > fixedWindow) [fixedWindow, fixedWindowStartS] = [n, b];
  }
  const sorted = [...times].sort((a, b) => a - b);
  let anyInterval = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j] - sorted[i] >= 1000) i++;
    anyInterval = Math.max(anyInterval, j - i + 1);
  }
  return { fixedWindow, fixedWindowStartS, anyInterval };
}

const stats = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? 0, median: s[Math.floor(s.length / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
};

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The fleet reconcile's figures (bench/results.json `fleetReconcile`). */
export interface FleetFigures {
  readonly accounts: number;
  readonly onboarding: { readonly succeeded: number; readonly wallSeconds: number };
  readonly config: { readonly maxStartsPerSecond: number; readonly maxConcurrent: number; readonly driftResponse: string };
  readonly sweep: {
    readonly invocations: number;
    readonly outcomes: string[];
    readonly started: number;
    readonly skipped: number;
    readonly runs: number;
    readonly runsByStatus: Record<string, number>;
    /** Seconds from a run's start to its end. */
    readonly runSeconds: { readonly min: number; readonly median: number; readonly max: number };
    readonly wallSeconds: number;
  };
  readonly awsCalls: {
    /** Every request the simulated AWS saw during the sweep (status table included), plus the Step Functions API calls. */
    readonly total: number;
    readonly simulatedAws: number;
    readonly stepFunctionsApi: number;
    readonly byService: Record<string, number>;
    readonly stepFunctionsByOperation: Record<string, number>;
    readonly byTarget: { readonly memberAccounts: number; readonly logArchive: number; readonly orchestrator: number; readonly other: number };
    readonly errors: Record<string, number>;
  };
  /** Write calls outside the status table, as `<account> <service>:<operation>` (must be empty). */
  readonly awsWrites: string[];
  readonly statusTableWrites: number;
  readonly snapshotUnchanged: boolean;
  readonly stateTransitions: number;
  readonly stateTransitionsPerRun: number;
  readonly memberCallsPerRun: { readonly min: number; readonly median: number; readonly max: number };
  readonly memberCallsPerSecond: {
    readonly peak: number;
    readonly peakWindowStartS: number;
    readonly peakAnyOneSecondInterval: number;
    readonly peakSingleAccount: number;
    readonly average: number;
    /** Sustained: maxStartsPerSecond x member calls of one run (the most any run made). */
    readonly sustainedCap: number;
    /**
     * In one second: the runs that can make calls in it (started within 1 s + the longest run, starts
     * 1 / maxStartsPerSecond apart; no more than maxConcurrent open plus the second's own starts) x
     * member calls of one run.
     */
    readonly oneSecondCap: number;
    readonly runsInOneSecond: number;
    /** maxConcurrent x member calls of one run: every open run making all its calls in the same second. */
    readonly ceiling: number;
  };
  readonly logArchiveCallsPerSecond: { readonly peak: number; readonly perRun: number };
}

export async function measureFleet(n = fleetSize()): Promise<FleetFigures> {
  const ids = fleetIds(n);
  const members = new Set(ids);
  const world = createDemoWorld();
  for (const id of ids) {
    world.accounts.add({ id, name: `member-${id}`, state: 'ACTIVE' }, true, world.now());
    world.seedMember(id);
  }
  const config = loadAppConfig(path.join(ROOT, 'config', 'onboarding.sample.json'));
  const sfn = await within(LocalStepFunctions.start({ world, config, principalArn: DEMO.operatorPrincipalArn, retryDelayMs: 1 }), 120_000, 'starting the local service');
  try {
    // 1. Onboard the fleet: every account at once, as the bench's burst does.
    console.error(`  onboarding ${n} accounts at once...`);
    const o0 = performance.now();
    const onboarded = await within(
      Promise.all(ids.map((a) => sfn.startExecution({ accountId: a }, `onboard-${a}`).result)),
      Math.max(300_000, n * 2_000),
      `onboarding ${n} accounts`,
    );
    const onboardSeconds = (performance.now() - o0) / 1000;
    const failed = onboarded.filter((r) => r.status !== 'SUCCEEDED');
    if (failed.length) throw new Error(`${failed.length} of ${n} onboardings did not succeed, e.g. ${failed[0].executionArn}: ${failed[0].status} ${failed[0].error ?? ''} ${failed[0].cause ?? ''}`);
    console.error(`  onboarded ${n} in ${onboardSeconds.toFixed(1)} s; reconciling the fleet (maxStartsPerSecond ${config.fleetReconcile.maxStartsPerSecond}, maxConcurrent ${config.fleetReconcile.maxConcurrent})...`);

    // 2. The sweep.
    await within(sfn.drain(), 60_000, 'the onboardings\' last handler invocations');
    const before = JSON.stringify(world.snapshot());
    SessionCache.clearAll();
    world.resetCalls();
    const sfnCallsBefore = world.stepFunctions.calls.length;
    const untimestamp = timestampCalls(world.calls);
    let transitions = 0;
    const offHistory = sfn.addListener((name, ev) => {
      if (name.startsWith('reconcile-') && ev.type === 'StateEntered') transitions += 1;
    });
    const perInvocationMs = 300_000;
    const limits = config.fleetReconcile;
    const maxInvocations = 5 + Math.ceil(n / limits.maxStartsPerSecond / 60);
    const t0 = Date.now();
    const outcomes: string[] = [];
    let result = (await within(sfn.invokeFunction('ReconcileFleet', { action: 'start' }), perInvocationMs, 'the ReconcileFleet invocation')) as FleetResult;
    outcomes.push(result.outcome + ('stoppedBy' in result && result.stoppedBy ? `(${result.stoppedBy})` : ''));
    while (result.outcome === 'continuing') {
      if (outcomes.length >= maxInvocations) throw new Error(`the sweep was not finished after ${outcomes.length} invocations: ${outcomes.join(', ')}`);
      console.error(`  ... ${result.sweep.started}/${n} started after ${((Date.now() - t0) / 1000).toFixed(0)} s; continuing`);
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(1000 / limits.maxStartsPerSecond)));
      result = (await within(sfn.invokeFunction('ReconcileFleet', { action: 'continue' }), perInvocationMs, 'the ReconcileFleet invocation')) as FleetResult;
      outcomes.push(result.outcome + ('stoppedBy' in result && result.stoppedBy ? `(${result.stoppedBy})` : ''));
    }
    if (result.outcome !== 'finished') throw new Error(`the fleet reconcile ended ${result.outcome}: ${'reason' in result ? result.reason : ''}`);
    await within(world.stepFunctions.idle(), 300_000, 'the reconcile runs');
    await within(sfn.drain(), 60_000, 'the reconcile runs\' last handler invocations');
    const t1 = Date.now();
    offHistory();
    untimestamp();

    // 3. Figures.
    const calls: CallRecord[] = [...world.calls];
    const sfnCalls = world.stepFunctions.calls.slice(sfnCallsBefore);
    const runs = world.stepFunctions.list().filter((x) => x.name.startsWith('reconcile-'));
    const after = JSON.stringify(world.snapshot());
    const logArchive = config.logArchiveAccountId;
    const orchestrator = orchestratorAccount(config);
    const memberCalls = calls.filter((c) => members.has(c.accountId));
    const archiveCalls = calls.filter((c) => c.accountId === logArchive);
    const perRun = (xs: CallRecord[]) => Object.values(countBy(xs, (c) => c.executionName ?? '(outside a run)'));
    const memberPerRun = stats(perRun(memberCalls));
    const archivePerRun = stats(perRun(archiveCalls));
    const atOf = (xs: CallRecord[]) => xs.map((c) => c.at ?? NaN).filter((t) => Number.isFinite(t));
    if (atOf(calls).length !== calls.length) throw new Error('some calls carry no timestamp (local/sim/calls.ts timestampCalls)');
    const memberPeak = peakPerSecond(atOf(memberCalls), t0);
    const byAccountSecond = countBy(memberCalls, (c) => `${c.accountId} ${Math.floor(((c.at ?? 0) - t0) / 1000)}`);
    const sweepSeconds = (t1 - t0) / 1000;
    const durations = runs.map((x) => (x.stopDate?.getTime() ?? NaN) - x.startDate.getTime()).filter((d) => Number.isFinite(d));
    const runSeconds = (({ min, median, max }) => ({ min: min / 1000, median: median / 1000, max: max / 1000 }))(stats(durations));
    const rate = limits.maxStartsPerSecond;
    const runsInOneSecond = Math.min(Math.floor(rate * (1 + runSeconds.max)) + 1, limits.maxConcurrent + Math.floor(rate) + 1);
    return {
      accounts: n,
      onboarding: { succeeded: onboarded.length - failed.length, wallSeconds: Number(onboardSeconds.toFixed(1)) },
      config: { maxStartsPerSecond: limits.maxStartsPerSecond, maxConcurrent: limits.maxConcurrent, driftResponse: config.driftResponse },
      sweep: {
        invocations: outcomes.length,
        outcomes,
        started: result.sweep.started,
        skipped: result.sweep.skipped,
        runs: runs.length,
        runsByStatus: countBy(runs, (x) => x.status),
        runSeconds,
        wallSeconds: Number(sweepSeconds.toFixed(1)),
      },
      awsCalls: {
        total: calls.length + sfnCalls.length,
        simulatedAws: calls.length,
        stepFunctionsApi: sfnCalls.length,
        byService: countBy(calls, (c) => c.service),
        stepFunctionsByOperation: countBy(sfnCalls, (c) => c.operation),
        byTarget: {
          memberAccounts: memberCalls.length,
          logArchive: archiveCalls.length,
          orchestrator: calls.filter((c) => c.accountId === orchestrator).length,
          other: calls.filter((c) => !members.has(c.accountId) && c.accountId !== logArchive && c.accountId !== orchestrator).length,
        },
        errors: countBy(
          calls.filter((c) => c.error !== undefined),
          (c) => `${c.service}:${c.operation} ${c.error}`,
        ),
      },
      awsWrites: calls.filter((c) => c.write && c.service !== 'dynamodb').map((c) => `${c.accountId} ${c.service}:${c.operation}${c.error ? ` (${c.error})` : ''}`),
      statusTableWrites: calls.filter((c) => c.write && c.service === 'dynamodb').length,
      snapshotUnchanged: before === after,
      stateTransitions: transitions,
      stateTransitionsPerRun: Number((transitions / Math.max(1, runs.length)).toFixed(2)),
      memberCallsPerRun: memberPerRun,
      memberCallsPerSecond: {
        peak: memberPeak.fixedWindow,
        peakWindowStartS: memberPeak.fixedWindowStartS,
        peakAnyOneSecondInterval: memberPeak.anyInterval,
        peakSingleAccount: Math.max(0, ...Object.values(byAccountSecond)),
        average: Number((memberCalls.length / sweepSeconds).toFixed(1)),
        sustainedCap: Number((rate * memberPerRun.max).toFixed(1)),
        oneSecondCap: runsInOneSecond * memberPerRun.max,
        runsInOneSecond,
        ceiling: limits.maxConcurrent * memberPerRun.max,
      },
      logArchiveCallsPerSecond: { peak: peakPerSecond(atOf(archiveCalls), t0).fixedWindow, perRun: archivePerRun.max },
    };
  } finally {
    await within(sfn.stop(), 60_000, 'stopping the local service').catch((e: unknown) => console.error(e));
  }
}

if (require.main === module) childMain(() => measureFleet());
