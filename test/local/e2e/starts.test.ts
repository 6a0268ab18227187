/**
 * The three ways in, end to end on the local simulation: the API (POST /accounts, GET
 * /accounts/{id}, POST /accounts/{id}/retry), the Organizations CreateAccountResult event through
 * the rule's InputTransformer, and the retry of a failed onboarding. Every one of them asks the
 * simulated Step Functions for the same execution, so duplicates never start a second onboarding.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createClient } from '../../../handlers/shared/clients';
import { organizationsEvents } from '../../fixtures';

const events = organizationsEvents();
import { DEMO, startLocal, writes, type Local } from '../harness';

type ApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
type EventHandler = (event: unknown) => Promise<{ outcome: string; executionArn?: string; executionName?: string; reason?: string }>;

const FIXTURE_ACCOUNT = events.createAccountResultSucceeded.detail.serviceEventDetails.createAccountStatus.accountId;
const EVENT_FIRST = DEMO.memberAccountIds[1];
const FAILING = '300000000001';
const RUNNING_RETRY = '300000000002';
const BAD_INPUT = '300000000003';

let local: Local;
let api: ApiHandler;
let fromEvent: EventHandler;

beforeAll(async () => {
  local = await startLocal({ extraMembers: [FAILING, RUNNING_RETRY, BAD_INPUT] });
  // The entry files read ONBOARDING_CONFIG and STATE_MACHINE_ARN when loaded, as in a Lambda
  // container; LocalStepFunctions.start has set them, so they are loaded only now.
  api = (await import('../../../handlers/api')).handler;
  fromEvent = (await import('../../../handlers/start-from-event')).handler as EventHandler;
});
afterAll(() => local.stop());

/** An API Gateway REST proxy event for one of the API's resources. */
function request(method: string, path: string, body?: unknown): APIGatewayProxyEvent {
  const accountId = /^\/accounts\/([^/]+)/.exec(path)?.[1];
  const resource = !accountId ? '/accounts' : path.endsWith('/retry') ? '/accounts/{accountId}/retry' : '/accounts/{accountId}';
  return {
    httpMethod: method,
    resource,
    path,
    pathParameters: accountId ? { accountId } : null,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    headers: { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: `api-${Math.random().toString(36).slice(2)}` } as never,
  };
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const r = await api(request(method, path, body));
  return { status: r.statusCode, body: JSON.parse(r.body) };
}

/** What the rule's InputTransformer makes of an event: InputPathsMap + InputTemplate {"accountId": "<accountId>"}. */
function transform(event: typeof events.createAccountResultSucceeded): unknown {
  const accountId = event.detail.serviceEventDetails.createAccountStatus.accountId;
  return JSON.parse('{"accountId": "<accountId>"}'.replace('<accountId>', accountId));
}

/** Executions of the local Step Functions named for an account. */
const executionsOf = (accountId: string) => local.world.stepFunctions.list().filter((x) => x.name.startsWith(`onboard-${accountId}`));

