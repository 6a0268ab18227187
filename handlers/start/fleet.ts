/**
 * The fleet reconcile: a reconcile run (handlers/start/reconcile.ts) of every ONBOARDED account, on a
 * schedule, catching what events miss (a stopped trail silences the events that would follow, events
 * are best effort, rules can be deleted). One sweep starts one run per account, in account-id order,
 * at most `maxStartsPerSecond` starts per second and never while `maxConcurrent` reconcile runs are
 * open.
 *
 * Continuing a large fleet. At 2 starts per second and 10 runs open, each taking tens of seconds, a
 * fleet of thousands takes hours: far more than one Lambda invocation (15 minutes at most). A sweep
 * is therefore a record in the status table (`FLEET#reconcile`: the last account handled, the runs
 * still open, under a lease), and an invocation works until shortly before its own timeout, records
 * where it stopped and returns; the next invocation carries on from there. Invocations come from two
 * EventBridge Scheduler schedules: the configured one (`fleetReconcile.schedule`, daily by default)
 * begins a sweep, a fixed one every {@link FLEET_CONTINUE_EVERY_MINUTES} minutes continues an unfinished
 * sweep (and, with none open, ends after one UpdateItem). Chosen over the alternatives because it runs
 * the same in AWS and in the local simulation: a Step Functions Distributed Map is not available in the
 * local runner (aws-local-stepfunctions), the simulation has no Lambda service for a function that
 * re-invokes itself, and a cursor that waits for the next daily tick would take days over a large
 * fleet. The lease makes overlapping ticks harmless (a second invocation returns at once), and a lost
 * invocation costs at most the accounts since the last recorded progress, started again (a run that
 * finds nothing writes nothing).
 *
 * A trail several accounts share (trailMode `organization`: every account's status item names the one
 * organization trail) is checked by every account's run, which is cheap and correct; but runs open at
 * once would each find it stopped, each repair it and each record it as their own drift. So the sweep
 * starts the first of those accounts (the lowest id, the one a change event's run uses:
 * handlers/start/changes.ts) alone, and stops; the next invocation (the continuation, minutes later)
 * starts the others once that run has closed. In repair mode the shared trail's drift is then found and
 * repaired by one run and recorded on one account; the others find it as set (in report mode nothing
 * is repaired, and each run still reports it: it is every member's logging).
 *
 * Every invocation that finds the lease free also ends the reader roles kept past their days
 * (`offboarding.keepReaderRoleDays`): an OFFBOARDED account whose `offboarding.readerRoleKeptUntil` has
 * passed gets a new offboarding (handlers/start/offboarding.ts), whose OffboardAccount deletes the role.
 * The 5-minute continuation tick makes that within minutes of the date, and costs one Query of the
 * status index per tick. Whatever `driftResponse` says: deleting the role is the retention configured.
 *
 * Decisions (what to sweep, how long to wait) are pure functions below; {@link reconcileFleet} runs
 * them against the ports.
 */
import type { AccountStatusItem, AccountFilter } from '../adapters/status-store';
import type { ExecutionSummary } from '../adapters/sfn';
import type { FleetSweep, SweepLease } from '../adapters/fleet-sweep';
import type { RunMode } from '../domain/drift';
import type { DriftResponse, FleetReconcileRuntime } from '../shared/config';
import { ErrorKind, InvalidRequest, isOnboardingError } from '../shared/errors';
import type { StartDeps } from './deps';
import { startOffboarding } from './offboarding';
import { RECONCILE_NAME_PREFIX, startReconcile } from './reconcile';

/**
 * Timeout of the ReconcileFleet function: Lambda's maximum, so a large fleet takes the fewest
 * invocations. https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
 */
export const FLEET_FUNCTION_TIMEOUT_SECONDS = 900;

/** How often an unfinished sweep is continued (the second schedule's rate). */
export const FLEET_CONTINUE_EVERY_MINUTES = 5;

/**
 * An invocation stops starting runs this long before its timeout, leaving time to record where it
 * stopped (one UpdateItem, with the SDK's retry) and return.
 */
export const FLEET_SAFETY_MARGIN_MS = 30_000;

/**
 * The sweep's lease: longer than an invocation can run, so it expires only when its holder is gone
 * (a crashed invocation blocks the next ones for at most this long).
 */
export const FLEET_LEASE_MS = (FLEET_FUNCTION_TIMEOUT_SECONDS + 60) * 1000;

/** Between two counts of the open runs while the cap is reached. */
export const SLOT_POLL_MS = 5_000;

