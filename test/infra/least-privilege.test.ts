/**
 * Least privilege, read from the synthesized templates of both sample configurations: every IAM
 * identity policy document, every role; then what each step function and the log-archive access
 * role may do, statement by statement.
 */
import { STACK_IDS } from '../../infra/app-builder';
import { ROLE_NAME_PREFIX } from '../../infra/names';
import { STEP_NAMES } from '../../statemachine/steps';
import { CREATE_SAMPLE, flatten, identityPolicies, list, ORGANIZATION_SAMPLE, resourcesOf, SAMPLE, sampleRaw, Statement, synth, Synthesized } from './helpers';

/** X-Ray's write actions: no resource-level permissions (acknowledged in cdk-nag, AwsSolutions-IAM5). */
const XRAY_WRITE = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
/**
 * The state machine's own role additionally needs, with Resource "*", X-Ray sampling and the
 * CloudWatch Logs vended-log-delivery actions (none supports resource-level permissions).
 */
const STATE_MACHINE_STAR = [
  ...XRAY_WRITE,
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

const configs: [string, string][] = [
  ['existing bucket and key', SAMPLE],
  ['created bucket and key', CREATE_SAMPLE],
  ['trailMode organization', ORGANIZATION_SAMPLE],
];

/**
 * Actions without resource-level permissions that EnsureOrganizationTrail calls (trailMode organization):
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html
 */
const ORGANIZATION_TRAIL_STAR = ['organizations:DescribeOrganization', 'organizations:ListAWSServiceAccessForOrganization', 'organizations:EnableAWSServiceAccess', 'cloudtrail:DescribeTrails'];

describe.each(configs)('every IAM policy of every stack (%s)', (_name, file) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(file);
  });
  const stacks = () => Object.entries(s.templates).filter(([, t]) => t !== undefined) as [keyof typeof STACK_IDS, NonNullable<Synthesized['templates']['orchestrator']>][];

  it('allows no action "*" or "<service>:*", and no NotAction / NotResource', () => {
    const bad: string[] = [];
    for (const [stack, t] of stacks()) {
      for (const p of identityPolicies(t)) {
        for (const st of p.statements) {
          if (st.NotAction || st.NotResource) bad.push(`${stack}/${p.logicalId}: NotAction/NotResource`);
          for (const a of list(st.Action)) if (st.Effect === 'Allow' && (a === '*' || /^[\w-]+:\*$/.test(a))) bad.push(`${stack}/${p.logicalId}: ${a}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('allows Resource "*" only for the X-Ray write actions (plus log delivery and X-Ray sampling for the state machine)', () => {
    const stateMachineRole = stateMachineRoleId(s);
    const bad: string[] = [];
    for (const [stack, t] of stacks()) {
      for (const p of identityPolicies(t)) {
        // The member-access role: DescribeTrails has no resource-level permissions.
        // organizations:ListRoots has no resource-level permissions either (the backfill walks the OU tree).
        const allowed = p.roles.includes(stateMachineRole) ? STATE_MACHINE_STAR : stack === 'memberAccess' ? ['cloudtrail:DescribeTrails'] : [...XRAY_WRITE, 'organizations:ListRoots', ...ORGANIZATION_TRAIL_STAR];
        for (const st of p.statements.filter((x) => x.Effect === 'Allow' && list(x.Resource).includes('*'))) {
          for (const a of list(st.Action)) if (!allowed.includes(a)) bad.push(`${stack}/${p.logicalId}: ${a} on *`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('attaches no managed policy to any role (no AWSLambdaBasicExecutionRole: each function logs to its own log group), but the API Gateway account role', () => {
    for (const [, t] of stacks()) {
      for (const [id, r] of Object.entries(resourcesOf(t, 'AWS::IAM::Role'))) {
        // API Gateway's account-level CloudWatch role takes AWS's policy for exactly that purpose.
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
        const expected = /^RestApiCloudWatchRole[0-9A-F]{8}$/.test(id) ? ['arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'] : undefined;
        expect({ id, managed: flatten(r.Properties?.ManagedPolicyArns) }).toEqual({ id, managed: expected });
      }
    }
  });

  it('gives every function its own role CloudTrailOnboarding-<Name>, trusted by Lambda only, logging into its own log group', () => {
    const t = s.templates.orchestrator!;
    const roles = resourcesOf(t, 'AWS::IAM::Role');
    const fns = resourcesOf(t, 'AWS::Lambda::Function');
    const names = [...STEP_NAMES, 'Api', 'StartFromEvent', 'ReconcileFleet', 'StartFromChange'];
    expect(Object.keys(fns)).toHaveLength(names.length);
    for (const name of names) {
      const [fnId, fn] = Object.entries(fns).find(([id]) => new RegExp(`^${name}[0-9A-F]{8}$`).test(id))!;
      const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
      const role = roles[roleId].Properties!;
      expect({ fnId, roleName: role.RoleName }).toEqual({ fnId, roleName: `${ROLE_NAME_PREFIX}${name}` });
      expect(role.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      });
      const logGroup = flatten((fn.Properties!.LoggingConfig as { LogGroup: unknown }).LogGroup) as string;
      const logStatements = statementsOf(s, roleId).filter((st) => list(st.Action).some((a) => a.startsWith('logs:')));
      expect(logStatements.map((st) => ({ actions: list(st.Action), resource: flatten(st.Resource) }))).toEqual([
        { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resource: logGroup.replace(/^<(.*)>$/, '<$1.Arn>') },
      ]);
      expect(fn.Properties!.TracingConfig).toEqual({ Mode: 'Active' });
    }
  });
});

describe('what each step may do', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(SAMPLE);
  });

  /** Allowed statements of a function's role without logging and X-Ray, flattened. */
  const grants = (name: string) =>
    statementsOf(s, roleIdOf(s, name))
      .filter((st) => !list(st.Action).some((a) => a.startsWith('logs:') || a.startsWith('xray:')))
      .map((st) => ({
        actions: list(st.Action).sort(),
        resource: flatten(st.Resource),
        ...(st.Condition ? { condition: st.Condition } : {}),
        ...(st.Effect === 'Deny' ? { effect: 'Deny' } : {}),
      }));

  const table = '<StatusTable0F76785B.Arn>';
  const accountItems = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ACCOUNT#*'] } };
  const sharedItems = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MEMBERS#shared-policies', 'LOCK#*'] } };
  // Member access: accounts of the organization only, and never the log-archive or management account.
  const memberRole = {
    actions: ['sts:AssumeRole'],
    resource: 'arn:aws:iam::*:role/OrganizationAccountAccessRole',
    condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } },
  };
  const noExcludedAccounts = {
    actions: ['sts:AssumeRole'],
    resource: ['arn:aws:iam::222233334444:role/OrganizationAccountAccessRole', 'arn:aws:iam::111122223333:role/OrganizationAccountAccessRole'],
    effect: 'Deny',
  };
  const logArchiveRole = { actions: ['sts:AssumeRole'], resource: 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess' };

  it.each([
    [
      'ValidateRequest',
      [
        { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: table, condition: accountItems },
        { actions: ['organizations:DescribeAccount'], resource: 'arn:aws:organizations::111122223333:account/o-a1b2c3d4e5/*' },
      ],
    ],
    ['EnsureSwitchRole', [memberRole, noExcludedAccounts]],
    [
      'EnsureBucketPolicy',
      [{ actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: table, condition: sharedItems }, logArchiveRole],
    ],
    [
      'EnsureKeyPolicy',
      [{ actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: table, condition: sharedItems }, logArchiveRole],
    ],
    // The sample names the key by its key ARN: nothing to resolve through the log-archive role.
    ['EnsureTrail', [memberRole, noExcludedAccounts]],
    ['EnsureReaderRole', [logArchiveRole]],
    // Account mode: the organization-trail step exists (one definition for both modes) and may do nothing.
    ['EnsureOrganizationTrail', []],
    ['RecordResult', [{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: table, condition: accountItems }]],
    ['RecordFailure', [{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: table, condition: accountItems }]],
  ])('%s: only what it uses', (name, expected) => {
    expect(grants(name)).toEqual(expected);
  });

  it('EnsureOrganizationTrail in trailMode organization: the feature set, trusted access for CloudTrail only, the one organization trail, its service-linked role, the account', () => {
    const org = synth(ORGANIZATION_SAMPLE);
    const trail = 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/cloudtrail-onboarding-org';
    const slr = 'arn:aws:iam::111122223333:role/aws-service-role/cloudtrail.amazonaws.com/AWSServiceRoleForCloudTrail';
    const orgGrants = statementsOf(org, roleIdOf(org, 'EnsureOrganizationTrail'))
      .filter((st) => !list(st.Action).some((a) => a.startsWith('logs:') || a.startsWith('xray:')))
      .map((st) => ({ actions: list(st.Action).sort(), resource: flatten(st.Resource), ...(st.Condition ? { condition: st.Condition } : {}) }));
    expect(orgGrants).toEqual([
      { actions: ['organizations:DescribeOrganization', 'organizations:ListAWSServiceAccessForOrganization'], resource: '*' },
      { actions: ['organizations:EnableAWSServiceAccess'], resource: '*', condition: { StringEquals: { 'organizations:ServicePrincipal': 'cloudtrail.amazonaws.com' } } },
      { actions: ['cloudtrail:GetEventSelectors', 'cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus', 'cloudtrail:ListTags'], resource: trail },
      { actions: ['cloudtrail:DescribeTrails'], resource: '*' },
      { actions: ['cloudtrail:AddTags', 'cloudtrail:CreateTrail', 'cloudtrail:PutEventSelectors', 'cloudtrail:StartLogging', 'cloudtrail:UpdateTrail'], resource: trail },
      { actions: ['iam:GetRole'], resource: slr },
      { actions: ['iam:CreateServiceLinkedRole'], resource: slr, condition: { StringEquals: { 'iam:AWSServiceName': 'cloudtrail.amazonaws.com' } } },
      { actions: ['organizations:DescribeAccount'], resource: 'arn:aws:organizations::111122223333:account/o-a1b2c3d4e5/*' },
    ]);
  });

  it('EnsureOrganizationTrail with an existing trail by ARN: reads it, writes no trail and enables nothing', () => {
    const ct = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/aws-controltower-BaselineCloudTrail';
    const org = synth({ ...sampleRaw(), trailMode: 'organization', organizationTrail: { arn: ct } });
    const actions = statementsOf(org, roleIdOf(org, 'EnsureOrganizationTrail')).flatMap((st) => list(st.Action));
    expect(actions).toEqual(expect.arrayContaining(['cloudtrail:GetTrail', 'organizations:DescribeOrganization']));
    for (const write of ['cloudtrail:CreateTrail', 'cloudtrail:UpdateTrail', 'cloudtrail:StartLogging', 'cloudtrail:PutEventSelectors', 'cloudtrail:AddTags', 'organizations:EnableAWSServiceAccess', 'iam:CreateServiceLinkedRole']) {
      expect(actions).not.toContain(write);
    }
  });

  it('EnsureTrail may also use the log-archive role when the key is known by alias (it resolves the key ARN)', () => {
    const created = synth(CREATE_SAMPLE);
    const roleId = roleIdOf(created, 'EnsureTrail');
    const assumable = statementsOf(created, roleId)
      .filter((st) => st.Effect === 'Allow' && list(st.Action).includes('sts:AssumeRole'))
      .map((st) => flatten(st.Resource));
    expect(assumable).toEqual(['arn:aws:iam::*:role/CloudTrailOnboardingMemberAccess', 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess']);
  });

  it('the API and the event starter: start and read executions of this state machine only (redrive: the API only), read account items', () => {
    for (const [name, redrive] of [['Api', true], ['StartFromEvent', false]] as const) {
      expect(grants(name).filter((g) => !g.actions[0].startsWith('sqs:'))).toEqual([
        { actions: ['states:ListExecutions', 'states:StartExecution'], resource: 'arn:aws:states:eu-west-1:111122223333:stateMachine:CloudTrailOnboarding' },
        {
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory', ...(redrive ? ['states:RedriveExecution'] : [])],
          resource: 'arn:aws:states:eu-west-1:111122223333:execution:CloudTrailOnboarding:*',
        },
        { actions: ['dynamodb:GetItem'], resource: table, condition: accountItems },
        // StartFromEvent records an out-of-scope account SKIPPED (account items only).
        ...(name === 'StartFromEvent' ? [{ actions: ['dynamodb:UpdateItem'], resource: table, condition: accountItems }] : []),
        // POST /fleet/onboard records a requested backfill (its own item only).
        ...(name === 'Api' ? [{ actions: ['dynamodb:UpdateItem'], resource: table, condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['FLEET#backfill'] } } }] : []),
      ]);
    }
  });
});

describe('the log-archive access role', () => {
  const role = (s: Synthesized, name = 'OnboardingLogArchiveAccess') => {
    const roles = Object.values(resourcesOf(s.templates.logArchive!, 'AWS::IAM::Role')).filter((r) => r.Properties?.RoleName === name);
    expect(roles).toHaveLength(1);
    return flatten(roles[0].Properties) as {
      RoleName: string;
      AssumeRolePolicyDocument: { Statement: Statement[] };
      Policies: { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[];
    };
  };
  const readerRoles = 'arn:aws:iam::222233334444:role/CloudTrailLogReader-*';
  const boundary = '<ReaderBoundaryCF4A591B>';
  const owned = { 'aws:ResourceTag/managed-by': 'cloudtrail-onboarding' };
  const readerRoleStatements = (b: string) => [
    {
      Sid: 'ReadReaderRoles',
      Effect: 'Allow',
      Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:ListRoleTags'],
      Resource: readerRoles,
    },
    {
      Sid: 'CreateReaderRoles',
      Effect: 'Allow',
      Action: 'iam:CreateRole',
      Resource: readerRoles,
      Condition: { StringEquals: { 'iam:PermissionsBoundary': b, 'aws:RequestTag/managed-by': 'cloudtrail-onboarding' } },
    },
    { Sid: 'TagReaderRoles', Effect: 'Allow', Action: 'iam:TagRole', Resource: readerRoles, Condition: { StringEquals: owned } },
    {
      Sid: 'WriteReaderRolePolicies',
      Effect: 'Allow',
      Action: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:PutRolePermissionsBoundary'],
      Resource: readerRoles,
      Condition: { StringEquals: { 'iam:PermissionsBoundary': b, ...owned } },
    },
    {
      Sid: 'UpdateReaderRoles',
      Effect: 'Allow',
      Action: ['iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'iam:UpdateRoleDescription'],
      Resource: readerRoles,
      Condition: { StringEquals: owned },
    },
    // Offboarding deletes the account's reader role, only one of ours.
    { Sid: 'DeleteReaderRoles', Effect: 'Allow', Action: ['iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy'], Resource: readerRoles, Condition: { StringEquals: owned } },
  ];

  it("is assumable only by the roles of the steps that use it (principal ARN condition, so the stacks deploy in any order)", () => {
    const trust = (s: Synthesized) => role(s).AssumeRolePolicyDocument.Statement;
    const steps = (account: string, names: string[]) => names.map((n) => `arn:aws:iam::${account}:role/CloudTrailOnboarding-${n}`);
    // The created key is known by alias: EnsureTrail resolves it through the role.
    expect(trust(synth(CREATE_SAMPLE))).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::333344445555:root' },
        Action: 'sts:AssumeRole',
        Condition: { ArnEquals: { 'aws:PrincipalArn': steps('333344445555', ['EnsureBucketPolicy', 'EnsureKeyPolicy', 'EnsureTrail', 'EnsureReaderRole', 'OffboardAccount']) } },
      },
    ]);
    expect(trust(synth(SAMPLE))).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 'sts:AssumeRole',
        Condition: { ArnEquals: { 'aws:PrincipalArn': steps('111122223333', ['EnsureBucketPolicy', 'EnsureKeyPolicy', 'EnsureReaderRole', 'OffboardAccount']) } },
      },
    ]);
  });

  it('with an existing bucket and key: their policies (exact ARNs), and reader roles only with the boundary and the ownership tag', () => {
    const r = role(synth(SAMPLE));
    expect(r.Policies).toHaveLength(1);
    expect(r.Policies[0].PolicyDocument.Statement).toEqual([
      {
        Sid: 'BucketPolicy',
        Effect: 'Allow',
        Action: ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:GetEncryptionConfiguration'],
        Resource: 'arn:aws:s3:::org-cloudtrail-logs-222233334444',
      },
      {
        Sid: 'KeyPolicy',
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'],
        Resource: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
      {
        Sid: 'KeyState',
        Effect: 'Allow',
        Action: ['kms:CancelKeyDeletion', 'kms:EnableKey'],
        Resource: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
      ...readerRoleStatements(boundary),
    ]);
  });

  it('the reader-role boundary allows reading and decrypting the logs and nothing else', () => {
    const s = synth(SAMPLE);
    const policies = resourcesOf(s.templates.logArchive!, 'AWS::IAM::ManagedPolicy');
    expect(Object.keys(policies)).toEqual(['ReaderBoundaryCF4A591B']);
    const p = flatten(Object.values(policies)[0].Properties) as { ManagedPolicyName: string; PolicyDocument: { Statement: Statement[] } };
    expect(p.ManagedPolicyName).toBe('CloudTrailOnboarding-ReaderBoundary');
    expect(p.PolicyDocument.Statement).toEqual([
      { Sid: 'ReadLogFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::org-cloudtrail-logs-222233334444/cloudtrail/AWSLogs/*' },
      { Sid: 'ListLogFiles', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::org-cloudtrail-logs-222233334444' },
      { Sid: 'DecryptLogFiles', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    ]);
  });

  it('the operators\' role reads the same resources and writes nothing', () => {
    const r = role(synth(SAMPLE), 'CloudTrailOnboarding-OperatorRead');
    const actions = r.Policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((st) => list(st.Action)));
    expect(actions.filter((a) => !/:(Get|List|Describe)/.test(a))).toEqual([]);
    expect(r.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }]);
  });

  it('with a created bucket and key: the same, naming the created resources', () => {
    const r = role(synth(CREATE_SAMPLE));
    const [bucket, key] = r.Policies[0].PolicyDocument.Statement;
    expect(bucket.Resource).toMatch(/^<LogBucket[0-9A-F]{8}\.Arn>$/);
    expect(key).toEqual({ Sid: 'KeyPolicy', Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'], Resource: expect.stringMatching(/^<LogKey[0-9A-F]{8}\.Arn>$/) });
  });

  it('with an existing key known by alias: keys of the account narrowed to that alias', () => {
    const raw = { ...sampleRaw(), logKey: { create: false, arn: 'arn:aws:kms:eu-west-1:222233334444:alias/org-trails' } };
    const [, key] = role(synth(raw)).Policies[0].PolicyDocument.Statement;
    expect(key).toEqual({
      Sid: 'KeyPolicy',
      Effect: 'Allow',
      Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'],
      Resource: 'arn:aws:kms:eu-west-1:222233334444:key/*',
      Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/org-trails'] } },
    });
  });
});

describe('the member-access role (StackSet template of the dedicated-orchestrator layout)', () => {
  it('trusts only the member-account steps and manages only the switch role, the trail and the change rules', () => {
    const s = synth(CREATE_SAMPLE);
    const roles = Object.values(resourcesOf(s.templates.memberAccess!, 'AWS::IAM::Role'));
    expect(roles).toHaveLength(1);
    const r = flatten(roles[0].Properties) as { RoleName: string; AssumeRolePolicyDocument: { Statement: Statement[] }; Policies: { PolicyDocument: { Statement: Statement[] } }[] };
    expect(r.RoleName).toBe('CloudTrailOnboardingMemberAccess');
    expect(r.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      ArnEquals: {
        'aws:PrincipalArn': [
          'arn:aws:iam::333344445555:role/CloudTrailOnboarding-EnsureSwitchRole',
          'arn:aws:iam::333344445555:role/CloudTrailOnboarding-EnsureTrail',
          'arn:aws:iam::333344445555:role/CloudTrailOnboarding-EnsureChangeRules',
          'arn:aws:iam::333344445555:role/CloudTrailOnboarding-OffboardAccount',
        ],
      },
    });
    const resources = new Set(r.Policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((st) => list(st.Resource))));
    expect([...resources].sort()).toEqual([
      '*',
      'arn:aws:cloudtrail:eu-west-1:<AWS::AccountId>:trail/org-member-trail',
      'arn:aws:events:eu-west-1:<AWS::AccountId>:rule/cloudtrail-onboarding-trail-changes',
      'arn:aws:events:us-east-1:<AWS::AccountId>:rule/cloudtrail-onboarding-role-changes',
      'arn:aws:iam::<AWS::AccountId>:role/CloudTrailOnboarding-ChangeForwarder',
      'arn:aws:iam::<AWS::AccountId>:role/SecurityAuditFromLogArchive',
    ]);
    // The rules' only target is the onboarding bus; the forwarder role is passed to EventBridge only.
    const statements = r.Policies.flatMap((p) => p.PolicyDocument.Statement) as (Statement & { Sid?: string })[];
    expect(statements.find((st) => st.Sid === 'TargetOnboardingBus')?.Condition).toEqual({ 'ForAllValues:ArnEquals': { 'events:TargetArn': 'arn:aws:events:eu-west-1:333344445555:event-bus/cloudtrail-onboarding' } });
    expect(statements.find((st) => st.Sid === 'PassChangeForwarderRole')?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'events.amazonaws.com' } });
  });

  it('is not part of the app when the orchestrator uses OrganizationAccountAccessRole', () => {
    expect(synth(SAMPLE).templates.memberAccess).toBeUndefined();
  });
});

/** Logical id of the state machine's role. */
function stateMachineRoleId(s: Synthesized): string {
  const sm = Object.values(resourcesOf(s.templates.orchestrator!, 'AWS::StepFunctions::StateMachine'))[0];
  return (sm.Properties!.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
}

/** Logical id of the role of the function `name`. */
function roleIdOf(s: Synthesized, name: string): string {
  const fns = resourcesOf(s.templates.orchestrator!, 'AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => new RegExp(`^${name}[0-9A-F]{8}$`).test(id))!;
  return (fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
}

/** Every statement of every identity policy attached to a role of the orchestrator template. */
function statementsOf(s: Synthesized, roleId: string): Statement[] {
  return identityPolicies(s.templates.orchestrator!)
    .filter((p) => p.roles.includes(roleId))
    .flatMap((p) => p.statements);
}
