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
 * transitions (StateEntered events, what Step Functions bills), retries, and along the definition's
 * success path (summed along sequences, maxed across Parallel branches, following the Choice branch
 * the execution took): the sequential round trips (per step, the longest chain of its calls each sent
 * after the previous one's answer: calls in flight together, a Promise.all, are one round trip) and
 * the calls on the critical path (per step, every call counted as sequential).
 */
import '../local/polyfills';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLOUDTRAIL_SERVICE_PRINCIPAL } from '../handlers/domain/organization-trail';
import { parseAppConfig, type AppConfig } from '../infra/config';
import { LocalStepFunctions, type ExecutionResult } from '../local/runner';
import { registerClientHook } from '../handlers/shared/clients';
import { currentInvocation } from '../local/invocation-context';
import type { CallRecord } from '../local/sim/calls';
import { MIDDLEWARE_NAME as SIMULATION_MIDDLEWARE } from '../local/sim/middleware';
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
export async function startMode(
  mode: TrailMode,
  extraMembers: readonly string[] = [],
  options: { readonly timed?: boolean } = {},
): Promise<{ world: SimWorld; sfn: LocalStepFunctions; config: AppConfig; timer?: CallTimer }> {
  const config = configOf(mode);
  // `timed`: before the local service, so every client it creates gets the timer (outside the simulation's middleware).
  const timer = options.timed ? new CallTimer() : undefined;
  const world = createDemoWorld();
  for (const id of extraMembers) {
    world.accounts.add({ id, name: `member-${id}`, state: 'ACTIVE' }, true, world.now());
    world.seedMember(id);
  }
  if (mode === 'organization') world.organizations.disableServiceAccess(CLOUDTRAIL_SERVICE_PRINCIPAL);
  const sfn = await within(LocalStepFunctions.start({ world, config, principalArn: DEMO.operatorPrincipalArn, retryDelayMs: 1 }), 120_000, 'starting the local service');
  world.resetCalls();
  timer?.reset();
  return { world, sfn, config, timer };
}

/** When one request was in flight, on a logical clock (each send and each answer is one tick). */
export interface CallSpan {
  readonly step: string;
  readonly executionName: string;
  readonly operation: string;
  readonly sent: number;
  readonly answered: number;
}

/**
 * Times every request a step makes: a middleware right before the simulation's (local/sim/middleware.ts,
 * in `finalizeRequest` between the SDK's retry and its signer), so inside the SDK's retry (each attempt
 * is a request, as in the call log) and after the credentials are resolved (an AssumeRole they need is
 * a request of its own, before this one). The clock is a counter, not time: what matters is whether a request was sent before another
 * was answered. Each request is held for one turn of the event loop (setImmediate) before it goes to
 * the simulation, as a network would hold it: the simulated services answer within the same turn, so
 * without it a request sent with others (a Promise.all) could be answered before the others had
 * passed the SDK's middleware, and look sequential.
 */
export class CallTimer {
  readonly spans: CallSpan[] = [];
  private tick = 0;
  private readonly unhook: () => void;

  constructor() {
    this.unhook = registerClientHook((client) => {
      client.middlewareStack.use({
        applyToStack: (stack: { addRelativeTo(mw: unknown, opts: object): void }) =>
          stack.addRelativeTo(
            (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
              const inv = currentInvocation();
              const sent = ++this.tick;
              await new Promise<void>((resolve) => setImmediate(resolve));
              try {
                return await next(args);
              } finally {
                const answered = ++this.tick;
                if (inv) this.spans.push({ step: inv.step, executionName: inv.executionName, operation: (context.commandName ?? '').replace(/Command$/, ''), sent, answered });
              }
            },
            { relation: 'before', toMiddleware: SIMULATION_MIDDLEWARE, name: 'benchCallTimer', override: true },
          ),
      });
    });
  }

  reset(): void {
    this.spans.length = 0;
  }

  stop(): void {
    this.unhook();
  }
}

/**
 * The longest chain of `spans` in which each request was sent after the previous one was answered:
 * the sequential round trips (requests in flight together count once).
 */
