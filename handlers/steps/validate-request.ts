/** Step 0: reject what must not be onboarded before anything is written. */
import { checkEligibility, parseOnboardingRequest, type RequestAction } from '../domain/request';
import { checkScope, scopeNeedsPath } from '../domain/scope';
import type { RunMode } from '../domain/drift';
import { isOnboardingError, NothingToOffboard } from '../shared/errors';
import { isRejection } from '../domain/rejection';
import type { StepDeps } from './deps';
import type { TrailMode } from '../shared/config';

/** The validated request every later step receives. */
export interface ValidatedRequest {
  readonly accountId: string;
  readonly executionArn: string;
  /** `apply` (onboard, repair) or `report` (verify only). */
  readonly mode: RunMode;
  /** When the run may start reading (a change's reconcile waits for the end of its minute); null: at once. */
  readonly notBefore: string | null;
  /** The configured `trailMode`: the workflow's TrailByMode choice runs EnsureTrail or EnsureOrganizationTrail. */
  readonly trailMode: TrailMode;
  /** `onboard`, or `offboard` (the workflow's ByAction choice). */
  readonly action: RequestAction;
  /** Offboarding: why (the event, or the caller); null for an onboarding. */
  readonly reason: string | null;
}

/** The reason an offboarding records when the request gives none. */
export const DEFAULT_OFFBOARDING_REASON = 'requested (no reason given)';

/**
 * Validates the raw execution input (shape, id, organization membership and state, management or
 * log-archive account, the configured scope) and marks the account IN_PROGRESS (unless it is already ONBOARDED).
 * A refused account is recorded REJECTED with the error before the error is rethrown.
 */
export async function validateRequest(deps: StepDeps, request: unknown, executionArn: string): Promise<ValidatedRequest> {
  const { accountId, mode, notBefore, action, reason } = parseOnboardingRequest(request);
  if (action === 'offboard') {
    // An account leaving may be closed, suspended or gone from the organization already: none of the
    // onboarding's eligibility checks apply. It must be one the service knows.
    const why = reason ?? DEFAULT_OFFBOARDING_REASON;
    if (!(await deps.status.markOffboarding(accountId, executionArn, why))) {
      throw new NothingToOffboard(`Account ${accountId} was never onboarded (the status table has no record of it): there is nothing of this service's to remove. Nothing was written.`, { accountId });
    }
    return { accountId, executionArn, mode: 'apply', notBefore: null, trailMode: deps.config.trailMode, action, reason: why };
  }
  // Applying, the account's status item is read with the organization's answer (both in flight at once);
  // it is written only once the account is found eligible. A rejection of the read surfaces where it is awaited.
  const statusItem = mode === 'apply' ? deps.status.getAccount(accountId).then((item) => item ?? null) : undefined;
  statusItem?.catch(() => undefined);
  try {
    const orgAccount = deps.config.organizationId ? await deps.describeAccount(accountId) : undefined;
    checkEligibility(accountId, deps.config, orgAccount);
    // The scope, once the account is known to be an ACTIVE member: its OU path only when a rule names OUs.
    if (deps.config.organizationId) {
      // An account in excludeAccounts is decided without it (no ListParents call).
      const scope = deps.config.scope;
      const needsPath = scopeNeedsPath(scope) && !scope.excludeAccounts.includes(accountId);
      const path = needsPath ? ((await deps.accountPath(accountId)) ?? []) : undefined;
      checkScope(accountId, scope, path);
    }
  } catch (e) {
    // No request of the step is left in flight when it ends.
    await statusItem?.catch(() => undefined);
    // A valid id refused (not in the organization, not ACTIVE, not allowed, out of scope): operators see it in
    // `onboard list` as REJECTED with its cause (an ONBOARDED account keeps its status, with the rejection noted),
    // in both modes. Then the execution is rejected as before (DescribeRejection -> Rejected).
    if (isOnboardingError(e) && isRejection(e.name)) {
      await deps.status.markRejected(accountId, { executionArn, error: { name: e.name, cause: `ValidateRequest: ${e.message}`, step: 'ValidateRequest' } });
    }
    throw e;
  }
  // A verification changes nothing, the account's status included.
  if (statusItem) await deps.status.markInProgress(accountId, executionArn, await statusItem);
  return { accountId, executionArn, mode, notBefore: notBefore ?? null, trailMode: deps.config.trailMode, action, reason: null };
}
