/**
 * "AWS API Call via CloudTrail" events: what EventBridge receives for a management API call, and
 * whether it receives one at all. Pure functions of the call and of the trails (no world state).
 *
 * When: "To record events with a detail-type value of AWS API Call via CloudTrail, a CloudTrail
 * trail with logging enabled is required"; "When an AWS service in your account emits an event, it
 * goes to your account's default event bus"; delivery is best effort ("in some rare cases an event
 * might not be delivered"). So an event goes to the default bus of the account and region of the
 * call only while a trail there logs it: logging, covering that account (its own trail, or an
 * organization trail of its organization's management account) and region (homed there, or
 * multi-region), with event selectors that record write management events of that event source.
 * Global services (IAM, Organizations) are recorded in us-east-1 (a trail must include global
 * service events there).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events
 *
 * What: the CloudTrail record under `detail` (eventVersion, userIdentity, eventTime, eventSource,
 * eventName, awsRegion, requestParameters, responseElements, requestID, eventID, readOnly, eventType,
 * managementEvent, recipientAccountId, eventCategory), in the shape of the samples in
 * ../shared/fixtures/cloudtrail-api-events.json; requestParameters and responseElements are the
 * request and response with AWS's lowerCamelCase member names (`StopLogging { Name }` ->
 * `{ name }`), `null` when empty.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
 */
import type * as ct from '@aws-sdk/client-cloudtrail';
import { isWriteOperation } from './calls';
import type { SimTrail } from './cloudtrail';
import { DEFAULT_EVENT_SELECTOR } from './cloudtrail';
import type { SimService } from './errors';
import type { Principal } from './identity';

/** The detail-type of every event CloudTrail sends for an API call. */
export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** The region CloudTrail records global services' calls in. */
export const GLOBAL_SERVICE_REGION = 'us-east-1';

/** An EventBridge event as targets receive it. */
export interface SimEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: unknown;
}

/** The services whose write calls produce events here, with CloudTrail's names for them. */
export const API_CALL_SOURCES: Partial<Record<SimService, { readonly source: string; readonly eventSource: string; readonly global: boolean }>> = {
  iam: { source: 'aws.iam', eventSource: 'iam.amazonaws.com', global: true },
  organizations: { source: 'aws.organizations', eventSource: 'organizations.amazonaws.com', global: true },
  s3: { source: 'aws.s3', eventSource: 's3.amazonaws.com', global: false },
  kms: { source: 'aws.kms', eventSource: 'kms.amazonaws.com', global: false },
  cloudtrail: { source: 'aws.cloudtrail', eventSource: 'cloudtrail.amazonaws.com', global: false },
};

/**
 * Write operations whose names the call log's verb prefixes (calls.ts) do not cover: Organizations'
 * MoveAccount and handshake operations are recorded as write events ("readOnly": false) like the others.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_security_incident-response.html
 */
const OTHER_WRITES: Partial<Record<SimService, ReadonlySet<string>>> = {
  organizations: new Set(['MoveAccount', 'InviteAccountToOrganization', 'AcceptHandshake', 'DeclineHandshake', 'LeaveOrganization', 'CloseAccount', 'RegisterDelegatedAdministrator', 'DeregisterDelegatedAdministrator']),
};

/** Whether a call is a write whose event CloudTrail sends to EventBridge ("AWS API Call via CloudTrail" covers writes only here). */
export function isRecordedWrite(service: SimService, operation: string): boolean {
  return isWriteOperation(operation) || OTHER_WRITES[service]?.has(operation) === true;
}

/**
 * Whether an operation is a management event. S3 object-level operations are data events (a trail
 * logs them only with data-event selectors, and the simulation emits none of them).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
 */
export function isManagementEvent(service: SimService, operation: string): boolean {
  return !(service === 's3' && /Object|MultipartUpload/.test(operation));
}

/** The region an event of this call is recorded (and delivered) in. */
export function eventRegion(service: SimService, callRegion: string): string {
  return API_CALL_SOURCES[service]?.global ? GLOBAL_SERVICE_REGION : callRegion;
}

