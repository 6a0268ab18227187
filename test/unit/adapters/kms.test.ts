import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  LimitExceededException,
  MalformedPolicyDocumentException,
  NotFoundException,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { KeyPolicyAdapter } from '../../../handlers/adapters/kms';
import { awsError, modeled, rejection } from './sdk-errors';

const kmsMock = mockClient(KMSClient);
const KEY_ARN = 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const keyPolicy = new KeyPolicyAdapter(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);

beforeEach(() => kmsMock.reset());

describe('KeyPolicyAdapter', () => {
  it('reads the default key policy', async () => {
    // prepare
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: '{"Statement":[]}', PolicyName: 'default' });

    // act
    const text = await keyPolicy.get();

    // assert
    expect(text).toBe('{"Statement":[]}');
    expect(kmsMock).toHaveReceivedCommandWith(GetKeyPolicyCommand, { KeyId: KEY_ARN, PolicyName: 'default' });
  });

  it('writes the policy without bypassing the lockout safety check', async () => {
    // prepare
    kmsMock.on(PutKeyPolicyCommand).resolves({});

    // act
    await keyPolicy.put('{"Statement":[]}');

    // assert
    expect(kmsMock).toHaveReceivedCommandWith(PutKeyPolicyCommand, {
      KeyId: KEY_ARN,
      PolicyName: 'default',
      Policy: '{"Statement":[]}',
      BypassPolicyLockoutSafetyCheck: false,
    });
  });

  it.each<[string, Error, string]>([
    [
      'invalid principals',
      modeled(MalformedPolicyDocumentException, 400, 'Policy contains a statement with one or more invalid principals.'),
      'PropagationPending',
    ],
    [
      'the lockout safety check',
      modeled(MalformedPolicyDocumentException, 400, 'The new key policy will not allow you to update the key policy in the future.'),
      'InvalidPolicyDocument',
    ],
    ['a policy over 32 KB', modeled(LimitExceededException, 400, 'Policy exceeds the maximum length'), 'PolicyTooLarge'],
    ['a missing key', modeled(NotFoundException, 400), 'ResourceNotFound'],
    ['a key pending deletion', modeled(KMSInvalidStateException, 400), 'ResourceNotFound'],
    ['KMSInternalException', modeled(KMSInternalException, 500), 'ServiceUnavailable'],
    ['ThrottlingException', awsError(KMSServiceException, 'ThrottlingException', 400), 'Throttled'],
    ['AccessDeniedException', awsError(KMSServiceException, 'AccessDeniedException', 400), 'AccessDenied'],
  ])('maps a PutKeyPolicy refusal for %s to %s', async (_label, sdkError, expected) => {
    // prepare
    kmsMock.on(PutKeyPolicyCommand).rejects(sdkError);

    // act
    const err = await rejection(keyPolicy.put('{}'));

    // assert
    expect(err.name).toBe(expected);
    expect(err.cause).toBe(sdkError);
    expect(err.details).toMatchObject({ service: 'KMS', operation: 'PutKeyPolicy', target: KEY_ARN });
  });

  it('reports a missing key on read as ResourceNotFound naming keyArn', async () => {
    // prepare
    kmsMock.on(GetKeyPolicyCommand).rejects(modeled(NotFoundException, 400));

    // act
    const err = await rejection(keyPolicy.get());

    // assert
    expect(err.name).toBe('ResourceNotFound');
    expect(err.message).toContain(KEY_ARN);
    expect(err.message).toContain('keyArn');
  });
});

describe('resolving the configured key', () => {
  const ALIAS_ARN = 'arn:aws:kms:eu-west-1:222233334444:alias/cloudtrail-onboarding';

  it('returns a key ARN as it is, without calling KMS', async () => {
    kmsMock.reset();
    await expect(keyPolicy.resolveKeyArn()).resolves.toBe(KEY_ARN);
    expect(kmsMock).not.toHaveReceivedCommand(DescribeKeyCommand);
  });

  it('resolves an alias ARN to the key ARN with DescribeKey', async () => {
    kmsMock.reset();
    kmsMock.on(DescribeKeyCommand, { KeyId: ALIAS_ARN }).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN } });
    const aliased = new KeyPolicyAdapter(new KMSClient({ region: 'eu-west-1' }), ALIAS_ARN);
    await expect(aliased.resolveKeyArn()).resolves.toBe(KEY_ARN);
  });

  it('names the configuration key when the alias does not exist', async () => {
    kmsMock.reset();
    kmsMock.on(DescribeKeyCommand).rejects(modeled(NotFoundException, 400, 'Alias is not found.'));
    const aliased = new KeyPolicyAdapter(new KMSClient({ region: 'eu-west-1' }), ALIAS_ARN);
    const e = await rejection(aliased.resolveKeyArn());
    expect(e.name).toBe('ResourceNotFound');
    expect(e.message).toMatch(/keyArn/);
  });
});
