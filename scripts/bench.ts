/**
 * `npm run bench`: the service's figures, measured on the local simulation with the real state
 * machine definition and handlers, printed and written to bench/results.json.
 *
 * - AWS calls per fresh onboarding and per re-run of an onboarded account (writes on re-run: 0);
 * - state transitions per onboarding (what Step Functions bills);
 * - sequential AWS round trips on the critical path (calls per step, summed along sequences and
 *   maxed across Parallel branches of the definition);
 * - a burst of N onboardings at once (default 200): wall time, bucket- and key-policy writes;
 * - each Lambda bundle's size and cold module-load time, against an unoptimized bundle of the same
 *   handler (no minification, CommonJS builds of the dependencies).
 *
 *   npm run bench                 # everything (burst of 200)
 *   npm run bench -- --burst 50   # a smaller burst
 */
import '../local/polyfills';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { parseArgs } from 'node:util';
import { CONFIG_ENV } from '../handlers/shared/config';
import { LAMBDA_MAIN_FIELDS, LAMBDA_TARGET } from '../infra/bundling';
import { loadAppConfig, runtimeConfigOf } from '../infra/config';
import { LocalStepFunctions, type ExecutionResult } from '../local/runner';
import { createDemoWorld, DEMO } from '../local/sim/demo-world';
import type { SimWorld } from '../local/sim/world';
import { STEPS, type StepName } from '../statemachine/steps';

const ROOT = path.join(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results.json');

type Definition = { StartAt: string; States: Record<string, { Type: string; Next?: string; End?: boolean; Branches?: Definition[] }> };

/** Longest chain of sequential calls through the definition's success path. */
function criticalPath(def: Definition, callsOf: (state: string) => number): number {
  let total = 0;
  let name: string | undefined = def.StartAt;
  while (name) {
    const s: Definition['States'][string] = def.States[name];
    if (s.Type === 'Task') total += callsOf(name);
    if (s.Type === 'Parallel') total += Math.max(...s.Branches!.map((b) => criticalPath(b, callsOf)));
    name = s.End ? undefined : s.Next;
  }
  return total;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

async function startLocal(extraMembers: readonly string[]): Promise<{ world: SimWorld; sfn: LocalStepFunctions }> {
  const world = createDemoWorld();
  for (const id of extraMembers) {
    world.accounts.add({ id, name: `member-${id}`, state: 'ACTIVE' }, true, world.now());
    world.seedMember(id);
  }
  const config = loadAppConfig(path.join(ROOT, 'config', 'onboarding.sample.json'));
  const sfn = await LocalStepFunctions.start({ world, config, principalArn: DEMO.operatorPrincipalArn, retryDelayMs: 1 });
  world.resetCalls();
  return { world, sfn };
}

/** Calls, transitions and the critical path of one fresh onboarding and one re-run. */
async function perOnboarding(world: SimWorld, sfn: LocalStepFunctions) {
  {
    world.resetCalls();
    const account = DEMO.memberAccountIds[0];
    const fresh = await sfn.startExecution({ accountId: account }, `bench-${account}`).result;
    const freshCalls = [...world.calls];
    world.resetCalls();
    const rerun = await sfn.startExecution({ accountId: account }, `bench-${account}-rerun`).result;
    const rerunCalls = [...world.calls];
    if (fresh.status !== 'SUCCEEDED' || rerun.status !== 'SUCCEEDED') throw new Error('bench onboarding did not succeed');

    const def = sfn.synthesized.definition as unknown as Definition;
    const summary = (calls: typeof freshCalls, r: ExecutionResult) => {
      const perStep = countBy(calls, (c) => c.step ?? '(outside a step)');
      return {
        awsCalls: calls.length,
        writeCalls: calls.filter((c) => c.write).length,
        byService: countBy(calls, (c) => c.service),
        byStep: perStep,
        stateTransitions: r.history.filter((h) => h.type === 'StateEntered').length,
        retries: r.history.filter((h) => h.type === 'StateRetried').length,
        sequentialRoundTripsOnCriticalPath: criticalPath(def, (state) => perStep[state] ?? 0),
      };
    };
    return { fresh: summary(freshCalls, fresh), rerun: summary(rerunCalls, rerun) };
  }
}

/** Ids of the burst's accounts. */
const burstIds = (n: number) => Array.from({ length: n }, (_, i) => String(500000000000 + i * 7919));

/** N onboardings started at once (handler modules are loaded once per process: one world for all). */
async function burst(world: SimWorld, sfn: LocalStepFunctions, ids: readonly string[]) {
  const n = ids.length;
  world.resetCalls();
  {
    const t0 = performance.now();
    const results = await Promise.all(ids.map((a) => sfn.startExecution({ accountId: a }, `burst-${a}`).result));
    const seconds = (performance.now() - t0) / 1000;
    const writes = world.writeCalls();
    return {
      accounts: n,
      succeeded: results.filter((r) => r.status === 'SUCCEEDED').length,
      wallSeconds: Number(seconds.toFixed(2)),
      bucketPolicyWrites: writes.filter((c) => c.operation === 'PutBucketPolicy').length,
      keyPolicyWrites: writes.filter((c) => c.operation === 'PutKeyPolicy').length,
      lockRetries: results.reduce((s, r) => s + r.history.filter((h) => h.type === 'StateRetried').length, 0),
      awsCalls: world.calls.length,
    };
  }
}

/** Median of the module-load time of a bundle, each in a fresh Node process (a cold start's init). */
function coldLoadMs(file: string, env: NodeJS.ProcessEnv, runs = 7): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const times = Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' })));
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(runs / 2)].toFixed(1));
}

