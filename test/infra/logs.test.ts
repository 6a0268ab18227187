/**
 * The orchestrator's log groups (functions, state machine, API access and execution logs): every one
 * encrypted with the stack's logs key, which CloudWatch Logs may use only for log groups of this
 * account and region, and on which nobody creates grants that are not for AWS resources.
 */
import { STACK_IDS } from '../../infra/app-builder';
import { STATE_MACHINE_NAME } from '../../infra/names';
import { CREATE_SAMPLE, flatten, onlyResource, resourcesOf, SAMPLE, synth } from './helpers';

/**
 * IAM's ArnLike: the six colon-separated parts of the ARN, each matched against the pattern's with `*`
 * and `?` wildcards (the last part keeps its colons).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
function arnLike(pattern: string, arn: string): boolean {
  const parts = (s: string) => {
    const p = s.split(':');
    return [...p.slice(0, 5), p.slice(5).join(':')];
  };
  const [pp, ap] = [parts(pattern), parts(arn)];
  const glob = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return pp.length === 6 && ap.length === 6 && pp.every((p, i) => glob(p).test(ap[i]));
}

describe('the orchestrator log groups', () => {
  const s = synth(SAMPLE);
  const t = s.templates.orchestrator!;
  const [keyId, key] = onlyResource(t, 'AWS::KMS::Key', { Description: 'Encrypts the log groups of the CloudTrail onboarding service (functions, state machine, API).' });

  it('are all encrypted with the logs key and expire after a year', () => {
    const groups = Object.entries(resourcesOf(t, 'AWS::Logs::LogGroup'));
    // One per function (11 steps, Api, StartFromEvent, ReconcileFleet, StartFromChange), the state machine's, the API's access and execution logs.
    expect(groups).toHaveLength(18);
    for (const [id, g] of groups) {
      expect({ id, key: g.Properties!.KmsKeyId, retention: g.Properties!.RetentionInDays }).toEqual({ id, key: { 'Fn::GetAtt': [keyId, 'Arn'] }, retention: 365 });
    }
  });

  it('lets CloudWatch Logs of this region use the key only for log groups of this account and region', () => {
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    const statements = (flatten(key.Properties!.KeyPolicy) as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toEqual([
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'CloudWatchLogs',
        Effect: 'Allow',
        Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:111122223333:log-group:*' } },
      },
      expect.objectContaining({ Sid: 'DenyGrantsNotForAwsResources', Effect: 'Deny', Action: 'kms:CreateGrant' }),
    ]);
  });
});

describe.each([
  ['existing bucket and key (config/onboarding.sample.json)', SAMPLE],
  ['created bucket and key, dedicated orchestrator (config/onboarding.create-resources.sample.json)', CREATE_SAMPLE],
])("the state machine's log group, %s", (_name, config) => {
  const s = synth(config);
  const t = s.templates.orchestrator!;
  const { account, region } = s.built.orchestrator;

  it('is named under /aws/vendedlogs/states/ after the stack and the state machine (CloudWatch Logs resource policy size limit)', () => {
    const [id, group] = onlyResource(t, 'AWS::Logs::LogGroup', { LogGroupName: `/aws/vendedlogs/states/${STACK_IDS.orchestrator}/${STATE_MACHINE_NAME}` });
    expect(id).toMatch(/^StateMachineLogs[0-9A-F]{8}$/);
    const [, machine] = onlyResource(t, 'AWS::StepFunctions::StateMachine');
    expect(machine.Properties!.LoggingConfiguration).toMatchObject({ Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [id, 'Arn'] } } }] });
    expect(group.Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] } });
  });

  it("is a log group CloudWatch Logs may encrypt with the logs key (kms:EncryptionContext:aws:logs:arn), unlike another account's", () => {
    const [, group] = onlyResource(t, 'AWS::Logs::LogGroup', { LogGroupName: `/aws/vendedlogs/states/${STACK_IDS.orchestrator}/${STATE_MACHINE_NAME}` });
    const [, key] = onlyResource(t, 'AWS::KMS::Key', { Description: 'Encrypts the log groups of the CloudTrail onboarding service (functions, state machine, API).' });
    const statement = (flatten(key.Properties!.KeyPolicy) as { Statement: { Sid?: string; Condition: { ArnLike: Record<string, string> } }[] }).Statement.find(
      (st) => st.Sid === 'CloudWatchLogs',
    )!;
    const pattern = statement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'];
    // The encryption context CloudWatch Logs uses: the log group's ARN (without the trailing :*).
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    const name = group.Properties!.LogGroupName as string;
    expect(arnLike(pattern, `arn:aws:logs:${region}:${account}:log-group:${name}`)).toBe(true);
    expect(arnLike(pattern, `arn:aws:logs:${region}:999988887777:log-group:${name}`)).toBe(false);
    expect(arnLike(pattern, `arn:aws:logs:us-west-2:${account}:log-group:${name}`)).toBe(false);
  });
});
