/**
 * `onboard offboard` and `plan --offboard`: what the command line accepts and refuses (exit 2, before
 * anything starts), the reason recorded (who ran it and --reason), --no-wait and --json, following the
 * execution to its end (exit 0 / 1), and what status and list show of an offboarding -- against a fake
 * backend (in-memory executions and status items), no AWS and no simulation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as context from '../../../cli/context';
import { EXIT, runCli } from '../../../cli/main';
import { causeOf, formatView } from '../../../cli/format';
import { retryCannotHelp } from '../../../cli/operator';
import type { AccountStatusItem } from '../../../handlers/adapters/status-store';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import type { OnboardingView } from '../../../handlers/start';
import { BASE_CONFIG } from '../steps/fakes';
import { arnOf, FakeExecutions } from '../start/fake-executions';

const ID = '444455556666';
const CALLER = 'arn:aws:sts::111122223333:assumed-role/Operator/jane';
const ONBOARDED_AT = '2026-12-01T19:30:00.123Z';
const NAME = `offboard-${ID}-20261201T193000Z`;
const SAMPLE_CONFIG = path.join(__dirname, '../../../config/onboarding.sample.json');
const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-offboard-unit-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** An onboarded account's status item. */
const onboarded = (): AccountStatusItem => ({ pk: `ACCOUNT#${ID}`, accountId: ID, status: 'ONBOARDED', startedAt: '2026-12-01T19:00:00.000Z', onboardedAt: ONBOARDED_AT, updatedAt: ONBOARDED_AT }) as AccountStatusItem;

/**
 * A backend over FakeExecutions. `finish`: the status an execution started through it has when it is
 * next described (and the status item it leaves), so following it needs no waiting.
 */
function fakeBackend(opts: { finish?: 'SUCCEEDED' | 'FAILED' } = {}) {
  const fake = new FakeExecutions();
  fake.items.set(ID, onboarded());
  const deps = fake.deps();
  const executions = { ...deps.executions };
  let startedName: string | undefined;
  executions.startExecution = async (name, input) => {
    startedName = name;
    return deps.executions.startExecution(name, input);
  };
  executions.describeExecution = async (arn) => {
    const x = startedName ? fake.executions.get(startedName) : undefined;
    if (x && opts.finish && arn === arnOf(x.name) && x.status === 'RUNNING') {
      x.status = opts.finish;
      const reason = JSON.parse(x.input).reason as string;
      fake.items.set(ID, {
        ...onboarded(),
        status: opts.finish === 'SUCCEEDED' ? 'OFFBOARDED' : 'FAILED',
        executionArn: arn,
        offboarding: { reason, executionArn: arn, startedAt: '2026-12-01T20:00:00.000Z', ...(opts.finish === 'SUCCEEDED' ? { offboardedAt: '2026-12-01T20:00:05.000Z', removed: ['trail', 'switchRole', 'bucketPolicy', 'keyPolicy', 'readerRole'], leftBehind: [] } : {}) },
      } as AccountStatusItem);
    }
    return deps.executions.describeExecution(arn);
  };
  const status = {
    getAccount: async (id: string) => fake.items.get(id),
    listAccounts: jest.fn(async (filter: { status?: string }) => [...fake.items.values()].filter((i) => !filter.status || i.status === filter.status)),
  };
  const backend = {
    mode: 'local',
    config: parseRuntimeConfig(BASE_CONFIG),
    start: { ...deps, executions, status },
    status,
    stepDeps: () => {
      throw new Error('not used');
    },
    pollMs: 0,
    running: executions,
    organizations: () => {
      throw new Error('not used');
    },
    close: async () => undefined,
  } as unknown as context.Backend;
  return { fake, backend, status };
}

/** Runs one invocation against `backend` (the caller: CALLER). */
async function onboard(backend: context.Backend | undefined, ...argv: string[]) {
  const open = jest.spyOn(context, 'openBackend').mockImplementation(async () => backend ?? Promise.reject(new Error('no backend in this test')));
  jest.spyOn(context, 'callerArnOf').mockResolvedValue(CALLER);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--local', ...argv], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n'), opened: open.mock.calls.length };
}

afterEach(() => jest.restoreAllMocks());

