import { CloudTrailServiceException, KmsKeyNotFoundException, S3BucketDoesNotExistException, ThrottlingException } from '@aws-sdk/client-cloudtrail';
import { DynamoDBServiceException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import {
  ConcurrentModificationException,
  IAMServiceException,
  InvalidInputException,
  LimitExceededException,
  MalformedPolicyDocumentException,
  ServiceFailureException,
} from '@aws-sdk/client-iam';
import {
  ConflictException,
  KMSInternalException,
  KMSServiceException,
  MalformedPolicyDocumentException as KmsMalformedPolicyDocumentException,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { TooManyRequestsException } from '@aws-sdk/client-organizations';
import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { isAwsError, toOnboardingError } from '../../../handlers/adapters/aws-errors';
import { AccessDenied, InvalidPolicyDocument, OnboardingError, UnexpectedAwsError } from '../../../handlers/shared/errors';
import { awsError, modeled } from './sdk-errors';

const call = { service: 'IAM', operation: 'UpdateRole', target: 'CloudTrailSwitchRole' };

const node = (code: string) => Object.assign(new Error(`socket error ${code}`), { code });

describe('toOnboardingError', () => {
  it.each<[string, unknown, string]>([
    ['CloudTrail ThrottlingException', modeled(ThrottlingException, 400), 'Throttled'],
    ['IAM Throttling (query protocol name)', awsError(IAMServiceException, 'Throttling', 400), 'Throttled'],
    ['Organizations TooManyRequestsException', modeled(TooManyRequestsException, 400), 'Throttled'],
    ['S3 SlowDown (a 503 that is throttling)', awsError(S3ServiceException, 'SlowDown', 503), 'Throttled'],
    ['DynamoDB ProvisionedThroughputExceeded', modeled(ProvisionedThroughputExceededException, 400), 'Throttled'],
    ['RequestLimitExceeded', awsError(IAMServiceException, 'RequestLimitExceeded', 400), 'Throttled'],
    ['any 429', awsError(KMSServiceException, 'SomethingNew', 429), 'Throttled'],
    ['KMSInternalException', modeled(KMSInternalException, 500), 'ServiceUnavailable'],
    ['IAM ServiceFailure', modeled(ServiceFailureException, 500), 'ServiceUnavailable'],
    ['S3 InternalError', awsError(S3ServiceException, 'InternalError', 500), 'ServiceUnavailable'],
    ['unknown 503', awsError(DynamoDBServiceException, 'Whatever', 503), 'ServiceUnavailable'],
    ['ECONNRESET', node('ECONNRESET'), 'ServiceUnavailable'],
    ['ETIMEDOUT', node('ETIMEDOUT'), 'ServiceUnavailable'],
    ['TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'ServiceUnavailable'],
    ['IAM AccessDenied', awsError(IAMServiceException, 'AccessDenied', 403), 'AccessDenied'],
    ['KMS AccessDeniedException', awsError(KMSServiceException, 'AccessDeniedException', 400), 'AccessDenied'],
    ['UnauthorizedOperation', awsError(IAMServiceException, 'UnauthorizedOperation', 400), 'AccessDenied'],
    ['any 403', awsError(S3ServiceException, 'InvalidAccessKeyId', 403), 'AccessDenied'],
    ['IAM ConcurrentModification', modeled(ConcurrentModificationException, 409), 'ConcurrentModification'],
    ['KMS ConflictException', modeled(ConflictException, 409), 'ConcurrentModification'],
    ['S3 OperationAborted', awsError(S3ServiceException, 'OperationAborted', 409), 'ConcurrentModification'],
    [
      'IAM MalformedPolicyDocument "Invalid principal"',
      modeled(MalformedPolicyDocumentException, 400, 'Invalid principal in policy: "AWS":"arn:aws:iam::1:role/x"'),
      'PropagationPending',
    ],
    [
      'KMS MalformedPolicyDocument "invalid principals"',
      modeled(KmsMalformedPolicyDocumentException, 400, 'Policy contains a statement with one or more invalid principals.'),
      'PropagationPending',
    ],
    ['IAM MalformedPolicyDocument (syntax)', modeled(MalformedPolicyDocumentException, 400, 'Syntax errors in policy.'), 'InvalidPolicyDocument'],
    ['S3 MalformedPolicy', awsError(S3ServiceException, 'MalformedPolicy', 400), 'InvalidPolicyDocument'],
    ['S3 NoSuchBucket', modeled(NoSuchBucket, 404), 'ResourceNotFound'],
    ['KMS NotFoundException', modeled(NotFoundException, 400), 'ResourceNotFound'],
    ['CloudTrail KmsKeyNotFound', modeled(KmsKeyNotFoundException, 400), 'ResourceNotFound'],
    ['CloudTrail S3BucketDoesNotExist', modeled(S3BucketDoesNotExistException, 400), 'ResourceNotFound'],
    ['IAM LimitExceeded (a quota, not throttling)', modeled(LimitExceededException, 409), 'UnexpectedAwsError'],
    ['IAM InvalidInput', modeled(InvalidInputException, 400), 'UnexpectedAwsError'],
    ['an unmodeled client error', awsError(CloudTrailServiceException, 'BrandNewException', 400), 'UnexpectedAwsError'],
  ])('maps %s to %s', (_label, sdkError, expected) => {
    // act
    const mapped = toOnboardingError(sdkError, call);

    // assert
    expect(mapped.name).toBe(expected);
    expect(mapped).toBeInstanceOf(OnboardingError);
    expect(mapped.cause).toBe(sdkError);
  });

  it('puts service, operation, AWS error name, HTTP status and request id in details', () => {
    // prepare
    const sdkError = modeled(ConcurrentModificationException, 409, 'changed meanwhile');

    // act
    const mapped = toOnboardingError(sdkError, call);

    // assert
    expect(mapped.details).toMatchObject({
      service: 'IAM',
      operation: 'UpdateRole',
      target: 'CloudTrailSwitchRole',
      awsError: 'ConcurrentModificationException',
      httpStatusCode: 409,
      requestId: 'req-123',
    });
  });

  it('names the operation, the target, the permission to check and AWS message on AccessDenied', () => {
    // prepare
    const sdkError = awsError(
      IAMServiceException,
      'AccessDenied',
      403,
      'User: arn:aws:sts::1:assumed-role/x/y is not authorized to perform: iam:UpdateRole',
    );

    // act
    const mapped = toOnboardingError(sdkError, call);

    // assert
    expect(mapped).toBeInstanceOf(AccessDenied);
    expect(mapped.message).toContain('IAM UpdateRole on CloudTrailSwitchRole');
    expect(mapped.message).toContain('iam:UpdateRole');
    expect(mapped.message).toContain('is not authorized to perform');
  });

  it("carries AWS's error name in the message of an unexpected error", () => {
    // act
    const mapped = toOnboardingError(awsError(CloudTrailServiceException, 'BrandNewException', 400), call);

    // assert
    expect(mapped).toBeInstanceOf(UnexpectedAwsError);
    expect(mapped.message).toContain('BrandNewException');
    expect(mapped.details.awsError).toBe('BrandNewException');
  });

  it('returns one of our errors unchanged', () => {
    // prepare
    const ours = new InvalidPolicyDocument('already mapped');

    // act + assert
    expect(toOnboardingError(ours, call)).toBe(ours);
  });

  it('maps a thrown non-error value to UnexpectedAwsError keeping it as cause', () => {
    // act
    const mapped = toOnboardingError('boom', call);

    // assert
    expect(mapped).toBeInstanceOf(UnexpectedAwsError);
    expect(mapped.cause).toBe('boom');
  });
});

describe('isAwsError', () => {
  it('matches a name with or without the Exception suffix', () => {
    // prepare
    const queryName = awsError(IAMServiceException, 'NoSuchEntity', 404);
    const className = awsError(IAMServiceException, 'NoSuchEntityException', 404);

    // act + assert
    expect(isAwsError(queryName, 'NoSuchEntityException')).toBe(true);
    expect(isAwsError(className, 'NoSuchEntity')).toBe(true);
    expect(isAwsError(className, 'EntityAlreadyExists')).toBe(false);
    expect(isAwsError(undefined, 'NoSuchEntity')).toBe(false);
  });
});
