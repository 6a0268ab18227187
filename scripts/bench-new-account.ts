/**
 * Benchmark child (run by scripts/bench.ts; alone: `npx tsx scripts/bench-new-account.ts`): on the
 * simulated clock, the time from the Organizations CreateAccountResult event of a new account to
 * the first log file of that account in the central bucket (issue 10, "Must show").
 *
 * The path is the real one (test/local/e2e/organizations-event.test.ts): the fixture event on the
 * management account's default bus, the ManagementEvents rule and role, the orchestrator bus, its
 * rule, StartFromEvent, the onboarding state machine with its handlers; then CloudTrail's deliveries
 * on the world's clock (local/sim/delivery.ts).
 *
 * AWS's documented delays, and how they are applied:
 * - Account readiness. CreateAccount "can return a successful completion message even though account
 *   initialization might still be in progress. You might need to wait a few minutes before you can
 *   successfully access the account."
 *   https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html
 *   AWS gives no figure: "a few minutes" is taken as BENCH_ACCOUNT_READY_MINUTES (default 3) after
 *   the event. Until then every AssumeRole into the account is refused with STS's AccessDenied (a fault
 *   of the simulation's own injector, decided at the call's simulated time), which the handlers turn
 *   into MemberAccountNotReady and the definition retries with its accountReadiness profile.
 * - Retry waits. Each retry advances the simulated time of its state by the definition's own
 *   IntervalSeconds x BackoffRate^(attempt-1), capped at MaxDelaySeconds (the local runner waits 1 ms
 *   instead). The definition asks for FULL jitter, i.e. a wait drawn from 0 to that figure: the
 *   un-jittered figure is used, the upper end, so the result is deterministic. Parallel branches
 *   keep their own time (a state starts when its predecessors have ended; a Parallel state ends with
 *   its slowest branch), so the simulated AWS sees each call at the time it would happen in AWS.
 * - CloudTrail. "CloudTrail typically delivers logs within an average of about 5 minutes of an API
 *   call" and publishes log files about every 5 minutes:
 *   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
 *   ("Within an average of about 5 minutes of creating your first trail, CloudTrail delivers the first
 *   set of log files": https://docs.aws.amazon.com/awscloudtrail/latest/userguide/tutorial-trail-logs.html).
 *   The simulation delivers the first log file 5 minutes after StartLogging and then every 5 minutes,
 *   each under the bucket and key policies in force at its time (local/sim/delivery.ts).
 * Not counted: EventBridge's delivery of the event and the run time of the Lambda functions (seconds
 * in AWS, milliseconds here).
 */
import '../local/polyfills';
import * as path from 'node:path';
import { loadAppConfig } from '../infra/config';
import { currentInvocation } from '../local/invocation-context';
import { LocalStepFunctions } from '../local/runner';
import { createDemoWorld, DEMO } from '../local/sim/demo-world';
import { organizationsEvents } from '../test/fixtures';
import { childMain, within } from './bench-child';

const ROOT = path.join(__dirname, '..');

type Asl = { StartAt: string; States: Record<string, AslState> };
type AslState = {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Branches?: Asl[];
  Retry?: AslRetrier[];
};
type AslRetrier = { ErrorEquals: string[]; IntervalSeconds?: number; BackoffRate?: number; MaxAttempts?: number; MaxDelaySeconds?: number };

/** The states that can follow `s`: its Next, or a Choice's targets and default. */
const nextOf = (s: AslState): string[] => (s.Type === 'Choice' ? [...(s.Choices ?? []).map((c) => c.Next), ...(s.Default ? [s.Default] : [])] : s.End || !s.Next ? [] : [s.Next]);

/**
 * Milliseconds from entering `name` to entering `target` (undefined: not reachable). Through a Choice
 * any path that reaches it: the states of a path not taken never ran and count 0, so the paths agree.
 * (Wait states count 0: none is on an onboarding's path.)
 */
function between(def: Asl, name: string, target: string, own: (state: string) => number, seen = new Set<string>()): number | undefined {
  if (name === target) return 0;
  if (seen.has(name)) return undefined;
  seen.add(name);
  const s = def.States[name];
  if (s.Type === 'Parallel') {
    for (const b of s.Branches ?? []) {
      const at = between(b, b.StartAt, target, own);
      if (at !== undefined) return at;
    }
  }
  for (const next of nextOf(s)) {
    const rest = between(def, next, target, own, seen);
    if (rest !== undefined) return durationOf(s, name, own) + rest;
  }
  return undefined;
}

/** A state's time: its own (retry waits), a Parallel state's slowest branch besides. */
function durationOf(s: AslState, name: string, own: (state: string) => number): number {
  const branches = s.Type === 'Parallel' ? Math.max(0, ...(s.Branches ?? []).map((b) => totalFrom(b, b.StartAt, own))) : 0;
  return branches + own(name);
}

