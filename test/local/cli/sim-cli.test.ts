/**
 * `npm run sim` (local/sim-cli.ts): an administrator of an account changes the local simulation
 * through the real SDK client, in the session `onboard --local` keeps. Run in process exactly as
 * the binary runs it (`runSim(argv, io)`), sharing one session directory with `runCli`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXIT, runCli } from '../../../cli/main';
import { OWNERSHIP } from '../../../handlers/shared/config';
import { runSim, SIM_EXIT } from '../../../local/sim-cli';
import sample from '../../../config/onboarding.sample.json';

const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-sim-'));
const MEMBER = '444455556666';
const LOG_ARCHIVE = sample.logArchiveAccountId;
const BUCKET = 'org-cloudtrail-logs-222233334444';
const TRAIL = 'org-member-trail';

type Run = { code: number; out: string; err: string };

async function collect(run: (io: { out(s: string): void; err(s: string): void }) => Promise<number>): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run({ out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const onboard = (...argv: string[]) => collect((io) => runCli(['--local', '--state-dir', DIR, ...argv], io));
const sim = (...argv: string[]) => collect((io) => runSim(['--state-dir', DIR, ...argv], io));

beforeAll(async () => {
  expect((await onboard('start', MEMBER)).code).toBe(EXIT.ok);
});

afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('sim as an account administrator', () => {
  it("StopLogging as the member account's administrator stops its trail; GetTrailStatus then reports IsLogging false", async () => {
    // act
    const stop = await sim('--as', MEMBER, 'cloudtrail', 'StopLogging', JSON.stringify({ Name: TRAIL }));

    // assert
    expect(stop).toEqual({ code: SIM_EXIT.ok, out: '{}', err: '' });
    const status = await sim('--as', MEMBER, 'cloudtrail', 'GetTrailStatus', JSON.stringify({ Name: TRAIL }));
    expect(status.code).toBe(SIM_EXIT.ok);
    const output = JSON.parse(status.out);
    expect(output.IsLogging).toBe(false);
    expect(output).not.toHaveProperty('$metadata');
  });

  it('acts as OrganizationAccountAccessRole in a member account and as Administrator where the account has one', async () => {
    const member = JSON.parse((await sim('--as', MEMBER, 'sts', 'GetCallerIdentity')).out);
    expect(member.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/OrganizationAccountAccessRole/sim`);
    const logArchive = JSON.parse((await sim('--as', LOG_ARCHIVE, 'sts', 'GetCallerIdentity', '{}')).out);
    expect(logArchive.Arn).toBe(`arn:aws:sts::${LOG_ARCHIVE}:assumed-role/Administrator/sim`);
  });

  it('the change is in the session onboard --local uses: status still answers afterwards', async () => {
    const status = await onboard('status', MEMBER, '--json');
    expect(status.code).toBe(EXIT.ok);
    expect(JSON.parse(status.out)).toMatchObject({ accountId: MEMBER, status: 'ONBOARDED' });
  });

  it("PutBucketPolicy as the log-archive administrator with only the foreign statements replaces the service's statements", async () => {
    // prepare: the bucket policy as a stack update would rewrite it, without the service's statements
    const current = await sim('--as', LOG_ARCHIVE, 's3', 'GetBucketPolicy', JSON.stringify({ Bucket: BUCKET }));
    expect(current.code).toBe(SIM_EXIT.ok);
    const policy = JSON.parse(JSON.parse(current.out).Policy) as { Statement: { Sid?: string }[] };
    const foreign = policy.Statement.filter((s) => !s.Sid?.startsWith(OWNERSHIP.sidPrefix));
    expect(foreign.length).toBeLessThan(policy.Statement.length);

    // act
    const put = await sim('--as', LOG_ARCHIVE, 's3', 'PutBucketPolicy', JSON.stringify({ Bucket: BUCKET, Policy: JSON.stringify({ ...policy, Statement: foreign }) }));

    // assert
    expect(put).toEqual({ code: SIM_EXIT.ok, out: '{}', err: '' });
    const after = JSON.parse(JSON.parse((await sim('--as', LOG_ARCHIVE, 's3', 'GetBucketPolicy', JSON.stringify({ Bucket: BUCKET }))).out).Policy);
    expect(after.Statement).toEqual(foreign);
  });

  it('an operation IAM denies prints the AWS error name and message and exits 1', async () => {
    // the member account's administrator has AdministratorAccess, but the bucket is another account's
    const r = await sim('--as', MEMBER, 's3', 'PutBucketPolicy', JSON.stringify({ Bucket: BUCKET, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
    expect(r.code).toBe(SIM_EXIT.failed);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error: AccessDenied: \S/);
  });

  it('an AWS error of the operation itself exits 1 with its name', async () => {
    const r = await sim('--as', MEMBER, 'cloudtrail', 'GetTrailStatus', JSON.stringify({ Name: 'no-such-trail' }));
    expect(r.code).toBe(SIM_EXIT.failed);
    expect(r.err).toMatch(/^error: TrailNotFoundException: /);
  });
});

describe('sim usage errors exit 2 with a named message', () => {
  it.each([
    ['an unknown service', ['--as', MEMBER, 'ec2', 'DescribeInstances'], /^error: UnknownService: Unknown service "ec2": one of iam, s3, kms, cloudtrail, sts, organizations/],
    ['an unknown operation', ['--as', MEMBER, 'cloudtrail', 'StopLoging'], /^error: UnknownOperation: .*@aws-sdk\/client-cloudtrail has no StopLogingCommand/],
    ['an operation spelled as the AWS CLI does', ['--as', MEMBER, 'cloudtrail', 'stop-logging'], /^error: UnknownOperation: .*Did you mean StopLogging\?/],
    ['input that is not JSON', ['--as', MEMBER, 'cloudtrail', 'StopLogging', '{Name: x}'], /^error: InvalidInput: The input is not JSON/],
    ['input that is not a JSON object', ['--as', MEMBER, 'cloudtrail', 'StopLogging', '["x"]'], /^error: InvalidInput: The input must be a JSON object/],
    ['a malformed account id', ['--as', '4444', 'sts', 'GetCallerIdentity'], /^error: InvalidAccountId: --as: an account id has 12 digits/],
    ['an account not in the simulation', ['--as', '123456789012', 'sts', 'GetCallerIdentity'], /^error: UnknownAccount: --as: account 123456789012 is not in the local simulation/],
    ['a role the account does not have', ['--as', MEMBER, '--role', 'Nobody', 'sts', 'GetCallerIdentity'], /^error: NoAdministratorRole: Account 444455556666 has no role Nobody/],
    ['an operation the simulation does not implement', ['--as', MEMBER, 'kms', 'Encrypt', '{}'], /^error: OperationNotSimulated: The local simulation does not implement kms Encrypt \(it implements .*PutKeyPolicy/],
    ['a missing --as', ['sts', 'GetCallerIdentity'], /required option '--as <account-id>' not specified/],
    ['a missing operation', ['--as', MEMBER, 'sts'], /missing required argument 'operation'/],
  ])('%s', async (_label, argv, message) => {
    const r = await sim(...argv);
    expect(r.code).toBe(SIM_EXIT.usage);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  it('--help names the role that stands for the administrator and exits 0', async () => {
    const r = await sim('--help');
    expect(r.code).toBe(SIM_EXIT.ok);
    expect(r.out).toMatch(/Administrator role when the account has one[\s\S]*OrganizationAccountAccessRole/);
  });
});
