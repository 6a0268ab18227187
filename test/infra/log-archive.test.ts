/**
 * The log-archive stack: a created bucket and key as the issue asks (and nothing of the service's
 * run-time policy statements in them), or nothing but the access role for existing ones.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { renderKeyPolicy } from '../../handlers/domain/key-policy';
import { READER_POLICY_NAME, sharedReaderRoleCandidates } from '../../handlers/domain/roles';
import { parseRuntimeConfig } from '../../handlers/shared/config';
import { runtimeConfigOf } from '../../infra/config';
import { CREATE_SAMPLE, createSampleRaw, flatten, onlyResource, organizationSampleRaw, resourcesOf, SAMPLE, sampleRaw, synth, Synthesized } from './helpers';

/** The key-policy statement Control Tower requires ([CT.KMS.PR.3]): grants only for AWS services. */
const DENY_GRANTS_NOT_FOR_AWS_RESOURCES = {
  Sid: 'DenyGrantsNotForAwsResources',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};

describe('with bucket and key created', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(CREATE_SAMPLE);
  });

  it('deploys to the log-archive account in the home region', () => {
    expect([s.built.logArchive.account, s.built.logArchive.region]).toEqual(['222233334444', 'eu-west-1']);
  });

  it('creates the log bucket: private, TLS only, versioned, bucket-owner-enforced, SSE-KMS with the log key, access-logged, expiring', () => {
    const [, bucket] = onlyResource(s.templates.logArchive!, 'AWS::S3::Bucket', { BucketName: 'org-cloudtrail-logs-222233334444' });
    const p = flatten(bucket.Properties) as Record<string, unknown>;
    expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(p.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { BucketKeyEnabled: false, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: expect.stringMatching(/^<LogKey[0-9A-F]{8}\.Arn>$/) } },
      ],
    });
    expect(p.LoggingConfiguration).toEqual({ DestinationBucketName: expect.stringMatching(/^<AccessLogsBucket[0-9A-F]{8}>$/), LogFilePrefix: 'log-bucket/' });
    expect((p.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ExpirationInDays: 2557, Status: 'Enabled' }),
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 2557 }, Status: 'Enabled' }),
      ]),
    );
    expect(bucket).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
  });

  it('gives the bucket policy only the TLS-only statement, and keeps it with the bucket (the service owns the rest)', () => {
    const policies = Object.values(resourcesOf(s.templates.logArchive!, 'AWS::S3::BucketPolicy')).filter((p) =>
      /^<LogBucket[0-9A-F]{8}>$/.test(String(flatten(p.Properties!.Bucket))),
    );
    expect(policies).toHaveLength(1);
    expect((policies[0].Properties!.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    expect(policies[0]).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
  });

  it('delivers server access logs to a separate SSE-S3 bucket under a bucket policy for the logging service', () => {
    const [id, bucket] = onlyResource(s.templates.logArchive!, 'AWS::S3::Bucket', { BucketName: 'org-cloudtrail-logs-222233334444-access-logs' });
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    s.templates.logArchive!.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' })]) },
    });
  });

  it('creates the key with rotation and its alias; the key policy is the root delegation, the administrators and the grant limit, no CloudTrail statement', () => {
    const [keyId, key] = onlyResource(s.templates.logArchive!, 'AWS::KMS::Key');
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    expect(key).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    expect((flatten(key.Properties!.KeyPolicy) as { Statement: unknown[] }).Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: 'kms:*', Resource: '*' },
      expect.objectContaining({ Sid: 'KeyAdministrators', Principal: { AWS: 'arn:aws:iam::222233334444:role/KeyAdministrators' } }),
      DENY_GRANTS_NOT_FOR_AWS_RESOURCES,
    ]);
    expect(JSON.stringify(key.Properties!.KeyPolicy)).not.toContain('cloudtrail');
    s.templates.logArchive!.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/cloudtrail-onboarding', TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  it('has no key-administrator statement when none is configured', () => {
    const raw = createSampleRaw();
    raw.logKey = { create: true };
    const [, key] = onlyResource(synth(raw).templates.logArchive!, 'AWS::KMS::Key');
    expect((key.Properties!.KeyPolicy as { Statement: { Sid?: string }[] }).Statement.map((st) => st.Sid)).toEqual([undefined, DENY_GRANTS_NOT_FOR_AWS_RESOURCES.Sid]);
  });

  it('keeps the grant limit when the service writes its CloudTrail statements into the key policy', () => {
    const [, key] = onlyResource(s.templates.logArchive!, 'AWS::KMS::Key');
    const deployed = flatten(key.Properties!.KeyPolicy) as { Statement: unknown[] };
    const dest = {
      partition: 'aws',
      homeRegion: 'eu-west-1',
      logArchiveAccountId: '222233334444',
      bucketName: 'org-cloudtrail-logs-222233334444',
      keyArn: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      trailName: 'org-member-trail',
    };
    const written = renderKeyPolicy(JSON.stringify(deployed), ['444455556666'], dest).document.Statement;
    expect(written.length).toBeGreaterThan(deployed.Statement.length);
    expect(written).toContainEqual(DENY_GRANTS_NOT_FOR_AWS_RESOURCES);
  });
});

