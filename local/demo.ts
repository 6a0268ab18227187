/**
 * `npm run demo`: onboards three accounts of the simulated organization at once with the real state
 * machine definition and handlers, shows each account's steps when its execution settles (one line
 * per step, retries folded into a count), re-runs one account to show that an
 * onboarded account gets no write call, prints a summary, and writes the resulting documents to a
 * folder; then changes something behind the service's back and shows it found and repaired.
 *
 *   npm run demo                                  # trailMode account: a trail in each member account
 *   npm run demo -- --trail-mode organization     # trailMode organization: one organization trail
 *
 * Organization mode runs config/onboarding.organization-trail.sample.json (the orchestrator in the
 * management account, as that mode requires) in an organization without trusted access for CloudTrail,
 * so the run shows the service enabling it. It then shows what differs from account mode: the
 * organization trail logging, the members' files under `[prefix/]AWSLogs/<org-id>/<account>/` (the
 * world's clock moved on until CloudTrail's deliveries are due), and no trail in any member account.
 */
import './polyfills';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CloudTrailClient, CreateTrailCommand, DescribeTrailsCommand, GetTrailStatusCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListAWSServiceAccessForOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Io } from '../cli/format';
import { StatusStore } from '../handlers/adapters/status-store';
import { POLICY_LIMITS } from '../handlers/domain/limits';
import { CLOUDTRAIL_SERVICE_PRINCIPAL } from '../handlers/domain/organization-trail';
import { isOwnedStatement, type PolicyStatement } from '../handlers/domain/policy-document';
import { createClient } from '../handlers/shared/clients';
import { loadAppConfig, orchestratorAccount, organizationTrailArnOf, type AppConfig } from '../infra/config';
import { StepName, STEP_NAMES, STEP_TITLES } from '../statemachine/steps';
import { ExecutionResult, HistoryEvent, LOCAL_TABLE_NAME, LocalStepFunctions } from './runner';
import { createDemoWorld, DEMO } from './sim/demo-world';
import type { DeliveredFile } from './sim/delivery';
import { seedTrailBucket } from './sim/seeds';
import type { SimWorld } from './sim/world';

const ROOT = path.join(__dirname, '..');
const OUT_DIR = path.join(ROOT, 'out', 'demo');
const ACCOUNTS = DEMO.memberAccountIds.slice(0, 3);

/** The trail models the demo runs: the configuration's `trailMode`. */
export const DEMO_TRAIL_MODES = ['account', 'organization'] as const;
/** One of {@link DEMO_TRAIL_MODES}. */
export type DemoTrailMode = (typeof DEMO_TRAIL_MODES)[number];

/** Each mode's configuration: the sample an operator of that mode starts from. */
const CONFIG_FILES: Record<DemoTrailMode, string> = {
  account: path.join(ROOT, 'config', 'onboarding.sample.json'),
  organization: path.join(ROOT, 'config', 'onboarding.organization-trail.sample.json'),
};

/** Exit codes, as the operator CLI's (cli/main.ts EXIT). */
export const DEMO_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const DEMO_USAGE = `usage: npm run demo [-- --trail-mode ${DEMO_TRAIL_MODES.join('|')}]  (default: account)`;

/**
 * How far the world's clock moves on in organization mode before the demo reads the delivered files:
 * CloudTrail delivers log files about every 5 minutes, the first 5 minutes after StartLogging
 * (local/sim/delivery.ts; https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html).
 */
const DELIVERY_WAIT_MS = 10 * 60 * 1000;

/** A bad command line: printed with {@link DEMO_USAGE}, exit code 2. */
export class DemoUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoUsageError';
  }
}

/** What the command line asks for. */
export interface DemoArgs {
  readonly trailMode: DemoTrailMode;
  readonly help: boolean;
}

