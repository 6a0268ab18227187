import {
  AddTagsCommand,
  CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  InsufficientEncryptionPolicyException,
  InsufficientS3BucketPolicyException,
  ListTagsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';

const member = DEMO.memberAccountIds[0];
const asMember = session(member, 'OrganizationAccountAccessRole');
/** The log-archive account's root user: may always manage the bucket policy and, by the key's root delegation, the key. */
const asLogArchive = `arn:aws:iam::${DEMO.logArchiveAccountId}:root`;
const trailArn = `arn:aws:cloudtrail:${DEMO.region}:${member}:trail/${DEMO.trailName}`;
const bucketArn = `arn:aws:s3:::${DEMO.bucketName}`;

/** The bucket statements of docs/DESIGN.md for one account's trail. */
const bucketGrant = (trails: string[], accounts: string[]) => [
  {
    Sid: 'CloudTrailOnboardingAclCheck',
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 's3:GetBucketAcl',
    Resource: bucketArn,
    Condition: { StringEquals: { 'aws:SourceArn': trails } },
  },
  {
    Sid: 'CloudTrailOnboardingWrite',
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: accounts.map((a) => `${bucketArn}/${DEMO.logPrefix}/AWSLogs/${a}/*`),
    Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trails } },
  },
];

/** The key statements of docs/DESIGN.md. */
const keyGrant = (trails: string[], accounts: string[]) => [
  {
    Sid: 'CloudTrailOnboardingEncrypt',
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 'kms:GenerateDataKey*',
    Resource: '*',
    Condition: {
      StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': accounts.map((a) => `arn:aws:cloudtrail:*:${a}:trail/*`) },
      StringEquals: { 'aws:SourceArn': trails },
    },
  },
  {
    Sid: 'CloudTrailOnboardingDescribe',
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 'kms:DescribeKey',
    Resource: '*',
    Condition: { StringEquals: { 'aws:SourceArn': trails } },
  },
];

