/**
 * `onboard`: the operator CLI. start, watch, status, list, retry, offboard, plan, profiles — against AWS or,
 * with `--local`, against the local simulation.
 *
 * Exit codes: 0 success; 1 the onboarding failed, or an AWS/operational error; 2 bad usage or bad
 * input (a malformed account id, an unknown option); 130 a fleet start interrupted (Ctrl-C).
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigurationError, ErrorKind, isOnboardingError } from '../handlers/shared/errors';
import { describeOnboarding, isOpen, retryOnboarding, startOnboarding, type OnboardingView, type RetryResult, type StartResult } from '../handlers/start';
import { parseRuntimeConfig } from '../handlers/shared/config';
import { loadAppConfig, runtimeConfigOf } from '../infra/config';
import { configFileOf, LOCAL_DEFAULT_CONFIG, openBackend, type Backend, type GlobalOptions } from './context';
import { formatAccountList, formatOffboardPlan, formatPlan, formatStepLine, formatView, type Io } from './format';
import { buildOffboardPlan, buildPlan } from './plan';
import { runOffboard, type OffboardCliOptions } from './offboard';
import { DEFAULT_PROFILE_PREFIX, DEFAULT_SOURCE_PROFILE, PROFILE_KINDS, runProfiles, statusAccess, type ProfilesCliOptions } from './profiles';
import { cliMessage, readJsonFile, retryCannotHelp, statusExitCode, UsageError } from './operator';
import { ACCOUNT_STATUSES, type AccountStatus } from '../handlers/adapters/status-store';
import { InvalidConfiguration } from '../infra/config';
import { EXIT_INTERRUPTED, type FleetCliEnv, type FleetStartCliOptions, isFleetSelection, runFleetPlan, runFleetStart } from './fleet-start';
import { parseOnboardingRequest } from '../handlers/domain/request';
import { startReconcile, waitForExecution } from '../handlers/start/reconcile';
import type { DriftItem } from '../handlers/domain/drift';

/** One account's reconcile outcome, as `reconcile` prints it. */
interface ReconcileOutcome {
  readonly accountId: string;
  readonly mode: string;
  readonly executionName: string;
  readonly status: string;
  readonly error?: string;
  readonly health?: string;
  readonly drift: readonly DriftItem[];
}

function formatReconcile(r: ReconcileOutcome): string {
  const head = `${r.accountId}  ${r.status === 'SUCCEEDED' ? (r.health ?? 'HEALTHY') : `${r.status}${r.error ? `: ${r.error}` : ''}`}  (${r.mode === 'report' ? 'verified' : 'reconciled'}: ${r.executionName})`;
  const verb = r.mode === 'report' ? 'found' : r.health === 'REPAIRED' ? 'repaired' : 'found';
  return [head, ...r.drift.map((d) => `  ${verb} ${d.resource} ${d.code}: ${d.detail}`)].join('\n');
}

function formatHealth(rows: readonly { accountId: string; status: string; health?: string; lastVerifiedAt?: string; drift: readonly DriftItem[] }[]): string {
  const lines = ['ACCOUNT       STATUS       HEALTH     LAST VERIFIED             DRIFT'];
  for (const r of rows) {
    lines.push(`${r.accountId}  ${r.status.padEnd(11)}  ${(r.health ?? '-').padEnd(9)}  ${(r.lastVerifiedAt ?? '-').padEnd(24)}  ${r.drift.map((d) => `${d.resource}:${d.code}`).join(', ') || '-'}`);
  }
  return lines.join('\n');
}

export type { Io } from './format';

/** Exit codes: 0 success, 1 a run failed (or an AWS error), 2 bad usage or input, 3 drift found and only reported. */
export const EXIT = { ok: 0, failed: 1, usage: 2, drifted: 3, interrupted: EXIT_INTERRUPTED } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows the account's latest execution until it closes, printing each step as it changes.
 * Returns the final view.
 */
async function follow(backend: Backend, accountId: string, io: Io, quiet: boolean): Promise<OnboardingView> {
  const printed = new Map<string, string>();
  for (;;) {
    const view = await describeOnboarding(backend.start, accountId);
    if (!quiet) {
      for (const s of view.steps) {
        const key = `${s.status}/${s.attempts}`;
        if (printed.get(s.state) === key) continue;
        printed.set(s.state, key);
        io.out(formatStepLine(s));
      }
    }
    if (!view.execution || !isOpen(view.execution.status)) return view;
    await sleep(backend.pollMs);
  }
}

