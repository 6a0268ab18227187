/**
 * The HTTP side of the onboarding API (API Gateway REST API, Lambda proxy integration): routes,
 * the request body, and the JSON responses with their status codes. Pure: no SDK, no environment.
 *
 * | request                          | answer                                                                  |
 * |----------------------------------|-------------------------------------------------------------------------|
 * | POST /accounts {"accountId"}     | 202 started; 200 already running / already onboarded; 409 previously failed |
 * | GET /accounts/{accountId}        | 200 status (status table) + the latest execution and its steps         |
 * | POST /accounts/{accountId}/retry | 202 redriven / restarted; 200 already running                          |
 * | DELETE /accounts/{accountId}     | 202 offboarding started / already running (./offboard.ts; ?reason=)    |
 * | POST /fleet/onboard              | 202 a backfill requested (./fleet.ts); 200 one is already open          |
 * | bad input                        | 400 with the error's name and what to change                           |
 * | account never onboarded          | 404 OnboardingNotFound (DELETE: NothingToOffboard)                      |
 * | execution name used otherwise    | 409 ExecutionNameTaken                                                  |
 * | AWS throttling / 5xx             | 503 with Retry-After                                                    |
 * | not done before the deadline     | 503 with Retry-After (./deadline.ts)                                    |
 * | anything else                    | 500 with the request id (details only in the log, never a stack trace) |
 *
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MAX_REQUEST_BYTES } from '../domain/request';
import { ErrorKind, InvalidRequest, isOnboardingError } from '../shared/errors';
import type { ExecutionRef, OnboardingView, RetryResult, StartResult } from '../start';
import type { RuntimeConfig } from '../shared/config';
import { accountLogFilesPrefix, consoleLinks, type ConsoleLinks } from '../domain/access-links';

/** A route of the API. */
export type Route =
  | { readonly kind: 'start' }
  | { readonly kind: 'get'; readonly accountId: string }
  | { readonly kind: 'retry'; readonly accountId: string }
  | { readonly kind: 'offboard'; readonly accountId: string }
  | { readonly kind: 'fleet-onboard' };

/** The routes, as API Gateway names their resources, and the methods each answers. */
const RESOURCES = [
  { resource: '/accounts', methods: ['POST'], path: /^\/accounts\/?$/ },
  { resource: '/accounts/{accountId}', methods: ['GET', 'DELETE'], path: /^\/accounts\/([^/]+)\/?$/ },
  { resource: '/accounts/{accountId}/retry', methods: ['POST'], path: /^\/accounts\/([^/]+)\/retry\/?$/ },
  { resource: '/fleet/onboard', methods: ['POST'], path: /^\/fleet\/onboard\/?$/ },
] as const;

const ROUTES_TEXT = 'POST /accounts, GET /accounts/{accountId}, DELETE /accounts/{accountId}, POST /accounts/{accountId}/retry, POST /fleet/onboard';

/** Seconds a client should wait after a 503 (AWS throttling passes in seconds). */
export const RETRY_AFTER_SECONDS = 5;

/** The route of a request, or the 404 / 405 response for one that matches none. */
export function matchRoute(event: Pick<APIGatewayProxyEvent, 'httpMethod' | 'resource' | 'path' | 'pathParameters'>, requestId: string): Route | APIGatewayProxyResult {
  const method = (event.httpMethod ?? '').toUpperCase();
  // API Gateway names the resource the request matched; behind a greedy proxy resource ({proxy+}) the path decides.
  let match: RegExpExecArray | null = null;
  const r =
    RESOURCES.find((x) => x.resource === event.resource) ??
    RESOURCES.find((x) => {
      match = x.path.exec(event.path ?? '');
      return match !== null;
    });
  if (!r) return json(404, errorBody('RouteNotFound', `There is no ${method} ${event.path ?? ''}. The API has: ${ROUTES_TEXT}.`, requestId), requestId);
  if (!(r.methods as readonly string[]).includes(method)) {
    const allowed = r.methods.join(', ');
    return json(405, errorBody('MethodNotAllowed', `${method} is not allowed on ${r.resource}; use ${r.methods.join(' or ')}.`, requestId), requestId, { Allow: allowed });
  }
  if (r.resource === '/accounts') return { kind: 'start' };
  if (r.resource === '/fleet/onboard') return { kind: 'fleet-onboard' };
  const raw = event.pathParameters?.accountId ?? (match as RegExpExecArray | null)?.[1] ?? '';
  let accountId: string;
  try {
    accountId = decodeURIComponent(raw);
  } catch {
    accountId = raw; // not valid percent-encoding: validation says what is wrong with it
  }
  if (r.resource === '/accounts/{accountId}/retry') return { kind: 'retry', accountId };
  return method === 'DELETE' ? { kind: 'offboard', accountId } : { kind: 'get', accountId };
}

