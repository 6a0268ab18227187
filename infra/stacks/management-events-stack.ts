/**
 * Management-events stack (management account, us-east-1): forwards the Organizations
 * CreateAccountResult SUCCEEDED event from the default bus to the orchestrator's
 * `cloudtrail-onboarding` bus (orchestrator account, home region), and the other ways in and out
 * (infra/names.ts FORWARD_ACCOUNT_EVENT_RULES: an account joined, moved, vended; removed, closed,
 * departed -- those start its offboarding).
 *
 * Organizations events are delivered only to the management account's default bus in us-east-1, so
 * this stack is deployed whenever an organization is configured -- also when the orchestrator is the
 * management account but its home region is another one. When the orchestrator IS the management
 * account in us-east-1, it is deployed all the same (same account and region: the rule forwards from
 * the default bus to the onboarding bus): one path for the event in every layout, and the onboarding
 * bus's rule is the only place that starts executions from events.
 *
 * An event the rule cannot deliver lands in the forwarder's dead-letter queue, and the account it names
 * is not onboarded: an alarm on that queue publishes to an encrypted topic of this stack, which the
 * configured `notifications.emails` subscribe to.
 *
 * With `prevention`, it also creates the service control policy that keeps the service's trail and switch
 * role as the service set them: see {@link preventionPolicyContent}. In `trailMode` `organization` with a
 * trail given by ARN homed in us-east-1, it also forwards that trail's changes (infra/change-forwarding.ts).
 */
import { Annotations, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHANGE_FORWARDER_ROLE_NAME, CHANGE_RULE_NAMES } from '../../handlers/domain/change-rules';
import { AppConfig, ORGANIZATION_ACCESS_ROLE_NAME, orchestratorAccount, PARTITION, PREVENTION_POLICY_NAME } from '../config';
import { acknowledge, wildcardResourceFinding } from '../nag';
import { addOrganizationTrailChangeRule, organizationTrailChangeRuleStack } from '../change-forwarding';
import { DEFAULT_ORGANIZATION_TRAIL_NAME } from '../../handlers/shared/config';
import { acknowledgeOrganizationsListing, organizationsListingStatements } from '../organizations-listing';

/** The orchestrator's functions that read Organizations through the OrganizationsRead role. */
const ORGANIZATIONS_READERS = ['ValidateRequest', 'ReconcileFleet', 'StartFromEvent'] as const;
import { notificationsTopic, type NotificationsTopic } from '../notifications-topic';
import { CREATE_ACCOUNT_SUCCEEDED_PATTERN, FORWARD_ACCOUNT_EVENT_RULES, FORWARD_RULE_NAME, FORWARDER_ROLE_NAME, ONBOARDING_BUS_NAME, ORGANIZATIONS_READ_ROLE_NAME, ROLE_NAME_PREFIX } from '../names';
import { acknowledgeAccountPath, accountPathStatements } from '../scope-grants';

/**
 * Maximum size of a service control policy document: 5,120 characters, every character counted
 * (white space included when the policy is saved through the API, as CloudFormation does). One version
 * of the quota page says 5,120 bytes: the document is ASCII, so both readings are the same number.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_scp-syntax.html
 */
export const SCP_MAX_CHARACTERS = 5120;

/** What changes a trail: logging, deletion, its settings, what it records, its tags. */
export const PROTECTED_TRAIL_ACTIONS = [
  'cloudtrail:StopLogging',
  'cloudtrail:DeleteTrail',
  'cloudtrail:UpdateTrail',
  'cloudtrail:PutEventSelectors',
  'cloudtrail:PutInsightSelectors',
  'cloudtrail:RemoveTags',
] as const;

/** What changes a role: deletion, trust, inline and managed policies, settings, boundary, tags. */
export const PROTECTED_ROLE_ACTIONS = [
  'iam:DeleteRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:UpdateRole',
  'iam:DeleteRolePermissionsBoundary',
  'iam:PutRolePermissionsBoundary',
  'iam:TagRole',
  'iam:UntagRole',
] as const;

/** What changes or silences a change rule: deletion, disabling, its pattern, its targets, its tags. */
export const PROTECTED_RULE_ACTIONS = ['events:DeleteRule', 'events:DisableRule', 'events:PutRule', 'events:PutTargets', 'events:RemoveTargets', 'events:UntagResource'] as const;

