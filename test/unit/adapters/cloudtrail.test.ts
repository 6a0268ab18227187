import {
  CloudTrailClient,
  CloudTrailServiceException,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  InsufficientEncryptionPolicyException,
  InsufficientS3BucketPolicyException,
  InsufficientSnsTopicPolicyException,
  InvalidKmsKeyIdException,
  KmsException,
  KmsKeyDisabledException,
  KmsKeyNotFoundException,
  ListTagsCommand,
  MaximumNumberOfTrailsExceededException,
  S3BucketDoesNotExistException,
  StartLoggingCommand,
  ThrottlingException,
  TrailAlreadyExistsException,
  TrailNotFoundException,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TrailAdapter } from '../../../handlers/adapters/cloudtrail';
import type { TrailInput } from '../../../handlers/adapters/types';
import { awsError, modeled, rejection } from './sdk-errors';

const ctMock = mockClient(CloudTrailClient);
const trails = new TrailAdapter(new CloudTrailClient({ region: 'eu-west-1' }));

const NAME = 'org-member-trail';
const ARN = `arn:aws:cloudtrail:eu-west-1:444455556666:trail/${NAME}`;
const KEY_ARN = 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const input: TrailInput = {
  name: NAME,
  s3BucketName: 'org-cloudtrail-logs-222233334444',
  s3KeyPrefix: 'cloudtrail',
  kmsKeyId: KEY_ARN,
  isMultiRegionTrail: true,
  includeGlobalServiceEvents: true,
  enableLogFileValidation: true,
  tags: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }],
};

beforeEach(() => ctMock.reset());

