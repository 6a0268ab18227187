/**
 * An account event (created, joined, moved, Control Tower's managed account) to an onboarding: the
 * scope is checked first, so an account outside it is recorded SKIPPED with the reason and nothing
 * starts (no execution, hence no failed execution, no alarm, nothing in a dead-letter queue); an
 * account in scope is started as every way in starts it (`onboard-<id>`, `{"accountId":"<id>"}`).
 *
 * - An ONBOARDED account (a move between OUs, a join event after the creation event) answers
 *   `already-onboarded` and nothing starts. Moved out of scope, it keeps ONBOARDED (it is not
 *   offboarded: a later issue), and the skip is noted on its status item.
 * - An account REJECTED earlier (out of scope, not yet ACTIVE; or SKIPPED after that) whose situation an event says has
 *   changed (it joined, moved, was vended into an OU) is retried (`onboard-<id>-retry-<n>`):
 *   ValidateRequest decides again. A FAILED one is not: a person has to act on its cause first.
 * - Organizations not knowing the account's place (ListParents: no such child) leaves the decision to
 *   ValidateRequest, which rejects it as AccountNotFound.
 *
 * An event of an account leaving (removed, closing, departed: handlers/domain/departure-event.ts) starts
 * its offboarding instead, see {@link startOffboardingFromEvent}.
 */
import { AccountStatus, type AccountStatusItem, type RecordOutcome, type SkippedResult } from '../adapters/status-store';
import type { DepartureEvent } from '../domain/departure-event';
import { decideScope, isWholeOrganization, scopeNeedsPath } from '../domain/scope';
import { isOnboardingError } from '../shared/errors';
import type { ScopeRuntime } from '../shared/config';
import type { AccountEvent } from '../start-from-event/event';
import type { StartDeps } from './deps';
import { startOffboarding, type OffboardStartResult } from './offboarding';
import { retryOnboarding, startOnboarding, type RetryResult, type StartResult } from './starter';

/** What the event path needs besides the start paths' ports. */
export interface EventStartDeps extends StartDeps {
  readonly status: StartDeps['status'] & {
    getAccount(accountId: string): Promise<AccountStatusItem | undefined>;
    markSkipped(accountId: string, result: SkippedResult): Promise<RecordOutcome>;
  };
  /** The configured scope. */
  readonly scope: ScopeRuntime;
  /** The account's OU path, root first; null when Organizations does not know it (handlers/adapters/organizations.ts). */
  accountPath(accountId: string): Promise<string[] | null>;
}

/** What an event led to. */
export type EventStartResult =
  | StartResult
  | RetryResult
  | {
      readonly outcome: 'skipped';
      readonly accountId: string;
      readonly trigger: AccountEvent;
      readonly reason: string;
      /** What the status table now says: SKIPPED (`recorded`), a notice on an ONBOARDED or running account (`noted`), or as before. */
      readonly recorded: RecordOutcome;
    };

/** Starts the onboarding of the account an event names, if it is in scope; records SKIPPED if not. */
export async function startFromAccountEvent(deps: EventStartDeps, accountId: string, trigger: AccountEvent): Promise<EventStartResult> {
  if (!isWholeOrganization(deps.scope)) {
    const path = scopeNeedsPath(deps.scope) ? await deps.accountPath(accountId) : undefined;
    if (path !== null) {
      const decision = decideScope(accountId, deps.scope, path);
      if (!decision.inScope) {
        const recorded = await deps.status.markSkipped(accountId, { reason: decision.reason, trigger });
        return { outcome: 'skipped', accountId, trigger, reason: decision.reason, recorded };
      }
    }
  }
  const started = await startOnboarding(deps, accountId);
  if (started.outcome !== 'previously-failed') return started;
  const item = await deps.status.getAccount(accountId);
  if (item?.status !== 'REJECTED' && item?.status !== 'SKIPPED') return started;
  return retryOnboarding(deps, accountId);
}

/** What a departure event led to. */
export type DepartureStartResult =
  | (OffboardStartResult & { readonly trigger: DepartureEvent })
  | {
      /** The status table has no record of the account: the service never onboarded it, nothing of its is there. */
      readonly outcome: 'not-onboarded';
      readonly accountId: string;
      readonly trigger: DepartureEvent;
    }
  | {
      /** The account is OFFBOARDED already (a second event of one departure): nothing started. */
      readonly outcome: 'already-offboarded';
      readonly accountId: string;
      readonly trigger: DepartureEvent;
      /** The offboarding that did it. */
      readonly executionArn?: string;
    };

/**
 * Starts the offboarding of an account an event says left the organization or is closing, whatever
 * its status (an onboarding that failed or was never finished may still have left a trail or a grant),
 * with the event's reason; every way in shares `startOffboarding` (one execution per onboarding, a
 * duplicate answered `already-running`).
 *
 * - An account the status table does not know is no error and is recorded nowhere (`not-onboarded`):
 *   the organization's other accounts leave too, and none of them should fill a dead-letter queue.
 * - An OFFBOARDED account starts nothing (`already-offboarded`): one departure brings several events (the
 *   RemoveAccountFromOrganization call and the AccountDepartedOrganization it causes; CloseAccount, then
 *   the CLEANED departure 90 days later), and a second run would only overwrite the first one's reason.
 */
export async function startOffboardingFromEvent(deps: StartDeps, request: { accountId: string; trigger: DepartureEvent; reason: string }): Promise<DepartureStartResult> {
  const { accountId, trigger, reason } = request;
  const item = await deps.status.getAccount(accountId);
  if (!item) return { outcome: 'not-onboarded', accountId, trigger };
  if (item.status === AccountStatus.Offboarded) {
    return { outcome: 'already-offboarded', accountId, trigger, ...(item.offboarding?.executionArn ? { executionArn: item.offboarding.executionArn } : {}) };
  }
  try {
    return { ...(await startOffboarding(deps, accountId, reason)), trigger };
  } catch (e) {
    // The record went between the two reads (nothing else removes one): as if it had never been there.
    if (isOnboardingError(e) && e.name === 'NothingToOffboard') return { outcome: 'not-onboarded', accountId, trigger };
    throw e;
  }
}
