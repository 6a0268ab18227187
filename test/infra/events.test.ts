/**
 * The event path: the matcher itself, then the rules of the synthesized templates against the real
 * Organizations events in ../shared/fixtures, the input transformer, retries and dead letters, the
 * bus policy and the forwarder in the management account.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { FORWARD_ACCOUNT_EVENT_RULES, FORWARD_RULE_NAME, FORWARDER_ROLE_NAME, ONBOARDING_BUS_NAME, STATE_MACHINE_NAME } from '../../infra/names';
import { applyInputTransformer, matchesPattern, UnsupportedPattern } from './event-pattern';
import { createSampleRaw, flatten, onlyResource, organizationsEvents, SAMPLE, sampleRaw, synth, Synthesized } from './helpers';

describe('event pattern matcher', () => {
  const event = {
    source: 'aws.organizations',
    'detail-type': 'AWS Service Event via CloudTrail',
    detail: { eventName: 'CreateAccountResult', tags: ['a', 'b'], n: 3, nothing: null, status: { state: 'SUCCEEDED' } },
  };

  it.each([
    ['an exact value in a list', { source: ['aws.organizations'] }, true],
    ['any value of the list', { source: ['aws.other', 'aws.organizations'] }, true],
    ['a value not in the list', { source: ['aws.other'] }, false],
    ['every field (AND)', { source: ['aws.organizations'], 'detail-type': ['nope'] }, false],
    ['nested objects', { detail: { status: { state: ['SUCCEEDED'] } } }, true],
    ['nested objects with another value', { detail: { status: { state: ['FAILED'] } } }, false],
    ['a missing field', { detail: { missing: ['x'] } }, false],
    ['an object pattern on a scalar', { source: { x: ['y'] } }, false],
    ['prefix', { source: [{ prefix: 'aws.' }] }, true],
    ['prefix that does not match', { source: [{ prefix: 'custom.' }] }, false],
    ['prefix on a number', { detail: { n: [{ prefix: '3' }] } }, false],
    ['exists: true on a present field', { detail: { eventName: [{ exists: true }] } }, true],
    ['exists: true on an absent field', { detail: { missing: [{ exists: true }] } }, false],
    ['exists: false on an absent field', { detail: { missing: [{ exists: false }] } }, true],
    ['exists: false on a present field', { detail: { eventName: [{ exists: false }] } }, false],
    ['an array in the event (any element)', { detail: { tags: ['b'] } }, true],
    ['numbers and null exactly', { detail: { n: [3], nothing: [null] } }, true],
    ['a number is not its string', { detail: { n: ['3'] } }, false],
  ])('%s', (_what, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('refuses pattern features it does not implement instead of guessing', () => {
    expect(() => matchesPattern({ source: [{ 'anything-but': 'x' }] }, event)).toThrow(UnsupportedPattern);
    expect(() => matchesPattern({ source: 'aws.organizations' }, event)).toThrow(UnsupportedPattern);
  });

  it('applies an input transformer: JSON outside strings, escaped text inside them', () => {
    const transformer = { InputPathsMap: { s: '$.detail.status.state', t: '$.detail.tags' }, InputTemplate: '{"a":<s>,"b":<t>,"c":"state <s> \\"q\\""}' };
    expect(JSON.parse(applyInputTransformer(transformer, event))).toEqual({ a: 'SUCCEEDED', b: ['a', 'b'], c: 'state SUCCEEDED "q"' });
  });
});

let s: Synthesized;
beforeAll(() => {
  s = synth(SAMPLE);
});

const fixtures = organizationsEvents();

describe('the account-created rule on the onboarding bus', () => {
  const rule = () =>
    onlyResource(s.templates.orchestrator!, 'AWS::Events::Rule', { EventBusName: Match.anyValue(), EventPattern: Match.objectLike({ source: ['aws.organizations'], detail: Match.objectLike({ eventName: ['CreateAccountResult'] }) }) })[1].Properties!;

  it('matches the real CreateAccountResult SUCCEEDED event, and neither the FAILED nor the IN_PROGRESS one', () => {
    const pattern = rule().EventPattern;
    expect(matchesPattern(pattern, fixtures.createAccountResultSucceeded)).toBe(true);
    expect(matchesPattern(pattern, fixtures.createAccountResultFailed)).toBe(false);
    expect(matchesPattern(pattern, fixtures.createAccountInProgress)).toBe(false);
  });

  it('hands the StartFromEvent function exactly {"accountId": <the new account>}', () => {
    const [target] = rule().Targets as { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string }; Arn: unknown }[];
    expect(applyInputTransformer(target.InputTransformer, fixtures.createAccountResultSucceeded)).toBe('{"accountId":"444455556666"}');
    expect(flatten(target.Arn)).toMatch(/^<StartFromEvent[0-9A-F]{8}\.Arn>$/);
  });

  it('retries delivery and keeps what cannot be delivered in a dead-letter queue (also the function failure destination)', () => {
    const [target] = rule().Targets as { DeadLetterConfig: { Arn: unknown }; RetryPolicy: Record<string, number> }[];
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 });
    const dlq = flatten(target.DeadLetterConfig.Arn);
    expect(dlq).toMatch(/^<StartFromEventDeadLetters[0-9A-F]{8}\.Arn>$/);
    const [, invokeConfig] = onlyResource(s.templates.orchestrator!, 'AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: Match.stringLikeRegexp('^StartFromEvent') } });
    expect(flatten((invokeConfig.Properties!.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination)).toBe(dlq);
  });

  it('is on the bus the management account may put events on (with the log-archive account and the organization, for changes)', () => {
    const [, bus] = onlyResource(s.templates.orchestrator!, 'AWS::Events::EventBus');
    expect(bus.Properties!.Name).toBe(ONBOARDING_BUS_NAME);
    expect(flatten(bus.Properties!.Policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ManagementAccountPutEvents',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'events:PutEvents',
          Resource: `arn:aws:events:eu-west-1:111122223333:event-bus/${ONBOARDING_BUS_NAME}`,
        },
        {
          Sid: 'LogArchiveAccountPutEvents',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::222233334444:root' },
          Action: 'events:PutEvents',
          Resource: `arn:aws:events:eu-west-1:111122223333:event-bus/${ONBOARDING_BUS_NAME}`,
        },
        {
          Sid: 'OrganizationPutEvents',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'events:PutEvents',
          Resource: `arn:aws:events:eu-west-1:111122223333:event-bus/${ONBOARDING_BUS_NAME}`,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
        },
      ],
    });
  });
});

describe('the forwarder in the management account (us-east-1)', () => {
  it('forwards the same event pattern to the orchestrator bus in the home region', () => {
    expect(s.built.managementEvents!.region).toBe('us-east-1');
    expect(s.built.managementEvents!.account).toBe('111122223333');
    const [, rule] = onlyResource(s.templates.managementEvents!, 'AWS::Events::Rule', { Name: FORWARD_RULE_NAME });
    const p = rule.Properties!;
    expect(p.Name).toBe(FORWARD_RULE_NAME);
    expect(p.EventBusName).toBeUndefined(); // the default bus, where Organizations events arrive
    expect(matchesPattern(p.EventPattern, fixtures.createAccountResultSucceeded)).toBe(true);
    expect(matchesPattern(p.EventPattern, fixtures.createAccountResultFailed)).toBe(false);
    expect(matchesPattern(p.EventPattern, fixtures.createAccountInProgress)).toBe(false);
    const [target] = p.Targets as { Arn: unknown; RoleArn: unknown; DeadLetterConfig?: unknown }[];
    expect(flatten(target.Arn)).toBe(`arn:aws:events:eu-west-1:111122223333:event-bus/${ONBOARDING_BUS_NAME}`);
    expect(target.DeadLetterConfig).toBeDefined();
  });

  it('uses a role that may only put events on that bus, assumable by EventBridge for that rule only', () => {
    const [, role] = onlyResource(s.templates.managementEvents!, 'AWS::IAM::Role');
    const p = flatten(role.Properties) as Record<string, unknown>;
    expect(p.RoleName).toBe(FORWARDER_ROLE_NAME);
    expect(p.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: {
              'aws:SourceAccount': '111122223333',
              // Each forwarding rule of the ways in (infra/names.ts FORWARD_ACCOUNT_EVENT_RULES), and no other.
              'aws:SourceArn': [FORWARD_RULE_NAME, ...FORWARD_ACCOUNT_EVENT_RULES.map((r) => r.ruleName)].map((n) => `arn:aws:events:us-east-1:111122223333:rule/${n}`),
            },
          },
        },
      ],
    });
    expect(p.Policies).toEqual([
      {
        PolicyName: 'PutEventsOnOnboardingBus',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: `arn:aws:events:eu-west-1:111122223333:event-bus/${ONBOARDING_BUS_NAME}` }],
        },
      },
    ]);
  });

  it('is deployed also when the orchestrator is the management account in us-east-1, targeting the bus beside it', () => {
    const raw = { ...sampleRaw(), homeRegion: 'us-east-1', logKey: { create: true } };
    const local = synth(raw);
    const [, rule] = onlyResource(local.templates.managementEvents!, 'AWS::Events::Rule', { Name: FORWARD_RULE_NAME });
    const [target] = rule.Properties!.Targets as { Arn: unknown }[];
    expect(flatten(target.Arn)).toBe(`arn:aws:events:us-east-1:111122223333:event-bus/${ONBOARDING_BUS_NAME}`);
  });

  it('is not deployed without Organizations (accounts are registered through the API only), nor is the event starter; the change rule stays (log-archive changes)', () => {
    const raw = sampleRaw();
    delete raw.organizationId;
    const local = synth(raw);
    expect(local.built.managementEvents).toBeUndefined();
    expect(local.built.orchestrator.startFromEventFunction).toBeUndefined();
    local.templates.orchestrator!.resourcePropertiesCountIs('AWS::Events::Rule', { EventBusName: Match.anyValue(), EventPattern: { source: ['aws.organizations'] } }, 0);
    local.templates.orchestrator!.resourcePropertiesCountIs('AWS::Events::Rule', { EventBusName: Match.anyValue() }, 1);
  });
});

describe('execution outcomes', () => {
  const outcome = (status: string, stateMachineArn: string) => ({
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: { status, stateMachineArn, executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:onboard-444455556666`, name: 'onboard-444455556666' },
  });
  const ours = `arn:aws:states:eu-west-1:111122223333:stateMachine:${STATE_MACHINE_NAME}`;

  it('go from the default bus to the onboarding bus and the notifications topic, for this state machine only', () => {
    const [, rule] = onlyResource(s.templates.orchestrator!, 'AWS::Events::Rule', { EventPattern: { source: ['aws.states'] } });
    const pattern = flatten(rule.Properties!.EventPattern);
    for (const status of ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']) expect(matchesPattern(pattern, outcome(status, ours))).toBe(true);
    expect(matchesPattern(pattern, outcome('RUNNING', ours))).toBe(false);
    expect(matchesPattern(pattern, outcome('FAILED', ours.replace(STATE_MACHINE_NAME, 'Other')))).toBe(false);
    expect(rule.Properties!.EventBusName).toBeUndefined();
    const targets = (rule.Properties!.Targets as { Arn: unknown; InputTransformer?: { InputPathsMap: Record<string, string>; InputTemplate: string } }[]).map((t) => ({
      arn: flatten(t.Arn) as string,
      message: t.InputTransformer ? JSON.parse(applyInputTransformer(t.InputTransformer, outcome('FAILED', ours))) : undefined,
    }));
    expect(targets).toEqual([
      { arn: expect.stringMatching(/^<OnboardingBus[0-9A-F]{8}\.Arn>$/), message: undefined },
      { arn: expect.stringMatching(/^<Notifications[0-9A-F]{8}>$/), message: expect.stringContaining('CloudTrail onboarding FAILED: execution onboard-444455556666') },
    ]);
  });

  it('alarm on failed, timed-out and aborted executions into the notifications topic', () => {
    const alarms = Object.values(s.templates.orchestrator!.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/States' } }));
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const a of alarms) {
      expect(a.Properties.Dimensions).toEqual([{ Name: 'StateMachineArn', Value: { Ref: expect.stringMatching(/^OnboardingStateMachine[0-9A-F]{8}$/) } }]);
      expect((flatten(a.Properties.AlarmActions) as string[])[0]).toMatch(/^<Notifications[0-9A-F]{8}>$/);
    }
  });

  it('are published to a KMS-encrypted, TLS-only topic with the configured e-mail subscriptions', () => {
    const created = synth(createSampleRaw());
    const t = created.templates.orchestrator!;
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    t.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'security-team@example.com' }, 1);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('notifications') });
  });
});
