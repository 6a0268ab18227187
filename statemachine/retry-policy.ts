/**
 * Retry and Catch policies of the workflow, built from the error lists in handlers/shared/errors.ts
 * so that a handler's error name and the state machine's reaction cannot drift apart.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RETRYABLE_ERRORS, VALIDATION_ERRORS } from '../handlers/shared/errors';

/**
 * Errors of the Lambda service itself (not of our code), retried as AWS recommends:
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
] as const;

/** One named retry profile: which errors and how. Exported for tests and the docs. */
export interface RetryProfile {
  readonly name: string;
  readonly errors: readonly string[];
  readonly props: Omit<sfn.RetryProps, 'errors'>;
}

const FULL = sfn.JitterType.FULL;

/**
 * The profiles, shortest-lived condition first. Full jitter spreads a burst of executions so they do
 * not retry in lock-step: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export const RETRY_PROFILES = {
  lambdaService: {
    name: 'lambdaService',
    errors: LAMBDA_SERVICE_ERRORS,
    props: { interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, jitterStrategy: FULL },
  },
  transient: {
    name: 'transient',
    errors: RETRYABLE_ERRORS.transient,
    props: { interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.seconds(30), jitterStrategy: FULL },
  },
  // IAM is eventually consistent: a new role can take seconds to be usable in KMS or STS.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
  propagation: {
    name: 'propagation',
    errors: RETRYABLE_ERRORS.propagation,
    props: { interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.seconds(60), jitterStrategy: FULL },
  },
  // A key policy change "typically takes less than a few seconds, but in some cases it can take several
  // minutes" to apply everywhere; CreateTrail checks the bucket and key policies right after the two
  // steps wrote them. Waits of up to 2 minutes, about 6.7 minutes in total on average (13.4 at most).
  // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying.html
  policyPropagation: {
    name: 'policyPropagation',
    errors: RETRYABLE_ERRORS.policyPropagation,
    props: { interval: Duration.seconds(10), backoffRate: 1.5, maxAttempts: 12, maxDelay: Duration.seconds(120), jitterStrategy: FULL },
  },
  // A shared-policy lease is held for one read-render-write: seconds. Retry often, with jitter, and
  // long enough in total (~5 minutes on average) to outlast a lease left by a holder that died
  // (lockLeaseSeconds, default 180 s).
  lock: {
    name: 'lock',
    errors: RETRYABLE_ERRORS.lock,
    props: { interval: Duration.seconds(1), backoffRate: 1.5, maxAttempts: 60, maxDelay: Duration.seconds(10), jitterStrategy: FULL },
  },
  // A just-created account's OrganizationAccountAccessRole can take minutes to become assumable.
  accountReadiness: {
    name: 'accountReadiness',
    errors: RETRYABLE_ERRORS.accountReadiness,
    props: { interval: Duration.seconds(30), backoffRate: 1.5, maxAttempts: 10, maxDelay: Duration.seconds(120), jitterStrategy: FULL },
  },
} as const satisfies Record<string, RetryProfile>;

/** Which profiles each kind of step uses. */
export const STEP_RETRIES = {
  /** Steps that only read AWS and write the status table. */
  record: [RETRY_PROFILES.lambdaService, RETRY_PROFILES.transient],
  /** Steps that change AWS resources. */
  ensure: Object.values(RETRY_PROFILES),
} as const;

/** Adds the given retry profiles to a state. Never a Retry without an error list. */
export function addRetries(state: sfn.TaskStateBase, profiles: readonly RetryProfile[]): void {
  for (const p of profiles) state.addRetry({ errors: [...p.errors], ...p.props });
}

/** Errors that reject a request at validation; caught into the rejection path. */
export const REJECTION_ERRORS: readonly string[] = VALIDATION_ERRORS;
