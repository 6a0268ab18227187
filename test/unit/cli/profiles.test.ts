/**
 * `onboard profiles` on a fake backend: the printed fragment parses as INI (the `ini` package, the
 * parser npm itself uses), every profile has role_arn and a source_profile that the fragment defines
 * or that it names as required (the given --source-profile, the accounts' own profiles), no profile
 * twice, names safe and unique, not-ONBOARDED accounts left out with a line on stderr; shared reader
 * mode prints the assume-role commands with the session tag instead of a reader profile.
 */
import { parse } from 'ini';
import * as context from '../../../cli/context';
import { runCli } from '../../../cli/main';
import { accountSlugs, safeName } from '../../../cli/profiles';
import { consoleLinks, switchRoleConsoleLink, accountLogFilesPrefix } from '../../../handlers/domain/access-links';
import type { AccountStatusItem } from '../../../handlers/adapters/status-store';
import { parseRuntimeConfig, type RuntimeConfigInput } from '../../../handlers/shared/config';
import { viewLinks } from '../../../handlers/api/http';
import { BASE_CONFIG } from '../steps/fakes';

const LA = '222233334444';
const A = '444455556666';
const B = '555566667777';
const C = '666677778888';
const D = '777788889999';
const SHARED_READER = `arn:aws:iam::${LA}:role/CloudTrailOnboarding-LogReader`;

function item(accountId: string, status: AccountStatusItem['status'], shared = false): AccountStatusItem {
  return {
    pk: `ACCOUNT#${accountId}`,
    accountId,
    status,
    startedAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    switchRoleArn: `arn:aws:iam::${accountId}:role/SecurityAuditFromLogArchive`,
    readerRoleArn: shared ? SHARED_READER : `arn:aws:iam::${LA}:role/CloudTrailLogReader-${accountId}`,
  };
}

/** A backend whose status table holds `items` and whose Organizations knows `names` (DescribeAccount). */
function fakeBackend(items: AccountStatusItem[], names: Record<string, string>, overrides: Partial<RuntimeConfigInput> = {}) {
  const byId = new Map(items.map((i) => [i.accountId, i]));
  return {
    mode: 'local',
    config: parseRuntimeConfig({ ...BASE_CONFIG, ...overrides }),
    status: { getAccount: async (id: string) => byId.get(id), listAccounts: async () => [...byId.values()] },
    organizations: () => ({
      send: async (cmd: { input: { AccountId: string } }) => {
        const name = names[cmd.input.AccountId];
        if (!name) throw Object.assign(new Error('not a member'), { name: 'AccountNotFoundException' });
        return { Account: { Id: cmd.input.AccountId, Name: name } };
      },
    }),
    close: async () => undefined,
  } as unknown as context.Backend;
}

