/**
 * The fleet start (issue 11, the backfill): onboarding the accounts that already exist. Two ways in
 * share everything here:
 * - the operator CLI, `onboard start --all | --ou <ou-id>... [--exclude <id|ou-id>...]` (cli/fleet-start.ts),
 *   which runs {@link startFleet} in the operator's terminal until it is done or interrupted;
 * - the orchestrator's backfill, {@link backfillFleet}: a second sweep of the fleet reconcile's machinery
 *   (handlers/start/fleet.ts), recorded in `FLEET#backfill`, begun by `{"action": "backfill"}` (an operator,
 *   the optional `fleetStart.schedule`, or `POST /fleet/onboard`, which only records a requested sweep) and
 *   continued by the same 5-minute continuation schedule.
 *
 * What is started: {@link planFleetStart} decides per account of the organization, from Organizations'
 * listing (every account with its state and OU path), the status table and the configured scope: in scope
 * (handlers/domain/scope.ts, plus the operator's excludes), not ONBOARDED, ACTIVE. Every start is
 * `startOnboarding` (handlers/start/starter.ts): the deterministic execution `onboard-<id>` with input
 * `{"accountId":"<id>"}`, so a start repeated after an interruption, or by the CLI and the backfill at
 * once, answers with the execution that exists and never begins a second onboarding.
 *
 * Within Step Functions' limits. Each account is its own execution (a dozen state transitions, far from
 * the 25,000 history events of one execution), so there is no execution that loops over the fleet. Starts
 * are paced at `fleetStart.maxStartsPerSecond` (default 2): StartExecution's documented token bucket is
 * far above that (Standard workflows: bucket size 1,300 and refill 300 per second in the largest regions,
 * 800 and 150 elsewhere; https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 * "Quotas related to API action throttling"), and a throttled start is retried with back-off by the
 * engine. At most `fleetStart.maxConcurrent` onboardings are open at once (default 20), counted from
 * ListExecutions RUNNING (`onboard-` prefix; eventually consistent) and DescribeExecution of the sweep's
 * own (strongly consistent), as the fleet reconcile counts.
 */
import type { OrganizationMember } from '../adapters/organizations';
import type { FleetSweep } from '../adapters/fleet-sweep';
import type { AccountStatusItem } from '../adapters/status-store';
import { decideScope } from '../domain/scope';
import { OU_OR_ROOT_ID, type FleetStartRuntime, type RuntimeConfig } from '../shared/config';
import { InvalidRequest, isOnboardingError } from '../shared/errors';
import type { StartDeps } from './deps';
import {
  type FleetDeps,
  type FleetResult,
  type FleetStop,
  type FleetTrigger,
  type SweepEngineDeps,
  runLeasedSweep,
  type SweepPort,
  SweepRun,
  type SweepStart,
  type SweepWork,
} from './fleet';
import { EXECUTION_NAME_PREFIX } from './naming';
import { startOnboarding, type StartResult } from './starter';

/** Why an account of the organization is not started. */
export const SKIP_REASONS = ['not-allowed', 'out-of-scope', 'excluded', 'not-active'] as const;
/** One of {@link SKIP_REASONS}. */
export type SkipKind = (typeof SKIP_REASONS)[number];

/** What the fleet start does with one account of the organization. */
export type FleetStartEntry =
  | { readonly accountId: string; readonly name?: string; readonly action: 'start' }
  | { readonly accountId: string; readonly name?: string; readonly action: 'leave'; readonly reason: string }
  | { readonly accountId: string; readonly name?: string; readonly action: 'skip'; readonly kind: SkipKind; readonly reason: string };

/** What the fleet start would do with the organization: the accounts in id order. */
export interface FleetStartPlan {
  /** Accounts to start, in id order. */
  readonly start: readonly string[];
  /** Every account listed, with its decision, in id order. */
  readonly entries: readonly FleetStartEntry[];
}

/** The operator's `--exclude`: account ids and OU (or root) ids, on top of the configured scope. */
export interface FleetExcludes {
  readonly accounts: readonly string[];
  readonly ous: readonly string[];
}

/** No excludes. */
export const NO_EXCLUDES: FleetExcludes = { accounts: [], ous: [] };

/**
 * Splits `--exclude` values into account ids and OU/root ids.
 * @throws InvalidRequest naming a value that is neither.
 */
export function parseExcludes(values: readonly string[] = []): FleetExcludes {
  const accounts: string[] = [];
  const ous: string[] = [];
  for (const v of values) {
    if (/^\d{12}$/.test(v)) accounts.push(v);
    else if (OU_OR_ROOT_ID.test(v)) ous.push(v);
    else throw new InvalidRequest(`--exclude ${JSON.stringify(v)}: expected a 12-digit account id, a root id (r-xxxx) or an OU id (ou-xxxx-yyyyyyyy)`);
  }
  return { accounts: [...new Set(accounts)], ous: [...new Set(ous)] };
}

/**
 * Checks `--ou` values.
 * @throws InvalidRequest naming a value that is not a root or OU id.
 */