describe('the API and the event start the same onboarding', () => {
  it('the fixture account is a member of the demo organization', () => {
    expect(FIXTURE_ACCOUNT).toBe(DEMO.memberAccountIds[0]);
  });

  it('API first, then the API again and the event while it runs: one execution, already-running with its ARN', async () => {
    // act
    const first = await call('POST', '/accounts', { accountId: FIXTURE_ACCOUNT });
    const again = await call('POST', '/accounts', { accountId: FIXTURE_ACCOUNT });
    const viaEvent = await fromEvent(transform(events.createAccountResultSucceeded));
    const viaRawEvent = await fromEvent(events.createAccountResultSucceeded);

    // assert
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ outcome: 'started', accountId: FIXTURE_ACCOUNT, execution: { executionName: `onboard-${FIXTURE_ACCOUNT}`, status: 'RUNNING' } });
    const arn = first.body.execution.executionArn;
    expect(arn).toBe(`${local.sfn.stateMachineArn.replace(':stateMachine:', ':execution:')}:onboard-${FIXTURE_ACCOUNT}`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'already-running', execution: { executionArn: arn, status: 'RUNNING' } });
    expect(viaEvent).toMatchObject({ outcome: 'already-running', executionArn: arn });
    expect(viaRawEvent).toMatchObject({ outcome: 'already-running', executionArn: arn });
    expect(executionsOf(FIXTURE_ACCOUNT).map((x) => x.executionArn)).toEqual([arn]);
    expect(local.world.stepFunctions.get(arn)?.input).toBe(`{"accountId":"${FIXTURE_ACCOUNT}"}`);

    // and it onboards the account
    expect((await local.world.stepFunctions.settled(arn)).status).toBe('SUCCEEDED');
    expect(await local.status.getAccount(FIXTURE_ACCOUNT)).toMatchObject({ status: 'ONBOARDED', executionArn: arn });
  });

  it('event first, then the API: the same execution name and ARN', async () => {
    // act
    const viaEvent = await fromEvent({ accountId: EVENT_FIRST });
    const viaApi = await call('POST', '/accounts', { accountId: EVENT_FIRST });

    // assert
    expect(viaEvent).toMatchObject({ outcome: 'started', executionName: `onboard-${EVENT_FIRST}` });
    expect(viaApi.body).toMatchObject({ outcome: 'already-running', execution: { executionArn: viaEvent.executionArn } });
    expect(executionsOf(EVENT_FIRST)).toHaveLength(1);
    await local.world.stepFunctions.settled(viaEvent.executionArn!);
  });

  it('after success, a duplicate start answers already-onboarded and starts nothing', async () => {
    // prepare
    const before = local.world.stepFunctions.list().length;

    // act
    const viaApi = await call('POST', '/accounts', { accountId: FIXTURE_ACCOUNT });
    const viaEvent = await fromEvent(transform(events.createAccountResultSucceeded));

    // assert
    expect(viaApi.status).toBe(200);
    expect(viaApi.body).toMatchObject({ outcome: 'already-onboarded', execution: { status: 'SUCCEEDED' } });
    expect(viaApi.body.message).toMatch(/already onboarded/);
    expect(viaEvent).toMatchObject({ outcome: 'already-onboarded' });
    expect(local.world.stepFunctions.list()).toHaveLength(before);
  });

  it('GET /accounts/{id} returns the status from the table and every step of the execution', async () => {
    // act
    const r = await call('GET', `/accounts/${FIXTURE_ACCOUNT}`);

    // assert
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      accountId: FIXTURE_ACCOUNT,
      status: 'ONBOARDED',
      statusSource: 'status-table',
      record: { status: 'ONBOARDED', trailArn: `arn:aws:cloudtrail:${DEMO.region}:${FIXTURE_ACCOUNT}:trail/${DEMO.trailName}` },
      execution: { executionName: `onboard-${FIXTURE_ACCOUNT}`, status: 'SUCCEEDED' },
    });
    expect(r.body.record).not.toHaveProperty('pk');
    const steps = r.body.steps as { state: string; status: string; attempts: number }[];
    expect(steps.map((s) => s.state).sort()).toEqual(
      ['EnsureBucketPolicy', 'EnsureChangeRules', 'EnsureKeyPolicy', 'EnsureReaderRole', 'EnsureSwitchRole', 'EnsureTrail', 'RecordResult', 'ValidateRequest'].sort(),
    );
    expect(steps.every((s) => s.status === 'SUCCEEDED' && s.attempts === 1)).toBe(true);
  });

  it('a raw event of a failed account creation is ignored and starts nothing', async () => {
    const before = local.world.stepFunctions.list().length;
    await expect(fromEvent(events.createAccountResultFailed)).resolves.toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/FAILED/) });
    expect(local.world.stepFunctions.list()).toHaveLength(before);
  });
});