/**
 * The service control policy of `prevention` (a pure function of the configuration): in the member
 * accounts it is attached to, every principal but the member-access role -- the role the service acts
 * through there -- is denied the changes to the service's trail, its switch role, and what reports
 * changes to them (the change rules and their forwarder role). The same pattern as
 * AWS Control Tower's "Disallow Configuration Changes to CloudTrail" control, which exempts its own
 * execution role by `aws:PrincipalArn`.
 *
 * - SCPs take `Resource` and `Condition` in Deny statements; an SCP names no `Principal`, so the
 *   exemption is a condition on `aws:PrincipalArn` (the role's ARN, for a session of the role), with
 *   `ArnNotLike` and `*` for the account: the same role name in every member account.
 *   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_scp-syntax.html
 * - SCPs do not affect users or roles in the management account, whatever they are attached to: the
 *   management account's own trail and switch role (when it is onboarded) are not protected.
 *   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
 * - Service principals (CloudTrail delivering, CloudFormation StackSets' service-managed roles) are
 *   not restricted by SCPs; nothing the service needs from them is denied here anyway.
 * - The organization trail (`trailMode` `organization`) is changed from the management account, which
 *   no SCP restricts, or from the CloudTrail delegated administrator, a member account, which an SCP
 *   does. So with `organizationTrail.delegatedAdministratorAccountId` (the service's own trail) the
 *   policy also denies the trail's changes there to all but the member-access role, through which the
 *   service manages it: `ProtectOrganizationTrail`, on the trail's name in any account and region (AWS
 *   does not document which of the management account's ARN or the delegated administrator's own
 *   account the request is authorized on). Without one, only the management account can change the
 *   trail, and a statement would protect nothing. A trail given by `organizationTrail.arn` is not the
 *   service's to protect (Control Tower protects its own).
 *   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
 */
export function preventionPolicyContent(
  cfg: Pick<AppConfig, 'trailName' | 'switchRole' | 'memberAccessRoleName'> & Partial<Pick<AppConfig, 'trailMode' | 'organizationTrail'>>,
): {
  Version: '2012-10-17';
  Statement: { Sid: string; Effect: 'Deny'; Action: string[]; Resource: string | string[]; Condition: { ArnNotLike: { 'aws:PrincipalArn': string } } }[];
} {
  const exceptTheService = { ArnNotLike: { 'aws:PrincipalArn': `arn:${PARTITION}:iam::*:role/${cfg.memberAccessRoleName}` } };
  const org = cfg.trailMode === 'organization' ? cfg.organizationTrail : undefined;
  const delegatedOrganizationTrail = org?.delegatedAdministratorAccountId && !org.arn ? (org.name ?? DEFAULT_ORGANIZATION_TRAIL_NAME) : undefined;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ProtectOnboardingTrail',
        Effect: 'Deny',
        Action: [...PROTECTED_TRAIL_ACTIONS],
        // Every region: the trail is multi-region, and its home region is where it is changed.
        Resource: `arn:${PARTITION}:cloudtrail:*:*:trail/${cfg.trailName}`,
        Condition: exceptTheService,
      },
      {
        Sid: 'ProtectOnboardingSwitchRole',
        Effect: 'Deny',
        Action: [...PROTECTED_ROLE_ACTIONS],
        Resource: [`arn:${PARTITION}:iam::*:role/${cfg.switchRole.name}`, `arn:${PARTITION}:iam::*:role/${CHANGE_FORWARDER_ROLE_NAME}`],
        Condition: exceptTheService,
      },
      {
        Sid: 'ProtectOnboardingChangeRules',
        Effect: 'Deny',
        Action: [...PROTECTED_RULE_ACTIONS],
        Resource: Object.values(CHANGE_RULE_NAMES).map((name) => `arn:${PARTITION}:events:*:*:rule/${name}`),
        Condition: exceptTheService,
      },
      ...(delegatedOrganizationTrail
        ? [
            {
              Sid: 'ProtectOrganizationTrail',
              Effect: 'Deny' as const,
              Action: [...PROTECTED_TRAIL_ACTIONS],
              Resource: `arn:${PARTITION}:cloudtrail:*:*:trail/${delegatedOrganizationTrail}`,
              Condition: exceptTheService,
            },
          ]
        : []),
    ],
  };
}

/** Properties of {@link ManagementEventsStack}. */
export interface ManagementEventsStackProps extends StackProps {
  /** The validated deployment configuration. */
  readonly config: AppConfig;
}

/** The forwarder of the account-created event. */
export class ManagementEventsStack extends Stack {
  /** ARN of the orchestrator bus events are forwarded to. */
  public readonly targetBusArn: string;
  /** Where the alarm on the forwarder's dead-letter queue is announced (`notifications.emails` subscribe). */
  public readonly alarmTopic: sns.Topic;
  /** The service control policy of `prevention`; absent without it. */
  public readonly preventionPolicy?: organizations.CfnPolicy;
  private readonly alarmTopicPublishing: NotificationsTopic;

