/**
 * The benchmark's measurements that need a world of their own run as child processes (handler
 * modules read their configuration and build their clients once per process, as in a Lambda
 * container, so one process cannot host two worlds): `runChild` starts one with a time limit and
 * reads back its figures; `childMain` is the child's side (arguments, time limits, the result file,
 * exit codes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

/** Rejects when `p` has not settled within `ms` (the bench must not hang on an await). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Quiet handlers, as in the bench's own process. */
export function quietEnvironment(): void {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/**
 * The child's entry: runs `measure`, writes its JSON to `--out <file>` (or prints it), and exits
 * (0, or 1 with the error), whatever handles are still open.
 */
export function childMain(measure: () => Promise<unknown>): void {
  const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: false });
  quietEnvironment();
  measure()
    .then((result) => {
      const text = JSON.stringify(result, null, 2) + '\n';
      if (typeof values.out === 'string') writeFileSync(values.out, text);
      else process.stdout.write(text);
      process.exit(0);
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}

/**
 * Runs `scripts/<script>` in a child Node process (with tsx), its output on this process's
 * terminal, killed after `timeoutMs`; resolves with the figures it wrote, rejects when it failed or
 * ran out of time.
 */
export async function runChild<T>(script: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'onboard-bench-child-'));
  const out = path.join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, script), '--out', out], {
      cwd: path.join(__dirname, '..'),
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (c) => resolve(c));
    }).finally(() => clearTimeout(timer));
    if (timedOut) throw new Error(`${script} did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`);
    if (code !== 0) throw new Error(`${script} failed (exit code ${code})`);
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
