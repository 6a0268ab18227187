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
 */
import type { AccountStatusItem, RecordOutcome, SkippedResult } from '../adapters/status-store';
import { decideScope, isWholeOrganization, scopeNeedsPath } from '../domain/scope';
import type { ScopeRuntime } from '../shared/config';
import type { AccountEvent } from '../start-from-event/event';
import type { StartDeps } from './deps';
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
