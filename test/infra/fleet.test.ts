/**
 * The fleet reconcile in the Orchestrator template (both sample configurations): the ReconcileFleet
 * function and exactly what it may do, the two EventBridge Scheduler schedules and the role they invoke
 * it through; and its configuration keys.
 */
import { FLEET_RECONCILE_SCHEDULE_NAMES, FLEET_START_SCHEDULE_NAME } from '../../infra/stacks/orchestrator-stack';
import { parseRuntimeConfig } from '../../handlers/shared/config';
import { FLEET_CONTINUE_EVERY_MINUTES, FLEET_FUNCTION_TIMEOUT_SECONDS } from '../../handlers/start/fleet';
import { parseAppConfig, runtimeConfigOf } from '../../infra/config';
import { problemsOf, sampleWith } from './config-cases';
import { CREATE_SAMPLE, flatten, identityPolicies, list, resourcesOf, SAMPLE, sampleRaw, synth, type Synthesized } from './helpers';

type Resource = ReturnType<typeof resourcesOf>[string];

/** The only resource of the template whose logical id is `<name><8 hex digits>`. */
function byName(s: Synthesized, type: string, name: string): [string, Resource] {
  const found = Object.entries(resourcesOf(s.templates.orchestrator!, type)).filter(([id]) => new RegExp(`^${name}[0-9A-F]{8}$`).test(id));
  if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
  return found[0];
}

/** The statements of every identity policy attached to `roleId`, flattened. */
function grantsOf(s: Synthesized, roleId: string) {
  return identityPolicies(s.templates.orchestrator!)
    .filter((p) => p.roles.includes(roleId))
    .flatMap((p) => p.statements)
    .map((st) => ({
      effect: st.Effect,
      actions: list(st.Action).sort(),
      resource: flatten(st.Resource),
      ...(st.Condition ? { condition: flatten(st.Condition) } : {}),
    }));
}

const getAttArn = (ref: unknown) => (ref as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];

/** What the backfill may do in Organizations: walk the tree itself (management account), or through the OrganizationsRead role. */
const ORG_TREE = [
  { effect: 'Allow', actions: ['organizations:ListRoots'], resource: '*' },
  {
    effect: 'Allow',
    actions: ['organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent'],
    resource: ['arn:aws:organizations::111122223333:root/o-a1b2c3d4e5/*', 'arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/*'],
  },
];
const THROUGH_READ_ROLE = [{ effect: 'Allow', actions: ['sts:AssumeRole'], resource: 'arn:aws:iam::111122223333:role/CloudTrailOnboarding-OrganizationsRead' }];

