/** Runs the operator CLI in process against a local session directory, as the binary would. */
import { runCli } from '../../../cli/main';

/** One invocation's exit code and what it printed. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `onboard --local --state-dir <dir> ...argv`. */
export async function runLocalCli(dir: string, ...argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--local', '--state-dir', dir, ...argv], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
