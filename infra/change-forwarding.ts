/**
 * The log-archive account's change rules: EventBridge rules on its default bus that forward changes
 * to the central bucket's policy, the central key (policy, disable, deletion) and the reader roles to
 * the orchestrator's bus, where StartFromChange reconciles (handlers/start/changes.ts).
 *
 * The bucket and the key live in the home region (LogArchive stack); IAM's events arrive in
 * us-east-1 only (https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html), so
 * the reader-role rule is in a stack of its own there (LogArchiveRoleEvents). One forwarder role, made
 * by the LogArchive stack, serves the three rules: EventBridge may assume it only for them, and it may
 * only put events on the onboarding bus. The names are fixed (names.ts), so the second stack names
 * the role by ARN and the role's trust names the rules by ARN.
 *
 * And, in `trailMode` `organization`, the management account's rule on the organization trail
 * ({@link addOrganizationTrailChangeRule}).
 *
 * These rules see events only while a trail logs write management events in the log-archive account
 * (its own, or an organization trail): without one, the fleet reconcile is the only detection
 * (README "Known limits").
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 */
import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ROLE_CHANGE_EVENTS, iamEventsRegion, trailChangeEventPattern } from '../handlers/domain/change-rules';
import { AppConfig, onboardingBusArn, orchestratorAccount, organizationTrailArnOf, PARTITION } from './config';
import { ORGANIZATIONS_EVENTS_REGION, ROLE_NAME_PREFIX, SHARED_READER_ROLE_NAME } from './names';

/** The forwarder role of the log-archive account's change rules. */
export const LOG_ARCHIVE_FORWARDER_ROLE_NAME = `${ROLE_NAME_PREFIX}LogArchiveChangeForwarder`;

/** The rules' names (default bus of the log-archive account). */
export const LOG_ARCHIVE_CHANGE_RULE_NAMES = {
  bucketPolicy: 'cloudtrail-onboarding-bucket-policy-changes',
  key: 'cloudtrail-onboarding-key-changes',
  readerRoles: 'cloudtrail-onboarding-reader-role-changes',
} as const;

/** S3 calls that replace or remove the bucket policy. */
export const BUCKET_POLICY_CHANGE_EVENTS = ['DeleteBucketPolicy', 'PutBucketPolicy'] as const;

/** KMS calls that change what the key allows or whether it works. */
export const KEY_CHANGE_EVENTS = ['DisableKey', 'PutKeyPolicy', 'ScheduleKeyDeletion'] as const;

const API_CALL = 'AWS API Call via CloudTrail';

/** ARN of a rule on the log-archive account's default bus. */
function ruleArn(cfg: AppConfig, region: string, name: string): string {
  return `arn:${PARTITION}:events:${region}:${cfg.logArchiveAccountId}:rule/${name}`;
}

/** ARN of the forwarder role. */
export function logArchiveForwarderRoleArn(cfg: Pick<AppConfig, 'logArchiveAccountId'>): string {
  return `arn:${PARTITION}:iam::${cfg.logArchiveAccountId}:role/${LOG_ARCHIVE_FORWARDER_ROLE_NAME}`;
}

/** The onboarding bus, as a rule target with the forwarder role (the bus imported once per stack). */
function busTarget(stack: Stack, cfg: AppConfig, role: iam.IRole): targets.EventBus {
  const bus = (stack.node.tryFindChild('OnboardingBus') as events.IEventBus | undefined) ?? events.EventBus.fromEventBusArn(stack, 'OnboardingBus', onboardingBusArn(cfg));
  return new targets.EventBus(bus, { role });
}

/**
 * In the LogArchive stack: the forwarder role, and the rules on the bucket policy and the key.
 * `keyArn`: the key's ARN (a created key's), or undefined when the configuration names it by alias:
 * KMS events name the key by its ARN in `resources`, so every key of the account is matched then.
 */
