/**
 * A change reported by event (handlers/domain/change-event.ts) starts a reconcile run: of the account
 * whose trail, switch role or reader role changed, or -- for the bucket policy, the key policy or the
 * key's state -- of one onboarded account, whose run renders both shared policies for the whole
 * member set and brings the key back. Runs are named per account, mode and minute of the change, and
 * wait for that minute's end (handlers/start/reconcile.ts `changeReconcileFor`), so a burst of events
 * starts one run that sees all of it. Mode: `driftResponse`.
 */
import { decideChange, type ChangeFacts } from '../domain/change-event';
import type { RunMode } from '../domain/drift';
import type { RuntimeConfig } from '../shared/config';
import type { AccountStatusPort, StartDeps } from './deps';
import { runModeOf } from './fleet';
import { startReconcile, type ReconcileStart } from './reconcile';

/** The status table as the change starter reads it: account items and the shared-policy member set. */
export interface ChangeStatusPort extends AccountStatusPort {
  members(): Promise<string[]>;
}

/** What the change starter needs. */
export interface ChangeStartDeps extends StartDeps {
  readonly status: ChangeStatusPort;
}

/** The outcome, for the function's log and result. */
export type ChangeStartResult =
  | { readonly outcome: 'started'; readonly scope: 'account' | 'shared'; readonly change: ChangeFacts; readonly run: ReconcileStart }
  | { readonly outcome: 'ignored'; readonly reason: string; readonly change?: ChangeFacts };

/** Starts (or finds) the reconcile run an event asks for. */
export async function startFromChange(deps: ChangeStartDeps, config: RuntimeConfig, event: unknown, now: Date): Promise<ChangeStartResult> {
  const decision = decideChange(config, event);
  if (decision.kind === 'ignore') return { outcome: 'ignored', reason: decision.reason, ...(decision.change ? { change: decision.change } : {}) };
  const mode: RunMode = runModeOf(config.driftResponse);
  let accountId: string;
  if (decision.kind === 'account') {
    accountId = decision.accountId;
    const item = await deps.status.getAccount(accountId);
    if (item?.status !== 'ONBOARDED') {
      return { outcome: 'ignored', reason: `account ${accountId} is ${item?.status ?? 'not known to the service'}, not ONBOARDED`, change: decision.change };
    }
  } else {
    // One run renders both policies for every member: the lowest account id, so a burst agrees on it.
    const members = [...(await deps.status.members())].sort();
    if (members.length === 0) return { outcome: 'ignored', reason: 'no account is onboarded: the shared policies hold no grant of the service', change: decision.change };
    accountId = members[0];
  }
  // The change's own time (CloudTrail's eventTime), not the delivery's: a late event joins its minute's run.
  const time = decision.change.eventTime ? new Date(decision.change.eventTime) : now;
  const run = await startReconcile(deps, accountId, mode, now, { time: Number.isNaN(time.getTime()) ? now : time });
  return { outcome: 'started', scope: decision.kind, change: decision.change, run };
}