describe('TrailAdapter.get', () => {
  it('returns undefined when there is no trail of that name, neither homed in the region nor a shadow trail', async () => {
    // prepare
    ctMock.on(GetTrailCommand).rejects(modeled(TrailNotFoundException, 400));
    ctMock.on(DescribeTrailsCommand).resolves({ trailList: [{ Name: 'another-trail', TrailARN: `arn:aws:cloudtrail:us-east-1:444455556666:trail/another-trail`, HomeRegion: 'us-east-1' }] });

    // act + assert
    await expect(trails.get(NAME)).resolves.toBeUndefined();
    expect(ctMock).toHaveReceivedCommandWith(DescribeTrailsCommand, { includeShadowTrails: true });
    expect(ctMock.commandCalls(DescribeTrailsCommand)[0]?.args[0].input.trailNameList ?? []).toEqual([]);
  });

  it('finds a same-named trail homed in another region (GetTrail by name sees only this region\'s) through the shadow trails DescribeTrails lists, reading nothing more of it', async () => {
    // prepare: CloudTrail answers a name with the current region's trails only
    const elsewhere = `arn:aws:cloudtrail:us-east-1:444455556666:trail/${NAME}`;
    ctMock.on(GetTrailCommand).rejects(modeled(TrailNotFoundException, 400));
    ctMock.on(DescribeTrailsCommand).resolves({
      trailList: [{ Name: NAME, TrailARN: elsewhere, HomeRegion: 'us-east-1', S3BucketName: 'their-bucket', IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, IsOrganizationTrail: false }],
    });

    // act
    const trail = await trails.get(NAME);

    // assert
    expect(trail).toMatchObject({ trailArn: elsewhere, name: NAME, homeRegion: 'us-east-1', s3BucketName: 'their-bucket', isLogging: false, tags: [] });
    // ListTags answers for trails of the current region only, and the home region alone decides the
    // conflict: no grant on another region's trail is needed
    expect(ctMock).not.toHaveReceivedCommand(ListTagsCommand);
    expect(ctMock).not.toHaveReceivedCommand(GetTrailStatusCommand);
  });

  it('finds an organization trail of that name that the member account sees as a shadow trail', async () => {
    // prepare
    const orgTrail = `arn:aws:cloudtrail:eu-west-1:111122223333:trail/${NAME}`;
    ctMock.on(GetTrailCommand).rejects(modeled(TrailNotFoundException, 400));
    ctMock.on(DescribeTrailsCommand).resolves({ trailList: [{ Name: NAME, TrailARN: orgTrail, HomeRegion: 'eu-west-1', IsOrganizationTrail: true }] });

    // act / assert
    await expect(trails.get(NAME)).resolves.toMatchObject({ trailArn: orgTrail, isOrganizationTrail: true });
  });

  it('maps a throttled DescribeTrails to Throttled', async () => {
    // prepare
    ctMock.on(GetTrailCommand).rejects(modeled(TrailNotFoundException, 400));
    ctMock.on(DescribeTrailsCommand).rejects(modeled(ThrottlingException, 400));

    // act
    const err = await rejection(trails.get(NAME));

    // assert
    expect(err.name).toBe('Throttled');
  });

  it('returns the trail with its logging status and every page of tags', async () => {
    // prepare
    ctMock.on(GetTrailCommand).resolves({
      Trail: {
        Name: NAME,
        TrailARN: ARN,
        HomeRegion: 'eu-west-1',
        S3BucketName: input.s3BucketName,
        S3KeyPrefix: 'cloudtrail',
        KmsKeyId: KEY_ARN,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        LogFileValidationEnabled: true,
        IsOrganizationTrail: false,
      },
    });
    ctMock.on(GetTrailStatusCommand).resolves({ IsLogging: true, LatestDeliveryError: 'AccessDenied' });
    ctMock.on(GetEventSelectorsCommand).resolves({ EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] });
    ctMock
      .on(ListTagsCommand)
      .resolvesOnce({ ResourceTagList: [{ ResourceId: ARN, TagsList: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }] }], NextToken: 'n1' })
      .resolvesOnce({ ResourceTagList: [{ ResourceId: ARN, TagsList: [{ Key: 'team', Value: 'security' }] }] });

    // act
    const trail = await trails.get(NAME);

    // assert
    expect(trail).toEqual({
      trailArn: ARN,
      name: NAME,
      homeRegion: 'eu-west-1',
      s3BucketName: input.s3BucketName,
      s3KeyPrefix: 'cloudtrail',
      kmsKeyId: KEY_ARN,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      logFileValidationEnabled: true,
      isOrganizationTrail: false,
      tags: [
        { Key: 'managed-by', Value: 'cloudtrail-onboarding' },
        { Key: 'team', Value: 'security' },
      ],
      isLogging: true,
      recordsAllManagementEvents: false,
      delivery: { latestDeliveryError: 'AccessDenied' },
    });
    expect(ctMock).toHaveReceivedCommandWith(GetTrailStatusCommand, { Name: ARN });
    expect(ctMock).toHaveReceivedCommandWith(GetEventSelectorsCommand, { TrailName: ARN });
    expect(ctMock).toHaveReceivedCommandTimes(ListTagsCommand, 2);
  });

  it('reports a trail deleted while being read as ConcurrentModification', async () => {
    // prepare
    ctMock.on(GetTrailCommand).resolves({ Trail: { Name: NAME, TrailARN: ARN } });
    ctMock.on(GetTrailStatusCommand).rejects(modeled(TrailNotFoundException, 400));

    // act
    const err = await rejection(trails.get(NAME));

    // assert
    expect(err.name).toBe('ConcurrentModification');
  });
});