/** Parses the demo's arguments (after `npm run demo --`); throws {@link DemoUsageError} on anything else. */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let values: { 'trail-mode'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { 'trail-mode': { type: 'string', default: 'account' }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    // node:util parseArgs throws TypeErrors with codes ERR_PARSE_ARGS_*: an unknown option, a missing value, a positional.
    throw new DemoUsageError((e as Error).message);
  }
  const mode = values['trail-mode'] ?? 'account';
  if (!(DEMO_TRAIL_MODES as readonly string[]).includes(mode)) {
    throw new DemoUsageError(`--trail-mode must be one of ${DEMO_TRAIL_MODES.join(', ')} (received "${mode}")`);
  }
  return { trailMode: mode as DemoTrailMode, help: values.help === true };
}

/** Where Ensure steps put their result in the state (see statemachine/onboarding-workflow.ts). */
const RESULT_KEYS: Partial<Record<StepName, string>> = {
  EnsureSwitchRole: 'switchRole',
  EnsureBucketPolicy: 'bucketPolicy',
  EnsureKeyPolicy: 'keyPolicy',
  EnsureTrail: 'trail',
  EnsureOrganizationTrail: 'trail',
  EnsureReaderRole: 'readerRole',
  EnsureChangeRules: 'changeRules',
};

/** Colours for a terminal; plain text elsewhere (a pipe, a CI log, a test's buffer). */
interface Palette {
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

function paletteFor(tty: boolean): Palette {
  const color = tty ? (c: number, s: string) => `\x1b[${c}m${s}\x1b[0m` : (_c: number, s: string) => s;
  return { green: (s) => color(32, s), red: (s) => color(31, s), dim: (s) => color(2, s), bold: (s) => color(1, s) };
}

/** The error an Ensure step retries on while another execution holds the shared policy's lease (handlers/shared/policy-lock.ts). */
const LEASE_ERROR = 'PolicyLockBusy';

/** What step lines are printed with: colours and the step column's width. */
interface StepLines {
  readonly p: Palette;
  readonly stepWidth: number;
}

/** The step column's width: the longest step name a run of the mode prints (the other mode's trail step left out). */
function stepWidthOf(mode: DemoTrailMode): number {
  const other: StepName = mode === 'organization' ? 'EnsureTrail' : 'EnsureOrganizationTrail';
  return Math.max(...(Object.keys(RESULT_KEYS) as StepName[]).filter((s) => s !== other).map((s) => s.length));
}

/** One step of a settled execution, its attempts folded together. */
export interface SettledStep {
  readonly step: StepName;
  /** Whether the step exited (succeeded); otherwise it failed with {@link lastError}. */
  readonly ok: boolean;
  /** Attempts: 1 + the retries. */
  readonly tries: number;
  /** The errors of the attempts that failed, in order. */
  readonly errors: readonly string[];
  readonly lastError?: string;
  /** The state's output when it exited. */
  readonly output?: unknown;
}

/**
 * Folds an execution's history into one entry per step it entered, in the definition's order
 * ({@link STEP_NAMES}, steady where parallel branches interleave): a step that retried is one entry
 * with its number of tries, not one line per retry (issue 15: the demo fits one screen).
 */
export function settledSteps(history: readonly HistoryEvent[]): SettledStep[] {
  const byStep = new Map<StepName, { ok: boolean; tries: number; errors: string[]; output?: unknown }>();
  for (const e of history) {
    const step = e.state as StepName | undefined;
    if (!step || !(step in STEP_TITLES)) continue;
    const s = byStep.get(step) ?? { ok: false, tries: 1, errors: [] };
    byStep.set(step, s);
    if (e.type === 'StateExited') {
      s.ok = true;
      s.output = e.output;
    } else if (e.type === 'StateFailed') s.errors.push(e.error ?? 'an error');
    else if (e.type === 'StateRetried') s.tries += 1;
  }
  return STEP_NAMES.filter((step) => byStep.has(step)).map((step) => {
    const s = byStep.get(step)!;
    return { step, ok: s.ok, tries: s.tries, errors: s.errors, lastError: s.errors[s.errors.length - 1], output: s.output };
  });
}

/**
 * The folded retries of a step: `(3 tries, waited for the lease)` when it waited for another
 * execution's policy lease, `(2 tries: TrailPolicyNotYetEffective)` for other retried errors, both
 * when it had both; empty for a step that ran once.
 */
export function triesNote(step: Pick<SettledStep, 'tries' | 'errors'>): string {
  if (step.tries <= 1) return '';
  const waited = step.errors.includes(LEASE_ERROR);
  const others = [...new Set(step.errors.filter((e) => e !== LEASE_ERROR))];
  const reasons = [waited ? ', waited for the lease' : '', others.length > 0 ? `${waited ? ';' : ':'} ${others.join(', ')}` : ''].join('');
  return ` (${step.tries} tries${reasons})`;
}

/** The line of one settled step: ✓ or ✗, its name and title, whether it changed anything, its folded retries. */
function stepLine(lines: StepLines, account: string, s: SettledStep): string {
  const { p, stepWidth } = lines;
  const title = p.dim(STEP_TITLES[s.step]);
  const folded = triesNote(s);
  const tries = folded && p.dim(folded);
  if (!s.ok) return `  ${account}  ${p.red('✗')} ${s.step.padEnd(stepWidth)} ${title}${tries}: ${p.red(s.lastError ?? 'an error')}`;
  const key = RESULT_KEYS[s.step];
  const result = key ? ((s.output as Record<string, { changed?: boolean; drift?: { code: string }[] }> | undefined)?.[key] ?? undefined) : undefined;
  const note = result === undefined ? '' : result.changed ? ' (changed)' : p.dim(' (unchanged)');
  // An applying run repairs what it found (handlers/steps/ensure-organization-trail.ts enables trusted access when missing).
  const trusted = s.step === 'EnsureOrganizationTrail' && result?.drift?.some((d) => d.code === 'TrustedAccessMissing') ? `: trusted access for ${CLOUDTRAIL_SERVICE_PRINCIPAL} enabled` : '';
  return `  ${account}  ${p.green('✓')} ${s.step.padEnd(stepWidth)} ${title}${note}${tries}${trusted}`;
}

/** The lines of an onboarding execution once it has settled: one per step it entered. */
function settledLines(lines: StepLines, account: string, result: ExecutionResult): string[] {
  return settledSteps(result.history).map((s) => stepLine(lines, account, s));
}

/**
 * On a terminal: one status line, rewritten in place while the executions run, with the step each
 * running onboarding is in and its tries so far; cleared before the settled lines are printed. Elsewhere
 * (a pipe, a CI log, a test's buffer) the demo prints only the settled lines.
 */
class LiveProgress {
  /** Per running execution: its account, the step it is in, that step's tries so far. */
  private readonly running = new Map<string, { account: string; step: string; tries: number }>();
  private shown = false;

