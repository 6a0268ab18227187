/**
 * A terminal failure injected at each step: the execution ends FAILED with a named error and a cause,
 * the status table says FAILED, and a re-run ends in exactly the state of a clean run.
 */
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { parsePolicy } from '../../../handlers/domain/policy-document';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import type { FaultSpec } from '../../../local/sim';
import sample from '../../../config/onboarding.sample.json';
import { accountResources, DEMO, startLocal, type Local } from '../harness';

const CLEAN = '100000000001';
const CASES: { step: string; account: string; fault: (a: string) => FaultSpec; atState?: string }[] = [
  { step: 'ValidateRequest', account: '100000000002', fault: () => ({ service: 'organizations', operation: 'DescribeAccount', error: 'AccessDenied' }) },
  { step: 'EnsureSwitchRole', account: '100000000003', fault: (a) => ({ service: 'iam', operation: 'CreateRole', accountId: a, error: 'AccessDenied' }) },
  { step: 'EnsureBucketPolicy', account: '100000000004', fault: () => ({ service: 's3', operation: 'PutBucketPolicy', error: 'AccessDenied' }) },
  { step: 'EnsureKeyPolicy', account: '100000000005', fault: () => ({ service: 'kms', operation: 'PutKeyPolicy', error: 'AccessDenied' }) },
  { step: 'EnsureTrail', account: '100000000006', fault: (a) => ({ service: 'cloudtrail', operation: 'CreateTrail', accountId: a, error: 'AccessDenied' }) },
  { step: 'EnsureReaderRole', account: '100000000007', fault: () => ({ service: 'iam', operation: 'CreateRole', accountId: DEMO.logArchiveAccountId, error: 'AccessDenied' }) },
  // The status write of RecordResult: injected when that state is entered.
  { step: 'RecordResult', account: '100000000008', fault: () => ({ service: 'dynamodb', operation: 'UpdateItem', error: 'AccessDenied' }), atState: 'RecordResult' },
];

let local: Local;
beforeAll(async () => {
  local = await startLocal({ extraMembers: [CLEAN, ...CASES.map((c) => c.account)] });
  expect((await local.run({ accountId: CLEAN })).status).toBe('SUCCEEDED');
});
afterAll(() => local.stop());

describe.each(CASES)('AccessDenied injected at $step', ({ step, account, fault, atState }) => {
  it('fails with AccessDenied, records FAILED naming the step, then a re-run ends as a clean run', async () => {
    // prepare
    const stop = atState
      ? local.sfn.addListener((_n, e) => {
          if (e.type === 'StateEntered' && e.state === atState) local.world.faults.inject(fault(account));
        })
      : undefined;
    if (!atState) local.world.faults.inject(fault(account));

    // act
    const failed = await local.run({ accountId: account });
    stop?.();
    local.world.faults.clear();

    // assert: a named error with a cause a person can act on, recorded in the table
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('AccessDenied');
    expect(failed.cause).toMatch(new RegExp(`^${step}: `));
    expect(await local.status.getAccount(account)).toMatchObject({ status: 'FAILED', error: { name: 'AccessDenied', step } });

    const rerun = await local.run({ accountId: account });
    expect(rerun.status).toBe('SUCCEEDED');
    expect(await local.status.getAccount(account)).toMatchObject({ status: 'ONBOARDED' });
    expect(accountResources(local.world, account)).toEqual(accountResources(local.world, CLEAN));
  });
});

describe('after every failure and re-run', () => {
  it('both shared policies grant every account, and keep the foreign statements', () => {
    const snap = local.world.snapshot();
    const dest = logDestinationFromConfig(parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sample), 'status')));
    const bucket = parsePolicy(JSON.stringify(snap.buckets[DEMO.bucketName].policy), 'bucket policy');
    const key = parsePolicy(JSON.stringify(snap.keys[DEMO.keyArn].policy), 'key policy');
    const all = [CLEAN, ...CASES.map((c) => c.account)].sort();
    expect(accountsInBucketPolicy(bucket, dest)).toEqual(all);
    expect(accountsInKeyPolicy(key, dest)).toEqual(all);
    expect(bucket.Statement.map((s) => s.Sid).slice(0, 2)).toEqual(['AWSCloudTrailAclCheckOrgTrail', 'AWSCloudTrailWriteOrgTrail']);
  });
});
