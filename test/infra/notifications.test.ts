/**
 * The notifications topic and its key, evaluated as AWS evaluates them (@cloud-copilot/iam-simulate):
 * a custom topic policy replaces SNS's default one, so CloudWatch (the alarms) and EventBridge (the
 * execution-finished rule) must be allowed explicitly -- and only on behalf of this stack's own alarms
 * and rule in this account.
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { PolicyDocument } from '../../handlers/domain/policy-document';
import { simulate, SimulatedRequest } from '../unit/domain/simulate';
import { CREATE_SAMPLE, flatten, onlyResource, resourcesOf, SAMPLE, synth } from './helpers';

const OTHER_ACCOUNT = '999988887777';

/** The topic policy and key policy of a synthesized orchestrator stack, with concrete ARNs for every reference. */
function policiesOf(config: string) {
  const s = synth(config);
  const t: Template = s.templates.orchestrator!;
  const account = s.built.orchestrator.account;
  const region = s.built.orchestrator.region;
  const [topicId] = onlyResource(t, 'AWS::SNS::Topic');
  const [keyId, key] = onlyResource(t, 'AWS::KMS::Key', { Description: 'Encrypts the CloudTrail onboarding notifications topic.' });
  const [, topicPolicy] = onlyResource(t, 'AWS::SNS::TopicPolicy');
  const alarmIds = Object.keys(resourcesOf(t, 'AWS::CloudWatch::Alarm'));
  const [ruleId] = onlyResource(t, 'AWS::Events::Rule', { EventPattern: { source: ['aws.states'] } });

  const arns = {
    topic: `arn:aws:sns:${region}:${account}:${topicId}`,
    key: `arn:aws:kms:${region}:${account}:key/${keyId}`,
    alarm: (id: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${id}`,
    rule: `arn:aws:events:${region}:${account}:rule/${ruleId}`,
  };
  /** `flatten` leaves references as `<Id>` / `<Id.Arn>`: give them the ARNs CloudFormation would. */
  const resolve = (doc: unknown): PolicyDocument =>
    JSON.parse(
      JSON.stringify(flatten(doc))
        .replaceAll(`"<${topicId}>"`, JSON.stringify(arns.topic))
        .replace(/"<([A-Za-z0-9]+)\.Arn>"/g, (_m, id: string) =>
          JSON.stringify(alarmIds.includes(id) ? arns.alarm(id) : id === ruleId ? arns.rule : `<unresolved ${id}>`),
        ),
    ) as PolicyDocument;
  return {
    account,
    alarmIds,
    arns,
    topicPolicy: resolve(topicPolicy.Properties!.PolicyDocument),
    keyPolicy: resolve(key.Properties!.KeyPolicy),
  };
}

describe.each([
  ['existing bucket and key (config/onboarding.sample.json)', SAMPLE],
  ['created bucket and key, dedicated orchestrator (config/onboarding.create-resources.sample.json)', CREATE_SAMPLE],
])('the notifications topic, %s', (_name, config) => {
  const p = policiesOf(config);
  const overTls = { 'aws:SecureTransport': 'true' };
  const publish = (principal: string, context: Record<string, string>): SimulatedRequest => ({
    principal,
    action: 'sns:Publish',
    resource: p.arns.topic,
    resourceAccount: p.account,
    resourcePolicy: p.topicPolicy,
    context: { ...overTls, ...context },
  });
  const useKey = (principal: string, context: Record<string, string>): SimulatedRequest => ({
    principal,
    action: 'kms:GenerateDataKey',
    resource: p.arns.key,
    resourceAccount: p.account,
    resourcePolicy: p.keyPolicy,
    context,
  });
  const result = async (req: SimulatedRequest) => (await simulate(req)).result;

  it('lets every alarm of the stack publish (CloudWatch, on behalf of this account)', async () => {
    expect(p.alarmIds.length).toBeGreaterThanOrEqual(3);
    for (const id of p.alarmIds) {
      const req = publish('cloudwatch.amazonaws.com', { 'aws:SourceAccount': p.account, 'aws:SourceArn': p.arns.alarm(id) });
      expect({ id, result: await result(req) }).toEqual({ id, result: 'Allowed' });
    }
  });

  it('denies CloudWatch publishing for an alarm of another account, or another alarm of this account', async () => {
    const foreign = `arn:aws:cloudwatch:eu-west-1:${OTHER_ACCOUNT}:alarm:${p.alarmIds[0]}`;
    expect(await result(publish('cloudwatch.amazonaws.com', { 'aws:SourceAccount': OTHER_ACCOUNT, 'aws:SourceArn': foreign }))).not.toBe('Allowed');
    const unrelated = p.arns.alarm('SomeoneElsesAlarm');
    expect(await result(publish('cloudwatch.amazonaws.com', { 'aws:SourceAccount': p.account, 'aws:SourceArn': unrelated }))).not.toBe('Allowed');
  });

  it('lets the execution-finished rule publish (EventBridge, on behalf of this account), and no rule of another account', async () => {
    expect(await result(publish('events.amazonaws.com', { 'aws:SourceAccount': p.account, 'aws:SourceArn': p.arns.rule }))).toBe('Allowed');
    const foreign = `arn:aws:events:eu-west-1:${OTHER_ACCOUNT}:rule/Other`;
    expect(await result(publish('events.amazonaws.com', { 'aws:SourceAccount': OTHER_ACCOUNT, 'aws:SourceArn': foreign }))).not.toBe('Allowed');
  });

  it('refuses publishing without TLS, even for the stack\'s own alarm', async () => {
    const req = publish('cloudwatch.amazonaws.com', { 'aws:SourceAccount': p.account, 'aws:SourceArn': p.arns.alarm(p.alarmIds[0]), 'aws:SecureTransport': 'false' });
    expect(await result(req)).toBe('ExplicitlyDenied');
  });

  it("lets CloudWatch use the topic's key for this account's alarms only", async () => {
    const ours = { 'aws:SourceAccount': p.account, 'aws:SourceArn': p.arns.alarm(p.alarmIds[0]) };
    expect(await result(useKey('cloudwatch.amazonaws.com', ours))).toBe('Allowed');
    const foreign = { 'aws:SourceAccount': OTHER_ACCOUNT, 'aws:SourceArn': `arn:aws:cloudwatch:eu-west-1:${OTHER_ACCOUNT}:alarm:x` };
    expect(await result(useKey('cloudwatch.amazonaws.com', foreign))).not.toBe('Allowed');
  });

  it("lets EventBridge use the topic's key without source keys (SNS: not supported for EventBridge in a key policy)", async () => {
    expect(await result(useKey('events.amazonaws.com', {}))).toBe('Allowed');
  });

  it('lets nobody create a grant on the key that is not for an AWS resource (CT.KMS.PR.3)', async () => {
    const admin = `arn:aws:iam::${p.account}:role/Admin`;
    const identityPolicies = { Admin: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } as PolicyDocument };
    const grant = (context: Record<string, string>): SimulatedRequest => ({ ...useKey(admin, context), action: 'kms:CreateGrant', identityPolicies });
    expect(await result(grant({ 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' }))).toBe('ExplicitlyDenied');
    expect(await result(grant({ 'kms:GrantIsForAWSResource': 'true', 'aws:PrincipalIsAWSService': 'false' }))).toBe('Allowed');
  });
});
