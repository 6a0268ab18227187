/**
 * `npm run bench`: the service's figures, measured on the local simulation with the real state
 * machine definition and handlers, printed and written to bench/results.json.
 *
 * - per onboarding, in both trail modes side by side (`trailMode` `account` and `organization`; each
 *   mode in a process of its own, scripts/bench-onboarding.ts): AWS calls (and writes, by service, by
 *   step) of a fresh onboarding, of a second account's fresh onboarding (what each further account
 *   costs) and of a re-run of an onboarded account (writes: 0, the bench fails otherwise); state
 *   transitions (what Step Functions bills); sequential AWS round trips on the critical path (per
 *   step its longest chain of requests each sent after the previous one's answer, summed along
 *   sequences and maxed across Parallel branches of the definition), and the calls on it. The
 *   organization-mode world starts without trusted access for CloudTrail: its fresh onboarding pays the
 *   one-time set-up (trusted access, the organization trail);
 * - a burst of N onboardings at once (default 200), in both trail modes from a world where nothing is
 *   set up (scripts/bench-burst.ts): wall time, bucket- and key-policy writes, CreateTrail calls and the
 *   trails that result (one per account; one organization trail, created once: the bench fails
 *   otherwise);
 * - per offboarding of an onboarded account (`{"accountId", "action": "offboard", "reason"}`), in both
 *   trail modes (scripts/bench-offboarding.ts, a process per mode and part): the per-onboarding
 *   figures of the offboarding and of its re-run (no AWS write: the bench fails otherwise), and a mixed
 *   burst, N offboardings and N onboardings at once (default 50, BENCH_OFFBOARDING_BURST_SIZE): wall
 *   time, bucket- and key-policy writes, and both policies granting exactly the onboarded set
 *   afterwards (the bench fails otherwise);
 * - each step function's bundle size and cold module-load time, against an unoptimized bundle of the
 *   same entry (no minification, CommonJS builds of the dependencies), loads alternating, and whether
 *   issue 15's target holds (at most 500 KB, at most half the unoptimized load; printed, not enforced);
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
 * The last three are account mode's (config/onboarding.sample.json as it is). Everything but the
 * bundles runs in processes of its own (scripts/bench-child.ts), each with a time limit.
 *
 *   npm run bench                 # everything (burst of 200, fleet of 500)
 *   npm run bench -- --burst 50   # a smaller burst (in each mode)
 *   BENCH_FLEET_SIZE=100 npm run bench
 *   BENCH_FLEET_START_SIZE=2000 npm run bench  # the fleet start over 2,000 accounts (15-20 minutes)
 *   BENCH_OFFBOARDING_BURST_SIZE=100 npm run bench  # 100 offboardings and 100 onboardings at once
 */
import '../local/polyfills';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { parseArgs } from 'node:util';
import { CONFIG_ENV } from '../handlers/shared/config';
import { deployedEsbuildOptions } from '../infra/bundling';
import { loadAppConfig, runtimeConfigOf } from '../infra/config';
import { STEPS, type StepName } from '../statemachine/steps';
import type { BurstFigures } from './bench-burst';
import { runChild } from './bench-child';
import { fleetSize, type FleetFigures } from './bench-fleet';
import { fleetStartSize, type FleetStartFigures } from './bench-fleet-start';
import { readinessMinutes, type NewAccountFigures } from './bench-new-account';
import { offboardingBurstSize, type OffboardingBurstFigures, type OffboardingFigures, type OffboardingPart } from './bench-offboarding';
import { TRAIL_MODES, type OnboardingFigures, type RunFigures, type TrailMode } from './bench-onboarding';