  constructor(private readonly write: (s: string) => void) {}

  onEvent(execution: string, e: HistoryEvent): void {
    if (!execution.startsWith('onboard-') || !e.state || !(e.state in STEP_TITLES)) return;
    const account = execution.replace(/^onboard-/, '').replace(/-rerun$/, '');
    const now = this.running.get(execution);
    const tries = now?.step === e.state ? now.tries + (e.type === 'StateRetried' ? 1 : 0) : 1;
    this.running.set(execution, { account, step: e.state, tries });
    this.draw();
  }

  /** An execution settled: no longer shown. */
  settled(execution: string): void {
    this.running.delete(execution);
  }

  /** Removes the status line (before a settled line is printed). */
  clear(): void {
    if (this.shown) this.write('\r\x1b[K');
    this.shown = false;
  }

  draw(): void {
    if (this.running.size === 0) return this.clear();
    const parts = [...this.running.values()].map((r) => `${r.account} ${r.step}${r.tries > 1 ? ` (${r.tries} tries)` : ''}`);
    // Cut to the terminal's width so the line never wraps (a wrapped line cannot be rewritten with \r).
    const width = process.stdout.columns || 120;
    this.write(`\r\x1b[K\x1b[2m  … ${parts.join(' | ')}`.slice(0, width + 8) + '\x1b[0m');
    this.shown = true;
  }
}

function pct(n: number, of: number): string {
  return `${n.toLocaleString('en-US')} / ${of.toLocaleString('en-US')} bytes (${((100 * n) / of).toFixed(1)}%)`;
}

/** Options of {@link main} beyond the command line. */
export interface DemoOptions {
  /** Where the resulting documents go. Default out/demo. */
  readonly outDir?: string;
  /** Colours in the output. Default: when the output is the console's and stdout a terminal. */
  readonly color?: boolean;
}

const consoleIo: Io = { out: (s) => console.log(s), err: (s) => console.error(s) };

/** Runs the demo with `argv` (after `npm run demo --`), printing to `io`. Returns the exit code. */
export async function main(argv: readonly string[] = [], io: Io = consoleIo, options: DemoOptions = {}): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(argv);
  } catch (e) {
    if (!(e instanceof DemoUsageError)) throw e;
    io.err(`error: ${e.message}`);
    io.err(DEMO_USAGE);
    return DEMO_EXIT.usage;
  }
  if (args.help) {
    io.out(DEMO_USAGE);
    return DEMO_EXIT.ok;
  }
  const terminal = io === consoleIo && process.stdout.isTTY === true;
  const p = paletteFor(options.color ?? terminal);
  return runDemo(args.trailMode, io, p, options.outDir ?? OUT_DIR, terminal);
}

