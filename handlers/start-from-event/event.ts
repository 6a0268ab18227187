/**
 * What the StartFromEvent function receives, from the onboarding bus's rules (infra/stacks/orchestrator-stack.ts).
 *
 * - AccountCreatedRule, on AWS Organizations' `CreateAccountResult` (SUCCEEDED), delivers through its
 *   InputTransformer exactly the execution input:
 *   ```
 *   InputPathsMap: { "accountId": "$.detail.serviceEventDetails.createAccountStatus.accountId" }
 *   InputTemplate: {"accountId": "<accountId>"}
 *   ```
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 * - The rules of the other ways in deliver the event whole (the function needs its name and, for a
 *   move, says which event it was in the status it records):
 *   - `AccountJoinedOrganization` (source `aws.organizations`, "AWS Service Event via CloudTrail"): an
 *     account accepted the invitation (or was created) and joined the organization. Organizations logs
 *     it in the management account (us-east-1) "with joinedMethod ... and joinedTime fields"; AWS
 *     documents no full record, so the account id is read from `serviceEventDetails.accountId` (the
 *     test fixture's assumption, test/fixtures/organizations-events.json `accountJoinedOrganizationInvited`).
 *     https://docs.aws.amazon.com/organizations/latest/APIReference/API_AcceptHandshake.html
 *   - `MoveAccount` (source `aws.organizations`, "AWS API Call via CloudTrail", management account,
 *     us-east-1, only while a trail logs management events there): `requestParameters.accountId`,
 *     `sourceParentId`, `destinationParentId`; a call that failed (`errorCode`) moved nothing.
 *     https://docs.aws.amazon.com/organizations/latest/APIReference/API_MoveAccount.html
 *   - `CreateManagedAccount` (source `aws.controltower`, "AWS Service Event via CloudTrail", Control
 *     Tower's home region): `serviceEventDetails.createManagedAccountStatus` with `state` and
 *     `account.accountId`; only SUCCEEDED starts.
 *     https://docs.aws.amazon.com/controltower/latest/userguide/lifecycle-events.html
 * The raw CreateAccountResult is accepted too (a rule without its transformer should still work, and
 * say so in the log); an account is started only from a SUCCEEDED result.
 *
 * The events of an account leaving (RemoveAccountFromOrganization, CloseAccount, AccountDepartedOrganization,
 * delivered whole by the AccountDepartedRule and AccountRemovedOrClosedRule) are read by
 * handlers/domain/departure-event.ts: they start an offboarding, not an onboarding.
 */
import { isDepartureEvent, readDepartureEvent, DEPARTURE_EVENTS, type DepartureRequest } from '../domain/departure-event';
import { parseOnboardingRequest } from '../domain/request';
import { InvalidRequest } from '../shared/errors';

/** The events that start an onboarding. */
export const ACCOUNT_EVENTS = ['CreateAccountResult', 'AccountJoinedOrganization', 'MoveAccount', 'CreateManagedAccount'] as const;
/** One of {@link ACCOUNT_EVENTS}: what the status records as an account's `trigger`. */
export type AccountEvent = (typeof ACCOUNT_EVENTS)[number];

/** What to do with an event. */
export type EventRequest =
  | {
      readonly kind: 'start';
      readonly accountId: string;
      readonly source: 'input-transformer' | 'raw-event';
      /** Which event named the account (the transformer's output is CreateAccountResult's). */
      readonly trigger: AccountEvent;
      /** MoveAccount: where the account went (a root or an OU). */
      readonly destinationParentId?: string;
    }
  | Extract<DepartureRequest, { kind: 'offboard' }>
  | { readonly kind: 'ignore'; readonly reason: string };

interface RawEvent {
  source?: unknown;
  'detail-type'?: unknown;
  detail?: {
    eventName?: unknown;
    errorCode?: unknown;
    requestParameters?: { accountId?: unknown; destinationParentId?: unknown } | null;
    serviceEventDetails?: {
      accountId?: unknown;
      createAccountStatus?: { state?: unknown; accountId?: unknown; failureReason?: unknown };
      createManagedAccountStatus?: { state?: unknown; message?: unknown; account?: { accountId?: unknown } };
    };
  };
}