const ROOT = path.join(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results.json');

/**
 * Median module-load time of each bundle, each load in a fresh Node process (a cold start's init).
 * The bundles' loads alternate (a, b, a, b, ...), so that the machine's load at the time weighs on
 * each alike: the figures of one run are compared side by side.
 */
function coldLoadsMs(files: readonly string[], env: NodeJS.ProcessEnv, runs = 9): number[] {
  const times = files.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    files.forEach((file, j) => {
      const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
      times[j].push(Number(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' })));
    });
  }
  return times.map((t) => Number(t.sort((a, b) => a - b)[Math.floor(runs / 2)].toFixed(1)));
}

/** Issue 15's targets for a step function's bundle: its size, and its load time against the unoptimized bundle of the same entry. */
export const BUNDLE_TARGET = { maxBytes: 500 * 1024, maxLoadRatio: 0.5 } as const;

/** One bundle's figures. */
interface BundleVariant {
  readonly bytes: number;
  readonly coldLoadMs: number;
}

/** One step function's bundles, side by side. */
export interface StepBundleFigures {
  /** The deployed settings (infra/bundling.ts LAMBDA_BUNDLING), with the bundle's largest packages (esbuild metafile). */
  readonly optimized: BundleVariant & { readonly largestKb: Record<string, number> };
  readonly unoptimized: BundleVariant;
  /** optimized.coldLoadMs / unoptimized.coldLoadMs. */
  readonly loadRatio: number;
  readonly withinTarget: { readonly bytes: boolean; readonly load: boolean };
}

/** The bytes each package (or, for our code, each top folder) contributes to a bundle, largest first. */
function largestKb(metafile: Metafile, n = 8): Record<string, number> {
  const by = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
      by.set(pkg, (by.get(pkg) ?? 0) + input.bytesInOutput);
    }
  }
  return Object.fromEntries([...by].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, Math.round(v / 1024)]));
}

/**
 * Bundle size and cold load time of every step function, from its entry (handlers/<step>/index.ts):
 * with the deployed settings (LAMBDA_BUNDLING: minified, the packages' ES module builds so esbuild can
 * tree-shake them) against an unoptimized bundle of the same entry (not minified, the packages'
 * CommonJS builds). Both bundle the AWS SDK, as the deployed functions do.
 */
