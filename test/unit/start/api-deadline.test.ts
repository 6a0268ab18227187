/**
 * The API answers before its function times out (and so before API Gateway's 29 s): a request whose
 * AWS calls hang gets a 503 with Retry-After shortly before the deadline, not Lambda's bare 502 or
 * API Gateway's 504.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DEADLINE_MARGIN_MS, DEADLINE_PASSED, deadlineMs, withinDeadline } from '../../../handlers/api/deadline';
import type { RuntimeConfigInput } from '../../../handlers/shared/config';

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

describe('withinDeadline', () => {
  it('resolves with the work when it settles first, and leaves no timer behind', async () => {
    jest.useFakeTimers();
    try {
      const answer = withinDeadline(Promise.resolve('done'), 1_000);
      await expect(answer).resolves.toBe('done');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('resolves with DEADLINE_PASSED when the work has not settled in time', async () => {
    jest.useFakeTimers();
    try {
      const answer = withinDeadline(new Promise<string>(() => undefined), 1_000);
      jest.advanceTimersByTime(1_000);
      await expect(answer).resolves.toBe(DEADLINE_PASSED);
    } finally {
      jest.useRealTimers();
    }
  });

  it('waits for the work without a deadline (no Lambda context)', async () => {
    await expect(withinDeadline(Promise.resolve(1), undefined)).resolves.toBe(1);
  });

  it.each([
    [15_000, 15_000 - DEADLINE_MARGIN_MS],
    [DEADLINE_MARGIN_MS - 1, 0],
    [undefined, undefined],
  ])('a remaining time of %p ms gives a deadline of %p ms', (remaining, deadline) => {
    expect(deadlineMs(remaining)).toBe(deadline);
  });
});

describe('the API handler', () => {
  const sfnMock = mockClient(SFNClient);
  let api: (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

  beforeAll(() => {
    process.env.ONBOARDING_CONFIG = JSON.stringify(CONFIG);
    process.env.STATE_MACHINE_ARN = SM;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    api = require('../../../handlers/api').handler;
  });
  afterAll(() => sfnMock.restore());

  it('answers 503 with Retry-After before the function times out when Step Functions does not answer', async () => {
    // prepare: a call that never returns, and an invocation with 300 ms left before the deadline
    sfnMock.on(DescribeExecutionCommand).callsFake(() => new Promise(() => undefined));
    const context = { awsRequestId: 'lambda-req-1', getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + 300 } as unknown as Context;
    const event = { httpMethod: 'POST', resource: '/accounts', path: '/accounts', body: '{"accountId":"444455556666"}', isBase64Encoded: false, pathParameters: null, requestContext: { requestId: 'api-req-1' } };

    // act
    const started = Date.now();
    const r = await api(event as never, context);

    // assert
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.statusCode).toBe(503);
    expect(r.headers?.['Retry-After']).toBe('5');
    expect(JSON.parse(r.body)).toEqual({ error: { name: 'ServiceUnavailable', message: expect.stringContaining('repeating it is safe') }, requestId: 'api-req-1' });
  });
});