/** The demo itself (see the module comment); `liveOutput`: a live progress line on the console's terminal. */
async function runDemo(mode: DemoTrailMode, io: Io, p: Palette, outDir: string, liveOutput: boolean): Promise<number> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  const config = loadAppConfig(CONFIG_FILES[mode]);
  const organizationMode = config.trailMode === 'organization';
  // The world's clock: real time, moved on when the demo waits for CloudTrail's deliveries.
  let clockOffsetMs = 0;
  const world = createDemoWorld({
    clock: () => new Date(Date.now() + clockOffsetMs),
    // Organization mode starts without trusted access for CloudTrail: the onboarding enables it.
    ...(organizationMode ? { enabledServicePrincipals: [] } : {}),
  });
  io.out(p.bold('CloudTrail account onboarding — local demo'));
  io.out(
    p.dim(
      `simulated organization ${DEMO.organizationId}: management ${DEMO.managementAccountId}, log-archive ${DEMO.logArchiveAccountId}, ` +
        `home region ${config.homeRegion}\nbucket ${config.bucketName}, key ${config.keyArn}`,
    ),
  );
  if (organizationMode) {
    io.out(
      p.dim(`trail mode organization (${path.relative(ROOT, CONFIG_FILES[mode])}): one organization trail ${organizationTrailArnOf(config)}, created from the management account (the orchestrator)`),
    );
  }
  io.out(p.dim('synthesizing the CDK app and starting the local Step Functions runner...'));
  const lines: StepLines = { p, stepWidth: stepWidthOf(mode) };
  const live = liveOutput ? new LiveProgress((s) => process.stdout.write(s)) : undefined;
  const sfn = await LocalStepFunctions.start({ world, config, principalArn: DEMO.operatorPrincipalArn, onEvent: (name, e) => live?.onEvent(name, e) });
  /** Prints an account's steps when its execution settles (the order the executions end in). */
  const printSettled = (account: string, execution: string) => (result: ExecutionResult) => {
    live?.settled(execution);
    live?.clear();
    io.out(settledLines(lines, account, result).join('\n'));
    live?.draw();
    return result;
  };
  try {
    // Read once the runner has routed the SDK to the simulated world.
    if (organizationMode) io.out(p.dim(`trusted access for ${CLOUDTRAIL_SERVICE_PRINCIPAL} before the onboarding: ${(await trustedAccess(world)) ? 'enabled' : 'not enabled'}`));
    world.resetCalls();
    io.out(`\n${p.bold(`Onboarding ${ACCOUNTS.length} accounts at once`)}`);
    const runs = ACCOUNTS.map((a) => sfn.startExecution({ accountId: a }, `onboard-${a}`).result.then(printSettled(a, `onboard-${a}`)));
    const results = await Promise.all(runs);
    const firstWrites = world.writeCalls();
    const countOf = (service: string, op: string) => firstWrites.filter((c) => c.service === service && c.operation === op).length;

    io.out(`\n${p.bold(`Re-running ${ACCOUNTS[0]} (already onboarded)`)}`);
    world.resetCalls();
    const rerun = await sfn.startExecution({ accountId: ACCOUNTS[0] }, `onboard-${ACCOUNTS[0]}-rerun`).result.then(printSettled(ACCOUNTS[0], `onboard-${ACCOUNTS[0]}-rerun`));
    const rerunWrites = world.writeCalls().length;
    const rerunReads = world.calls.length - rerunWrites;

    // Summary from the status table, as an operator would read it.
    const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion }));
    const store = new StatusStore(doc, LOCAL_TABLE_NAME, () => new Date());
    io.out(`\n${p.bold('Summary')}`);
    for (const [i, a] of ACCOUNTS.entries()) {
      const rec = await store.getAccount(a);
      const status = rec?.status ?? 'UNKNOWN';
      if (results[i].status !== 'SUCCEEDED') io.out(`  ${a}  ${p.red('✗')} ${results[i].error}: ${results[i].cause}`);
      io.out(`  ${a}  ${status === 'ONBOARDED' ? p.green(status) : p.red(status)}  execution ${results[i].status}`);
      io.out(`    switch role  ${rec?.switchRoleArn ?? '-'}`);
      io.out(`    trail        ${rec?.trailArn ?? '-'}`);
      io.out(`    reader role  ${rec?.readerRoleArn ?? '-'}`);
    }

    const snap = world.snapshot();
    const bucketPolicy = snap.buckets[config.bucketName].policy as { Statement: PolicyStatement[] };
    const keyPolicy = snap.keys[config.keyArn].policy as { Statement: PolicyStatement[] };
    const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x), 'utf8');
    const foreign = (x: { Statement: PolicyStatement[] }) => x.Statement.filter((s) => !isOwnedStatement(s)).length;
    io.out(`\n${p.bold('Shared policies')}`);
    io.out(`  bucket policy  ${pct(bytes(bucketPolicy), POLICY_LIMITS.bucketPolicy.max)}  ${foreign(bucketPolicy)} foreign statements kept, ${countOf('s3', 'PutBucketPolicy')} write(s) for ${ACCOUNTS.length} accounts`);
    io.out(`  key policy     ${pct(bytes(keyPolicy), POLICY_LIMITS.keyPolicy.max)}  ${foreign(keyPolicy)} foreign statements kept, ${countOf('kms', 'PutKeyPolicy')} write(s) for ${ACCOUNTS.length} accounts`);
    io.out(`\n  re-run of ${ACCOUNTS[0]}: ${rerun.status}, ${rerunWrites} write calls, ${rerunReads} read calls`);

    const organization = organizationMode
      ? await organizationTrailStory(world, config, io, p, () => {
          clockOffsetMs += DELIVERY_WAIT_MS;
        })
      : undefined;

    // The resulting documents.
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const write = (file: string, value: unknown) => {
      mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
      writeFileSync(path.join(outDir, file), JSON.stringify(value, null, 2) + '\n');
    };
    write('bucket-policy.json', bucketPolicy);
    write('key-policy.json', keyPolicy);
    if (organization) write('organization-trail.json', snap.trails[organization.trailArn]);
    for (const a of ACCOUNTS) {
      const rec = await store.getAccount(a);
      if (rec?.switchRoleArn) write(`accounts/${a}/switch-role.json`, snap.roles[rec.switchRoleArn]);
      if (rec?.readerRoleArn) write(`accounts/${a}/reader-role.json`, snap.roles[rec.readerRoleArn]);
      // The account's own trail (account mode); the organization trail is written once, above.
      if (rec?.trailArn && rec.trailArn !== organization?.trailArn) write(`accounts/${a}/trail.json`, snap.trails[rec.trailArn]);
      write(`accounts/${a}/status.json`, rec);
    }
    io.out(`\nDocuments written to ${path.relative(process.cwd(), outDir) || outDir}/`);

    const drift = await driftStory(world, config, store, io, p, organization?.trailArn);

    const ok =
      results.every((r) => r.status === 'SUCCEEDED') &&
      rerun.status === 'SUCCEEDED' &&
      rerunWrites === 0 &&
      drift.ok &&
      (organization?.ok ?? true);
    if (!ok) {
      io.err(p.red('\nThe demo did not end as expected (see above).'));
      return DEMO_EXIT.failed;
    }
    return DEMO_EXIT.ok;
  } finally {
    await sfn.stop();
  }
}

