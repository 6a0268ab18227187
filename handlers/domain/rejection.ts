/**
 * What an operator must change before a REJECTED (or SKIPPED) account can be onboarded: a pure
 * function of the recorded error, shared by the CLI's `retry` and `status`. A retry repeats the same
 * checks (ValidateRequest), so until the condition changes it is rejected the same way.
 */

/** Errors a retry cannot get past by itself: the account, the organization or the configuration must change first. */
export const REJECTION_NAMES = ['AccountNotActive', 'AccountNotFound', 'AccountOutOfScope', 'AccountNotAllowed'] as const;
/** One of {@link REJECTION_NAMES}. */
export type RejectionName = (typeof REJECTION_NAMES)[number];

/** True when `name` is a rejection a retry alone cannot help with. */
export function isRejection(name: string | undefined): name is RejectionName {
  return (REJECTION_NAMES as readonly string[]).includes(name ?? '');
}

/**
 * What would have to change for a run of the account to pass validation, as a sentence.
 * The cause (the error's message) already says what was found; this says what to do about it.
 */
export function whatMustChange(name: RejectionName, accountId: string): string {
  switch (name) {
    case 'AccountNotActive':
      return `the account must be ACTIVE in Organizations (a SUSPENDED or closed account cannot be onboarded; one PENDING_ACTIVATION can once it is ACTIVE)`;
    case 'AccountNotFound':
      return `account ${accountId} must be a member of the organization (invite it, or check the id)`;
    case 'AccountOutOfScope':
      return `the account must be in scope: move it into an OU of scope.includeOus (and out of scope.excludeOus), or change scope in the configuration and deploy it (scope.excludeAccounts names single accounts)`;
    case 'AccountNotAllowed':
      return `the configuration must allow it (allowManagementAccount or allowLogArchiveAccount: true) and be deployed`;
  }
}