/** Milliseconds from entering `name` to the end of the longest path from it. */
function totalFrom(def: Asl, name: string, own: (state: string) => number, seen = new Set<string>()): number {
  if (seen.has(name)) return 0;
  seen.add(name);
  const s = def.States[name];
  return durationOf(s, name, own) + Math.max(0, ...nextOf(s).map((n) => totalFrom(def, n, own, new Set(seen))));
}

function findState(def: Asl, name: string): AslState | undefined {
  if (def.States[name]) return def.States[name];
  for (const s of Object.values(def.States)) {
    for (const b of s.Branches ?? []) {
      const found = findState(b, name);
      if (found) return found;
    }
  }
  return undefined;
}

/** Whether a retrier's ErrorEquals catches `error` (States.ALL; States.TaskFailed for a Task). */
function retrierMatches(r: AslRetrier, error: string, type: string): boolean {
  return r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL') || (type === 'Task' && error !== 'States.Timeout' && r.ErrorEquals.includes('States.TaskFailed'));
}

/** A retry as the simulated clock counted it. */
interface Retry {
  readonly state: string;
  readonly error: string;
  readonly attempt: number;
  /** Simulated ms after the event at which the attempt failed. */
  readonly failedAtMs: number;
  readonly waitMs: number;
}

/** The simulated time of one execution, per state (see the file comment). */
class ExecutionClock {
  private readonly waited = new Map<string, number>();
  private readonly attempts = new Map<string, number[]>();
  readonly retries: Retry[] = [];

  constructor(
    private readonly def: Asl,
    readonly startMs: number,
    private readonly origin: number,
  ) {}

  /** States whose code ran but which no path of the definition reaches (their time is unknown). */
  readonly unplaced = new Set<string>();

  private readonly own = (state: string): number => this.waited.get(state) ?? 0;

  /** Simulated time of code running in `state` now (undefined: not reachable through Next, Choices, Branches). */
  timeIn(state: string): number | undefined {
    const at = between(this.def, this.def.StartAt, state, this.own);
    if (at === undefined) this.unplaced.add(state);
    return at === undefined ? undefined : this.startMs + at + this.own(state);
  }

  /** Simulated time at which the success path ends. */
  end(): number {
    return this.startMs + totalFrom(this.def, this.def.StartAt, this.own);
  }

