/**
 * A change reported by event (handlers/domain/change-event.ts) starts a reconcile run: of the account
 * whose trail, switch role or reader role changed, or -- for the bucket policy, the key policy or the
 * key's state -- of one onboarded account, whose run renders both shared policies for the whole
 * member set and brings the key back. Runs are named per account, mode and minute of the change, and
 * wait for that minute's end (handlers/start/reconcile.ts `changeReconcileFor`), so a burst of events
 * starts one run that sees all of it. Mode: `driftResponse`.
 *
 * The organization trail (trailMode `organization`) is every member's trail: a change to it starts one
 * run, of the lowest ONBOARDED account id (every event of the minute agrees on it), named
 * `reconcile-<id>-<mode>-<minute>-organization-trail-event`; its EnsureOrganizationTrail repairs the
 * trail (or, in report mode, records the drift). A trail given by `organizationTrail.arn` is never
 * written by the service: its change starts a `report` run whatever `driftResponse` says, which
 * records what differs (EnsureOrganizationTrail fails it with OrganizationTrailConflict naming the
 * problems when the trail can no longer serve, and the failed run is notified and alarmed on).
 */
import { decideChange, type ChangeDecision, type ChangeFacts } from '../domain/change-event';
import type { RunMode } from '../domain/drift';
import type { RuntimeConfig } from '../shared/config';
import type { AccountStatusPort, StartDeps } from './deps';
import { runModeOf, type AccountListPort } from './fleet';
import { startReconcile, type ReconcileStart } from './reconcile';

/**
 * The status table as the change starter reads it: account items, the shared-policy member set, and
 * (organization trail changes) the ONBOARDED accounts, from the status index.
 */
export interface ChangeStatusPort extends AccountStatusPort, AccountListPort {
  members(): Promise<string[]>;
}

/** What the change starter needs. */
export interface ChangeStartDeps extends StartDeps {
  readonly status: ChangeStatusPort;
}

/** What a started run is for: one account's resources, the shared policies and key, or the organization trail. */
export type ChangeScope = 'account' | 'shared' | 'organizationTrail';

/** The outcome, for the function's log and result. */
export type ChangeStartResult =
  | {
      readonly outcome: 'started';
      readonly scope: ChangeScope;
      readonly change: ChangeFacts;
      readonly run: ReconcileStart;
      /** The resource the change was made to, for a person: `organization trail <arn>` (scope organizationTrail). */
      readonly drifted?: string;
    }
  | { readonly outcome: 'ignored'; readonly reason: string; readonly change?: ChangeFacts };

/** The change's own time (CloudTrail's eventTime), not the delivery's: a late event joins its minute's run. */
function changeTimeOf(change: ChangeFacts, now: Date): Date {
  const time = change.eventTime ? new Date(change.eventTime) : now;
  return Number.isNaN(time.getTime()) ? now : time;
}

/**
 * The account whose run repairs the organization trail: the lowest ONBOARDED account id, so that the
 * events of one change (and of one minute) agree on one run. Undefined when none is onboarded.
 */
export async function organizationTrailRunAccount(status: AccountListPort): Promise<string | undefined> {
  const ids = (await status.listAccounts({ status: 'ONBOARDED' })).map((a) => a.accountId).sort();
  return ids[0];
}

/** Starts (or finds) the one run a change to the organization trail asks for (see the module comment). */
async function startForOrganizationTrail(
  deps: ChangeStartDeps,
  config: RuntimeConfig,
  decision: Extract<ChangeDecision, { kind: 'organizationTrail' }>,
  now: Date,
): Promise<ChangeStartResult> {
  const accountId = await organizationTrailRunAccount(deps.status);
  if (!accountId) {
    return { outcome: 'ignored', reason: 'no account is ONBOARDED: the organization trail is set up again by the next onboarding', change: decision.change };
  }
  // The service never writes a trail it was given by ARN: its change is reported, whatever driftResponse says.
  const mode: RunMode = decision.managed ? runModeOf(config.driftResponse) : 'report';
  const run = await startReconcile(deps, accountId, mode, now, { time: changeTimeOf(decision.change, now), subject: 'organization-trail' });
  return { outcome: 'started', scope: 'organizationTrail', change: decision.change, run, drifted: `organization trail ${decision.trailArn}` };
}

/** Starts (or finds) the reconcile run an event asks for. */
export async function startFromChange(deps: ChangeStartDeps, config: RuntimeConfig, event: unknown, now: Date): Promise<ChangeStartResult> {
  const decision = decideChange(config, event);
  if (decision.kind === 'ignore') return { outcome: 'ignored', reason: decision.reason, ...(decision.change ? { change: decision.change } : {}) };
  if (decision.kind === 'organizationTrail') return startForOrganizationTrail(deps, config, decision, now);
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
  const run = await startReconcile(deps, accountId, mode, now, { time: changeTimeOf(decision.change, now) });
  return { outcome: 'started', scope: decision.kind, change: decision.change, run };
}
