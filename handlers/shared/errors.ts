/**
 * Every error a step can throw, one class each.
 *
 * Step Functions matches Retry/Catch on the error *name*, and esbuild minification renames classes,
 * so each class sets `name` to a string literal. The lists at the bottom are the single source the
 * state machine's Retry and Catch clauses are built from (statemachine/retry-policy.ts).
 */

/** What kind of failure an error is, which decides how the state machine reacts to it. */
export const ErrorKind = {
  /** Bad request: the execution is rejected at validation, nothing is written. */
  Validation: 'Validation',
  /** Passing condition (throttling, 5xx, propagation, a busy lock): retried with back-off. */
  Retryable: 'Retryable',
  /** Needs a person: recorded as FAILED with a cause that says what to do. */
  Terminal: 'Terminal',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/** Base of all named errors. `details` is plain data safe to log and to show to an operator. */
export abstract class OnboardingError extends Error {
  abstract override readonly name: string;
  abstract readonly kind: ErrorKind;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}

// ---------------------------------------------------------------- validation (rejected requests)

/** The request is not an object of the expected shape (empty, unknown fields, wrong types, too large). */
export class InvalidRequest extends OnboardingError {
  override readonly name = 'InvalidRequest' as const;
  readonly kind = ErrorKind.Validation;
}

/** The account id is not a 12-digit string. */
export class InvalidAccountId extends OnboardingError {
  override readonly name = 'InvalidAccountId' as const;
  readonly kind = ErrorKind.Validation;
}

/** Organizations does not know the account (not in this organization). */
export class AccountNotFound extends OnboardingError {
  override readonly name = 'AccountNotFound' as const;
  readonly kind = ErrorKind.Validation;
}

/** The account exists but its State is not ACTIVE (SUSPENDED, PENDING_CLOSURE, CLOSED, ...). */
export class AccountNotActive extends OnboardingError {
  override readonly name = 'AccountNotActive' as const;
  readonly kind = ErrorKind.Validation;
}

/**
 * An offboarding of an account the service has no record of (never onboarded nor tried): there is
 * nothing of the service's in it to remove, and nothing was written.
 */
export class NothingToOffboard extends OnboardingError {
  override readonly name = 'NothingToOffboard' as const;
  readonly kind = ErrorKind.Validation;
}

/** The account is outside the configured scope (`scope.includeOus`, `excludeOus`, `excludeAccounts`). */
export class AccountOutOfScope extends OnboardingError {
  override readonly name = 'AccountOutOfScope' as const;
  readonly kind = ErrorKind.Validation;
}

/** The management or log-archive account, and the configuration does not allow onboarding it. */
export class AccountNotAllowed extends OnboardingError {
  override readonly name = 'AccountNotAllowed' as const;
  readonly kind = ErrorKind.Validation;
}

// ---------------------------------------------------------------- retryable

/** AWS throttled the call (ThrottlingException, Throttling, TooManyRequests, SlowDown, ...). */
export class Throttled extends OnboardingError {
  override readonly name = 'Throttled' as const;
  readonly kind = ErrorKind.Retryable;
}

/** AWS answered with a 5xx or the connection failed: a transient service fault. */
export class ServiceUnavailable extends OnboardingError {
  override readonly name = 'ServiceUnavailable' as const;
  readonly kind = ErrorKind.Retryable;
}

/**
 * A principal or role created moments ago is not visible yet to the service being called
 * (KMS "invalid principals", IAM "Invalid principal in policy"). IAM is eventually consistent.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
 */
export class PropagationPending extends OnboardingError {
  override readonly name = 'PropagationPending' as const;
  readonly kind = ErrorKind.Retryable;
}

/** The member-access role cannot be assumed yet (new accounts take minutes) or the probe failed. */
export class MemberAccountNotReady extends OnboardingError {
  override readonly name = 'MemberAccountNotReady' as const;
  readonly kind = ErrorKind.Retryable;
}

/**
 * STS refused AssumeRole on the log-archive access role. STS answers IAM propagation (a role or a
 * trust just created, e.g. right after a deploy) with the same AccessDenied as a real misconfiguration,
 * so it is retried with the propagation profile; an execution that still ends with it has a role that
 * does not exist or does not trust the orchestrator.
 */
export class LogArchiveRoleNotAssumable extends OnboardingError {
  override readonly name = 'LogArchiveRoleNotAssumable' as const;
  readonly kind = ErrorKind.Retryable;
}

/** Another execution holds the lease on a shared policy; try again shortly. */
export class PolicyLockBusy extends OnboardingError {
  override readonly name = 'PolicyLockBusy' as const;
  readonly kind = ErrorKind.Retryable;
}

/** A concurrent change to the same IAM entity or trail (ConcurrentModification, Conflict). */
export class ConcurrentModification extends OnboardingError {
  override readonly name = 'ConcurrentModification' as const;
  readonly kind = ErrorKind.Retryable;
}

/**
 * CloudTrail rejected the trail because the bucket or key policy does not let it deliver yet.
 * Right after our policy write this is eventual consistency; bounded retries tell the two apart.
 */
export class TrailPolicyNotYetEffective extends OnboardingError {
  override readonly name = 'TrailPolicyNotYetEffective' as const;
  readonly kind = ErrorKind.Retryable;
}

/** StartLogging succeeded but GetTrailStatus does not report IsLogging yet. */
export class TrailNotLoggingYet extends OnboardingError {
  override readonly name = 'TrailNotLoggingYet' as const;
  readonly kind = ErrorKind.Retryable;
}

// ---------------------------------------------------------------- terminal

/** AWS denied a call: a permission or SCP is missing. The message names the call and principal. */
export class AccessDenied extends OnboardingError {
  override readonly name = 'AccessDenied' as const;
  readonly kind = ErrorKind.Terminal;
}

/** A role with the switch-role name exists in the member account and is not owned by this service. */
export class SwitchRoleConflict extends OnboardingError {
  override readonly name = 'SwitchRoleConflict' as const;
  readonly kind = ErrorKind.Terminal;
}

/** The change forwarder role or a change rule's name is taken in the member account by something this service does not own. */
export class ChangeRuleConflict extends OnboardingError {
  override readonly name = 'ChangeRuleConflict' as const;
  readonly kind = ErrorKind.Terminal;
}

/** A role with the reader-role name exists in the log-archive account and is not owned by this service. */
export class ReaderRoleConflict extends OnboardingError {
  override readonly name = 'ReaderRoleConflict' as const;
  readonly kind = ErrorKind.Terminal;
}

/**
 * `readerAccess.mode` `shared`: the shared reader role of the LogArchive stack is missing, or its
 * trust, permissions, boundary or settings are not what the stack deploys. The service never writes
 * that role (the stack owns it): deploy the LogArchive stack again.
 */
export class SharedReaderRoleNotDeployed extends OnboardingError {
  override readonly name = 'SharedReaderRoleNotDeployed' as const;
  readonly kind = ErrorKind.Terminal;
}

/** A trail with the configured name exists in the member account and is not owned by this service. */
export class TrailConflict extends OnboardingError {
  override readonly name = 'TrailConflict' as const;
  readonly kind = ErrorKind.Terminal;
}

/**
 * `trailMode` `organization`: the organization does not have all features enabled (DescribeOrganization
 * `FeatureSet` is not `ALL`), which organization trails and trusted access need. The service never
 * enables them: every member account must approve (`aws organizations enable-all-features`, from the
 * management account). Nothing was written.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_org_support-all-features.html
 */
export class OrganizationFeaturesNotEnabled extends OnboardingError {
  override readonly name = 'OrganizationFeaturesNotEnabled' as const;
  readonly kind = ErrorKind.Terminal;
}

/**
 * `trailMode` `organization`: the organization trail cannot be used as it is -- a trail of that name
 * that is not ours (or not an organization trail), or the existing trail of `organizationTrail.arn`
 * missing, not an organization trail, not multi-region, or delivering elsewhere. The service never
 * changes a trail it does not own.
 */
export class OrganizationTrailConflict extends OnboardingError {
  override readonly name = 'OrganizationTrailConflict' as const;
  readonly kind = ErrorKind.Terminal;
}

/**
 * `trailMode` `organization` with `organizationTrail.delegatedAdministratorAccountId`: CloudTrail refused
 * the organization trail's creation or change from that account (NotOrganizationMasterAccountException):
 * it is not a registered CloudTrail delegated administrator of the organization. Only the management
 * account registers one (`aws cloudtrail register-organization-delegated-admin`, with all features and
 * trusted access for cloudtrail.amazonaws.com). Nothing was written.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-add-delegated-administrator.html
 */
export class DelegatedAdministratorNotRegistered extends OnboardingError {
  override readonly name = 'DelegatedAdministratorNotRegistered' as const;
  readonly kind = ErrorKind.Terminal;
}

/** The member account already has the maximum number of trails in the home region (5). */
export class TrailLimitExceeded extends OnboardingError {
  override readonly name = 'TrailLimitExceeded' as const;
  readonly kind = ErrorKind.Terminal;
}

/** A rendered document would exceed an AWS size limit; the message names the limit. Nothing is written. */
export class PolicyTooLarge extends OnboardingError {
  override readonly name = 'PolicyTooLarge' as const;
  readonly kind = ErrorKind.Terminal;
}

/** A current policy read from AWS cannot be understood, or AWS rejected a rendered one as malformed. */
export class InvalidPolicyDocument extends OnboardingError {
  override readonly name = 'InvalidPolicyDocument' as const;
  readonly kind = ErrorKind.Terminal;
}

/**
 * A current bucket or key policy has Version 2008-10-17 (or none, which AWS reads as 2008-10-17) and
 * a statement this service does not own contains `${...}` text. The owned statements need
 * Version 2012-10-17 (they use the policy variable `${aws:SourceAccount}`), under which that text
 * would become a policy variable and change what the statement grants. The message names the
 * statement (Sid or position). Nothing is written.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
 */
export class PolicyVersionConflict extends OnboardingError {
  override readonly name = 'PolicyVersionConflict' as const;
  readonly kind = ErrorKind.Terminal;
}

/**
 * A statement this service does not own in the bucket or key policy names a principal by its unique
 * id (`AROA...`, `AIDA...`): AWS shows a deleted role or user so, and S3 and KMS reject any document
 * that contains one, so no write of the policy can succeed. The message names the statement (Sid or
 * position) and the principal. The service never drops a foreign statement itself; nothing is written.
 */
export class StalePrincipalInPolicy extends OnboardingError {
  override readonly name = 'StalePrincipalInPolicy' as const;
  readonly kind = ErrorKind.Terminal;
}

/** The central bucket, the key, or another resource the configuration names does not exist. */
export class ResourceNotFound extends OnboardingError {
  override readonly name = 'ResourceNotFound' as const;
  readonly kind = ErrorKind.Terminal;
}

/** The deployed configuration is invalid (should have been caught at synth). */
export class ConfigurationError extends OnboardingError {
  override readonly name = 'ConfigurationError' as const;
  readonly kind = ErrorKind.Terminal;
}

/** An AWS error we have no specific mapping for; the message carries AWS's own error name. */
export class UnexpectedAwsError extends OnboardingError {
  override readonly name = 'UnexpectedAwsError' as const;
  readonly kind = ErrorKind.Terminal;
}

// ---------------------------------------------------------------- starting an onboarding (API, event, CLI)
// Thrown by handlers/start only, never by a step: so they are in none of the state machine's lists.

/** No onboarding of the account was ever started (no status item, no execution): nothing to show or retry. */
export class OnboardingNotFound extends OnboardingError {
  override readonly name = 'OnboardingNotFound' as const;
  readonly kind = ErrorKind.Validation;
}

/**
 * The account's deterministic execution name is taken by an execution with a different input, which
 * this service never starts (someone started it by hand). Step Functions will not reuse the name.
 */
export class ExecutionNameTaken extends OnboardingError {
  override readonly name = 'ExecutionNameTaken' as const;
  readonly kind = ErrorKind.Terminal;
}

// ---------------------------------------------------------------- the lists the state machine uses

/**
 * Names of errors that reject a request at validation: nothing is written in AWS. A valid account id that
 * is refused (AccountNotFound, AccountNotActive, AccountNotAllowed, AccountOutOfScope) is recorded REJECTED.
 */
export const VALIDATION_ERRORS = [
  'InvalidRequest',
  'InvalidAccountId',
  'AccountNotFound',
  'AccountNotActive',
  'AccountNotAllowed',
  'AccountOutOfScope',
  'NothingToOffboard',
] as const;

/**
 * Retryable errors grouped by how long the condition usually lasts; each group gets its own
 * Retry clause (statemachine/retry-policy.ts) so a busy lock is retried quickly and a new account
 * is given minutes.
 */
export const RETRYABLE_ERRORS = {
  /** Throttling and 5xx: seconds. */
  transient: ['Throttled', 'ServiceUnavailable', 'ConcurrentModification'],
  /** IAM/KMS/CloudTrail eventual consistency: tens of seconds. */
  propagation: ['PropagationPending', 'TrailNotLoggingYet', 'LogArchiveRoleNotAssumable'],
  /** A bucket or key policy just written that CloudTrail does not see yet: KMS says "in some cases several minutes". */
  policyPropagation: ['TrailPolicyNotYetEffective'],
  /** A shared-policy lease held by another execution: short and frequent. */
  lock: ['PolicyLockBusy'],
  /** A freshly created member account: minutes. */
  accountReadiness: ['MemberAccountNotReady'],
} as const;

/** Terminal errors: recorded as FAILED; a person must act, then re-run. */
export const TERMINAL_ERRORS = [
  'AccessDenied',
  'SwitchRoleConflict',
  'ReaderRoleConflict',
  'SharedReaderRoleNotDeployed',
  'ChangeRuleConflict',
  'TrailConflict',
  'OrganizationFeaturesNotEnabled',
  'OrganizationTrailConflict',
  'DelegatedAdministratorNotRegistered',
  'TrailLimitExceeded',
  'PolicyTooLarge',
  'InvalidPolicyDocument',
  'PolicyVersionConflict',
  'StalePrincipalInPolicy',
  'ResourceNotFound',
  'ConfigurationError',
  'UnexpectedAwsError',
] as const;

export type ValidationErrorName = (typeof VALIDATION_ERRORS)[number];
export type RetryableErrorName = (typeof RETRYABLE_ERRORS)[keyof typeof RETRYABLE_ERRORS][number];
export type TerminalErrorName = (typeof TERMINAL_ERRORS)[number];
export type OnboardingErrorName = ValidationErrorName | RetryableErrorName | TerminalErrorName;

/** All retryable names, flattened. */
export const ALL_RETRYABLE_ERRORS: readonly RetryableErrorName[] = Object.values(RETRYABLE_ERRORS).flat();

/** True when `e` is one of our named errors. */
export function isOnboardingError(e: unknown): e is OnboardingError {
  return e instanceof OnboardingError;
}