describe('TrailAdapter writes', () => {
  it('creates the trail with every setting and its tags, and returns the ARN', async () => {
    // prepare
    ctMock.on(CreateTrailCommand).resolves({ TrailARN: ARN });

    // act
    const arn = await trails.create(input);

    // assert
    expect(arn).toBe(ARN);
    expect(ctMock).toHaveReceivedCommandWith(CreateTrailCommand, {
      Name: NAME,
      S3BucketName: input.s3BucketName,
      S3KeyPrefix: 'cloudtrail',
      KmsKeyId: KEY_ARN,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      TagsList: input.tags,
    });
  });

  it('creates and updates an organization trail with IsOrganizationTrail (trailMode organization); a per-account trail never sends it', async () => {
    ctMock.on(CreateTrailCommand).resolves({ TrailARN: ARN });
    ctMock.on(UpdateTrailCommand).resolves({ TrailARN: ARN });

    await trails.create({ ...input, isOrganizationTrail: true });
    await trails.update({ ...input, isOrganizationTrail: true });
    await trails.create(input);

    expect(ctMock).toHaveReceivedNthCommandWith(1, CreateTrailCommand, { IsOrganizationTrail: true, IsMultiRegionTrail: true });
    expect(ctMock).toHaveReceivedCommandWith(UpdateTrailCommand, { IsOrganizationTrail: true });
    expect(ctMock.commandCalls(CreateTrailCommand)[1]!.args[0].input).not.toHaveProperty('IsOrganizationTrail');
  });

  it('clears the prefix on update when the input has none', async () => {
    // prepare
    ctMock.on(UpdateTrailCommand).resolves({ TrailARN: ARN });

    // act
    await trails.update({ ...input, s3KeyPrefix: undefined });

    // assert
    expect(ctMock).toHaveReceivedCommandWith(UpdateTrailCommand, { Name: NAME, S3KeyPrefix: '', KmsKeyId: KEY_ARN });
  });

  it.each<[string, Error, string]>([
    ['InsufficientS3BucketPolicy', modeled(InsufficientS3BucketPolicyException, 400), 'TrailPolicyNotYetEffective'],
    ['InsufficientEncryptionPolicy', modeled(InsufficientEncryptionPolicyException, 400), 'TrailPolicyNotYetEffective'],
    ['InsufficientSnsTopicPolicy', modeled(InsufficientSnsTopicPolicyException, 400), 'TrailPolicyNotYetEffective'],
    ['KmsException', modeled(KmsException, 400), 'TrailPolicyNotYetEffective'],
    ['S3BucketDoesNotExist', modeled(S3BucketDoesNotExistException, 400), 'ResourceNotFound'],
    ['KmsKeyNotFound', modeled(KmsKeyNotFoundException, 400), 'ResourceNotFound'],
    ['KmsKeyDisabled', modeled(KmsKeyDisabledException, 400), 'ResourceNotFound'],
    ['TrailAlreadyExists', modeled(TrailAlreadyExistsException, 400), 'ConcurrentModification'],
    ['MaximumNumberOfTrailsExceeded', modeled(MaximumNumberOfTrailsExceededException, 400), 'TrailLimitExceeded'],
    ['InvalidKmsKeyId', modeled(InvalidKmsKeyIdException, 400), 'ConfigurationError'],
    ['ThrottlingException', modeled(ThrottlingException, 400), 'Throttled'],
    ['AccessDeniedException', awsError(CloudTrailServiceException, 'AccessDeniedException', 400), 'AccessDenied'],
  ])('maps CreateTrail %s to %s', async (_label, sdkError, expected) => {
    // prepare
    ctMock.on(CreateTrailCommand).rejects(sdkError);

    // act
    const err = await rejection(trails.create(input));

    // assert
    expect(err.name).toBe(expected);
    expect(err.cause).toBe(sdkError);
  });

  it('maps UpdateTrail on a trail deleted since the read to ConcurrentModification', async () => {
    // prepare
    ctMock.on(UpdateTrailCommand).rejects(modeled(TrailNotFoundException, 400));

    // act
    const err = await rejection(trails.update(input));

    // assert
    expect(err.name).toBe('ConcurrentModification');
  });

  it('maps UpdateTrail InsufficientEncryptionPolicy to TrailPolicyNotYetEffective naming the key', async () => {
    // prepare
    ctMock.on(UpdateTrailCommand).rejects(modeled(InsufficientEncryptionPolicyException, 400));

    // act
    const err = await rejection(trails.update(input));

    // assert
    expect(err.name).toBe('TrailPolicyNotYetEffective');
    expect(err.message).toContain(KEY_ARN);
  });

  it('starts logging and reads the logging status', async () => {
    // prepare
    ctMock.on(StartLoggingCommand).resolves({});
    ctMock.on(GetTrailStatusCommand).resolves({ IsLogging: false });

    // act
    await trails.startLogging(NAME);
    const logging = await trails.isLogging(NAME);

    // assert
    expect(logging).toBe(false);
    expect(ctMock).toHaveReceivedCommandWith(StartLoggingCommand, { Name: NAME });
  });
});