/** Credentials of a person signed in to an account of the demo organization. */
function adminCredentials(world: SimWorld, accountId: string, role: 'Administrator' | 'OrganizationAccountAccessRole') {
  return world.credentialsFor(`arn:aws:sts::${accountId}:assumed-role/${role}/admin`);
}

/** Whether trusted access for CloudTrail is enabled, as the management account's administrator reads it. */
async function trustedAccess(world: SimWorld): Promise<boolean> {
  // Organizations' endpoint is in us-east-1 (https://docs.aws.amazon.com/general/latest/gr/ao.html).
  const org = createClient(OrganizationsClient, { region: 'us-east-1', credentials: adminCredentials(world, DEMO.managementAccountId, 'Administrator') });
  try {
    const out = await org.send(new ListAWSServiceAccessForOrganizationCommand({}));
    return (out.EnabledServicePrincipals ?? []).some((s) => s.ServicePrincipal === CLOUDTRAIL_SERVICE_PRINCIPAL);
  } finally {
    org.destroy();
  }
}

/** What the organization-mode part of the demo found. */
interface OrganizationStory {
  readonly trailArn: string;
  readonly ok: boolean;
}

/**
 * Organization mode's end state, read as its administrators would: the organization trail logs
 * (GetTrailStatus in the management account), trusted access is enabled, each onboarded member's log
 * files arrive under `[prefix/]AWSLogs/<org-id>/<account>/` once the world's clock has moved on to
 * CloudTrail's next deliveries, and no member account has a trail of its own (DescribeTrails there
 * lists only the organization trail, which member accounts see but cannot change:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html).
 */
