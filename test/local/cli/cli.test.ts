/**
 * The operator CLI against the local simulation: each command's output and exit code, run in
 * process exactly as the binary runs it (`runCli(argv, io)`), one persistent session directory
 * shared by the commands as separate invocations would share it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXIT, runCli } from '../../../cli/main';
import { runLocalCli } from './run-local';
import { parseAppConfig } from '../../../infra/config';
import { openLocalSession } from '../../../local/session';
import sample from '../../../config/onboarding.sample.json';

const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-cli-'));
/** Outside --local the CLI has no default configuration. */
const SAMPLE_CONFIG = path.join(__dirname, '../../../config/onboarding.sample.json');
const OK = '444455556666';
const FAILING = '555566667777';

const onboard = (...argv: string[]) => runLocalCli(DIR, ...argv);

afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('onboard start', () => {
  it('follows the execution step by step and exits 0 with the produced ARNs', async () => {
    const r = await onboard('start', OK);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(new RegExp(`^Onboarding ${OK}: started execution onboard-${OK}`));
    for (const step of ['ValidateRequest', 'EnsureSwitchRole', 'EnsureBucketPolicy', 'EnsureKeyPolicy', 'EnsureTrail', 'EnsureReaderRole', 'RecordResult']) {
      expect(r.out).toContain(`✓ ${step}`);
    }
    expect(r.out).toContain(`${OK}  ONBOARDED`);
    expect(r.out).toContain(`trail        arn:aws:cloudtrail:eu-west-1:${OK}:trail/org-member-trail`);
  });

  it('answers an onboarded account without starting anything, exit 0', async () => {
    const r = await onboard('start', OK);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toBe(`Account ${OK} is already onboarded (execution onboard-${OK} SUCCEEDED)`);
  });

  it('exits 1 with the failed step, the error name and its cause when the onboarding fails', async () => {
    // prepare: IAM will deny the switch role's creation in the next session
    const s = await openLocalSession({ dir: DIR, config: parseAppConfig(sample) });
    s.world.faults.inject({ service: 'iam', operation: 'CreateRole', accountId: FAILING, error: 'AccessDenied' });
    await s.close();

    // act
    const r = await onboard('start', FAILING);

    // assert
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toContain('✗ EnsureSwitchRole: AccessDenied');
    expect(r.out).toMatch(/failed at {4}EnsureSwitchRole: AccessDenied/);
    expect(r.out).toMatch(/cause {8}EnsureSwitchRole: .*CreateRole/);
    expect(r.out).toContain(`re-run with  onboard retry ${FAILING}`);
  });

  it('tells a failed account to use retry, exit 1, and starts nothing', async () => {
    const r = await onboard('start', FAILING);
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toContain(`Re-run it with: onboard retry ${FAILING}`);
  });

  it.each([
    ['a malformed id', ['start', '12345'], /InvalidAccountId: accountId has 5 digits/],
    ['an unknown command', ['begin', OK], /unknown command 'begin'/],
    ['a missing account id', ['start'], /missing required argument 'account-id'/],
  ])('exits 2 on %s', async (_label, argv, message) => {
    const r = await onboard(...argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(message);
  });
});

describe('onboard status and list', () => {
  it('status prints the status, the execution, the resources and the steps; --json the same as data', async () => {
    const text = await onboard('status', OK);
    expect(text.code).toBe(EXIT.ok);
    expect(text.out).toMatch(new RegExp(`^${OK}  ONBOARDED\\n  execution    onboard-${OK} SUCCEEDED`));
    expect(text.out).toContain('  steps\n    ✓ ValidateRequest');

    const json = await onboard('status', OK, '--json');
    const view = JSON.parse(json.out);
    expect(view).toMatchObject({ accountId: OK, status: 'ONBOARDED', execution: { status: 'SUCCEEDED' }, record: { switchRoleArn: expect.stringContaining(OK) } });
    // Every Task state but RecordFailure (a run that succeeded never reaches it).
    expect(view.steps).toHaveLength(8);
  });

  it('status of a failed account exits 1; of an unknown one exits 2 with OnboardingNotFound', async () => {
    expect((await onboard('status', FAILING)).code).toBe(EXIT.failed);
    const unknown = await onboard('status', '666677778888');
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.err).toMatch(/OnboardingNotFound/);
  });

  it('list shows every account as a table, and --status filters', async () => {
    const all = await onboard('list');
    expect(all.out.split('\n')[0]).toMatch(/^ACCOUNT\s+STATUS\s+UPDATED\s+EXECUTION\s+ERROR\s+CAUSE$/);
    expect(all.out).toMatch(new RegExp(`${OK}\\s+ONBOARDED`));
    expect(all.out).toMatch(new RegExp(`${FAILING}\\s+FAILED.*EnsureSwitchRole: AccessDenied`));
    const failed = JSON.parse((await onboard('list', '--status', 'FAILED', '--json')).out);
    expect(failed.map((x: { accountId: string }) => x.accountId)).toEqual([FAILING]);
    expect((await onboard('list', '--status', 'BROKEN')).code).toBe(EXIT.usage);
  });
});

