/**
 * `onboard start --all` / `--ou`, several ids, and `plan --all` against the local simulation (issue 11,
 * the backfill), in process as the binary runs: an organization of 38 accounts in OUs (28 in four OUs), some excluded by
 * the configured scope and by --exclude, some suspended, two onboarded before. The pacing runs on the
 * test's own clock (the CLI's `sleep` moves it and yields a moment), so nothing waits in real time.
 *
 * @slow (test/sequencer.js: first on a machine with no timings yet)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXIT, runCli } from '../../../cli/main';
import type { FleetStartReport } from '../../../cli/fleet-start';
import { parseAppConfig } from '../../../infra/config';
import { memberAccountSpecs } from '../../../local/sim/accounts';
import { openLocalSession } from '../../../local/session';
import sample from '../../../config/onboarding.sample.json';

const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-fleet-'));
const ROOT = 'r-a1b2';
const WORKLOADS = 'ou-a1b2-workload';
const PROD = 'ou-a1b2-prod0001';
const DEV = 'ou-a1b2-dev00001';
const SANDBOX = 'ou-a1b2-sandbox1';
const prod = memberAccountSpecs(12, { firstId: '100000000100', parentIds: [PROD], namePrefix: 'prod' });
const dev = memberAccountSpecs(6, { firstId: '100000000200', parentIds: [DEV], namePrefix: 'dev' });
const workloads = memberAccountSpecs(6, { firstId: '100000000300', parentIds: [WORKLOADS], namePrefix: 'wl' });
const sandbox = memberAccountSpecs(4, { firstId: '100000000400', parentIds: [SANDBOX], namePrefix: 'sbx' });
const SUSPENDED = prod.slice(0, 3).map((a) => a.id);
const SCOPE_EXCLUDED = workloads[0].id;
const CLI_EXCLUDED = prod[3].id;
const ONBOARDED_BEFORE = ['444455556666', '555566667777'];
const SECURITY_TOOLING = '333344445555';
const DEMO_REST = ['666677778888', '777788889999', '888899990000'];
/** An active member without OrganizationAccountAccessRole (the demo's security-tooling account): its onboarding fails. */
const FAILS = SECURITY_TOOLING;
/** What `start --all --exclude <dev OU> <one prod account> --exclude <sandbox OU>` must start. */
const EXPECTED = [...prod.slice(4), ...workloads.slice(1)].map((a) => a.id).concat(DEMO_REST, SECURITY_TOOLING).sort();
const EXCLUDES = ['--exclude', DEV, CLI_EXCLUDED, SANDBOX];

// The sample configuration with a scope (an account excluded) and fleet pacing for a small test.
const CONFIG = path.join(DIR, 'config.json');
writeFileSync(CONFIG, JSON.stringify({ ...sample, $schema: undefined, scope: { excludeAccounts: [SCOPE_EXCLUDED] }, fleetStart: { maxConcurrent: 6, maxStartsPerSecond: 2 } }));

let clock = Date.UTC(2026, 11, 1, 9, 0, 0);
const env = (signal = { aborted: false }, progress?: NodeJS.WritableStream & { isTTY?: boolean }) => ({
  signal,
  now: () => new Date(clock),
  sleep: async (ms: number) => {
    clock += ms;
    await new Promise((r) => setTimeout(r, 2));
  },
  ...(progress ? { progress } : {}),
});
/** A non-TTY stream: plain lines go to io.out. */
const PLAIN = { isTTY: false, write: () => true } as unknown as NodeJS.WritableStream;

async function onboard(argv: string[], e = env(), onLine?: (line: string) => void) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--local', '--state-dir', DIR, '--config', CONFIG, ...argv], {
    out: (s) => {
      out.push(s);
      onLine?.(s);
    },
    err: (s) => err.push(s),
  }, { progress: PLAIN, ...e });
  if (process.env.DEBUG_FLEET) console.log(code, out.join('\n'), err.join('\n'));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const lastJson = (text: string): FleetStartReport => JSON.parse(text.slice(text.indexOf('{\n')));

