/**
 * The distinct AWS calls a clean onboarding makes, for test/local/e2e/fault-matrix.test.ts (account
 * mode) and fault-matrix-organization.test.ts (organization mode).
 *
 * Jest needs every test name before any test runs, and the calls are only known after an onboarding
 * has run (asynchronously). So the test file derives them at collection time by running this file as
 * a script in a child process (`deriveCallsInChildProcess`): it starts the local service in the
 * given mode (organization-mode.ts: from an organization without trusted access, so the set-up calls
 * are made), onboards one fresh member account, and prints the distinct calls of `world.calls` as
 * JSON. The test file checks that its own clean onboarding makes exactly the same set
 * (`distinctCalls`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { CallRecord, SimService } from '../../../local/sim';
import { DEMO } from '../../../local/sim';
import type { TrailMode } from './organization-mode';

/**
 * Which account (or account-level service) a call targets. `management`: the management account's
 * own resources (the organization trail, in organization mode; the orchestrator runs there).
 */
export type CallTarget = 'member' | 'log-archive' | 'management' | 'orchestrator-dynamodb' | 'organizations';

/** One distinct call: service + operation + target; `accountId` is the target account (member: the onboarded one). */
export interface DistinctCall {
  readonly service: SimService;
  readonly operation: string;
  readonly target: CallTarget;
  readonly accountId: string;
  /** Steps that made the call in the clean onboarding, in order of their first call. */
  readonly steps: readonly string[];
}

/** The target of a call made while onboarding `memberId`. */
export function targetOf(call: CallRecord, memberId: string): CallTarget {
  if (call.service === 'organizations') return 'organizations';
  // The status table, the member set and the leases: DynamoDB of the orchestrator account.
  if (call.service === 'dynamodb') return 'orchestrator-dynamodb';
  if (call.accountId === memberId) return 'member';
  if (call.accountId === DEMO.logArchiveAccountId) return 'log-archive';
  if (call.accountId === DEMO.managementAccountId) return 'management';
  throw new Error(`A step called ${call.service}:${call.operation} in account ${call.accountId}, which is none of the expected targets`);
}

/** A call's row in a matrix: service, operation, target. */
export const keyOf = (c: Pick<DistinctCall, 'service' | 'operation' | 'target'>): string => `${c.service} ${c.operation} ${c.target}`;

/** The distinct calls the steps made while onboarding `memberId` (calls outside any step are ignored). */
export function distinctCalls(calls: readonly CallRecord[], memberId: string): DistinctCall[] {
  const byKey = new Map<string, { service: SimService; operation: string; target: CallTarget; accountId: string; steps: string[] }>();
  for (const c of calls) {
    if (!c.step) continue;
    const target = targetOf(c, memberId);
    const key = keyOf({ service: c.service, operation: c.operation, target });
    const found = byKey.get(key) ?? { service: c.service, operation: c.operation, target, accountId: c.accountId, steps: [] };
    if (!found.steps.includes(c.step)) found.steps.push(c.step);
    byKey.set(key, found);
  }
  return [...byKey.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

/** Account onboarded by the child process (any fresh member id would do). */
const PROBE_ACCOUNT = '305419896001';

/** What the script prints last: the calls derived in each mode it was given. */
type Derived = Partial<Record<TrailMode, DistinctCall[]>>;

/** How this file is run as a script: node, tsx, this file, the modes. */
const scriptArgs = (modes: readonly TrailMode[]) => [require.resolve('tsx/cli'), __filename, ...modes];
const SCRIPT_OPTIONS = { encoding: 'utf8', env: process.env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 } as const;
const lastLine = (out: string): Derived => (JSON.parse(out.trim().split('\n').pop() ?? '') as { calls: Derived }).calls;

/**
 * Runs this file as a script (tsx) and returns the calls it derived in each of `modes` (several: in
 * child processes of its own, at the same time). Synchronous: usable at collection time.
 */
export function deriveCallsInChildProcess<M extends TrailMode>(...modes: M[]): Record<M, DistinctCall[]> {
  const derived = lastLine(execFileSync(process.execPath, scriptArgs(modes), { ...SCRIPT_OPTIONS, stdio: ['ignore', 'pipe', 'pipe'] }));
  for (const mode of modes) if (!derived[mode]) throw new Error(`The derivation printed no calls for mode ${mode}`);
  return derived as Record<M, DistinctCall[]>;
}

/**
 * The rows of the organization-mode matrix: the distinct calls of a clean organization-mode
 * onboarding that are not rows of the account-mode matrix already (those are faulted there; the
 * steps that make them are the same code in both modes). Both derived, in two child processes.
 */
export function organizationOnlyCalls(): { organization: DistinctCall[]; account: DistinctCall[]; rows: DistinctCall[] } {
  const { account, organization } = deriveCallsInChildProcess('account', 'organization');
  const shared = new Set(account.map(keyOf));
  return { organization, account, rows: organization.filter((c) => !shared.has(keyOf(c))) };
}

function modeArgument(arg: string): TrailMode {
  if (arg === 'account' || arg === 'organization') return arg;
  throw new Error(`Unknown trail mode ${arg}: expected account or organization`);
}

/**
 * The batch window of the matrices' service (`policyBatchWindowMs`, default 1000 ms), in the derivation
 * and in the matrix alike. The matrix runs its cases one at a time, and a case that fails leaves its
 * account admitted and not granted, so the next case's lease holder waits a window for a burst that is
 * not coming: a second each at the default, 11 s of real waiting per matrix. Coalescing a burst is
 * what the window is for, and burst.test.ts and the steps' unit tests test it; here the path through
 * it stays the same, only shorter.
 */
export const MATRIX_BATCH_WINDOW_MS = 20;

/** `opts` with the matrices' batch window in its configuration. */
export function withMatrixBatchWindow<T extends { readonly config?: Record<string, unknown> }>(opts: T): T & { config: Record<string, unknown> } {
  return { ...opts, config: { ...opts.config, policyBatchWindowMs: MATRIX_BATCH_WINDOW_MS } };
}

/** One clean onboarding in `mode`, in this process (the handlers read their configuration once per process). */
async function deriveHere(mode: TrailMode): Promise<DistinctCall[]> {
  // Imported here so that importing this module (the test file does) starts nothing.
  const { startLocal } = await import('../harness');
  const { startOptionsOf } = await import('./organization-mode');
  const local = await startLocal({ ...withMatrixBatchWindow(startOptionsOf(mode)), extraMembers: [PROBE_ACCOUNT] });
  try {
    const r = await local.run({ accountId: PROBE_ACCOUNT });
    if (r.status !== 'SUCCEEDED') throw new Error(`The clean onboarding ended ${r.status}: ${r.error} ${r.cause}`);
    return distinctCalls(local.world.calls, PROBE_ACCOUNT);
  } finally {
    await local.stop();
  }
}

/** One mode here; several, each in a child process of its own, at the same time. */
async function main(modes: readonly TrailMode[]): Promise<void> {
  let derived: Derived;
  if (modes.length === 1) {
    derived = { [modes[0]]: await deriveHere(modes[0]) };
  } else {
    const run = promisify(execFile);
    const each = await Promise.all(modes.map(async (mode) => lastLine((await run(process.execPath, scriptArgs([mode]), SCRIPT_OPTIONS)).stdout)));
    derived = Object.assign({}, ...each) as Derived;
  }
  process.stdout.write(`\n${JSON.stringify({ calls: derived })}\n`);
}

if (require.main === module) {
  const modes = process.argv.slice(2).map(modeArgument);
  main(modes.length ? modes : ['account']).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
