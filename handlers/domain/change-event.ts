/**
 * What an "AWS API Call via CloudTrail" event forwarded to the onboarding bus means (pure): a change
 * to one account's resources (its trail, switch role, forwarder role, or its reader role in the
 * log-archive account), a change to the shared policies or the central key, or nothing to act on.
 *
 * The event's `account` is the account the call was made in. EventBridge keeps it when a rule
 * forwards the event to another bus, and no PutEvents caller can send an event whose source starts
 * with `aws.` (NotAuthorizedForSourceException), so an organization account can forward only its own
 * calls: at most, it can start a reconcile of itself.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 *
 * Ignored:
 * - calls that failed (`errorCode` set: an AccessDenied StopLogging changed nothing);
 * - the service's own calls: sessions named `cloudtrail-onboarding` of the member-access role, and
 *   any session of the log-archive access role (which only the service's steps may assume). A repair
 *   run's own writes would otherwise start another run, and turn its REPAIRED into HEALTHY;
 * - calls on resources the service does not keep (the rules are narrow; this is the second check).
 *
 * `trailMode` `organization`: a change to the organization trail, made in the management account (or,
 * for the service's own trail, in the CloudTrail delegated administrator that manages it), is a change
 * of its own kind: the trail is shared by every member, so one reconcile (of one onboarded account)
 * repairs it. The service's own calls there are those of the EnsureOrganizationTrail function's role
 * in the management account (where the orchestrator runs in this mode), and the member-access role's
 * `cloudtrail-onboarding` sessions in the delegated administrator.
 */
import type { RuntimeConfig } from '../shared/config';
import { organizationTrailArn } from './arns';
import { API_CALL_DETAIL_TYPE, CHANGE_FORWARDER_ROLE_NAME } from './change-rules';

/** The session name every service session uses (handlers/adapters/sts.ts DEFAULT_SESSION_NAME). */
export const SERVICE_SESSION_NAME = 'cloudtrail-onboarding';

/** The change, for logs and notifications: what was called, by whom, on what. */
export interface ChangeFacts {
  readonly eventName: string;
  readonly eventSource: string;
  /** The account the call was made in. */
  readonly account: string;
  readonly region: string;
  /** The caller's ARN (CloudTrail's userIdentity.arn), or its type when there is none. */
  readonly caller: string;
  /** Bucket, key, role or trail named by the call. */
  readonly resource: string;
  readonly eventTime?: string;
}

/**
 * The role of the EnsureOrganizationTrail function (infra/stacks/orchestrator-stack.ts names each
 * function's role `CloudTrailOnboarding-<function>`), which only Lambda may assume: in organization
 * mode it is the one principal of the management account that writes the organization trail.
 */
export const ORGANIZATION_TRAIL_STEP_ROLE_NAME = 'CloudTrailOnboarding-EnsureOrganizationTrail';

/** What to do with an event. */
export type ChangeDecision =
  | { readonly kind: 'account'; readonly accountId: string; readonly change: ChangeFacts }
  | { readonly kind: 'shared'; readonly change: ChangeFacts }
  | {
      readonly kind: 'organizationTrail';
      /** The organization trail's ARN. */
      readonly trailArn: string;
      /** True for the service's own trail (repaired as `driftResponse` says); false for one given by `organizationTrail.arn` (only reported). */
      readonly managed: boolean;
      readonly change: ChangeFacts;
    }
  | { readonly kind: 'ignore'; readonly reason: string; readonly change?: ChangeFacts };