beforeAll(async () => {
  const s = await openLocalSession({ dir: DIR, config: parseAppConfig({ ...sample, scope: { excludeAccounts: [SCOPE_EXCLUDED] } }) });
  const o = s.world.organizations;
  o.createOrganizationalUnit(ROOT, 'Workloads', WORKLOADS);
  o.createOrganizationalUnit(WORKLOADS, 'Prod', PROD);
  o.createOrganizationalUnit(WORKLOADS, 'Dev', DEV);
  o.createOrganizationalUnit(ROOT, 'Sandbox', SANDBOX);
  const specs = [...prod, ...dev, ...workloads, ...sandbox].map((a) => (SUSPENDED.includes(a.id) ? { ...a, state: 'SUSPENDED' as const } : a));
  s.world.addMemberAccounts(specs);
  for (const a of specs) s.world.seedMember(a.id);
  await s.close();
}, 60_000);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('onboard start with several ids', () => {
  it('starts each and follows them to the end with a live progress bar on a TTY, then the summary; one id alone keeps the single-account output', async () => {
    const drawn: string[] = [];
    const tty = { isTTY: true, columns: 120, write: (x: string) => drawn.push(x) > 0, on: () => tty, removeListener: () => tty } as unknown as NodeJS.WritableStream;
    const r = await onboard(['start', ...ONBOARDED_BEFORE], env(undefined, tty));
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/^Fleet start: 2 accounts selected: 2 to start, 0 already onboarded, 0 skipped/);
    // On a TTY no per-account lines: the bar is redrawn in place (cursor movements), its last state complete.
    expect(r.out).not.toContain('started  ');
    const screen = drawn.join('');
    expect(screen).toContain('\x1B[?25l'); // cursor hidden while drawing
    expect(screen).toMatch(/onboarding █+ 2\/2 started \| running 0 \| onboarded 2 \| failed 0 \| skipped 0/);
    expect(r.out).toMatch(/onboarded {22}2/);
    const one = await onboard(['start', ONBOARDED_BEFORE[0]]);
    expect(one.out).toBe(`Account ${ONBOARDED_BEFORE[0]} is already onboarded (execution onboard-${ONBOARDED_BEFORE[0]} SUCCEEDED)`);
  }, 60_000);
});

