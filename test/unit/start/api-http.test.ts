/** The API's routes, request bodies and responses (status codes, bodies, no stack traces). */
import {
  errorResponse,
  isResponse,
  matchRoute,
  parseJsonBody,
  retryResponse,
  startResponse,
} from '../../../handlers/api/http';
import { AccessDenied, ConfigurationError, ExecutionNameTaken, InvalidAccountId, NothingToOffboard, OnboardingNotFound, ServiceUnavailable, Throttled } from '../../../handlers/shared/errors';
import type { RetryResult, StartResult } from '../../../handlers/start';

const RID = 'req-1';
const EXEC = {
  executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:Onboarding:onboard-444455556666',
  executionName: 'onboard-444455556666',
  status: 'RUNNING' as const,
  startDate: '2026-11-20T08:27:15.000Z',
};

describe('matchRoute', () => {
  it.each<[string, string, string, Record<string, string> | null, unknown]>([
    ['POST', '/accounts', '/accounts', null, { kind: 'start' }],
    ['GET', '/accounts/{accountId}', '/accounts/444455556666', { accountId: '444455556666' }, { kind: 'get', accountId: '444455556666' }],
    ['DELETE', '/accounts/{accountId}', '/accounts/444455556666', { accountId: '444455556666' }, { kind: 'offboard', accountId: '444455556666' }],
    ['DELETE', '/{proxy+}', '/accounts/444455556666/', null, { kind: 'offboard', accountId: '444455556666' }],
    ['POST', '/accounts/{accountId}/retry', '/accounts/444455556666/retry', { accountId: '444455556666' }, { kind: 'retry', accountId: '444455556666' }],
    // behind a greedy proxy resource, the path decides
    ['GET', '/{proxy+}', '/accounts/444455556666', { proxy: 'accounts/444455556666' }, { kind: 'get', accountId: '444455556666' }],
    ['POST', '/{proxy+}', '/accounts/444455556666/retry', null, { kind: 'retry', accountId: '444455556666' }],
    ['POST', '/{proxy+}', '/accounts/', null, { kind: 'start' }],
    ['GET', '/{proxy+}', '/accounts/%20444455556666', null, { kind: 'get', accountId: ' 444455556666' }],
    ['POST', '/fleet/onboard', '/fleet/onboard', null, { kind: 'fleet-onboard' }],
    ['POST', '/{proxy+}', '/fleet/onboard/', null, { kind: 'fleet-onboard' }],
  ])('%s %s (%s) -> %j', (httpMethod, resource, path, pathParameters, route) => {
    expect(matchRoute({ httpMethod, resource, path, pathParameters }, RID)).toEqual(route);
  });

  it('answers 405 with Allow for a wrong method', () => {
    const r = matchRoute({ httpMethod: 'PUT', resource: '/accounts/{accountId}', path: '/accounts/1', pathParameters: { accountId: '1' } }, RID);
    expect(isResponse(r) && r.statusCode).toBe(405);
    expect(isResponse(r) && r.headers?.Allow).toBe('GET, DELETE');
    expect(isResponse(r) && JSON.parse(r.body).error).toEqual({ name: 'MethodNotAllowed', message: 'PUT is not allowed on /accounts/{accountId}; use GET or DELETE.' });
  });

  it.each([['/accounts'], ['/accounts/{accountId}/retry'], ['/fleet/onboard']])('answers 405 to DELETE on %s (only an account can be deleted)', (resource) => {
    const r = matchRoute({ httpMethod: 'DELETE', resource, path: resource.replace('{accountId}', '444455556666'), pathParameters: null }, RID);
    expect(isResponse(r) && [r.statusCode, r.headers?.Allow]).toEqual([405, 'POST']);
  });

  it('answers 404 RouteNotFound naming the routes for an unknown path', () => {
    const r = matchRoute({ httpMethod: 'GET', resource: '/{proxy+}', path: '/status', pathParameters: null }, RID);
    expect(isResponse(r) && r.statusCode).toBe(404);
    expect(isResponse(r) && JSON.parse(r.body)).toEqual({ error: { name: 'RouteNotFound', message: expect.stringContaining('POST /accounts') }, requestId: RID });
  });
});

