/**
 * Benchmark child (run by scripts/bench.ts; alone: `npx tsx scripts/bench-fleet-start.ts`): the fleet
 * start (issue 11, "Must show"): an organization of N existing accounts in a few OUs (N =
 * BENCH_FLEET_START_SIZE, default 200), some excluded, some suspended, onboarded with the CLI's code path
 * (cli/fleet-start.ts `runFleetStart`, i.e. `onboard start --all --exclude <ou> --json`), with reader access
 * through the shared role (`readerAccess.mode: shared`; BENCH_FLEET_START_READER_ACCESS=per-account for
 * one role per account, which IAM's role quota stops at about 1,000 accounts).
 *
 * 1. The first run is interrupted halfway (the signal Ctrl-C sets, aborted after half the expected starts);
 *    what it started runs to its end, as the local session's close does.
 * 2. The same command again starts the rest.
 * 3. The bench FAILS unless exactly the in-scope, ACTIVE accounts end ONBOARDED, every other account has no
 *    execution, and no execution name was given to a successful StartExecution twice (nothing started twice).
 *
 * Pacing: `fleetStart` of the configuration with maxStartsPerSecond = BENCH_FLEET_START_RATE (default 20) and
 * maxConcurrent = BENCH_FLEET_START_CONCURRENCY (default 40): the defaults (2 per second, 20 open) would make
 * 2,000 accounts a 17-minute bench; the figures say how the rate scales. Measured: wall time of each run,
 * peak open executions (RUNNING, sampled at every start), StartExecution calls per second (peak in a 1-second
 * window, mean over the starting), state transitions of the onboardings (StateEntered events), and writes per
 * shared policy (PutBucketPolicy, PutKeyPolicy).
 */
import '../local/polyfills';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { runFleetStart, type FleetStartReport } from '../cli/fleet-start';
import type { Backend } from '../cli/context';
import { StatusStore } from '../handlers/adapters/status-store';
import { createClient } from '../handlers/shared/clients';
import { loadRuntimeConfig } from '../handlers/shared/config';
import { createStartDeps, STATE_MACHINE_ARN_ENV } from '../handlers/start';
import { loadAppConfig } from '../infra/config';
import { LocalStepFunctions } from '../local/runner';
import { memberAccountSpecs } from '../local/sim/accounts';
import { createDemoWorld, DEMO } from '../local/sim/demo-world';
import { childMain, within } from './bench-child';

const ROOT = path.join(__dirname, '..');
const OUS = { workloads: 'ou-a1b2-workload', prod: 'ou-a1b2-prod0001', dev: 'ou-a1b2-dev00001', sandbox: 'ou-a1b2-sandbox1' } as const;

