/**
 * Five onboardings started at once: the shared-policy lease serializes the writes, renders from the
 * member set (so the burst coalesces) and nothing is lost.
 */
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { parsePolicy, type PolicyStatement } from '../../../handlers/domain/policy-document';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import sample from '../../../config/onboarding.sample.json';
import { DEMO, startLocal, type Local } from '../harness';

const ACCOUNTS = [...DEMO.memberAccountIds];
let local: Local;
let foreignBefore: { bucket: PolicyStatement[]; key: PolicyStatement[] };
let results: Awaited<ReturnType<Local['run']>>[];

beforeAll(async () => {
  local = await startLocal();
  const snap = local.world.snapshot();
  foreignBefore = {
    bucket: (snap.buckets[DEMO.bucketName].policy as { Statement: PolicyStatement[] }).Statement,
    key: (snap.keys[DEMO.keyArn].policy as { Statement: PolicyStatement[] }).Statement,
  };
  results = await Promise.all(ACCOUNTS.map((a) => local.run({ accountId: a }, `onboard-${a}`)));
});
afterAll(() => local.stop());

describe('five accounts onboarded at once', () => {
  it('all five executions succeed and are recorded ONBOARDED', async () => {
    expect(results.map((r) => r.status)).toEqual(ACCOUNTS.map(() => 'SUCCEEDED'));
    for (const a of ACCOUNTS) expect(await local.status.getAccount(a)).toMatchObject({ status: 'ONBOARDED' });
  });

  it('all five are in both shared policies, and the foreign statements are intact and in place', () => {
    const snap = local.world.snapshot();
    const dest = logDestinationFromConfig(parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sample), 'status')));
    const bucket = parsePolicy(JSON.stringify(snap.buckets[DEMO.bucketName].policy), 'bucket policy');
    const key = parsePolicy(JSON.stringify(snap.keys[DEMO.keyArn].policy), 'key policy');
    expect(accountsInBucketPolicy(bucket, dest)).toEqual([...ACCOUNTS].sort());
    expect(accountsInKeyPolicy(key, dest)).toEqual([...ACCOUNTS].sort());
    expect(bucket.Statement.slice(0, foreignBefore.bucket.length)).toEqual(foreignBefore.bucket);
    expect(key.Statement.slice(0, foreignBefore.key.length)).toEqual(foreignBefore.key);
  });

  it('coalesces the burst: fewer policy writes than accounts, each policy written under the lease', () => {
    const writes = local.world.writeCalls();
    const bucketWrites = writes.filter((c) => c.operation === 'PutBucketPolicy').length;
    const keyWrites = writes.filter((c) => c.operation === 'PutKeyPolicy').length;
    expect(bucketWrites).toBeGreaterThanOrEqual(1);
    expect(bucketWrites).toBeLessThan(ACCOUNTS.length);
    expect(keyWrites).toBeGreaterThanOrEqual(1);
    expect(keyWrites).toBeLessThan(ACCOUNTS.length);
  });

  it('every account trail can deliver', async () => {
    for (const a of ACCOUNTS) {
      expect(await local.world.canCloudTrailDeliver(`arn:aws:cloudtrail:eu-west-1:${a}:trail/org-member-trail`)).toEqual({ bucket: true, key: true });
    }
  });
});
