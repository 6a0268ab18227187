/**
 * The API's time budget. API Gateway's REST integration waits 29 s for the function and then answers
 * 504 itself; Lambda ends an invocation at the function's timeout (infra sets it well below 29 s) with
 * an error API Gateway turns into a bare 502. Either way the caller learns nothing. So the handler
 * stops waiting shortly before its own timeout and answers a 503 that says what to do.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
 *
 * Pure: no SDK, no environment; the clock is the timer given.
 */

import type { HttpTimeouts } from '../shared/clients';

/**
 * Limits of each SDK attempt of the API function: two attempts of a stalled call (connection and
 * request timeouts, then the SDK's one retry) take about 12 s, within the deadline of a 15 s function.
 */
export const API_HTTP_TIMEOUTS: HttpTimeouts = { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true };

/** How long before the function's timeout the handler answers on its own: time to log and return. */
export const DEADLINE_MARGIN_MS = 2_000;

/** What {@link withinDeadline} resolves with when the deadline passed first. */
export const DEADLINE_PASSED: unique symbol = Symbol('DEADLINE_PASSED');

/**
 * The milliseconds the handler may wait for its work: the invocation's remaining time less
 * {@link DEADLINE_MARGIN_MS}, at least 0. Undefined without a Lambda context (no deadline).
 */
export function deadlineMs(remainingTimeMs: number | undefined): number | undefined {
  return remainingTimeMs === undefined ? undefined : Math.max(0, remainingTimeMs - DEADLINE_MARGIN_MS);
}

/**
 * Resolves with the work's value, or with {@link DEADLINE_PASSED} when `ms` pass first (the work goes
 * on; it must not reject unhandled -- give it a promise that settles to a value). No deadline when `ms`
 * is undefined.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number | undefined): Promise<T | typeof DEADLINE_PASSED> {
  if (ms === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof DEADLINE_PASSED>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE_PASSED), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