export function addSharedChangeRules(stack: Stack, cfg: AppConfig, bucketName: string, keyArn: string | undefined): iam.Role {
  const region = cfg.homeRegion;
  const role = new iam.Role(stack, 'ChangeForwarderRole', {
    roleName: LOG_ARCHIVE_FORWARDER_ROLE_NAME,
    description: 'EventBridge forwards changes to the central bucket policy, key and reader roles to the CloudTrail onboarding bus with this role.',
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': cfg.logArchiveAccountId },
        ArnEquals: {
          'aws:SourceArn': [
            ruleArn(cfg, region, LOG_ARCHIVE_CHANGE_RULE_NAMES.bucketPolicy),
            ruleArn(cfg, region, LOG_ARCHIVE_CHANGE_RULE_NAMES.key),
            ruleArn(cfg, iamEventsRegion(PARTITION), LOG_ARCHIVE_CHANGE_RULE_NAMES.readerRoles),
          ],
        },
      },
    }),
    inlinePolicies: {
      PutEventsOnOnboardingBus: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [onboardingBusArn(cfg)] })],
      }),
    },
  });
  new events.Rule(stack, 'BucketPolicyChangesRule', {
    ruleName: LOG_ARCHIVE_CHANGE_RULE_NAMES.bucketPolicy,
    description: 'The central bucket\'s policy was replaced or deleted: the CloudTrail onboarding service re-renders its statements.',
    eventPattern: {
      source: ['aws.s3'],
      detailType: [API_CALL],
      detail: { eventSource: ['s3.amazonaws.com'], eventName: [...BUCKET_POLICY_CHANGE_EVENTS], requestParameters: { bucketName: [bucketName] } },
    },
    targets: [busTarget(stack, cfg, role)],
  });
  new events.Rule(stack, 'KeyChangesRule', {
    ruleName: LOG_ARCHIVE_CHANGE_RULE_NAMES.key,
    description: 'The central key\'s policy was replaced, or the key disabled or scheduled for deletion: the CloudTrail onboarding service repairs it.',
    eventPattern: {
      source: ['aws.kms'],
      detailType: [API_CALL],
      detail: { eventSource: ['kms.amazonaws.com'], eventName: [...KEY_CHANGE_EVENTS], ...(keyArn ? { resources: { ARN: [keyArn] } } : {}) },
    },
    targets: [busTarget(stack, cfg, role)],
  });
  return role;
}

/** In the LogArchiveRoleEvents stack (us-east-1): the rule on the reader roles. */
export function addReaderRoleChangeRule(stack: Stack, cfg: AppConfig): void {
  const role = iam.Role.fromRoleArn(stack, 'ChangeForwarderRole', logArchiveForwarderRoleArn(cfg), { mutable: false });
  new events.Rule(stack, 'ReaderRoleChangesRule', {
    ruleName: LOG_ARCHIVE_CHANGE_RULE_NAMES.readerRoles,
    description: 'A CloudTrail log reader role was changed or deleted: the CloudTrail onboarding service repairs it.',
    eventPattern: {
      source: ['aws.iam'],
      detailType: [API_CALL],
      // The per-account roles by prefix; in shared mode also the shared reader role by name (any change
      // to it is found by the next run's verification, which reports or fails on it).
      detail: {
        eventSource: ['iam.amazonaws.com'],
        eventName: [...ROLE_CHANGE_EVENTS],
        requestParameters: { roleName: [{ prefix: cfg.readerRoleNamePrefix }, ...(cfg.readerAccess.mode === 'shared' ? [SHARED_READER_ROLE_NAME] : [])] },
      },
    },
    targets: [busTarget(stack, cfg, role)],
  });
}

/** The organization trail's change rule (default bus of the management account, the trail's home region). */
export const ORGANIZATION_TRAIL_CHANGE_RULE_NAME = 'cloudtrail-onboarding-organization-trail-changes';

