/**
 * Least privilege, read from the synthesized templates of both sample configurations: every IAM
 * identity policy document, every role; then what each step function and the log-archive access
 * role may do, statement by statement.
 */
import { STACK_IDS } from '../../infra/app-builder';
import { ROLE_NAME_PREFIX } from '../../infra/names';
import { STEP_NAMES } from '../../statemachine/steps';
import { CREATE_SAMPLE, flatten, identityPolicies, list, resourcesOf, SAMPLE, sampleRaw, Statement, synth, Synthesized } from './helpers';

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
];

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
        const allowed = p.roles.includes(stateMachineRole) ? STATE_MACHINE_STAR : XRAY_WRITE;
        for (const st of p.statements.filter((x) => x.Effect === 'Allow' && list(x.Resource).includes('*'))) {
          for (const a of list(st.Action)) if (!allowed.includes(a)) bad.push(`${stack}/${p.logicalId}: ${a} on *`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('attaches no managed policy to any role (no AWSLambdaBasicExecutionRole: each function logs to its own log group)', () => {
    for (const [, t] of stacks()) {
      for (const [id, r] of Object.entries(resourcesOf(t, 'AWS::IAM::Role'))) {
        expect({ id, managed: r.Properties?.ManagedPolicyArns }).toEqual({ id, managed: undefined });
      }
    }
  });

  it('gives every function its own role CloudTrailOnboarding-<Name>, trusted by Lambda only, logging into its own log group', () => {
    const t = s.templates.orchestrator!;
    const roles = resourcesOf(t, 'AWS::IAM::Role');
    const fns = resourcesOf(t, 'AWS::Lambda::Function');
    const names = [...STEP_NAMES, 'Api', 'StartFromEvent'];
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
      .map((st) => ({ actions: list(st.Action).sort(), resource: flatten(st.Resource), ...(st.Condition ? { condition: st.Condition } : {}) }));

  const table = '<StatusTable0F76785B.Arn>';
  const accountItems = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ACCOUNT#*'] } };
  const sharedItems = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MEMBERS#shared-policies', 'LOCK#*'] } };
  const memberRole = { actions: ['sts:AssumeRole'], resource: 'arn:aws:iam::*:role/OrganizationAccountAccessRole' };
  const logArchiveRole = { actions: ['sts:AssumeRole'], resource: 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess' };

  it.each([
    [
      'ValidateRequest',
      [
        { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: table, condition: accountItems },
        { actions: ['organizations:DescribeAccount'], resource: 'arn:aws:organizations::111122223333:account/o-a1b2c3d4e5/*' },
      ],
    ],
    ['EnsureSwitchRole', [memberRole]],
    [
      'EnsureBucketPolicy',
      [{ actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: table, condition: sharedItems }, logArchiveRole],
    ],
    [
      'EnsureKeyPolicy',
      [{ actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: table, condition: sharedItems }, logArchiveRole],
    ],
    // The sample names the key by its key ARN: nothing to resolve through the log-archive role.
    ['EnsureTrail', [memberRole]],
    ['EnsureReaderRole', [logArchiveRole]],
    ['RecordResult', [{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: table, condition: accountItems }]],
    ['RecordFailure', [{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: table, condition: accountItems }]],
  ])('%s: only what it uses', (name, expected) => {
    expect(grants(name)).toEqual(expected);
  });

  it('EnsureTrail may also use the log-archive role when the key is known by alias (it resolves the key ARN)', () => {
    const created = synth(CREATE_SAMPLE);
    const roleId = roleIdOf(created, 'EnsureTrail');
    const assumable = statementsOf(created, roleId).filter((st) => list(st.Action).includes('sts:AssumeRole')).map((st) => flatten(st.Resource));
    expect(assumable).toEqual(['arn:aws:iam::*:role/OrganizationAccountAccessRole', 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess']);
  });

  it('the API and the event starter: start, read and redrive executions of this state machine only, read the status table', () => {
    for (const name of ['Api', 'StartFromEvent']) {
      expect(grants(name).filter((g) => !g.actions[0].startsWith('sqs:'))).toEqual([
        { actions: ['states:ListExecutions', 'states:StartExecution'], resource: 'arn:aws:states:eu-west-1:111122223333:stateMachine:CloudTrailOnboarding' },
        {
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:RedriveExecution'],
          resource: 'arn:aws:states:eu-west-1:111122223333:execution:CloudTrailOnboarding:*',
        },
        { actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'], resource: table },
      ]);
    }
  });
});

describe('the log-archive access role', () => {
  const role = (s: Synthesized) => {
    const roles = resourcesOf(s.templates.logArchive!, 'AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(1);
    return flatten(Object.values(roles)[0].Properties) as {
      RoleName: string;
      AssumeRolePolicyDocument: { Statement: Statement[] };
      Policies: { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[];
    };
  };
  const readerRoleActions = [
    'iam:CreateRole',
    'iam:DeleteRolePolicy',
    'iam:GetRole',
    'iam:GetRolePolicy',
    'iam:ListAttachedRolePolicies',
    'iam:ListRolePolicies',
    'iam:ListRoleTags',
    'iam:PutRolePolicy',
    'iam:TagRole',
    'iam:UpdateAssumeRolePolicy',
    'iam:UpdateRole',
    'iam:UpdateRoleDescription',
  ];

  it('is assumable only by the orchestrator account\'s CloudTrailOnboarding-* roles (so the stacks deploy in any order)', () => {
    const r = role(synth(CREATE_SAMPLE));
    expect(r.RoleName).toBe('OnboardingLogArchiveAccess');
    expect(r.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::333344445555:root' },
        Action: 'sts:AssumeRole',
        Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::333344445555:role/CloudTrailOnboarding-*' } },
      },
    ]);
  });

  it('with an existing bucket and key: their policies (exact ARNs) and the reader roles (by name prefix), nothing else', () => {
    const r = role(synth(SAMPLE));
    expect(r.Policies).toHaveLength(1);
    expect(r.Policies[0].PolicyDocument.Statement).toEqual([
      { Sid: 'BucketPolicy', Effect: 'Allow', Action: ['s3:GetBucketPolicy', 's3:PutBucketPolicy'], Resource: 'arn:aws:s3:::org-cloudtrail-logs-222233334444' },
      {
        Sid: 'KeyPolicy',
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'],
        Resource: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
      { Sid: 'ReaderRoles', Effect: 'Allow', Action: readerRoleActions, Resource: 'arn:aws:iam::222233334444:role/CloudTrailLogReader-*' },
    ]);
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
