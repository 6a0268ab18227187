/**
 * The CLI for operators at scale, against the local simulation (one persistent session, each command a
 * separate invocation): REJECTED and SKIPPED in `list` with their cause, `--status` for them; `retry`
 * says when a retry cannot help and starts nothing; `status` exits alike with and without `--json`;
 * missing or malformed input files are usage errors naming the file; messages name CLI commands.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXIT } from '../../../cli/main';
import { parseAppConfig } from '../../../infra/config';
import { openLocalSession } from '../../../local/session';
import { DEMO } from '../../../local/sim';
import sample from '../../../config/onboarding.sample.json';
import { runLocalCli } from './run-local';

const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-ops-'));
const FILES = mkdtempSync(path.join(tmpdir(), 'onboard-ops-files-'));
const SUSPENDED = DEMO.suspendedAccountId;
const OK = '444455556666';
const FAILING = '555566667777';
const NEVER = '666677778888';
const onboard = (...argv: string[]) => runLocalCli(DIR, ...argv);

afterAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  rmSync(FILES, { recursive: true, force: true });
});

beforeAll(async () => {
  expect((await onboard('start', OK)).code).toBe(EXIT.ok);
  expect((await onboard('start', SUSPENDED)).code).toBe(EXIT.failed);
  const s = await openLocalSession({ dir: DIR, config: parseAppConfig(sample) });
  s.world.faults.inject({ service: 'iam', operation: 'CreateRole', accountId: FAILING, error: 'AccessDenied' });
  await s.close();
  expect((await onboard('start', FAILING)).code).toBe(EXIT.failed);
}, 180_000);

describe('onboard list', () => {
  it('shows a REJECTED account with its error and cause', async () => {
    const r = await onboard('list');
    expect(r.code).toBe(EXIT.ok);
    const line = r.out.split('\n').find((l) => l.startsWith(SUSPENDED))!;
    expect(line).toMatch(/REJECTED .*ValidateRequest: AccountNotActive .*is SUSPENDED in Organizations/);
    expect(r.out.split('\n')[0]).toMatch(/^ACCOUNT +STATUS +UPDATED +EXECUTION +ERROR +CAUSE$/);
  });

  it.each([
    ['REJECTED', [SUSPENDED]],
    ['ONBOARDED', [OK]],
    ['FAILED', [FAILING]],
    ['SKIPPED', []],
  ])('--status %s lists only those accounts (--json)', async (status, ids) => {
    const r = await onboard('list', '--status', status, '--json');
    expect(r.code).toBe(EXIT.ok);
    expect((JSON.parse(r.out) as { accountId: string }[]).map((x) => x.accountId)).toEqual(ids);
  });

  it('refuses a status that does not exist, naming the choices (exit 2)', async () => {
    const r = await onboard('list', '--status', 'DONE');
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/IN_PROGRESS, ONBOARDED, FAILED, REJECTED, SKIPPED/);
  });
});

describe('onboard retry', () => {
  it('says a retry cannot help a SUSPENDED account, what would have to change, exits 1 and starts nothing', async () => {
    const before = await onboard('status', SUSPENDED, '--json');
    const r = await onboard('retry', SUSPENDED);
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toMatch(/A retry of 999900001111 cannot help: it was rejected \(AccountNotActive\)/);
    expect(r.out).toMatch(/to onboard {3}the account must be ACTIVE in Organizations/);
    expect(r.out).toContain(`onboard retry ${SUSPENDED} --force`);
    const after = await onboard('status', SUSPENDED, '--json');
    expect(JSON.parse(after.out).execution.executionName).toBe(JSON.parse(before.out).execution.executionName);
  });

  it('retries anyway with --force (it is rejected again while the account is SUSPENDED)', async () => {
    const r = await onboard('retry', SUSPENDED, '--force');
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toContain(`started execution onboard-${SUSPENDED}-retry-1`);
    expect(r.out).toMatch(/rejected {5}ValidateRequest: AccountNotActive/);
  });

  it('retries a FAILED account as before', async () => {
    const r = await onboard('retry', FAILING, '--no-wait');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(`started execution onboard-${FAILING}-retry-1`);
  });

  it('names the CLI command, not an API body, for an account never started', async () => {
    const r = await onboard('retry', NEVER);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain(`Start one with: onboard start ${NEVER}`);
    expect(r.err).not.toMatch(/POST|\{"accountId"/);
  });
});

describe('onboard status exits alike with and without --json', () => {
  it.each([
    ['ONBOARDED', OK, EXIT.ok],
    ['REJECTED', SUSPENDED, EXIT.failed],
  ])('%s: the same exit code with and without --json', async (_status, id, code) => {
    const text = await onboard('status', id);
    const json = await onboard('status', id, '--json');
    expect([text.code, json.code]).toEqual([code, code]);
  });

  it('a REJECTED account shows what would have to change instead of "re-run with"', async () => {
    const r = await onboard('status', SUSPENDED);
    expect(r.out).toMatch(/to onboard {3}the account must be ACTIVE/);
    expect(r.out).not.toContain('re-run with');
  });

  it('an account never started: exit 2 both ways, with the CLI command to start it', async () => {
    const text = await onboard('status', NEVER);
    const json = await onboard('status', NEVER, '--json');
    expect([text.code, json.code]).toEqual([EXIT.usage, EXIT.usage]);
    expect(text.err).toContain(`onboard start ${NEVER}`);
  });
});

describe('input files are usage errors (exit 2) naming the file and the problem', () => {
  const bucket = path.join(FILES, 'bucket.json');
  const key = path.join(FILES, 'key.json');
  beforeAll(() => {
    writeFileSync(bucket, JSON.stringify({ Version: '2012-10-17', Statement: [] }));
    writeFileSync(key, '{ "Version": "2012-10-17", "Statement": [ ');
  });

  it('plan --bucket-policy with a missing file', async () => {
    const missing = path.join(FILES, 'nope.json');
    const r = await onboard('plan', OK, '--bucket-policy', missing, '--key-policy', bucket);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain(`--bucket-policy ${missing}: cannot read the file (no such file)`);
  });

  it('plan --key-policy with malformed JSON', async () => {
    const r = await onboard('plan', OK, '--bucket-policy', bucket, '--key-policy', key);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(new RegExp(`--key-policy ${key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON`));
  });

  it('plan with a policy file that is not an object', async () => {
    const list = path.join(FILES, 'list.json');
    writeFileSync(list, '[]');
    const r = await onboard('plan', OK, '--bucket-policy', list, '--key-policy', bucket);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('expected a JSON object (a policy document), found an array');
  });

  it.each([
    ['missing', () => path.join(FILES, 'no-config.json'), /cannot read JSON: ENOENT/],
    ['malformed', () => (writeFileSync(path.join(FILES, 'bad.json'), '{"homeRegion": '), path.join(FILES, 'bad.json')), /cannot read JSON/],
    ['invalid', () => (writeFileSync(path.join(FILES, 'invalid.json'), '{"homeRegion": "eu-west-1"}'), path.join(FILES, 'invalid.json')), /managementAccountId/],
  ])('--config pointing to a %s file', async (_label, file, problem) => {
    const f = file();
    const r = await onboard('--config', f, 'list');
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain(f);
    expect(r.err).toMatch(problem);
  });
});