export function parseOus(values: readonly string[]): string[] {
  for (const v of values) {
    if (!OU_OR_ROOT_ID.test(v)) throw new InvalidRequest(`--ou ${JSON.stringify(v)}: expected a root id (r-xxxx) or an OU id (ou-xxxx-yyyyyyyy)`);
  }
  return [...new Set(values)];
}

/** What {@link planFleetStart} decides from. */
export interface FleetStartInput {
  /** The organization's accounts (or those under the chosen OUs), each with its state and root-first path. */
  readonly members: readonly OrganizationMember[];
  /** Accounts the status table has as ONBOARDED. */
  readonly onboarded: ReadonlySet<string>;
  readonly config: Pick<RuntimeConfig, 'scope' | 'managementAccountId' | 'logArchiveAccountId' | 'allowManagementAccount' | 'allowLogArchiveAccount'>;
  readonly exclude?: FleetExcludes;
}

/**
 * Decides, per account, in this order: the management and log-archive accounts are skipped unless the
 * configuration allows them (ValidateRequest would reject them); the configured scope; the operator's
 * excludes; an ONBOARDED account is left as it is; an account that is not ACTIVE is skipped (SUSPENDED,
 * PENDING_CLOSURE, ...: ValidateRequest would reject it); every other account is started. Pure.
 */
