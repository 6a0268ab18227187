/**
 * Offboarding through the operator CLI against the local simulation (each command a separate
 * invocation sharing one session directory, as the binary runs them): `plan --offboard` shows the
 * account's grant going from both shared policies, `offboard` removes it -- exactly the planned
 * documents -- and follows the run to OFFBOARDED with who asked, why, what was removed and what was
 * left behind; `status` and `list` (also `--status OFFBOARDED`) show it; bad input is refused by name
 * and changes nothing; and `start` of the offboarded account onboards it afresh.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXIT } from '../../../cli/main';
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { parsePolicy, type PolicyDocument } from '../../../handlers/domain/policy-document';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import { localSessionPaths, openLocalSession } from '../../../local/session';
import sample from '../../../config/onboarding.sample.json';
import { runLocalCli } from './run-local';

const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-offboard-'));
const LEAVING = '444455556666';
const STAYING = '555566667777';
const ORCHESTRATOR = sample.managementAccountId;
const LA = sample.logArchiveAccountId;
const dest = logDestinationFromConfig(parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sample, 'test'), 'onboarding-status')));

const onboard = (...argv: string[]) => runLocalCli(DIR, ...argv);

/** The shared policies and the leaving account's resources, as the simulation holds them now. */
async function inspect() {
  const session = await openLocalSession({ dir: DIR, config: parseAppConfig(sample) });
  try {
    const w = session.world;
    const bucket = parsePolicy(w.s3.getBucket(dest.bucketName)?.policy, 'bucket policy');
    const key = parsePolicy(w.kms.resolve(dest.keyArn, LA, dest.homeRegion)?.policy, 'key policy');
    return {
      bucket,
      key,
      granted: { bucket: accountsInBucketPolicy(bucket, dest), key: accountsInKeyPolicy(key, dest) },
      trails: w.cloudtrail.list().filter((t) => t.accountId === LEAVING).map((t) => t.name),
      readerRole: w.iam.roleByArn(`arn:aws:iam::${LA}:role/CloudTrailLogReader-${LEAVING}`)?.name,
    };
  } finally {
    await session.close();
  }
}

/** The saved simulated world (world.json), without the time it was saved. */
function savedWorld(): unknown {
  const { savedAt: _savedAt, ...world } = JSON.parse(readFileSync(localSessionPaths(DIR).world, 'utf8')) as Record<string, unknown>;
  return world;
}

let planned: { bucketPolicy: { document: PolicyDocument; diff: string; changed: boolean }; keyPolicy: { document: PolicyDocument; diff: string; changed: boolean }; accounts: Record<string, { bucketPolicy: string; keyPolicy: string }> };