describe.each([
  ['existing bucket and key', SAMPLE, '111122223333', ORG_TREE],
  ['created bucket and key', CREATE_SAMPLE, '333344445555', THROUGH_READ_ROLE],
])('the fleet reconcile (%s)', (_name, file, orchestrator, organizationsGrants) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(file);
  });
  const fn = () => byName(s, 'AWS::Lambda::Function', 'ReconcileFleet');
  const stateMachine = `arn:aws:states:eu-west-1:${orchestrator}:stateMachine:CloudTrailOnboarding`;

  it('ReconcileFleet has its own role and may do exactly this: start, list and describe executions of the state machine, scan the table, update its two sweep items, list the organization\'s OU tree', () => {
    const [, f] = fn();
    const roleId = getAttArn(f.Properties!.Role);
    const logGroup = getAttArn({ 'Fn::GetAtt': [(f.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref, 'Arn'] });
    expect(grantsOf(s, roleId)).toEqual([
      { effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resource: `<${logGroup}.Arn>` },
      { effect: 'Allow', actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resource: '*' },
      { effect: 'Allow', actions: ['states:ListExecutions', 'states:StartExecution'], resource: stateMachine },
      { effect: 'Allow', actions: ['states:DescribeExecution'], resource: `arn:aws:states:eu-west-1:${orchestrator}:execution:CloudTrailOnboarding:*` },
      // Scan takes no dynamodb:LeadingKeys condition: the whole table, read only.
      { effect: 'Allow', actions: ['dynamodb:Scan'], resource: '<StatusTable0F76785B.Arn>' },
      // The ONBOARDED accounts of a sweep: a Query of the status index.
      { effect: 'Allow', actions: ['dynamodb:Query'], resource: '<StatusTable0F76785B.Arn>/index/status-index' },
      {
        effect: 'Allow',
        actions: ['dynamodb:UpdateItem'],
        resource: '<StatusTable0F76785B.Arn>',
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['FLEET#reconcile', 'FLEET#backfill'] } },
      },
      {
        effect: 'Allow',
        actions: ['dynamodb:GetItem'],
        resource: '<StatusTable0F76785B.Arn>',
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ACCOUNT#*'] } },
      },
      ...organizationsGrants,
    ]);
    expect(resourcesOf(s.templates.orchestrator!, 'AWS::IAM::Role')[roleId].Properties!.RoleName).toBe('CloudTrailOnboarding-ReconcileFleet');
  });

  it('runs up to Lambda\'s 15 minutes with the configuration and the state machine in its environment; Lambda retries a failed invocation (its default)', () => {
    const [id, f] = fn();
    expect(f.Properties!.Timeout).toBe(FLEET_FUNCTION_TIMEOUT_SECONDS);
    const env = (f.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(flatten(env.STATE_MACHINE_ARN)).toBe(stateMachine);
    const runtime = JSON.parse(String(flatten(env.ONBOARDING_CONFIG)).replace('<StatusTable0F76785B>', 'status'));
    expect(parseRuntimeConfig(runtime)).toMatchObject({ driftResponse: 'repair', fleetReconcile: { maxConcurrent: 10, maxStartsPerSecond: 2 } });
    const invokeConfigs = Object.values(resourcesOf(s.templates.orchestrator!, 'AWS::Lambda::EventInvokeConfig')).filter((r) => (r.Properties!.FunctionName as { Ref: string }).Ref === id);
    expect(invokeConfigs).toEqual([]);
  });

  it('one schedule begins a sweep daily, another continues an unfinished one every 5 minutes, both invoking ReconcileFleet with their action', () => {
    const [fnId] = fn();
    const schedules = Object.values(resourcesOf(s.templates.orchestrator!, 'AWS::Scheduler::Schedule')).map((r) => r.Properties!);
    const common = { FlexibleTimeWindow: { Mode: 'OFF' }, ScheduleExpressionTimezone: 'Etc/UTC', State: 'ENABLED' };
    const target = (action: string, maxAge: number) => ({
      Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
      RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ReconcileFleetScheduleRole[0-9A-F]{8}$/), 'Arn'] },
      Input: JSON.stringify({ action }),
      RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: maxAge },
    });
    expect(schedules).toEqual([
      expect.objectContaining({ ...common, Name: FLEET_RECONCILE_SCHEDULE_NAMES.start, ScheduleExpression: 'rate(1 day)', Target: target('start', 6 * 3600) }),
      expect.objectContaining({
        ...common,
        Name: FLEET_RECONCILE_SCHEDULE_NAMES.continue,
        ScheduleExpression: `rate(${FLEET_CONTINUE_EVERY_MINUTES} minutes)`,
        Target: target('continue', FLEET_CONTINUE_EVERY_MINUTES * 60),
      }),
    ]);
  });

  it("the schedules' role trusts only Scheduler, for this account's schedules, and may only invoke ReconcileFleet itself", () => {
    const [fnId] = fn();
    const [roleId, role] = byName(s, 'AWS::IAM::Role', 'ReconcileFleetScheduleRole');
    expect(role.Properties!.RoleName).toBe('CloudTrailOnboarding-ReconcileFleetSchedule');
    expect(flatten(role.Properties!.AssumeRolePolicyDocument)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': orchestrator, 'aws:SourceArn': `arn:aws:scheduler:eu-west-1:${orchestrator}:schedule-group/default` } },
        },
      ],
    });
    expect(grantsOf(s, roleId)).toEqual([{ effect: 'Allow', actions: ['lambda:InvokeFunction'], resource: `<${fnId}.Arn>` }]);
    // No resource-based permission: Scheduler invokes with its role.
    const permissions = Object.values(resourcesOf(s.templates.orchestrator!, 'AWS::Lambda::Permission')).filter((p) => JSON.stringify(p.Properties).includes(fnId));
    expect(permissions).toEqual([]);
  });

  it('a failed invocation raises an alarm into the notifications topic', () => {
    const [fnId] = fn();
    const alarms = Object.values(resourcesOf(s.templates.orchestrator!, 'AWS::CloudWatch::Alarm')).filter((a) => JSON.stringify(a.Properties!.Dimensions ?? []).includes(fnId));
    expect(alarms.map((a) => a.Properties)).toEqual([
      expect.objectContaining({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 1, AlarmActions: [{ Ref: expect.stringMatching(/^Notifications[0-9A-F]{8}$/) }] }),
    ]);
  });
});

