/**
 * Benchmark child (run by scripts/bench.ts, once per trail mode; alone:
 * `BENCH_TRAIL_MODE=organization npx tsx scripts/bench-onboarding.ts`): the figures of one onboarding
 * in the trail mode BENCH_TRAIL_MODE (`account`, the default, or `organization`), on a world of its
 * own (handler modules read their configuration once per process: one mode per process).
 *
 * 1. fresh: the first account of the demo organization onboarded into a world where nothing is set
 *    up yet. In organization mode the organization starts without trusted access for CloudTrail (as
 *    test/local/e2e/organization-trail.test.ts), so this run also pays the one-time set-up: trusted
 *    access enabled, the organization trail created and started.
 * 2. second account: the next account's fresh onboarding once the first is done, what every further
 *    account costs (in organization mode the organization trail only verified).
 * 3. re-run: the first account onboarded again: no write call at all (bench.ts fails otherwise).
 *
 * For each: AWS calls (the status table included), write calls, calls by service and by step, state
 * transitions (StateEntered events, what Step Functions bills), retries, and the sequential round
 * trips on the critical path (calls per step summed along the definition's success path, maxed across
 * Parallel branches, following the Choice branch the execution took).
 */
import '../local/polyfills';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLOUDTRAIL_SERVICE_PRINCIPAL } from '../handlers/domain/organization-trail';
import { parseAppConfig, type AppConfig } from '../infra/config';
import { LocalStepFunctions, type ExecutionResult } from '../local/runner';
import type { CallRecord } from '../local/sim/calls';
import { createDemoWorld, DEMO } from '../local/sim/demo-world';
import type { SimWorld } from '../local/sim/world';
import { childMain, within } from './bench-child';

const ROOT = path.join(__dirname, '..');
const SAMPLE_CONFIG = path.join(ROOT, 'config', 'onboarding.sample.json');

/** The trail models the bench compares (infra/config.ts `trailMode`). */
export const TRAIL_MODES = ['account', 'organization'] as const;
export type TrailMode = (typeof TRAIL_MODES)[number];

/** The trail mode a child measures: BENCH_TRAIL_MODE, default `account`. */
export function trailModeOf(env: NodeJS.ProcessEnv = process.env): TrailMode {
  const raw = env.BENCH_TRAIL_MODE ?? 'account';
  if (!(TRAIL_MODES as readonly string[]).includes(raw)) throw new Error(`BENCH_TRAIL_MODE must be one of ${TRAIL_MODES.join(', ')} (received ${raw})`);
  return raw as TrailMode;
}

/**
 * The configuration of a mode: config/onboarding.sample.json (orchestrator in the management account,
 * which organization mode requires for now) with only `trailMode` changed, so the two modes differ in
 * the trail model and nothing else.
 */
export function configOf(mode: TrailMode): AppConfig {
  const sample = JSON.parse(readFileSync(SAMPLE_CONFIG, 'utf8')) as Record<string, unknown>;
  return parseAppConfig({ ...sample, trailMode: mode }, `${path.relative(ROOT, SAMPLE_CONFIG)} with trailMode ${mode}`);
}

/** What the mode's world holds before the first onboarding (printed with the figures). */
export const STARTING_POINT: Record<TrailMode, string> = {
  account: 'the demo organization, nothing onboarded',
  organization: 'the demo organization (all features) without trusted access for CloudTrail, no organization trail',
};

/**
 * The demo organization with `extraMembers`, the mode's stacks deployed and the local service
 * started; in organization mode without trusted access for CloudTrail (the one-time set-up is then
 * part of the first onboarding).
 */
export async function startMode(mode: TrailMode, extraMembers: readonly string[] = []): Promise<{ world: SimWorld; sfn: LocalStepFunctions; config: AppConfig }> {
  const config = configOf(mode);
  const world = createDemoWorld();
  for (const id of extraMembers) {
    world.accounts.add({ id, name: `member-${id}`, state: 'ACTIVE' }, true, world.now());
    world.seedMember(id);
  }
  if (mode === 'organization') world.organizations.disableServiceAccess(CLOUDTRAIL_SERVICE_PRINCIPAL);
  const sfn = await within(LocalStepFunctions.start({ world, config, principalArn: DEMO.operatorPrincipalArn, retryDelayMs: 1 }), 120_000, 'starting the local service');
  world.resetCalls();
  return { world, sfn, config };
}

type Definition = {
  StartAt: string;
  States: Record<string, { Type: string; Next?: string; End?: boolean; Default?: string; Choices?: { Next: string }[]; Branches?: Definition[] }>;
};

/**
 * Longest chain of sequential calls through the definition's success path; at a Choice, the state
 * the execution entered next (`entered`), else the default.
 */