/** Bundle size and cold load time of every step function: deployed settings vs unoptimized. */
async function bundles() {
  const dir = mkdtempSync(path.join(tmpdir(), 'onboard-bench-'));
  const config = loadAppConfig(path.join(ROOT, 'config', 'onboarding.sample.json'));
  const env = {
    ...process.env,
    [CONFIG_ENV]: JSON.stringify(runtimeConfigOf(config, 'bench-table')),
    AWS_REGION: config.homeRegion,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  };
  try {
    const out: Record<string, unknown> = {};
    for (const step of Object.keys(STEPS) as StepName[]) {
      const entry = path.join(ROOT, 'handlers', STEPS[step], 'index.ts');
      const variants = {
        optimized: { minify: true, mainFields: LAMBDA_MAIN_FIELDS },
        unoptimized: { minify: false, mainFields: ['main', 'module'] },
      } as const;
      const row: Record<string, { bytes: number; coldLoadMs: number }> = {};
      for (const [name, v] of Object.entries(variants)) {
        const file = path.join(dir, `${step}-${name}.js`);
        await build({ entryPoints: [entry], bundle: true, platform: 'node', target: LAMBDA_TARGET, format: 'cjs', outfile: file, logLevel: 'error', ...v, mainFields: [...v.mainFields] });
        row[name] = { bytes: statSync(file).size, coldLoadMs: coldLoadMs(file, env) };
      }
      out[step] = row;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;

async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { values } = parseArgs({ options: { burst: { type: 'string', default: '200' } } });
  const burstSize = Number(values.burst);
  if (!Number.isInteger(burstSize) || burstSize < 1) throw new Error(`--burst must be a positive whole number (received ${values.burst})`);

  const ids = burstIds(burstSize);
  const { world, sfn } = await startLocal(ids);
  let one: Awaited<ReturnType<typeof perOnboarding>>;
  let b: Awaited<ReturnType<typeof burst>>;
  try {
    console.log('measuring one onboarding and its re-run...');
    one = await perOnboarding(world, sfn);
    console.log(`measuring a burst of ${burstSize} onboardings...`);
    b = await burst(world, sfn, ids);
  } finally {
    await sfn.stop();
  }
  console.log('bundling the step functions...');
  const bundleFigures = await bundles();

  const results = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    onboarding: one,
    burst: b,
    bundles: bundleFigures,
  };
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');

  const f = one.fresh;
  const r = one.rerun;
  console.log(`
Per onboarding (local simulation, real definition and handlers)
  fresh:  ${f.awsCalls} AWS calls (${f.writeCalls} writes), ${f.stateTransitions} state transitions, ${f.sequentialRoundTripsOnCriticalPath} sequential round trips on the critical path
  re-run: ${r.awsCalls} AWS calls (${r.writeCalls} writes), ${r.stateTransitions} state transitions, ${r.sequentialRoundTripsOnCriticalPath} sequential round trips on the critical path
  calls by step (fresh): ${Object.entries(f.byStep).map(([k, v]) => `${k} ${v}`).join(', ')}

Burst: ${b.accounts} onboardings at once
  ${b.succeeded}/${b.accounts} SUCCEEDED in ${b.wallSeconds} s; bucket-policy writes ${b.bucketPolicyWrites}, key-policy writes ${b.keyPolicyWrites}; ${b.lockRetries} retries

Bundles (deployed settings vs unoptimized)
${Object.entries(bundleFigures as Record<string, Record<string, { bytes: number; coldLoadMs: number }>>)
  .map(([step, v]) => `  ${step.padEnd(18)} ${kb(v.optimized.bytes).padStart(7)} ${String(v.optimized.coldLoadMs).padStart(6)} ms   vs ${kb(v.unoptimized.bytes).padStart(7)} ${String(v.unoptimized.coldLoadMs).padStart(6)} ms`)
  .join('\n')}

Written to ${path.relative(process.cwd(), RESULTS)}`);
  if (r.writeCalls !== 0) {
    console.error('A re-run made write calls: that is a defect.');
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
