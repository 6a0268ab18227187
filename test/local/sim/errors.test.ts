/**
 * The simulation builds SDK exceptions itself; this checks, for every error name it can emit, that
 * the real SDK deserializer turns AWS's response for that error into the same class and name.
 */
import { Readable } from 'node:stream';
import { CloudTrailClient, GetTrailCommand } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetBucketPolicyCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { errorStatus, SERVICE_ERRORS, SimAwsError, toSdkException, type SimService } from '../../../local/sim/errors';

interface Wire {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** AWS's error response for `name`, in the service's protocol. */
function wire(service: SimService, name: string): Wire {
  const status = errorStatus(service, name);
  const spec = SERVICE_ERRORS[service];
  if (spec.protocol === 'awsQuery') {
    const code = spec.errors[name]?.code ?? name;
    const type = status >= 500 ? 'Receiver' : 'Sender';
    return { status, headers: { 'content-type': 'text/xml' }, body: `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>` };
  }
  if (spec.protocol === 'restXml') {
    if (name === 'NotFound' || name === 'Unknown') return { status, headers: {}, body: '' };
    return { status, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${name}</Code><Message>m</Message><RequestId>r</RequestId></Error>` };
  }
  const json = service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
  return { status, headers: { 'content-type': json }, body: JSON.stringify({ __type: name, message: 'm' }) };
}

const handler = (w: Wire) => ({
  handle: async () => ({ response: { statusCode: w.status, headers: w.headers, body: Readable.from([Buffer.from(w.body)]) } }),
});

/** Sends one request of the service through a client answered with `w`; returns what the SDK threw. */
async function decode(service: SimService, name: string): Promise<Error> {
  const w = wire(service, name);
  const config = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' }, maxAttempts: 1, requestHandler: handler(w) as never };
  const send = (): Promise<unknown> => {
    switch (service) {
      case 'iam':
        return new IAMClient(config).send(new GetRoleCommand({ RoleName: 'r' }));
      case 'sts':
        return new STSClient(config).send(new GetCallerIdentityCommand({}));
      case 's3':
        return name === 'NotFound' || name === 'Unknown'
          ? new S3Client(config).send(new HeadBucketCommand({ Bucket: 'b' }))
          : new S3Client(config).send(new GetBucketPolicyCommand({ Bucket: 'b' }));
      case 'kms':
        return new KMSClient(config).send(new DescribeKeyCommand({ KeyId: 'k' }));
      case 'cloudtrail':
        return new CloudTrailClient(config).send(new GetTrailCommand({ Name: 'trail' }));
      case 'organizations':
        return new OrganizationsClient(config).send(new DescribeAccountCommand({ AccountId: '111122223333' }));
      case 'dynamodb':
        return new DynamoDBClient(config).send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
      case 'events':
        return new EventBridgeClient(config).send(new DescribeRuleCommand({ Name: 'r' }));
    }
  };
  try {
    await send();
  } catch (e) {
    return e as Error;
  }
  throw new Error(`${service} ${name}: the SDK did not throw`);
}

const cases = (Object.keys(SERVICE_ERRORS) as SimService[]).flatMap((service) => Object.keys(SERVICE_ERRORS[service].errors).map((name) => [service, name] as const));

describe('simulated errors match what the SDK makes of AWS responses', () => {
  it.each(cases)('%s %s', async (service, name) => {
    const real = await decode(service, name);
    const simulated = toSdkException(service, new SimAwsError(name, 'm'), 'r');
    expect({ name: simulated.name, class: simulated.constructor.name }).toEqual({ name: real.name, class: real.constructor.name });
    expect((simulated as { $fault?: string }).$fault).toBe((real as { $fault?: string }).$fault);
    expect((simulated as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(errorStatus(service, name));
  });
});

describe("Organizations' errors of the OU tree and the ways in", () => {
  const names = ['ChildNotFoundException', 'DestinationParentNotFoundException', 'DuplicateAccountException', 'OrganizationalUnitNotFoundException', 'ParentNotFoundException', 'SourceParentNotFoundException', 'InvalidInputException', 'TooManyRequestsException'];

  it('are all listed, so the table above checks each against the deserializer', () => {
    expect(Object.keys(SERVICE_ERRORS.organizations.errors)).toEqual(expect.arrayContaining(names));
  });

  it("InvalidInputException carries its Reason as the deserializer copies it from AWS's body", async () => {
    const { simulated, real } = await withReason('InvalidInputException', 'INVALID_NEXT_TOKEN');
    expect(simulated).toEqual(real);
  });
});

describe('errors of organization trails and trusted access', () => {
  const cloudtrailNames = [
    'OrganizationsNotInUseException',
    'OrganizationNotInAllFeaturesModeException',
    'CloudTrailAccessNotEnabledException',
    'InsufficientDependencyServiceAccessPermissionException',
    'NotOrganizationMasterAccountException',
    'NotOrganizationManagementAccountException',
    'CannotDelegateManagementAccountException',
    'AccountNotFoundException',
    'AccountRegisteredException',
    'AccountNotRegisteredException',
    'DelegatedAdminAccountLimitExceededException',
  ];

  it('are all listed, so the table above checks each against the deserializer', () => {
    expect(Object.keys(SERVICE_ERRORS.cloudtrail.errors)).toEqual(expect.arrayContaining(cloudtrailNames));
    expect(Object.keys(SERVICE_ERRORS.organizations.errors)).toEqual(expect.arrayContaining(['ConstraintViolationException']));
  });

  it("ConstraintViolationException carries its Reason as the deserializer copies it from AWS's body", async () => {
    const { simulated, real } = await withReason('ConstraintViolationException', 'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE');
    expect(simulated).toEqual(real);
  });
});

/** An Organizations error with a Reason, as the real deserializer and the simulation make it (name, class, Reason, fault). */
async function withReason(name: string, reason: string): Promise<{ simulated: unknown; real: unknown }> {
  const body = JSON.stringify({ __type: name, Message: 'm', Reason: reason });
  const w: Wire = { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body };
  const client = new OrganizationsClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' }, maxAttempts: 1, requestHandler: handler(w) as never });
  const view = (e: Error & { Reason?: string; $fault?: string }) => ({ name: e.name, class: e.constructor.name, reason: e.Reason, fault: e.$fault });
  return { real: view(await describeAccountFailure(client)), simulated: view(toSdkException('organizations', new SimAwsError(name, 'm', { Reason: reason }), 'r')) };
}

async function describeAccountFailure(client: OrganizationsClient): Promise<Error> {
  try {
    await client.send(new DescribeAccountCommand({ AccountId: '111122223333' }));
  } catch (e) {
    return e as Error;
  }
  throw new Error('the SDK did not throw');
}