describe('a configured fleet reconcile', () => {
  it('uses the configured schedule expression and hands the pacing and the drift response to the runtime', () => {
    const s = synth(sampleWith({ driftResponse: 'report', fleetReconcile: { schedule: 'cron(0 3 * * ? *)', maxConcurrent: 25, maxStartsPerSecond: 0.5 } }));
    const start = Object.values(resourcesOf(s.templates.orchestrator!, 'AWS::Scheduler::Schedule')).find((r) => r.Properties!.Name === FLEET_RECONCILE_SCHEDULE_NAMES.start)!;
    expect(start.Properties!.ScheduleExpression).toBe('cron(0 3 * * ? *)');
    expect(parseRuntimeConfig(runtimeConfigOf(s.config, 'status'))).toMatchObject({ driftResponse: 'report', fleetReconcile: { maxConcurrent: 25, maxStartsPerSecond: 0.5 } });
  });
});

describe('fleetStart.schedule', () => {
  const schedules = (s: Synthesized) => Object.values(resourcesOf(s.templates.orchestrator!, 'AWS::Scheduler::Schedule')).map((r) => r.Properties!);
  it('absent (the default): no backfill schedule, only the reconcile\'s two', () => {
    expect(schedules(synth(SAMPLE)).map((p) => p.Name).sort()).toEqual([FLEET_RECONCILE_SCHEDULE_NAMES.start, FLEET_RECONCILE_SCHEDULE_NAMES.continue].sort());
  });

  it('set: a third schedule invokes ReconcileFleet with {"action":"backfill"} on it (the continuation tick goes on with it); the runtime keeps only the pacing', () => {
    const s = synth(sampleWith({ fleetStart: { schedule: 'rate(1 day)', maxConcurrent: 30, maxStartsPerSecond: 1 } }));
    const backfill = schedules(s).find((p) => p.Name === FLEET_START_SCHEDULE_NAME)!;
    expect(backfill).toMatchObject({ ScheduleExpression: 'rate(1 day)', Target: { Input: JSON.stringify({ action: 'backfill' }), RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 21_600 } } });
    const start = schedules(s).find((p) => p.Name === FLEET_RECONCILE_SCHEDULE_NAMES.start)!;
    expect((backfill.Target as { Arn: unknown }).Arn).toEqual((start.Target as { Arn: unknown }).Arn);
    expect(parseRuntimeConfig(runtimeConfigOf(s.config, 'status')).fleetStart).toEqual({ maxConcurrent: 30, maxStartsPerSecond: 1 });
  });

  it('refuses an expression Scheduler would not take', () => {
    expect(problemsOf(sampleWith({ fleetStart: { schedule: 'every day' } }))).toEqual([expect.stringMatching(/fleetStart\.schedule/)]);
  });
});