describe('with an existing bucket and key', () => {
  it('creates only IAM and the change rules: the access role, the operators\' read-only role, the reader roles\' boundary, the change forwarder role and its two rules (bucket and key are imported by name and ARN)', () => {
    const t = synth(SAMPLE).templates.logArchive!;
    const types = Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((x) => x !== 'AWS::CDK::Metadata').sort()).toEqual([
      'AWS::Events::Rule',
      'AWS::Events::Rule',
      'AWS::IAM::ManagedPolicy',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::IAM::Role',
      'AWS::IAM::Role',
    ]);
  });
});

describe('with readerAccess.mode shared', () => {
  const config = (removePerAccountRoles: boolean) => ({ ...sampleRaw(), readerAccess: { mode: 'shared', removePerAccountRoles } });
  const accessStatements = (s: Synthesized) => {
    const [, role] = onlyResource(s.templates.logArchive!, 'AWS::IAM::Role', { RoleName: 'OnboardingLogArchiveAccess' });
    return ((role.Properties!.Policies as { PolicyDocument: { Statement: { Sid: string; Action: unknown; Resource: unknown; Condition?: unknown }[] } }[])[0]!.PolicyDocument.Statement).map((st) => flatten(st));
  };

  it('deploys the shared reader role exactly as desiredSharedReaderRole writes it, with the readers\' boundary', () => {
    const s = synth(config(false));
    const [, role] = onlyResource(s.templates.logArchive!, 'AWS::IAM::Role', { RoleName: 'CloudTrailOnboarding-LogReader' });
    const p = flatten(role.Properties) as Record<string, any>;
    expect(p.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5', 'aws:RequestTag/CloudTrailLogsAccount': '${aws:PrincipalAccount}' },
      StringNotEquals: { 'aws:PrincipalAccount': '222233334444' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['CloudTrailLogsAccount'] },
      Null: { 'aws:PrincipalTag/CloudTrailLogsAccount': 'true' },
    });
    expect(p.Policies[0].PolicyDocument.Statement.map((st: { Resource: unknown }) => st.Resource)).toEqual([
      'arn:aws:s3:::org-cloudtrail-logs-222233334444/cloudtrail/AWSLogs/${aws:PrincipalTag/CloudTrailLogsAccount}/*',
      'arn:aws:s3:::org-cloudtrail-logs-222233334444',
      'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ]);
    expect(JSON.stringify(p.PermissionsBoundary)).toContain('ReaderBoundary');
  });

  it('in trailMode organization (the organization-trail sample), deploys the shared role with the organization prefix and decrypt through S3, as the step expects it', () => {
    const s = synth(organizationSampleRaw());
    const [, role] = onlyResource(s.templates.logArchive!, 'AWS::IAM::Role', { RoleName: 'CloudTrailOnboarding-LogReader' });
    const p = flatten(role.Properties) as Record<string, any>;
    const runtime = parseRuntimeConfig(runtimeConfigOf(s.config, 'status-table'));
    const [expected] = sharedReaderRoleCandidates(runtime, 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(p.Policies[0].PolicyDocument).toEqual(expected!.inlinePolicies[READER_POLICY_NAME]);
    expect(p.Policies[0].PolicyDocument.Statement[0].Resource).toBe(
      'arn:aws:s3:::org-cloudtrail-logs-222233334444/cloudtrail/AWSLogs/o-a1b2c3d4e5/${aws:PrincipalTag/CloudTrailLogsAccount}/*',
    );
    expect(p.Policies[0].PolicyDocument.Statement[2].Condition.StringEquals).toEqual({
      'kms:ViaService': 's3.eu-west-1.amazonaws.com',
      'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/cloudtrail-onboarding-org',
    });
  });

  it('lets the access role only read the shared role, write no reader role, and (removePerAccountRoles) delete only reader roles of ours', () => {
    const keep = accessStatements(synth(config(false))) as { Sid: string; Action: unknown; Resource: unknown; Condition?: unknown }[];
    const remove = accessStatements(synth(config(true))) as typeof keep;
    for (const statements of [keep, remove]) {
      expect(statements.map((st) => st.Sid)).not.toEqual(expect.arrayContaining(['CreateReaderRoles']));
      expect(statements.filter((st) => ['CreateReaderRoles', 'TagReaderRoles', 'WriteReaderRolePolicies', 'UpdateReaderRoles'].includes(st.Sid))).toEqual([]);
      expect(statements.find((st) => st.Sid === 'ReadSharedReaderRole')).toEqual({
        Sid: 'ReadSharedReaderRole',
        Effect: 'Allow',
        Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'],
        Resource: 'arn:aws:iam::222233334444:role/CloudTrailOnboarding-LogReader',
      });
    }
    expect(keep.find((st) => st.Sid === 'DeletePerAccountReaderRoles')).toBeUndefined();
    expect(remove.find((st) => st.Sid === 'DeletePerAccountReaderRoles')).toEqual({
      Sid: 'DeletePerAccountReaderRoles',
      Effect: 'Allow',
      Action: ['iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy'],
      Resource: 'arn:aws:iam::222233334444:role/CloudTrailLogReader-*',
      Condition: { StringEquals: { 'aws:ResourceTag/managed-by': 'cloudtrail-onboarding' } },
    });
  });

  it('forwards changes to the shared role too (the reader-role rule names it)', () => {
    const s = synth(config(false));
    const [, rule] = onlyResource(s.templates.logArchiveRoleEvents!, 'AWS::Events::Rule');
    expect((rule.Properties!.EventPattern as { detail: { requestParameters: { roleName: unknown[] } } }).detail.requestParameters.roleName).toEqual([
      { prefix: 'CloudTrailLogReader-' },
      'CloudTrailOnboarding-LogReader',
    ]);
  });
});
