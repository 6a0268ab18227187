/**
 * The shared policies as the service renders them (compact account list, organization-wide, and
 * the earlier explicit encoding), put into the simulated log archive through the S3 and KMS APIs,
 * then judged by the simulated CloudTrail the way AWS does: CreateTrail evaluates both policies
 * with the request context CloudTrail sends (aws:SourceArn and aws:SourceAccount; to S3 also
 * aws:SourceOrgID and s3:x-amz-acl; to KMS the encryption context), policy variables resolved.
 */
import { CloudTrailClient, CreateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { renderBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { renderKeyPolicy } from '../../../handlers/domain/key-policy';
import type { LogDestination } from '../../../handlers/domain/log-destination';
import { checkDelivery } from '../../../local/sim/delivery';
import { legacyBucketStatements, legacyKeyStatements } from '../../unit/domain/fixtures';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';

const [A, B, C] = DEMO.memberAccountIds as unknown as [string, string, string];
/** An account outside the organization. */
const OUTSIDER = '123456789012';
const dest: LogDestination = {
  partition: 'aws',
  homeRegion: DEMO.region,
  logArchiveAccountId: DEMO.logArchiveAccountId,
  bucketName: DEMO.bucketName,
  logPrefix: DEMO.logPrefix,
  keyArn: DEMO.keyArn,
  trailName: DEMO.trailName,
  organizationId: DEMO.organizationId,
};
const trailArn = (a: string) => `arn:aws:cloudtrail:${DEMO.region}:${a}:trail/${DEMO.trailName}`;
/** Enough accounts that neither policy holds them as a list (the key policy's holds about 2,100). */
const MANY = Array.from({ length: 2_200 }, (_, i) => String(300000000000 + i * 7919));

describe('the shared policies judged by the simulated CloudTrail', () => {
  let t: TestWorld;
  let s3: S3Client;
  let kms: KMSClient;

  beforeEach(() => {
    t = demoWorld();
    t.world.addAccount(OUTSIDER);
    t.world.seedMember(OUTSIDER);
    const asLogArchive = `arn:aws:iam::${DEMO.logArchiveAccountId}:root`;
    s3 = t.client(S3Client, asLogArchive);
    kms = t.client(KMSClient, asLogArchive);
  });
  afterEach(() => t.dispose());

  /** Renders both policies from the live ones (foreign statements kept) and puts them back. */
  async function put(render: (bucket: string, key: string) => { bucket: string; key: string }) {
    const bucket = (await s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }))).Policy!;
    const key = (await kms.send(new GetKeyPolicyCommand({ KeyId: DEMO.keyArn }))).Policy!;
    const next = render(bucket, key);
    await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: next.bucket }));
    await kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: next.key }));
  }

  const createTrail = (account: string) =>
    t.client(CloudTrailClient, session(account, 'OrganizationAccountAccessRole')).send(
      new CreateTrailCommand({ Name: DEMO.trailName, S3BucketName: DEMO.bucketName, S3KeyPrefix: DEMO.logPrefix, KmsKeyId: DEMO.keyArn, IsMultiRegionTrail: true }),
    );

  it('compact account list: the listed accounts can create their trail and deliver, another organization account cannot', async () => {
    // prepare
    await put((bucket, key) => ({ bucket: renderBucketPolicy(bucket, [A, B], dest).text, key: renderKeyPolicy(key, [A, B], dest).text }));

    // act / assert
    await expect(createTrail(A)).resolves.toBeDefined();
    expect(await t.world.canCloudTrailDeliver(trailArn(A))).toEqual({ bucket: true, key: true });
    expect(await caught(() => createTrail(C))).toMatchObject({ name: 'InsufficientS3BucketPolicyException' });
  });

  it('organization-wide: any organization account can create its trail and deliver, an account outside the organization cannot', async () => {
    // prepare
    await put((bucket, key) => {
      const b = renderBucketPolicy(bucket, MANY, dest);
      const k = renderKeyPolicy(key, MANY, dest);
      expect([b.mode, k.mode]).toEqual(['organization', 'organization']);
      return { bucket: b.text, key: k.text };
    });

    // act / assert
    await expect(createTrail(C)).resolves.toBeDefined();
    expect(await t.world.canCloudTrailDeliver(trailArn(C))).toEqual({ bucket: true, key: true });
    expect(await caught(() => createTrail(OUTSIDER))).toMatchObject({ name: 'InsufficientS3BucketPolicyException' });
  });

  it('compact bucket list with a key that does not list the account: CloudTrail refuses the encryption policy', async () => {
    // prepare
    await put((bucket, key) => ({ bucket: renderBucketPolicy(bucket, [A, C], dest).text, key: renderKeyPolicy(key, [A], dest).text }));

    // act / assert
    expect(await caught(() => createTrail(C))).toMatchObject({ name: 'InsufficientEncryptionPolicyException' });
  });

  it('compact key list: a trail of the configured name may describe the key (metadata only), in the organization or not, but gets no data key unless listed', async () => {
    // prepare
    await put((bucket, key) => ({ bucket: renderBucketPolicy(bucket, [A], dest).text, key: renderKeyPolicy(key, [A], dest).text }));
    const keyDecisions = async (account: string) => {
      const { key, decisions } = await checkDelivery(t.world, {
        arn: trailArn(account),
        accountId: account,
        homeRegion: DEMO.region,
        s3BucketName: DEMO.bucketName,
        s3KeyPrefix: DEMO.logPrefix,
        kmsKeyId: DEMO.keyArn,
      });
      return { key, describeKey: decisions['kms:DescribeKey']?.allowed, generateDataKey: decisions['kms:GenerateDataKey']?.allowed };
    };

    // act / assert
    expect(await keyDecisions(A)).toEqual({ key: 'ok', describeKey: true, generateDataKey: true });
    expect(await keyDecisions(C)).toEqual({ key: 'denied', describeKey: true, generateDataKey: false });
    expect(await keyDecisions(OUTSIDER)).toEqual({ key: 'denied', describeKey: true, generateDataKey: false });
  });

  it('the earlier explicit encoding still lets its accounts deliver, and so does its compact replacement', async () => {
    // prepare: the old statements appended to the live policies
    const append = (text: string, statements: object[]) => {
      const doc = JSON.parse(text) as { Statement: object[] };
      doc.Statement.push(...statements);
      return JSON.stringify(doc);
    };
    await put((bucket, key) => ({ bucket: append(bucket, legacyBucketStatements([A], `${DEMO.logPrefix}/`)), key: append(key, legacyKeyStatements([A])) }));
    await expect(createTrail(A)).resolves.toBeDefined();

    // act: migrate
    await put((bucket, key) => ({ bucket: renderBucketPolicy(bucket, [A], dest).text, key: renderKeyPolicy(key, [A], dest).text }));

    // assert
    expect(await t.world.canCloudTrailDeliver(trailArn(A))).toEqual({ bucket: true, key: true });
  });
});
