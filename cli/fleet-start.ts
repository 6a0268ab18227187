/**
 * `onboard start` for many accounts at once, and `onboard plan --all`: the fleet start of the operator
 * CLI (handlers/start/fleet-start.ts has the decisions and the pacing; this file lists, reports and
 * renders).
 *
 * - `start <id> <id>...`: those accounts (without the ONBOARDED ones); `start --all`: every account of
 *   the organization; `start --ou <ou-id>...`: every account under those OUs, at any depth. The
 *   configured scope and `--exclude <id|ou-id>...` apply; accounts that are not ACTIVE are skipped.
 * - At most `fleetStart.maxStartsPerSecond` starts per second, never more than `--max-concurrent`
 *   (default `fleetStart.maxConcurrent`) onboardings open; deterministic names, so an interrupted run
 *   (Ctrl-C: nothing more is started, the summary so far is printed, exit 130) can be run again and
 *   starts nothing twice.
 * - A live progress bar on a TTY (cli-progress), plain lines otherwise; a summary table at the end;
 *   `--json` prints one JSON document instead; `--no-wait` returns once everything is started.
 */
import { SingleBar } from 'cli-progress';
import { listOrganizationMembers, type OrganizationMember } from '../handlers/adapters/organizations';
import type { ExecutionDescription } from '../handlers/adapters/sfn';
import type { FleetStartRuntime, RuntimeConfig } from '../handlers/shared/config';
import { InvalidRequest } from '../handlers/shared/errors';
import { isOpen } from '../handlers/start';
import { SLOT_POLL_MS } from '../handlers/start/fleet';
import {
  type FleetExcludes,
  type FleetStartEntry,
  type FleetStartOutcome,
  type FleetStartPlan,
  onboardedIds,
  parseExcludes,
  parseOus,
  planFleetStart,
  type SkipKind,
  startFleet,
} from '../handlers/start/fleet-start';
import type { Backend } from './context';
import { formatPlan, type Io } from './format';
import { buildPlan } from './plan';

/** Exit code after an interruption (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** The fleet options of `start` and `plan`. */
export interface FleetSelectionOptions {
  readonly all?: boolean;
  readonly ou?: string[];
  readonly exclude?: string[];
}

/** `start`'s options. */
export interface FleetStartCliOptions extends FleetSelectionOptions {
  readonly maxConcurrent?: string;
  readonly json?: boolean;
  readonly wait: boolean;
}