function positive(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name] ?? String(fallback);
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (received ${raw})`);
  return n;
}

/**
 * The organization's size: BENCH_FLEET_START_SIZE, default 200 (about a minute here); 2,000 take about
 * 15-20 minutes in the simulation (README "Figures").
 */
export const fleetStartSize = (env: NodeJS.ProcessEnv = process.env): number => Math.round(positive('BENCH_FLEET_START_SIZE', 200, env));

/** The fleet start's figures (bench/results.json `fleetStart`). */
export interface FleetStartFigures {
  readonly accounts: { readonly organization: number; readonly inScope: number; readonly excluded: number; readonly suspended: number };
  readonly config: { readonly maxStartsPerSecond: number; readonly maxConcurrent: number; readonly readerAccess: string };
  readonly runs: readonly { readonly wallSeconds: number; readonly started: number; readonly exitCode: number; readonly interrupted: boolean }[];
  readonly wallSeconds: number;
  readonly onboarded: number;
  readonly peakOpenExecutions: number;
  readonly startExecution: { readonly calls: number; readonly peakPerSecond: number; readonly meanPerSecond: number };
  readonly stateTransitions: number;
  readonly stateTransitionsPerOnboarding: number;
  readonly writesPerSharedPolicy: { readonly PutBucketPolicy: number; readonly PutKeyPolicy: number };
  /** Execution names given to more than one successful StartExecution (must be empty). */
  readonly startedTwice: readonly string[];
  /** What went wrong (must be empty). */
  readonly defects: readonly string[];
}

export async function measureFleetStart(n = fleetStartSize()): Promise<FleetStartFigures> {
  const rate = positive('BENCH_FLEET_START_RATE', 20);
  const concurrency = Math.round(positive('BENCH_FLEET_START_CONCURRENCY', 40));
  // The organization: N accounts in three OUs under Workloads and a sandbox OU the run excludes; 1 in 50 suspended.
  const world = createDemoWorld();
  const o = world.organizations;
  o.createOrganizationalUnit('r-a1b2', 'Workloads', OUS.workloads);
  o.createOrganizationalUnit(OUS.workloads, 'Prod', OUS.prod);
  o.createOrganizationalUnit(OUS.workloads, 'Dev', OUS.dev);
  o.createOrganizationalUnit('r-a1b2', 'Sandbox', OUS.sandbox);
  const specs = memberAccountSpecs(n, { firstId: '600000000000', parentIds: [OUS.prod, OUS.dev, OUS.workloads, OUS.sandbox] }).map((a, i) => (i % 50 === 7 ? { ...a, state: 'SUSPENDED' as const } : a));
  world.addMemberAccounts(specs);
  for (const a of specs) world.seedMember(a.id);
  const expected = specs.filter((a) => a.parentId !== OUS.sandbox && a.state === 'ACTIVE').map((a) => a.id);
  // The demo's members count too (the security-tooling account has no member-access role: it is excluded).
  const inScope = new Set([...expected, ...DEMO.memberAccountIds]);

  const appConfig = loadAppConfig(path.join(ROOT, 'config', 'onboarding.sample.json'));
  // Reader access through the one shared role: per-account reader roles stop at IAM's role quota of the
  // log-archive account (1,000 by default: the simulation refuses the rest with LimitExceeded, as IAM does).
  const readerAccess = process.env.BENCH_FLEET_START_READER_ACCESS === 'per-account' ? 'per-account' : 'shared';
  const config0 = { ...appConfig, readerAccess: { mode: readerAccess, removePerAccountRoles: false }, fleetStart: { maxConcurrent: concurrency, maxStartsPerSecond: rate } } as typeof appConfig;
  const sfn = await within(LocalStepFunctions.start({ world, config: config0, principalArn: DEMO.operatorPrincipalArn, retryDelayMs: 1 }), 180_000, 'starting the local service');
  try {
    const config = loadRuntimeConfig();
    const stateMachineArn = process.env[STATE_MACHINE_ARN_ENV]!;
    const start = createStartDeps(config, stateMachineArn);
    const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion }), { marshallOptions: { removeUndefinedValues: true } });
    const status = new StatusStore(doc, config.tableName, () => new Date());
    const organizations = createClient(OrganizationsClient, { region: 'us-east-1' });

    // Every start is observed: its time, the executions open at that moment; the first run is interrupted halfway.
    const starts: number[] = [];
    let peakOpen = 0;
    let signal = { aborted: false };
    let first = true;
    const interruptAt = Math.floor(inScope.size / 2);
    const observed = {
      ...start,
      executions: Object.assign(Object.create(Object.getPrototypeOf(start.executions)) as typeof start.executions, start.executions, {
        startExecution: async (name: string, input: string) => {
          const r = await start.executions.startExecution(name, input);
          if (!r.alreadyStarted) {
            starts.push(Date.now());
            peakOpen = Math.max(peakOpen, world.stepFunctions.list().filter((x) => x.status === 'RUNNING').length);
            if (starts.length >= interruptAt && first) signal.aborted = true;
          }
          return r;
        },
      }),
    };
    const backend: Backend = {
      mode: 'local',
      config,
      start: observed,
      status,
      stepDeps: () => {
        throw new Error('not used');
      },
      pollMs: 250,
      running: start.executions,
      organizations: () => organizations,
      close: async () => undefined,
    };
    let transitions = 0;
    const off = sfn.addListener((name, ev) => {
      if (name.startsWith('onboard-') && ev.type === 'StateEntered') transitions += 1;
    });
    world.resetCalls();
    const sfnCallsBefore = world.stepFunctions.calls.length;
    const runs: { wallSeconds: number; started: number; exitCode: number; interrupted: boolean }[] = [];
    const argv = { all: true, exclude: [OUS.sandbox, DEMO.securityToolingAccountId], json: true, wait: true };
    const t0 = performance.now();
    for (const label of ['interrupted halfway', 'run again']) {
      console.error(`  start --all (${label}) over ${n} accounts at ${rate}/s, ${concurrency} open...`);
      const out: string[] = [];
      const r0 = performance.now();
      const code = await within(runFleetStart(backend, [], argv, { out: (s) => out.push(s), err: (s) => console.error(s) }, { signal }), 3_600_000, `start --all (${label})`);
      // What an interrupted run started goes on (the local session's close waits for it, as Step Functions would run it).
      await within(world.stepFunctions.idle(), 1_800_000, 'the onboardings');
      const report = JSON.parse(out.join('\n')) as FleetStartReport;
      runs.push({ wallSeconds: Number(((performance.now() - r0) / 1000).toFixed(1)), started: report.counts.started, exitCode: code, interrupted: report.interrupted });
      console.error(`  ... ${report.counts.started} started, exit ${code}, ${runs.at(-1)!.wallSeconds} s`);
      first = false;
      signal = { aborted: false };
    }
    await within(sfn.drain(), 120_000, 'the last handler invocations');
    const wallSeconds = (performance.now() - t0) / 1000;
    off();

    // The figures, and what must hold.
    const sfnCalls = world.stepFunctions.calls.slice(sfnCallsBefore);
    const okStarts = sfnCalls.filter((c) => c.operation === 'StartExecution' && c.error === undefined).map((c) => String(c.input.name));
    const byName = new Map<string, number>();
    for (const name of okStarts) byName.set(name, (byName.get(name) ?? 0) + 1);
    // A second StartExecution of a running execution (same name and input) starts nothing; one for a name that
    // exists at all here would mean the run did not leave what it had started: both count as "twice".
    const startedTwice = [...byName].filter(([, c]) => c > 1).map(([name]) => name);
    const items = await status.listAccounts({});
    const onboarded = new Set(items.filter((i) => i.status === 'ONBOARDED').map((i) => i.accountId));
    const executions = world.stepFunctions.list();
    const defects: string[] = [];
    const missing = [...inScope].filter((id) => !onboarded.has(id));
    if (missing.length) defects.push(`${missing.length} in-scope accounts are not ONBOARDED, e.g. ${missing.slice(0, 5).join(', ')}`);
    const extra = [...onboarded].filter((id) => !inScope.has(id));
    if (extra.length) defects.push(`${extra.length} accounts out of scope are ONBOARDED, e.g. ${extra.slice(0, 5).join(', ')}`);
    const outOfScopeRuns = executions.filter((x) => !inScope.has(x.name.replace(/^onboard-/, '').replace(/-retry-\d+$/, '')));
    if (outOfScopeRuns.length) defects.push(`${outOfScopeRuns.length} executions of accounts out of scope, e.g. ${outOfScopeRuns[0].name}`);
    if (startedTwice.length) defects.push(`${startedTwice.length} executions were started twice, e.g. ${startedTwice.slice(0, 5).join(', ')}`);
    if (!runs[0].interrupted) defects.push('the first run was not interrupted');
    if (runs[0].started + runs[1].started !== inScope.size) {
      defects.push(`the two runs started ${runs[0].started} + ${runs[1].started}, not the ${inScope.size} in-scope accounts`);
    }
    const t = starts[0] ?? 0;
    const buckets = new Map<number, number>();
    for (const s of starts) buckets.set(Math.floor((s - t) / 1000), (buckets.get(Math.floor((s - t) / 1000)) ?? 0) + 1);
    const startingSeconds = starts.length > 1 ? (starts[starts.length - 1] - t) / 1000 : 1;
    const writes = (op: string) => world.calls.filter((c) => c.operation === op && c.error === undefined).length;
    return {
      accounts: { organization: n, inScope: inScope.size, excluded: specs.filter((a) => a.parentId === OUS.sandbox).length, suspended: specs.filter((a) => a.state === 'SUSPENDED').length },
      config: { maxStartsPerSecond: rate, maxConcurrent: concurrency, readerAccess },
      runs,
      wallSeconds: Number(wallSeconds.toFixed(1)),
      onboarded: onboarded.size,
      peakOpenExecutions: peakOpen,
      startExecution: { calls: okStarts.length, peakPerSecond: Math.max(0, ...buckets.values()), meanPerSecond: Number((starts.length / Math.max(startingSeconds, 1)).toFixed(2)) },
      stateTransitions: transitions,
      stateTransitionsPerOnboarding: Number((transitions / Math.max(1, executions.length)).toFixed(1)),
      writesPerSharedPolicy: { PutBucketPolicy: writes('PutBucketPolicy'), PutKeyPolicy: writes('PutKeyPolicy') },
      startedTwice,
      defects,
    };
  } finally {
    await within(sfn.stop(), 120_000, 'stopping the local service').catch((e: unknown) => console.error(e));
  }
}

if (require.main === module) childMain(() => measureFleetStart());