/** Prints the end of a followed execution and turns it into an exit code. */
function finish(view: OnboardingView, io: Io, json: boolean, extra: Record<string, unknown> = {}): number {
  if (json) io.out(JSON.stringify({ ...extra, ...view }, null, 2));
  else io.out(formatView(view));
  return view.execution?.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
}

function describeStart(r: StartResult | RetryResult): string {
  const exec = `execution ${r.executionName}`;
  switch (r.outcome) {
    case 'started':
      return `Onboarding ${r.accountId}: started ${exec}`;
    case 'already-running':
      return `Onboarding ${r.accountId}: already running as ${exec}; following it`;
    case 'already-onboarded':
      return `Account ${r.accountId} is already onboarded (${exec} ${r.status})`;
    case 'previously-failed':
      return `Onboarding ${r.accountId} failed earlier (${exec}: ${r.error ?? r.status}). Re-run it with: onboard retry ${r.accountId}`;
    case 'redriven':
      return `Onboarding ${r.accountId}: redriving ${exec} from the step that did not finish`;
    case 'restarted':
      return `Onboarding ${r.accountId}: started ${exec}${'reason' in r && r.reason === 'verify' ? ' (verification run: changes only what drifted)' : ''}`;
  }
}

/** Runs `onboard` with `argv` (without `node` and the script). Returns the exit code. */
export async function runCli(argv: readonly string[], io: Io, env: FleetCliEnv = {}): Promise<number> {
  let code: number = EXIT.ok;
  let backend: Backend | undefined;
  const program = new Command('onboard')
    .description('Onboard AWS accounts into centralized, encrypted CloudTrail logging.')
    .option('--local', 'run against the local simulation (state kept in .onboard-local/)')
    .option('--profile <name>', 'AWS profile (standard credential chain otherwise)')
    .option('--region <region>', 'AWS region of the orchestrator (default: the configuration home region)')
    .option('--config <file>', `deployment configuration file, the one cdk deploy used (required against AWS; --local default: ${LOCAL_DEFAULT_CONFIG})`)
    .option('--state-machine-arn <arn>', 'state machine ARN (default: the orchestrator stack output)')
    .option('--table-name <name>', 'status table name (default: the orchestrator stack output)')
    .addOption(new Option('--state-dir <dir>', 'directory of the local simulation state').default('.onboard-local').hideHelp())
    .addOption(new Option('--as <role>', 'with --local: act as this role of the orchestrator account (default: Administrator)'))
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .showHelpAfterError();

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  /** The configuration file: present before any command runs (the preAction hook below). */
  const configFile = (): string => configFileOf(globals())!;

  // Against AWS, a forgotten --config is a usage error, never a run with the sample's accounts.
  program.hook('preAction', () => {
    if (globals().as !== undefined && !globals().local) {
      program.error('error: --as works with --local only: against AWS the CLI acts as the credentials it is given (--profile).', {
        exitCode: EXIT.usage,
        code: 'onboard.asWithoutLocal',
      });
    }
    if (configFileOf(globals()) === undefined) {
      program.error(`error: option '--config <file>' is required against AWS (the deployment configuration cdk deploy used); only --local defaults to ${LOCAL_DEFAULT_CONFIG}`, {
        exitCode: EXIT.usage,
        code: 'onboard.missingConfig',
      });
    }
  });
  const open = async () => (backend ??= await openBackend(globals()));

  /** After a start or a retry: report it, then follow the execution unless told not to wait. */
  const report = async (b: Backend, r: StartResult | RetryResult, o: { wait: boolean; json?: boolean }): Promise<number> => {
    if (!o.json) io.out(describeStart(r));
    const failedBefore = r.outcome === 'previously-failed';
    if (failedBefore || !o.wait || r.outcome === 'already-onboarded') {
      if (o.json) io.out(JSON.stringify(r, null, 2));
      return failedBefore ? EXIT.failed : EXIT.ok;
    }
    return finish(await follow(b, r.accountId, io, !!o.json), io, !!o.json, { outcome: r.outcome });
  };

  program
    .command('start')
    .description('start onboarding accounts and follow them until they end: one or more ids, --all, or --ou (README "Fleet start")')
    .argument('[account-id...]', '12-digit AWS account ids')
    .option('--all', 'every account of the organization (in the configured scope)')
    .option('--ou <ou-id...>', 'every account under these roots or OUs, at any depth')
    .option('--exclude <id...>', 'account or OU ids to leave out, on top of the configured scope')
    .option('--max-concurrent <n>', 'onboardings open at once, at most (default: configuration fleetStart.maxConcurrent)')
    .option('--no-wait', 'return as soon as the executions are started')
    .option('--json', 'machine-readable output')
    .action(async (accountIds: string[], o: FleetStartCliOptions, cmd: Command) => {
      if (!accountIds.length && !isFleetSelection(o)) cmd.error("error: missing required argument 'account-id' (or --all, or --ou <ou-id...>)", { exitCode: EXIT.usage, code: 'onboard.startWhat' });
      const b = await open();
      const single = accountIds.length === 1 && !isFleetSelection(o) && !o.exclude?.length && o.maxConcurrent === undefined;
      code = single ? await report(b, await startOnboarding(b.start, accountIds[0]), o) : await runFleetStart(b, accountIds, o, io, env);
    });

  program
    .command('watch')
    .description("follow an account's latest execution until it ends")
    .argument('<account-id>', '12-digit AWS account id')
    .option('--json', 'machine-readable output')
    .action(async (accountId: string, o: { json?: boolean }) => {
      code = finish(await follow(await open(), accountId, io, !!o.json), io, !!o.json);
    });

  program
    .command('status')
    .description("an account's status and the steps of its latest execution")
    .argument('<account-id>', '12-digit AWS account id')
    .option('--json', 'machine-readable output')
    .action(async (accountId: string, o: { json?: boolean }) => {
      const b = await open();
      const view = await describeOnboarding(b.start, accountId);
      io.out(o.json ? JSON.stringify(view, null, 2) : formatView(view, await statusAccess(b, view.record)));
      // The same exit code with and without --json (cli/operator.ts).
      code = statusExitCode(view);
    });

  program
    .command('list')
    .description('accounts in the status table')
    .addOption(new Option('--status <status>', 'only accounts with this status (read from the status index)').choices([...ACCOUNT_STATUSES]))
    .option('--json', 'machine-readable output')
    .action(async (o: { status?: AccountStatus; json?: boolean }) => {
      const items = await (await open()).status.listAccounts(o.status ? { status: o.status } : {});
      const rows = items.map(({ pk: _pk, ...rest }) => rest).sort((a, b) => a.accountId.localeCompare(b.accountId));
      io.out(o.json ? JSON.stringify(rows, null, 2) : formatAccountList(rows));
    });

  program
    .command('reconcile')
    .description('verify the accounts against what the service set and repair what drifted (--report-only: change nothing)')
    .argument('<account-id...>', 'one or more 12-digit AWS account ids')
    .option('--report-only', 'verify only: record health and drift, write nothing')
    .option('--json', 'machine-readable output')
    .action(async (accountIds: string[], o: { reportOnly?: boolean; json?: boolean }) => {
      const b = await open();
      const mode = o.reportOnly ? 'report' : 'apply';
      const started = [];
      for (const id of accountIds) started.push(await startReconcile(b.start, id, mode, new Date()));
      const results = [];
      for (const s of started) {
        const d = await waitForExecution(b.start, s.executionArn, b.pollMs);
        const item = await b.status.getAccount(s.accountId);
        results.push({ ...s, status: d?.status ?? 'UNKNOWN', error: d?.error, health: item?.health, drift: item?.drift ?? [] });
      }
      if (o.json) io.out(JSON.stringify(results, null, 2));
      else for (const r of results) io.out(formatReconcile(r));
      const failed = results.some((r) => r.status !== 'SUCCEEDED');
      const drifted = results.some((r) => r.health === 'DRIFTED');
      code = failed ? EXIT.failed : drifted ? EXIT.drifted : EXIT.ok;
    });

  program
    .command('health')
    .description('health of the accounts (all of the status table without ids): last verification, drift found')
    .argument('[account-id...]', '12-digit AWS account ids')
    .option('--json', 'machine-readable output')
    .action(async (accountIds: string[], o: { json?: boolean }) => {
      const b = await open();
      const items = accountIds.length
        ? (await Promise.all(accountIds.map((id) => b.status.getAccount(parseOnboardingRequest({ accountId: id }).accountId)))).filter((x) => x !== undefined)
        : await b.status.listAccounts({});
      const rows = items
        .map((i) => ({ accountId: i.accountId, status: i.status, health: i.health ?? (i.status === 'ONBOARDED' ? 'HEALTHY' : undefined), lastVerifiedAt: i.lastVerifiedAt, drift: i.drift ?? [] }))
        .sort((a, b2) => a.accountId.localeCompare(b2.accountId));
      io.out(o.json ? JSON.stringify(rows, null, 2) : formatHealth(rows));
      if (rows.some((r) => r.health === 'DRIFTED')) code = EXIT.drifted;
    });

  program
    .command('retry')
    .description('re-run an onboarding (redrive or a new run, as the API does) and follow it')
    .argument('<account-id>', '12-digit AWS account id')
    .option('--no-wait', 'return as soon as the execution is started')
    .option('--json', 'machine-readable output')
    .option('--force', 'retry a REJECTED account anyway (after what rejected it has changed)')
    .action(async (accountId: string, o: { wait: boolean; json?: boolean; force?: boolean }) => {
      const b = await open();
      // A rejection a run cannot get past (suspended, out of scope, not in the organization, not allowed):
      // say what would have to change, start nothing.
      const cannot = o.force ? undefined : retryCannotHelp(await b.status.getAccount(parseOnboardingRequest({ accountId }).accountId));
      if (cannot) {
        if (o.json) io.out(JSON.stringify({ outcome: 'not-retried', accountId, reason: cannot }, null, 2));
        else for (const line of cannot) io.out(line);
        code = EXIT.failed;
        return;
      }
      code = await report(b, await retryOnboarding(b.start, accountId), o);
    });

  program
    .command('offboard')
    .description("offboard an account (its trail, switch role, change rules and reader role deleted, its grants withdrawn; no log file touched) and follow it until it ends")
    .argument('<account-id>', '12-digit AWS account id')
    .option('--reason <text>', 'why, recorded with who ran it (one line)')
    .option('--no-wait', 'return as soon as the execution is started')
    .option('--json', 'machine-readable output')
    .action(async (accountId: string, o: OffboardCliOptions) => {
      code = await runOffboard(await open(), accountId, o, io, sleep);
    });

  program
    .command('profiles')
    .description('a ~/.aws/config fragment for the ONBOARDED accounts: a switch profile and a reader profile each (README "Getting in")')
    .argument('[account-id...]', '12-digit AWS account ids (default: every account in the status table)')
    .option('--source-profile <name>', "the security principal's profile, the switch profiles' source_profile", DEFAULT_SOURCE_PROFILE)
    .addOption(new Option('--kind <kind>', 'which profiles').choices([...PROFILE_KINDS]).default('all'))
    .option('--prefix <text>', 'first part of every profile name', DEFAULT_PROFILE_PREFIX)
    .option('--json', 'the same data, machine-readable')
    .action(async (accountIds: string[], o: ProfilesCliOptions) => {
      code = await runProfiles(await open(), accountIds, o, io);
    });

  program
    .command('plan')
    .description('what a run for the accounts would write: the documents, and a diff of both shared policies (--all / --ou: what start --all would start)')
    .argument('[account-id...]', 'one or more 12-digit AWS account ids')
    .option('--all', 'the accounts start --all would start (and those it would skip or leave)')
    .option('--ou <ou-id...>', 'the accounts start --ou would start')
    .option('--exclude <id...>', 'with --all / --ou: account or OU ids to leave out')
    .option('--offboard <account-id>', 'what offboarding this account would change: both shared policies without its grant, and what else goes')
    .option('--bucket-policy <file>', 'current bucket policy (JSON file) instead of reading it from AWS')
    .option('--key-policy <file>', 'current key policy (JSON file) instead of reading it from AWS')
    .option('--bucket-key', 'with --bucket-policy and --key-policy: the bucket uses an S3 Bucket Key (read from AWS otherwise)')
    .option('--json', 'every document in full, as JSON: { bucketPolicy, keyPolicy, accounts }')
    .action(async (accountIds: string[], o: { bucketPolicy?: string; keyPolicy?: string; bucketKey?: boolean; json?: boolean; all?: boolean; ou?: string[]; exclude?: string[]; offboard?: string }, cmd: Command) => {
      if (o.offboard !== undefined && (accountIds.length || isFleetSelection(o) || o.exclude?.length)) {
        cmd.error('error: --offboard plans one account alone: give no other account id, --all, --ou or --exclude', { exitCode: EXIT.usage, code: 'onboard.planOffboardAlone' });
      }
      if (o.offboard === undefined && (isFleetSelection(o) || !accountIds.length)) {
        if (!isFleetSelection(o)) cmd.error("error: missing required argument 'account-id' (or --all, or --ou <ou-id...>)", { exitCode: EXIT.usage, code: 'onboard.planWhat' });
        code = await runFleetPlan(await open(), accountIds, o, io);
        return;
      }
      const offline = o.bucketPolicy !== undefined && o.keyPolicy !== undefined;
      let config;
      let bucketText: string | undefined;
      let keyText: string | undefined;
      let bucketKeyEnabled = o.bucketKey === true;
      if (offline) {
        // No AWS at all: the documents come from the files, the settings from the configuration.
        config = parseRuntimeConfig(runtimeConfigOf(loadAppConfig(configFile()), 'offline-plan'));
        if (!/:key\//.test(config.keyArn)) {
          throw new ConfigurationError(`An offline plan needs the key's ARN, and the configuration names it by alias (${config.keyArn}). Set logKey.arn to the key ARN.`);
        }
      } else {
        const deps = (await open()).stepDeps();
        config = { ...deps.config, keyArn: await deps.resolveKeyArn() };
        if (o.bucketPolicy === undefined) bucketText = await (await deps.bucketPolicy()).get();
        if (o.keyPolicy === undefined) keyText = await (await deps.keyPolicy()).get();
        bucketKeyEnabled = await (await deps.bucketPolicy()).bucketKeyEnabled();
      }
      if (o.bucketPolicy !== undefined) bucketText = readJsonFile('--bucket-policy', o.bucketPolicy);
      if (o.keyPolicy !== undefined) keyText = readJsonFile('--key-policy', o.keyPolicy);
      if (o.offboard !== undefined) {
        const plan = buildOffboardPlan({ config, accountId: o.offboard, currentBucketPolicy: bucketText, currentKeyPolicy: keyText, bucketKeyEnabled });
        io.out(o.json ? JSON.stringify(plan, null, 2) : formatOffboardPlan(plan, config));
        return;
      }
      const plan = buildPlan({ config, accountIds, currentBucketPolicy: bucketText, currentKeyPolicy: keyText, bucketKeyEnabled });
      io.out(o.json ? JSON.stringify(plan, null, 2) : formatPlan(plan, config));
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    code = exitCodeOf(e, io);
  } finally {
    if (backend) await backend.close();
  }
  return code;
}

/** Prints an error and gives its exit code. */
function exitCodeOf(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    // Help and version end with exit code 0; everything else commander refuses is a usage error.
    return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  // A missing or malformed input file (--config, plan's policy files) is bad input: the message names the file.
  if (e instanceof UsageError || e instanceof InvalidConfiguration) {
    io.err(`error: ${e.name}: ${e.message}`);
    return EXIT.usage;
  }
  if (isOnboardingError(e)) {
    io.err(`error: ${e.name}: ${cliMessage(e)}`);
    return e.kind === ErrorKind.Validation ? EXIT.usage : EXIT.failed;
  }
  const err = e as Error;
  io.err(`error: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`);
  return EXIT.failed;
}

/** The binary: runs the CLI on the process's arguments and sets the exit code. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // Ctrl-C during a fleet start: start nothing more, print the summary so far (exit 130); a second one exits at once.
  const signal = { aborted: false };
  const onSigint = () => {
    if (signal.aborted) process.exit(EXIT.interrupted);
    signal.aborted = true;
    console.error('Interrupted: starting nothing more (Ctrl-C again to exit at once; what was started goes on in Step Functions).');
  };
  process.on('SIGINT', onSigint);
  runCli(argv, { out: (s) => console.log(s), err: (s) => console.error(s) }, { signal }).then(
    (c) => {
      process.off('SIGINT', onSigint);
      process.exitCode = c;
    },
    (e) => {
      console.error(e);
      process.exitCode = EXIT.failed;
    },
  );
}

if (require.main === module) main();