describe('the configuration keys', () => {
  it('default to repair, a daily sweep, 10 runs open and 2 starts per second', () => {
    const cfg = parseAppConfig(sampleRaw());
    expect(cfg.driftResponse).toBe('repair');
    expect(cfg.fleetReconcile).toEqual({ schedule: 'rate(1 day)', maxConcurrent: 10, maxStartsPerSecond: 2 });
    expect(parseAppConfig(sampleWith({ fleetReconcile: { maxConcurrent: 4 } })).fleetReconcile).toEqual({ schedule: 'rate(1 day)', maxConcurrent: 4, maxStartsPerSecond: 2 });
  });

  it.each(['rate(1 day)', 'rate(12 hours)', 'rate(30 minutes)', 'rate(1 minute)', 'cron(0 3 * * ? *)', 'cron(15 2 ? * MON-FRI *)'])('accepts the schedule %s', (schedule) => {
    expect(parseAppConfig(sampleWith({ fleetReconcile: { schedule } })).fleetReconcile.schedule).toBe(schedule);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a one-time schedule', { fleetReconcile: { schedule: 'at(2026-12-01T03:00:00)' } }, /^fleetReconcile\.schedule: must be a recurring EventBridge Scheduler expression .*\(received "at\(2026-12-01T03:00:00\)"\)$/],
    ['a plural unit for 1', { fleetReconcile: { schedule: 'rate(1 days)' } }, /^fleetReconcile\.schedule: must be a recurring EventBridge Scheduler expression/],
    ['a cron with five fields', { fleetReconcile: { schedule: 'cron(0 3 * * *)' } }, /^fleetReconcile\.schedule: /],
    ['no run at all open', { fleetReconcile: { maxConcurrent: 0 } }, /^fleetReconcile\.maxConcurrent: .*\(received 0\)$/],
    ['a fractional cap', { fleetReconcile: { maxConcurrent: 2.5 } }, /^fleetReconcile\.maxConcurrent: .*\(received 2\.5\)$/],
    ['no starts at all', { fleetReconcile: { maxStartsPerSecond: 0 } }, /^fleetReconcile\.maxStartsPerSecond: .*\(received 0\)$/],
    ['a misspelt fleet key', { fleetReconcile: { maxConcurent: 3 } }, /^fleetReconcile\.maxConcurent: is not a configuration key here \(received 3\); did you mean fleetReconcile\.maxConcurrent\?$/],
    ['an unknown drift response', { driftResponse: 'ignore' }, /^driftResponse: .*"repair".*"report".*\(received "ignore"\)$/],
  ])('refuses %s, naming the key', (_what, patch, problem) => {
    expect(problemsOf(sampleWith(patch))).toEqual([expect.stringMatching(problem)]);
  });
});

describe('the OrganizationsRead role of the ManagementEvents stack (dedicated orchestrator)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(CREATE_SAMPLE);
  });
  const readRole = () => {
    const roles = Object.values(resourcesOf(s.templates.managementEvents!, 'AWS::IAM::Role')).filter((r) => r.Properties!.RoleName === 'CloudTrailOnboarding-OrganizationsRead');
    expect(roles).toHaveLength(1);
    return roles[0].Properties!;
  };

  it('trusts exactly ValidateRequest and ReconcileFleet (whose backfill lists the OU tree) of the orchestrator account', () => {
    const trust = flatten(readRole().AssumeRolePolicyDocument) as { Statement: { Principal: unknown; Condition: unknown }[] };
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0].Condition).toEqual({
      // StartFromEvent too: its scope check reads the account's OU path (test/infra/ways-in.test.ts).
      ArnEquals: {
        'aws:PrincipalArn': [
          'arn:aws:iam::333344445555:role/CloudTrailOnboarding-ValidateRequest',
          'arn:aws:iam::333344445555:role/CloudTrailOnboarding-ReconcileFleet',
          'arn:aws:iam::333344445555:role/CloudTrailOnboarding-StartFromEvent',
        ],
      },
    });
  });

  it('may describe the organization\'s accounts and list its roots, OUs and accounts, nothing else', () => {
    const policies = (readRole().Policies as { PolicyName: string; PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }[]).map((p) => ({
      name: p.PolicyName,
      statements: flatten(p.PolicyDocument.Statement) as { Action: unknown; Resource: unknown }[],
    }));
    expect(policies.flatMap((p) => p.statements.map((st) => ({ actions: list(st.Action as string | string[]).sort(), resource: st.Resource })))).toEqual([
      { actions: ['organizations:DescribeAccount'], resource: 'arn:aws:organizations::111122223333:account/o-a1b2c3d4e5/*' },
      { actions: ['organizations:ListRoots'], resource: '*' },
      {
        actions: ['organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent'],
        resource: ['arn:aws:organizations::111122223333:root/o-a1b2c3d4e5/*', 'arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/*'],
      },
    ]);
  });
});