async function organizationTrailStory(world: SimWorld, config: AppConfig, io: Io, p: Palette, waitForDeliveries: () => void): Promise<OrganizationStory> {
  const trailArn = organizationTrailArnOf(config)!;
  const region = config.homeRegion;
  io.out(`\n${p.bold('Organization trail')}`);

  const mgmt = createClient(CloudTrailClient, { region, credentials: adminCredentials(world, DEMO.managementAccountId, 'Administrator') });
  let logging = false;
  try {
    logging = (await mgmt.send(new GetTrailStatusCommand({ Name: trailArn }))).IsLogging === true;
  } finally {
    mgmt.destroy();
  }
  io.out(`  ${trailArn}  logging: ${logging ? p.green('yes') : p.red('no')}`);
  const trusted = await trustedAccess(world);
  io.out(`  trusted access for ${CLOUDTRAIL_SERVICE_PRINCIPAL}: ${trusted ? p.green('enabled') : p.red('not enabled')}`);

  waitForDeliveries();
  const files = (await world.cloudtrail.deliver()).filter((f) => f.trailArn === trailArn && f.kind === 'log');
  const prefixOf = (account: string) => `${config.logPrefix ? `${config.logPrefix}/` : ''}AWSLogs/${config.organizationId}/${account}/`;
  io.out(`  ${DELIVERY_WAIT_MS / 60_000} minutes later on the world's clock, log files under ${prefixOf('<account-id>')}:`);
  const byAccount = new Map<string, DeliveredFile[]>();
  for (const f of files) byAccount.set(f.accountId, [...(byAccount.get(f.accountId) ?? []), f]);
  let allArrived = true;
  for (const a of ACCOUNTS) {
    const mine = (byAccount.get(a) ?? []).filter((f) => f.key.startsWith(prefixOf(a)));
    allArrived &&= mine.length > 0;
    io.out(`    ${a}  ${mine.length > 0 ? p.green(`${mine.length} log file(s)`) : p.red('no log file')}${mine.length > 0 ? `  e.g. ${mine[0].key}` : ''}`);
  }
  const others = [...byAccount.keys()].filter((a) => !(ACCOUNTS as readonly string[]).includes(a)).sort();
  if (others.length > 0) io.out(p.dim(`    also delivered for accounts not onboarded (the organization trail logs every account of the organization): ${others.join(', ')}`));

  let noOwnTrail = true;
  for (const a of ACCOUNTS) {
    const ct = createClient(CloudTrailClient, { region, credentials: adminCredentials(world, a, 'OrganizationAccountAccessRole') });
    try {
      const trails = (await ct.send(new DescribeTrailsCommand({}))).trailList ?? [];
      const own = trails.filter((t) => t.TrailARN?.split(':')[4] === a);
      const seen = trails.filter((t) => t.IsOrganizationTrail && t.TrailARN === trailArn).length > 0;
      noOwnTrail &&= own.length === 0;
      io.out(
        `  ${a}  trails of its own: ${own.length === 0 ? p.green('none') : p.red(own.map((t) => t.TrailARN).join(', '))}` +
          `${seen ? p.dim(' (DescribeTrails there lists the organization trail)') : ''}`,
      );
    } finally {
      ct.destroy();
    }
  }
  return { trailArn, ok: logging && trusted && allArrived && noOwnTrail };
}