export async function bundles(): Promise<Record<string, StepBundleFigures>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'onboard-bench-'));
  const config = loadAppConfig(path.join(ROOT, 'config', 'onboarding.sample.json'));
  const env = {
    ...process.env,
    [CONFIG_ENV]: JSON.stringify(runtimeConfigOf(config, 'bench-table')),
    AWS_REGION: config.homeRegion,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const common = { logLevel: 'error', metafile: true } as const;
  const deployed = deployedEsbuildOptions(ROOT);
  const variants = {
    optimized: deployed,
    unoptimized: { ...deployed, minify: false, mainFields: ['main', 'module'], alias: {} },
  };
  try {
    const out: Record<string, StepBundleFigures> = {};
    for (const step of Object.keys(STEPS) as StepName[]) {
      const entry = path.join(ROOT, 'handlers', STEPS[step], 'index.ts');
      const file = (name: string) => path.join(dir, `${step}-${name}.js`);
      const built = await build({ entryPoints: [entry], outfile: file('optimized'), ...common, ...variants.optimized });
      await build({ entryPoints: [entry], outfile: file('unoptimized'), ...common, ...variants.unoptimized });
      const [optimizedMs, unoptimizedMs] = coldLoadsMs([file('optimized'), file('unoptimized')], env);
      const optimized = { bytes: statSync(file('optimized')).size, coldLoadMs: optimizedMs, largestKb: largestKb(built.metafile!) };
      const loadRatio = Number((optimizedMs / unoptimizedMs).toFixed(3));
      out[step] = {
        optimized,
        unoptimized: { bytes: statSync(file('unoptimized')).size, coldLoadMs: unoptimizedMs },
        loadRatio,
        withinTarget: { bytes: optimized.bytes <= BUNDLE_TARGET.maxBytes, load: loadRatio <= BUNDLE_TARGET.maxLoadRatio },
      };
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;

/** The bundles' table: per step both bundles, the load ratio, and whether issue 15's targets hold (a figure, not a defect). */
export function bundleReport(figures: Record<string, StepBundleFigures>): string {
  const pct = (r: number) => `${Math.round(r * 100)} %`;
  const rows = Object.entries(figures).map(([step, f]) => {
    const over = [...(f.withinTarget.bytes ? [] : ['size']), ...(f.withinTarget.load ? [] : ['load'])];
    return `${columns(step, 24, 10, [kb(f.optimized.bytes), `${f.optimized.coldLoadMs} ms`, kb(f.unoptimized.bytes), `${f.unoptimized.coldLoadMs} ms`, pct(f.loadRatio)])}  ${over.length ? `over (${over.join(', ')})` : 'met'}`;
  });
  const met = Object.values(figures).filter((f) => f.withinTarget.bytes && f.withinTarget.load).length;
  return [
    '',
    `Bundles of the step functions (deployed settings vs unoptimized, same entry; target <= ${kb(BUNDLE_TARGET.maxBytes)} and <= ${pct(BUNDLE_TARGET.maxLoadRatio)} of the unoptimized load)`,
    `${columns('', 24, 10, ['size', 'load', 'unoptim.', 'load', 'ratio'])}  target`,
    ...rows,
    `  target met by ${met} of ${Object.keys(figures).length} step functions`,
  ].join('\n');
}

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

/** A row of fixed-width columns: the label, then each value right-aligned (`-` for none). */
/** A re-run must write nothing, the status table included: the defect when it did. */
function rerunWriteDefects(mode: string, what: string, rerun: RunFigures): string[] {
  if (rerun.writeCalls === 0) return [];
  return [`${mode} mode: ${what} made ${rerun.writeCalls} write call${rerun.writeCalls === 1 ? '' : 's'} (${rerun.awsWrites.join(', ') || 'status table'}); it must make none`];
}

/** A table with one column per run: its label width, column width, a row of one figure, and a breakdown (one row per key). */
function runTable(runs: readonly RunFigures[]) {
  const W = 34;
  const C = 10;
  const row = (label: string, value: (r: RunFigures) => number | undefined) => columns(label, W, C, runs.map(value));
  const keysOf = (pick: (r: RunFigures) => Record<string, number>) => [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort();
  const breakdown = (title: string, pick: (r: RunFigures) => Record<string, number>) => [`  ${title}`, ...keysOf(pick).map((k) => row(`  ${k}`, (r) => pick(r)[k]))];
  return { W, C, row, breakdown };
}

function columns(label: string, labelWidth: number, width: number, values: readonly (string | number | undefined)[]): string {
  return `  ${label.padEnd(labelWidth)}${values.map((v) => String(v === undefined ? '-' : typeof v === 'number' ? thousands(v) : v).padStart(width)).join('')}`;
}

/** The runs of one mode's per-onboarding figures, as the table shows them. */
const RUNS = [
  ['fresh', 'fresh'],
  ['secondAccount', '2nd acct'],
  ['rerun', 're-run'],
] as const satisfies readonly (readonly [keyof OnboardingFigures, string])[];

/** The modes a child measured, and the report's lines and defects for those it did not. */
function measuredModes<T>(outcomes: Record<TrailMode, Outcome<T>>, what: string): { measured: [TrailMode, T][]; lines: string[]; defects: string[] } {
  const measured: [TrailMode, T][] = [];
  const lines: string[] = [];
  const defects: string[] = [];
  for (const mode of TRAIL_MODES) {
    const o = outcomes[mode];
    if (o.ok) measured.push([mode, o.figures]);
    else {
      lines.push(`  ${mode} mode: NOT MEASURED: ${o.error}`);
      defects.push(`${what} in ${mode} mode: not measured: ${o.error}`);
    }
  }
  return { measured, lines, defects };
}

/**
 * The per-onboarding section: fresh, second account and re-run of each trail mode side by side, and
 * its defects (a re-run that wrote, a mode not measured).
 */
export function onboardingReport(outcomes: Record<TrailMode, Outcome<OnboardingFigures>>): { text: string; defects: string[] } {
  const { measured, lines, defects } = measuredModes(outcomes, 'the per-onboarding figures');
  for (const [mode, f] of measured) {
    defects.push(...rerunWriteDefects(mode, 'the re-run of an onboarded account', f.rerun));
  }
  const { W, C, row, breakdown } = runTable(measured.flatMap(([, f]) => RUNS.map(([key]) => f[key] as RunFigures)));
  const text = [
    '',
    'Per onboarding, by trail mode (local simulation, real definition and handlers; config/onboarding.sample.json with trailMode account | organization, each mode a process of its own)',
    ...measured.map(([mode, f]) => `  ${mode} mode starts from ${f.startingPoint}`),
    ...lines,
    '  fresh: the first account; 2nd acct: the next account once the first is onboarded (what each further account costs); re-run: the first account again',
    `  ${''.padEnd(W)}${measured.map(([mode]) => `${mode} mode`.padStart(C * RUNS.length)).join('')}`,
    columns('', W, C, measured.flatMap(() => RUNS.map(([, label]) => label))),
    row('AWS calls (status table included)', (r) => r.awsCalls),
    row('write calls', (r) => r.writeCalls),
    row('state transitions', (r) => r.stateTransitions),
    row('retries', (r) => r.retries),
    row('sequential round trips, critical', (r) => r.sequentialRoundTripsOnCriticalPath),
    row('calls on the critical path', (r) => r.callsOnCriticalPath),
    ...breakdown('calls by service', (r) => r.byService),
    ...breakdown('calls by step', (r) => r.byStep),
    ...measured.map(([mode, f]) => `  ${mode} mode, fresh, writes outside the status table: ${f.fresh.awsWrites.join(', ')}`),
  ].join('\n');
  return { text, defects };
}

/** The burst's section: each trail mode side by side, and its defects (bench-burst.ts). */
export function burstReport(outcomes: Record<TrailMode, Outcome<BurstFigures>>, size: number): { text: string; defects: string[] } {
  const { measured, lines, defects } = measuredModes(outcomes, `the burst of ${size}`);
  for (const [, f] of measured) defects.push(...f.defects);
  const W = 44;
  const C = 24;
  const row = (label: string, value: (f: BurstFigures) => string | number) => columns(label, W, C, measured.map(([, f]) => value(f)));
  const refusals = [...new Set(measured.flatMap(([, f]) => Object.keys(f.createTrail.errors)))].sort();
  const text = [
    '',
    `Burst: ${size} onboardings at once, by trail mode (each from a world where nothing is set up, a process of its own)`,
    ...lines,
    `  ${''.padEnd(W)}${measured.map(([mode]) => `${mode} mode`.padStart(C)).join('')}`,
    row('SUCCEEDED', (f) => `${f.succeeded}/${f.accounts}`),
    row('wall time', (f) => `${f.wallSeconds} s`),
    row('PutBucketPolicy', (f) => f.bucketPolicyWrites),
    row('PutKeyPolicy', (f) => f.keyPolicyWrites),
    row('CreateTrail calls', (f) => f.createTrail.calls),
    row('  created', (f) => f.createTrail.succeeded),
    ...refusals.map((e) => row(`  refused: ${e}`, (f) => f.createTrail.errors[e] ?? 0)),
    row("the service's trails after", (f) => (f.trailMode === 'account' ? `${f.trails} (one per account)` : `${f.trails} organization trail${f.trails === 1 ? '' : 's'}`)),
    row('EnableAWSServiceAccess calls', (f) => f.enableServiceAccessCalls),
    row('retries (StateRetried)', (f) => f.retries),
    row('AWS calls', (f) => f.awsCalls),
  ].join('\n');
  return { text, defects };
}

/**
 * The per-offboarding section: the offboarding and its re-run in each trail mode side by side, and
 * its defects (a re-run that wrote to AWS, a mode not measured).
 */
export function offboardingReport(outcomes: Record<TrailMode, Outcome<OffboardingFigures>>): { text: string; defects: string[] } {
  const { measured, lines, defects } = measuredModes(outcomes, 'the per-offboarding figures');
  for (const [mode, f] of measured) {
    defects.push(...rerunWriteDefects(mode, 'the re-run of an offboarding', f.rerun));
  }
  const { W, C, row, breakdown } = runTable(measured.flatMap(([, f]) => [f.offboarding, f.rerun]));
  const text = [
    '',
    'Per offboarding of an onboarded account, by trail mode (the same world and configuration as the onboardings; each mode a process of its own)',
    ...measured.map(([mode, f]) => `  ${mode} mode starts from ${f.startingPoint}; the first leaves, the second stays; other executions started meanwhile: ${f.otherExecutions}`),
    ...lines,
    `  ${''.padEnd(W)}${measured.map(([mode]) => `${mode} mode`.padStart(C * 2)).join('')}`,
    columns('', W, C, measured.flatMap(() => ['offboard', 're-run'])),
    row('AWS calls (status table included)', (r) => r.awsCalls),
    row('write calls', (r) => r.writeCalls),
    row('  to AWS (status table left out)', (r) => r.awsWrites.length),
    row('state transitions', (r) => r.stateTransitions),
    row('retries', (r) => r.retries),
    row('sequential round trips, critical', (r) => r.sequentialRoundTripsOnCriticalPath),
    row('calls on the critical path', (r) => r.callsOnCriticalPath),
    ...breakdown('calls by service', (r) => r.byService),
    ...breakdown('calls by step', (r) => r.byStep),
    ...measured.map(([mode, f]) => `  ${mode} mode, offboarding, writes outside the status table: ${f.offboarding.awsWrites.join(', ')}`),
  ].join('\n');
  return { text, defects };
}

/** The mixed burst's section: N offboardings and N onboardings at once, each trail mode side by side. */
export function offboardingBurstReport(outcomes: Record<TrailMode, Outcome<OffboardingBurstFigures>>, size: number): { text: string; defects: string[] } {
  const { measured, lines, defects } = measuredModes(outcomes, `the burst of ${size} offboardings and ${size} onboardings`);
  for (const [, f] of measured) defects.push(...f.defects);
  const W = 44;
  const C = 24;
  const row = (label: string, value: (f: OffboardingBurstFigures) => string | number) => columns(label, W, C, measured.map(([, f]) => value(f)));
  const exact = (f: OffboardingBurstFigures) => f.granted.bucket === f.granted.expected && f.granted.key === f.granted.expected && f.defects.length === 0;
  const text = [
    '',
    `Mixed burst: ${size} offboardings of onboarded accounts and ${size} onboardings of others, all at once, by trail mode (a process each)`,
    ...lines,
    `  ${''.padEnd(W)}${measured.map(([mode]) => `${mode} mode`.padStart(C)).join('')}`,
    row('offboardings SUCCEEDED', (f) => `${f.succeeded.offboardings}/${f.each}`),
    row('onboardings SUCCEEDED', (f) => `${f.succeeded.onboardings}/${f.each}`),
    row('wall time', (f) => `${f.wallSeconds} s`),
    row('PutBucketPolicy', (f) => f.bucketPolicyWrites),
    row('PutKeyPolicy', (f) => f.keyPolicyWrites),
    row('accounts the bucket policy names', (f) => `${f.granted.bucket} (expected ${f.granted.expected})`),
    row('accounts the key policy names', (f) => `${f.granted.key} (expected ${f.granted.expected})`),
    row('exactly the onboarded set', (f) => (exact(f) ? 'yes' : 'NO <-- DEFECT')),
    row('retries (StateRetried)', (f) => f.retries),
    row('AWS calls', (f) => f.awsCalls),
    row('other executions started', (f) => f.otherExecutions),
    '  expected: account mode, the joining accounts; organization mode, only the organization trail\'s owner (the management account, its aws:SourceAccount), the trail still delivering',
  ].join('\n');
  return { text, defects };
}

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

/** Runs a child once per trail mode, one after the other (each mode needs a process of its own). */
async function perMode<T>(script: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<Record<TrailMode, Outcome<T>>> {
  const out = {} as Record<TrailMode, Outcome<T>>;
  for (const mode of TRAIL_MODES) out[mode] = await child<T>(script, timeoutMs, { ...env, BENCH_TRAIL_MODE: mode });
  return out;
}

/** Runs a part of scripts/bench-offboarding.ts once per trail mode. */
const offboardingPart = <T>(part: OffboardingPart, timeoutMs: number, env: NodeJS.ProcessEnv) => perMode<T>('bench-offboarding.ts', timeoutMs, { ...env, BENCH_OFFBOARDING_PART: part });

/** A per-mode outcome as bench/results.json holds it: the figures, or the error. */
const resultsOf = <T>(outcomes: Record<TrailMode, Outcome<T>>) =>
  Object.fromEntries(TRAIL_MODES.map((mode) => [mode, outcomes[mode].ok ? outcomes[mode].figures : { error: outcomes[mode].error }])) as Record<TrailMode, T | { error: string }>;

async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { values } = parseArgs({ options: { burst: { type: 'string', default: '200' } } });
  const burstSize = Number(values.burst);
  if (!Number.isInteger(burstSize) || burstSize < 1) throw new Error(`--burst must be a positive whole number (received ${values.burst})`);
  const fleetN = fleetSize();
  readinessMinutes();
  const offboardingN = offboardingBurstSize();
  const childEnv = { ...process.env };

  console.log(`measuring one onboarding, a second account's and a re-run, in each trail mode (${TRAIL_MODES.join(', ')}; a process each)...`);
  const onboarding = await perMode<OnboardingFigures>('bench-onboarding.ts', 300_000, childEnv);
  console.log(`measuring a burst of ${burstSize} onboardings in each trail mode (a process each)...`);
  const burst = await perMode<BurstFigures>('bench-burst.ts', 300_000 + burstSize * 2_000, { ...childEnv, BENCH_BURST_SIZE: String(burstSize) });
  console.log('measuring one offboarding of an onboarded account and its re-run, in each trail mode (a process each)...');
  const offboarding = await offboardingPart<OffboardingFigures>('runs', 300_000, childEnv);
  console.log(`measuring ${offboardingN} offboardings and ${offboardingN} onboardings at once, in each trail mode (a process each)...`);
  const offboardingBurst = await offboardingPart<OffboardingBurstFigures>('burst', 300_000 + offboardingN * 8_000, childEnv);
  console.log('bundling the step functions...');
  const bundleFigures = await bundles();
  console.log(`measuring a fleet reconcile of ${fleetN} onboarded accounts (a process of its own; pacing per config, some minutes)...`);
  const fleet = await child<FleetFigures>('bench-fleet.ts', 600_000 + fleetN * 4_000, childEnv);
  console.log('measuring CreateAccountResult to the first log file on the simulated clock...');
  const newAccount = await child<NewAccountFigures>('bench-new-account.ts', 600_000, childEnv);
  const fleetStartN = fleetStartSize();
  console.log(`measuring a fleet start (onboard start --all) over ${fleetStartN} existing accounts, interrupted halfway and run again (a process of its own, minutes)...`);
  const fleetStart = await child<FleetStartFigures>('bench-fleet-start.ts', 300_000 + fleetStartN * 1_000, childEnv);

  // onboarding, burst and offboarding's parts: one key per trail mode; the fleet figures are account mode's.
  const results = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    onboarding: resultsOf(onboarding),
    burst: resultsOf(burst),
    offboarding: { runs: resultsOf(offboarding), burst: resultsOf(offboardingBurst) },
    bundles: bundleFigures,
    fleetReconcile: fleet.ok ? fleet.figures : { error: fleet.error },
    createAccountToFirstLogFile: newAccount.ok ? newAccount.figures : { error: newAccount.error },
    fleetStart: fleetStart.ok ? fleetStart.figures : { error: fleetStart.error },
  };
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');

  const sections = [
    onboardingReport(onboarding),
    burstReport(burst, burstSize),
    offboardingReport(offboarding),
    offboardingBurstReport(offboardingBurst, offboardingN),
    { text: `${bundleReport(bundleFigures)}\n\nWritten to ${path.relative(process.cwd(), RESULTS)}`, defects: [] },
    fleetReport(fleet, fleetN),
    newAccountReport(newAccount),
    fleetStartReport(fleetStart, fleetStartN),
  ];
  console.log(sections.map((s) => s.text).join('\n'));
  for (const d of sections.flatMap((s) => s.defects)) {
    console.error(`\nBENCH FAILED: ${d}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
