/**
 * One account onboarded end to end: the synthesized state machine, the real handlers, the simulated
 * organization. What exists afterwards is checked by evaluating the real policies.
 */
import { CloudTrailClient, CreateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { createClient } from '../../../handlers/shared/clients';
import { DEMO, startLocal, writes, type Local } from '../harness';

const ACCOUNT = DEMO.memberAccountIds[0];
const OTHER = DEMO.memberAccountIds[1];
const trailArn = (a: string) => `arn:aws:cloudtrail:eu-west-1:${a}:trail/org-member-trail`;
const readerArn = `arn:aws:iam::222233334444:role/CloudTrailLogReader-${ACCOUNT}`;
const readerSession = `arn:aws:sts::222233334444:assumed-role/CloudTrailLogReader-${ACCOUNT}/reader`;
const switchRoleArn = `arn:aws:iam::${ACCOUNT}:role/SecurityAuditFromLogArchive`;

let local: Local;
let first: Awaited<ReturnType<Local['run']>>;

beforeAll(async () => {
  local = await startLocal();
  first = await local.run({ accountId: ACCOUNT }, `onboard-${ACCOUNT}`);
});
afterAll(() => local.stop());

describe('one account onboarded', () => {
  it('ends SUCCEEDED and records ONBOARDED with the ARNs it produced', async () => {
    expect(first).toMatchObject({ status: 'SUCCEEDED' });
    expect(await local.status.getAccount(ACCOUNT)).toMatchObject({
      status: 'ONBOARDED',
      switchRoleArn,
      trailArn: trailArn(ACCOUNT),
      readerRoleArn: readerArn,
      executionArn: first.executionArn,
    });
  });

  it('creates the trail as configured, and it is logging', () => {
    const trail = local.world.snapshot().trails[trailArn(ACCOUNT)] as Record<string, unknown>;
    expect(trail).toMatchObject({
      isLogging: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      logFileValidationEnabled: true,
      s3BucketName: DEMO.bucketName,
      s3KeyPrefix: 'cloudtrail',
      kmsKeyId: DEMO.keyArn,
    });
  });

  it("lets the account's trail deliver to the bucket with the key", async () => {
    expect(await local.world.canCloudTrailDeliver(trailArn(ACCOUNT))).toEqual({ bucket: true, key: true });
  });

  it("refuses a trail of another account that tries to deliver to the central bucket", async () => {
    // The other account's administrator creates the same trail; CloudTrail evaluates the bucket policy.
    const admin = local.world.credentialsFor(`arn:aws:sts::${OTHER}:assumed-role/OrganizationAccountAccessRole/admin`);
    const cloudtrail = createClient(CloudTrailClient, { region: 'eu-west-1', credentials: admin });
    const attempt = cloudtrail.send(
      new CreateTrailCommand({
        Name: 'org-member-trail',
        S3BucketName: DEMO.bucketName,
        S3KeyPrefix: 'cloudtrail',
        KmsKeyId: DEMO.keyArn,
        IsMultiRegionTrail: true,
      }),
    );
    await expect(attempt).rejects.toMatchObject({ name: 'InsufficientS3BucketPolicyException' });
  });

  it('lets the reader role list, read and decrypt its own logs and nothing of another account', async () => {
    const own = `cloudtrail/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/23/file.json.gz`;
    const other = `cloudtrail/AWSLogs/${OTHER}/CloudTrail/eu-west-1/2026/11/23/file.json.gz`;
    expect(await local.world.canAccessLogs(readerSession, 's3:ListBucket', { prefix: `cloudtrail/AWSLogs/${ACCOUNT}/` })).toBe(true);
    expect(await local.world.canAccessLogs(readerSession, 's3:GetObject', { objectKey: own })).toBe(true);
    expect(await local.world.canAccessLogs(readerSession, 'kms:Decrypt', { trailArn: trailArn(ACCOUNT) })).toBe(true);
    expect(await local.world.canAccessLogs(readerSession, 's3:GetObject', { objectKey: other })).toBe(false);
    expect(await local.world.canAccessLogs(readerSession, 's3:ListBucket', { prefix: `cloudtrail/AWSLogs/${OTHER}/` })).toBe(false);
    expect(await local.world.canAccessLogs(readerSession, 'kms:Decrypt', { trailArn: trailArn(OTHER) })).toBe(false);
  });

  it('trusts the reader role to its own account only', async () => {
    expect(await local.world.canAssumeRole(`arn:aws:iam::${ACCOUNT}:root`, readerArn)).toBe(true);
    expect(await local.world.canAssumeRole(`arn:aws:iam::${OTHER}:root`, readerArn)).toBe(false);
  });

  it('lets the security principal assume the switch role, and no other principal', async () => {
    expect(await local.world.canAssumeRole(`arn:aws:iam::${DEMO.logArchiveAccountId}:root`, switchRoleArn)).toBe(true);
    expect(await local.world.canAssumeRole(`arn:aws:iam::${DEMO.managementAccountId}:root`, switchRoleArn)).toBe(false);
    expect(await local.world.canAssumeRole(`arn:aws:iam::${OTHER}:root`, switchRoleArn)).toBe(false);
  });

  it('keeps the foreign statements of both shared policies unchanged and in place', () => {
    const snap = local.world.snapshot();
    const bucket = snap.buckets[DEMO.bucketName].policy as { Statement: { Sid?: string }[] };
    const sids = bucket.Statement.map((s) => s.Sid);
    expect(sids.slice(0, 3)).toEqual(['AWSCloudTrailAclCheckOrgTrail', 'AWSCloudTrailWriteOrgTrail', expect.any(String)]);
    expect(sids.filter((s) => s?.startsWith('CloudTrailOnboarding'))).toEqual(['CloudTrailOnboardingDelivery', 'CloudTrailOnboardingRequireOwnerAcl']);
    const key = snap.keys[DEMO.keyArn].policy as { Statement: { Sid?: string }[] };
    expect(key.Statement.filter((s) => !s.Sid?.startsWith('CloudTrailOnboarding')).length).toBeGreaterThanOrEqual(2);
    expect(local.world.bypassPolicyLockoutSafetyCheckUsed).toBe(false);
  });

  it('a second run on the same account makes zero write calls', async () => {
    local.world.resetCalls();
    const again = await local.run({ accountId: ACCOUNT }, `onboard-${ACCOUNT}-again`);
    expect(again.status).toBe('SUCCEEDED');
    expect(writes(local.world)).toEqual([]);
    expect(local.world.calls.length).toBeGreaterThan(0); // it did read everything
  });
});