/** Where an event would be recorded: the account acted on, the event's region, its source. */
export interface RecordingScope {
  readonly accountId: string;
  readonly region: string;
  readonly eventSource: string;
  readonly global: boolean;
  /** The organization of `accountId` and its management account, when it is a member. */
  readonly organization?: { readonly id: string; readonly managementAccountId: string };
}

/** Whether this trail records write management events of `scope` right now. */
export function trailRecords(trail: SimTrail, scope: RecordingScope): boolean {
  if (!trail.isLogging) return false;
  const ownAccount = trail.accountId === scope.accountId;
  const organizationTrail = trail.isOrganizationTrail && scope.organization !== undefined && trail.accountId === scope.organization.managementAccountId;
  if (!ownAccount && !organizationTrail) return false;
  if (trail.homeRegion !== scope.region && !trail.isMultiRegionTrail) return false;
  if (scope.global && !trail.includeGlobalServiceEvents) return false;
  return selectsWriteManagementEvents(trail, scope.eventSource);
}

/**
 * Whether a trail's event selectors record write management events of an event source: a basic
 * selector with IncludeManagementEvents, ReadWriteType All or WriteOnly, and the source not in
 * ExcludeManagementEventSources; or an advanced selector of eventCategory Management whose readOnly
 * (if any) admits false and whose eventSource NotEquals (if any) leaves the source in.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html
 */
export function selectsWriteManagementEvents(trail: Pick<SimTrail, 'eventSelectors' | 'advancedEventSelectors'>, eventSource: string): boolean {
  if (trail.advancedEventSelectors) {
    return trail.advancedEventSelectors.some((sel) => {
      const fields = sel.FieldSelectors ?? [];
      const field = (name: string) => fields.find((f) => f.Field === name);
      if (!(field('eventCategory')?.Equals ?? []).includes('Management')) return false;
      const readOnly = field('readOnly');
      if (readOnly?.Equals && !readOnly.Equals.includes('false')) return false;
      return !(field('eventSource')?.NotEquals ?? []).includes(eventSource);
    });
  }
  const selectors: readonly ct.EventSelector[] = trail.eventSelectors ?? [DEFAULT_EVENT_SELECTOR];
  return selectors.some(
    (s) => s.IncludeManagementEvents !== false && (s.ReadWriteType ?? 'All') !== 'ReadOnly' && !(s.ExcludeManagementEventSources ?? []).includes(eventSource),
  );
}

/** The caller as CloudTrail's userIdentity element describes it. */
export interface CallerIdentity {
  readonly principal: Principal;
  /** `principalId`: the account id (root), the role's unique id and session name, or the user id. */
  readonly principalId: string;
  readonly accessKeyId: string;
  /** The role behind a session (sessionContext.sessionIssuer). */
  readonly sessionIssuer?: { readonly principalId: string; readonly arn: string; readonly userName: string };
}

/** One successful call, as the event is built from it. */
export interface ApiCall {
  readonly service: SimService;
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly output: unknown;
  readonly caller: CallerIdentity;
  /** The account the request acted on (the resource's): recipientAccountId. */
  readonly accountId: string;
  /** The region of the client that sent the request. */
  readonly callRegion: string;
  readonly requestId: string;
  readonly time: Date;
  /** Resources CloudTrail names in the record (KMS keys). */
  readonly resources?: readonly { readonly ARN: string; readonly accountId: string; readonly type: string }[];
}

/** Ids of an event and of its CloudTrail record. */
export interface EventIds {
  readonly id: string;
  readonly eventID: string;
}

/** EventBridge's and CloudTrail's timestamps: ISO 8601 in seconds. */
export function awsTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The "AWS API Call via CloudTrail" event of a call. */
export function apiCallEvent(call: ApiCall, ids: EventIds): SimEvent {
  const names = API_CALL_SOURCES[call.service];
  if (!names) throw new Error(`No CloudTrail event source for ${call.service}`);
  const region = eventRegion(call.service, call.callRegion);
  const time = awsTimestamp(call.time);
  return {
    version: '0',
    id: ids.id,
    'detail-type': API_CALL_DETAIL_TYPE,
    source: names.source,
    account: call.accountId,
    time,
    region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: userIdentity(call.caller, time),
      eventTime: time,
      eventSource: names.eventSource,
      eventName: call.operation,
      awsRegion: region,
      sourceIPAddress: '192.0.2.10',
      userAgent: 'aws-sdk-js/3 (simulated)',
      requestParameters: requestParameters(call.service, call.operation, call.input, call.callRegion),
      responseElements: responseElements(call.output),
      requestID: call.requestId,
      eventID: ids.eventID,
      readOnly: false,
      ...(call.resources && call.resources.length > 0 ? { resources: call.resources.map((r) => ({ accountId: r.accountId, type: r.type, ARN: r.ARN })) } : {}),
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: call.accountId,
      eventCategory: 'Management',
    },
  };
}

