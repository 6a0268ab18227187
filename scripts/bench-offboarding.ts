/**
 * Benchmark child (run by scripts/bench.ts, once per trail mode and part; alone:
 * `BENCH_TRAIL_MODE=account BENCH_OFFBOARDING_PART=runs npx tsx scripts/bench-offboarding.ts`):
 * offboarding (`{"accountId", "action": "offboard", "reason"}`, the ByAction path to OffboardAccount)
 * in the trail mode BENCH_TRAIL_MODE, on a world of its own (as scripts/bench-onboarding.ts: handler
 * modules read their configuration once per process, so one mode and one part per process).
 *
 * BENCH_OFFBOARDING_PART `runs` (the default): the first two demo accounts onboarded (not measured),
 * then
 * 1. offboarding: the first account offboarded, the second staying (what one leaving account costs);
 * 2. re-run: the same offboarding again: no write call at all, the status table included (bench.ts
 *    fails otherwise; the e2e test's criterion): the record stays as the first run left it.
 * For each the figures of scripts/bench-onboarding.ts (calls, writes, by service, by step, state
 * transitions, retries, sequential round trips on the critical path, through its `criticalPath` over
 * the definition, following the ByAction branch the run took). The first is checked to have done its
 * work (the account's trail and reader role gone, in account mode its grants withdrawn from both
 * policies and the staying account's kept): figures of an offboarding that removed nothing would
 * say nothing.
 *
 * BENCH_OFFBOARDING_PART `burst`: N accounts onboarded (BENCH_OFFBOARDING_BURST_SIZE, default 50; not
 * measured), then N offboardings of them and N onboardings of N other accounts started at the same
 * moment (the concurrency of test/local/e2e/offboarding-concurrent.test.ts at the bench's size):
 * wall time, runs SUCCEEDED, PutBucketPolicy and PutKeyPolicy calls, retries, AWS calls, and the
 * check bench.ts fails on: both shared policies grant exactly the onboarded set afterwards (account
 * mode: the N joining accounts, no leaving one kept or put back by a concurrent onboarding's render;
 * organization mode: the policies name no member, only the organization trail's owner, the management
 * account, as its `aws:SourceAccount`, and that trail can still deliver and encrypt), every leaving
 * account OFFBOARDED and every joining one ONBOARDED in the status table.
 */
import '../local/polyfills';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StatusStore } from '../handlers/adapters/status-store';
import { accountsInBucketPolicy } from '../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../handlers/domain/key-policy';
import { logDestinationFromConfig, type LogDestination } from '../handlers/domain/log-destination';
import { parsePolicy } from '../handlers/domain/policy-document';
import { readerRoleName } from '../handlers/domain/roles';
import { createClient } from '../handlers/shared/clients';
import { parseRuntimeConfig, type RuntimeConfig } from '../handlers/shared/config';
import { runtimeConfigOf, type AppConfig } from '../infra/config';
import { LOCAL_TABLE_NAME, type ExecutionResult, type LocalStepFunctions } from '../local/runner';
import { DEMO } from '../local/sim/demo-world';
import type { SimWorld } from '../local/sim/world';
import { childMain, within } from './bench-child';
import { countBy, startMode, summary, trailModeOf, type CallTimer, type RunFigures, type TrailMode } from './bench-onboarding';

/** The parts this child measures, one per process (BENCH_OFFBOARDING_PART). */
export const OFFBOARDING_PARTS = ['runs', 'burst'] as const;
export type OffboardingPart = (typeof OFFBOARDING_PARTS)[number];

/** The part a child measures: BENCH_OFFBOARDING_PART, default `runs`. */
export function offboardingPartOf(env: NodeJS.ProcessEnv = process.env): OffboardingPart {
  const raw = env.BENCH_OFFBOARDING_PART ?? 'runs';
  if (!(OFFBOARDING_PARTS as readonly string[]).includes(raw)) throw new Error(`BENCH_OFFBOARDING_PART must be one of ${OFFBOARDING_PARTS.join(', ')} (received ${raw})`);
  return raw as OffboardingPart;
}