describe('simulated CloudTrail', () => {
  let t: TestWorld;
  let ct: CloudTrailClient;
  let s3: S3Client;
  let kms: KMSClient;

  /** Puts statements into the live bucket and key policies through the API (replacing namesakes), as the service would. */
  async function grant(bucketStatements: { Sid: string }[], keyStatements: { Sid: string }[]) {
    const upsert = (doc: { Statement: { Sid?: string }[] }, statements: { Sid: string }[]) => {
      for (const st of statements) {
        const i = doc.Statement.findIndex((x) => x.Sid === st.Sid);
        if (i >= 0) doc.Statement[i] = st;
        else doc.Statement.push(st);
      }
      return JSON.stringify(doc);
    };
    const bucket = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }))).Policy!);
    await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: upsert(bucket, bucketStatements) }));
    const key = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: DEMO.keyArn }))).Policy!);
    await kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: upsert(key, keyStatements) }));
  }

  const create = (extra: object = {}) =>
    ct.send(
      new CreateTrailCommand({
        Name: DEMO.trailName,
        S3BucketName: DEMO.bucketName,
        S3KeyPrefix: DEMO.logPrefix,
        KmsKeyId: DEMO.keyArn,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        TagsList: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }],
        ...extra,
      }),
    );

  beforeEach(() => {
    t = demoWorld();
    ct = t.client(CloudTrailClient, asMember);
    s3 = t.client(S3Client, asLogArchive);
    kms = t.client(KMSClient, asLogArchive);
  });
  afterEach(() => t.dispose());

  it('refuses the trail while the bucket policy does not grant CloudTrail (the org-trail statements are not enough)', async () => {
    const err = await caught(() => create());
    expect(err).toBeInstanceOf(InsufficientS3BucketPolicyException);
    expect(err.message).toBe(`Incorrect S3 bucket policy is detected for bucket: ${DEMO.bucketName}`);
    expect(t.world.cloudtrail.list()).toHaveLength(0);
    expect(t.world.calls.at(-1)).toMatchObject({ operation: 'CreateTrail', write: true, error: 'InsufficientS3BucketPolicyException' });
  });

  it('refuses the trail when the bucket grants but the key does not', async () => {
    await grant(bucketGrant([trailArn], [member]), []);
    const err = await caught(() => create());
    expect(err).toBeInstanceOf(InsufficientEncryptionPolicyException);
  });

  it('creates the trail when both policies grant it, and returns the key as full ARN', async () => {
    await grant(bucketGrant([trailArn], [member]), keyGrant([trailArn], [member]));
    const out = await create();
    expect(out).toMatchObject({ TrailARN: trailArn, KmsKeyId: DEMO.keyArn, IsMultiRegionTrail: true, LogFileValidationEnabled: true, S3KeyPrefix: DEMO.logPrefix });
    expect(await t.world.canCloudTrailDeliver(trailArn)).toEqual({ bucket: true, key: true });
    const status = await ct.send(new GetTrailStatusCommand({ Name: DEMO.trailName }));
    expect(status.IsLogging).toBe(false);
    await ct.send(new StartLoggingCommand({ Name: trailArn }));
    expect((await ct.send(new GetTrailStatusCommand({ Name: DEMO.trailName }))).IsLogging).toBe(true);
    const tags = await ct.send(new ListTagsCommand({ ResourceIdList: [trailArn] }));
    expect(tags.ResourceTagList).toEqual([{ ResourceId: trailArn, TagsList: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }] }]);
  });

  it('decides by evaluation: a grant for another trail ARN, or an encryption context for another account, does not count', async () => {
    const otherTrail = `arn:aws:cloudtrail:${DEMO.region}:${member}:trail/other`;
    await grant(bucketGrant([otherTrail], [member]), []);
    expect(await caught(() => create())).toBeInstanceOf(InsufficientS3BucketPolicyException);

    await grant(bucketGrant([trailArn], [member]), keyGrant([trailArn], [DEMO.memberAccountIds[1]]));
    expect(await caught(() => create())).toBeInstanceOf(InsufficientEncryptionPolicyException);

    await grant([], keyGrant([trailArn], [member]));
    await expect(create()).resolves.toMatchObject({ TrailARN: trailArn });
  });

  it('needs kms:DescribeKey as well as GenerateDataKey*', async () => {
    await grant(bucketGrant([trailArn], [member]), keyGrant([trailArn], [member]).slice(0, 1));
    expect(await caught(() => create())).toBeInstanceOf(InsufficientEncryptionPolicyException);
  });

  it('reports a missing bucket or key', async () => {
    expect((await caught(() => create({ S3BucketName: 'no-such-bucket-anywhere' }))).name).toBe('S3BucketDoesNotExistException');
    await grant(bucketGrant([trailArn], [member]), []);
    const missingKey = `arn:aws:kms:${DEMO.region}:${DEMO.logArchiveAccountId}:key/00000000-0000-0000-0000-000000000000`;
    expect((await caught(() => create({ KmsKeyId: missingKey }))).name).toBe('KmsKeyNotFoundException');
    // A bare key id is looked up in the trail's own account: another account's key needs its ARN.
    expect((await caught(() => create({ KmsKeyId: DEMO.keyId }))).name).toBe('KmsKeyNotFoundException');
  });

  describe('with a trail in place', () => {
    beforeEach(async () => {
      await grant(bucketGrant([trailArn], [member]), keyGrant([trailArn], [member]));
      await create();
    });

    /** A bucket of the member account that lets CloudTrail write (for trails beside the service's); returns its name. */
    const addMemberTrailBucket = (name: string): string => {
      t.world.s3.addBucket({
        name,
        ownerAccountId: member,
        region: DEMO.region,
        policy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: ['s3:GetBucketAcl', 's3:PutObject'], Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`] }],
        },
      });
      return name;
    };

    it('refuses a second trail of the same name, and a sixth trail in the region', async () => {
      expect((await caught(() => create())).name).toBe('TrailAlreadyExistsException');
      const local = addMemberTrailBucket('member-local-trails');
      for (const n of ['t-2', 't-3', 't-4', 't-5']) await ct.send(new CreateTrailCommand({ Name: n, S3BucketName: local }));
      const err = await caught(() => ct.send(new CreateTrailCommand({ Name: 't-6', S3BucketName: local })));
      expect(err.name).toBe('MaximumNumberOfTrailsExceededException');
      expect(err.message).toBe(`User: ${member} already has 5 trails in ${DEMO.region}.`);
    });

    it('creates a name once when two CreateTrail calls race: the second gets TrailAlreadyExistsException', async () => {
      const local = addMemberTrailBucket('member-race-trails');
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => ct.send(new CreateTrailCommand({ Name: 'raced', S3BucketName: local }))));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).name] : []))).toEqual(Array(4).fill('TrailAlreadyExistsException'));
    });

    it('shows a multi-region trail in other regions, but changes it only in its home region', async () => {
      const elsewhere = t.client(CloudTrailClient, asMember, 'us-east-1');
      const { trailList } = await elsewhere.send(new DescribeTrailsCommand({}));
      expect(trailList?.map((x) => x.TrailARN)).toEqual([trailArn]);
      expect((await elsewhere.send(new GetTrailCommand({ Name: trailArn }))).Trail?.HomeRegion).toBe(DEMO.region);
      expect((await caught(() => elsewhere.send(new StopLoggingCommand({ Name: trailArn })))).name).toBe('InvalidHomeRegionException');
      expect((await elsewhere.send(new DescribeTrailsCommand({ includeShadowTrails: false }))).trailList).toEqual([]);
    });

    it('by name, GetTrail, GetTrailStatus and DescribeTrails see only trails homed in the region of the request; a shadow trail needs its ARN or a listing', async () => {
      // prepare
      const elsewhere = t.client(CloudTrailClient, asMember, 'us-east-1');

      // act
      const byName = await caught(() => elsewhere.send(new GetTrailCommand({ Name: DEMO.trailName })));
      const statusByName = await caught(() => elsewhere.send(new GetTrailStatusCommand({ Name: DEMO.trailName })));
      const listedByName = await elsewhere.send(new DescribeTrailsCommand({ trailNameList: [DEMO.trailName] }));
      const listedByArn = await elsewhere.send(new DescribeTrailsCommand({ trailNameList: [trailArn] }));
      const listedAll = await elsewhere.send(new DescribeTrailsCommand({ includeShadowTrails: true }));

      // assert
      expect(byName.name).toBe('TrailNotFoundException');
      expect(byName.message).toBe(`Unknown trail: arn:aws:cloudtrail:us-east-1:${member}:trail/${DEMO.trailName} for the user: ${member}`);
      expect(statusByName.name).toBe('TrailNotFoundException');
      expect(listedByName.trailList).toEqual([]);
      expect(listedByArn.trailList?.map((x) => [x.TrailARN, x.HomeRegion])).toEqual([[trailArn, DEMO.region]]);
      expect(listedAll.trailList?.map((x) => [x.Name, x.HomeRegion])).toEqual([[DEMO.trailName, DEMO.region]]);
      expect((await elsewhere.send(new GetTrailCommand({ Name: trailArn }))).Trail?.HomeRegion).toBe(DEMO.region);
      expect((await elsewhere.send(new GetTrailStatusCommand({ Name: trailArn }))).IsLogging).toBe(false);
      // in the home region, the name works
      expect((await ct.send(new GetTrailCommand({ Name: DEMO.trailName }))).Trail?.TrailARN).toBe(trailArn);
      expect((await ct.send(new DescribeTrailsCommand({ trailNameList: [DEMO.trailName] }))).trailList?.map((x) => x.TrailARN)).toEqual([trailArn]);
    });

    it('a shadow trail named by name elsewhere is not found for a change; by ARN it must be changed in its home region', async () => {
      // prepare
      const elsewhere = t.client(CloudTrailClient, asMember, 'us-east-1');

      // act / assert
      expect((await caught(() => elsewhere.send(new StartLoggingCommand({ Name: DEMO.trailName })))).name).toBe('TrailNotFoundException');
      expect((await caught(() => elsewhere.send(new UpdateTrailCommand({ Name: DEMO.trailName, EnableLogFileValidation: false })))).name).toBe('TrailNotFoundException');
      expect((await caught(() => elsewhere.send(new StartLoggingCommand({ Name: trailArn })))).name).toBe('InvalidHomeRegionException');
    });

    it('re-checks delivery on UpdateTrail and keeps the trail unchanged when refused', async () => {
      const err = await caught(() => ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, S3KeyPrefix: 'elsewhere' })));
      expect(err).toBeInstanceOf(InsufficientS3BucketPolicyException);
      expect((await ct.send(new GetTrailCommand({ Name: DEMO.trailName }))).Trail?.S3KeyPrefix).toBe(DEMO.logPrefix);
      await ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, EnableLogFileValidation: false }));
      expect((await ct.send(new GetTrailCommand({ Name: DEMO.trailName }))).Trail?.LogFileValidationEnabled).toBe(false);
    });

    it('tags, deletes, and answers TrailNotFoundException afterwards', async () => {
      await ct.send(new AddTagsCommand({ ResourceId: trailArn, TagsList: [{ Key: 'team', Value: 'sec' }] }));
      expect(t.world.snapshot().trails[trailArn].tags).toEqual({ 'managed-by': 'cloudtrail-onboarding', team: 'sec' });
      await ct.send(new DeleteTrailCommand({ Name: DEMO.trailName }));
      const err = await caught(() => ct.send(new GetTrailStatusCommand({ Name: DEMO.trailName })));
      expect(err.name).toBe('TrailNotFoundException');
      expect(err.message).toBe(`Unknown trail: ${trailArn} for the user: ${member}`);
    });
  });
});