/**
 * Drift: changed behind the service's back, detected by event, repaired, reported. Account mode: a
 * member's administrator stops its trail and a stack update rewrites the bucket policy with only its
 * own statements. Organization mode: the bucket policy only (no member has a trail of its own to stop;
 * the organization trail is the management account's).
 */
async function driftStory(world: SimWorld, config: AppConfig, store: StatusStore, io: Io, p: Palette, organizationTrailArn: string | undefined): Promise<{ ok: boolean }> {
  const tampered = organizationTrailArn ? undefined : ACCOUNTS[1];
  await securityAccountTrail(world, config);
  io.out(
    tampered
      ? `\n${p.bold('Drift')}: ${tampered}'s administrator stops its trail; a stack update rewrites the bucket policy with only its own statements`
      : `\n${p.bold('Drift')}: a stack update rewrites the bucket policy with only its own statements`,
  );
  const runsFrom = world.stepFunctions.list().length;
  const notesFrom = world.events.invocations().length;
  const onboardingBus = `arn:aws:events:${config.homeRegion}:${orchestratorAccount(config)}:event-bus/cloudtrail-onboarding`;
  const receivedFrom = world.events.received(onboardingBus).length;
  world.resetCalls();
  if (tampered) await stopMemberTrail(world, tampered, config);
  await rewriteBucketPolicy(world, config);
  const tamperWrites = world.writeCalls().length;
  await world.settle();
  const story = [] as string[];
  const changes = world.events
    .received(onboardingBus)
    .slice(receivedFrom)
    .map((r) => r.event)
    .filter((e) => e['detail-type'] === 'AWS API Call via CloudTrail')
    .map((e) => {
      const d = e.detail as { eventName: string; userIdentity?: { arn?: string } };
      return `${d.eventName} in ${e.account} by ${d.userIdentity?.arn?.split(':').pop() ?? 'unknown'}`;
    });
  story.push(`  forwarded to the onboarding bus (the service's own writes are ignored): ${changes.join(', ') || 'nothing'}`);
  const eventRuns = world.stepFunctions.list().slice(runsFrom).filter((x) => x.name.endsWith('-event'));
  const repairedItems = [] as { health?: string; drift?: { code: string }[] }[];
  for (const x of eventRuns) {
    const rec = await store.getAccount(JSON.parse(x.input).accountId as string);
    if (rec) repairedItems.push(rec);
    const found = (rec?.drift ?? []).map((d) => `${d.resource} ${d.code}`).join(', ');
    story.push(`  ${x.name} ${x.status}: ${rec?.health} — ${found || 'nothing left to repair'}`);
  }
  const repairWrites = world.writeCalls().slice(tamperWrites).filter((c) => c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}`);
  story.push(`  writes: ${repairWrites.join(', ') || 'none'}`);
  const notes = world.events.invocations().slice(notesFrom).filter((i) => /:sns:/.test(i.targetArn));
  story.push(`  notifications sent to the topic: ${notes.length}`);
  const trailArn = organizationTrailArn ?? `arn:aws:cloudtrail:${config.homeRegion}:${tampered}:trail/${config.trailName}`;
  const delivers = await world.canCloudTrailDeliver(trailArn);
  story.push(`  ${organizationTrailArn ? 'organization trail' : 'trail'} delivers again: bucket ${delivers.bucket ? 'yes' : 'no'}, key ${delivers.key ? 'yes' : 'no'}`);
  io.out(story.join('\n'));
  const codesRepaired = repairedItems.filter((r) => r.health === 'REPAIRED').flatMap((r) => (r.drift ?? []).map((d) => d.code));
  const ok =
    eventRuns.length > 0 &&
    eventRuns.every((x) => x.status === 'SUCCEEDED') &&
    (!tampered || codesRepaired.includes('TrailNotLogging')) &&
    codesRepaired.includes('GrantMissing') &&
    notes.length > 0 &&
    delivers.bucket &&
    delivers.key;
  return { ok };
}

/**
 * The security team's own trail in the log-archive account (into a bucket of its own): without a
 * trail logging there, that account's API calls reach no EventBridge bus, and the bucket policy's
 * change would be found only by the fleet reconcile.
 */
async function securityAccountTrail(world: SimWorld, config: AppConfig): Promise<void> {
  const bucket = `security-account-trail-${DEMO.logArchiveAccountId}`;
  seedTrailBucket(world, { name: bucket, ownerAccountId: DEMO.logArchiveAccountId, trailAccountId: DEMO.logArchiveAccountId, region: config.homeRegion });
  const ct = createClient(CloudTrailClient, { region: config.homeRegion, credentials: adminCredentials(world, DEMO.logArchiveAccountId, 'Administrator') });
  await ct.send(new CreateTrailCommand({ Name: 'security-account-trail', S3BucketName: bucket, IsMultiRegionTrail: true }));
  await ct.send(new StartLoggingCommand({ Name: 'security-account-trail' }));
  ct.destroy();
}

/** What a member account's administrator would do: stop the account's trail. */
async function stopMemberTrail(world: SimWorld, accountId: string, config: AppConfig): Promise<void> {
  const ct = createClient(CloudTrailClient, { region: config.homeRegion, credentials: adminCredentials(world, accountId, 'OrganizationAccountAccessRole') });
  await ct.send(new StopLoggingCommand({ Name: config.trailName }));
  ct.destroy();
}

/** What a stack update in the log-archive account would do: rewrite the bucket policy without the service's statements. */
async function rewriteBucketPolicy(world: SimWorld, config: AppConfig): Promise<void> {
  const s3 = createClient(S3Client, { region: config.homeRegion, credentials: adminCredentials(world, DEMO.logArchiveAccountId, 'Administrator') });
  const current = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: config.bucketName }))).Policy ?? '{}') as { Statement: PolicyStatement[] };
  await s3.send(new PutBucketPolicyCommand({ Bucket: config.bucketName, Policy: JSON.stringify({ ...current, Statement: current.Statement.filter((st) => !isOwnedStatement(st)) }) }));
  s3.destroy();
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
