/**
 * Fault injection: make the next matching calls fail with the error each service really returns.
 *
 * A faulted call is checked before the operation runs, so it changes no state; it is logged with
 * its error like any failed call. The SDK's own retry sees it exactly as it would see AWS's answer.
 */
import { awsError, canonicalErrorName, type SimService } from './errors';

/** Kinds of fault with a per-service meaning; any other string is an error name of the service. */
export type FaultKind = 'Throttling' | 'ServiceUnavailable' | 'AccessDenied' | 'Propagation';

/** Which calls fail, how, and how many times. */
export interface FaultSpec {
  readonly service?: SimService;
  /** Operation name, with or without the `Command` suffix. */
  readonly operation?: string;
  /** Target account of the call (see CallRecord.accountId). */
  readonly accountId?: string;
  readonly error: FaultKind | (string & {});
  /** Number of matching calls that fail. Default 1. */
  readonly times?: number;
  /** Message of the error; default: AWS's usual wording. */
  readonly message?: string;
}

/** What a fault is matched against. */
export interface FaultTarget {
  readonly service: SimService;
  readonly operation: string;
  readonly accountId: string;
  readonly principalArn: string;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

/** Per service: [error name, default message] of each fault kind (undefined: kind does not apply). */
const KINDS: Record<FaultKind, Record<SimService, [string, string] | undefined>> = {
  Throttling: {
    iam: ['Throttling', 'Rate exceeded'],
    sts: ['Throttling', 'Rate exceeded'],
    s3: ['SlowDown', 'Please reduce your request rate.'],
    kms: ['ThrottlingException', 'Rate exceeded'],
    cloudtrail: ['ThrottlingException', 'Rate exceeded'],
    organizations: ['TooManyRequestsException', 'AWS Organizations can\'t complete your request because another request is already in progress. Try again later.'],
    // Data-plane throttling; ThrottlingException is DynamoDB's control-plane answer (see below).
    dynamodb: ['ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded.'],
    events: ['ThrottlingException', 'Rate exceeded'],
  },
  ServiceUnavailable: {
    iam: ['ServiceFailureException', 'Service failure'],
    sts: ['ServiceUnavailable', 'Service is unavailable. Please try again later.'],
    s3: ['InternalError', 'We encountered an internal error. Please try again.'],
    kms: ['KMSInternalException', 'An internal error occurred.'],
    cloudtrail: ['ServiceUnavailable', 'Service is unavailable. Please try again later.'],
    organizations: ['ServiceException', 'AWS Organizations can\'t complete your request because of an internal service error. Try again later.'],
    dynamodb: ['InternalServerError', 'Internal server error'],
    events: ['InternalException', 'An internal error occurred.'],
  },
  AccessDenied: {
    iam: ['AccessDenied', ''],
    sts: ['AccessDenied', ''],
    s3: ['AccessDenied', 'Access Denied'],
    kms: ['AccessDeniedException', ''],
    cloudtrail: ['AccessDeniedException', ''],
    organizations: ['AccessDeniedException', 'You don\'t have permissions to access this resource.'],
    dynamodb: ['AccessDeniedException', ''],
    events: ['AccessDeniedException', ''],
  },
  // A principal or policy created moments ago that the service cannot see yet (IAM is eventually consistent).
  Propagation: {
    iam: ['MalformedPolicyDocumentException', 'Invalid principal in policy'],
    sts: ['AccessDenied', ''],
    s3: ['MalformedPolicy', 'Invalid principal in policy'],
    kms: ['MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.'],
    cloudtrail: ['InsufficientS3BucketPolicyException', 'Incorrect S3 bucket policy is detected for bucket.'],
    organizations: undefined,
    dynamodb: undefined,
    events: undefined,
  },
};

const DYNAMODB_CONTROL_PLANE = /^(Create|Delete|Update|Describe|List)(Table|Tables|TimeToLive|ContinuousBackups|GlobalTable)/;

function isKind(error: string): error is FaultKind {
  return error in KINDS;
}

/** Holds the injected faults and decides which call they hit. */
export class FaultInjector {
  private faults: ActiveFault[] = [];

  /** Makes the next `times` calls matching the filters fail with `error`. */
  inject(spec: FaultSpec): void {
    if (isKind(spec.error) && spec.service && !KINDS[spec.error][spec.service]) {
      throw new Error(`Fault '${spec.error}' has no meaning for ${spec.service}`);
    }
    this.faults.push({ ...spec, operation: spec.operation?.replace(/Command$/, ''), remaining: spec.times ?? 1 });
  }

  /** Removes every fault, spent or not. */
  clear(): void {
    this.faults = [];
  }

  /** Faults that have not fired their full count yet, with what is left of their count as `times` (persistence.ts). */
  exportState(): FaultSpec[] {
    return this.faults.filter((f) => f.remaining > 0).map(({ remaining, ...spec }) => ({ ...spec, times: remaining }));
  }

  /** Replaces every fault with the persisted ones. */
  importState(faults: readonly FaultSpec[]): void {
    this.faults = [];
    for (const f of faults) this.inject(f);
  }

  /** Faults that have not fired their full count yet. */
  pending(): readonly FaultSpec[] {
    return this.faults.filter((f) => f.remaining > 0);
  }

  /** Consumes the first fault matching this call and throws its error; returns when none match. */
  check(target: FaultTarget): void {
    const fault = this.faults.find((f) => f.remaining > 0 && matches(f, target));
    if (!fault) return;
    fault.remaining -= 1;
    const [name, message] = resolve(fault, target);
    awsError(name, fault.message ?? message);
  }
}

function matches(fault: ActiveFault, target: FaultTarget): boolean {
  if (fault.service && fault.service !== target.service) return false;
  if (fault.operation && fault.operation !== target.operation) return false;
  if (fault.accountId && fault.accountId !== target.accountId) return false;
  // A kind that means nothing for this service (Propagation on DynamoDB) does not hit it.
  return !isKind(fault.error) || KINDS[fault.error][target.service] !== undefined;
}

function resolve(fault: ActiveFault, target: FaultTarget): [string, string] {
  if (!isKind(fault.error)) return [canonicalErrorName(target.service, fault.error), `Injected ${fault.error}`];
  let [name, message] = KINDS[fault.error][target.service] as [string, string];
  if (fault.error === 'Throttling' && target.service === 'dynamodb' && DYNAMODB_CONTROL_PLANE.test(target.operation)) {
    [name, message] = ['ThrottlingException', 'Rate of requests exceeds the allowed throughput.'];
  }
  // AWS's access-denied wording names the caller and the IAM action (service prefix = our service name).
  if (message === '') message = `User: ${target.principalArn} is not authorized to perform: ${target.service}:${target.operation}`;
  return [name, message];
}