export function planFleetStart(input: FleetStartInput): FleetStartPlan {
  const { config } = input;
  const exclude = input.exclude ?? NO_EXCLUDES;
  const byId = new Map(input.members.map((m) => [m.id, m]));
  const entries: FleetStartEntry[] = [];
  for (const m of [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const base = { accountId: m.id, ...(m.name !== undefined ? { name: m.name } : {}) };
    const skip = (kind: SkipKind, reason: string) => entries.push({ ...base, action: 'skip', kind, reason });
    if (m.id === config.managementAccountId && !config.allowManagementAccount) {
      skip('not-allowed', 'the management account (allowManagementAccount is false)');
      continue;
    }
    if (m.id === config.logArchiveAccountId && !config.allowLogArchiveAccount) {
      skip('not-allowed', 'the log-archive account (allowLogArchiveAccount is false)');
      continue;
    }
    const scope = decideScope(m.id, config.scope, m.path);
    if (!scope.inScope) {
      skip('out-of-scope', scope.reason);
      continue;
    }
    if (exclude.accounts.includes(m.id)) {
      skip('excluded', `account ${m.id} is excluded by --exclude`);
      continue;
    }
    const excludedOu = m.path.find((id) => exclude.ous.includes(id));
    if (excludedOu) {
      skip('excluded', `account ${m.id} is under ${excludedOu}, excluded by --exclude`);
      continue;
    }
    if (input.onboarded.has(m.id)) {
      entries.push({ ...base, action: 'leave', reason: 'ONBOARDED' });
      continue;
    }
    if (m.state !== 'ACTIVE') {
      skip('not-active', `account ${m.id} is ${m.state} in Organizations; only ACTIVE accounts can be onboarded`);
      continue;
    }
    entries.push({ ...base, action: 'start' });
  }
  return { start: entries.filter((e) => e.action === 'start').map((e) => e.accountId), entries };
}

/** The ids of the ONBOARDED items. */
export function onboardedIds(items: readonly Pick<AccountStatusItem, 'accountId' | 'status'>[]): Set<string> {
  return new Set(items.filter((i) => i.status === 'ONBOARDED').map((i) => i.accountId));
}

/** How one account's start went, as the fleet start reports it. */
export type FleetStartOutcome =
  | { readonly accountId: string; readonly kind: 'start'; readonly result: StartResult }
  | { readonly accountId: string; readonly kind: 'error'; readonly error: string; readonly message: string };

/** The work of starting onboardings: `startOnboarding` per account, the `onboard-` executions counted as open. */
function onboardingWork(start: StartDeps, accounts: () => Promise<readonly string[]>, onOutcome?: (o: FleetStartOutcome) => void): SweepWork {
  return {
    openPrefix: EXECUTION_NAME_PREFIX,
    accounts,
    start: async (accountId): Promise<SweepStart> => {
      let result: StartResult;
      try {
        result = await startOnboarding(start, accountId);
      } catch (e) {
        // The name used by an execution with another input is this account's problem only.
        if (isOnboardingError(e) && e.name === 'ExecutionNameTaken') {
          onOutcome?.({ accountId, kind: 'error', error: e.name, message: e.message });
          return { started: false, open: false };
        }
        throw e;
      }
      onOutcome?.({ accountId, kind: 'start', result });
      const open = result.outcome === 'started' || result.outcome === 'already-running';
      return { executionArn: result.executionArn, started: open, open };
    },
    onAccount: (accountId, o) => {
      if ('error' in o) onOutcome?.({ accountId, kind: 'error', error: (o.error as Error)?.name ?? 'Error', message: (o.error as Error)?.message ?? String(o.error) });
    },
  };
}

/** Options of {@link startFleet}. */
export interface StartFleetOptions {
  readonly limits: FleetStartRuntime;
  /** Once aborted, nothing more is started (Ctrl-C). */
  readonly signal?: { readonly aborted: boolean };
  /** After each account's start. */
  readonly onOutcome?: (o: FleetStartOutcome) => void;
}

/** What {@link startFleet} did. */
export interface StartFleetResult {
  readonly outcomes: readonly FleetStartOutcome[];
  /** Accounts not reached (interrupted, or Step Functions kept throttling). */
  readonly notStarted: readonly string[];
  readonly stoppedBy?: FleetStop;
}

/**
 * Starts the onboarding of `accountIds` in id order, within the limits, until done or aborted: the
 * fleet sweep engine with no deadline and no record (an interrupted run is simply run again: what it
 * started answers already-running or already-onboarded).
 */
export async function startFleet(deps: Omit<SweepEngineDeps, 'sweeps'> & { readonly start: StartDeps }, accountIds: readonly string[], opts: StartFleetOptions): Promise<StartFleetResult> {
  const outcomes: FleetStartOutcome[] = [];
  const reached = new Set<string>();
  const work = onboardingWork(
    deps.start,
    async () => accountIds,
    (o) => {
      outcomes.push(o);
      reached.add(o.accountId);
      opts.onOutcome?.(o);
    },
  );
  const sweep: FleetSweep = { startedAt: deps.now().toISOString(), mode: 'apply', open: [], started: 0, skipped: 0 };
  const engine = new SweepRun({ ...deps, sweeps: { save: async () => true } }, { limits: opts.limits, owner: 'cli', deadline: Number.POSITIVE_INFINITY, ...(opts.signal ? { signal: opts.signal } : {}) }, sweep, work);
  const r = await engine.go(true);
  const stoppedBy = r.outcome === 'continuing' || r.outcome === 'finished' ? r.stoppedBy : undefined;
  return { outcomes, notStarted: [...new Set(accountIds)].sort().filter((id) => !reached.has(id)), ...(stoppedBy ? { stoppedBy } : {}) };
}

/** What the backfill adds to the fleet reconcile's dependencies. */
export interface BackfillDeps extends FleetDeps {
  /** The organization's accounts under `under` (all without), with state and path (Organizations, paginated). */
  readonly members: (under?: readonly string[]) => Promise<OrganizationMember[]>;
  /** The `FLEET#backfill` item. */
  readonly backfillSweeps: SweepPort;
}

/** One backfill invocation's task. */
export interface BackfillOptions {
  /** `start`: begin a backfill unless one is open; `continue`: only continue an open one. */
  readonly trigger: FleetTrigger;
  readonly config: FleetStartInput['config'] & { readonly fleetStart: FleetStartRuntime };
  readonly owner: string;
  readonly deadline: number;
  readonly leaseMs: number;
}

/**
 * The accounts a backfill starts now: the organization's (under `scope.includeOus` when set, so the walk
 * skips the rest of the tree) that {@link planFleetStart} starts.
 */
export async function backfillAccounts(deps: Pick<BackfillDeps, 'members' | 'accounts'>, config: FleetStartInput['config']): Promise<string[]> {
  const under = config.scope.includeOus.length ? config.scope.includeOus : undefined;
  const [members, onboarded] = await Promise.all([deps.members(under), deps.accounts.listAccounts({})]);
  return [...planFleetStart({ members, onboarded: onboardedIds(onboarded), config }).start];
}

/**
 * One invocation of the backfill: the fleet reconcile's sweep (lease, begin or resume, progress every few
 * accounts, stop before the deadline) over {@link backfillAccounts}, starting onboardings. The source is
 * listed again at each invocation, so an account onboarded meanwhile (by its event, or the CLI) is no
 * longer started, and the id-order cursor carries the sweep over invocations.
 */
export async function backfillFleet(deps: BackfillDeps, opts: BackfillOptions): Promise<FleetResult> {
  return runLeasedSweep(
    { ...deps, sweeps: deps.backfillSweeps },
    { name: 'backfill', trigger: opts.trigger, mode: 'apply', limits: opts.config.fleetStart, owner: opts.owner, deadline: opts.deadline, leaseMs: opts.leaseMs },
    () => onboardingWork(deps.start, () => backfillAccounts(deps, opts.config)),
  );
}

/** What `POST /fleet/onboard` answers. */
export type BackfillRequest = { readonly outcome: 'requested'; readonly requestedAt: string } | { readonly outcome: 'already-open' };

/**
 * Records a requested backfill (an unfinished, not yet begun sweep in `FLEET#backfill`), which the next
 * continuation tick (every FLEET_CONTINUE_EVERY_MINUTES minutes) resumes as if `{"action": "backfill"}`
 * had begun it: the API cannot run a sweep within its time limit, and the simulation has no Lambda service
 * for an asynchronous self-invocation, so this runs the same in AWS and locally. `already-open` when a
 * backfill is open or an invocation is working on one.
 */
export async function requestBackfill(sweeps: { request(sweep: FleetSweep): Promise<boolean> }, now: Date): Promise<BackfillRequest> {
  const requestedAt = now.toISOString();
  const recorded = await sweeps.request({ startedAt: requestedAt, mode: 'apply', open: [], started: 0, skipped: 0 });
  return recorded ? { outcome: 'requested', requestedAt } : { outcome: 'already-open' };
}