async function onboard(backend: context.Backend, ...argv: string[]) {
  jest.spyOn(context, 'openBackend').mockResolvedValue(backend);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--local', ...argv], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The profile sections of a parsed ~/.aws/config fragment, by profile name. */
function profilesOf(text: string): Record<string, Record<string, string>> {
  const parsed = parse(text) as Record<string, Record<string, string>>;
  return Object.fromEntries(Object.entries(parsed).map(([section, v]) => [section.replace(/^profile /, ''), v]));
}

/** The section headers as written, to catch a profile printed twice (a parser would merge them). */
const headersOf = (text: string) => text.split('\n').filter((l) => l.startsWith('['));

afterEach(() => jest.restoreAllMocks());

describe('onboard profiles (per-account reader roles)', () => {
  const items = [item(A, 'ONBOARDED'), item(B, 'ONBOARDED'), item(C, 'FAILED'), item(D, 'ONBOARDED')];
  // Two accounts share a name: both get their id appended.
  const names = { [A]: 'Prod Payments', [B]: 'Sandbox', [D]: 'sandbox!' };

  it('prints a fragment that parses, each profile with role_arn and a known source_profile, none twice', async () => {
    const r = await onboard(fakeBackend(items, names), 'profiles', '--source-profile', 'sec-admin');
    expect(r.code).toBe(0);

    const profiles = profilesOf(r.out);
    const headers = headersOf(r.out);
    expect(new Set(headers).size).toBe(headers.length);
    expect(Object.keys(profiles).sort()).toEqual([
      'ct-prod-payments-audit',
      'ct-prod-payments-logs',
      `ct-sandbox-${B}-audit`,
      `ct-sandbox-${B}-logs`,
      `ct-sandbox-${D}-audit`,
      `ct-sandbox-${D}-logs`,
    ]);
    const required = /^# Expects these profiles to exist already: (.*)$/m.exec(r.out)![1].split(', ');
    expect(required.sort()).toEqual(['prod-payments', 'sec-admin', `sandbox-${B}`, `sandbox-${D}`].sort());
    for (const [name, p] of Object.entries(profiles)) {
      expect(p.role_arn).toMatch(/^arn:aws:iam::\d{12}:role\//);
      expect([...Object.keys(profiles), ...required]).toContain(p.source_profile);
      expect(name).toMatch(/^[a-z0-9-]+$/);
    }
    expect(profiles['ct-prod-payments-audit']).toEqual({
      role_arn: `arn:aws:iam::${A}:role/SecurityAuditFromLogArchive`,
      source_profile: 'sec-admin',
      role_session_name: 'ct-prod-payments-audit',
    });
    expect(profiles['ct-prod-payments-logs']).toMatchObject({ role_arn: `arn:aws:iam::${LA}:role/CloudTrailLogReader-${A}`, source_profile: 'prod-payments' });
  });

  it('leaves out the accounts that are not ONBOARDED, naming each on stderr', async () => {
    const r = await onboard(fakeBackend(items, names), 'profiles', A, C, '999999999999');
    expect(r.code).toBe(0);
    expect(r.err.split('\n').sort()).toEqual([`left out: ${C} is FAILED, not ONBOARDED`, 'left out: 999999999999 is not in the status table, not ONBOARDED']);
    expect(r.out).not.toContain(C);
    expect(Object.keys(profilesOf(r.out))).toEqual(['ct-prod-payments-audit', 'ct-prod-payments-logs']);
  });

  it('fails (exit 1) when none of the accounts asked for is onboarded', async () => {
    const r = await onboard(fakeBackend(items, names), 'profiles', C);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`left out: ${C} is FAILED, not ONBOARDED`);
  });

  it('--kind switch prints only the switch profiles, and --json the same data', async () => {
    const text = await onboard(fakeBackend(items, names), 'profiles', '--kind', 'switch');
    const json = await onboard(fakeBackend(items, names), 'profiles', '--kind', 'switch', '--json');
    const data = JSON.parse(json.out);
    const fromText = profilesOf(text.out);
    expect(Object.keys(fromText).every((n) => n.endsWith('-audit'))).toBe(true);
    expect(data.profiles.map((p: { name: string }) => p.name).sort()).toEqual(Object.keys(fromText).sort());
    for (const p of data.profiles) expect(fromText[p.name]).toEqual({ role_arn: p.roleArn, source_profile: p.sourceProfile, role_session_name: p.roleSessionName });
    expect(data.requiredProfiles).toEqual(['security']);
    expect(data.leftOut).toEqual([{ accountId: C, status: 'FAILED' }]);
  });

  it('shows the commands that list and fetch the account\'s own log files with its reader profile', async () => {
    const r = await onboard(fakeBackend(items, names), 'profiles', A);
    expect(r.out).toContain(`#   aws s3 ls s3://org-cloudtrail-logs-222233334444/cloudtrail/AWSLogs/${A}/ --recursive --profile ct-prod-payments-logs --region eu-west-1`);
    expect(r.out).toContain(`#   aws s3 cp s3://org-cloudtrail-logs-222233334444/cloudtrail/AWSLogs/${A}/ ./cloudtrail-${A}/ --recursive --profile ct-prod-payments-logs --region eu-west-1`);
  });

  it('refuses a malformed account id or source profile by name', async () => {
    expect((await onboard(fakeBackend(items, names), 'profiles', '12345')).err).toMatch(/^error: InvalidAccountId/);
    const bad = await onboard(fakeBackend(items, names), 'profiles', '--source-profile', 'a b');
    expect({ code: bad.code, err: bad.err }).toEqual({ code: 2, err: expect.stringMatching(/^error: UsageError: --source-profile/) });
  });
});

describe('onboard profiles (the shared reader role)', () => {
  const shared = { readerAccess: { mode: 'shared' as const }, sharedReaderRoleArn: SHARED_READER };

  it('prints no reader profile but the assume-role command with the session tag, and says why', async () => {
    const r = await onboard(fakeBackend([item(A, 'ONBOARDED', true)], { [A]: 'Prod' }, shared), 'profiles');
    expect(Object.keys(profilesOf(r.out))).toEqual(['ct-prod-audit']);
    expect(r.out).toContain('AWS CLI profiles have no setting for session tags');
    expect(r.out).toContain(`aws sts assume-role --profile prod --role-arn ${SHARED_READER} --role-session-name logs-${A} --tags Key=CloudTrailLogsAccount,Value=${A}`);
    expect(r.out).toMatch(/Expects these profiles to exist already: prod, security$/m);
  });
});

describe('names and links', () => {
  it.each([
    ['Prod Payments', 'prod-payments'],
    ['--A__B..c--', 'a-b-c'],
    ['日本', ''],
  ])('safeName(%j) = %j', (name, safe) => expect(safeName(name)).toBe(safe));

  it('an account without a usable name is named by its id; a clash appends the id', () => {
    expect([...accountSlugs([{ accountId: A, name: '日本' }, { accountId: B, name: 'x' }, { accountId: C, name: 'X' }, { accountId: D }])]).toEqual([
      [A, A],
      [B, `x-${B}`],
      [C, `x-${C}`],
      [D, D],
    ]);
  });

  it('the console link carries account, roleName (with its path) and the URL-encoded display name', () => {
    expect(switchRoleConsoleLink(`arn:aws:iam::${A}:role/ops/Audit`, 'Prod & co audit')).toBe(`https://signin.aws.amazon.com/switchrole?account=${A}&roleName=ops/Audit&displayName=Prod%20%26%20co%20audit`);
    expect(switchRoleConsoleLink(`arn:aws-cn:iam::${A}:role/Audit`, 'x')).toBeUndefined();
    expect(switchRoleConsoleLink('not-an-arn', 'x')).toBeUndefined();
  });

  it('the shared reader role gets no console link (the console cannot pass its session tag)', () => {
    const config = parseRuntimeConfig({ ...BASE_CONFIG, readerAccess: { mode: 'shared' }, sharedReaderRoleArn: SHARED_READER });
    expect(consoleLinks(config, { accountId: A, switchRoleArn: item(A, 'ONBOARDED').switchRoleArn, readerRoleArn: SHARED_READER })).toEqual({
      switchRole: `https://signin.aws.amazon.com/switchrole?account=${A}&roleName=SecurityAuditFromLogArchive&displayName=${A}%20audit`,
    });
  });

  it('the log prefix follows the trail mode', () => {
    const account = parseRuntimeConfig(BASE_CONFIG);
    const org = parseRuntimeConfig({ ...BASE_CONFIG, trailMode: 'organization' });
    expect(accountLogFilesPrefix(account, A)).toBe(`cloudtrail/AWSLogs/${A}/`);
    expect(accountLogFilesPrefix(org, A)).toBe(`cloudtrail/AWSLogs/o-a1b2c3d4e5/${A}/`);
    expect(accountLogFilesPrefix(parseRuntimeConfig({ ...BASE_CONFIG, logPrefix: undefined, trailMode: 'organization' }), A)).toBe(`AWSLogs/o-a1b2c3d4e5/${A}/`);
  });

  it("GET /accounts/{id}'s links: only for an ONBOARDED account", () => {
    const config = parseRuntimeConfig(BASE_CONFIG);
    const record = item(A, 'ONBOARDED');
    expect(viewLinks({ accountId: A, status: 'ONBOARDED', record }, config)).toEqual({
      console: {
        switchRole: `https://signin.aws.amazon.com/switchrole?account=${A}&roleName=SecurityAuditFromLogArchive&displayName=${A}%20audit`,
        readerRole: `https://signin.aws.amazon.com/switchrole?account=${LA}&roleName=CloudTrailLogReader-${A}&displayName=${A}%20logs`,
      },
      logFiles: { bucket: 'org-cloudtrail-logs-222233334444', prefix: `cloudtrail/AWSLogs/${A}/`, region: 'eu-west-1' },
    });
    expect(viewLinks({ accountId: A, status: 'FAILED', record }, config)).toBeUndefined();
  });
});