function isRawEvent(event: unknown): event is RawEvent {
  return typeof event === 'object' && event !== null && 'detail' in event && ('detail-type' in event || 'source' in event);
}

/** The id an event names, validated like an execution input's. */
function accountIdOf(value: unknown, what: string): string {
  if (value === undefined || value === null) throw new InvalidRequest(`${what} without an account id`);
  return parseOnboardingRequest({ accountId: value }).accountId;
}

/**
 * Reads an event: the transformer's `{ "accountId": "<id>" }` (validated strictly, like any
 * execution input), or one of the raw events above.
 *
 * @returns `start` with the account id and the event's name; `offboard` for an account leaving (see
 *   handlers/domain/departure-event.ts); `ignore` for anything else (a failed creation, a failed move or
 *   removal, an event of another kind).
 * @throws InvalidRequest / InvalidAccountId when the input is neither, or its id is missing or malformed.
 */
export function readEvent(event: unknown): EventRequest {
  if (!isRawEvent(event)) {
    return { kind: 'start', accountId: parseOnboardingRequest(event).accountId, source: 'input-transformer', trigger: 'CreateAccountResult' };
  }
  const detail = event.detail ?? {};
  const name = detail.eventName;
  const raw = (trigger: AccountEvent, accountId: string, extra: { destinationParentId?: string } = {}): EventRequest => ({
    kind: 'start',
    accountId,
    source: 'raw-event',
    trigger,
    ...extra,
  });

  if (event.source === 'aws.organizations' && name === 'CreateAccountResult') {
    const status = detail.serviceEventDetails?.createAccountStatus;
    if (status?.state !== 'SUCCEEDED') {
      const why = status?.failureReason ? ` (${String(status.failureReason)})` : '';
      return { kind: 'ignore', reason: `the account creation is ${String(status?.state)}${why}, not SUCCEEDED` };
    }
    return raw('CreateAccountResult', accountIdOf(status.accountId, 'A SUCCEEDED CreateAccountResult event (detail.serviceEventDetails.createAccountStatus.accountId)'));
  }
  if (event.source === 'aws.organizations' && name === 'AccountJoinedOrganization') {
    return raw('AccountJoinedOrganization', accountIdOf(detail.serviceEventDetails?.accountId, 'An AccountJoinedOrganization event (detail.serviceEventDetails.accountId)'));
  }
  if (event.source === 'aws.organizations' && name === 'MoveAccount') {
    if (detail.errorCode !== undefined && detail.errorCode !== null) {
      return { kind: 'ignore', reason: `the MoveAccount call failed (${String(detail.errorCode)}): nothing moved` };
    }
    const params = detail.requestParameters ?? {};
    const destination = typeof params.destinationParentId === 'string' ? { destinationParentId: params.destinationParentId } : {};
    return raw('MoveAccount', accountIdOf(params.accountId, 'A MoveAccount event (detail.requestParameters.accountId)'), destination);
  }
  if (isDepartureEvent(event)) return readDepartureEvent(event);
  if (event.source === 'aws.controltower' && name === 'CreateManagedAccount') {
    const status = detail.serviceEventDetails?.createManagedAccountStatus;
    if (status?.state !== 'SUCCEEDED') {
      return { kind: 'ignore', reason: `Control Tower's CreateManagedAccount is ${String(status?.state)}${status?.message ? ` (${String(status.message)})` : ''}, not SUCCEEDED` };
    }
    return raw('CreateManagedAccount', accountIdOf(status.account?.accountId, 'A SUCCEEDED CreateManagedAccount event (detail.serviceEventDetails.createManagedAccountStatus.account.accountId)'));
  }
  return {
    kind: 'ignore',
    reason: `not an event that starts an onboarding (${ACCOUNT_EVENTS.join(', ')}) or an offboarding (${DEPARTURE_EVENTS.join(', ')}): source ${String(event.source)}, eventName ${String(name)}`,
  };
}