describe('onboard offboard: the command line', () => {
  it.each([
    ['no account id', ['offboard'], /missing required argument 'account-id'/],
    ['--reason without its text', ['offboard', ID, '--reason'], /option '--reason <text>' argument missing/],
    ['an unknown option', ['offboard', ID, '--force'], /unknown option '--force'/],
    ['two account ids', ['offboard', ID, '555566667777'], /too many arguments for 'offboard'/],
  ])('%s: exit 2, nothing opened or started', async (_what, argv, message) => {
    const { fake, backend } = fakeBackend();
    const r = await onboard(backend, ...argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(message);
    expect(r.opened).toBe(0);
    expect(fake.started()).toEqual([]);
  });

  it.each([
    ['a malformed id', ['offboard', '4444'], 'InvalidAccountId'],
    ['an empty --reason', ['offboard', ID, '--reason', ' '], 'InvalidRequest'],
    ['a --reason on two lines', ['offboard', ID, '--reason', 'a\nb'], 'InvalidRequest'],
    ['an account never onboarded', ['offboard', '123412341234'], 'NothingToOffboard'],
  ])('%s: exit 2 with the named error, nothing started', async (_what, argv, name) => {
    const { fake, backend } = fakeBackend();
    const r = await onboard(backend, ...argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(new RegExp(`^error: ${name}: `));
    expect(fake.started()).toEqual([]);
  });
});

describe('onboard offboard: starting and following', () => {
  it('--no-wait starts the offboarding with who ran it and --reason, prints it and exits 0', async () => {
    const { fake, backend } = fakeBackend();
    const r = await onboard(backend, 'offboard', ID, '--reason', 'contract ended', '--no-wait');
    expect({ code: r.code, out: r.out, err: r.err }).toEqual({ code: EXIT.ok, out: `Offboarding ${ID}: started execution ${NAME}`, err: '' });
    expect(fake.started()).toEqual([NAME]);
    expect(JSON.parse(fake.executions.get(NAME)!.input)).toEqual({ accountId: ID, action: 'offboard', reason: `onboard offboard by ${CALLER}: contract ended` });
  });

  it('--no-wait --json prints the start as data; a second one answers already-running and starts nothing', async () => {
    const { fake, backend } = fakeBackend();
    const first = await onboard(backend, 'offboard', ID, '--no-wait', '--json');
    expect(JSON.parse(first.out)).toMatchObject({ outcome: 'started', accountId: ID, executionName: NAME, status: 'RUNNING' });
    const second = await onboard(backend, 'offboard', ID, '--no-wait', '--json');
    expect({ code: second.code, outcome: JSON.parse(second.out).outcome }).toEqual({ code: EXIT.ok, outcome: 'already-running' });
    expect(fake.started()).toEqual([NAME]);
  });

  it('follows the execution to its end and prints what was removed and left behind; exit 0', async () => {
    const { backend } = fakeBackend({ finish: 'SUCCEEDED' });
    const r = await onboard(backend, 'offboard', ID, '--reason', 'contract ended');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out.split('\n')).toEqual(
      expect.arrayContaining([
        `Offboarding ${ID}: started execution ${NAME}`,
        `${ID}  OFFBOARDED`,
        `  reason       onboard offboard by ${CALLER}: contract ended`,
        '  removed      trail, switchRole, bucketPolicy, keyPolicy, readerRole',
        '  left behind  nothing',
      ]),
    );
  });

  it('--json after following: the outcome and the view, with the offboarding record', async () => {
    const { backend } = fakeBackend({ finish: 'SUCCEEDED' });
    const r = await onboard(backend, 'offboard', ID, '--json');
    expect(JSON.parse(r.out)).toMatchObject({ outcome: 'started', status: 'OFFBOARDED', record: { offboarding: { reason: `onboard offboard by ${CALLER}`, leftBehind: [] } } });
  });

  it('exits 1 when the offboarding fails, naming offboard (not retry) to run it again', async () => {
    const { backend } = fakeBackend({ finish: 'FAILED' });
    const r = await onboard(backend, 'offboard', ID);
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toContain(`  re-run with  onboard offboard ${ID}`);
  });
});

describe('onboard plan --offboard: the command line', () => {
  it.each([
    ['another account id', ['plan', '--offboard', ID, '555566667777'], /--offboard plans one account alone/],
    ['--all', ['plan', '--offboard', ID, '--all'], /--offboard plans one account alone/],
    ['no account id', ['plan', '--offboard'], /option '--offboard <account-id>' argument missing/],
  ])('with %s: exit 2, nothing opened', async (_what, argv, message) => {
    const r = await onboard(undefined, ...argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(message);
    expect(r.opened).toBe(0);
  });

  it('offline (--bucket-policy, --key-policy): { bucketPolicy, keyPolicy, accounts }, no backend opened', async () => {
    // prepare: policies that grant the account (an onboarding's plan of it, written as the files)
    const root = { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: 'kms:*', Resource: '*' };
    writeFileSync(path.join(DIR, 'empty-bucket.json'), JSON.stringify({ Version: '2012-10-17', Statement: [] }));
    writeFileSync(path.join(DIR, 'root-key.json'), JSON.stringify({ Version: '2012-10-17', Statement: [root] }));
    const files = ['--bucket-policy', path.join(DIR, 'empty-bucket.json'), '--key-policy', path.join(DIR, 'root-key.json')];
    const onboarding = JSON.parse((await runOffline('plan', ID, ...files, '--json')).out);
    writeFileSync(path.join(DIR, 'bucket.json'), JSON.stringify(onboarding.bucketPolicy.document));
    writeFileSync(path.join(DIR, 'key.json'), JSON.stringify(onboarding.keyPolicy.document));

    // act
    const r = await runOffline('plan', '--offboard', ID, '--bucket-policy', path.join(DIR, 'bucket.json'), '--key-policy', path.join(DIR, 'key.json'), '--json');

    // assert
    expect(r.code).toBe(EXIT.ok);
    const plan = JSON.parse(r.out);
    expect(Object.keys(plan)).toEqual(['bucketPolicy', 'keyPolicy', 'accounts']);
    expect(plan.bucketPolicy).toMatchObject({ changed: true, accounts: 0 });
    expect(plan.bucketPolicy.document).toEqual({ Version: '2012-10-17', Statement: [] });
    expect(plan.keyPolicy.document).toEqual({ Version: '2012-10-17', Statement: [root] });
    expect(plan.accounts[ID]).toMatchObject({ action: 'offboard', bucketPolicy: 'withdrawn', keyPolicy: 'withdrawn' });
  });

  /** `--config <sample> ...`: against no backend at all. */
  async function runOffline(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--config', SAMPLE_CONFIG, ...argv], { out: (s) => out.push(s), err: (s) => err.push(s) });
    if (code !== EXIT.ok) throw new Error(err.join('\n'));
    return { code, out: out.join('\n') };
  }
});

describe('what status, list and retry show of an offboarding', () => {
  const record = (x: Partial<AccountStatusItem>): Omit<AccountStatusItem, 'pk'> => ({ accountId: ID, status: 'OFFBOARDED', startedAt: '', updatedAt: '', ...x }) as Omit<AccountStatusItem, 'pk'>;
  const left = { resource: 'trail', reason: 'the account cannot be reached through OrganizationAccountAccessRole (AccessDenied: ...)' };
  const offboarded = record({
    switchRoleArn: `arn:aws:iam::${ID}:role/SecurityAuditFromLogArchive`,
    executionArn: arnOf(NAME),
    offboarding: { reason: 'CloseAccount', executionArn: arnOf(NAME), startedAt: '2026-12-01T20:00:00.000Z', offboardedAt: '2026-12-01T20:00:05.000Z', removed: ['bucketPolicy', 'keyPolicy'], leftBehind: [left], readerRoleKeptUntil: '2026-12-31T20:00:00.000Z' },
  });

  it('status: the reason, when, what was removed, what was left behind and why, the kept reader role; no stale resource ARNs', () => {
    const v = { accountId: ID, status: 'OFFBOARDED', statusSource: 'status-table', record: offboarded, execution: { executionArn: arnOf(NAME), executionName: NAME, status: 'SUCCEEDED' }, steps: [] } as unknown as OnboardingView;
    expect(formatView(v).split('\n')).toEqual([
      `${ID}  OFFBOARDED`,
      `  execution    ${NAME} SUCCEEDED`,
      '  reason       CloseAccount',
      '  offboarded   2026-12-01T20:00:05.000Z (asked 2026-12-01T20:00:00.000Z)',
      '  removed      bucketPolicy, keyPolicy',
      `  left behind  trail: ${left.reason}`,
      '  reader role  kept until 2026-12-31T20:00:00.000Z',
    ]);
  });

  it('status of an offboarding under way says since when and why', () => {
    const v = { accountId: ID, status: 'OFFBOARDING', statusSource: 'status-table', record: record({ status: 'OFFBOARDING', offboarding: { reason: 'RemoveAccountFromOrganization', executionArn: arnOf(NAME), startedAt: '2026-12-01T20:00:00.000Z' } }), steps: [] } as unknown as OnboardingView;
    expect(formatView(v)).toContain('  offboarding  since 2026-12-01T20:00:00.000Z');
    expect(formatView(v)).toContain('  reason       RemoveAccountFromOrganization');
  });

  it('list: the last column says when, why, what was removed and what was left behind', () => {
    expect(causeOf(offboarded)).toBe('offboarded 2026-12-01T20:00:05.000Z: CloseAccount; removed bucketPolicy, keyPolicy; left behind trail; reader role kept until 2026-12-31T20:00:00.000Z');
    expect(causeOf(record({ status: 'ONBOARDED', offboarding: offboarded.offboarding }))).toBe('');
  });

  it('list --status OFFBOARDED asks the status index for OFFBOARDED accounts', async () => {
    const { backend, status } = fakeBackend();
    const r = await onboard(backend, 'list', '--status', 'OFFBOARDED', '--json');
    expect(r.code).toBe(EXIT.ok);
    expect(status.listAccounts).toHaveBeenCalledWith({ status: 'OFFBOARDED' });
  });

  it('retry of an offboarded account, or of one whose offboarding failed, would onboard it again: it says so and names the commands', () => {
    expect(retryCannotHelp(offboarded)?.join('\n')).toMatch(new RegExp(`would onboard it again[\\s\\S]*onboard start ${ID}[\\s\\S]*onboard offboard ${ID}`));
    expect(retryCannotHelp(record({ status: 'FAILED', executionArn: arnOf(NAME) }))?.join('\n')).toMatch(/its last run was an offboarding[\s\S]*onboard retry 444455556666 --force/);
    expect(retryCannotHelp(record({ status: 'FAILED', executionArn: arnOf(`onboard-${ID}`) }))).toBeUndefined();
  });
});