/** The role that rule forwards with (management account). */
export const ORGANIZATION_TRAIL_FORWARDER_ROLE_NAME = `${ROLE_NAME_PREFIX}OrganizationTrailChangeForwarder`;

/**
 * Which stack of the app holds the organization trail's change rule (`trailMode` `organization`). The
 * calls that change an organization trail are made in its home region (StopLogging, UpdateTrail, ...
 * "must be called from the Region in which the trail was created":
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html), and their events
 * reach the default bus of the account and region of the call
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html): the
 * management account, which owns the trail, in that region. The Orchestrator stack is there when the
 * orchestrator runs in the management account (which organization mode requires) and the trail is
 * homed in the home region (the service's own trail always is); the ManagementEvents stack when it is
 * homed in us-east-1 (a trail given by ARN, e.g. Control Tower's). Undefined otherwise (account mode, or
 * a given trail homed in a third region: its changes are found by the fleet reconcile only).
 */
export function organizationTrailChangeRuleStack(cfg: AppConfig): 'orchestrator' | 'managementEvents' | undefined {
  const trailArn = organizationTrailArnOf(cfg);
  if (!trailArn || !cfg.organizationId) return undefined;
  const region = trailArn.split(':')[3];
  if (orchestratorAccount(cfg) === cfg.managementAccountId && region === cfg.homeRegion) return 'orchestrator';
  if (region === ORGANIZATIONS_EVENTS_REGION) return 'managementEvents';
  return undefined;
}

/**
 * In the stack {@link organizationTrailChangeRuleStack} names (management account, the trail's home
 * region): a rule on the default bus that forwards the CloudTrail calls changing the organization trail
 * (StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors, RemoveTags; the trail by name or ARN) to
 * the onboarding bus, where StartFromChange starts one reconcile run of it (handlers/start/changes.ts),
 * and the role it forwards with: EventBridge may assume it only for this rule, and it may only put
 * events on the onboarding bus. For the service's own trail and for one given by `organizationTrail.arn`
 * alike: the first is repaired, the second only reported. Changes made from a CloudTrail delegated
 * administrator arrive in that account and are forwarded by its own change rule
 * (handlers/domain/change-rules.ts), when it is onboarded.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-bus-to-bus.html
 */
export function addOrganizationTrailChangeRule(stack: Stack, cfg: AppConfig, bus: events.IEventBus): events.Rule {
  const trailArn = organizationTrailArnOf(cfg);
  if (!trailArn) throw new Error(`addOrganizationTrailChangeRule: trailMode is ${JSON.stringify(cfg.trailMode)}; the organization trail's rule exists only with "organization"`);
  const trailName = trailArn.slice(trailArn.lastIndexOf('/') + 1);
  const ruleArn = `arn:${PARTITION}:events:${stack.region}:${stack.account}:rule/${ORGANIZATION_TRAIL_CHANGE_RULE_NAME}`;
  const role = new iam.Role(stack, 'OrganizationTrailChangeForwarderRole', {
    roleName: ORGANIZATION_TRAIL_FORWARDER_ROLE_NAME,
    description: `EventBridge forwards changes to the organization trail ${trailName} to the CloudTrail onboarding bus with this role.`,
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': ruleArn } },
    }),
  });
  // The EventBus target grants the role events:PutEvents on that bus, and nothing else.
  const pattern = trailChangeEventPattern([trailName, trailArn], [trailArn]);
  return new events.Rule(stack, 'OrganizationTrailChangesRule', {
    ruleName: ORGANIZATION_TRAIL_CHANGE_RULE_NAME,
    description: `The organization trail ${trailName} was stopped, deleted, updated, narrowed or lost tags: the CloudTrail onboarding service reconciles it.`,
    eventPattern: { source: pattern.source as string[], detailType: pattern['detail-type'] as string[], detail: pattern.detail as Record<string, unknown> },
    targets: [new targets.EventBus(bus, { role })],
  });
}
