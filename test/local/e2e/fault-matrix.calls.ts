/**
 * The distinct AWS calls a clean onboarding makes, for test/local/e2e/fault-matrix.test.ts.
 *
 * Jest needs every test name before any test runs, and the calls are only known after an onboarding
 * has run (asynchronously). So the test file derives them at collection time by running this file as
 * a script in a child process (`deriveCallsInChildProcess`): it starts the local service, onboards one
 * fresh member account, and prints the distinct calls of `world.calls` as JSON. The test file checks
 * that its own clean onboarding makes exactly the same set (`distinctCalls`).
 */
import { execFileSync } from 'node:child_process';
import type { CallRecord, SimService } from '../../../local/sim';
import { DEMO } from '../../../local/sim';

/** Which account (or account-level service) a call targets. */
export type CallTarget = 'member' | 'log-archive' | 'orchestrator-dynamodb' | 'organizations';

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
  throw new Error(`A step called ${call.service}:${call.operation} in account ${call.accountId}, which is none of the expected targets`);
}

/** The distinct calls the steps made while onboarding `memberId` (calls outside any step are ignored). */
export function distinctCalls(calls: readonly CallRecord[], memberId: string): DistinctCall[] {
  const byKey = new Map<string, { service: SimService; operation: string; target: CallTarget; accountId: string; steps: string[] }>();
  for (const c of calls) {
    if (!c.step) continue;
    const target = targetOf(c, memberId);
    const key = `${c.service} ${c.operation} ${target}`;
    const found = byKey.get(key) ?? { service: c.service, operation: c.operation, target, accountId: c.accountId, steps: [] };
    if (!found.steps.includes(c.step)) found.steps.push(c.step);
    byKey.set(key, found);
  }
  return [...byKey.values()].sort((a, b) => `${a.service} ${a.operation} ${a.target}`.localeCompare(`${b.service} ${b.operation} ${b.target}`));
}

/** Account onboarded by the child process (any fresh member id would do). */
const PROBE_ACCOUNT = '305419896001';

/** Runs this file as a script (tsx) and returns the calls it derived. Synchronous: usable at collection time. */
export function deriveCallsInChildProcess(): DistinctCall[] {
  const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), __filename], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
    timeout: 120_000,
  });
  const line = out.trim().split('\n').pop() ?? '';
  return (JSON.parse(line) as { calls: DistinctCall[] }).calls;
}

async function main(): Promise<void> {
  // Imported here so that importing this module (the test file does) starts nothing.
  const { startLocal } = await import('../harness');
  const local = await startLocal({ extraMembers: [PROBE_ACCOUNT] });
  try {
    const r = await local.run({ accountId: PROBE_ACCOUNT });
    if (r.status !== 'SUCCEEDED') throw new Error(`The clean onboarding ended ${r.status}: ${r.error} ${r.cause}`);
    process.stdout.write(`\n${JSON.stringify({ calls: distinctCalls(local.world.calls, PROBE_ACCOUNT) })}\n`);
  } finally {
    await local.stop();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
