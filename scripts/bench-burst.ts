/**
 * Benchmark child (run by scripts/bench.ts, once per trail mode; alone:
 * `BENCH_TRAIL_MODE=organization BENCH_BURST_SIZE=50 npx tsx scripts/bench-burst.ts`): N onboardings
 * started at once (BENCH_BURST_SIZE, default 200) in the trail mode BENCH_TRAIL_MODE, on a world of
 * its own where nothing is set up yet (in organization mode without trusted access for CloudTrail and
 * without the organization trail, as scripts/bench-onboarding.ts).
 *
 * Measured: wall time, runs SUCCEEDED, the shared policies' writes (PutBucketPolicy, PutKeyPolicy:
 * the lease coalesces them), CreateTrail calls (with the errors AWS answered, e.g.
 * TrailAlreadyExistsException when several organization-mode runs race to create the one trail) and
 * the trails that result, EnableAWSServiceAccess calls, retries, AWS calls. The defects bench.ts fails
 * on: a run that did not succeed; in account mode, not exactly one trail created per account; in
 * organization mode, not exactly one organization trail, created by exactly one successful CreateTrail.
 */
import '../local/polyfills';
import { childMain, within } from './bench-child';
import { countBy, startMode, STARTING_POINT, trailModeOf, type TrailMode } from './bench-onboarding';

/** The burst's size: BENCH_BURST_SIZE (bench.ts sets it from `--burst`), default 200. */
export function burstSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_BURST_SIZE ?? '200';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`the burst size must be a positive whole number (received ${raw})`);
  return n;
}

/** Ids of the burst's accounts (12 digits, distinct from the demo organization's and the fleet's). */
export const burstIds = (n: number): string[] => Array.from({ length: n }, (_, i) => String(500000000000 + i * 7919));

/** The burst's figures (bench/results.json `burst.<mode>`). */
export interface BurstFigures {
  readonly trailMode: TrailMode;
  readonly startingPoint: string;
  readonly accounts: number;
  readonly succeeded: number;
  /** `<status> <error>` of the runs that did not succeed, by count. */
  readonly notSucceeded: Record<string, number>;
  readonly wallSeconds: number;
  readonly bucketPolicyWrites: number;
  readonly keyPolicyWrites: number;
  readonly createTrail: {
    readonly calls: number;
    readonly succeeded: number;
    /** Failed CreateTrail calls by error name. */
    readonly errors: Record<string, number>;
  };
  /**
   * The service's trails after the burst: in account mode the burst accounts' trails of the
   * configured name, in organization mode the organization trails.
   */
  readonly trails: number;
  readonly enableServiceAccessCalls: number;
  /** Retries of all runs (StateRetried events): mostly PolicyLockBusy, the shared-policy lease taken. */
  readonly retries: number;
  readonly awsCalls: number;
  /** What is wrong with the burst's outcome (bench.ts fails on any). */
  readonly defects: string[];
}

/** The defects of a burst's outcome (see the file's comment). */
export function burstDefects(mode: TrailMode, f: Omit<BurstFigures, 'defects'>): string[] {
  const defects: string[] = [];
  if (f.succeeded !== f.accounts) defects.push(`${mode} mode burst: ${f.succeeded}/${f.accounts} onboardings SUCCEEDED (${Object.entries(f.notSucceeded).map(([k, v]) => `${k} x${v}`).join(', ')})`);
  const expected = mode === 'account' ? f.accounts : 1;
  const what = mode === 'account' ? 'trails (one per account)' : 'organization trail';
  if (f.trails !== expected || f.createTrail.succeeded !== expected) {
    defects.push(`${mode} mode burst: expected ${expected} ${what}, each from one successful CreateTrail; found ${f.trails} trail${f.trails === 1 ? '' : 's'} and ${f.createTrail.succeeded} successful CreateTrail call${f.createTrail.succeeded === 1 ? '' : 's'}`);
  }
  return defects;
}

export async function measureBurst(mode: TrailMode = trailModeOf(), n = burstSize()): Promise<BurstFigures> {
  const ids = burstIds(n);
  const { world, sfn, config } = await startMode(mode, ids);
  try {
    const t0 = performance.now();
    const results = await within(Promise.all(ids.map((a) => sfn.startExecution({ accountId: a }, `burst-${a}`).result)), Math.max(300_000, n * 2_000), `${n} onboardings at once`);
    const seconds = (performance.now() - t0) / 1000;
    await within(sfn.drain(), 60_000, "the burst's last handler invocations");
    const calls = [...world.calls];
    const writes = calls.filter((c) => c.write);
    const createTrail = calls.filter((c) => c.service === 'cloudtrail' && c.operation === 'CreateTrail');
    const members = new Set(ids);
    const trails =
      mode === 'account'
        ? world.cloudtrail.list().filter((t) => members.has(t.accountId) && t.name === config.trailName).length
        : world.cloudtrail.organizationTrails().length;
    const failed = results.filter((r) => r.status !== 'SUCCEEDED');
    const figures = {
      trailMode: mode,
      startingPoint: STARTING_POINT[mode],
      accounts: n,
      succeeded: results.length - failed.length,
      notSucceeded: countBy(failed, (r) => `${r.status} ${r.error ?? ''}`.trim()),
      wallSeconds: Number(seconds.toFixed(2)),
      bucketPolicyWrites: writes.filter((c) => c.operation === 'PutBucketPolicy').length,
      keyPolicyWrites: writes.filter((c) => c.operation === 'PutKeyPolicy').length,
      createTrail: {
        calls: createTrail.length,
        succeeded: createTrail.filter((c) => c.error === undefined).length,
        errors: countBy(
          createTrail.filter((c) => c.error !== undefined),
          (c) => c.error!,
        ),
      },
      trails,
      enableServiceAccessCalls: calls.filter((c) => c.operation === 'EnableAWSServiceAccess').length,
      retries: results.reduce((s, r) => s + r.history.filter((h) => h.type === 'StateRetried').length, 0),
      awsCalls: calls.length,
    };
    return { ...figures, defects: burstDefects(mode, figures) };
  } finally {
    await within(sfn.stop(), 60_000, 'stopping the local service').catch((e: unknown) => console.error(e));
  }
}

if (require.main === module) childMain(() => measureBurst());