describe('onboard plan --all', () => {
  it('names what start --all would start, skip (with why) and leave, and the shared-policy diff of adding those it starts', async () => {
    const r = await onboard(['plan', '--all', ...EXCLUDES]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(new RegExp(`Fleet: \\d+ accounts selected: ${EXPECTED.length} would be started, 2 left \\(ONBOARDED\\)`));
    expect(r.out).toContain(`skip   ${SUSPENDED[0]}  not-active: account ${SUSPENDED[0]} is SUSPENDED in Organizations`);
    expect(r.out).toContain(`skip   ${SCOPE_EXCLUDED}  out-of-scope: account ${SCOPE_EXCLUDED} is listed in scope.excludeAccounts`);
    expect(r.out).toContain(`skip   ${dev[0].id}  excluded: account ${dev[0].id} is under ${DEV}, excluded by --exclude`);
    expect(r.out).toContain(`skip   111122223333  not-allowed: the management account`);
    expect(r.out).toMatch(new RegExp(`Bucket policy \\(org-cloudtrail-logs-222233334444\\): changes, .* grants ${EXPECTED.length + 2} accounts`));
    const json = JSON.parse((await onboard(['plan', '--all', ...EXCLUDES, '--json'])).out) as { fleet: { start: string[] }; accounts: Record<string, unknown> };
    expect(json.fleet.start).toEqual(EXPECTED);
    expect(Object.keys(json.accounts).sort()).toEqual(EXPECTED);
  }, 60_000);

  it('--ou selects the accounts under those OUs at any depth (Workloads holds Prod): the suspended left out', async () => {
    const json = JSON.parse((await onboard(['plan', '--ou', WORKLOADS, '--exclude', DEV, '--json'])).out) as { fleet: { start: string[] } };
    expect(json.fleet.start).toEqual([...prod.slice(3), ...workloads.slice(1)].map((a) => a.id).sort());
  }, 60_000);
});

describe('onboard start --all, interrupted and run again', () => {
  const INTERRUPT_AFTER = 6;
  let first: { code: number; out: string };
  let second: { code: number; out: string };
  let report: FleetStartReport;
  beforeAll(async () => {
    // Ctrl-C after the 6th start (main.ts aborts the same signal on SIGINT).
    const signal = { aborted: false };
    let starts = 0;
    first = await onboard(['start', '--all', ...EXCLUDES], env(signal), (line) => {
      if (line.startsWith('started  ') && ++starts === INTERRUPT_AFTER) signal.aborted = true;
    });
    second = await onboard(['start', '--all', ...EXCLUDES, '--json']);
    report = lastJson(second.out);
  }, 180_000);

  it('the interrupted run starts nothing after Ctrl-C, prints plain lines and the summary so far, and exits 130', () => {
    expect(first.code).toBe(EXIT.interrupted);
    expect(first.out.split('\n').filter((l) => l.startsWith('started  '))).toHaveLength(INTERRUPT_AFTER);
    expect(first.out).toContain('Summary (interrupted: nothing more was started; run the same command again to go on)');
    expect(first.out).toMatch(new RegExp(`started by this run {12}${INTERRUPT_AFTER}\n`));
    expect(first.out).toMatch(new RegExp(`not started {20}${EXPECTED.length - INTERRUPT_AFTER}`));
    expect(first.out).toContain(`  ${SUSPENDED[0]}  account ${SUSPENDED[0]} is SUSPENDED in Organizations; only ACTIVE accounts can be onboarded`);
  });

  it('run again, it starts exactly the rest: every in-scope account once, none twice; one failed onboarding is named with its cause, exit 1', () => {
    expect(second.code).toBe(EXIT.failed);
    const started = report.accounts.filter((a) => a.outcome === 'onboarded' || a.outcome === 'failed').map((a) => a.accountId);
    expect(report.counts).toMatchObject({ started: EXPECTED.length - INTERRUPT_AFTER, onboarded: EXPECTED.length - INTERRUPT_AFTER - 1, failed: 1, 'not-started': 0, running: 0 });
    expect(report.accounts.find((a) => a.accountId === FAILS)).toMatchObject({ outcome: 'failed', execution: `onboard-${FAILS}`, reason: expect.stringMatching(/AccessDenied|MemberAccount/) });
    expect(report.counts['already-onboarded']).toBe(INTERRUPT_AFTER + ONBOARDED_BEFORE.length);
    const firstStarted = first.out.split('\n').filter((l) => l.startsWith('started  ')).map((l) => l.split(/\s+/)[1]);
    expect([...firstStarted, ...started].sort()).toEqual(EXPECTED);
    expect(report.interrupted).toBe(false);
    expect(report.limits).toEqual({ maxConcurrent: 6, maxStartsPerSecond: 2 });
  });

  it('every in-scope account ends ONBOARDED with one execution onboard-<id>; the excluded and suspended ones have no execution and no trail', async () => {
    const rows = JSON.parse((await onboard(['list', '--json'])).out) as { accountId: string; status: string }[];
    const status = new Map(rows.map((i) => [i.accountId, i.status]));
    const s = await openLocalSession({ dir: DIR, config: parseAppConfig({ ...sample, scope: { excludeAccounts: [SCOPE_EXCLUDED] } }) });
    try {
      const runs = s.world.stepFunctions.list().map((x) => x.name);
      for (const id of [...EXPECTED, ...ONBOARDED_BEFORE]) {
        expect({ id, runs: runs.filter((n) => n === `onboard-${id}` || n.startsWith(`onboard-${id}-`)) }).toEqual({ id, runs: [`onboard-${id}`] });
        expect({ id, status: status.get(id) }).toEqual({ id, status: id === FAILS ? 'FAILED' : 'ONBOARDED' });
      }
      const trails = Object.keys(s.world.snapshot().trails).join(' ');
      for (const id of [...SUSPENDED, SCOPE_EXCLUDED, CLI_EXCLUDED, ...dev.map((a) => a.id), ...sandbox.map((a) => a.id)]) {
        expect({ id, runs: runs.filter((n) => n.includes(id)) }).toEqual({ id, runs: [] });
        expect({ id, trail: trails.includes(`:${id}:`) }).toEqual({ id, trail: false });
      }
    } finally {
      await s.close();
    }
  }, 60_000);

  it('a third run starts nothing: the onboarded are left, the failed one is not restarted but named with the retry to run', async () => {
    const r = await onboard(['start', '--all', ...EXCLUDES]);
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toMatch(new RegExp(`^Fleet start: \\d+ accounts selected: 1 to start, ${EXPECTED.length + 1} already onboarded`));
    expect(r.out).toMatch(/started by this run {12}0\n/);
    expect(r.out).toContain(`  ${FAILS}  onboard-${FAILS}  `);
    expect(r.out).toContain(`re-run it with: onboard retry ${FAILS}`);
  }, 60_000);
});

describe('usage', () => {
  it('refuses a value of --exclude that is neither an account nor an OU, and start with nothing to start (exit 2)', async () => {
    expect((await onboard(['start', '--all', '--exclude', 'prod'])).code).toBe(EXIT.usage);
    expect((await onboard(['start'])).code).toBe(EXIT.usage);
    expect((await onboard(['start', '--all', '--max-concurrent', '0'])).code).toBe(EXIT.usage);
  }, 60_000);
});
