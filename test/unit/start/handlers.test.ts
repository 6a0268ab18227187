/**
 * The two Lambda entries with a mocked SFNClient: what they call, what they answer, and that the
 * event function rethrows what EventBridge's asynchronous invocation should retry.
 */
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { RuntimeConfigInput } from '../../../handlers/shared/config';
import { awsError, modeled } from '../adapters/sdk-errors';
import { organizationsEvents } from '../../fixtures';

const events = organizationsEvents();

const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Onboarding';
const CONFIG: RuntimeConfigInput = {
  homeRegion: 'eu-west-1',
  managementAccountId: '111122223333',
  logArchiveAccountId: '222233334444',
  bucketName: 'org-cloudtrail-logs-222233334444',
  keyArn: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  trailName: 'org-member-trail',
  switchRole: { name: 'SecurityAuditFromLogArchive', trustedPrincipalArns: ['arn:aws:iam::222233334444:root'] },
  logArchiveAccessRoleArn: 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess',
  readerRoleBoundaryArn: 'arn:aws:iam::222233334444:policy/CloudTrailOnboarding-ReaderBoundary',
  tableName: 'onboarding-status',
};

const sfnMock = mockClient(SFNClient);
type Handler<E, R> = (event: E) => Promise<R>;
let fromEvent: Handler<unknown, { outcome: string; executionName?: string }>;
let api: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;

beforeAll(() => {
  process.env.ONBOARDING_CONFIG = JSON.stringify(CONFIG);
  process.env.STATE_MACHINE_ARN = SM;
  // The entry files read their configuration when loaded, as in a Lambda container: load them now.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  fromEvent = require('../../../handlers/start-from-event').handler;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  api = require('../../../handlers/api').handler;
});
beforeEach(() => sfnMock.reset());

const throttled = () => awsError(SFNServiceException as never, 'ThrottlingException', 400, 'Rate exceeded');
const serverError = () => awsError(SFNServiceException as never, 'InternalServerError', 500);

describe('StartFromEvent', () => {
  it('starts onboard-<id> with {"accountId": "<id>"} from the transformer output', async () => {
    // prepare
    sfnMock.on(DescribeExecutionCommand).rejects(modeled(ExecutionDoesNotExist, 400));
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${SM.replace(':stateMachine:', ':execution:')}:onboard-444455556666`, startDate: new Date() });

    // act
    const r = await fromEvent({ accountId: '444455556666' });

    // assert
    expect(r).toMatchObject({ outcome: 'started', executionName: 'onboard-444455556666' });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: SM, name: 'onboard-444455556666', input: '{"accountId":"444455556666"}' });
  });

  it.each([
    { label: 'throttling', error: throttled, name: 'Throttled' },
    { label: 'a 5xx', error: serverError, name: 'ServiceUnavailable' },
  ])('rethrows $label (as $name) so the invocation is retried', async ({ error, name }) => {
    sfnMock.on(DescribeExecutionCommand).rejects(error());
    await expect(fromEvent({ accountId: '444455556666' })).rejects.toMatchObject({ name });
  });

  it('rethrows a malformed input so it reaches the failure destination, and calls nothing', async () => {
    await expect(fromEvent({ accountId: 444455556666 })).rejects.toMatchObject({ name: 'InvalidAccountId' });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('ignores a FAILED account creation and calls nothing', async () => {
    await expect(fromEvent(events.createAccountResultFailed)).resolves.toMatchObject({ outcome: 'ignored' });
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('API', () => {
  const post = (body: string): APIGatewayProxyEvent =>
    ({ httpMethod: 'POST', resource: '/accounts', path: '/accounts', body, isBase64Encoded: false, pathParameters: null, requestContext: { requestId: 'api-req-1' } }) as never;

  it('answers 202 with the execution when it starts one', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(modeled(ExecutionDoesNotExist, 400));
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${SM.replace(':stateMachine:', ':execution:')}:onboard-444455556666`, startDate: new Date() });
    const r = await api(post('{"accountId":"444455556666"}'));
    expect(r.statusCode).toBe(202);
    expect(JSON.parse(r.body)).toMatchObject({ outcome: 'started', execution: { executionName: 'onboard-444455556666', status: 'RUNNING' } });
  });

  it('answers 503 with Retry-After when Step Functions throttles', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(throttled());
    const r = await api(post('{"accountId":"444455556666"}'));
    expect(r.statusCode).toBe(503);
    expect(r.headers?.['Retry-After']).toBe('5');
  });

  it('answers 500 with the request id, and neither the internal message nor a stack trace, when AWS fails unexpectedly', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(new TypeError('boom'));
    const r = await api(post('{"accountId":"444455556666"}'));
    expect(r.statusCode).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ error: { name: 'UnexpectedAwsError', message: expect.stringContaining('api-req-1') }, requestId: 'api-req-1' });
    expect(r.body).not.toMatch(/boom|\n\s+at /);
  });

  it('answers 400 InvalidRequest for a body with an unknown field, before calling AWS', async () => {
    const r = await api(post('{"accountId":"444455556666","force":true}'));
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).error).toEqual({ name: 'InvalidRequest', message: expect.stringContaining('"force"') });
    expect(sfnMock.calls()).toHaveLength(0);
  });
});
