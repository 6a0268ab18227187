/**
 * What the StartFromEvent function receives. The EventBridge rule on AWS Organizations'
 * `CreateAccountResult` event delivers, through its InputTransformer, exactly the execution input:
 *
 * ```
 * InputPathsMap: { "accountId": "$.detail.serviceEventDetails.createAccountStatus.accountId" }
 * InputTemplate: {"accountId": "<accountId>"}
 * ```
 * The raw event is accepted too (a rule without its transformer should still work, and say so in
 * the log); an account is started only from a SUCCEEDED result.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */
import { parseOnboardingRequest } from '../domain/request';
import { InvalidRequest } from '../shared/errors';

/** What to do with an event. */
export type EventRequest =
  | { readonly kind: 'start'; readonly accountId: string; readonly source: 'input-transformer' | 'raw-event' }
  | { readonly kind: 'ignore'; readonly reason: string };

interface RawEvent {
  source?: unknown;
  'detail-type'?: unknown;
  detail?: {
    eventName?: unknown;
    serviceEventDetails?: { createAccountStatus?: { state?: unknown; accountId?: unknown; failureReason?: unknown } };
  };
}

function isRawEvent(event: unknown): event is RawEvent {
  return typeof event === 'object' && event !== null && 'detail' in event && ('detail-type' in event || 'source' in event);
}

/**
 * Reads an event: the transformer's `{ "accountId": "<id>" }` (validated strictly, like any
 * execution input), or a raw `CreateAccountResult` event.
 *
 * @returns `start` with the account id; `ignore` for a raw event that is not a SUCCEEDED account creation.
 * @throws InvalidRequest / InvalidAccountId when the input is neither, or its id is malformed.
 */
export function readEvent(event: unknown): EventRequest {
  if (!isRawEvent(event)) return { kind: 'start', accountId: parseOnboardingRequest(event).accountId, source: 'input-transformer' };

  const detail = event.detail ?? {};
  if (detail.eventName !== 'CreateAccountResult') {
    return { kind: 'ignore', reason: `not a CreateAccountResult event (source ${String(event.source)}, eventName ${String(detail.eventName)})` };
  }
  const status = detail.serviceEventDetails?.createAccountStatus;
  if (status?.state !== 'SUCCEEDED') {
    const why = status?.failureReason ? ` (${String(status.failureReason)})` : '';
    return { kind: 'ignore', reason: `the account creation is ${String(status?.state)}${why}, not SUCCEEDED` };
  }
  if (status.accountId === undefined) {
    throw new InvalidRequest('A SUCCEEDED CreateAccountResult event without detail.serviceEventDetails.createAccountStatus.accountId');
  }
  return { kind: 'start', accountId: parseOnboardingRequest({ accountId: status.accountId }).accountId, source: 'raw-event' };
}