/** The mixed burst's size, N offboardings and N onboardings: BENCH_OFFBOARDING_BURST_SIZE, default 50. */
export function offboardingBurstSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_OFFBOARDING_BURST_SIZE ?? '50';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_OFFBOARDING_BURST_SIZE must be a positive whole number (received ${raw})`);
  return n;
}

/** The reason every offboarding of the bench gives (recorded on the status item). */
const REASON = 'bench';

/** The execution input of an offboarding (README "Offboarding"). */
const offboardInput = (accountId: string) => ({ accountId, action: 'offboard', reason: REASON });

/** What a world holds before the measured runs (printed with the figures). */
export const OFFBOARDING_STARTING_POINT: Record<TrailMode, string> = {
  account: 'the demo organization with two accounts onboarded',
  organization: 'the demo organization with two accounts onboarded under the organization trail',
};

/** The per-offboarding figures of one trail mode (bench/results.json `offboarding.runs.<mode>`). */
export interface OffboardingFigures {
  readonly trailMode: TrailMode;
  readonly startingPoint: string;
  readonly offboarding: RunFigures;
  readonly rerun: RunFigures;
  /** Executions started during the measured runs other than the measured ones (an event's reconcile, say). */
  readonly otherExecutions: number;
}

/** The mixed burst's figures (bench/results.json `offboarding.burst.<mode>`). */
export interface OffboardingBurstFigures {
  readonly trailMode: TrailMode;
  /** N: offboardings, and as many onboardings, started at once. */
  readonly each: number;
  readonly succeeded: { readonly offboardings: number; readonly onboardings: number };
  /** `<kind> <status> <error>` of the runs that did not succeed, by count. */
  readonly notSucceeded: Record<string, number>;
  readonly wallSeconds: number;
  readonly bucketPolicyWrites: number;
  readonly keyPolicyWrites: number;
  /** Retries of all runs (StateRetried events): mostly PolicyLockBusy, the shared-policy lease taken. */
  readonly retries: number;
  readonly awsCalls: number;
  /**
   * How many accounts each shared policy names afterwards, and how many it should name (account mode:
   * the joining accounts; organization mode: 1, the organization trail's owner).
   */
  readonly granted: { readonly bucket: number; readonly key: number; readonly expected: number };
  /** Organization mode: whether the organization trail can still deliver and encrypt afterwards. */
  readonly organizationTrailDelivers?: { readonly bucket: boolean; readonly key: boolean };
  /** Executions started during the burst other than the 2N it started. */
  readonly otherExecutions: number;
  /** What is wrong with the outcome (bench.ts fails on any). */
  readonly defects: string[];
}

/** Runs one execution to its end and requires it to succeed (the set-up's and the measured ones). */
async function runToEnd(sfn: LocalStepFunctions, input: unknown, name: string): Promise<ExecutionResult> {
  const r = await within(sfn.startExecution(input, name).result, 120_000, `the execution ${name}`);
  await within(sfn.drain(), 60_000, `the last handler invocations of ${name}`);
  if (r.status !== 'SUCCEEDED') throw new Error(`bench execution ${name} did not succeed: ${r.status} ${r.error ?? ''} ${r.cause ?? ''}`);
  return r;
}

/** Runs one offboarding and returns its figures (the calls since the last reset: the run's own). */
async function measureOffboardRun(world: SimWorld, sfn: LocalStepFunctions, timer: CallTimer, accountId: string, name: string): Promise<RunFigures> {
  world.resetCalls();
  timer.reset();
  const r = await runToEnd(sfn, offboardInput(accountId), name);
  await within(world.settle(), 60_000, `the events of ${name}`);
  return summary(sfn.synthesized.definition as never, accountId, [...world.calls], r, timer.spans);
}

/** The shared policies' destination and the accounts each names now. */
function grantedAccounts(world: SimWorld, dest: LogDestination): { bucket: string[]; key: string[] } {
  const bucket = parsePolicy(world.s3.getBucket(dest.bucketName)?.policy, 'bucket policy');
  const key = parsePolicy(world.kms.resolve(DEMO.keyArn, dest.logArchiveAccountId, dest.homeRegion)?.policy, 'key policy');
  return { bucket: accountsInBucketPolicy(bucket, dest), key: accountsInKeyPolicy(key, dest) };
}

function runtimeOf(config: AppConfig): RuntimeConfig {
  return parseRuntimeConfig(runtimeConfigOf(config, LOCAL_TABLE_NAME));
}

/**
 * Throws unless the measured offboarding did its work: the account's trail and reader role gone,
 * and in account mode its grants withdrawn and the staying account's kept.
 */
function assertOffboarded(world: SimWorld, runtime: RuntimeConfig, mode: TrailMode, left: string, stays: string): void {
  const problems: string[] = [];
  if (world.cloudtrail.list().some((t) => t.accountId === left && t.name === runtime.trailName)) problems.push(`its trail ${runtime.trailName} is still there`);
  if (world.iam.roleByArn(`arn:aws:iam::${runtime.logArchiveAccountId}:role/${readerRoleName(runtime, left)}`)) problems.push('its reader role is still there');
  if (mode === 'account') {
    const granted = grantedAccounts(world, logDestinationFromConfig(runtime));
    for (const [policy, ids] of Object.entries(granted)) {
      if (ids.includes(left)) problems.push(`the ${policy} policy still grants it`);
      if (!ids.includes(stays)) problems.push(`the ${policy} policy no longer grants ${stays}, which stays`);
    }
  }
  if (problems.length) throw new Error(`the offboarding of ${left} in ${mode} mode did not do its work: ${problems.join('; ')}`);
}

/** Counts the executions the runner starts from now on other than those named in `ours`; returns the reading. */
function countOtherExecutions(sfn: LocalStepFunctions, ours: (name: string) => boolean): () => number {
  let others = 0;
  const off = sfn.onExecutionStarted((e) => {
    if (!ours(e.name)) others++;
  });
  return () => {
    off();
    return others;
  };
}

/** The `runs` part: the first account offboarded with the second staying, then the offboarding again. */
export async function measureOffboardingRuns(mode: TrailMode = trailModeOf()): Promise<OffboardingFigures> {
  const { world, sfn, config, timer } = await startMode(mode, [], { timed: true });
  if (!timer) throw new Error('startMode gave no timer');
  try {
    const [left, stays] = DEMO.memberAccountIds;
    for (const id of [left, stays]) await runToEnd(sfn, { accountId: id }, `bench-onboard-${id}`);
    await within(world.settle(), 60_000, 'the set-up onboardings');
    const others = countOtherExecutions(sfn, (n) => n.startsWith(`bench-offboard-${left}`));
    const offboarding = await measureOffboardRun(world, sfn, timer, left, `bench-offboard-${left}`);
    assertOffboarded(world, runtimeOf(config), mode, left, stays);
    const rerun = await measureOffboardRun(world, sfn, timer, left, `bench-offboard-${left}-rerun`);
    return { trailMode: mode, startingPoint: OFFBOARDING_STARTING_POINT[mode], offboarding, rerun, otherExecutions: others() };
  } finally {
    await within(sfn.stop(), 60_000, 'stopping the local service').catch((e: unknown) => console.error(e));
  }
}

/** Ids of the burst's accounts (12 digits, apart from the demo organization's, the burst's and the fleet's). */
export const offboardingBurstIds = (n: number, kind: 'leaving' | 'joining'): string[] =>
  Array.from({ length: n }, (_, i) => String((kind === 'leaving' ? 610000000000 : 620000000000) + i * 7919));

/** The status the table records for each of `ids`, by count. */
async function statusesOf(ids: readonly string[], region: string): Promise<Record<string, number>> {
  const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region }));
  try {
    const store = new StatusStore(doc, LOCAL_TABLE_NAME, () => new Date());
    const statuses = await Promise.all(ids.map(async (id) => (await store.getAccount(id))?.status ?? '(none)'));
    return countBy(statuses, (s) => s);
  } finally {
    doc.destroy();
  }
}

/** The defects of a mixed burst's outcome (see the file's comment). */
export function offboardingBurstDefects(
  mode: TrailMode,
  f: Omit<OffboardingBurstFigures, 'defects'>,
  seen: { granted: { bucket: string[]; key: string[] }; expected: readonly string[]; leavingStatuses: Record<string, number>; joiningStatuses: Record<string, number> },
): string[] {
  const defects: string[] = [];
  const where = `${mode} mode, ${f.each} offboardings and ${f.each} onboardings at once`;
  if (f.succeeded.offboardings !== f.each || f.succeeded.onboardings !== f.each) {
    defects.push(`${where}: ${f.succeeded.offboardings}/${f.each} offboardings and ${f.succeeded.onboardings}/${f.each} onboardings SUCCEEDED (${Object.entries(f.notSucceeded).map(([k, v]) => `${k} x${v}`).join(', ')})`);
  }
  const expected = [...seen.expected].sort();
  const what = mode === 'account' ? 'onboarded' : "organization trail's (its owner, the management account: the policies name no member)";
  for (const [policy, ids] of Object.entries(seen.granted)) {
    const kept = ids.filter((id) => !expected.includes(id));
    const lost = expected.filter((id) => !ids.includes(id));
    if (kept.length || lost.length) {
      defects.push(`${where}: the ${policy} policy names ${ids.length} accounts, expected exactly the ${expected.length} ${what}; ${kept.length} more (${kept.slice(0, 5).join(', ')}${kept.length > 5 ? ', ...' : ''}), ${lost.length} missing (${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', ...' : ''})`);
    }
  }
  if (f.organizationTrailDelivers && !(f.organizationTrailDelivers.bucket && f.organizationTrailDelivers.key)) {
    defects.push(`${where}: the organization trail can no longer deliver (bucket ${f.organizationTrailDelivers.bucket}, key ${f.organizationTrailDelivers.key})`);
  }
  if (seen.leavingStatuses.OFFBOARDED !== f.each) defects.push(`${where}: the leaving accounts' records: ${JSON.stringify(seen.leavingStatuses)}, expected ${f.each} OFFBOARDED`);
  if (seen.joiningStatuses.ONBOARDED !== f.each) defects.push(`${where}: the joining accounts' records: ${JSON.stringify(seen.joiningStatuses)}, expected ${f.each} ONBOARDED`);
  return defects;
}