beforeAll(async () => {
  for (const id of [LEAVING, STAYING]) {
    const r = await onboard('start', id);
    if (r.code !== EXIT.ok) throw new Error(`onboarding ${id}: ${r.out}\n${r.err}`);
  }
}, 120_000);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('onboard plan --offboard', () => {
  it("shows the account's grant going from both shared policies, the other account's staying, and writes nothing", async () => {
    const before = await inspect();
    expect(before.granted).toEqual({ bucket: [LEAVING, STAYING], key: [LEAVING, STAYING] });

    const text = await onboard('plan', '--offboard', LEAVING);
    const json = await onboard('plan', '--offboard', LEAVING, '--json');

    expect({ code: text.code, err: text.err }).toEqual({ code: EXIT.ok, err: '' });
    expect(text.out).toMatch(/^Plan: offboard 444455556666/);
    expect(text.out).toMatch(/Bucket policy \(org-cloudtrail-logs-222233334444\): changes, .*grants 1 account/);
    expect(text.out).toMatch(/Key policy \(.*\): changes, .*grants 1 account/);
    expect(text.out).toContain(`-            "${LEAVING}",`);
    planned = JSON.parse(json.out);
    expect(Object.keys(planned)).toEqual(['bucketPolicy', 'keyPolicy', 'accounts']);
    expect(accountsInBucketPolicy(planned.bucketPolicy.document, dest)).toEqual([STAYING]);
    expect(accountsInKeyPolicy(planned.keyPolicy.document, dest)).toEqual([STAYING]);
    expect(planned.accounts[LEAVING]).toMatchObject({ bucketPolicy: 'withdrawn', keyPolicy: 'withdrawn' });
    expect(await inspect()).toEqual(before);
  });

  it('runs as a read-only operator (OperatorReadOnly: the policies through the OperatorRead role)', async () => {
    const session = await openLocalSession({ dir: DIR, config: parseAppConfig(sample) });
    try {
      session.world.iam.createRole(ORCHESTRATOR, {
        name: 'ReadOnlyOperator',
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ORCHESTRATOR}:root` }, Action: 'sts:AssumeRole' }] },
        managedPolicyArns: [`arn:aws:iam::${ORCHESTRATOR}:policy/CloudTrailOnboarding-OperatorReadOnly`],
      });
    } finally {
      await session.close();
    }
    const r = await onboard('--as', 'ReadOnlyOperator', 'plan', '--offboard', LEAVING, '--json');
    expect({ code: r.code, err: r.err }).toEqual({ code: EXIT.ok, err: '' });
    expect(JSON.parse(r.out).bucketPolicy.document).toEqual(planned.bucketPolicy.document);
  });
});

describe('onboard offboard', () => {
  it('refuses bad input by name (exit 2) and changes nothing: a malformed id, an account never onboarded, a reason on two lines', async () => {
    const before = { world: savedWorld(), list: (await onboard('list', '--json')).out };

    const runs = [await onboard('offboard', '4444'), await onboard('offboard', '123412341234'), await onboard('offboard', LEAVING, '--reason', 'contract\nended')];

    expect(runs.map((r) => r.code)).toEqual([EXIT.usage, EXIT.usage, EXIT.usage]);
    expect(runs[0].err).toMatch(/^error: InvalidAccountId: accountId has 4 digits/);
    expect(runs[1].err).toMatch(/^error: NothingToOffboard: Account 123412341234 was never onboarded/);
    expect(runs[2].err).toMatch(/^error: InvalidRequest: The reason holds a control character/);
    expect({ world: savedWorld(), list: (await onboard('list', '--json')).out }).toEqual(before);
  });

  it('a read-only operator cannot offboard: StartExecution is denied, nothing starts', async () => {
    const r = await onboard('--as', 'ReadOnlyOperator', 'offboard', LEAVING, '--no-wait');
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toMatch(/states:StartExecution/);
    expect((await onboard('status', LEAVING)).out).toMatch(new RegExp(`^${LEAVING}  ONBOARDED`));
  });

  it('offboards the account, following the run to its end: exactly the planned policies, its trail and reader role gone; exit 0', async () => {
    const r = await onboard('offboard', LEAVING, '--reason', 'contract ended');

    expect({ code: r.code, err: r.err }).toEqual({ code: EXIT.ok, err: '' });
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Offboarding ${LEAVING}: started execution offboard-${LEAVING}-\\d{8}T\\d{6}Z$`));
    expect(lines).toEqual(expect.arrayContaining(['  ✓ ValidateRequest', '  ✓ OffboardAccount', `${LEAVING}  OFFBOARDED`]));
    expect(r.out).toContain(`  reason       onboard offboard by arn:aws:sts::${ORCHESTRATOR}:assumed-role/Administrator/`);
    expect(r.out).toMatch(/ {2}reason {7}onboard offboard by \S+: contract ended$/m);
    expect(r.out).toContain('  removed      trail, switchRole, changeRules, bucketPolicy, keyPolicy, readerRole');
    expect(r.out).toContain('  left behind  nothing');

    const after = await inspect();
    expect(after.granted).toEqual({ bucket: [STAYING], key: [STAYING] });
    expect(after.bucket).toEqual(planned.bucketPolicy.document);
    expect(after.key).toEqual(planned.keyPolicy.document);
    expect({ trails: after.trails, readerRole: after.readerRole }).toEqual({ trails: [], readerRole: undefined });
  });

  it('status shows it OFFBOARDED with why, when and what was removed; --json carries the record', async () => {
    const text = await onboard('status', LEAVING);
    expect(text.code).toBe(EXIT.ok);
    expect(text.out).toMatch(new RegExp(`^${LEAVING}  OFFBOARDED\\n  execution    offboard-${LEAVING}-\\S+ SUCCEEDED`));
    expect(text.out).toMatch(/ {2}offboarded {3}\S+ \(asked \S+\)/);
    expect(text.out).not.toContain('switch role  arn:');
    const json = JSON.parse((await onboard('status', LEAVING, '--json')).out);
    expect(json.record.offboarding).toMatchObject({ reason: expect.stringMatching(/^onboard offboard by arn:aws:sts::.*: contract ended$/), removed: expect.arrayContaining(['trail', 'readerRole']), leftBehind: [] });
  });

  it('list shows it with the offboarding in the last column; --status OFFBOARDED lists only it', async () => {
    const all = await onboard('list');
    const row = all.out.split('\n').find((l) => l.startsWith(LEAVING));
    expect(row).toMatch(/^444455556666 {2}OFFBOARDED .*offboarded \S+: onboard offboard by \S+: contract ended; removed trail, switchRole, changeRules, bucketPolicy, keyPolicy, readerRole$/);
    expect(all.out.split('\n').find((l) => l.startsWith(STAYING))).toMatch(/ONBOARDED/);
    const only = await onboard('list', '--status', 'OFFBOARDED', '--json');
    expect(only.code).toBe(EXIT.ok);
    expect(JSON.parse(only.out).map((i: { accountId: string; status: string }) => [i.accountId, i.status])).toEqual([[LEAVING, 'OFFBOARDED']]);
  });

  it('plan --offboard now changes nothing: the policies no longer list it', async () => {
    const r = await onboard('plan', '--offboard', LEAVING);
    expect(r.out).toMatch(/Bucket policy .*: unchanged/);
    expect(r.out).toMatch(/Key policy .*: unchanged/);
    expect(r.out).toContain('the policy does not list the account: nothing to withdraw');
  });

  it('retry refuses to onboard an offboarded account again, naming start (exit 1, nothing started)', async () => {
    const r = await onboard('retry', LEAVING);
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toContain(`A retry of ${LEAVING} would onboard it again`);
    expect(r.out).toContain(`onboard start ${LEAVING}`);
    expect((await onboard('status', LEAVING)).out).toMatch(new RegExp(`^${LEAVING}  OFFBOARDED`));
  });
});

describe('onboard start of the offboarded account', () => {
  it('onboards it afresh: ONBOARDED, both grants and its trail back', async () => {
    const r = await onboard('start', LEAVING);
    expect({ code: r.code, err: r.err }).toEqual({ code: EXIT.ok, err: '' });
    expect(r.out).toMatch(new RegExp(`^Onboarding ${LEAVING}: started execution onboard-${LEAVING}-retry-\\d+`));
    expect(r.out).toContain(`${LEAVING}  ONBOARDED`);
    const after = await inspect();
    expect(after.granted).toEqual({ bucket: [LEAVING, STAYING], key: [LEAVING, STAYING] });
    expect(after.trails).toEqual(['org-member-trail']);
    expect(after.readerRole).toBe(`CloudTrailLogReader-${LEAVING}`);
  });
});
