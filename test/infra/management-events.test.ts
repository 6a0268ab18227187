/**
 * The forwarder's dead-letter queue is watched: an event EventBridge could not forward (a new account
 * that will not be onboarded) raises an alarm that reaches people through an encrypted topic in the
 * management account, which `notifications.emails` subscribe to. Its topic and key policies are
 * evaluated as AWS evaluates them (@cloud-copilot/iam-simulate): a custom topic policy replaces SNS's
 * default one, so CloudWatch must be allowed explicitly -- for this alarm of this account only.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import type { PolicyDocument } from '../../handlers/domain/policy-document';
import { simulate, SimulatedRequest } from '../unit/domain/simulate';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { FORWARD_ACCOUNT_EVENT_RULES } from '../../infra/names';
import { CREATE_SAMPLE, flatten, onlyResource, resourcesOf, SAMPLE, sampleRaw, synth } from './helpers';

const OTHER_ACCOUNT = '999988887777';
const NO_SUBSCRIBERS_WARNING = 'cloudtrail-onboarding:forwarderAlarmsWithoutSubscribers';

/** The management-events stack's alarm, topic, key and queue, with concrete ARNs for every reference. */
function forwarderOf(config: string) {
  const s = synth(config);
  const t: Template = s.templates.managementEvents!;
  const { account, region } = s.built.managementEvents!;
  const [queueId] = onlyResource(t, 'AWS::SQS::Queue');
  const [alarmId, alarm] = onlyResource(t, 'AWS::CloudWatch::Alarm');
  const [topicId, topic] = onlyResource(t, 'AWS::SNS::Topic');
  const [keyId, key] = onlyResource(t, 'AWS::KMS::Key');
  const [, topicPolicy] = onlyResource(t, 'AWS::SNS::TopicPolicy');
  const arns = {
    topic: `arn:aws:sns:${region}:${account}:${topicId}`,
    key: `arn:aws:kms:${region}:${account}:key/${keyId}`,
    alarm: `arn:aws:cloudwatch:${region}:${account}:alarm:${alarmId}`,
  };
  /** `flatten` leaves references as `<Id>` / `<Id.Arn>`: give them the ARNs CloudFormation would. */
  const resolve = (doc: unknown): PolicyDocument =>
    JSON.parse(
      JSON.stringify(flatten(doc))
        .replaceAll(`"<${topicId}>"`, JSON.stringify(arns.topic))
        .replaceAll(`"<${alarmId}.Arn>"`, JSON.stringify(arns.alarm)),
    ) as PolicyDocument;
  return { s, t, account, region, queueId, alarmId, alarm, topicId, topic, keyId, arns, topicPolicy: resolve(topicPolicy.Properties!.PolicyDocument), keyPolicy: resolve(key.Properties!.KeyPolicy) };
}

