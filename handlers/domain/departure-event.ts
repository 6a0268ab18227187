/**
 * The AWS Organizations events that mean an account left the organization or is closing (pure): which
 * account, and why, as the reason its offboarding records. All are events of the management account,
 * delivered to its default bus in us-east-1 (Organizations is a global service) and forwarded by the
 * ManagementEvents stack (infra/names.ts FORWARD_ACCOUNT_EVENT_RULES).
 *
 * - `RemoveAccountFromOrganization` ("AWS API Call via CloudTrail"): the management account removed the
 *   account, which "becomes a standalone account that isn't a member of any organization";
 *   `requestParameters.accountId`. An API-call event reaches EventBridge only while a trail logs the
 *   management account's write management events in us-east-1.
 *   https://docs.aws.amazon.com/organizations/latest/APIReference/API_RemoveAccountFromOrganization.html
 * - `CloseAccount` ("AWS API Call via CloudTrail", same condition): the management account closed the
 *   account; "While the close account request is in progress, Account status will indicate
 *   PENDING_CLOSURE. When the close account request completes, the status will change to SUSPENDED", and
 *   the account stays visible, SUSPENDED, for 90 days. No role can be assumed in it from the start.
 *   https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html
 * - `AccountDepartedOrganization` ("AWS Service Event via CloudTrail": no trail needed): "When an account
 *   is removed from an organization, Organizations logs a membership event in CloudTrail. The event is an
 *   AccountDepartedOrganization event with departureMethod:REMOVED and departureTime. This event is
 *   available only in the management account's event history" -- LEFT when the member left by itself
 *   (LeaveOrganization, a call of the member account, whose own API-call event stays in the member
 *   account), CLEANED when a closed account is terminated after its 90 days. AWS documents those two
 *   fields, not the record: like AccountJoinedOrganization's (handlers/start-from-event/event.ts), the
 *   account id is read from `serviceEventDetails.accountId`, beside `departureMethod` and `departureTime`
 *   (test/fixtures/organizations-events.json `accountDepartedOrganization*`). Older versions of the page
 *   spell them `departedMethod:Removed`; both spellings are read.
 *   https://docs.aws.amazon.com/organizations/latest/APIReference/API_LeaveOrganization.html
 *
 * A call that failed (`errorCode`: a CloseAccount over its quota, an SCP-denied call) changed nothing.
 */
import { InvalidRequest } from '../shared/errors';
import { MAX_REASON_LENGTH, parseOnboardingRequest } from './request';

/** The events that start an offboarding. */
export const DEPARTURE_EVENTS = ['RemoveAccountFromOrganization', 'CloseAccount', 'AccountDepartedOrganization'] as const;
/** One of {@link DEPARTURE_EVENTS}. */
export type DepartureEvent = (typeof DEPARTURE_EVENTS)[number];

/** What to do with a departure event. */
export type DepartureRequest =
  | {
      readonly kind: 'offboard';
      readonly accountId: string;
      readonly trigger: DepartureEvent;
      /** The offboarding's reason: the event's name, and who called (API calls) or how it departed (the membership event). */
      readonly reason: string;
      /** API calls: `userIdentity.arn` (or the service that called, `invokedBy`). */
      readonly calledBy?: string;
      /** AccountDepartedOrganization: REMOVED, LEFT or CLEANED, as the event says it. */
      readonly departureMethod?: string;
    }
  | { readonly kind: 'ignore'; readonly reason: string };

/** The parts of an EventBridge event this module reads. */
interface DepartureEventShape {
  source?: unknown;
  detail?: {
    eventName?: unknown;
    errorCode?: unknown;
    userIdentity?: { arn?: unknown; invokedBy?: unknown } | null;
    requestParameters?: { accountId?: unknown } | null;
    serviceEventDetails?: { accountId?: unknown; departureMethod?: unknown; departedMethod?: unknown } | null;
  } | null;
}

const asShape = (event: unknown): DepartureEventShape => (typeof event === 'object' && event !== null ? (event as DepartureEventShape) : {});

/** Whether an event is one of {@link DEPARTURE_EVENTS} of AWS Organizations. */
export function isDepartureEvent(event: unknown): boolean {
  const e = asShape(event);
  return e.source === 'aws.organizations' && (DEPARTURE_EVENTS as readonly unknown[]).includes(e.detail?.eventName);
}

/**
 * Reads a departure event.
 * @returns `offboard` with the account and the reason; `ignore` for a call that failed.
 * @throws InvalidRequest when the event names no account, InvalidAccountId when its id is malformed
 *   (the same named errors as every other event: the function fails, the event lands in its dead-letter queue).
 */
export function readDepartureEvent(event: unknown): DepartureRequest {
  const e = asShape(event);
  const detail = e.detail ?? {};
  const trigger = detail.eventName;
  if (!isDepartureEvent(event)) throw new InvalidRequest(`Not an Organizations departure event (${DEPARTURE_EVENTS.join(', ')}): source ${String(e.source)}, eventName ${String(trigger)}`);
  const name = trigger as DepartureEvent;
  if (name === 'AccountDepartedOrganization') {
    const details = detail.serviceEventDetails ?? {};
    const accountId = accountIdOf(details.accountId, 'An AccountDepartedOrganization event (detail.serviceEventDetails.accountId)');
    const method = details.departureMethod ?? details.departedMethod;
    const departureMethod = typeof method === 'string' && method !== '' ? method.toUpperCase() : undefined;
    return { kind: 'offboard', accountId, trigger: name, reason: departureReason(name, departureMethod ? `(${departureMethod})` : undefined), ...(departureMethod ? { departureMethod } : {}) };
  }
  if (detail.errorCode !== undefined && detail.errorCode !== null) {
    return { kind: 'ignore', reason: `the ${name} call failed (${String(detail.errorCode)}): the account did not leave` };
  }
  const accountId = accountIdOf(detail.requestParameters?.accountId, `A ${name} event (detail.requestParameters.accountId)`);
  const caller = detail.userIdentity?.arn ?? detail.userIdentity?.invokedBy;
  const calledBy = typeof caller === 'string' && caller !== '' ? caller : undefined;
  return { kind: 'offboard', accountId, trigger: name, reason: departureReason(name, calledBy ? `by ${calledBy}` : undefined), ...(calledBy ? { calledBy } : {}) };
}

/** `<event> <detail>`, cut to the longest reason an offboarding keeps (the event's name always whole). */
export function departureReason(trigger: DepartureEvent, detail?: string): string {
  const full = detail ? `${trigger} ${detail}` : trigger;
  return full.length <= MAX_REASON_LENGTH ? full : `${full.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/** The id an event names, validated like an execution input's (InvalidAccountId for a malformed one). */
function accountIdOf(value: unknown, what: string): string {
  if (value === undefined || value === null || value === '') throw new InvalidRequest(`${what} names no account`);
  return parseOnboardingRequest({ accountId: value }).accountId;
}
