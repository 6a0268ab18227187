/**
 * DELETE /accounts/{accountId}: the reason it records (who asked, from the IAM identity API Gateway
 * authorized, and `?reason=`), its answers (202 started / already running; 400, 404 NothingToOffboard),
 * and that bad input calls nothing -- the pure parts, then the Lambda entry with mocked Step Functions
 * and DynamoDB.
 */
import { DescribeExecutionCommand, ExecutionDoesNotExist, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { callerOf, offboardingReason, offboardReasonText, offboardResponse } from '../../../handlers/api/offboard';
import { MAX_REASON_LENGTH } from '../../../handlers/domain/request';
import type { RuntimeConfigInput } from '../../../handlers/shared/config';
import { modeled } from '../adapters/sdk-errors';

const ID = '444455556666';
const RID = 'req-9';
const CALLER = 'arn:aws:sts::111122223333:assumed-role/Admin/jane';
const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Onboarding';
const execArn = (name: string) => `${SM.replace(':stateMachine:', ':execution:')}:${name}`;

describe('offboardingReason', () => {
  it('records who asked, and why when they said', () => {
    expect(offboardingReason({ via: 'API DELETE', caller: CALLER })).toBe(`API DELETE by ${CALLER}`);
    expect(offboardingReason({ via: 'API DELETE', caller: CALLER, text: '  contract ended ' })).toBe(`API DELETE by ${CALLER}: contract ended`);
  });

  it('takes text up to what fits with who asked in the record, and refuses one character more by name', () => {
    const who = `API DELETE by ${CALLER}`;
    const room = MAX_REASON_LENGTH - who.length - 2;
    expect(offboardingReason({ via: 'API DELETE', caller: CALLER, text: 'x'.repeat(room) })).toHaveLength(MAX_REASON_LENGTH);
    expect(() => offboardingReason({ via: 'API DELETE', caller: CALLER, text: 'x'.repeat(room + 1) })).toThrow(
      expect.objectContaining({ name: 'InvalidRequest', message: expect.stringContaining(`${room + 1} characters; at most ${room} fit`) }),
    );
  });

  it.each([
    ['empty', '   ', /reason is empty/],
    ['on two lines', 'contract\nended', /control character/],
    ['with a tab', 'contract\tended', /control character/],
  ])('refuses a reason that is %s with InvalidRequest', (_what, text, message) => {
    expect(() => offboardingReason({ via: 'API DELETE', caller: CALLER, text })).toThrow(expect.objectContaining({ name: 'InvalidRequest', message: expect.stringMatching(message) }));
  });

  it('shortens a very long caller ARN so the text still fits', () => {
    const caller = `arn:aws:iam::111122223333:user/${'p/'.repeat(150)}jane`;
    const r = offboardingReason({ via: 'API DELETE', caller, text: 'contract ended' });
    expect(r.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    expect(r).toMatch(/^API DELETE by arn:aws:iam::111122223333:user\/p\/.*…: contract ended$/);
  });
});

describe('callerOf', () => {
  it("is the identity's userArn, or its caller when API Gateway gives no ARN", () => {
    expect(callerOf({ requestContext: { identity: { userArn: CALLER, caller: 'AROAEXAMPLE:jane' } } } as never)).toBe(CALLER);
    expect(callerOf({ requestContext: { identity: { userArn: null, caller: 'AROAEXAMPLE:jane' } } } as never)).toBe('AROAEXAMPLE:jane');
  });

  it('refuses a request without an IAM identity: the method is not AWS_IAM-authorized', () => {
    expect(() => callerOf({ requestContext: { identity: { userArn: null, caller: null } } } as never)).toThrow(expect.objectContaining({ name: 'ConfigurationError' }));
  });
});

describe('offboardReasonText', () => {
  const q = (queryStringParameters: Record<string, string> | null, multi?: Record<string, string[]>) =>
    offboardReasonText({ body: null, queryStringParameters, multiValueQueryStringParameters: multi ?? (queryStringParameters ? Object.fromEntries(Object.entries(queryStringParameters).map(([k, v]) => [k, [v]])) : null) });

  it('reads ?reason= (decoded by API Gateway); none is undefined', () => {
    expect(q({ reason: 'contract ended' })).toBe('contract ended');
    expect(q(null)).toBeUndefined();
  });

  it.each([
    ['a body', () => offboardReasonText({ body: '{"reason":"x"}', queryStringParameters: null, multiValueQueryStringParameters: null }), /takes no body; give the reason as the query string/],
    ['an unknown parameter', () => q({ reason: 'x', force: 'true' }), /takes only \?reason=<text>; remove "force"/],
    ['reason twice', () => q({ reason: 'b' }, { reason: ['a', 'b'] }), /reason is given 2 times/],
  ])('refuses %s with InvalidRequest', (_what, act, message) => {
    expect(act).toThrow(expect.objectContaining({ name: 'InvalidRequest', message: expect.stringMatching(message) }));
  });
});

describe('offboardResponse', () => {
  it.each([
    ['started', /Offboarding of account 444455556666 started/],
    ['already-running', /already running.*nothing new was started/],
  ] as const)('%s -> 202 with the execution', (outcome, message) => {
    const execution = { executionArn: execArn('offboard-x'), executionName: 'offboard-x', status: 'RUNNING' as const, startDate: '2026-12-01T19:30:00.000Z' };
    const r = offboardResponse({ outcome, accountId: ID, ...execution }, RID);
    expect(r.statusCode).toBe(202);
    expect(JSON.parse(r.body)).toEqual({ outcome, accountId: ID, message: expect.stringMatching(message), execution });
  });
});

describe('the API entry: DELETE /accounts/{accountId}', () => {
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
  const ONBOARDED_ITEM = { pk: `ACCOUNT#${ID}`, accountId: ID, status: 'ONBOARDED', startedAt: '2026-12-01T19:00:00.000Z', onboardedAt: '2026-12-01T19:30:00.123Z', updatedAt: '2026-12-01T19:30:00.123Z' };
  const NAME = `offboard-${ID}-20261201T193000Z`;
  const sfn = mockClient(SFNClient);
  const ddb = mockClient(DynamoDBDocumentClient);
  let api: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

  beforeAll(() => {
    process.env.ONBOARDING_CONFIG = JSON.stringify(CONFIG);
    process.env.STATE_MACHINE_ARN = SM;
    // The entry reads its configuration when loaded, as in a Lambda container.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    api = require('../../../handlers/api').handler;
  });
  beforeEach(() => {
    sfn.reset();
    ddb.reset();
  });

  const del = (accountId: string, opts: { reason?: string; query?: Record<string, string>; body?: string; identity?: Record<string, string | null> } = {}): APIGatewayProxyEvent => {
    const query = opts.query ?? (opts.reason !== undefined ? { reason: opts.reason } : null);
    return {
      httpMethod: 'DELETE',
      resource: '/accounts/{accountId}',
      path: `/accounts/${accountId}`,
      pathParameters: { accountId },
      queryStringParameters: query,
      multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
      body: opts.body ?? null,
      isBase64Encoded: false,
      requestContext: { requestId: 'api-req-7', identity: opts.identity ?? { userArn: CALLER, caller: 'AROAEXAMPLE:jane', accountId: '111122223333' } },
    } as never;
  };

  it('starts the offboarding, recording the caller and ?reason=, and answers 202 with the execution', async () => {
    // prepare
    ddb.on(GetCommand).resolves({ Item: ONBOARDED_ITEM });
    sfn.on(DescribeExecutionCommand).rejects(modeled(ExecutionDoesNotExist, 400));
    sfn.on(StartExecutionCommand).resolves({ executionArn: execArn(NAME), startDate: new Date('2026-12-01T20:00:00Z') });

    // act
    const r = await api(del(ID, { reason: 'contract ended' }));

    // assert
    expect(r.statusCode).toBe(202);
    expect(JSON.parse(r.body)).toMatchObject({ outcome: 'started', accountId: ID, execution: { executionName: NAME, status: 'RUNNING' } });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!);
    expect(input).toEqual({ accountId: ID, action: 'offboard', reason: `API DELETE by ${CALLER}: contract ended` });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name).toBe(NAME);
  });

  it('without ?reason= records who asked', async () => {
    ddb.on(GetCommand).resolves({ Item: ONBOARDED_ITEM });
    sfn.on(DescribeExecutionCommand).rejects(modeled(ExecutionDoesNotExist, 400));
    sfn.on(StartExecutionCommand).resolves({ executionArn: execArn(NAME), startDate: new Date() });
    await api(del(ID));
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!).reason).toBe(`API DELETE by ${CALLER}`);
  });

  it('answers 202 already-running with the running offboarding, and starts nothing', async () => {
    ddb.on(GetCommand).resolves({ Item: ONBOARDED_ITEM });
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: execArn(NAME), name: NAME, status: 'RUNNING', startDate: new Date(), stateMachineArn: SM });
    const r = await api(del(ID, { reason: 'again' }));
    expect(r.statusCode).toBe(202);
    expect(JSON.parse(r.body)).toMatchObject({ outcome: 'already-running', execution: { executionName: NAME, status: 'RUNNING' } });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('answers 404 NothingToOffboard for an account the status table does not know, and starts nothing', async () => {
    ddb.on(GetCommand).resolves({});
    const r = await api(del('123412341234'));
    expect(r.statusCode).toBe(404);
    expect(JSON.parse(r.body).error).toEqual({ name: 'NothingToOffboard', message: expect.stringContaining('was never onboarded') });
    expect(sfn.calls()).toHaveLength(0);
  });

  it.each([
    ['a malformed id', del('4444'), 'InvalidAccountId', /has 4 digits/],
    ['a body', del(ID, { body: '{"reason":"x"}' }), 'InvalidRequest', /takes no body/],
    ['an unknown query parameter', del(ID, { query: { reason: 'x', mode: 'report' } }), 'InvalidRequest', /remove "mode"/],
    ['a reason on two lines', del(ID, { reason: 'a\nb' }), 'InvalidRequest', /control character/],
    ['a reason too long', del(ID, { reason: 'x'.repeat(MAX_REASON_LENGTH) }), 'InvalidRequest', /at most \d+ fit/],
  ])('answers 400 for %s (the same named error as POST), calling nothing', async (_what, event, name, message) => {
    const r = await api(event);
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).error).toEqual({ name, message: expect.stringMatching(message) });
    expect(sfn.calls()).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 500 ConfigurationError when the request carries no IAM identity, calling nothing', async () => {
    const r = await api(del(ID, { identity: { userArn: null, caller: null } }));
    expect(r.statusCode).toBe(500);
    expect(JSON.parse(r.body).error.name).toBe('ConfigurationError');
    expect(sfn.calls()).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('GET /accounts/{accountId} returns the offboarding record with the status item', async () => {
    const offboarding = { reason: `API DELETE by ${CALLER}`, executionArn: execArn(NAME), startedAt: '2026-12-01T20:00:00.000Z', offboardedAt: '2026-12-01T20:00:05.000Z', removed: ['trail', 'bucketPolicy'], leftBehind: [] };
    ddb.on(GetCommand).resolves({ Item: { ...ONBOARDED_ITEM, status: 'OFFBOARDED', executionArn: execArn(NAME), offboarding } });
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(DescribeExecutionCommand).rejects(modeled(ExecutionDoesNotExist, 400));
    sfn.on(DescribeExecutionCommand, { executionArn: execArn(NAME) }).resolves({ executionArn: execArn(NAME), name: NAME, status: 'SUCCEEDED', startDate: new Date('2026-12-01T20:00:00Z'), stateMachineArn: SM });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const r = await api({ ...del(ID), httpMethod: 'GET' });
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'OFFBOARDED', record: { offboarding }, execution: { executionName: NAME } });
  });
});
