/**
 * Lambda entry of the onboarding API (API Gateway REST API, IAM authorization, Lambda proxy
 * integration): wiring only. Routes and responses: ./http.ts; the time budget: ./deadline.ts; the
 * work: handlers/start.
 *
 * Environment: `ONBOARDING_CONFIG` (tableName, homeRegion) and `STATE_MACHINE_ARN`.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FLEET_BACKFILL_KEY, FleetSweepStore } from '../adapters/fleet-sweep';
import { createClient } from '../shared/clients';
import { requestBackfill } from '../start/fleet-start';
import { backfillResponse } from './fleet';
import { parseOnboardingRequest } from '../domain/request';
import { loadRuntimeConfig } from '../shared/config';
import { isOnboardingError } from '../shared/errors';
import { logger } from '../shared/step-handler';
import { createStartDeps, describeOnboarding, loadStateMachineArn, retryOnboarding, startOnboarding } from '../start';
import { API_HTTP_TIMEOUTS, DEADLINE_PASSED, deadlineMs, withinDeadline } from './deadline';
import { deadlineResponse, errorResponse, isResponse, matchRoute, parseJsonBody, retryResponse, startResponse, viewResponse } from './http';
import { startOffboarding } from '../start/offboarding';
import { callerOf, offboardingReason, offboardReasonText, offboardResponse } from './offboard';

// Every SDK call is bounded (connection and request timeouts, one retry): a stalled connection is
// abandoned and retried within the request's time budget instead of holding it to the deadline.
const config = loadRuntimeConfig();
const deps = createStartDeps(config, loadStateMachineArn(), undefined, API_HTTP_TIMEOUTS);
/** The backfill's record (POST /fleet/onboard only requests one). */
const backfills = new FleetSweepStore(
  DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion, requestHandler: API_HTTP_TIMEOUTS }), { marshallOptions: { removeUndefinedValues: true } }),
  config.tableName,
  () => new Date(),
  FLEET_BACKFILL_KEY,
);

/** Handles one API request; never throws (every failure is a JSON response), and answers before the function's timeout. */
export async function handler(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
  if (context) logger.addContext(context);
  const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
  logger.appendKeys({ apiRequestId: requestId, httpMethod: event.httpMethod, resource: event.resource ?? event.path });
  const started = Date.now();
  const waitMs = deadlineMs(context?.getRemainingTimeInMillis());
  const answer = await withinDeadline(respond(event, requestId), waitMs);
  let response: APIGatewayProxyResult;
  if (answer === DEADLINE_PASSED) {
    response = deadlineResponse(requestId, waitMs ?? 0);
    logger.error('request not done before the deadline', { statusCode: response.statusCode, waitedMs: waitMs });
  } else {
    response = answer;
  }
  logger.info('request handled', { statusCode: response.statusCode, durationMs: Date.now() - started });
  logger.removeKeys(['apiRequestId', 'httpMethod', 'resource', 'accountId']);
  return response;
}

/** The response to one request; never rejects. */
async function respond(event: APIGatewayProxyEvent, requestId: string): Promise<APIGatewayProxyResult> {
  try {
    const route = matchRoute(event, requestId);
    if (isResponse(route)) return route;
    if (route.kind === 'fleet-onboard') return backfillResponse(await requestBackfill(backfills, new Date()), requestId);
    if (route.kind === 'start') {
      const { accountId } = parseOnboardingRequest(parseJsonBody(event));
      logger.appendKeys({ accountId });
      return startResponse(await startOnboarding(deps, accountId), requestId);
    }
    logger.appendKeys({ accountId: route.accountId });
    if (route.kind === 'offboard') {
      // Everything is checked before anything is called: the query, who asked, then (startOffboarding) the id and the account's record.
      const reason = offboardingReason({ via: 'API DELETE', caller: callerOf(event), text: offboardReasonText(event) });
      return offboardResponse(await startOffboarding(deps, route.accountId, reason), requestId);
    }
    return route.kind === 'get'
      ? viewResponse(await describeOnboarding(deps, route.accountId), requestId, config)
      : retryResponse(await retryOnboarding(deps, route.accountId), requestId);
  } catch (e) {
    const response = errorResponse(e, requestId);
    const log = response.statusCode >= 500 ? logger.error.bind(logger) : logger.warn.bind(logger);
    log('request failed', {
      statusCode: response.statusCode,
      errorName: (e as Error)?.name,
      details: isOnboardingError(e) ? e.details : undefined,
      error: e as Error,
    });
    return response;
  }
}
