/**
 * The one translation from SDK errors to our named errors (handlers/shared/errors.ts).
 *
 * Adapters first handle the errors whose meaning depends on the call (a missing role is "absent" for
 * GetRole but "deleted under us" for UpdateRole), then fall back to `toOnboardingError`, which maps by
 * the error's name and HTTP status. The original SDK error is always kept as `cause`, and the facts an
 * operator needs (service, operation, AWS error name, HTTP status, request id) go in `details`.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import {
  AccessDenied,
  ConcurrentModification,
  InvalidPolicyDocument,
  OnboardingError,
  PropagationPending,
  ResourceNotFound,
  ServiceUnavailable,
  Throttled,
  UnexpectedAwsError,
} from '../shared/errors';

/** The SDK call an error came from; named in every message and in `details`. */
export interface AwsCall {
  /** Service as people name it: `IAM`, `S3`, `KMS`, `CloudTrail`, `STS`, `Organizations`, `DynamoDB`. */
  service: string;
  /** Operation name as in the API reference (and the IAM action): `PutKeyPolicy`. */
  operation: string;
  /** The resource acted on (role name, bucket, key ARN, trail name, table item), when there is one. */
  target?: string;
}

/** The facts read off an SDK error, whatever its protocol. */
export interface AwsErrorFacts {
  /** AWS's error name (`NoSuchEntityException`, `AccessDenied`, ...), or a Node error code. */
  name: string;
  message: string;
  httpStatusCode?: number;
  requestId?: string;
}

/** Constructor of one of our named errors. */
export type OnboardingErrorClass = new (
  message: string,
  details?: Record<string, unknown>,
  options?: { cause?: unknown },
) => OnboardingError;

// Names that mean throttling but that `isThrottlingError` may not know (it matches on name or 429).
const THROTTLING_NAMES = [
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'SlowDown',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
];

// Smithy counts LimitExceededException as throttling, but for IAM and KMS it is a *quota* (roles per
// account, policy size, managed policies per role): retrying cannot help, so it is never Throttled.
// https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
const QUOTA_NAMES = ['LimitExceeded', 'LimitExceededException'];

const SERVER_FAULT_NAMES = [
  'KMSInternalException',
  'DependencyTimeoutException',
  'ServiceFailure',
  'ServiceFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerErrorException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
];

const NETWORK_ERROR_CODES = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'];

const ACCESS_DENIED_NAMES = ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AccessDeniedForDependencyException'];

const CONCURRENT_NAMES = [
  'ConcurrentModification',
  'ConcurrentModificationException',
  'ConflictException',
  'OperationAbortedException',
  'OperationAborted',
  'EntityTemporarilyUnmodifiable',
  'EntityTemporarilyUnmodifiableException',
];

const NOT_FOUND_NAMES = ['NoSuchBucket', 'NotFoundException', 'KmsKeyNotFoundException', 'S3BucketDoesNotExistException'];

const MALFORMED_POLICY_NAMES = ['MalformedPolicy', 'MalformedPolicyDocument', 'MalformedPolicyDocumentException'];

/**
 * IAM ("Invalid principal in policy") and KMS ("one or more invalid principals") reject a principal
 * they cannot see yet; right after the principal was created this is eventual consistency.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
 */
const INVALID_PRINCIPAL = /invalid principal/i;

function asRecord(err: unknown): Record<string, unknown> | undefined {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : undefined;
}

/** Reads name, message, HTTP status and request id off any thrown value, without assuming its type. */
export function awsErrorFacts(err: unknown): AwsErrorFacts {
  const rec = asRecord(err);
  if (!rec) return { name: typeof err, message: String(err) };
  const meta = asRecord(rec.$metadata);
  const code = typeof rec.code === 'string' ? rec.code : undefined;
  const rawName = typeof rec.name === 'string' ? rec.name : undefined;
  // Node socket errors are plain `Error`s whose meaning is in `code` (ECONNRESET, ...).
  const name = rawName && rawName !== 'Error' ? rawName : (code ?? rawName ?? 'UnknownError');
  const message = typeof rec.message === 'string' ? rec.message : '';
  const httpStatusCode = typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
  const requestId = typeof meta?.requestId === 'string' ? meta.requestId : undefined;
  return { name, message, httpStatusCode, requestId };
}

/** Strips a trailing `Exception` so that `NoSuchEntity` and `NoSuchEntityException` compare equal. */
function baseName(name: string): string {
  return name.endsWith('Exception') ? name.slice(0, -'Exception'.length) : name;
}

/**
 * True when `err` is an AWS error with one of `names`. Query-protocol services (IAM, STS) report
 * `NoSuchEntity` where the SDK class is `NoSuchEntityException`; both spellings match either way.
 */
export function isAwsError(err: unknown, ...names: string[]): boolean {
  const rec = asRecord(err);
  if (!rec || typeof rec.name !== 'string') return false;
  const actual = baseName(rec.name);
  return names.some((n) => baseName(n) === actual);
}

/** The plain `details` every mapped error carries: safe to log and to show to an operator. */
export function awsErrorDetails(err: unknown, call: AwsCall): Record<string, unknown> {
  const f = awsErrorFacts(err);
  return {
    service: call.service,
    operation: call.operation,
    ...(call.target !== undefined ? { target: call.target } : {}),
    awsError: f.name,
    awsMessage: f.message,
    httpStatusCode: f.httpStatusCode,
    requestId: f.requestId,
  };
}