export function criticalPath(def: Definition, callsOf: (state: string) => number, entered: ReadonlySet<string>): number {
  let total = 0;
  let name: string | undefined = def.StartAt;
  const seen = new Set<string>();
  while (name && !seen.has(name)) {
    seen.add(name);
    const s: Definition['States'][string] = def.States[name];
    if (s.Type === 'Task') total += callsOf(name);
    if (s.Type === 'Parallel') total += Math.max(...s.Branches!.map((b) => criticalPath(b, callsOf, entered)));
    name = s.Type === 'Choice' ? ((s.Choices ?? []).map((c) => c.Next).find((n) => entered.has(n)) ?? s.Default) : s.End ? undefined : s.Next;
  }
  return total;
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The figures of one onboarding run. */
export interface RunFigures {
  readonly accountId: string;
  readonly awsCalls: number;
  readonly writeCalls: number;
  /** The write calls outside the status table, as `<service>:<operation>` in call order. */
  readonly awsWrites: string[];
  readonly byService: Record<string, number>;
  readonly byStep: Record<string, number>;
  readonly stateTransitions: number;
  readonly retries: number;
  readonly sequentialRoundTripsOnCriticalPath: number;
}

/** The per-onboarding figures of one trail mode (bench/results.json `onboarding.<mode>`). */
export interface OnboardingFigures {
  readonly trailMode: TrailMode;
  readonly startingPoint: string;
  readonly fresh: RunFigures;
  readonly secondAccount: RunFigures;
  readonly rerun: RunFigures;
}

/** Runs one onboarding and returns its figures (the calls since the last reset: the run's own). */
async function measureRun(world: SimWorld, sfn: LocalStepFunctions, accountId: string, name: string): Promise<RunFigures> {
  world.resetCalls();
  const r = await within(sfn.startExecution({ accountId }, name).result, 120_000, `the onboarding ${name}`);
  await within(sfn.drain(), 60_000, `the last handler invocations of ${name}`);
  const calls: CallRecord[] = [...world.calls];
  if (r.status !== 'SUCCEEDED') throw new Error(`bench onboarding ${name} did not succeed: ${r.status} ${r.error ?? ''} ${r.cause ?? ''}`);
  return summary(sfn.synthesized.definition as unknown as Definition, accountId, calls, r);
}

/** The figures of one run from the calls it made and its history (bench-offboarding.ts counts its runs alike). */
export function summary(def: Definition, accountId: string, calls: readonly CallRecord[], r: ExecutionResult): RunFigures {
  const perStep = countBy(calls, (c) => c.step ?? '(outside a step)');
  const entered = new Set(r.history.filter((h) => h.type === 'StateEntered' && h.state).map((h) => h.state!));
  return {
    accountId,
    awsCalls: calls.length,
    writeCalls: calls.filter((c) => c.write).length,
    awsWrites: calls.filter((c) => c.write && c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}${c.error ? ` (${c.error})` : ''}`),
    byService: countBy(calls, (c) => c.service),
    byStep: perStep,
    stateTransitions: r.history.filter((h) => h.type === 'StateEntered').length,
    retries: r.history.filter((h) => h.type === 'StateRetried').length,
    sequentialRoundTripsOnCriticalPath: criticalPath(def, (state) => perStep[state] ?? 0, entered),
  };
}

/** The one-time set-up an organization-mode fresh onboarding must include (else its figures are not what they say). */
const ONE_TIME_SET_UP = ['organizations:EnableAWSServiceAccess', 'cloudtrail:CreateTrail', 'cloudtrail:StartLogging'];

function assertOneTimeSetUp(fresh: RunFigures): void {
  const missing = ONE_TIME_SET_UP.filter((w) => !fresh.awsWrites.includes(w));
  if (missing.length) throw new Error(`the fresh organization-mode onboarding did not make the one-time set-up's ${missing.join(', ')} (its writes: ${fresh.awsWrites.join(', ')})`);
}

/** Fresh onboarding, the second account's, and the re-run, in the mode `mode`. */
export async function measureOnboarding(mode: TrailMode = trailModeOf()): Promise<OnboardingFigures> {
  const { world, sfn } = await startMode(mode);
  try {
    const [first, second] = DEMO.memberAccountIds;
    const fresh = await measureRun(world, sfn, first, `bench-${first}`);
    if (mode === 'organization') assertOneTimeSetUp(fresh);
    const secondAccount = await measureRun(world, sfn, second, `bench-${second}`);
    const rerun = await measureRun(world, sfn, first, `bench-${first}-rerun`);
    return { trailMode: mode, startingPoint: STARTING_POINT[mode], fresh, secondAccount, rerun };
  } finally {
    await within(sfn.stop(), 60_000, 'stopping the local service').catch((e: unknown) => console.error(e));
  }
}

if (require.main === module) childMain(() => measureOnboarding());