/** The `burst` part: N onboarded accounts leave while N others join, all started at once. */
export async function measureOffboardingBurst(mode: TrailMode = trailModeOf(), n = offboardingBurstSize()): Promise<OffboardingBurstFigures> {
  const leaving = offboardingBurstIds(n, 'leaving');
  const joining = offboardingBurstIds(n, 'joining');
  const { world, sfn, config } = await startMode(mode, [...leaving, ...joining]);
  const runtime = runtimeOf(config);
  const limit = Math.max(300_000, n * 4_000);
  try {
    const onboarded = await within(Promise.all(leaving.map((a) => sfn.startExecution({ accountId: a }, `onboard-${a}`).result)), limit, `the set-up: ${n} onboardings`);
    const failed = onboarded.filter((r) => r.status !== 'SUCCEEDED');
    if (failed.length) throw new Error(`the set-up onboardings failed: ${failed.map((r) => `${r.error} ${r.cause}`).join('; ')}`);
    await within(sfn.drain(), 60_000, "the set-up's last handler invocations");
    await within(world.settle(), 60_000, "the set-up's events");
    world.resetCalls();

    const others = countOtherExecutions(sfn, (name) => name.startsWith('burst-'));
    const t0 = performance.now();
    const [offs, ons] = await within(
      Promise.all([
        Promise.all(leaving.map((a) => sfn.startExecution(offboardInput(a), `burst-offboard-${a}`).result)),
        Promise.all(joining.map((a) => sfn.startExecution({ accountId: a }, `burst-onboard-${a}`).result)),
      ]),
      limit,
      `${n} offboardings and ${n} onboardings at once`,
    );
    const seconds = (performance.now() - t0) / 1000;
    await within(sfn.drain(), 60_000, "the burst's last handler invocations");
    await within(world.settle(), 60_000, "the burst's events");

    const calls = [...world.calls];
    const writes = calls.filter((c) => c.write);
    const granted = grantedAccounts(world, logDestinationFromConfig(runtime));
    const orgTrail = mode === 'organization' ? world.cloudtrail.organizationTrails()[0] : undefined;
    // What the policies must name: the onboarded accounts; in organization mode only the trail's owner.
    const expected = mode === 'account' ? joining : orgTrail ? [orgTrail.accountId] : [];
    const notSucceeded = (kind: string, rs: readonly ExecutionResult[]) => rs.filter((r) => r.status !== 'SUCCEEDED').map((r) => `${kind} ${r.status} ${r.error ?? ''}`.trim());
    const figures = {
      trailMode: mode,
      each: n,
      succeeded: { offboardings: offs.filter((r) => r.status === 'SUCCEEDED').length, onboardings: ons.filter((r) => r.status === 'SUCCEEDED').length },
      notSucceeded: countBy([...notSucceeded('offboarding', offs), ...notSucceeded('onboarding', ons)], (k) => k),
      wallSeconds: Number(seconds.toFixed(2)),
      bucketPolicyWrites: writes.filter((c) => c.operation === 'PutBucketPolicy').length,
      keyPolicyWrites: writes.filter((c) => c.operation === 'PutKeyPolicy').length,
      retries: [...offs, ...ons].reduce((s, r) => s + r.history.filter((h) => h.type === 'StateRetried').length, 0),
      awsCalls: calls.length,
      granted: { bucket: granted.bucket.length, key: granted.key.length, expected: expected.length },
      ...(mode === 'organization' ? { organizationTrailDelivers: orgTrail ? await world.canCloudTrailDeliver(orgTrail.arn) : { bucket: false, key: false } } : {}),
      otherExecutions: others(),
    };
    const seen = { granted, expected, leavingStatuses: await statusesOf(leaving, runtime.homeRegion), joiningStatuses: await statusesOf(joining, runtime.homeRegion) };
    return { ...figures, defects: offboardingBurstDefects(mode, figures, seen) };
  } finally {
    await within(sfn.stop(), 60_000, 'stopping the local service').catch((e: unknown) => console.error(e));
  }
}

if (require.main === module) childMain(() => (offboardingPartOf() === 'burst' ? measureOffboardingBurst() : measureOffboardingRuns()));