/** What the process gives a fleet start: how to be interrupted, where a progress bar goes, the clock. */
export interface FleetCliEnv {
  /** Aborted on Ctrl-C (main.ts) or by a test. */
  readonly signal?: { readonly aborted: boolean };
  /** Where the progress bar is drawn when it is a TTY (default process.stderr). */
  readonly progress?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly now?: () => Date;
  /** The waits between starts and polls (default: real timers); a test passes a clock of its own. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** True when the options select accounts by organization (`--all`, `--ou`), not by id. */
export function isFleetSelection(o: FleetSelectionOptions): boolean {
  return o.all === true || (o.ou?.length ?? 0) > 0;
}

/** One account's outcome in the summary. */
export type AccountOutcome =
  | 'onboarded'
  | 'failed'
  | 'running'
  | 'already-onboarded'
  | 'previously-failed'
  | 'skipped'
  | 'not-started';

/** One row of the summary. */
export interface AccountReport {
  readonly accountId: string;
  readonly outcome: AccountOutcome;
  readonly execution?: string;
  /** Why it was skipped, why it failed, what to do. */
  readonly reason?: string;
  readonly skip?: SkipKind;
}

/** The whole run, as `--json` prints it. */
export interface FleetStartReport {
  readonly selection: { readonly all: boolean; readonly ous: readonly string[]; readonly accountIds: readonly string[]; readonly exclude: FleetExcludes };
  readonly limits: FleetStartRuntime;
  readonly interrupted: boolean;
  readonly counts: Record<AccountOutcome, number> & { readonly started: number };
  readonly accounts: readonly AccountReport[];
}

const OUTCOMES: readonly AccountOutcome[] = ['onboarded', 'failed', 'running', 'already-onboarded', 'previously-failed', 'skipped', 'not-started'];

/**
 * Lists what the selection covers and decides per account: by organization (`--all`, `--ou`: the OU tree,
 * paginated), or the given ids (only the status table is read: ValidateRequest checks each account).
 */
export async function selectFleet(backend: Backend, accountIds: readonly string[], o: FleetSelectionOptions): Promise<{ plan: FleetStartPlan; exclude: FleetExcludes; ous: string[] }> {
  const exclude = parseExcludes(o.exclude ?? []);
  const ous = parseOus(o.ou ?? []);
  if (isFleetSelection(o) && accountIds.length) throw new InvalidRequest('Give account ids, or --all / --ou, not both.');
  if (o.all && ous.length) throw new InvalidRequest('--all and --ou exclude each other: --all is every account of the organization.');
  // One Scan of the account items (the status index may not exist in an older deployment's table).
  const onboarded = onboardedIds(await backend.status.listAccounts({}));
  const config = backend.config;
  if (!isFleetSelection(o)) {
    for (const id of accountIds) if (!/^\d{12}$/.test(id)) throw new InvalidRequest(`${JSON.stringify(id)} is not a 12-digit AWS account id`);
    const entries: FleetStartEntry[] = [...new Set(accountIds)].sort().map((accountId) =>
      exclude.accounts.includes(accountId)
        ? { accountId, action: 'skip', kind: 'excluded', reason: `account ${accountId} is excluded by --exclude` }
        : onboarded.has(accountId)
          ? { accountId, action: 'leave', reason: 'ONBOARDED' }
          : { accountId, action: 'start' },
    );
    return { plan: { start: entries.filter((e) => e.action === 'start').map((e) => e.accountId), entries }, exclude, ous };
  }
  if (!config.organizationId) throw new InvalidRequest('--all and --ou list the organization\'s accounts: the configuration has no organizationId. Give account ids instead.');
  const members: OrganizationMember[] = await listOrganizationMembers(backend.organizations(), ous.length ? ous : undefined);
  return { plan: planFleetStart({ members, onboarded, config, exclude }), exclude, ous };
}

/** Progress: a bar on a TTY, a line per event otherwise (nothing with --json). */
class Progress {
  private bar?: SingleBar;
  readonly counts = { started: 0, running: 0, onboarded: 0, failed: 0, skipped: 0 };

  constructor(
    private readonly io: Io,
    total: number,
    skipped: number,
    private readonly mode: 'bar' | 'lines' | 'none',
    stream: NodeJS.WritableStream,
  ) {
    this.counts.skipped = skipped;
    if (mode === 'bar') {
      this.bar = new SingleBar(
        {
          stream,
          format: 'onboarding {bar} {value}/{total} started | running {running} | onboarded {onboarded} | failed {failed} | skipped {skipped}',
          hideCursor: true,
          clearOnComplete: false,
          barsize: 30,
          // Drawn on every update (no timer of its own to outlive the run); cli-progress limits the redraws.
          synchronousUpdate: true,
          fps: 10,
        },
        // https://github.com/npkg/cli-progress#presets
        { barCompleteChar: '█', barIncompleteChar: '░', format: '' },
      );
      this.bar.start(Math.max(total, 1), 0, this.counts);
    }
  }

  line(text: string): void {
    if (this.mode === 'lines') this.io.out(text);
  }

  update(): void {
    this.bar?.update(this.counts.started, this.counts);
  }

