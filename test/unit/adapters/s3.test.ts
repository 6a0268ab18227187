import { GetBucketEncryptionCommand, GetBucketPolicyCommand, NoSuchBucket, PutBucketPolicyCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { BucketPolicyAdapter } from '../../../handlers/adapters/s3';
import { awsError, modeled, rejection } from './sdk-errors';

const s3Mock = mockClient(S3Client);
const BUCKET = 'org-cloudtrail-logs-222233334444';
const bucketPolicy = new BucketPolicyAdapter(new S3Client({ region: 'eu-west-1' }), BUCKET, {
  expectedBucketOwner: '222233334444',
});

beforeEach(() => s3Mock.reset());

describe('BucketPolicyAdapter.get', () => {
  it('returns the policy text of the bucket, checking its owner', async () => {
    // prepare
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: '{"Version":"2012-10-17","Statement":[]}' });

    // act
    const text = await bucketPolicy.get();

    // assert
    expect(text).toBe('{"Version":"2012-10-17","Statement":[]}');
    expect(s3Mock).toHaveReceivedCommandWith(GetBucketPolicyCommand, { Bucket: BUCKET, ExpectedBucketOwner: '222233334444' });
  });

  it('returns undefined when the bucket has no policy', async () => {
    // prepare
    s3Mock.on(GetBucketPolicyCommand).rejects(awsError(S3ServiceException, 'NoSuchBucketPolicy', 404));

    // act + assert
    await expect(bucketPolicy.get()).resolves.toBeUndefined();
  });

  it('reports a missing bucket as ResourceNotFound naming the bucket and bucketName', async () => {
    // prepare
    s3Mock.on(GetBucketPolicyCommand).rejects(modeled(NoSuchBucket, 404));

    // act
    const err = await rejection(bucketPolicy.get());

    // assert
    expect(err.name).toBe('ResourceNotFound');
    expect(err.message).toContain(BUCKET);
    expect(err.message).toContain('bucketName');
  });
});

describe('BucketPolicyAdapter.put', () => {
  it('writes the text as the bucket policy', async () => {
    // prepare
    s3Mock.on(PutBucketPolicyCommand).resolves({});

    // act
    await bucketPolicy.put('{"Version":"2012-10-17"}');

    // assert
    expect(s3Mock).toHaveReceivedCommandWith(PutBucketPolicyCommand, {
      Bucket: BUCKET,
      Policy: '{"Version":"2012-10-17"}',
      ExpectedBucketOwner: '222233334444',
    });
  });

  it.each<[string, Error, string]>([
    ['MalformedPolicy', awsError(S3ServiceException, 'MalformedPolicy', 400, 'Policy has invalid resource'), 'InvalidPolicyDocument'],
    // Our bucket statements name only a service principal: not IAM propagation.
    ['MalformedPolicy "Invalid principal"', awsError(S3ServiceException, 'MalformedPolicy', 400, 'Invalid principal in policy'), 'InvalidPolicyDocument'],
    ['PolicyTooLarge', awsError(S3ServiceException, 'PolicyTooLarge', 400, 'Policy exceeds the maximum allowed document size.'), 'PolicyTooLarge'],
    ['NoSuchBucket', modeled(NoSuchBucket, 404), 'ResourceNotFound'],
    ['AccessDenied', awsError(S3ServiceException, 'AccessDenied', 403), 'AccessDenied'],
    ['SlowDown', awsError(S3ServiceException, 'SlowDown', 503), 'Throttled'],
    ['OperationAborted', awsError(S3ServiceException, 'OperationAborted', 409), 'ConcurrentModification'],
  ])('maps %s to %s', async (_label, sdkError, expected) => {
    // prepare
    s3Mock.on(PutBucketPolicyCommand).rejects(sdkError);

    // act
    const err = await rejection(bucketPolicy.put('{}'));

    // assert
    expect(err.name).toBe(expected);
    expect(err.cause).toBe(sdkError);
  });
});

describe('BucketPolicyAdapter.bucketKeyEnabled', () => {
  const rule = (SSEAlgorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse', BucketKeyEnabled?: boolean) => ({
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm, KMSMasterKeyID: 'arn:aws:kms:eu-west-1:222233334444:key/k' }, ...(BucketKeyEnabled !== undefined ? { BucketKeyEnabled } : {}) }] },
  });

  it.each([
    ['SSE-KMS with a bucket key', true, rule('aws:kms', true)],
    ['DSSE-KMS with a bucket key', true, rule('aws:kms:dsse', true)],
    ['SSE-KMS without a bucket key', false, rule('aws:kms', false)],
    ['SSE-KMS, BucketKeyEnabled absent', false, rule('aws:kms')],
    ['SSE-S3 (a bucket key means nothing there)', false, rule('AES256', true)],
  ])('reads the default encryption with GetBucketEncryption, checking the owner: %s -> %s', async (_label, expected, answer) => {
    // prepare
    s3Mock.on(GetBucketEncryptionCommand).resolves(answer);

    // act / assert
    await expect(bucketPolicy.bucketKeyEnabled()).resolves.toBe(expected);
    expect(s3Mock).toHaveReceivedCommandWith(GetBucketEncryptionCommand, { Bucket: BUCKET, ExpectedBucketOwner: '222233334444' });
  });

  it('reads a bucket without a default encryption configuration as no bucket key', async () => {
    // prepare
    s3Mock.on(GetBucketEncryptionCommand).rejects(awsError(S3ServiceException, 'ServerSideEncryptionConfigurationNotFoundError', 404));

    // act / assert
    await expect(bucketPolicy.bucketKeyEnabled()).resolves.toBe(false);
  });

  it.each([
    ['a missing bucket', 'ResourceNotFound', modeled(NoSuchBucket, 404)],
    ['a denied read (s3:GetEncryptionConfiguration not granted)', 'AccessDenied', awsError(S3ServiceException, 'AccessDenied', 403)],
    ['throttling', 'Throttled', awsError(S3ServiceException, 'SlowDown', 503)],
  ])('maps %s to %s', async (_label, name, error) => {
    // prepare
    s3Mock.on(GetBucketEncryptionCommand).rejects(error);

    // act
    const err = await rejection(bucketPolicy.bucketKeyEnabled());

    // assert
    expect(err.name).toBe(name);
    expect(err.message).toContain('GetBucketEncryption');
  });
});