/** `IAM GetRole on "x"`: the call as named in messages. */
export function describeCall(call: AwsCall): string {
  return `${call.service} ${call.operation}${call.target !== undefined ? ` on ${call.target}` : ''}`;
}

/** Builds one of our errors from an SDK error, keeping it as `cause` and filling `details`. */
export function mapAwsError(Ctor: OnboardingErrorClass, message: string, err: unknown, call: AwsCall): OnboardingError {
  return new Ctor(message, awsErrorDetails(err, call), { cause: err });
}

/** The IAM action prefix of a service as AwsCall names it (most are its name in lower case). */
function iamPrefixOf(service: string): string {
  const prefixes: Record<string, string> = { EventBridge: 'events', StepFunctions: 'states' };
  return prefixes[service] ?? service.toLowerCase();
}

function awsSays(f: AwsErrorFacts): string {
  const status = f.httpStatusCode !== undefined ? `, HTTP ${f.httpStatusCode}` : '';
  return `${f.name}${status}${f.message ? `: ${f.message}` : ''}`;
}

function isThrottling(err: object, f: AwsErrorFacts): boolean {
  if (isAwsError(err, ...QUOTA_NAMES)) return false;
  return THROTTLING_NAMES.includes(f.name) || isThrottlingError(err as Parameters<typeof isThrottlingError>[0]);
}

function isServerFault(err: object, f: AwsErrorFacts): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    SERVER_FAULT_NAMES.includes(f.name) ||
    (typeof code === 'string' && NETWORK_ERROR_CODES.includes(code)) ||
    (f.httpStatusCode !== undefined && f.httpStatusCode >= 500) ||
    isServerError(err as Parameters<typeof isServerError>[0]) ||
    isTransientError(err as Parameters<typeof isTransientError>[0])
  );
}

function isAccessDenied(err: object, f: AwsErrorFacts): boolean {
  return isAwsError(err, ...ACCESS_DENIED_NAMES) || f.httpStatusCode === 403;
}

/**
 * Maps any error thrown by an SDK call to one of our named errors (see the module comment for the
 * order: call-specific mappings belong in the adapter, before this fallback).
 *
 * - throttling (by name, or `isThrottlingError`; never a quota's LimitExceeded) -> `Throttled`
 * - 403 / AccessDenied / AccessDeniedException / UnauthorizedOperation -> `AccessDenied`
 * - ConcurrentModification / Conflict / OperationAborted / EntityTemporarilyUnmodifiable -> `ConcurrentModification`
 * - MalformedPolicyDocument(Exception) saying "invalid principal(s)" -> `PropagationPending`
 * - other MalformedPolicy / MalformedPolicyDocument -> `InvalidPolicyDocument`
 * - NoSuchBucket / NotFoundException / KmsKeyNotFound / S3BucketDoesNotExist -> `ResourceNotFound`
 * - 5xx, internal errors, timeouts, dropped connections -> `ServiceUnavailable`
 * - anything else -> `UnexpectedAwsError` carrying AWS's error name
 *
 * An error that already is one of ours is returned unchanged.
 */
export function toOnboardingError(err: unknown, call: AwsCall): OnboardingError {
  if (err instanceof OnboardingError) return err;
  const f = awsErrorFacts(err);
  const what = describeCall(call);
  const rec = asRecord(err);
  if (!rec) {
    return mapAwsError(UnexpectedAwsError, `${what} failed with a non-error value: ${f.message}`, err, call);
  }
  if (isThrottling(rec, f)) {
    return mapAwsError(Throttled, `AWS throttled ${what} (${awsSays(f)}); retried with back-off.`, err, call);
  }
  if (isAccessDenied(rec, f)) {
    return mapAwsError(
      AccessDenied,
      `AWS denied ${what} (${awsSays(f)}). Check that the calling role's identity policy allows ` +
        `${iamPrefixOf(call.service)}:${call.operation}${call.target !== undefined ? ` on ${call.target}` : ''}, ` +
        'and that no SCP, permissions boundary or resource policy (bucket or key policy) denies it.',
      err,
      call,
    );
  }
  if (isAwsError(rec, ...CONCURRENT_NAMES)) {
    return mapAwsError(
      ConcurrentModification,
      `${what} conflicted with a concurrent change (${awsSays(f)}); the retry re-reads the current state.`,
      err,
      call,
    );
  }
  if (isAwsError(rec, 'MalformedPolicyDocument') && INVALID_PRINCIPAL.test(f.message)) {
    return mapAwsError(
      PropagationPending,
      `${what} was rejected because a principal is not visible yet (${awsSays(f)}). A role created ` +
        'moments ago takes a while to propagate; retried. If it persists, check that the principal exists.',
      err,
      call,
    );
  }
  if (isAwsError(rec, ...MALFORMED_POLICY_NAMES)) {
    return mapAwsError(InvalidPolicyDocument, `${what}: AWS rejected the policy document (${awsSays(f)}).`, err, call);
  }
  if (isAwsError(rec, ...NOT_FOUND_NAMES)) {
    return mapAwsError(
      ResourceNotFound,
      `${what}: the resource does not exist (${awsSays(f)}). Check the configuration that names it.`,
      err,
      call,
    );
  }
  if (isServerFault(rec, f)) {
    return mapAwsError(ServiceUnavailable, `${what} failed with a transient service fault (${awsSays(f)}); retried.`, err, call);
  }
  return mapAwsError(UnexpectedAwsError, `${what} failed with ${awsSays(f)}.`, err, call);
}
