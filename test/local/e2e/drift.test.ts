/**
 * Drift (issue 10, first part): after an onboarding, changes made the way an administrator would make
 * them (the real SDK, the account's own admin role) are found by a `report` run of the same state
 * machine -- named items, zero AWS writes -- and undone by an `apply` run, which records REPAIRED.
 */
import { CloudTrailClient, PutEventSelectorsCommand, StopLoggingCommand, UpdateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { createClient } from '../../../handlers/shared/clients';
import { isOwnedStatement, type PolicyStatement } from '../../../handlers/domain/policy-document';
import { DEMO, startLocal, type Local } from '../harness';

const MEMBER = DEMO.memberAccountIds[0];
const TRAIL = 'org-member-trail';
let local: Local;

const asMemberAdmin = () => local.world.credentialsFor(`arn:aws:sts::${MEMBER}:assumed-role/OrganizationAccountAccessRole/admin`);
const asLogArchiveAdmin = () => local.world.credentialsFor(`arn:aws:sts::${DEMO.logArchiveAccountId}:assumed-role/Administrator/admin`);
const awsWrites = () => local.world.writeCalls().filter((c) => c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}`);
const codes = (drift: readonly { resource: string; code: string }[] | undefined) => (drift ?? []).map((d) => `${d.resource}:${d.code}`).sort();

beforeAll(async () => {
  // This file starts its reconcile runs itself: no change starts one by event (change-events.test.ts does).
  local = await startLocal({ loseApiCallEvents: true });
  const r = await local.run({ accountId: MEMBER }, `onboard-${MEMBER}`);
  if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ended ${r.status}: ${r.error}`);
});
afterAll(() => local.stop());

describe('a report run on an onboarded account that nobody touched', () => {
  it('finds nothing, writes nothing to AWS, and records HEALTHY with the verification time', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: MEMBER, mode: 'report' }, `reconcile-${MEMBER}-report-1`);
    expect(r.status).toBe('SUCCEEDED');
    expect(awsWrites()).toEqual([]);
    const item = await local.status.getAccount(MEMBER);
    expect(item).toMatchObject({ status: 'ONBOARDED', health: 'HEALTHY', drift: [] });
    expect(item?.lastVerifiedAt).toEqual(expect.any(String));
  });
});

describe('changes made by administrators', () => {
  beforeAll(async () => {
    const ct = createClient(CloudTrailClient, { region: DEMO.region, credentials: asMemberAdmin() });
    await ct.send(new StopLoggingCommand({ Name: TRAIL }));
    await ct.send(new UpdateTrailCommand({ Name: TRAIL, EnableLogFileValidation: false }));
    ct.destroy();
    const iam = createClient(IAMClient, { region: DEMO.region, credentials: asMemberAdmin() });
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::222233334444:root', `arn:aws:iam::${MEMBER}:root`] }, Action: 'sts:AssumeRole' }],
    };
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'SecurityAuditFromLogArchive', PolicyDocument: JSON.stringify(trust) }));
    iam.destroy();
    // A stack update rewrites the bucket policy with only its own statements.
    const s3 = createClient(S3Client, { region: DEMO.region, credentials: asLogArchiveAdmin() });
    const current = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }))).Policy!) as { Statement: PolicyStatement[] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: JSON.stringify({ ...current, Statement: current.Statement.filter((st) => !isOwnedStatement(st)) }) }));
    s3.destroy();
  });

  it('a report run names each change, writes nothing to AWS, and records DRIFTED', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: MEMBER, mode: 'report' }, `reconcile-${MEMBER}-report-2`);
    expect(r.status).toBe('SUCCEEDED');
    expect(awsWrites()).toEqual([]);
    const item = await local.status.getAccount(MEMBER);
    expect(item?.health).toBe('DRIFTED');
    expect(codes(item?.drift)).toEqual(['bucketPolicy:GrantMissing', 'switchRole:RoleTrustChanged', 'trail:TrailLogFileValidationOff', 'trail:TrailNotLogging']);
    expect(await local.world.canCloudTrailDeliver(`arn:aws:cloudtrail:${DEMO.region}:${MEMBER}:trail/${TRAIL}`)).toEqual({ bucket: false, key: true });
  });

  it('an apply run repairs exactly those, and records REPAIRED with what it changed', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: MEMBER, mode: 'apply' }, `reconcile-${MEMBER}-apply-1`);
    expect(r.status).toBe('SUCCEEDED');
    expect(awsWrites().sort()).toEqual(['cloudtrail:StartLogging', 'cloudtrail:UpdateTrail', 'iam:UpdateAssumeRolePolicy', 's3:PutBucketPolicy']);
    const item = await local.status.getAccount(MEMBER);
    expect(item?.health).toBe('REPAIRED');
    expect(codes(item?.drift)).toEqual(['bucketPolicy:GrantMissing', 'switchRole:RoleTrustChanged', 'trail:TrailLogFileValidationOff', 'trail:TrailNotLogging']);
    expect(await local.world.canCloudTrailDeliver(`arn:aws:cloudtrail:${DEMO.region}:${MEMBER}:trail/${TRAIL}`)).toEqual({ bucket: true, key: true });
  });

  it('the next run finds nothing and records HEALTHY; the one after writes nothing at all', async () => {
    await local.run({ accountId: MEMBER }, `reconcile-${MEMBER}-apply-2`);
    expect(await local.status.getAccount(MEMBER)).toMatchObject({ health: 'HEALTHY', drift: [] });
    local.world.resetCalls();
    const r = await local.run({ accountId: MEMBER }, `reconcile-${MEMBER}-apply-3`);
    expect(r.status).toBe('SUCCEEDED');
    expect(local.world.writeCalls()).toEqual([]);
  });
});