  /** A state failed with `error`: the wait of the retrier that takes it, if it retries. */
  failed(state: string, error: string): void {
    const s = findState(this.def, state);
    const retriers = s?.Retry ?? [];
    const i = retriers.findIndex((r) => retrierMatches(r, error, s!.Type));
    if (i < 0) return;
    const r = retriers[i];
    const counts = this.attempts.get(state) ?? new Array<number>(retriers.length).fill(0);
    const attempt = ++counts[i];
    this.attempts.set(state, counts);
    if (attempt > (r.MaxAttempts ?? 3)) return;
    const waitMs = Math.min((r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** (attempt - 1), r.MaxDelaySeconds ?? Infinity) * 1000;
    this.retries.push({ state, error, attempt, failedAtMs: (this.timeIn(state) ?? this.startMs) - this.origin, waitMs });
    this.waited.set(state, this.own(state) + waitMs);
  }
}

/** The figures (bench/results.json `createAccountToFirstLogFile`). */
export interface NewAccountFigures {
  readonly accountId: string;
  readonly assumedReadinessMinutes: number;
  readonly execution: string;
  readonly status: string;
  /** Simulated minutes after the CreateAccountResult event. */
  readonly minutes: {
    readonly onboardingDone: number;
    readonly startLogging: number;
    readonly firstLogFile: number;
  };
  /** The two parts: event to onboarding done, onboarding done to the first log file. */
  readonly breakdown: { readonly eventToOnboarded: number; readonly onboardedToFirstLogFile: number };
  readonly firstLogFile: { readonly bucket: string; readonly key: string };
  readonly refusedAssumeRoles: number;
  readonly retries: { readonly state: string; readonly error: string; readonly attempts: number; readonly waitedMinutes: number }[];
}

const minutes = (ms: number) => Number((ms / 60_000).toFixed(2));

export async function measureNewAccount(readyMinutes = readinessMinutes()): Promise<NewAccountFigures> {
  const event = organizationsEvents().createAccountResultSucceeded;
  const account = event.detail.serviceEventDetails.createAccountStatus.accountId;
  // Simulated time: starts at the real time (sessions the world issues are then valid for the SDK too).
  const origin = Math.ceil(Date.now() / 1000) * 1000;
  let now = origin;
  const clocks = new Map<string, ExecutionClock>();
  const clock = (): Date => {
    const inv = currentInvocation();
    const c = inv?.executionName ? clocks.get(inv.executionName) : undefined;
    return new Date((c && inv ? c.timeIn(inv.step) : undefined) ?? now);
  };
  const world = createDemoWorld({ clock });
  const config = loadAppConfig(path.join(ROOT, 'config', 'onboarding.sample.json'));
  const sfn = await within(LocalStepFunctions.start({ world, config, retryDelayMs: 1 }), 120_000, 'starting the local service');
  try {
    const def = sfn.synthesized.definition as unknown as Asl;
    sfn.onExecutionStarted((run) => clocks.set(run.name, new ExecutionClock(def, now, origin)));
    // StateFailed comes before the runner's retry wait: the state's time moves on before its next attempt.
    sfn.addListener((name, ev) => {
      if (ev.type === 'StateFailed' && ev.state) clocks.get(name)?.failed(ev.state, ev.error ?? '');
    });

    // Account readiness: AssumeRole into the new account is refused until `readyAt`.
    const readyAt = origin + readyMinutes * 60_000;
    const faults = world.faults;
    const check = faults.check.bind(faults);
    faults.check = (target) => {
      if (target.service === 'sts' && target.operation === 'AssumeRole' && target.accountId === account && world.now().getTime() < readyAt) {
        faults.inject({ service: 'sts', operation: 'AssumeRole', accountId: account, error: 'AccessDenied', times: 1 });
      }
      check(target);
    };

    const outcome = world.events.emitAwsEvent(event as never);
    if (outcome !== 'received') throw new Error(`the management account's bus did not take the CreateAccountResult event: ${outcome}`);
    await within(world.events.drain(), 120_000, 'the EventBridge deliveries');
    await within(world.stepFunctions.idle(), 300_000, 'the onboarding');
    await within(sfn.drain(), 60_000, 'the onboarding\'s last handler invocations');
    const run = world.stepFunctions.list().find((x) => x.name === `onboard-${account}`);
    if (!run) throw new Error(`the CreateAccountResult event started no onboarding of ${account} (failed deliveries: ${JSON.stringify(world.events.failedDeliveries())})`);
    if (run.status !== 'SUCCEEDED') throw new Error(`the onboarding of ${account} ended ${run.status}: ${run.error ?? ''} ${run.cause ?? ''}`);
    const c = clocks.get(run.name)!;
    if (c.unplaced.size) throw new Error(`the simulated clock could not place ${[...c.unplaced].join(', ')} in the definition`);
    const done = c.end();

    const trail = world.cloudtrail.getTrail(world.cloudtrail.trailArn(account, config.homeRegion, config.trailName));
    if (!trail?.startLoggingTime) throw new Error(`the new account has no logging trail ${config.trailName}`);
    // An hour later on the simulated clock, whatever CloudTrail delivered by then is in the bucket.
    now = done + 60 * 60_000;
    const files = await within(world.cloudtrail.deliveredFiles({ accountId: account, kind: 'log' }), 120_000, 'CloudTrail\'s deliveries');
    const first = files[0];
    if (!first) throw new Error(`no log file of ${account} was delivered within an hour of its onboarding: ${JSON.stringify(await world.cloudtrail.deliveryStatus(trail.arn))}`);
    if (first.bucket !== DEMO.bucketName) throw new Error(`the first log file went to ${first.bucket}, not the central bucket ${DEMO.bucketName}`);
    const firstAt = first.deliveredAt.getTime();

    const byState = new Map<string, { state: string; error: string; attempts: number; waitedMs: number }>();
    for (const r of c.retries) {
      const k = `${r.state} ${r.error}`;
      const e = byState.get(k) ?? { state: r.state, error: r.error, attempts: 0, waitedMs: 0 };
      byState.set(k, { ...e, attempts: e.attempts + 1, waitedMs: e.waitedMs + r.waitMs });
    }
    return {
      accountId: account,
      assumedReadinessMinutes: readyMinutes,
      execution: run.name,
      status: run.status,
      minutes: { onboardingDone: minutes(done - origin), startLogging: minutes(trail.startLoggingTime.getTime() - origin), firstLogFile: minutes(firstAt - origin) },
      breakdown: { eventToOnboarded: minutes(done - origin), onboardedToFirstLogFile: minutes(firstAt - done) },
      firstLogFile: { bucket: first.bucket, key: first.key },
      refusedAssumeRoles: world.calls.filter((x) => x.service === 'sts' && x.operation === 'AssumeRole' && x.accountId === account && x.error === 'AccessDenied').length,
      retries: [...byState.values()].map(({ waitedMs, ...r }) => ({ ...r, waitedMinutes: minutes(waitedMs) })),
    };
  } finally {
    await within(sfn.stop(), 60_000, 'stopping the local service').catch((e: unknown) => console.error(e));
  }
}

/** BENCH_ACCOUNT_READY_MINUTES, default 3 ("a few minutes"). */
export function readinessMinutes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_ACCOUNT_READY_MINUTES ?? '3';
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`BENCH_ACCOUNT_READY_MINUTES must be a number of minutes >= 0 (received ${raw})`);
  return n;
}

if (require.main === module) childMain(() => measureNewAccount());