describe('a failed onboarding retried through the API', () => {
  let arn: string;

  it('fails at EnsureSwitchRole with AccessDenied; GET shows FAILED and the failed step with its error', async () => {
    // prepare
    local.world.faults.inject({ service: 'iam', operation: 'CreateRole', accountId: FAILING, error: 'AccessDenied' });

    // act
    const started = await call('POST', '/accounts', { accountId: FAILING });
    arn = started.body.execution.executionArn;
    await local.world.stepFunctions.settled(arn);
    const view = await call('GET', `/accounts/${FAILING}`);

    // assert
    expect(started.status).toBe(202);
    expect(view.body).toMatchObject({
      status: 'FAILED',
      record: { error: { name: 'AccessDenied', step: 'EnsureSwitchRole' } },
      execution: { executionArn: arn, status: 'FAILED', error: 'AccessDenied' },
    });
    const steps = Object.fromEntries((view.body.steps as { state: string }[]).map((s) => [s.state, s]));
    expect(steps.EnsureSwitchRole).toMatchObject({ status: 'FAILED', error: 'AccessDenied', errors: ['AccessDenied'] });
    expect(steps.RecordFailure).toMatchObject({ status: 'SUCCEEDED' });
    expect(steps).not.toHaveProperty('RecordResult');
  });

  it('a start answers 409 previously-failed and points at the retry', async () => {
    const r = await call('POST', '/accounts', { accountId: FAILING });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ outcome: 'previously-failed', execution: { executionArn: arn, status: 'FAILED', error: 'AccessDenied' } });
    expect(r.body.message).toMatch(new RegExp(`POST /accounts/${FAILING}/retry`));
  });

  it('a redrive of that execution would only re-enter its Fail state and fail again (as in AWS)', async () => {
    // Shown on the simulated service directly: this is why a retry does not redrive a FAILED execution.
    const sfnClient = createClient(SFNClient, { region: 'eu-west-1' });
    await sfnClient.send(new RedriveExecutionCommand({ executionArn: arn }));
    const again = await local.world.stepFunctions.settled(arn);
    expect(again).toMatchObject({ status: 'FAILED', error: 'AccessDenied', redriveCount: 1 });
    expect(await local.status.getAccount(FAILING)).toMatchObject({ status: 'FAILED' });
  });

  it('POST /accounts/{id}/retry starts the next run, which ends SUCCEEDED and the account ONBOARDED', async () => {
    // act
    const r = await call('POST', `/accounts/${FAILING}/retry`);
    const again = await call('POST', `/accounts/${FAILING}/retry`); // while it runs
    const retryArn = r.body.execution.executionArn;
    const done = await local.world.stepFunctions.settled(retryArn);

    // assert
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      outcome: 'restarted',
      reason: 'failed',
      execution: { executionName: `onboard-${FAILING}-retry-1`, status: 'RUNNING' },
      previous: { executionArn: arn, status: 'FAILED' },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'already-running', execution: { executionArn: retryArn } });
    expect(done).toMatchObject({ status: 'SUCCEEDED' });
    expect(executionsOf(FAILING)).toHaveLength(2);
    expect(await local.status.getAccount(FAILING)).toMatchObject({ status: 'ONBOARDED', executionArn: retryArn });
  });

  it('GET shows the retry SUCCEEDED', async () => {
    const view = await call('GET', `/accounts/${FAILING}`);
    expect(view.body).toMatchObject({ status: 'ONBOARDED', execution: { executionName: `onboard-${FAILING}-retry-1`, status: 'SUCCEEDED' } });
    const switchRole = (view.body.steps as { state: string }[]).find((s) => s.state === 'EnsureSwitchRole');
    expect(switchRole).toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('retrying', () => {
  it('an onboarded account starts one verification run that writes nothing, even when asked twice at once', async () => {
    // prepare
    local.world.resetCalls();

    // act
    const [a, b] = await Promise.all([call('POST', `/accounts/${FIXTURE_ACCOUNT}/retry`), call('POST', `/accounts/${FIXTURE_ACCOUNT}/retry`)]);
    const arn = a.body.execution.executionArn;
    const done = await local.world.stepFunctions.settled(arn);

    // assert
    expect(a.status).toBe(202);
    expect(a.body).toMatchObject({ outcome: 'restarted', reason: 'verify', execution: { executionName: `onboard-${FIXTURE_ACCOUNT}-retry-1` } });
    expect(b.body.execution.executionArn).toBe(arn);
    expect(executionsOf(FIXTURE_ACCOUNT).map((x) => x.name)).toEqual([`onboard-${FIXTURE_ACCOUNT}`, `onboard-${FIXTURE_ACCOUNT}-retry-1`]);
    expect(done.status).toBe('SUCCEEDED');
    expect(writes(local.world)).toEqual([]);
  });

  it('while the onboarding runs answers already-running with it', async () => {
    const started = await call('POST', '/accounts', { accountId: RUNNING_RETRY });
    const retried = await call('POST', `/accounts/${RUNNING_RETRY}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ outcome: 'already-running', execution: { executionArn: started.body.execution.executionArn } });
    await local.world.stepFunctions.settled(started.body.execution.executionArn);
  });
});

describe('bad requests get a 400 with a named error, and start nothing', () => {
  const CASES: { label: string; method: string; path: string; body?: unknown; status: number; name: string; message: RegExp }[] = [
    { label: 'a short id', method: 'POST', path: '/accounts', body: { accountId: '12345' }, status: 400, name: 'InvalidAccountId', message: /exactly 12/ },
    { label: 'a numeric id', method: 'POST', path: '/accounts', body: { accountId: 444455556666 }, status: 400, name: 'InvalidAccountId', message: /string/ },
    { label: 'an unknown field', method: 'POST', path: '/accounts', body: { accountId: BAD_INPUT, force: true }, status: 400, name: 'InvalidRequest', message: /force/ },
    { label: 'no body', method: 'POST', path: '/accounts', status: 400, name: 'InvalidRequest', message: /empty/ },
    { label: 'a body that is not JSON', method: 'POST', path: '/accounts', body: '{"accountId": ', status: 400, name: 'InvalidRequest', message: /not JSON/ },
    { label: 'a bad id in the path', method: 'GET', path: '/accounts/abc', status: 400, name: 'InvalidAccountId', message: /digits/ },
    { label: 'a bad id to retry', method: 'POST', path: '/accounts/44445555666/retry', status: 400, name: 'InvalidAccountId', message: /12/ },
    { label: 'an account never onboarded', method: 'GET', path: `/accounts/${BAD_INPUT}`, status: 404, name: 'OnboardingNotFound', message: /never started/ },
    { label: 'a retry of an account never onboarded', method: 'POST', path: `/accounts/${BAD_INPUT}/retry`, status: 404, name: 'OnboardingNotFound', message: /nothing to retry/ },
  ];

  it.each(CASES)('$label: $method $path -> $status $name', async ({ method, path, body, status, name, message }) => {
    // prepare
    const before = local.world.stepFunctions.list().length;

    // act
    const r = await call(method, path, body);

    // assert
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ error: { name, message: expect.stringMatching(message) }, requestId: expect.any(String) });
    expect(local.world.stepFunctions.list()).toHaveLength(before);
  });

  it('an event whose transformer output is malformed is rethrown (not silent) and starts nothing', async () => {
    const before = local.world.stepFunctions.list().length;
    await expect(fromEvent({ accountId: Number(BAD_INPUT) })).rejects.toMatchObject({ name: 'InvalidAccountId' });
    expect(local.world.stepFunctions.list()).toHaveLength(before);
  });
});

describe('Step Functions throttling', () => {
  it('the event function rethrows it as Throttled for the asynchronous retry; the API answers 503', async () => {
    // prepare: past the SDK's own retry (two attempts)
    local.world.stepFunctions.inject({ error: 'ThrottlingException', times: 2 });
    await expect(fromEvent({ accountId: BAD_INPUT })).rejects.toMatchObject({ name: 'Throttled' });
    local.world.stepFunctions.inject({ error: 'ThrottlingException', times: 2 });

    // act
    const r = await call('POST', '/accounts', { accountId: BAD_INPUT });

    // assert
    expect(r.status).toBe(503);
    expect(r.body.error.name).toBe('Throttled');
    expect(executionsOf(BAD_INPUT)).toHaveLength(0);
  });
});

describe('the local Step Functions service behaves like AWS', () => {
  const client = () => createClient(SFNClient, { region: DEMO.region });
  const input = (id: string) => JSON.stringify({ accountId: id });

  it('same name and input while running: the same execution; different input, or after it closed: ExecutionAlreadyExists', async () => {
    // prepare
    const sfn = client();
    const stateMachineArn = local.sfn.stateMachineArn;
    const name = 'sim-check-1';

    // act
    const a = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: input(DEMO.memberAccountIds[2]) }));
    const b = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: input(DEMO.memberAccountIds[2]) }));
    const differentInput = sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: input(DEMO.memberAccountIds[3]) }));

    // assert
    expect(b).toMatchObject({ executionArn: a.executionArn, startDate: a.startDate });
    await expect(differentInput).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await local.world.stepFunctions.settled(a.executionArn!);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: input(DEMO.memberAccountIds[2]) }))).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('RedriveExecution of a SUCCEEDED execution: ExecutionNotRedrivable; DescribeExecution says why', async () => {
    const sfn = client();
    const executionArn = `${local.sfn.stateMachineArn.replace(':stateMachine:', ':execution:')}:sim-check-1`;
    await expect(sfn.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn }))).resolves.toMatchObject({
      status: 'SUCCEEDED',
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: expect.stringMatching(/SUCCEEDED/),
    });
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${executionArn}-nope` }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('history and list come in pages, in AWS event types', async () => {
    const sfn = client();
    const executionArn = `${local.sfn.stateMachineArn.replace(':stateMachine:', ':execution:')}:sim-check-1`;
    const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5 }));
    const second = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5, nextToken: first.nextToken }));
    const last = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: local.sfn.stateMachineArn, maxResults: 2 }));

    expect(first.events?.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded']);
    expect(second.events?.[0]).toMatchObject({ id: 6, type: 'TaskStateExited', stateExitedEventDetails: { name: 'ValidateRequest' } });
    expect(last.events?.[0].type).toBe('ExecutionSucceeded');
    expect(listed.executions).toHaveLength(2);
    expect(listed.nextToken).toBeDefined();
    expect(listed.executions![0].startDate!.getTime()).toBeGreaterThanOrEqual(listed.executions![1].startDate!.getTime());
  });

  it('a state machine it does not run: StateMachineDoesNotExist', async () => {
    const stateMachineArn = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Other';
    await expect(client().send(new StartExecutionCommand({ stateMachineArn, name: 'x', input: '{}' }))).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });
});
