import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, HeadBucketCommand, NoSuchBucket, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';

const asLogArchive = session(DEMO.logArchiveAccountId, 'Administrator');
const bucketArn = `arn:aws:s3:::${DEMO.bucketName}`;
const policyWith = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('simulated S3', () => {
  let t: TestWorld;
  let s3: S3Client;
  beforeEach(() => {
    t = demoWorld();
    s3 = t.client(S3Client, asLogArchive);
  });
  afterEach(() => t.dispose());

  it('returns the foreign statements the log bucket starts with', async () => {
    const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }));
    expect(JSON.parse(Policy!).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['AWSCloudTrailAclCheckOrgTrail', 'AWSCloudTrailWriteOrgTrail', 'DenyInsecureTransport']);
  });

  it('answers NoSuchBucket and NoSuchBucketPolicy', async () => {
    expect(await caught(() => s3.send(new GetBucketPolicyCommand({ Bucket: 'nope-nope' })))).toBeInstanceOf(NoSuchBucket);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: DEMO.bucketName }));
    const err = await caught(() => s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName })));
    expect(err.name).toBe('NoSuchBucketPolicy');
    expect(err.$metadata?.httpStatusCode).toBe(404);
  });

  it('validates bucket policies: JSON, resources of this bucket, principals, 20 KB', async () => {
    const put = (Policy: string) => caught(() => s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy })));
    expect((await put('not json')).name).toBe('MalformedPolicy');
    const otherBucket = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.managementAccountId}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*' };
    expect((await put(policyWith(otherBucket))).message).toBe('Policy has invalid resource');
    const ghost = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.logArchiveAccountId}:role/Ghost` }, Action: 's3:GetObject', Resource: `${bucketArn}/*` };
    expect((await put(policyWith(ghost))).message).toBe('Invalid principal in policy');
    const many = Array.from({ length: 200 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.managementAccountId}:root` }, Action: 's3:GetObject', Resource: `${bucketArn}/AWSLogs/${i}/*` }));
    const big = await put(policyWith(...many));
    expect(big.name).toBe('PolicyTooLarge');
    expect(big.$metadata?.httpStatusCode).toBe(400);
  });

  it('stores a bare account id principal as the root ARN, as S3 does', async () => {
    const st = { Sid: 'Acct', Effect: 'Allow', Principal: { AWS: DEMO.managementAccountId }, Action: 's3:GetObject', Resource: `${bucketArn}/*` };
    await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: policyWith(st) }));
    const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }));
    expect(JSON.parse(Policy!).Statement[0].Principal.AWS).toBe(`arn:aws:iam::${DEMO.managementAccountId}:root`);
  });

  it('lets only the owner account manage the policy: 403 without a grant, 405 with one', async () => {
    const fromManagement = t.client(S3Client, DEMO.operatorPrincipalArn);
    const denied = await caught(() => fromManagement.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: policyWith() })));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);

    const grant = { Sid: 'LetManagementManage', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.managementAccountId}:root` }, Action: 's3:*', Resource: bucketArn };
    await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: policyWith(grant) }));
    const notAllowed = await caught(() => fromManagement.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName })));
    expect(notAllowed.name).toBe('MethodNotAllowed');
    expect(notAllowed.$metadata?.httpStatusCode).toBe(405);
    await expect(fromManagement.send(new HeadBucketCommand({ Bucket: DEMO.bucketName }))).resolves.toMatchObject({ BucketRegion: DEMO.region });
  });

  it('answers HeadBucket like the SDK names HEAD errors', async () => {
    await expect(s3.send(new HeadBucketCommand({ Bucket: DEMO.bucketName }))).resolves.toMatchObject({ BucketRegion: DEMO.region });
    expect((await caught(() => s3.send(new HeadBucketCommand({ Bucket: 'nope-nope' })))).name).toBe('NotFound');
  });

  it('redirects a client of the wrong region', async () => {
    const elsewhere = t.client(S3Client, asLogArchive, 'us-east-1');
    expect((await caught(() => elsewhere.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName })))).name).toBe('PermanentRedirect');
  });
});
