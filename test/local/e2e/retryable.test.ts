/**
 * Passing conditions are retried by the state machine (and the SDK) until the onboarding succeeds:
 * throttling, 5xx, IAM propagation, a brand-new account whose access role is not assumable yet.
 */
import type { FaultSpec } from '../../../local/sim';
import { startLocal, type Local } from '../harness';

const CASES: [string, string, (a: string) => FaultSpec[]][] = [
  ['throttling of IAM CreateRole (three times: past the SDK retry)', '200000000001', (a) => [{ service: 'iam', operation: 'CreateRole', accountId: a, error: 'Throttling', times: 3 }]],
  ['a 5xx from KMS PutKeyPolicy', '200000000002', () => [{ service: 'kms', operation: 'PutKeyPolicy', error: 'ServiceUnavailable', times: 3 }]],
  ['S3 SlowDown on GetBucketPolicy', '200000000003', () => [{ service: 's3', operation: 'GetBucketPolicy', error: 'Throttling', times: 3 }]],
  ['CloudTrail not seeing the new policies yet', '200000000004', (a) => [{ service: 'cloudtrail', operation: 'CreateTrail', accountId: a, error: 'Propagation', times: 2 }]],
  ['DynamoDB throttling the lease', '200000000005', () => [{ service: 'dynamodb', operation: 'PutItem', error: 'Throttling', times: 3 }]],
];

let local: Local;
beforeAll(async () => {
  local = await startLocal({ extraMembers: [...CASES.map((c) => c[1]), '200000000009'] });
});
afterAll(() => local.stop());

describe.each(CASES)('%s', (_label, account, faults) => {
  it('is retried and the onboarding succeeds', async () => {
    for (const f of faults(account)) local.world.faults.inject(f);
    const r = await local.run({ accountId: account });
    expect(local.world.faults.pending()).toEqual([]); // every injected fault was hit
    expect(r.status).toBe('SUCCEEDED');
    expect(r.history.some((h) => h.type === 'StateRetried')).toBe(true);
  });
});

describe('a brand-new account whose access role is not assumable yet', () => {
  it('is retried as MemberAccountNotReady until it is, then onboarded', async () => {
    local.world.setAccountReadyAfter('200000000009', 3);
    const r = await local.run({ accountId: '200000000009' });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.history.filter((h) => h.type === 'StateFailed').map((h) => h.error)).toContain('MemberAccountNotReady');
  });
});