/** StartExecution attempts per account when Step Functions throttles (beyond the SDK's own retry). */
export const START_ATTEMPTS = 3;
/** Back-off between those attempts, times the attempt number. */
export const START_BACKOFF_MS = 1_000;

/** Progress is recorded after this many accounts (and when the invocation ends). */
export const SAVE_EVERY = 25;

/** What invokes the function: a sweep is due (`start`) or the continuation tick (`continue`). */
export const FLEET_TRIGGERS = ['start', 'continue'] as const;
/** One of {@link FLEET_TRIGGERS}. */
export type FleetTrigger = (typeof FLEET_TRIGGERS)[number];

/**
 * Every action the function takes: the reconcile's triggers, and `backfill`, which begins a fleet start
 * (handlers/start/fleet-start.ts). `continue` continues both sweeps.
 */
export const FLEET_ACTIONS = [...FLEET_TRIGGERS, 'backfill'] as const;
/** One of {@link FLEET_ACTIONS}. */
export type FleetAction = (typeof FLEET_ACTIONS)[number];

/**
 * Reads the function's event: `{}` or `{"action": "start"}` (the sweep schedule, an operator),
 * `{"action": "continue"}` (the continuation schedule), `{"action": "backfill"}` (begin a fleet start).
 *
 * @throws InvalidRequest for anything else.
 */