interface ApiCallEvent {
  'detail-type'?: unknown;
  account?: unknown;
  region?: unknown;
  detail?: {
    eventName?: unknown;
    eventSource?: unknown;
    eventTime?: unknown;
    errorCode?: unknown;
    userIdentity?: { type?: unknown; arn?: unknown; sessionContext?: { sessionIssuer?: { userName?: unknown } } };
    requestParameters?: Record<string, unknown> | null;
    resources?: unknown;
  };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The role name and session name of an assumed-role ARN. */
function assumedRole(arn: string): { account: string; role: string; session: string } | undefined {
  const m = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  return m ? { account: m[1], role: m[2], session: m[3] } : undefined;
}

/** The last part of a role ARN (`arn:...:role/path/Name` -> Name). */
function roleNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** What the call named: the first of the request parameters that name a resource, or a resource ARN. */
function resourceOf(d: NonNullable<ApiCallEvent['detail']>): string {
  const p = d.requestParameters ?? {};
  for (const k of ['roleName', 'bucketName', 'keyId', 'name', 'trailName', 'resourceId']) if (typeof p[k] === 'string') return p[k] as string;
  const r = Array.isArray(d.resources) ? (d.resources as { ARN?: unknown }[]).find((x) => typeof x?.ARN === 'string') : undefined;
  return str(r?.ARN);
}

/** Reads the facts of an API-call event; undefined when it is not one. */
export function changeFactsOf(event: unknown): ChangeFacts | undefined {
  const e = (event && typeof event === 'object' ? event : {}) as ApiCallEvent;
  if (e['detail-type'] !== API_CALL_DETAIL_TYPE || !e.detail || typeof e.detail !== 'object') return undefined;
  const d = e.detail;
  const account = str(e.account);
  if (!/^\d{12}$/.test(account)) return undefined;
  return {
    eventName: str(d.eventName),
    eventSource: str(d.eventSource),
    account,
    region: str(e.region),
    caller: str(d.userIdentity?.arn) || str(d.userIdentity?.type) || 'unknown',
    resource: resourceOf(d),
    ...(typeof d.eventTime === 'string' ? { eventTime: d.eventTime } : {}),
  };
}

/** Whether the call was the service's own (see the file comment). */
function isServiceCall(config: RuntimeConfig, facts: ChangeFacts): boolean {
  const a = assumedRole(facts.caller);
  if (!a || a.account !== facts.account) return false;
  if (a.account === config.logArchiveAccountId && a.role === roleNameOf(config.logArchiveAccessRoleArn)) return true;
  if (config.trailMode === 'organization' && a.account === config.managementAccountId && a.role === ORGANIZATION_TRAIL_STEP_ROLE_NAME) return true;
  return a.role === config.memberAccessRoleName && a.session === SERVICE_SESSION_NAME;
}

/**
 * Whether a CloudTrail call made in `facts.account` named the organization trail: by its ARN (from
 * the management account or, for the service's own trail, the delegated administrator, which names it
 * so), or by its name in the management account, whose trail of that name it is. Always false in
 * account mode.
 */
function namesOrganizationTrail(config: RuntimeConfig, facts: ChangeFacts): { trailArn: string; managed: boolean } | undefined {
  if (config.trailMode !== 'organization') return undefined;
  const trailArn = organizationTrailArn(config);
  const managed = config.organizationTrail.arn === undefined;
  const delegated = managed ? config.organizationTrail.delegatedAdministratorAccountId : undefined;
  const fromManagement = facts.account === config.managementAccountId;
  if (!fromManagement && facts.account !== delegated) return undefined;
  const name = trailArn.slice(trailArn.lastIndexOf('/') + 1);
  if (facts.resource === trailArn || (fromManagement && facts.resource === name)) return { trailArn, managed };
  return undefined;
}

/** Decides what an event forwarded to the onboarding bus asks for. */
export function decideChange(config: RuntimeConfig, event: unknown): ChangeDecision {
  const change = changeFactsOf(event);
  if (!change) return { kind: 'ignore', reason: `not an "${API_CALL_DETAIL_TYPE}" event with an account` };
  const e = event as ApiCallEvent;
  if (e.detail?.errorCode !== undefined && e.detail.errorCode !== null) {
    return { kind: 'ignore', reason: `the call failed (${str(e.detail.errorCode)}): nothing changed`, change };
  }
  if (isServiceCall(config, change)) return { kind: 'ignore', reason: 'the service\'s own call', change };

  if (change.account === config.logArchiveAccountId) {
    if (change.eventSource === 'iam.amazonaws.com') {
      const role = change.resource;
      // The shared reader role serves every account: a change to it is a shared change (one reconcile,
      // whose EnsureReaderRole reports it or fails with SharedReaderRoleNotDeployed).
      if (config.sharedReaderRoleArn && role === config.sharedReaderRoleArn.slice(config.sharedReaderRoleArn.lastIndexOf('/') + 1)) return { kind: 'shared', change };
      const accountId = role.startsWith(config.readerRoleNamePrefix) ? role.slice(config.readerRoleNamePrefix.length) : '';
      if (/^\d{12}$/.test(accountId)) return { kind: 'account', accountId, change };
      return { kind: 'ignore', reason: `role ${role} is not a reader role`, change };
    }
    if (change.eventSource === 's3.amazonaws.com') {
      return change.resource === config.bucketName ? { kind: 'shared', change } : { kind: 'ignore', reason: `bucket ${change.resource} is not the central bucket`, change };
    }
    // KMS: the rule matches the central key by its ARN in the event's resources.
    if (change.eventSource === 'kms.amazonaws.com') return { kind: 'shared', change };
  }
  if (change.eventSource === 'cloudtrail.amazonaws.com') {
    const organizationTrail = namesOrganizationTrail(config, change);
    if (organizationTrail) return { kind: 'organizationTrail', ...organizationTrail, change };
    const named = change.resource;
    if (named === config.trailName || named.endsWith(`:trail/${config.trailName}`)) return { kind: 'account', accountId: change.account, change };
    return { kind: 'ignore', reason: `trail ${named} is not the service's trail`, change };
  }
  if (change.eventSource === 'iam.amazonaws.com') {
    if (change.resource === config.switchRole.name || change.resource === CHANGE_FORWARDER_ROLE_NAME) return { kind: 'account', accountId: change.account, change };
    return { kind: 'ignore', reason: `role ${change.resource} is not the service's`, change };
  }
  return { kind: 'ignore', reason: `${change.eventSource} ${change.eventName} is not a change the service watches`, change };
}