describe('onboard retry and watch', () => {
  it('retry starts the next run of a failed account, follows it and exits 0', async () => {
    const r = await onboard('retry', FAILING);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(new RegExp(`^Onboarding ${FAILING}: started execution onboard-${FAILING}-retry-1`));
    expect(r.out).toContain(`${FAILING}  ONBOARDED`);
  });

  it('retry --no-wait returns at once with the execution; watch then follows it to the end', async () => {
    const r = await onboard('retry', OK, '--no-wait');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/verification run/);
    const w = await onboard('watch', OK);
    expect(w.code).toBe(EXIT.ok);
    expect(w.out).toContain(`execution    onboard-${OK}-retry-1 SUCCEEDED`);
  });
});

describe('onboard plan', () => {
  it('reads the current policies from the simulation and shows what a new account would change', async () => {
    const r = await onboard('plan', '666677778888');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/^Plan for 1 account/);
    expect(r.out).toMatch(/Bucket policy \(org-cloudtrail-logs-222233334444\): changes, [\d,]+ of 20,480 bytes/);
    expect(r.out).toContain('+            "666677778888"');
  });

  it('shows no change for onboarded accounts', async () => {
    const r = await onboard('plan', OK, FAILING);
    expect(r.out).toMatch(/Bucket policy .*: unchanged/);
    expect(r.out).toMatch(/Key policy .*: unchanged/);
  });

  it('--json offline prints every document in full, keeping the foreign statements of the files', async () => {
    const foreign = { Sid: 'Theirs', Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::org-cloudtrail-logs-222233334444' };
    const bucketFile = path.join(DIR, 'bucket.json');
    const keyFile = path.join(DIR, 'key.json');
    writeFileSync(bucketFile, JSON.stringify({ Version: '2012-10-17', Statement: [foreign] }));
    writeFileSync(keyFile, JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: 'kms:*', Resource: '*' }] }));
    const out: string[] = [];
    const code = await runCli(['--config', SAMPLE_CONFIG, 'plan', OK, FAILING, '--bucket-policy', bucketFile, '--key-policy', keyFile, '--json'], { out: (s) => out.push(s), err: () => undefined });
    expect(code).toBe(EXIT.ok);
    const plan = JSON.parse(out.join('\n'));
    expect(Object.keys(plan).sort()).toEqual(['accounts', 'bucketPolicy', 'keyPolicy']);
    expect(plan.bucketPolicy.document.Statement[0]).toEqual(foreign);
    expect(Object.keys(plan.accounts)).toEqual([OK, FAILING]);
    expect(plan.accounts[OK].switchRole.trustPolicy.Statement[0].Action).toBe('sts:AssumeRole');
    expect(plan.accounts[OK].readerRole.inlinePolicies.ReadOwnCloudTrailLogs.Statement.length).toBeGreaterThan(0);
  });

  it.each([1, 2, 1000])('--json offline for %i account(s): every document, within the limits, foreign statements kept', async (n) => {
    const foreign = { Sid: 'OrgTrail', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: 'arn:aws:s3:::org-cloudtrail-logs-222233334444' };
    const root = { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: 'kms:*', Resource: '*' };
    const bucketFile = path.join(DIR, `bucket-${n}.json`);
    const keyFile = path.join(DIR, `key-${n}.json`);
    writeFileSync(bucketFile, JSON.stringify({ Version: '2012-10-17', Statement: [foreign] }));
    writeFileSync(keyFile, JSON.stringify({ Version: '2012-10-17', Statement: [root] }));
    const ids = Array.from({ length: n }, (_, i) => String(710000000000 + i * 13));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--config', SAMPLE_CONFIG, 'plan', ...ids, '--bucket-policy', bucketFile, '--key-policy', keyFile, '--json'], { out: (x) => out.push(x), err: (x) => err.push(x) });
    expect({ code, err }).toEqual({ code: EXIT.ok, err: [] });
    const plan = JSON.parse(out.join('\n'));
    expect(Object.keys(plan.accounts)).toHaveLength(n);
    expect(plan.bucketPolicy).toMatchObject({ accounts: n, limit: 20480 });
    expect(plan.bucketPolicy.bytes).toBeLessThanOrEqual(20480);
    expect(plan.keyPolicy.bytes).toBeLessThanOrEqual(32768);
    expect(Buffer.byteLength(JSON.stringify(plan.bucketPolicy.document))).toBe(plan.bucketPolicy.bytes);
    expect(plan.bucketPolicy.document.Statement[0]).toEqual(foreign);
    expect(plan.keyPolicy.document.Statement[0]).toEqual(root);
  });
});