  constructor(scope: Construct, id: string, props: ManagementEventsStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    this.targetBusArn = `arn:${this.partition}:events:${cfg.homeRegion}:${orchestratorAccount(cfg)}:event-bus/${ONBOARDING_BUS_NAME}`;
    const bus = events.EventBus.fromEventBusArn(this, 'OnboardingBus', this.targetBusArn);

    // Known before the rule exists, so the role's trust can name it (confused-deputy protection).
    const ruleArn = `arn:${this.partition}:events:${this.region}:${this.account}:rule/${FORWARD_RULE_NAME}`;
    // The other ways in (an account joined, moved, vended by Control Tower) have a rule each (infra/names.ts).
    const ruleArns = [ruleArn, ...FORWARD_ACCOUNT_EVENT_RULES.map((r) => `arn:${this.partition}:events:${this.region}:${this.account}:rule/${r.ruleName}`)];
    const role = new iam.Role(this, 'ForwarderRole', {
      roleName: FORWARDER_ROLE_NAME,
      description: 'EventBridge forwards the Organizations account-created event to the CloudTrail onboarding bus with this role.',
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': ruleArns } },
      }),
      inlinePolicies: {
        PutEventsOnOnboardingBus: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.targetBusArn] })],
        }),
      },
    });

    // ---- what ValidateRequest reads Organizations through when the orchestrator is another account
    if (orchestratorAccount(cfg) !== cfg.managementAccountId && !cfg.organizationsRoleArn && cfg.organizationId) {
      const orchestrator = orchestratorAccount(cfg);
      const accounts = `arn:${this.partition}:organizations::${cfg.managementAccountId}:account/${cfg.organizationId}/*`;
      const org = { partition: this.partition, managementAccountId: cfg.managementAccountId, organizationId: cfg.organizationId };
      const readRole = new iam.Role(this, 'OrganizationsReadRole', {
        roleName: ORGANIZATIONS_READ_ROLE_NAME,
        description: 'Assumed by the CloudTrail onboarding service (ValidateRequest, ReconcileFleet) to read the organization in Organizations.',
        // Only the ValidateRequest role of the orchestrator, and ReconcileFleet's, whose backfill lists the
        // OU tree (a principal ARN condition: IAM refuses a trust policy naming a role that does not exist
        // yet, so the stacks deploy in any order).
        assumedBy: new iam.AccountPrincipal(orchestrator).withConditions({
          ArnEquals: { 'aws:PrincipalArn': ORGANIZATIONS_READERS.map((name) => `arn:${this.partition}:iam::${orchestrator}:role/${ROLE_NAME_PREFIX}${name}`) },
        }),
        maxSessionDuration: Duration.hours(1),
        inlinePolicies: {
          DescribeAccounts: new iam.PolicyDocument({
            statements: [new iam.PolicyStatement({ sid: 'DescribeAccounts', actions: ['organizations:DescribeAccount'], resources: [accounts] })],
          }),
          ListOrganizationTree: new iam.PolicyDocument({ statements: organizationsListingStatements(org) }),
          // The scope check of ValidateRequest and StartFromEvent (only when the scope names OUs: infra/scope-grants.ts).
          ...(accountPathStatements({ ...org, scope: cfg.scope }).length
            ? { ReadAccountPath: new iam.PolicyDocument({ statements: accountPathStatements({ ...org, scope: cfg.scope }) }) }
            : {}),
        },
      });
      acknowledgeOrganizationsListing(readRole, org);
      if (accountPathStatements({ ...org, scope: cfg.scope }).length) acknowledgeAccountPath(readRole, { ...org, scope: cfg.scope });
      acknowledge(
        readRole,
        wildcardResourceFinding(readRole, accounts),
        'ValidateRequest describes the account being onboarded, not known at deploy time; limited to DescribeAccount on accounts of this one organization.',
      );
    }

    const dlq = new sqs.Queue(this, 'ForwardDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks the queue as a dead-letter queue ([CT.SQS.PR.1]: every queue has a DLQ or is one). allowAll
      // is SQS's behaviour when a queue has no redrive-allow policy, made explicit; EventBridge writes to
      // it directly, no source queue redrives into it.
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    acknowledge(
      dlq,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the forwarding rule (e.g. events sent before the orchestrator bus existed); it is alarmed on and read by an operator.',
    );

    new events.Rule(this, 'ForwardAccountCreatedRule', {
      ruleName: FORWARD_RULE_NAME,
      description: 'Forwards CreateAccountResult SUCCEEDED to the CloudTrail onboarding bus in the orchestrator account.',
      eventPattern: CREATE_ACCOUNT_SUCCEEDED_PATTERN,
      targets: [new targets.EventBus(bus, { role, deadLetterQueue: dlq })],
    });
    // The other ways in, from this account's default bus in us-east-1. Control Tower's lifecycle events come
    // in its home region: this rule sees them only when that is us-east-1 (README "Known limits").
    for (const r of FORWARD_ACCOUNT_EVENT_RULES) {
      new events.Rule(this, r.id, {
        ruleName: r.ruleName,
        description: `Forwards ${r.what} to the CloudTrail onboarding bus in the orchestrator account.`,
        eventPattern: r.pattern,
        targets: [new targets.EventBus(bus, { role, deadLetterQueue: dlq })],
      });
    }
    // trailMode organization with a trail given by ARN homed in us-east-1 (e.g. Control Tower's): its changes
    // arrive here, on this account's default bus (infra/change-forwarding.ts organizationTrailChangeRuleStack).
    if (organizationTrailChangeRuleStack(cfg) === 'managementEvents') addOrganizationTrailChangeRule(this, cfg, bus);

    // ---- an event in the dead-letter queue is a new account that will not be onboarded: tell people.
    // The alarm publishes to a topic of this account and region (an alarm's SNS action is a topic of its
    // own account), which the configured notifications.emails subscribe to.
    const emails = cfg.notifications?.emails ?? [];
    this.alarmTopicPublishing = notificationsTopic(this, {
      ids: { key: 'ForwarderAlarmsKey', topic: 'ForwarderAlarms' },
      alias: 'alias/cloudtrail-onboarding-forwarder-alarms',
      displayName: 'CloudTrail onboarding forwarder',
      description: 'the CloudTrail onboarding forwarder alarms topic',
      emails,
    });
    this.alarmTopic = this.alarmTopicPublishing.topic;
    if (!emails.length) {
      Annotations.of(this.alarmTopic).addWarningV2(
        'cloudtrail-onboarding:forwarderAlarmsWithoutSubscribers',
        'notifications.emails is empty: the alarm on the forwarder\'s dead-letter queue (a new account that will not be onboarded) ' +
          'publishes to this topic, which nobody is subscribed to. Configure notifications.emails, or subscribe to the topic yourself.',
      );
    }
    const dlqAlarm = new cloudwatch.Alarm(this, 'ForwardDeadLettersAlarm', {
      alarmDescription:
        `An Organizations account event could not be forwarded to the onboarding bus ${this.targetBusArn}: that account will not be ` +
        `onboarded (or, for a departure, offboarded) until someone acts. Read the event in the dead-letter queue of this alarm (management account, ${this.region}; the message ` +
        'attributes name the error), fix the cause (usually the bus or its policy in the orchestrator account), start the onboarding of the ' +
        'account it names (onboard start <account-id>, or POST /accounts; a departure: onboard offboard <account-id>), then delete the message.',
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    dlqAlarm.addAlarmAction(this.alarmTopicPublishing.alarmAction());

    // ---- prevention: the SCP, created in the management account (only it, or a delegated administrator,
    // manages an organization's policies), attached where the configuration says.
    if (cfg.prevention) {
      const content = preventionPolicyContent(cfg);
      // CloudFormation sends the object as compact JSON: that is what counts against the quota.
      const size = JSON.stringify(content).length;
      if (size > SCP_MAX_CHARACTERS) {
        throw new Error(
          `prevention: the service control policy has ${size} characters, more than the ${SCP_MAX_CHARACTERS} Organizations accepts ` +
            `(trailName ${JSON.stringify(cfg.trailName)}, switchRole.name ${JSON.stringify(cfg.switchRole.name)}, memberAccessRoleName ${JSON.stringify(cfg.memberAccessRoleName)})`,
        );
      }
      this.preventionPolicy = new organizations.CfnPolicy(this, 'PreventionPolicy', {
        name: PREVENTION_POLICY_NAME,
        type: 'SERVICE_CONTROL_POLICY',
        description: `Denies changes to the CloudTrail onboarding trail ${cfg.trailName} and switch role ${cfg.switchRole.name} to all but ${cfg.memberAccessRoleName}.`,
        content,
        targetIds: [...cfg.prevention.targets],
      });
      if (cfg.memberAccessRoleName === ORGANIZATION_ACCESS_ROLE_NAME) {
        Annotations.of(this.preventionPolicy).addWarningV2(
          'cloudtrail-onboarding:preventionExemptsOrganizationAccessRole',
          `prevention exempts the member-access role ${ORGANIZATION_ACCESS_ROLE_NAME}, which administrators of the management account ` +
            'commonly assume to administer member accounts: the service control policy stops the member accounts\' own administrators, not them. ' +
            'For a narrower exemption, use a dedicated member-access role (memberAccessRoleName, deployed by the MemberAccess stack).',
        );
      }
    }
  }
}
