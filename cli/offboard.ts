/**
 * `onboard offboard <account-id> [--reason TEXT] [--json] [--no-wait]`: starts the account's offboarding
 * (handlers/start/offboarding.ts, the function DELETE /accounts/{id} uses too) and, unless told not to
 * wait, follows that execution to its end and prints what was removed and what was left behind.
 *
 * The reason recorded is who ran it (the CLI's credentials, STS GetCallerIdentity) and, with --reason,
 * why: `onboard offboard by <caller ARN>[: <text>]`.
 */
import { offboardingReason } from '../handlers/api/offboard';
import { describeOnboarding, isOpen, summarizeSteps, type OnboardingView } from '../handlers/start';
import { startOffboarding, type OffboardStartResult } from '../handlers/start/offboarding';
import { callerArnOf, type Backend } from './context';
import { formatStepLine, formatView, type Io } from './format';

/** Options of `offboard`. */
export interface OffboardCliOptions {
  readonly reason?: string;
  readonly json?: boolean;
  /** False with `--no-wait`. */
  readonly wait: boolean;
}

/** What the `via` of an offboarding's reason says for the CLI. */
export const CLI_OFFBOARD_VIA = 'onboard offboard';

/** The first line `offboard` prints. */
export function describeOffboardStart(r: OffboardStartResult): string {
  return r.outcome === 'started'
    ? `Offboarding ${r.accountId}: started execution ${r.executionName}`
    : `Offboarding ${r.accountId}: already running as execution ${r.executionName}; nothing new was started`;
}

/**
 * Runs `offboard`; returns the exit code: 0 started (`--no-wait`) or offboarded, 1 the offboarding did not
 * succeed. Bad input (a malformed id, a bad reason, an account never onboarded) throws its named error
 * before anything is started (the CLI's exit code 2).
 */
export async function runOffboard(b: Backend, accountId: string, o: OffboardCliOptions, io: Io, sleep: (ms: number) => Promise<unknown>): Promise<number> {
  const reason = offboardingReason({ via: CLI_OFFBOARD_VIA, caller: await callerArnOf(b), text: o.reason });
  const r = await startOffboarding(b.start, accountId, reason);
  if (!o.json) io.out(describeOffboardStart(r));
  if (!o.wait) {
    if (o.json) io.out(JSON.stringify(r, null, 2));
    return 0;
  }
  const status = await followExecution(b, r.executionArn, io, !!o.json, sleep);
  const view: OnboardingView = await describeOnboarding(b.start, r.accountId);
  io.out(o.json ? JSON.stringify({ outcome: r.outcome, ...view }, null, 2) : formatView(view));
  return status === 'SUCCEEDED' ? 0 : 1;
}

/**
 * Follows one execution by its ARN until it closes, printing each step as it changes (an offboarding's
 * execution is not the account's `onboard-*` run the other commands follow). Returns its final status.
 */
async function followExecution(b: Backend, executionArn: string, io: Io, quiet: boolean, sleep: (ms: number) => Promise<unknown>): Promise<string> {
  const printed = new Map<string, string>();
  for (;;) {
    const d = await b.start.executions.describeExecution(executionArn);
    if (!quiet) {
      for (const s of summarizeSteps(await b.start.executions.executionHistory(executionArn))) {
        const key = `${s.status}/${s.attempts}`;
        if (printed.get(s.state) === key) continue;
        printed.set(s.state, key);
        io.out(formatStepLine(s));
      }
    }
    if (!d || !isOpen(d.status)) return d?.status ?? 'UNKNOWN';
    await sleep(b.pollMs);
  }
}
