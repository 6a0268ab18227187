/**
 * Whole executions against AWS's sharp edges (issue 8): central policies in the older policy
 * language, a deleted role still named in a foreign statement, a same-named trail homed in another
 * region, and a central bucket with an S3 Bucket Key. Each either onboards as in AWS, or stops with a
 * named error before it writes anything to the shared policies.
 */
import { CloudTrailClient, CreateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { createClient } from '../../../handlers/shared/clients';
import type { SimKey } from '../../../local/sim/kms';
import { DEMO, startLocal, type Local } from '../harness';

const ACCOUNTS = {
  oldVersion: '200000000001',
  versionConflict: '200000000002',
  stalePrincipal: '200000000003',
  trailElsewhere: '200000000004',
  bucketKey: '200000000005',
  noBucketKey: '200000000006',
} as const;

let local: Local;
let saved: { bucket: string | undefined; key: string };

const bucket = () => local.world.s3.getBucket(DEMO.bucketName)!;
const key = (): SimKey => local.world.kms.resolve(DEMO.keyArn, DEMO.logArchiveAccountId, DEMO.region)!;
const edit = (text: string | undefined, fn: (doc: { Version?: string; Statement: Record<string, unknown>[] }) => void): string => {
  const doc = JSON.parse(text ?? '{"Version":"2012-10-17","Statement":[]}') as { Version?: string; Statement: Record<string, unknown>[] };
  fn(doc);
  return JSON.stringify(doc);
};
/** The policy writes (and attempts) of the calls since the last reset. */
const policyWrites = () => local.world.calls.filter((c) => c.operation === 'PutBucketPolicy' || c.operation === 'PutKeyPolicy').map((c) => c.operation);

beforeAll(async () => {
  local = await startLocal({ extraMembers: Object.values(ACCOUNTS) });
  saved = { bucket: bucket().policy, key: key().policy };
});
afterAll(() => local.stop());
beforeEach(() => {
  bucket().policy = saved.bucket;
  key().policy = saved.key;
  local.world.s3.setDefaultEncryption(DEMO.bucketName, undefined);
  local.world.resetCalls();
});

/** The actions the key policy grants CloudTrail in the service's encrypt statement. */
const cloudTrailKeyActions = () =>
  (JSON.parse(key().policy) as { Statement: { Sid?: string; Action?: unknown }[] }).Statement.find((st) => st.Sid === 'CloudTrailOnboardingEncrypt')?.Action;

describe('central policies in the older policy language', () => {
  it('a bucket policy of Version 2008-10-17 and a key policy without Version: onboarded, both written with 2012-10-17, and the trail can deliver', async () => {
    // prepare
    bucket().policy = edit(bucket().policy, (d) => {
      d.Version = '2008-10-17';
    });
    key().policy = edit(key().policy, (d) => {
      delete d.Version;
    });

    // act
    const r = await local.run({ accountId: ACCOUNTS.oldVersion });

    // assert
    expect(r.status).toBe('SUCCEEDED');
    expect(JSON.parse(bucket().policy!).Version).toBe('2012-10-17');
    expect(JSON.parse(key().policy).Version).toBe('2012-10-17');
    const trailArn = `arn:aws:cloudtrail:${DEMO.region}:${ACCOUNTS.oldVersion}:trail/${DEMO.trailName}`;
    expect(await local.world.canCloudTrailDeliver(trailArn)).toEqual({ bucket: true, key: true });
  });

  it('a 2008-10-17 bucket policy whose foreign statement holds ${...}: FAILED with PolicyVersionConflict naming it, nothing written to the policies', async () => {
    // prepare
    bucket().policy = edit(bucket().policy, (d) => {
      d.Version = '2008-10-17';
      d.Statement.push({ Sid: 'LiteralDollar', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${DEMO.bucketName}/\${keep}/*` });
    });
    const before = bucket().policy;

    // act
    const r = await local.run({ accountId: ACCOUNTS.versionConflict });

    // assert
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('PolicyVersionConflict');
    expect(r.cause).toMatch(/^EnsureBucketPolicy: /);
    expect(r.cause).toContain('Sid "LiteralDollar"');
    expect(policyWrites()).toEqual([]);
    expect(bucket().policy).toBe(before);
    expect(await local.status.getAccount(ACCOUNTS.versionConflict)).toMatchObject({ status: 'FAILED', error: { name: 'PolicyVersionConflict', step: 'EnsureBucketPolicy' } });
  });
});

describe('a deleted role still named in the key policy', () => {
  it('FAILED with StalePrincipalInPolicy naming the statement and the unique id; the key policy is not written', async () => {
    // prepare: a foreign statement for a role, which IAM then deleted (KMS shows its unique id)
    const role = local.world.iam.createRole(DEMO.logArchiveAccountId, {
      name: 'RetiredAuditor',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.logArchiveAccountId}:root` }, Action: 'sts:AssumeRole' }] },
    });
    key().policy = edit(key().policy, (d) => {
      d.Statement.push({ Sid: 'AuditorDecrypt', Effect: 'Allow', Principal: { AWS: role.arn }, Action: 'kms:Decrypt', Resource: '*' });
    });
    local.world.replacePrincipalEverywhere(role.arn, role.roleId);
    const before = key().policy;

    // act
    const r = await local.run({ accountId: ACCOUNTS.stalePrincipal });

    // assert
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('StalePrincipalInPolicy');
    expect(r.cause).toMatch(/^EnsureKeyPolicy: /);
    expect(r.cause).toContain('Sid "AuditorDecrypt"');
    expect(r.cause).toContain(role.roleId);
    expect(policyWrites().filter((w) => w === 'PutKeyPolicy')).toEqual([]);
    expect(key().policy).toBe(before);
  });
});

describe('a same-named trail homed in another region', () => {
  it('FAILED with TrailConflict naming its home region (by name, CloudTrail shows only the home region\'s trails; the shadow trail is found by listing), no trail created', async () => {
    // prepare: the account's own multi-region trail of that name, homed in us-east-1, into its own bucket
    const account = ACCOUNTS.trailElsewhere;
    const theirBucket = `their-trail-bucket-${account}`;
    local.world.s3.addBucket({
      name: theirBucket,
      ownerAccountId: account,
      region: 'us-east-1',
      policy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: ['s3:GetBucketAcl', 's3:PutObject'], Resource: [`arn:aws:s3:::${theirBucket}`, `arn:aws:s3:::${theirBucket}/*`] }],
      },
    });
    const ct = createClient(CloudTrailClient, { region: 'us-east-1', credentials: local.world.credentialsFor(`arn:aws:iam::${account}:root`) });
    await ct.send(new CreateTrailCommand({ Name: DEMO.trailName, S3BucketName: theirBucket, IsMultiRegionTrail: true }));
    ct.destroy();
    local.world.resetCalls();

    // act
    const r = await local.run({ accountId: account });

    // assert
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('TrailConflict');
    expect(r.cause).toMatch(/^EnsureTrail: /);
    expect(r.cause).toContain('home region us-east-1, not eu-west-1');
    expect(local.world.calls.filter((c) => c.operation === 'CreateTrail' || c.operation === 'UpdateTrail')).toEqual([]);
    expect(local.world.cloudtrail.list().filter((t) => t.accountId === account).map((t) => t.homeRegion)).toEqual(['us-east-1']);
  });
});

describe('a central bucket with an S3 Bucket Key', () => {
  it('onboards: EnsureKeyPolicy reads the bucket encryption and grants CloudTrail kms:Decrypt, which CreateTrail needs; a re-run writes nothing', async () => {
    // prepare
    local.world.s3.setDefaultEncryption(DEMO.bucketName, { sseAlgorithm: 'aws:kms', kmsMasterKeyId: DEMO.keyArn, bucketKeyEnabled: true });

    // act
    const r = await local.run({ accountId: ACCOUNTS.bucketKey });
    const reads = local.world.calls.filter((c) => c.operation === 'GetBucketEncryption').map((c) => c.step);
    local.world.resetCalls();
    const again = await local.run({ accountId: ACCOUNTS.bucketKey }, `onboard-${ACCOUNTS.bucketKey}-again`);

    // assert
    expect(r.status).toBe('SUCCEEDED');
    expect(reads).toEqual(['EnsureKeyPolicy']);
    expect(cloudTrailKeyActions()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(local.world.cloudtrail.list().filter((t) => t.accountId === ACCOUNTS.bucketKey).map((t) => t.kmsKeyId)).toEqual([DEMO.keyArn]);
    expect(again.status).toBe('SUCCEEDED');
    expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb')).toEqual([]);
  });

  it('without a bucket key, the key policy grants CloudTrail no kms:Decrypt', async () => {
    // act
    const r = await local.run({ accountId: ACCOUNTS.noBucketKey });

    // assert
    expect(r.status).toBe('SUCCEEDED');
    expect(cloudTrailKeyActions()).toBe('kms:GenerateDataKey*');
  });
});
