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
 *   handler (no minification, CommonJS builds of the dependencies);
 * - a fleet reconcile of N onboarded accounts with no drift (default 500, BENCH_FLEET_SIZE): AWS
 *   calls, writes (must be 0: the bench fails otherwise), state transitions, wall time, peak
 *   member-account calls per second against the configured pacing (scripts/bench-fleet.ts);
 * - on the simulated clock with AWS's documented delays, the time from the Organizations
 *   CreateAccountResult event to the new account's first log file in the central bucket
 *   (scripts/bench-new-account.ts; account readiness BENCH_ACCOUNT_READY_MINUTES, default 3);
 * - a fleet start, `onboard start --all` over N existing accounts in OUs (default 200,
 *   BENCH_FLEET_START_SIZE), interrupted halfway and run again: exactly the in-scope accounts ONBOARDED
 *   and nothing started twice (the bench fails otherwise), wall time, peak open executions, StartExecution
 *   rate, state transitions, shared-policy writes (scripts/bench-fleet-start.ts).
 * The last three run in processes of their own (scripts/bench-child.ts), each with a time limit.
 *
 *   npm run bench                 # everything (burst of 200, fleet of 500)
 *   npm run bench -- --burst 50   # a smaller burst
 *   BENCH_FLEET_SIZE=100 npm run bench
 *   BENCH_FLEET_START_SIZE=2000 npm run bench  # the fleet start over 2,000 accounts (15-20 minutes)
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
import { runChild } from './bench-child';
import { fleetSize, type FleetFigures } from './bench-fleet';
import { fleetStartSize, type FleetStartFigures } from './bench-fleet-start';
import { readinessMinutes, type NewAccountFigures } from './bench-new-account';