export function parseFleetEvent(event: unknown): FleetAction {
  if (event === undefined || event === null) return 'start';
  if (typeof event !== 'object' || Array.isArray(event)) throw new InvalidRequest(`The fleet reconcile takes {} or {"action": "start" | "continue" | "backfill"}; received ${describe(event)}`);
  const keys = Object.keys(event);
  const unknown = keys.filter((k) => k !== 'action');
  if (unknown.length) throw new InvalidRequest(`The fleet reconcile takes only "action"; received ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  const action = (event as { action?: unknown }).action;
  if (action === undefined) return 'start';
  if ((FLEET_ACTIONS as readonly unknown[]).includes(action)) return action as FleetAction;
  throw new InvalidRequest(`action is ${describe(action)}; it must be one of ${FLEET_ACTIONS.map((t) => `"${t}"`).join(', ')}`);
}

function describe(v: unknown): string {
  return JSON.stringify(v)?.slice(0, 100) ?? String(v);
}

/** The run mode of the configured drift response: `repair` -> `apply`, `report` -> `report`. */
export function runModeOf(response: DriftResponse): RunMode {
  return response === 'report' ? 'report' : 'apply';
}

/** What an invocation does with the sweep recorded. */
export type SweepDecision =
  | { readonly action: 'begin'; readonly sweep: FleetSweep }
  | { readonly action: 'resume'; readonly sweep: FleetSweep }
  | { readonly action: 'idle'; readonly reason: string };

/**
 * An unfinished sweep is continued, whatever the trigger (a daily tick that finds yesterday's sweep
 * unfinished continues it: restarting would never reach the accounts at the end of a fleet too large
 * for a day). With none open, `start` begins one at `now`, `continue` does nothing.
 */
export function decideSweep(current: FleetSweep | undefined, trigger: FleetTrigger, mode: RunMode, now: Date): SweepDecision {
  if (current && current.finishedAt === undefined) return { action: 'resume', sweep: current };
  if (trigger === 'continue') {
    return { action: 'idle', reason: current ? `the last sweep (begun ${current.startedAt}) finished at ${current.finishedAt}` : 'no sweep has begun yet' };
  }
  return { action: 'begin', sweep: { startedAt: now.toISOString(), mode, open: [], started: 0, skipped: 0 } };
}

/** The accounts still to start: after `after` in id order (all of them when it is absent), de-duplicated. */
export function pendingAccounts(accountIds: readonly string[], after?: string): string[] {
  const ids = [...new Set(accountIds)].sort();
  return after === undefined ? ids : ids.filter((id) => id > after);
}

/**
 * Milliseconds to wait before the next start so that starts are at least `1000 / maxStartsPerSecond`
 * apart (0 for the first start of an invocation, or when that much time has passed).
 */
export function startDelayMs(lastStartMs: number | undefined, nowMs: number, maxStartsPerSecond: number): number {
  if (lastStartMs === undefined) return 0;
  return Math.max(0, Math.ceil(lastStartMs + 1000 / maxStartsPerSecond - nowMs));
}

/**
 * Runs open at once, from what Step Functions lists as RUNNING and what the sweep started itself:
 * ListExecutions is eventually consistent (a run started a moment ago may be missing from it), so
 * the sweep's own runs are counted from DescribeExecution, which is not.
 */
export function openRunCount(listed: readonly string[], ownStillRunning: readonly string[]): number {
  return new Set([...listed, ...ownStillRunning]).size;
}

/** Listing the open reconcile runs (handlers/adapters/sfn.ts `StepFunctionsAdapter`). */
export interface RunningExecutionsPort {
  listRunningExecutionsByPrefix(prefix: string): Promise<ExecutionSummary[]>;
}

/** The ONBOARDED accounts (handlers/adapters/status-store.ts `StatusStore`). */
export interface AccountListPort {
  listAccounts(filter?: AccountFilter): Promise<AccountStatusItem[]>;
}

/** The sweep's record and lease (handlers/adapters/fleet-sweep.ts `FleetSweepStore`). */
export interface SweepPort {
  acquire(owner: string, leaseMs: number): Promise<SweepLease>;
  save(owner: string, sweep: FleetSweep): Promise<boolean>;
  release(owner: string, sweep: FleetSweep | undefined): Promise<boolean>;
}

/** Everything the fleet reconcile uses. */
export interface FleetDeps {
  /** What `startReconcile` starts and describes runs with. */
  readonly start: StartDeps;
  readonly running: RunningExecutionsPort;
  readonly accounts: AccountListPort;
  readonly sweeps: SweepPort;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

/** One invocation's task. */
export interface FleetOptions {
  readonly trigger: FleetTrigger;
  /** Mode of the runs a new sweep starts (a resumed sweep keeps its own). */
  readonly mode: RunMode;
  readonly limits: FleetReconcileRuntime;
  /** Who holds the lease (the invocation's request id). */
  readonly owner: string;
  /** Epoch ms after which no run is started (shortly before the invocation's timeout). */
  readonly deadline: number;
  readonly leaseMs: number;
}

/**
 * Why an invocation stopped before the sweep was done. `sharedTrail`: the run of the first account of a
 * shared trail is still open, and no other run starts before it closes (see the module comment).
 */
export type FleetStop = 'deadline' | 'throttled' | 'leaseLost' | 'aborted' | 'sharedTrail';

/** What an invocation did. */
export type FleetResult =
  | { readonly outcome: 'busy'; readonly reason: string }
  | { readonly outcome: 'idle'; readonly reason: string }
  | {
      readonly outcome: 'continuing' | 'finished';
      readonly sweepStartedAt: string;
      readonly mode: RunMode;
      /** Whether this invocation began the sweep (else it continued one). */
      readonly began: boolean;
      /** The runs this invocation started (or found open under the same name). */
      readonly executionArns: string[];
      /** Accounts this invocation passed over (an id Step Functions would not take). */
      readonly skipped: string[];
      /** Accounts left for the next invocation. */
      readonly remaining: number;
      readonly stoppedBy?: FleetStop;
      /** The whole sweep's counts so far. */
      readonly sweep: { readonly started: number; readonly skipped: number };
    };

/**
 * One invocation of the fleet reconcile: takes the sweep's lease (another invocation holding it ->
 * `busy`), begins or resumes the sweep, starts the pending accounts' runs within the limits until the
 * deadline, and records where it stopped. The lease is released whatever happens; an error that is
 * not throttling (AccessDenied, a missing state machine) is rethrown after the progress is recorded.
 */
export async function reconcileFleet(deps: FleetDeps, opts: FleetOptions): Promise<FleetResult & KeptReaderRoleDeletions> {
  const result = await runLeasedSweep(
    { ...deps, sweeps: deps.sweeps },
    { ...opts, name: 'fleet reconcile' },
    (sweep) => reconcileWork(deps, sweep.mode),
  );
  // The invocation holding the lease does it, so overlapping ticks do not both list and start.
  if (result.outcome === 'busy') return result;
  const deletions = await startKeptReaderRoleDeletions(deps, opts.deadline);
  return deletions.length ? { ...result, readerRoleDeletions: deletions } : result;
}

/** The reason of the offboarding that deletes a kept reader role (recorded on the account). */
export const KEPT_READER_ROLE_REASON = 'keepReaderRoleDays elapsed';

/** What an invocation did about kept reader roles, when it started anything. */
export interface KeptReaderRoleDeletions {
  /** The offboardings started (or found running) to delete a reader role kept past its days. */
  readonly readerRoleDeletions?: string[];
}

/** The OFFBOARDED accounts whose reader role is kept until `now` or earlier, in id order. */
export function keptReaderRolesDue(items: readonly Pick<AccountStatusItem, 'accountId' | 'status' | 'offboarding'>[], now: Date): string[] {
  const due = items.filter((i) => {
    const until = Date.parse(i.offboarding?.readerRoleKeptUntil ?? '');
    return i.status === 'OFFBOARDED' && Number.isFinite(until) && until <= now.getTime();
  });
  return [...new Set(due.map((i) => i.accountId))].sort();
}

/**
 * Starts an offboarding of every account {@link keptReaderRolesDue}, until the deadline. A throttled
 * start ends the round (the next tick starts the rest); an account refused by name (it has been
 * offboarded 100 times since its onboarding) is passed over; anything else is thrown.
 */
async function startKeptReaderRoleDeletions(deps: FleetDeps, deadline: number): Promise<string[]> {
  const started: string[] = [];
  for (const accountId of keptReaderRolesDue(await deps.accounts.listAccounts({ status: 'OFFBOARDED' }), deps.now())) {
    if (deps.now().getTime() >= deadline) break;
    try {
      started.push((await startOffboarding(deps.start, accountId, KEPT_READER_ROLE_REASON)).executionArn);
    } catch (e) {
      if (isOnboardingError(e) && e.kind === ErrorKind.Retryable) break;
      if (!(isOnboardingError(e) && e.kind === ErrorKind.Validation)) throw e;
    }
  }
  return started;
}

/** What {@link runLeasedSweep} runs: one invocation's share of a recorded sweep ({@link FleetOptions}, named). */
export interface LeasedSweepOptions extends FleetOptions {
  /** What the sweep is called in messages (`fleet reconcile`, `backfill`). */
  readonly name: string;
}

/**
 * One invocation of a recorded sweep (the fleet reconcile's, the backfill's): takes its lease (another
 * invocation holding it -> `busy`), begins or resumes the sweep, runs the engine over `workOf(sweep)` until
 * done or the deadline, and records where it stopped. The lease is released whatever happens; an error that
 * is not throttling (AccessDenied, a missing state machine) is rethrown after the progress is recorded.
 */
export async function runLeasedSweep(deps: SweepEngineDeps & { readonly sweeps: SweepPort }, opts: LeasedSweepOptions, workOf: (sweep: FleetSweep) => SweepWork): Promise<FleetResult> {
  const lease = await deps.sweeps.acquire(opts.owner, opts.leaseMs);
  if (!lease.acquired) return { outcome: 'busy', reason: `another invocation holds the ${opts.name} lease` };

  let sweep: FleetSweep | undefined = lease.sweep;
  let failed = false;
  try {
    const decision = decideSweep(sweep, opts.trigger, opts.mode, deps.now());
    if (decision.action === 'idle') return { outcome: 'idle', reason: decision.reason };
    sweep = decision.sweep;
    const run = new SweepRun(deps, opts, sweep, workOf(sweep));
    const result = await run.go(decision.action === 'begin');
    sweep = run.sweep;
    return result;
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    // The progress is kept even when the invocation fails; a failed release must not hide the error.
    const release = deps.sweeps.release(opts.owner, sweep);
    if (failed) await release.catch(() => undefined);
    else await release;
  }
}

/** What one start of a sweep did. */
export interface SweepStart {
  /** The execution started, or found under the same name. */
  readonly executionArn?: string;
  /** True when it counts as started in the sweep (else skipped). */
  readonly started: boolean;
  /** True when it may still be open and is this sweep's own (counted against the cap until it closes). */
  readonly open: boolean;
}

/**
 * What a sweep works through: its accounts, how one is started, and which executions count against
 * `maxConcurrent`. The fleet reconcile (below) and the fleet start (./fleet-start.ts) are two of these
 * run by one engine, {@link SweepRun}.
 */
export interface SweepWork {
  /** Every account the sweep covers (any order, duplicates allowed); those after `after` are started. */
  accounts(): Promise<readonly string[]>;
  /**
   * Starts one account's run. Throws a Retryable error (throttling) to be retried with back-off, a
   * Validation error to pass the account over; anything else stops the invocation.
   */
  start(accountId: string): Promise<SweepStart>;
  /** Prefix of the execution names that count as open runs (ListExecutions RUNNING). */
  readonly openPrefix: string;
  /** Called after each account (for progress); never throws. */
  readonly onAccount?: (accountId: string, outcome: SweepStart | { readonly skipped: true; readonly error: unknown }) => void;
  /**
   * Whether the invocation must stop before starting `accountId` (the next one carries on), given the
   * sweep's own runs that may still be open: the reconcile holds the others back while the run of a
   * shared trail's first account is open ({@link sharedTrailFirstAccount}).
   */
  readonly holdBefore?: (accountId: string, ownOpen: readonly string[]) => Promise<boolean>;
}

/**
 * The first (lowest id) of the accounts whose status items name the same trail as another account's:
 * in organization mode, every account's (the organization trail); undefined when no trail is shared
 * (account mode: a trail per account).
 */
export function sharedTrailFirstAccount(items: readonly Pick<AccountStatusItem, 'accountId' | 'trailArn'>[]): string | undefined {
  const byTrail = new Map<string, string[]>();
  for (const { accountId, trailArn } of items) if (trailArn) byTrail.set(trailArn, [...(byTrail.get(trailArn) ?? []), accountId]);
  const firsts = [...byTrail.values()].filter((ids) => new Set(ids).size > 1).map((ids) => [...ids].sort()[0]);
  return firsts.sort()[0];
}

/** The name of an execution, the last part of its ARN (`arn:<p>:states:<region>:<account>:execution:<machine>:<name>`). */
function executionNameOf(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(':') + 1);
}

/** The reconcile sweep: every ONBOARDED account, a reconcile run each; a shared trail's first account alone first. */
function reconcileWork(deps: FleetDeps, mode: RunMode): SweepWork {
  let first: string | undefined;
  return {
    openPrefix: RECONCILE_NAME_PREFIX,
    accounts: async () => {
      const items = await deps.accounts.listAccounts({ status: 'ONBOARDED' });
      first = sharedTrailFirstAccount(items);
      return items.map((a) => a.accountId);
    },
    start: async (accountId) => {
      const started = await startReconcile(deps.start, accountId, mode, deps.now());
      // A name taken by a closed run: this minute's run of the account has already finished.
      return { executionArn: started.executionArn, started: true, open: !started.alreadyStarted };
    },
    holdBefore: async (accountId, ownOpen) => {
      if (first === undefined || accountId === first) return false;
      // The sweep's own run of that account, if it may still be open (a closed one is dropped from the list in time).
      const arn = ownOpen.find((a) => executionNameOf(a).startsWith(`${RECONCILE_NAME_PREFIX}${first}-`));
      return arn !== undefined && (await deps.start.executions.describeExecution(arn))?.status === 'RUNNING';
    },
  };
}

/** What the sweep engine uses: a subset of {@link FleetDeps}. */
export type SweepEngineDeps = Pick<FleetDeps, 'running' | 'now' | 'sleep'> & {
  readonly start: { readonly executions: Pick<FleetDeps['start']['executions'], 'describeExecution'> };
  readonly sweeps: Pick<SweepPort, 'save'>;
};

/** The limits and stop conditions of one engine run. */
export interface SweepRunOptions {
  readonly limits: FleetReconcileRuntime;
  /** Who holds the lease (progress is saved under it). */
  readonly owner: string;
  /** Epoch ms after which nothing is started. */
  readonly deadline: number;
  /** Once set, nothing more is started (`stoppedBy: 'aborted'`): Ctrl-C in the CLI. */
  readonly signal?: { readonly aborted: boolean };
}

/** The state of one invocation's work on a sweep: the engine of every fleet sweep. */
export class SweepRun {
  sweep: FleetSweep;
  /** The sweep's runs that may still be open. */
  private own: string[];
  /** Upper bound of the open runs since the last count (runs only close between counts). */
  private open: number | undefined;
  private lastStart: number | undefined;
  private sinceSave = 0;
  private readonly executionArns: string[] = [];
  private readonly skipped: string[] = [];

  constructor(
    private readonly deps: SweepEngineDeps,
    private readonly opts: SweepRunOptions,
    sweep: FleetSweep,
    private readonly work: SweepWork,
  ) {
    this.sweep = sweep;
    this.own = [...sweep.open];
  }

  async go(began: boolean): Promise<FleetResult> {
    const pending = pendingAccounts(await this.work.accounts(), this.sweep.after);
    let handled = 0;
    let stoppedBy: FleetStop | undefined;
    for (const accountId of pending) {
      stoppedBy = await this.startOne(accountId);
      if (stoppedBy) break;
      handled += 1;
      this.sweep = { ...this.sweep, after: accountId, open: [...this.own] };
      if (++this.sinceSave >= SAVE_EVERY) {
        this.sinceSave = 0;
        if (!(await this.deps.sweeps.save(this.opts.owner, this.sweep))) {
          stoppedBy = 'leaseLost';
          break;
        }
      }
    }
    const remaining = pending.length - handled;
    if (!stoppedBy) this.sweep = { ...this.sweep, finishedAt: this.deps.now().toISOString() };
    this.sweep = { ...this.sweep, open: [...this.own] };
    return {
      outcome: stoppedBy ? 'continuing' : 'finished',
      sweepStartedAt: this.sweep.startedAt,
      mode: this.sweep.mode,
      began,
      executionArns: this.executionArns,
      skipped: this.skipped,
      remaining,
      ...(stoppedBy ? { stoppedBy } : {}),
      sweep: { started: this.sweep.started, skipped: this.sweep.skipped },
    };
  }

  /** Starts one account's run within the limits; returns why the invocation must stop, if it must. */
  private async startOne(accountId: string): Promise<FleetStop | undefined> {
    if (this.opts.signal?.aborted) return 'aborted';
    if (await this.work.holdBefore?.(accountId, this.own)) return 'sharedTrail';
    const slot = await this.waitForSlot();
    if (slot) return slot;
    const delay = startDelayMs(this.lastStart, this.nowMs(), this.opts.limits.maxStartsPerSecond);
    if (delay > 0) {
      if (this.nowMs() + delay > this.opts.deadline) return 'deadline';
      await this.deps.sleep(delay);
      if (this.opts.signal?.aborted) return 'aborted';
    }
    for (let attempt = 1; ; attempt++) {
      this.lastStart = this.nowMs();
      try {
        const started = await this.work.start(accountId);
        if (started.executionArn) this.executionArns.push(started.executionArn);
        if (started.open && started.executionArn) {
          this.own.push(started.executionArn);
          this.open = (this.open ?? 0) + 1;
        }
        if (started.started) this.sweep = { ...this.sweep, started: this.sweep.started + 1 };
        else {
          this.skipped.push(accountId);
          this.sweep = { ...this.sweep, skipped: this.sweep.skipped + 1 };
        }
        this.work.onAccount?.(accountId, started);
        return undefined;
      } catch (e) {
        if (isOnboardingError(e) && e.kind === ErrorKind.Validation) {
          // An id Step Functions would not take: nothing to run, and no reason to stop.
          this.skipped.push(accountId);
          this.sweep = { ...this.sweep, skipped: this.sweep.skipped + 1 };
          this.work.onAccount?.(accountId, { skipped: true, error: e });
          return undefined;
        }
        if (!(isOnboardingError(e) && e.kind === ErrorKind.Retryable)) throw e;
        const backoff = START_BACKOFF_MS * attempt;
        if (attempt >= START_ATTEMPTS || this.nowMs() + backoff > this.opts.deadline) return 'throttled';
        await this.deps.sleep(backoff);
      }
    }
  }

  /**
   * Waits until fewer than `maxConcurrent` reconcile runs are open, counting again every
   * {@link SLOT_POLL_MS} while the cap is reached. Why it must stop instead, when the deadline (or an
   * abort) comes first.
   */
  private async waitForSlot(): Promise<FleetStop | undefined> {
    const max = this.opts.limits.maxConcurrent;
    for (;;) {
      if (this.nowMs() >= this.opts.deadline) return 'deadline';
      if (this.opts.signal?.aborted) return 'aborted';
      if (this.open !== undefined && this.open < max) return undefined;
      this.open = await this.countOpen();
      if (this.open < max) return undefined;
      if (this.nowMs() + SLOT_POLL_MS > this.opts.deadline) return 'deadline';
      await this.deps.sleep(SLOT_POLL_MS);
    }
  }

  /** Open runs: those listed RUNNING under the work's prefix, and the sweep's own that DescribeExecution finds RUNNING. */
  private async countOpen(): Promise<number> {
    const listed = (await this.deps.running.listRunningExecutionsByPrefix(this.work.openPrefix)).map((x) => x.executionArn);
    const listedSet = new Set(listed);
    const still: string[] = [];
    for (const arn of this.own) {
      if (listedSet.has(arn)) {
        still.push(arn);
        continue;
      }
      const d = await this.deps.start.executions.describeExecution(arn);
      if (d?.status === 'RUNNING') still.push(arn);
    }
    this.own = still;
    return openRunCount(listed, still);
  }

  private nowMs(): number {
    return this.deps.now().getTime();
  }
}