describe.each([
  ['existing bucket and key (config/onboarding.sample.json)', SAMPLE],
  ['created bucket and key, dedicated orchestrator (config/onboarding.create-resources.sample.json)', CREATE_SAMPLE],
])('the forwarder dead-letter queue alarm, %s', (_name, config) => {
  let f: ReturnType<typeof forwarderOf>;
  beforeAll(() => {
    f = forwarderOf(config);
  });
  const overTls = { 'aws:SecureTransport': 'true' };
  const publish = (context: Record<string, string>): SimulatedRequest => ({
    principal: 'cloudwatch.amazonaws.com',
    action: 'sns:Publish',
    resource: f.arns.topic,
    resourceAccount: f.account,
    resourcePolicy: f.topicPolicy,
    context: { ...overTls, ...context },
  });
  const useKey = (context: Record<string, string>): SimulatedRequest => ({
    principal: 'cloudwatch.amazonaws.com',
    action: 'kms:GenerateDataKey',
    resource: f.arns.key,
    resourceAccount: f.account,
    resourcePolicy: f.keyPolicy,
    context,
  });
  const result = async (req: SimulatedRequest) => (await simulate(req)).result;
  const ours = () => ({ 'aws:SourceAccount': f.account, 'aws:SourceArn': f.arns.alarm });

  it('alarms as soon as one message is visible in the dead-letter queue, and publishes to the topic', () => {
    expect(f.alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [f.queueId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: f.topicId }],
    });
    // The queue is the dead-letter queue of every forwarding rule (CreateAccountResult and the other ways in and out).
    const rules = Object.values(resourcesOf(f.t, 'AWS::Events::Rule'));
    expect(rules).toHaveLength(1 + FORWARD_ACCOUNT_EVENT_RULES.length);
    for (const rule of rules) {
      expect((rule.Properties!.Targets as { DeadLetterConfig: unknown }[])[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [f.queueId, 'Arn'] } });
    }
  });

  it('publishes to a KMS-encrypted topic of the management account', () => {
    expect(f.topic.Properties!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [f.keyId, 'Arn'] });
    expect([f.s.built.managementEvents!.account, f.region]).toEqual([f.s.config.managementAccountId, 'us-east-1']);
  });

  it('lets CloudWatch publish for this alarm of this account (a custom topic policy replaces the default one)', async () => {
    expect(await result(publish(ours()))).toBe('Allowed');
  });

  it('denies CloudWatch publishing for another alarm of this account, or an alarm of another account', async () => {
    expect(await result(publish({ ...ours(), 'aws:SourceArn': `arn:aws:cloudwatch:${f.region}:${f.account}:alarm:SomeoneElsesAlarm` }))).not.toBe('Allowed');
    const foreign = `arn:aws:cloudwatch:${f.region}:${OTHER_ACCOUNT}:alarm:${f.alarmId}`;
    expect(await result(publish({ 'aws:SourceAccount': OTHER_ACCOUNT, 'aws:SourceArn': foreign }))).not.toBe('Allowed');
  });

  it('refuses publishing without TLS, even for its own alarm', async () => {
    expect(await result(publish({ ...ours(), 'aws:SecureTransport': 'false' }))).toBe('ExplicitlyDenied');
  });

  it("lets CloudWatch use the topic's key for this account's alarms only", async () => {
    expect(await result(useKey(ours()))).toBe('Allowed');
    const foreign = { 'aws:SourceAccount': OTHER_ACCOUNT, 'aws:SourceArn': `arn:aws:cloudwatch:${f.region}:${OTHER_ACCOUNT}:alarm:x` };
    expect(await result(useKey(foreign))).not.toBe('Allowed');
  });

  it('lets nobody create a grant on the key that is not for an AWS resource (CT.KMS.PR.3)', async () => {
    const admin = `arn:aws:iam::${f.account}:role/Admin`;
    const identityPolicies = { Admin: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } as PolicyDocument };
    const grant = (context: Record<string, string>): SimulatedRequest => ({ ...useKey(context), principal: admin, action: 'kms:CreateGrant', identityPolicies });
    expect(await result(grant({ 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' }))).toBe('ExplicitlyDenied');
    expect(await result(grant({ 'kms:GrantIsForAWSResource': 'true', 'aws:PrincipalIsAWSService': 'false' }))).toBe('Allowed');
  });
});

describe('who the forwarder dead-letter queue alarm reaches', () => {
  it('subscribes every configured notifications.emails address to its topic', () => {
    const emails = ['security-team@example.com', 'cloud-ops@example.com'];
    const s = synth({ ...sampleRaw(), notifications: { emails } });
    const t = s.templates.managementEvents!;
    const [topicId] = onlyResource(t, 'AWS::SNS::Topic');
    const subscriptions = Object.values(resourcesOf(t, 'AWS::SNS::Subscription')).map((sub) => sub.Properties!);
    expect(subscriptions.map((p) => [p.Protocol, p.Endpoint, p.TopicArn])).toEqual(emails.map((e) => ['email', e, { Ref: topicId }]));
    Annotations.fromStack(s.built.managementEvents!).hasNoWarning('*', Match.stringLikeRegexp(NO_SUBSCRIBERS_WARNING));
  });

  it('warns at synth when no notifications.emails are configured (the alarm would reach nobody until someone subscribes)', () => {
    const s = synth(SAMPLE);
    expect(s.config.notifications?.emails ?? []).toEqual([]);
    expect(resourcesOf(s.templates.managementEvents!, 'AWS::SNS::Subscription')).toEqual({});
    Annotations.fromStack(s.built.managementEvents!).hasWarning('*', Match.stringLikeRegexp(`notifications\\.emails[\\s\\S]*${NO_SUBSCRIBERS_WARNING}`));
  });
});