describe('parseJsonBody', () => {
  it('reads JSON, plain or base64-encoded; an empty body is undefined', () => {
    expect(parseJsonBody({ body: '{"accountId":"444455556666"}', isBase64Encoded: false })).toEqual({ accountId: '444455556666' });
    expect(parseJsonBody({ body: Buffer.from('{"accountId":"1"}').toString('base64'), isBase64Encoded: true })).toEqual({ accountId: '1' });
    expect(parseJsonBody({ body: null, isBase64Encoded: false })).toBeUndefined();
  });

  it.each([
    ['not JSON', '{accountId: 1', /not JSON/],
    ['too large', JSON.stringify({ accountId: 'x'.repeat(5000) }), /bytes; at most 4096/],
  ])('rejects a body that is %s with InvalidRequest', (_label, body, message) => {
    expect(() => parseJsonBody({ body, isBase64Encoded: false })).toThrow(expect.objectContaining({ name: 'InvalidRequest', message: expect.stringMatching(message) }));
  });
});

describe('startResponse', () => {
  it.each<[StartResult['outcome'], number, RegExp]>([
    ['started', 202, /started/],
    ['already-running', 200, /already running.*nothing new/],
    ['already-onboarded', 200, /already onboarded/],
    ['previously-failed', 409, /retry/],
  ])('%s -> %d with the execution', (outcome, statusCode, message) => {
    const r = startResponse({ outcome, accountId: '444455556666', ...EXEC }, RID);
    expect(r.statusCode).toBe(statusCode);
    expect(r.headers).toMatchObject({ 'Content-Type': 'application/json', 'X-Request-Id': RID });
    expect(JSON.parse(r.body)).toEqual({ outcome, accountId: '444455556666', message: expect.stringMatching(message), execution: EXEC });
  });
});

describe('retryResponse', () => {
  it.each<[RetryResult['outcome'], RetryResult['reason'], number, RegExp]>([
    ['redriven', undefined, 202, /redriven.*resumes at the step that failed/],
    ['restarted', 'not-redrivable', 202, /cannot be redriven/],
    ['restarted', 'verify', 202, /verification run/],
    ['already-running', undefined, 200, /running.*nothing new/],
  ])('%s (%s) -> %d', (outcome, reason, statusCode, message) => {
    const r = retryResponse({ outcome, accountId: '444455556666', ...EXEC, ...(reason ? { reason } : {}) }, RID);
    expect(r.statusCode).toBe(statusCode);
    expect(JSON.parse(r.body)).toMatchObject({ outcome, message: expect.stringMatching(message), execution: EXEC });
  });
});

describe('errorResponse', () => {
  it.each<[string, unknown, number, string, boolean]>([
    ['a bad id', new InvalidAccountId('accountId has 5 digits; an AWS account id has exactly 12'), 400, 'InvalidAccountId', true],
    ['an account never onboarded', new OnboardingNotFound('No onboarding of account 1 has been started'), 404, 'OnboardingNotFound', true],
    ['an offboarding of an account never onboarded', new NothingToOffboard('Account 1 was never onboarded'), 404, 'NothingToOffboard', true],
    ['a taken execution name', new ExecutionNameTaken('Execution onboard-1 exists with another input'), 409, 'ExecutionNameTaken', true],
    ['throttling', new Throttled('AWS throttled StepFunctions StartExecution'), 503, 'Throttled', false],
    ['a 5xx', new ServiceUnavailable('StepFunctions DescribeExecution failed with a transient service fault'), 503, 'ServiceUnavailable', false],
    ['AccessDenied of the API role', new AccessDenied('AWS denied StepFunctions StartExecution on arn:aws:states:...'), 500, 'AccessDenied', false],
    ['a configuration error', new ConfigurationError('STATE_MACHINE_ARN is not set'), 500, 'ConfigurationError', false],
    ['a plain Error', new TypeError("Cannot read properties of undefined (reading 'x')"), 500, 'InternalError', false],
  ])('%s -> %d %s', (_label, error, statusCode, name, showsMessage) => {
    // act
    const r = errorResponse(error, RID);

    // assert
    const body = JSON.parse(r.body);
    expect(r.statusCode).toBe(statusCode);
    expect(body).toEqual({ error: { name, message: expect.any(String) }, requestId: RID });
    expect(body.error.message === (error as Error).message).toBe(showsMessage);
    expect(r.body).not.toMatch(/\n\s+at |\.ts:\d+/); // never a stack trace
    if (statusCode === 503) expect(r.headers?.['Retry-After']).toBe('5');
    if (statusCode === 500) expect(body.error.message).toContain(RID);
  });
});
