/**
 * The wiring every Lambda entry file shares: Powertools logger and metrics built once per container;
 * per invocation: add log keys, run the step, log and count the outcome, and let named errors through
 * unchanged so the state machine can match them.
 *
 * No tracer in the code: the functions and the state machine have active tracing, whose segments Lambda
 * and Step Functions send themselves. The Powertools Tracer would add a subsegment per SDK call through
 * the X-Ray SDK, which AWS put in maintenance mode on 2026-02-25 (security fixes only; AWS recommends
 * OpenTelemetry, which on Lambda is the ADOT layer, outside the bundle):
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-sdk-daemon-timeline.html
 * It was ~110 KB of every bundle and its start-up on every cold start (issue 15).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { isOnboardingError } from './errors';

const SERVICE = 'cloudtrail-onboarding';

/** Shared Powertools instances (one per container). */
export const logger = new Logger({ serviceName: SERVICE });
export const metrics = new Metrics({ serviceName: SERVICE, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CloudTrailOnboarding' });

/** Logs a failed invocation of an entry that is not a step (the start paths): the error's name, kind and details. */
export function logFailure(message: string, e: unknown): void {
  const named = isOnboardingError(e);
  logger.error(message, {
    errorName: (e as Error)?.name,
    retryable: named ? e.kind === 'Retryable' : undefined,
    details: named ? e.details : undefined,
    error: e as Error,
  });
}

/** What a step body receives besides its input. */
export interface StepContext {
  readonly step: string;
  readonly logger: Logger;
  readonly lambda?: Context;
}

/**
 * Builds a Lambda handler for one step: `parse` validates the event (throwing a named error),
 * `run` does the work. Outcome metrics: `<Step>Succeeded`, `<Step>Failed` with the error name as
 * a dimension-free property in the log.
 */
export function stepHandler<I, O>(
  step: string,
  parse: (event: unknown) => I,
  run: (input: I, ctx: StepContext) => Promise<O>,
): (event: unknown, context?: Context) => Promise<O> {
  return async (event, context) => {
    if (context) logger.addContext(context);
    logger.appendKeys({ step });
    const started = Date.now();
    try {
      const input = parse(event);
      const accountId = (input as { accountId?: unknown } | undefined)?.accountId;
      if (typeof accountId === 'string') logger.appendKeys({ accountId });
      const out = await run(input, { step, logger, lambda: context });
      logger.info('step succeeded', { durationMs: Date.now() - started, result: out as unknown as Record<string, unknown> });
      metrics.addMetric(`${step}Succeeded`, MetricUnit.Count, 1);
      return out;
    } catch (e) {
      const named = isOnboardingError(e);
      // The cause a person reads names the step (the failure recorder extracts it from there).
      if (named && !e.message.startsWith(`${step}: `)) e.message = `${step}: ${e.message}`;
      logger.error('step failed', {
        durationMs: Date.now() - started,
        errorName: (e as Error)?.name,
        retryable: named ? e.kind === 'Retryable' : undefined,
        details: named ? e.details : undefined,
        error: e as Error,
      });
      metrics.addMetric(`${step}Failed`, MetricUnit.Count, 1);
      throw e;
    } finally {
      metrics.publishStoredMetrics();
      logger.removeKeys(['step', 'accountId']);
    }
  };
}