  stop(): void {
    if (this.bar) {
      this.bar.update(this.counts.started, this.counts);
      this.bar.stop();
    }
  }
}

/** Runs `start` for the selection; returns the exit code. */
export async function runFleetStart(backend: Backend, accountIds: readonly string[], o: FleetStartCliOptions, io: Io, env: FleetCliEnv = {}): Promise<number> {
  const config: RuntimeConfig = backend.config;
  const limits: FleetStartRuntime = { ...config.fleetStart, ...(o.maxConcurrent !== undefined ? { maxConcurrent: parseMaxConcurrent(o.maxConcurrent) } : {}) };
  const now = env.now ?? (() => new Date());
  const sleep = env.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const signal = env.signal ?? { aborted: false };
  const { plan, exclude, ous } = await selectFleet(backend, accountIds, o);

  const stream = env.progress ?? process.stderr;
  const mode = o.json ? 'none' : (stream as { isTTY?: boolean }).isTTY ? 'bar' : 'lines';
  const skippedEntries = plan.entries.filter((e) => e.action === 'skip');
  const left = plan.entries.filter((e) => e.action === 'leave');
  if (!o.json) {
    io.out(
      `Fleet start: ${plan.entries.length} account${plan.entries.length === 1 ? '' : 's'} selected: ${plan.start.length} to start, ` +
        `${left.length} already onboarded, ${skippedEntries.length} skipped (at most ${limits.maxStartsPerSecond} starts/s, ${limits.maxConcurrent} open)`,
    );
  }
  const progress = new Progress(io, plan.start.length, skippedEntries.length, mode, stream);

  // The sweep's own executions while they may be open, and the final state of those that closed.
  const open = new Map<string, string>(); // accountId -> executionArn
  const closed = new Map<string, ExecutionDescription>();
  let lastPoll = 0;
  const poll = async (force = false) => {
    if (!force && now().getTime() - lastPoll < backend.pollMs) return;
    lastPoll = now().getTime();
    for (const [accountId, arn] of [...open]) {
      const d = await backend.start.executions.describeExecution(arn);
      if (d && !isOpen(d.status)) {
        open.delete(accountId);
        closed.set(accountId, d);
        if (d.status === 'SUCCEEDED') progress.counts.onboarded += 1;
        else progress.counts.failed += 1;
        progress.line(`${d.status === 'SUCCEEDED' ? 'onboarded' : 'failed'}  ${accountId}  ${d.name}${d.status === 'SUCCEEDED' ? '' : `: ${d.error ?? d.status}`}`);
      }
    }
    progress.counts.running = open.size;
    progress.update();
  };

  const outcomes = new Map<string, FleetStartOutcome>();
  const result = await startFleet(
    {
      start: backend.start,
      running: backend.running,
      now,
      // Between starts (and while the cap is reached) the open executions are looked at again.
      sleep: async (ms) => {
        await poll();
        await sleep(ms);
      },
    },
    plan.start,
    {
      limits,
      signal,
      onOutcome: (x) => {
        outcomes.set(x.accountId, x);
        if (x.kind === 'start' && (x.result.outcome === 'started' || x.result.outcome === 'already-running')) {
          open.set(x.accountId, x.result.executionArn);
          progress.counts.started += 1;
          progress.counts.running = open.size;
          progress.line(`${x.result.outcome === 'started' ? 'started' : 'running'}  ${x.accountId}  ${x.result.executionName}`);
        } else {
          progress.counts.skipped += 1;
          progress.line(`skipped  ${x.accountId}  ${x.kind === 'error' ? x.error : x.result.outcome}`);
        }
        progress.update();
      },
    },
  );

  // Following the open executions to their end, unless told not to (or interrupted).
  while (o.wait && open.size > 0 && !signal.aborted) {
    await sleep(Math.min(backend.pollMs, SLOT_POLL_MS));
    await poll(true);
  }
  if (open.size) await poll(true);
  progress.stop();

  const interrupted = signal.aborted || result.stoppedBy === 'aborted';
  const report = buildReport({ plan, outcomes, open, closed, notStarted: result.notStarted, interrupted, limits, exclude, ous, all: o.all === true, accountIds });
  if (result.stoppedBy === 'throttled' && !o.json) io.err(`Step Functions kept throttling StartExecution; ${result.notStarted.length} accounts were not started: run the same command again.`);
  io.out(o.json ? JSON.stringify(report, null, 2) : formatFleetSummary(report));
  if (interrupted) return EXIT_INTERRUPTED;
  return report.counts.failed + report.counts['previously-failed'] > 0 || result.notStarted.length > 0 ? 1 : 0;
}

function parseMaxConcurrent(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidRequest(`--max-concurrent ${JSON.stringify(raw)}: expected a whole number from 1 to 1000`);
  return n;
}

interface ReportInput {
  readonly plan: FleetStartPlan;
  readonly outcomes: ReadonlyMap<string, FleetStartOutcome>;
  readonly open: ReadonlyMap<string, string>;
  readonly closed: ReadonlyMap<string, ExecutionDescription>;
  readonly notStarted: readonly string[];
  readonly interrupted: boolean;
  readonly limits: FleetStartRuntime;
  readonly exclude: FleetExcludes;
  readonly ous: readonly string[];
  readonly all: boolean;
  readonly accountIds: readonly string[];
}

const nameOf = (arn: string) => arn.split(':').pop() ?? arn;

/** The summary of a run. Pure. */
export function buildReport(x: ReportInput): FleetStartReport {
  const notStarted = new Set(x.notStarted);
  const accounts: AccountReport[] = x.plan.entries.map((e): AccountReport => {
    if (e.action === 'skip') return { accountId: e.accountId, outcome: 'skipped', skip: e.kind, reason: e.reason };
    if (e.action === 'leave') return { accountId: e.accountId, outcome: 'already-onboarded', reason: e.reason };
    const o = x.outcomes.get(e.accountId);
    if (!o || notStarted.has(e.accountId)) return { accountId: e.accountId, outcome: 'not-started', reason: x.interrupted ? 'interrupted before its start' : 'not reached' };
    if (o.kind === 'error') return { accountId: e.accountId, outcome: 'skipped', reason: `${o.error}: ${o.message}` };
    const r = o.result;
    if (r.outcome === 'already-onboarded') return { accountId: e.accountId, outcome: 'already-onboarded', execution: r.executionName };
    if (r.outcome === 'previously-failed') {
      return { accountId: e.accountId, outcome: 'previously-failed', execution: r.executionName, reason: `${r.error ?? r.status}; re-run it with: onboard retry ${e.accountId}` };
    }
    const d = x.closed.get(e.accountId);
    if (!d) return { accountId: e.accountId, outcome: 'running', execution: nameOf(x.open.get(e.accountId) ?? r.executionArn) };
    if (d.status === 'SUCCEEDED') return { accountId: e.accountId, outcome: 'onboarded', execution: d.name };
    return { accountId: e.accountId, outcome: 'failed', execution: d.name, reason: `${d.error ?? d.status}${d.cause ? `: ${d.cause}` : ''}` };
  });
  const counts = Object.fromEntries(OUTCOMES.map((k) => [k, accounts.filter((a) => a.outcome === k).length])) as Record<AccountOutcome, number>;
  const started = [...x.outcomes.values()].filter((o) => o.kind === 'start' && (o.result.outcome === 'started' || o.result.outcome === 'already-running')).length;
  return {
    selection: { all: x.all, ous: x.ous, accountIds: [...x.accountIds], exclude: x.exclude },
    limits: x.limits,
    interrupted: x.interrupted,
    counts: { ...counts, started },
    accounts,
  };
}

const LABELS: Record<AccountOutcome, string> = {
  onboarded: 'onboarded',
  failed: 'failed',
  running: 'still running',
  'already-onboarded': 'already onboarded',
  'previously-failed': 'failed before (not restarted)',
  skipped: 'skipped',
  'not-started': 'not started',
};

/** The summary table, and the accounts that failed or were skipped, with why. */
export function formatFleetSummary(r: FleetStartReport): string {
  const lines = ['', r.interrupted ? 'Summary (interrupted: nothing more was started; run the same command again to go on)' : 'Summary', 'OUTCOME                        ACCOUNTS'];
  lines.push(`${'started by this run'.padEnd(31)}${r.counts.started}`);
  for (const k of OUTCOMES) if (r.counts[k] > 0 || k === 'onboarded' || k === 'failed' || k === 'skipped') lines.push(`${LABELS[k].padEnd(31)}${r.counts[k]}`);
  const section = (title: string, outcomes: AccountOutcome[]) => {
    const rows = r.accounts.filter((a) => outcomes.includes(a.outcome));
    if (!rows.length) return;
    lines.push('', title);
    for (const a of rows) lines.push(`  ${a.accountId}  ${a.execution ? `${a.execution}  ` : ''}${a.reason ?? a.outcome}`);
  };
  section('Failed', ['failed', 'previously-failed']);
  section('Skipped', ['skipped']);
  section('Still running (onboard status <id> follows one)', ['running']);
  if (r.counts['not-started']) lines.push('', `Not started: ${r.counts['not-started']} account(s)${r.interrupted ? ' (interrupted)' : ''}.`);
  return lines.join('\n');
}

/** What `plan --all` prints besides the policy plan: which accounts a `start --all` would start, skip or leave. */
export function formatFleetSelection(plan: FleetStartPlan): string {
  const by = (a: FleetStartEntry['action']) => plan.entries.filter((e) => e.action === a);
  const lines = [`Fleet: ${plan.entries.length} accounts selected: ${by('start').length} would be started, ${by('leave').length} left (ONBOARDED), ${by('skip').length} skipped`];
  const start = by('start').map((e) => e.accountId);
  if (start.length) lines.push(`  start  ${start.length <= 20 ? start.join(' ') : `${start.slice(0, 20).join(' ')} ... (${start.length - 20} more; --json lists all)`}`);
  for (const e of by('skip')) if (e.action === 'skip') lines.push(`  skip   ${e.accountId}  ${e.kind}: ${e.reason}`);
  const leave = by('leave').map((e) => e.accountId);
  if (leave.length) lines.push(`  leave  ${leave.length <= 20 ? leave.join(' ') : `${leave.slice(0, 20).join(' ')} ... (${leave.length - 20} more)`}`);
  return lines.join('\n');
}

/**
 * `plan --all` / `plan --ou`: which accounts `start` with the same selection would start, skip (with why)
 * or leave (ONBOARDED), and the shared-policy plan of adding the ones it would start (read through the
 * operators' read-only role, as `plan` does). The per-account documents are left to `--json`.
 */
export async function runFleetPlan(backend: Backend, accountIds: readonly string[], o: FleetSelectionOptions & { json?: boolean }, io: Io): Promise<number> {
  const { plan } = await selectFleet(backend, accountIds, o);
  const deps = backend.stepDeps();
  const config = { ...deps.config, keyArn: await deps.resolveKeyArn() };
  const bucket = await deps.bucketPolicy();
  const policies = buildPlan({
    config,
    accountIds: plan.start,
    currentBucketPolicy: await bucket.get(),
    currentKeyPolicy: await (await deps.keyPolicy()).get(),
    bucketKeyEnabled: await bucket.bucketKeyEnabled(),
  });
  if (o.json) {
    const by = (a: FleetStartEntry['action']) => plan.entries.filter((e) => e.action === a);
    io.out(JSON.stringify({ fleet: { start: plan.start, skip: by('skip'), leave: by('leave').map((e) => e.accountId) }, ...policies }, null, 2));
    return 0;
  }
  // The policy part of the plan; the documents of every account (thousands) only with --json.
  const text = formatPlan(policies, config).split('\n');
  const cut = text.findIndex((l) => l.startsWith('Accounts'));
  io.out(formatFleetSelection(plan));
  io.out('');
  io.out((cut >= 0 ? text.slice(0, cut) : text).join('\n').trimEnd());
  return 0;
}
