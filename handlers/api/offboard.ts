/**
 * `DELETE /accounts/{accountId}`: start the account's offboarding (handlers/start/offboarding.ts), and
 * the reason it records: who asked, and why if they said. Pure: no SDK, no environment.
 *
 * The reason is given as the query string `?reason=<text>` (URL-encoded; API Gateway hands it over
 * decoded), not a body: a body on DELETE has no defined meaning in HTTP (RFC 9110, section 9.3.5), and
 * some clients and proxies drop it. A DELETE with a body is refused, so a reason sent there is never
 * silently lost. https://www.rfc-editor.org/rfc/rfc9110#section-9.3.5
 *
 * Who asked comes from the request context: with AWS_IAM authorization API Gateway sets
 * `requestContext.identity.userArn`, the ARN of the caller that signed the request (an assumed-role
 * session: `arn:aws:sts::<account>:assumed-role/<role>/<session>`).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MAX_REASON_LENGTH } from '../domain/request';
import { ConfigurationError, InvalidRequest } from '../shared/errors';
import type { OffboardStartResult } from '../start/offboarding';
import { json } from './http';

/** The query string parameters DELETE /accounts/{accountId} takes. */
export const OFFBOARD_QUERY_PARAMETERS = ['reason'] as const;

/** Longest caller ARN kept whole in a reason (longer ones are shortened, so the caller's own text still fits). */
const MAX_CALLER_LENGTH = 160;

/** Control characters (newlines included): a reason is one line, printed in tables and logs. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The reason an offboarding records: `<via> by <caller>[: <text>]`, e.g.
 * `API DELETE by arn:aws:sts::111122223333:assumed-role/Admin/jane: contract ended`.
 * @throws InvalidRequest when `text` is empty, spans lines, or does not fit in MAX_REASON_LENGTH with who asked.
 */
export function offboardingReason(args: { readonly via: string; readonly caller: string; readonly text?: string }): string {
  const caller = args.caller.length > MAX_CALLER_LENGTH ? `${args.caller.slice(0, MAX_CALLER_LENGTH - 1)}…` : args.caller;
  const who = `${args.via} by ${caller}`;
  if (args.text === undefined) return who;
  const text = args.text.trim();
  if (text === '') throw new InvalidRequest('The reason is empty; give a reason of one line of text, or leave it out (who asked is recorded either way).');
  if (CONTROL.test(text)) throw new InvalidRequest('The reason holds a control character (a line break, a tab); give one line of plain text.');
  const room = MAX_REASON_LENGTH - who.length - 2;
  if (text.length > room) {
    throw new InvalidRequest(
      `The reason is ${text.length} characters; at most ${room} fit (the record keeps ${MAX_REASON_LENGTH}, and who asked, "${who}", takes the rest).`,
      { length: text.length, limit: room },
    );
  }
  return `${who}: ${text}`;
}

/**
 * Who sent the request: the IAM identity API Gateway authorized (`userArn`; `caller`, the principal id,
 * when it gives no ARN).
 * @throws ConfigurationError when the request carries no IAM identity: the method is not AWS_IAM-authorized.
 */
export function callerOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): string {
  const identity = event.requestContext?.identity;
  const caller = identity?.userArn ?? identity?.caller;
  if (!caller) {
    throw new ConfigurationError('The request carries no IAM identity (requestContext.identity.userArn): DELETE /accounts/{accountId} must use AWS_IAM authorization.');
  }
  return caller;
}

/**
 * The caller's reason text from `?reason=`, or undefined when none is given.
 * @throws InvalidRequest for a body, an unknown query parameter, or `reason` given more than once.
 */
export function offboardReasonText(event: Pick<APIGatewayProxyEvent, 'body' | 'queryStringParameters' | 'multiValueQueryStringParameters'>): string | undefined {
  if (event.body !== null && event.body !== undefined && event.body !== '') {
    throw new InvalidRequest('DELETE /accounts/{accountId} takes no body; give the reason as the query string: ?reason=<URL-encoded text>.');
  }
  const names = Object.keys(event.multiValueQueryStringParameters ?? event.queryStringParameters ?? {});
  const unknown = names.filter((n) => !(OFFBOARD_QUERY_PARAMETERS as readonly string[]).includes(n));
  if (unknown.length) {
    throw new InvalidRequest(`DELETE /accounts/{accountId} takes only ?reason=<text>; remove ${unknown.map((n) => JSON.stringify(n)).join(', ')}.`, { parameters: unknown });
  }
  const values = event.multiValueQueryStringParameters?.reason;
  if (values && values.length > 1) throw new InvalidRequest(`reason is given ${values.length} times; give it once.`);
  return event.queryStringParameters?.reason ?? values?.[0];
}

/**
 * The answer to DELETE /accounts/{accountId}: 202 whether it started now or was already running (the
 * offboarding is accepted and not done either way; GET /accounts/{accountId} shows it).
 */
export function offboardResponse(r: OffboardStartResult, requestId: string): APIGatewayProxyResult {
  const id = r.accountId;
  const exec = `execution ${r.executionName}`;
  const message =
    r.outcome === 'started'
      ? `Offboarding of account ${id} started (${exec}). GET /accounts/${id} shows its progress and, once OFFBOARDED, what was removed and what was left behind.`
      : `Offboarding of account ${id} is already running (${exec}); nothing new was started. GET /accounts/${id} shows its progress.`;
  const execution = {
    executionArn: r.executionArn,
    executionName: r.executionName,
    status: r.status,
    ...(r.startDate ? { startDate: r.startDate } : {}),
  };
  return json(202, { outcome: r.outcome, accountId: id, message, execution }, requestId);
}
