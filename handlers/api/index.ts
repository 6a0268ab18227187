/**
 * Lambda entry of the onboarding API (API Gateway REST API, IAM authorization, Lambda proxy
 * integration): wiring only. Routes and responses: ./http.ts; the work: handlers/start.
 *
 * Environment: `ONBOARDING_CONFIG` (tableName, homeRegion) and `STATE_MACHINE_ARN`.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { parseOnboardingRequest } from '../domain/request';
import { loadRuntimeConfig } from '../shared/config';
import { isOnboardingError } from '../shared/errors';
import { logger } from '../shared/step-handler';
import { createStartDeps, describeOnboarding, loadStateMachineArn, retryOnboarding, startOnboarding } from '../start';
import { errorResponse, isResponse, matchRoute, parseJsonBody, retryResponse, startResponse, viewResponse } from './http';

const deps = createStartDeps(loadRuntimeConfig(), loadStateMachineArn());

/** Handles one API request; never throws (every failure is a JSON response). */
export async function handler(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
  if (context) logger.addContext(context);
  const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
  logger.appendKeys({ apiRequestId: requestId, httpMethod: event.httpMethod, resource: event.resource ?? event.path });
  const started = Date.now();
  let response: APIGatewayProxyResult;
  try {
    const route = matchRoute(event, requestId);
    if (isResponse(route)) {
      response = route;
    } else if (route.kind === 'start') {
      const { accountId } = parseOnboardingRequest(parseJsonBody(event));
      logger.appendKeys({ accountId });
      response = startResponse(await startOnboarding(deps, accountId), requestId);
    } else {
      logger.appendKeys({ accountId: route.accountId });
      response =
        route.kind === 'get'
          ? viewResponse(await describeOnboarding(deps, route.accountId), requestId)
          : retryResponse(await retryOnboarding(deps, route.accountId), requestId);
    }
  } catch (e) {
    response = errorResponse(e, requestId);
    const log = response.statusCode >= 500 ? logger.error.bind(logger) : logger.warn.bind(logger);
    log('request failed', {
      statusCode: response.statusCode,
      errorName: (e as Error)?.name,
      details: isOnboardingError(e) ? e.details : undefined,
      error: e as Error,
    });
  }
  logger.info('request handled', { statusCode: response.statusCode, durationMs: Date.now() - started });
  logger.removeKeys(['apiRequestId', 'httpMethod', 'resource', 'accountId']);
  return response;
}