/** CloudTrail's userIdentity element. The session's creation date is not kept: the call's time stands in. */
function userIdentity(caller: CallerIdentity, time: string): Record<string, unknown> {
  const p = caller.principal;
  const common = { principalId: caller.principalId, arn: p.arn, accountId: p.accountId, accessKeyId: caller.accessKeyId };
  if (p.kind === 'root') return { type: 'Root', ...common };
  if (p.kind === 'user') return { type: 'IAMUser', ...common, userName: p.arn.split('/').pop() };
  return {
    type: 'AssumedRole',
    ...common,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: caller.sessionIssuer?.principalId ?? '', arn: caller.sessionIssuer?.arn ?? '', accountId: p.accountId, userName: caller.sessionIssuer?.userName ?? p.roleName ?? '' },
      attributes: { creationDate: time, mfaAuthenticated: 'false' },
    },
  };
}

const S3_HEADER_MEMBERS = /^(Checksum|ContentMD5$|ExpectedBucketOwner$|ConfirmRemoveSelfBucketAccess$)/;

/**
 * The request as CloudTrail records it: the SDK input with lowerCamelCase member names; S3 names the
 * bucket `bucketName`, adds `Host`, and for a subresource operation (PutBucketPolicy) its name with
 * an empty value (`policy: ""`), PutBucketPolicy's document parsed as `bucketPolicy`. `null` when
 * the request has no members.
 */
export function requestParameters(service: SimService, operation: string, input: Record<string, unknown>, region: string): Record<string, unknown> | null {
  if (service === 's3') {
    const { Bucket, Policy, ...rest } = input;
    // Members sent as headers (checksums, the expected owner) are not request parameters.
    const body = Object.fromEntries(Object.entries(rest).filter(([k]) => !S3_HEADER_MEMBERS.test(k)));
    const out: Record<string, unknown> = { bucketName: Bucket, Host: `s3.${region}.amazonaws.com`, ...(lowerCamel(body) as Record<string, unknown>) };
    const sub = /^(?:Put|Delete|Get)Bucket(\w+)$/.exec(operation)?.[1];
    if (Policy !== undefined) out.bucketPolicy = parseJson(Policy);
    if (sub) out[sub.charAt(0).toLowerCase() + sub.slice(1)] = '';
    return out;
  }
  const out = lowerCamel(input) as Record<string, unknown>;
  return Object.keys(out).length > 0 ? out : null;
}

/** The response as CloudTrail records it: lowerCamelCase members, dates as CloudTrail writes them; `null` when empty. */
export function responseElements(output: unknown): Record<string, unknown> | null {
  if (output === null || typeof output !== 'object') return null;
  const { $metadata: _metadata, ...rest } = output as Record<string, unknown>;
  const out = lowerCamel(rest) as Record<string, unknown>;
  return Object.keys(out).length > 0 ? out : null;
}

/** Member names with their first letter lowered, recursively; undefined members dropped. */
export function lowerCamel(value: unknown): unknown {
  if (value instanceof Date) return cloudTrailDate(value);
  if (Array.isArray(value)) return value.map(lowerCamel);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), lowerCamel(v)]),
  );
}

/** How CloudTrail writes dates in responseElements, e.g. `Nov 27, 2026, 10:00:00 AM` (UTC). */
export function cloudTrailDate(at: Date): string {
  const month = at.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const hours = at.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${month} ${at.getUTCDate()}, ${at.getUTCFullYear()}, ${hours % 12 === 0 ? 12 : hours % 12}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