/** True when `x` is a response rather than a route. */
export function isResponse(x: Route | APIGatewayProxyResult): x is APIGatewayProxyResult {
  return 'statusCode' in x;
}

/**
 * The JSON body of a request (API Gateway may hand it over base64-encoded).
 * @throws InvalidRequest when it is too large or not JSON. An empty body is `undefined`.
 */
export function parseJsonBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_REQUEST_BYTES) {
    throw new InvalidRequest(`The request body is ${bytes} bytes; at most ${MAX_REQUEST_BYTES} are accepted; expected {"accountId": "<12-digit AWS account id>"}`, {
      bytes,
      limit: MAX_REQUEST_BYTES,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InvalidRequest(`The request body is not JSON (${(e as Error).message}); expected {"accountId": "<12-digit AWS account id>"}`);
  }
}

/** Status code of each start outcome. */
const START_STATUS: Record<StartResult['outcome'], number> = {
  started: 202,
  'already-running': 200,
  'already-onboarded': 200,
  // The request conflicts with the account's state: a start cannot re-run a failed onboarding, a retry can.
  'previously-failed': 409,
};

/** Status code of each retry outcome. */
const RETRY_STATUS: Record<RetryResult['outcome'], number> = { redriven: 202, restarted: 202, 'already-running': 200 };

/** The answer to POST /accounts. */
export function startResponse(r: StartResult, requestId: string): APIGatewayProxyResult {
  const id = r.accountId;
  const exec = `execution ${r.executionName}`;
  const message = {
    started: `Onboarding of account ${id} started (${exec}). GET /accounts/${id} shows its progress.`,
    'already-running': `Onboarding of account ${id} is already running (${exec}); nothing new was started. GET /accounts/${id} shows its progress.`,
    'already-onboarded': `Account ${id} is already onboarded (${exec} succeeded); nothing was started. POST /accounts/${id}/retry runs a verification.`,
    'previously-failed':
      `The onboarding of account ${id} failed (${exec}: ${r.status}${r.error ? `, ${r.error}` : ''}). ` +
      `Fix the cause given in execution.cause, then POST /accounts/${id}/retry to re-run it.`,
  }[r.outcome];
  return json(START_STATUS[r.outcome], { outcome: r.outcome, accountId: id, message, execution: executionOf(r) }, requestId);
}

/** The answer to POST /accounts/{accountId}/retry. */
export function retryResponse(r: RetryResult, requestId: string): APIGatewayProxyResult {
  const id = r.accountId;
  const exec = `execution ${r.executionName}`;
  let message: string;
  if (r.outcome === 'redriven') {
    message = `The ${r.previous?.status ?? 'failed'} onboarding of account ${id} is redriven: ${exec} resumes at the step that failed, with the same input.`;
  } else if (r.outcome === 'restarted') {
    message =
      r.reason === 'verify'
        ? `Account ${id} was onboarded; a verification run started (${exec}): it changes only what has drifted.`
        : r.reason === 'failed'
          ? `The last execution of account ${id} (${r.previous?.executionName ?? 'unknown'}) failed; the onboarding started again as ${exec} (every step is idempotent: what is already done is not redone).`
          : `The last execution of account ${id} (${r.previous?.executionName ?? 'unknown'}) cannot be redriven; the onboarding started again as ${exec}.`;
  } else {
    message = `Onboarding of account ${id} is running (${exec}); nothing new was started.`;
  }
  return json(
    RETRY_STATUS[r.outcome],
    {
      outcome: r.outcome,
      accountId: id,
      ...(r.reason ? { reason: r.reason } : {}),
      message,
      execution: executionOf(r),
      ...(r.previous ? { previous: r.previous } : {}),
    },
    requestId,
  );
}

/** The answer to GET /accounts/{accountId}. */
export function viewResponse(v: OnboardingView, requestId: string, config?: Pick<RuntimeConfig, 'readerAccess' | 'trailMode' | 'logPrefix' | 'organizationId' | 'managementAccountId' | 'bucketName' | 'homeRegion'>): APIGatewayProxyResult {
  const links = config ? viewLinks(v, config) : undefined;
  return json(200, links ? { ...v, links } : v, requestId);
}

/**
 * `links` of an ONBOARDED account's view (issue 14), beside the view's own fields: the console
 * switch-role links of its roles and where its own log files are (bucket, prefix, region).
 */
export function viewLinks(
  v: Pick<OnboardingView, 'accountId' | 'status' | 'record'>,
  config: Pick<RuntimeConfig, 'readerAccess' | 'trailMode' | 'logPrefix' | 'organizationId' | 'managementAccountId' | 'bucketName' | 'homeRegion'>,
): { console: ConsoleLinks; logFiles: { bucket: string; prefix: string; region: string } } | undefined {
  if (v.status !== 'ONBOARDED' || !v.record) return undefined;
  return {
    console: consoleLinks(config, { accountId: v.accountId, switchRoleArn: v.record.switchRoleArn, readerRoleArn: v.record.readerRoleArn }),
    logFiles: { bucket: config.bucketName, prefix: accountLogFilesPrefix(config, v.accountId), region: config.homeRegion },
  };
}

/**
 * The answer to a failed request. Our named errors keep their name; 4xx carry their message (written
 * for the person who sent the request); 5xx carry only the request id (details go to the log).
 */
export function errorResponse(e: unknown, requestId: string): APIGatewayProxyResult {
  if (isOnboardingError(e)) {
    // Nothing of the account's to show, retry or remove: the resource (an account the service knows) is not there.
    if (e.name === 'OnboardingNotFound' || e.name === 'NothingToOffboard') return json(404, errorBody(e.name, e.message, requestId), requestId);
    if (e.kind === ErrorKind.Validation) return json(400, errorBody(e.name, e.message, requestId), requestId);
    if (e.name === 'ExecutionNameTaken') return json(409, errorBody(e.name, e.message, requestId), requestId);
    if (e.kind === ErrorKind.Retryable) {
      return json(
        503,
        errorBody(e.name, `AWS is throttling or briefly unavailable; nothing was changed. Try again in ${RETRY_AFTER_SECONDS} seconds.`, requestId),
        requestId,
        { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      );
    }
  }
  const name = isOnboardingError(e) ? e.name : 'InternalError';
  return json(500, errorBody(name, `The request could not be completed. Quote request id ${requestId} when you report it.`, requestId), requestId);
}

/**
 * The answer when the work did not finish before the handler's deadline (./deadline.ts). A call may have
 * gone through (StartExecution, RedriveExecution): a repeat is safe, since starting and retrying answer
 * with the execution that exists.
 */
export function deadlineResponse(requestId: string, waitedMs: number): APIGatewayProxyResult {
  const seconds = Math.round(waitedMs / 1000);
  return json(
    503,
    errorBody(
      'ServiceUnavailable',
      `AWS did not answer within ${seconds} seconds. The request may still take effect; repeating it is safe (an onboarding that exists is ` +
        `answered, not started twice): try again in ${RETRY_AFTER_SECONDS} seconds, or read GET /accounts/{accountId}.`,
      requestId,
    ),
    requestId,
    { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  );
}

function executionOf(r: ExecutionRef): ExecutionRef {
  return {
    executionArn: r.executionArn,
    executionName: r.executionName,
    status: r.status,
    ...(r.startDate ? { startDate: r.startDate } : {}),
    ...(r.stopDate ? { stopDate: r.stopDate } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(r.cause !== undefined ? { cause: r.cause } : {}),
    ...(r.redriveCount ? { redriveCount: r.redriveCount } : {}),
  };
}

function errorBody(name: string, message: string, requestId: string) {
  return { error: { name, message }, requestId };
}

/** A JSON response. */
export function json(statusCode: number, body: unknown, requestId: string, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId, ...headers },
    body: JSON.stringify(body),
  };
}