describe('bad input', () => {
  it('an unknown mode is rejected by name before anything is read or written', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: MEMBER, mode: 'fix-everything' }, `reconcile-${MEMBER}-bad`);
    expect({ status: r.status, error: r.error }).toEqual({ status: 'FAILED', error: 'InvalidRequest' });
    expect(r.cause).toMatch(/mode is "fix-everything"; it must be one of "apply", "report"/);
    expect(local.world.writeCalls()).toEqual([]);
  });
});

describe('event selectors and delivery', () => {
  const ct = () => createClient(CloudTrailClient, { region: DEMO.region, credentials: asMemberAdmin() });

  it('write-only event selectors are drift, named, and repaired back to every management event', async () => {
    const c = ct();
    await c.send(new PutEventSelectorsCommand({ TrailName: TRAIL, EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] }));
    c.destroy();
    await local.run({ accountId: MEMBER, mode: 'report' }, `reconcile-${MEMBER}-report-3`);
    expect(codes((await local.status.getAccount(MEMBER))?.drift)).toEqual(['trail:TrailEventSelectorsNarrowed']);
    local.world.resetCalls();
    await local.run({ accountId: MEMBER }, `reconcile-${MEMBER}-apply-4`);
    expect(awsWrites()).toEqual(['cloudtrail:PutEventSelectors']);
    expect((await local.status.getAccount(MEMBER))?.health).toBe('REPAIRED');
  });

  it('a key policy without the service\'s statement stops delivery: drift GrantMissing, and once delivery has failed the key grant is repaired', async () => {
    // Time passes: the trail delivers; then the key policy loses the service's statements.
    local.world.cloudtrail.deliver();
    const { KMSClient, GetKeyPolicyCommand, PutKeyPolicyCommand } = await import('@aws-sdk/client-kms');
    const kms = createClient(KMSClient, { region: DEMO.region, credentials: asLogArchiveAdmin() });
    const doc = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: DEMO.keyArn, PolicyName: 'default' }))).Policy!) as { Statement: PolicyStatement[] };
    await kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, PolicyName: 'default', Policy: JSON.stringify({ ...doc, Statement: doc.Statement.filter((st) => !isOwnedStatement(st)) }) }));
    kms.destroy();
    await local.run({ accountId: MEMBER, mode: 'report' }, `reconcile-${MEMBER}-report-4`);
    expect(codes((await local.status.getAccount(MEMBER))?.drift)).toEqual(['keyPolicy:GrantMissing']);
    await local.run({ accountId: MEMBER }, `reconcile-${MEMBER}-apply-5`);
    expect((await local.status.getAccount(MEMBER))?.health).toBe('REPAIRED');
  });
});


describe('the central key', () => {
  const kmsAdmin = async () => {
    const { KMSClient } = await import('@aws-sdk/client-kms');
    return createClient(KMSClient, { region: DEMO.region, credentials: asLogArchiveAdmin() });
  };

  it('scheduled for deletion: named KeyPendingDeletion by a report; a reconcile cancels the deletion and enables the key', async () => {
    const { ScheduleKeyDeletionCommand, DescribeKeyCommand } = await import('@aws-sdk/client-kms');
    const kms = await kmsAdmin();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 7 }));
    await local.run({ accountId: MEMBER, mode: 'report' }, `reconcile-${MEMBER}-report-key`);
    expect(codes((await local.status.getAccount(MEMBER))?.drift)).toEqual(['key:KeyPendingDeletion']);
    local.world.resetCalls();
    await local.run({ accountId: MEMBER }, `reconcile-${MEMBER}-apply-key`);
    expect(awsWrites()).toEqual(['kms:CancelKeyDeletion', 'kms:EnableKey']);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: DEMO.keyArn }))).KeyMetadata?.KeyState).toBe('Enabled');
    expect((await local.status.getAccount(MEMBER))?.health).toBe('REPAIRED');
    kms.destroy();
  });
});
