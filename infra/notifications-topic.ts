/**
 * An encrypted SNS topic that CloudWatch alarms (and, when asked, EventBridge rules) of this stack may
 * publish to: the one shape of both notification topics of the app (the orchestrator's, the
 * management account's forwarder alarms).
 *
 * - KMS-encrypted with a key of its own (an AWS managed key cannot be given to CloudWatch), key
 *   rotation on; CloudWatch may use the key for this account's alarms only (the key policy cannot name
 *   the alarms: an alarm names the topic, which names the key); EventBridge may use it without
 *   source conditions, which SNS documents as not supported in a key policy for EventBridge delivery.
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 * - TLS only. That is a custom topic policy, and a custom policy replaces SNS's default one: CloudWatch
 *   and EventBridge may publish only as `alarmAction` / `ruleTarget` allow it, naming each publisher's
 *   ARN and this account (`aws:SourceArn`, `aws:SourceAccount`).
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
 * - The configured e-mail addresses subscribed.
 *
 * The key and the topic are made in the given scope with the given ids (construct ids are a stable
 * contract: the helper must not move them).
 */
import { ArnFormat, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { denyGrantsNotForAwsResources } from './guard';

/** Properties of {@link notificationsTopic}. */
export interface NotificationsTopicProps {
  /** Construct ids of the key and the topic. */
  readonly ids: { readonly key: string; readonly topic: string };
  readonly alias: string;
  readonly displayName: string;
  /** What the key encrypts, for its description. */
  readonly description: string;
  readonly emails: readonly string[];
  /** Whether EventBridge rules publish too (the key then lets EventBridge use it). Default false. */
  readonly eventBridge?: boolean;
}

/** The topic and the ways to publish to it. */
export interface NotificationsTopic {
  readonly topic: sns.Topic;
  /** The topic as an alarm action: the alarm may publish to it. */
  alarmAction(): cloudwatch.IAlarmAction;
  /** The topic as a rule target with this message: the rule may publish to it. */
  ruleTarget(message: events.RuleTargetInput): events.IRuleTarget;
}

/** Creates the key and the topic in `scope` (see the file comment). */
export function notificationsTopic(scope: Construct, props: NotificationsTopicProps): NotificationsTopic {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, props.ids.key, {
    alias: props.alias,
    description: `Encrypts ${props.description}.`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }),
  );
  if (props.eventBridge) {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeRulesPublish',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
  }
  key.addToResourcePolicy(denyGrantsNotForAwsResources());
  const topic = new sns.Topic(scope, props.ids.topic, { displayName: props.displayName, masterKey: key, enforceSSL: true });
  for (const email of props.emails) topic.addSubscription(new subscriptions.EmailSubscription(email));

  // One statement per service, added with its first publisher, naming every publisher's ARN.
  const publishers = { alarms: [] as string[], rules: [] as string[] };
  const allow = (kind: keyof typeof publishers, arn: string) => {
    const arns = publishers[kind];
    if (!arns.length) {
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: kind === 'alarms' ? 'CloudWatchAlarmsPublish' : 'EventBridgeRulesPublish',
          principals: [new iam.ServicePrincipal(kind === 'alarms' ? 'cloudwatch.amazonaws.com' : 'events.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnEquals: { 'aws:SourceArn': Lazy.list({ produce: () => arns }) },
          },
        }),
      );
    }
    arns.push(arn);
  };
  return {
    topic,
    alarmAction: () => ({
      bind: (_scope, alarm) => {
        allow('alarms', alarm.alarmArn);
        return { alarmActionArn: topic.topicArn };
      },
    }),
    ruleTarget: (message) => ({
      bind: (rule) => {
        if (!props.eventBridge) throw new Error(`${props.ids.topic}: EventBridge may not use this topic's key (eventBridge: false)`);
        allow('rules', rule.ruleRef.ruleArn);
        return { arn: topic.topicArn, input: message, targetResource: topic };
      },
    }),
  };
}