export function sequentialDepth(spans: readonly Pick<CallSpan, 'sent' | 'answered'>[]): number {
  const byAnswer = [...spans].sort((a, b) => a.answered - b.answered);
  const depth: number[] = [];
  let best = 0;
  byAnswer.forEach((s, i) => {
    let d = 1;
    for (let j = 0; j < i; j++) if (byAnswer[j].answered < s.sent) d = Math.max(d, depth[j] + 1);
    depth.push(d);
    best = Math.max(best, d);
  });
  return best;
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
  /** Along the critical path, per step the longest chain of requests each sent after the previous one's answer. */
  readonly sequentialRoundTripsOnCriticalPath: number;
  /** Along the critical path, per step every call (the count before concurrent calls were told apart). */
  readonly callsOnCriticalPath: number;
  /** The sequential round trips of each step (its longest chain). */
  readonly roundTripsByStep: Record<string, number>;
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
async function measureRun(world: SimWorld, sfn: LocalStepFunctions, timer: CallTimer, accountId: string, name: string): Promise<RunFigures> {
  world.resetCalls();
  timer.reset();
  const r = await within(sfn.startExecution({ accountId }, name).result, 120_000, `the onboarding ${name}`);
  await within(sfn.drain(), 60_000, `the last handler invocations of ${name}`);
  const calls: CallRecord[] = [...world.calls];
  if (r.status !== 'SUCCEEDED') throw new Error(`bench onboarding ${name} did not succeed: ${r.status} ${r.error ?? ''} ${r.cause ?? ''}`);
  return summary(sfn.synthesized.definition as unknown as Definition, accountId, calls, r, timer.spans);
}

/** The figures of one run from the calls it made and its history (bench-offboarding.ts counts its runs alike). */
export function summary(def: Definition, accountId: string, calls: readonly CallRecord[], r: ExecutionResult, spans: readonly CallSpan[]): RunFigures {
  const perStep = countBy(calls, (c) => c.step ?? '(outside a step)');
  // The run's requests (the call log's executions), by step; every call a step made must have been
  // timed, or its round trips would be undercounted.
  const executions = new Set(calls.map((c) => c.executionName));
  const spansByStep = new Map<string, CallSpan[]>();
  for (const s of spans) if (executions.has(s.executionName)) spansByStep.set(s.step, [...(spansByStep.get(s.step) ?? []), s]);
  for (const [step, n] of Object.entries(perStep)) {
    const timed = spansByStep.get(step)?.length ?? 0;
    if (step !== '(outside a step)' && timed < n) throw new Error(`bench: ${step} made ${n} calls (the call log) but only ${timed} were timed`);
  }
  const roundTripsByStep = Object.fromEntries([...spansByStep].map(([step, s]) => [step, sequentialDepth(s)] as const).sort(([a], [b]) => a.localeCompare(b)));
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
    sequentialRoundTripsOnCriticalPath: criticalPath(def, (state) => roundTripsByStep[state] ?? 0, entered),
    callsOnCriticalPath: criticalPath(def, (state) => perStep[state] ?? 0, entered),
    roundTripsByStep,
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
  const { world, sfn, timer } = await startMode(mode, [], { timed: true });
  if (!timer) throw new Error('startMode gave no timer');
  try {
    const [first, second] = DEMO.memberAccountIds;
    const fresh = await measureRun(world, sfn, timer, first, `bench-${first}`);
    if (mode === 'organization') assertOneTimeSetUp(fresh);
    const secondAccount = await measureRun(world, sfn, timer, second, `bench-${second}`);
    const rerun = await measureRun(world, sfn, timer, first, `bench-${first}-rerun`);
    return { trailMode: mode, startingPoint: STARTING_POINT[mode], fresh, secondAccount, rerun };
  } finally {
    await within(sfn.stop(), 60_000, 'stopping the local service').catch((e: unknown) => console.error(e));
  }
}

if (require.main === module) childMain(() => measureOnboarding());