const ROOT = path.join(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results.json');

type Definition = {
  StartAt: string;
  States: Record<string, { Type: string; Next?: string; End?: boolean; Default?: string; Choices?: { Next: string }[]; Branches?: Definition[] }>;
};

/**
 * Longest chain of sequential calls through the definition's success path; at a Choice, the state
 * the execution entered next (`entered`), else the default.
 */
function criticalPath(def: Definition, callsOf: (state: string) => number, entered: ReadonlySet<string>): number {
  let total = 0;
  let name: string | undefined = def.StartAt;
  const seen = new Set<string>();
  while (name && !seen.has(name)) {
    seen.add(name);
    const s: Definition['States'][string] = def.States[name];
    if (s.Type === 'Task') total += callsOf(name);
    if (s.Type === 'Parallel') total += Math.max(...s.Branches!.map((b) => criticalPath(b, callsOf, entered)));
    name = s.Type === 'Choice' ? ((s.Choices ?? []).map((c) => c.Next).find((n) => entered.has(n)) ?? s.Default) : s.End ? undefined : s.Next;
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
        sequentialRoundTripsOnCriticalPath: criticalPath(
          def,
          (state) => perStep[state] ?? 0,
          new Set(r.history.filter((h) => h.type === 'StateEntered' && h.state).map((h) => h.state!)),
        ),
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

/** A child's figures, or why there are none. */
type Outcome<T> = { ok: true; figures: T } | { ok: false; error: string };

async function child<T>(script: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<Outcome<T>> {
  try {
    return { ok: true, figures: await runChild<T>(script, timeoutMs, env) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

const thousands = (n: number) => n.toLocaleString('en-US');
const listed = (rec: Record<string, number>) =>
  Object.entries(rec)
    .map(([k, v]) => `${k} ${thousands(v)}`)
    .join(', ');

/** The fleet reconcile's section of the report, and its defects (writes, changes, failed runs). */
function fleetReport(o: Outcome<FleetFigures>, size: number): { text: string; defects: string[] } {
  if (!o.ok) return { text: `\nFleet reconcile of ${size} onboarded accounts: NOT MEASURED: ${o.error}`, defects: [`the fleet reconcile was not measured: ${o.error}`] };
  const f = o.figures;
  const c = f.awsCalls;
  const m = f.memberCallsPerSecond;
  const perRun = f.memberCallsPerRun;
  const rate = f.config.maxStartsPerSecond;
  const notSucceeded = f.sweep.runs - (f.sweep.runsByStatus.SUCCEEDED ?? 0);
  const defects = [
    ...(f.awsWrites.length ? [`the fleet reconcile with no drift made ${f.awsWrites.length} AWS write calls: ${f.awsWrites.slice(0, 10).join('; ')}`] : []),
    ...(f.snapshotUnchanged ? [] : ['the fleet reconcile with no drift changed the world (snapshot before != after)']),
    ...(notSucceeded || f.sweep.runs !== f.accounts ? [`reconcile runs: ${f.sweep.runs} for ${f.accounts} accounts, ${listed(f.sweep.runsByStatus)}`] : []),
    ...(m.peakAnyOneSecondInterval > m.ceiling ? [`member-account calls per second peaked at ${m.peakAnyOneSecondInterval}, above maxConcurrent x calls per run (${m.ceiling})`] : []),
  ];
  const text = `
Fleet reconcile: ${f.accounts} onboarded accounts, no drift (driftResponse ${f.config.driftResponse}; a process of its own)
  set-up: ${f.onboarding.succeeded}/${f.accounts} onboarded at once in ${f.onboarding.wallSeconds} s
  sweep: wall time ${f.sweep.wallSeconds} s; ${f.sweep.invocations} ReconcileFleet invocation${f.sweep.invocations === 1 ? '' : 's'} (${f.sweep.outcomes.join(', ')}: 120 s each locally, the next one start interval later; in AWS 900 s, continued every 5 minutes)
    ${f.sweep.started} runs started, ${listed(f.sweep.runsByStatus)}; ${runSeconds(f)}; every function's sessions assumed afresh (a daily sweep finds the onboarding's expired)
  AWS calls: ${thousands(c.total)} = simulated AWS ${thousands(c.simulatedAws)} (${listed(c.byService)}) + Step Functions API ${thousands(c.stepFunctionsApi)} (${listed(c.stepFunctionsByOperation)})
    by target account: members ${thousands(c.byTarget.memberAccounts)}, log archive ${thousands(c.byTarget.logArchive)}, orchestrator ${thousands(c.byTarget.orchestrator)}${c.byTarget.other ? `, other ${thousands(c.byTarget.other)}` : ''}${Object.keys(c.errors).length ? `; errors: ${listed(c.errors)}` : ''}
  AWS writes (status table left out): ${f.awsWrites.length}${f.awsWrites.length ? ` <-- DEFECT: ${f.awsWrites.slice(0, 5).join('; ')}` : ''}; status-table writes ${f.statusTableWrites}; world snapshot unchanged: ${f.snapshotUnchanged ? 'yes' : 'NO <-- DEFECT'}
  state transitions: ${thousands(f.stateTransitions)} (${f.stateTransitionsPerRun} per run)
  member-account calls per second: peak ${m.peak} in 1-second windows from the sweep's start, ${m.peakAnyOneSecondInterval} in the busiest sliding second, against the cap ${m.oneSecondCap}/s${m.peakAnyOneSecondInterval > m.oneSecondCap ? ' <-- ABOVE THE CAP' : ''}; average ${m.average}/s against ${m.sustainedCap}/s sustained; one account at most ${m.peakSingleAccount} in a second
    the cap, derived: the configuration bounds run starts (fleetReconcile.maxStartsPerSecond ${rate}) and open runs (maxConcurrent ${f.config.maxConcurrent}), not calls; a run calls only its own member account, ${perRun.min === perRun.max ? perRun.max : `${perRun.min}-${perRun.max}`} times;
    calls in one second come from runs started within that second plus the longest run (${f.sweep.runSeconds.max} s), starts ${1 / rate} s apart: at most ${m.runsInOneSecond} runs x ${perRun.max} = ${m.oneSecondCap}/s;
    sustained ${rate} runs/s x ${perRun.max} = ${m.sustainedCap}/s; never more than maxConcurrent x ${perRun.max} = ${m.ceiling}/s (every open run making all its calls in the same second)
  log-archive account: peak ${f.logArchiveCallsPerSecond.peak} calls/s (${f.logArchiveCallsPerSecond.perRun} per run: the shared policies)`;
  return { text, defects };
}

const runSeconds = (f: FleetFigures) => {
  const r = f.sweep.runSeconds;
  return r ? `a run lasts ${r.min}-${r.max} s (median ${r.median})` : '';
};

/** The CreateAccountResult-to-first-log-file section of the report. */
function newAccountReport(o: Outcome<NewAccountFigures>): { text: string; defects: string[] } {
  if (!o.ok) return { text: `\nCreateAccountResult to the first log file: NOT MEASURED: ${o.error}`, defects: [`CreateAccountResult to the first log file was not measured: ${o.error}`] };
  const f = o.figures;
  const retries = f.retries.map((r) => `${r.state} ${r.error} x${r.attempts} (${r.waitedMinutes} min)`).join(', ') || 'none';
  const text = `
CreateAccountResult to the first log file of the new account (simulated clock, AWS's documented delays)
  ${f.minutes.firstLogFile} min in all: event -> onboarding done (ONBOARDED) ${f.breakdown.eventToOnboarded} min, onboarding done -> first log file ${f.breakdown.onboardedToFirstLogFile} min
  account ${f.accountId} assumed ready ${f.assumedReadinessMinutes} min after the event (AWS: "a few minutes"; BENCH_ACCOUNT_READY_MINUTES): ${f.refusedAssumeRoles} AssumeRole refused; retries at the definition's intervals without jitter: ${retries}
  StartLogging at ${f.minutes.startLogging} min; CloudTrail's first log file ~5 min later (then every ~5 min): ${f.firstLogFile.bucket}/${f.firstLogFile.key}
  not counted: EventBridge's delivery of the event, the Lambda functions' run time`;
  return { text, defects: [] };
}

/** The fleet start's section of the report, and its defects (an account not onboarded or started twice). */
function fleetStartReport(o: Outcome<FleetStartFigures>, size: number): { text: string; defects: string[] } {
  if (!o.ok) return { text: `\nFleet start over ${size} existing accounts: NOT MEASURED: ${o.error}`, defects: [`the fleet start was not measured: ${o.error}`] };
  const f = o.figures;
  const text = `
Fleet start: onboard start --all over ${f.accounts.organization} existing accounts in 4 OUs (${f.accounts.excluded} excluded by --exclude <OU>, ${f.accounts.suspended} suspended; a process of its own)
  ${f.onboarded}/${f.accounts.inScope} in-scope accounts ONBOARDED; runs: ${f.runs.map((r) => `${r.started} started in ${r.wallSeconds} s (exit ${r.exitCode}${r.interrupted ? ', interrupted halfway' : ''})`).join(', then ')}; wall time ${f.wallSeconds} s
  pacing maxStartsPerSecond ${f.config.maxStartsPerSecond}, maxConcurrent ${f.config.maxConcurrent}: peak ${f.peakOpenExecutions} open executions; StartExecution ${f.startExecution.calls} calls, peak ${f.startExecution.peakPerSecond}/s, mean ${f.startExecution.meanPerSecond}/s
  ${f.stateTransitions} state transitions (${f.stateTransitionsPerOnboarding} per onboarding); shared-policy writes: PutBucketPolicy ${f.writesPerSharedPolicy.PutBucketPolicy}, PutKeyPolicy ${f.writesPerSharedPolicy.PutKeyPolicy}; started twice: ${f.startedTwice.length}`;
  return { text, defects: [...f.defects] };
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { values } = parseArgs({ options: { burst: { type: 'string', default: '200' } } });
  const burstSize = Number(values.burst);
  if (!Number.isInteger(burstSize) || burstSize < 1) throw new Error(`--burst must be a positive whole number (received ${values.burst})`);
  const fleetN = fleetSize();
  readinessMinutes();
  // The children's environment: this process's before the local service adds its own to it.
  const childEnv = { ...process.env };

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
  console.log(`measuring a fleet reconcile of ${fleetN} onboarded accounts (a process of its own; pacing per config, some minutes)...`);
  const fleet = await child<FleetFigures>('bench-fleet.ts', 600_000 + fleetN * 4_000, childEnv);
  console.log('measuring CreateAccountResult to the first log file on the simulated clock...');
  const newAccount = await child<NewAccountFigures>('bench-new-account.ts', 600_000, childEnv);
  const fleetStartN = fleetStartSize();
  console.log(`measuring a fleet start (onboard start --all) over ${fleetStartN} existing accounts, interrupted halfway and run again (a process of its own, minutes)...`);
  const fleetStart = await child<FleetStartFigures>('bench-fleet-start.ts', 300_000 + fleetStartN * 1_000, childEnv);

  const results = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    onboarding: one,
    burst: b,
    bundles: bundleFigures,
    fleetReconcile: fleet.ok ? fleet.figures : { error: fleet.error },
    createAccountToFirstLogFile: newAccount.ok ? newAccount.figures : { error: newAccount.error },
    fleetStart: fleetStart.ok ? fleetStart.figures : { error: fleetStart.error },
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
  const fleetSection = fleetReport(fleet, fleetN);
  const newAccountSection = newAccountReport(newAccount);
  const fleetStartSection = fleetStartReport(fleetStart, fleetStartN);
  console.log(fleetSection.text + '\n' + newAccountSection.text + '\n' + fleetStartSection.text);
  if (r.writeCalls !== 0) {
    console.error('A re-run made write calls: that is a defect.');
    process.exitCode = 1;
  }
  for (const d of [...fleetSection.defects, ...newAccountSection.defects, ...fleetStartSection.defects]) {
    console.error(`\nBENCH FAILED: ${d}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
