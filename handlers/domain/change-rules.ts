/**
 * The change rules of a member account (pure): the EventBridge rules onboarding installs in each
 * member account so that changes to the service's trail and switch role reach the orchestrator's
 * event bus, and the role EventBridge forwards them with.
 *
 * What AWS delivers, and where (these limits shape the rules):
 * - "AWS API Call via CloudTrail" events reach the default bus of the account and region where the
 *   call was made, only while a trail logs management events there, on a best-effort basis. Read-only
 *   calls (Get, List, Describe) are not sent.
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * - IAM is a global service: its events are delivered in US East (N. Virginia) only (aws partition).
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html
 * - CloudTrail's own calls on a trail are made in (and delivered to) the trail's home region.
 *
 * So there are two rules: one in the home region for the trail, one in us-east-1 for the roles. Both
 * forward the matching event whole to the orchestrator's bus, in another account and possibly another
 * region, with a role: a bus that admits the organization (`aws:PrincipalOrgID`) requires one.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
 *
 * Not watched by event: the rules themselves (a deleted or disabled rule cannot report its own
 * change); the fleet reconcile verifies them with everything else (ChangeRule* drift items).
 */
import type { RuntimeConfig } from '../shared/config';
import { organizationTrailArn } from './arns';
import { isOwnedByService, OWNERSHIP_TAG, type Tag } from './ownership';
import { POLICY_VERSION, type PolicyDocument } from './policy-document';
import type { RoleSpec } from './roles';
import type { DriftItem } from './drift';

/** Names of the two rules (on the member account's default bus). */
export const CHANGE_RULE_NAMES = { trail: 'cloudtrail-onboarding-trail-changes', roles: 'cloudtrail-onboarding-role-changes' } as const;

/** The role the rules forward with, in each member account. */
export const CHANGE_FORWARDER_ROLE_NAME = 'CloudTrailOnboarding-ChangeForwarder';

/** Its one inline policy. */
export const CHANGE_FORWARDER_POLICY_NAME = 'ForwardChangesToOnboardingBus';

/** Id of the one target of each rule. */
export const CHANGE_RULE_TARGET_ID = 'onboarding-bus';

/** The detail-type of the events. */
export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** CloudTrail calls that change what a trail records or where it delivers. */
export const TRAIL_CHANGE_EVENTS = ['DeleteTrail', 'PutEventSelectors', 'RemoveTags', 'StopLogging', 'UpdateTrail'] as const;

/** IAM calls that change a role: deletion, trust, policies, settings, boundary, tags. */
export const ROLE_CHANGE_EVENTS = [
  'AttachRolePolicy',
  'DeleteRole',
  'DeleteRolePermissionsBoundary',
  'DeleteRolePolicy',
  'DetachRolePolicy',
  'PutRolePermissionsBoundary',
  'PutRolePolicy',
  'TagRole',
  'UntagRole',
  'UpdateAssumeRolePolicy',
  'UpdateRole',
] as const;

/**
 * The region IAM's events are delivered in, per partition (IAM's control plane region).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html
 */
export function iamEventsRegion(partition: string): string {
  if (partition === 'aws-cn') return 'cn-north-1';
  if (partition === 'aws-us-gov') return 'us-gov-west-1';
  return 'us-east-1';
}

/** An EventBridge rule as the service wants it. */
export interface ChangeRuleSpec {
  readonly region: string;
  readonly name: string;
  readonly description: string;
  /** The event pattern (compared as parsed JSON). */
  readonly eventPattern: Record<string, unknown>;
  readonly target: { readonly id: string; readonly arn: string; readonly roleArn: string };
  readonly tags: Tag[];
}

/** A rule as read from EventBridge (DescribeRule, ListTargetsByRule, ListTagsForResource). */
export interface ObservedChangeRule {
  readonly arn: string;
  readonly state: string;
  readonly eventPattern?: string;
  readonly description?: string;
  readonly targets: readonly { readonly id: string; readonly arn: string; readonly roleArn?: string }[];
  readonly tags: readonly Tag[];
}

