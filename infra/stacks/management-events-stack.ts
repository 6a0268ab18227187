/**
 * Management-events stack (management account, us-east-1): forwards the Organizations
 * CreateAccountResult SUCCEEDED event from the default bus to the orchestrator's
 * `cloudtrail-onboarding` bus (orchestrator account, home region).
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
 */
import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppConfig, orchestratorAccount } from '../config';
import { denyGrantsNotForAwsResources } from '../guard';
import { acknowledge, wildcardResourceFinding } from '../nag';
import { CREATE_ACCOUNT_SUCCEEDED_PATTERN, FORWARD_RULE_NAME, FORWARDER_ROLE_NAME, ONBOARDING_BUS_NAME, ORGANIZATIONS_READ_ROLE_NAME, ROLE_NAME_PREFIX } from '../names';

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

  constructor(scope: Construct, id: string, props: ManagementEventsStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    this.targetBusArn = `arn:${this.partition}:events:${cfg.homeRegion}:${orchestratorAccount(cfg)}:event-bus/${ONBOARDING_BUS_NAME}`;
    const bus = events.EventBus.fromEventBusArn(this, 'OnboardingBus', this.targetBusArn);

    // Known before the rule exists, so the role's trust can name it (confused-deputy protection).
    const ruleArn = `arn:${this.partition}:events:${this.region}:${this.account}:rule/${FORWARD_RULE_NAME}`;
    const role = new iam.Role(this, 'ForwarderRole', {
      roleName: FORWARDER_ROLE_NAME,
      description: 'EventBridge forwards the Organizations account-created event to the CloudTrail onboarding bus with this role.',
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': ruleArn } },
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
      const readRole = new iam.Role(this, 'OrganizationsReadRole', {
        roleName: ORGANIZATIONS_READ_ROLE_NAME,
        description: 'Assumed by the CloudTrail onboarding service (ValidateRequest) to read the account being onboarded in Organizations.',
        // Only the ValidateRequest role of the orchestrator (a principal ARN condition: IAM refuses a
        // trust policy naming a role that does not exist yet, so the stacks deploy in any order).
        assumedBy: new iam.AccountPrincipal(orchestrator).withConditions({
          ArnEquals: { 'aws:PrincipalArn': `arn:${this.partition}:iam::${orchestrator}:role/${ROLE_NAME_PREFIX}ValidateRequest` },
        }),
        maxSessionDuration: Duration.hours(1),
        inlinePolicies: {
          DescribeAccounts: new iam.PolicyDocument({
            statements: [new iam.PolicyStatement({ sid: 'DescribeAccounts', actions: ['organizations:DescribeAccount'], resources: [accounts] })],
          }),
        },
      });
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

    // ---- an event in the dead-letter queue is a new account that will not be onboarded: tell people.
    // The alarm publishes to a topic of this account and region (an alarm's SNS action is a topic of its
    // own account), which the configured notifications.emails subscribe to.
    this.alarmTopic = this.forwarderAlarmsTopic(cfg);
    const dlqAlarm = new cloudwatch.Alarm(this, 'ForwardDeadLettersAlarm', {
      alarmDescription:
        `An Organizations account-created event could not be forwarded to the onboarding bus ${this.targetBusArn}: that account will not be ` +
        `onboarded until someone acts. Read the event in the dead-letter queue of this alarm (management account, ${this.region}; the message ` +
        'attributes name the error), fix the cause (usually the bus or its policy in the orchestrator account), start the onboarding of the ' +
        'account it names (onboard start <account-id>, or POST /accounts), then delete the message.',
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.allowAlarmToPublish(dlqAlarm);
    dlqAlarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
  }

  /**
   * The topic of this stack's alarm: KMS-encrypted (with a key CloudWatch may use: an AWS managed key
   * cannot be given to CloudWatch), TLS only, the configured e-mail addresses subscribed.
   *
   * As on the orchestrator's notifications topic, the policy is a custom one (the TLS-only statement), and a
   * custom topic policy replaces SNS's default one: CloudWatch may publish only as {@link allowAlarmToPublish}
   * allows it, for this stack's alarm in this account (`aws:SourceAccount`, `aws:SourceArn`).
   * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
   * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
   * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
   */
  private forwarderAlarmsTopic(cfg: AppConfig): sns.Topic {
    const key = new kms.Key(this, 'ForwarderAlarmsKey', {
      alias: 'alias/cloudtrail-onboarding-forwarder-alarms',
      description: 'Encrypts the CloudTrail onboarding forwarder alarms topic.',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // The key policy cannot name the alarm (the alarm names the topic, which names the key): any alarm of
    // this account and region.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    key.addToResourcePolicy(denyGrantsNotForAwsResources());
    const topic = new sns.Topic(this, 'ForwarderAlarms', {
      displayName: 'CloudTrail onboarding forwarder',
      masterKey: key,
      enforceSSL: true,
    });
    const emails = cfg.notifications?.emails ?? [];
    for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    if (!emails.length) {
      Annotations.of(topic).addWarningV2(
        'cloudtrail-onboarding:forwarderAlarmsWithoutSubscribers',
        'notifications.emails is empty: the alarm on the forwarder\'s dead-letter queue (a new account that will not be onboarded) ' +
          'publishes to this topic, which nobody is subscribed to. Configure notifications.emails, or subscribe to the topic yourself.',
      );
    }
    return topic;
  }

  /** Lets CloudWatch publish to the alarms topic for this one alarm of this account. */
  private allowAlarmToPublish(alarm: cloudwatch.Alarm): void {
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account }, ArnEquals: { 'aws:SourceArn': alarm.alarmArn } },
      }),
    );
  }
}
