/**
 * The orchestrator's log groups (functions, state machine, API access and execution logs): every one
 * encrypted with the stack's logs key, which CloudWatch Logs may use only for log groups of this
 * account and region, and on which nobody creates grants that are not for AWS resources.
 */
import { flatten, onlyResource, resourcesOf, SAMPLE, synth } from './helpers';

describe('the orchestrator log groups', () => {
  const s = synth(SAMPLE);
  const t = s.templates.orchestrator!;
  const [keyId, key] = onlyResource(t, 'AWS::KMS::Key', { Description: 'Encrypts the log groups of the CloudTrail onboarding service (functions, state machine, API).' });

  it('are all encrypted with the logs key and expire after a year', () => {
    const groups = Object.entries(resourcesOf(t, 'AWS::Logs::LogGroup'));
    // One per function (8 steps, Api, StartFromEvent), the state machine's, the API's access and execution logs.
    expect(groups).toHaveLength(13);
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