/** Whether change rules can be installed: they need an organization (the bus admits it) and the bus. */
export function changeRulesEnabled(config: RuntimeConfig): config is RuntimeConfig & { onboardingBusArn: string; organizationId: string } {
  return Boolean(config.organizationId && config.onboardingBusArn);
}

/** The forwarder role's ARN in `accountId`. */
export function changeForwarderRoleArn(config: Pick<RuntimeConfig, 'partition'>, accountId: string): string {
  return `arn:${config.partition}:iam::${accountId}:role/${CHANGE_FORWARDER_ROLE_NAME}`;
}

/** Rule ARN on the default bus. */
function ruleArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:events:${region}:${accountId}:rule/${name}`;
}

/** A trail named by name or by ARN (requests take either). */
function trailNamed(trailName: string): unknown[] {
  return [trailName, { suffix: `:trail/${trailName}` }];
}

/**
 * The event pattern of CloudTrail's calls that change a trail ({@link TRAIL_CHANGE_EVENTS}), for the
 * trail named by any of `named` (pattern values: names, ARNs, suffix matches) and, in RemoveTags, by
 * any of `resourceIds` (RemoveTags names a trail by its ARN only). StopLogging, DeleteTrail,
 * UpdateTrail carry the trail as `name`; PutEventSelectors as `trailName`; RemoveTags as `resourceId`.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_RemoveTags.html
 */
export function trailChangeEventPattern(named: readonly unknown[], resourceIds: readonly unknown[]): Record<string, unknown> {
  return {
    source: ['aws.cloudtrail'],
    'detail-type': [API_CALL_DETAIL_TYPE],
    detail: {
      eventSource: ['cloudtrail.amazonaws.com'],
      eventName: [...TRAIL_CHANGE_EVENTS],
      $or: [{ requestParameters: { name: [...named] } }, { requestParameters: { trailName: [...named] } }, { requestParameters: { resourceId: [...resourceIds] } }],
    },
  };
}

/**
 * The organization trail the CloudTrail delegated administrator `accountId` manages, when it is one:
 * with `trailMode` `organization` and the service's own trail, changes made from that account (which
 * names the trail by the management account's ARN) are delivered to its own default bus, so its trail
 * rule also forwards those. Undefined for every other account.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
 */
function delegatedOrganizationTrailArn(config: RuntimeConfig, accountId: string): string | undefined {
  const org = config.organizationTrail;
  if (config.trailMode !== 'organization' || org.arn || org.delegatedAdministratorAccountId !== accountId) return undefined;
  return organizationTrailArn(config);
}

/** The two rules of `accountId` (both in us-east-1 when that is the home region: they have different names). */
export function desiredChangeRules(config: RuntimeConfig & { onboardingBusArn: string }, accountId: string): ChangeRuleSpec[] {
  const p = config.partition;
  const target = { id: CHANGE_RULE_TARGET_ID, arn: config.onboardingBusArn, roleArn: changeForwarderRoleArn(config, accountId) };
  const tags = [{ ...OWNERSHIP_TAG }];
  const delegated = delegatedOrganizationTrailArn(config, accountId);
  const organizationTrail = delegated ? [delegated] : [];
  return [
    {
      region: config.homeRegion,
      name: CHANGE_RULE_NAMES.trail,
      description: `Forwards changes to trail ${config.trailName}${delegated ? ` and organization trail ${delegated}` : ''} to the CloudTrail onboarding service. Managed by cloudtrail-onboarding.`,
      // The service's trail by name or ARN (and, in the delegated administrator, the organization trail by its ARN).
      eventPattern: trailChangeEventPattern([...trailNamed(config.trailName), ...organizationTrail], [{ suffix: `:trail/${config.trailName}` }, ...organizationTrail]),
      target,
      tags,
    },
    {
      region: iamEventsRegion(p),
      name: CHANGE_RULE_NAMES.roles,
      description: `Forwards changes to role ${config.switchRole.name} to the CloudTrail onboarding service. Managed by cloudtrail-onboarding.`,
      eventPattern: {
        source: ['aws.iam'],
        'detail-type': [API_CALL_DETAIL_TYPE],
        detail: {
          eventSource: ['iam.amazonaws.com'],
          eventName: [...ROLE_CHANGE_EVENTS],
          requestParameters: { roleName: [...new Set([config.switchRole.name, CHANGE_FORWARDER_ROLE_NAME])].sort() },
        },
      },
      target,
      tags,
    },
  ];
}

/**
 * The forwarder role of `accountId`: EventBridge may assume it only for the two rules of that
 * account (confused-deputy protection), and it may only put events on the onboarding bus.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
 */
export function desiredChangeForwarderRole(config: RuntimeConfig & { onboardingBusArn: string }, accountId: string): RoleSpec {
  const rules = desiredChangeRules(config, accountId).map((r) => ruleArn(config.partition, r.region, accountId, r.name));
  const trust: PolicyDocument = {
    Version: POLICY_VERSION,
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId }, ArnEquals: { 'aws:SourceArn': rules.sort() } },
      },
    ],
  };
  return {
    roleName: CHANGE_FORWARDER_ROLE_NAME,
    path: '/',
    description: 'EventBridge forwards changes to the CloudTrail onboarding trail and switch role with this role. Managed by cloudtrail-onboarding; changes are reverted.',
    trustPolicy: trust,
    maxSessionDuration: 3600,
    managedPolicyArns: [],
    inlinePolicies: {
      [CHANGE_FORWARDER_POLICY_NAME]: {
        Version: POLICY_VERSION,
        Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: config.onboardingBusArn }],
      },
    },
    tags: [{ ...OWNERSHIP_TAG }],
  };
}

/** What to do with one rule. */
export type ChangeRulePlan =
  | { readonly action: 'none' }
  | { readonly action: 'conflict'; readonly reason: string }
  | { readonly action: 'create' }
  | { readonly action: 'update'; readonly putRule: boolean; readonly putTarget: boolean; readonly removeTargets: readonly string[]; readonly enable: boolean };

/** JSON with sorted keys, for comparing patterns. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The pattern text, or undefined when it is not JSON. */
function parsedPattern(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Compares a rule with its spec. A rule of that name without the ownership tag is a conflict (it is
 * someone else's); extra targets on the service's rule are removed (they would receive every
 * forwarded change, which is widening).
 */
export function planChangeRule(observed: ObservedChangeRule | undefined, desired: ChangeRuleSpec): ChangeRulePlan {
  if (!observed) return { action: 'create' };
  const owned = isOwnedByService(observed.tags);
  if (!owned) return { action: 'conflict', reason: `rule ${desired.name} exists without the tag ${OWNERSHIP_TAG.Key}=${OWNERSHIP_TAG.Value}` };
  const putRule = canonical(parsedPattern(observed.eventPattern)) !== canonical(desired.eventPattern) || observed.description !== desired.description;
  const mine = observed.targets.find((t) => t.id === desired.target.id);
  const putTarget = !mine || mine.arn !== desired.target.arn || mine.roleArn !== desired.target.roleArn;
  const removeTargets = observed.targets.filter((t) => t.id !== desired.target.id).map((t) => t.id);
  const enable = observed.state !== 'ENABLED';
  if (!putRule && !putTarget && removeTargets.length === 0 && !enable) return { action: 'none' };
  return { action: 'update', putRule, putTarget, removeTargets, enable };
}

/** The drift a rule plan describes (resource `changeRules`). */
export function changeRuleDrift(plan: ChangeRulePlan, spec: ChangeRuleSpec): DriftItem[] {
  const item = (code: string, what: string): DriftItem => ({ resource: 'changeRules', code, detail: `Rule ${spec.name} (${spec.region}) ${what}.` });
  switch (plan.action) {
    case 'none':
    case 'conflict':
      return [];
    case 'create':
      return [item('ChangeRuleMissing', 'does not exist')];
    case 'update':
      return [
        ...(plan.enable ? [item('ChangeRuleDisabled', 'is disabled')] : []),
        ...(plan.putRule ? [item('ChangeRuleChanged', 'has another event pattern or description')] : []),
        ...(plan.putTarget ? [item('ChangeRuleTargetChanged', 'does not forward to the onboarding bus with the forwarder role')] : []),
        ...(plan.removeTargets.length ? [item('ChangeRuleTargetAdded', `has other targets (${plan.removeTargets.join(', ')})`)] : []),
      ];
  }
}
