/**
 * Simulated EventBridge through the real EventBridgeClient: buses and bus policies, rules and
 * targets, PutEvents, and deliveries across accounts as the EventBridge User Guide describes them
 * (a role EventBridge assumes, the target bus's policy, one hop only, failures seen only as
 * FailedInvocations / dead-letter messages).
 */
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  LimitExceededException,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemovePermissionCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
  AccessDeniedException,
} from '@aws-sdk/client-eventbridge';
import { StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { exportWorld, importWorld } from '../../../local/sim/persistence';
import { renderTargetInput, invalidTargetInput } from '../../../local/sim/event-input';
import type { LambdaTargetContext } from '../../../local/sim/events';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';
import { asMemberAdmin, onboardTrails } from './trail-setup';
import {
  accountBusPolicy,
  asOrchestratorAdmin,
  BUS_NAME,
  busArn,
  DRIFT_RULE,
  FORWARD_RULE,
  forwarderRole,
  forwardingRule,
  forwardRuleArn,
  FUNCTION_ARN,
  orchestratorBus,
  ORCHESTRATOR,
} from './event-setup';

const member = DEMO.memberAccountIds[0];
const other = DEMO.memberAccountIds[1];
const DLQ = `arn:aws:sqs:${DEMO.region}:${member}:ForwardDeadLetters`;

describe('simulated EventBridge', () => {
  let t: TestWorld;
  let seen: { functionArn: string; input: unknown; context: LambdaTargetContext }[];

  beforeEach(() => {
    t = demoWorld();
    seen = [];
    t.world.events.onLambdaTarget(async (functionArn, input, context) => {
      seen.push({ functionArn, input, context });
    });
  });
  afterEach(() => t.dispose());

  /** Stops the member's trail as its administrator and waits for the deliveries. */
  async function stopLogging(account: string = member): Promise<void> {
    const [ct] = Object.values(await onboardTrails(t, [account]));
    await ct.send(new StopLoggingCommand({ Name: DEMO.trailName }));
    await t.world.events.drain();
  }

  describe('cross-account delivery', () => {
    it('a StopLogging in a member account reaches the orchestrator bus, whose policy admits the organization, through the forwarding role, and the Lambda target gets the transformed input', async () => {
      // prepare
      await orchestratorBus(t);
      await forwarderRole(t, member);
      await forwardingRule(t, member);

      // act
      await stopLogging();

      // assert
      expect(t.world.events.failedDeliveries()).toEqual([]);
      expect(seen).toHaveLength(1);
      expect(seen[0].functionArn).toBe(FUNCTION_ARN);
      expect(seen[0].input).toEqual({ accountId: member, eventName: 'StopLogging' });
      expect(seen[0].context).toMatchObject({ ruleName: DRIFT_RULE, eventBusArn: busArn });
      const event = seen[0].context.event;
      expect(event).toMatchObject({ source: 'aws.cloudtrail', 'detail-type': 'AWS API Call via CloudTrail', account: member, region: DEMO.region });
      // The same event on both buses: the member's default bus, then the orchestrator's.
      expect(t.world.events.received(busArn)).toEqual([expect.objectContaining({ event, fromEventBusArn: `arn:aws:events:${DEMO.region}:${member}:event-bus/default` })]);
      expect(t.world.events.invocations().map((i) => [i.ruleArn, i.targetArn, i.outcome])).toEqual([
        [forwardRuleArn(member), busArn, 'delivered'],
        [`arn:aws:events:${DEMO.region}:${ORCHESTRATOR}:rule/${BUS_NAME}/${DRIFT_RULE}`, FUNCTION_ARN, 'delivered'],
      ]);
    });

    it('a bus policy that does not admit the member makes the delivery fail, seen only as a failed invocation (with the dead-letter queue it would go to); the call itself succeeds', async () => {
      // prepare
      await orchestratorBus(t, accountBusPolicy(other));
      await forwarderRole(t, member);
      await forwardingRule(t, member, { target: { DeadLetterConfig: { Arn: DLQ } } });

      // act
      await stopLogging();

      // assert
      expect(seen).toEqual([]);
      expect(t.world.events.received(busArn)).toEqual([]);
      const [failure, ...more] = t.world.events.failedDeliveries();
      expect(more).toEqual([]);
      expect(failure).toMatchObject({ ruleArn: forwardRuleArn(member), targetArn: busArn, errorCode: 'CROSS_ACCOUNT_INGESTION_FAILED', deadLetterQueueArn: DLQ });
      expect(failure.event).toMatchObject({ source: 'aws.cloudtrail', detail: { eventName: 'StopLogging' } });
      expect(t.world.snapshot().trails[`arn:aws:cloudtrail:${DEMO.region}:${member}:trail/${DEMO.trailName}`].isLogging).toBe(false);
    });

    it('the account the policy names is admitted', async () => {
      // prepare
      await orchestratorBus(t, accountBusPolicy(member));
      await forwarderRole(t, member);
      await forwardingRule(t, member);

      // act
      await stopLogging();

      // assert
      expect(t.world.events.failedDeliveries()).toEqual([]);
      expect(seen.map((s) => s.input)).toEqual([{ accountId: member, eventName: 'StopLogging' }]);
    });

    it('without a role an organization grant admits nothing: EventBridge needs a RoleArn for it', async () => {
      // prepare
      await orchestratorBus(t);
      await forwardingRule(t, member, { role: null });

      // act
      await stopLogging();

      // assert
      expect(seen).toEqual([]);
      expect(t.world.events.failedDeliveries().map((f) => f.errorCode)).toEqual(['CROSS_ACCOUNT_INGESTION_FAILED']);
    });

    it('without a role the account named in the bus policy is admitted', async () => {
      // prepare
      await orchestratorBus(t, accountBusPolicy(member));
      await forwardingRule(t, member, { role: null });

      // act
      await stopLogging();

      // assert
      expect(t.world.events.failedDeliveries()).toEqual([]);
      expect(seen).toHaveLength(1);
    });

    it('a role whose trust policy does not admit EventBridge cannot be assumed: FAILED_TO_ASSUME_ROLE', async () => {
      // prepare
      await orchestratorBus(t);
      await forwarderRole(t, member, { trustService: 'lambda.amazonaws.com' });
      await forwardingRule(t, member);

      // act
      await stopLogging();

      // assert
      expect(seen).toEqual([]);
      expect(t.world.events.failedDeliveries().map((f) => f.errorCode)).toEqual(['FAILED_TO_ASSUME_ROLE']);
    });

    it('a role not allowed events:PutEvents on the bus: NO_PERMISSIONS', async () => {
      // prepare
      await orchestratorBus(t);
      await forwarderRole(t, member, { resource: `arn:aws:events:${DEMO.region}:${ORCHESTRATOR}:event-bus/another-bus` });
      await forwardingRule(t, member);

      // act
      await stopLogging();

      // assert
      expect(seen).toEqual([]);
      expect(t.world.events.failedDeliveries().map((f) => f.errorCode)).toEqual(['NO_PERMISSIONS']);
    });

    it('an event another bus forwarded is not sent on to a third bus', async () => {
      // prepare
      const orchestrator = await orchestratorBus(t);
      await forwarderRole(t, member);
      await forwardingRule(t, member);
      const third = `arn:aws:events:${DEMO.region}:${DEMO.securityToolingAccountId}:event-bus/default`;
      await orchestrator.send(new PutRuleCommand({ Name: 'OnwardsToSecurity', EventBusName: BUS_NAME, EventPattern: JSON.stringify({ source: ['aws.cloudtrail'] }) }));
      await orchestrator.send(new PutTargetsCommand({ Rule: 'OnwardsToSecurity', EventBusName: BUS_NAME, Targets: [{ Id: 'Security', Arn: third }] }));

      // act
      await stopLogging();

      // assert
      expect(seen).toHaveLength(1);
      expect(t.world.events.received(third)).toEqual([]);
      expect(t.world.events.failedDeliveries()).toEqual([expect.objectContaining({ targetArn: third, errorCode: 'THIRD_ACCOUNT_HOP_DETECTED' })]);
    });
  });

  describe('Lambda targets', () => {
    it('a hook that rejects is a failed invocation (ERROR_FROM_TARGET); with no hook the invocation is recorded as unhandled', async () => {
      // prepare
      await orchestratorBus(t, accountBusPolicy(member));
      await forwardingRule(t, member, { role: null });
      const unregister = t.world.events.onLambdaTarget(async () => {
        throw new Error('function failed');
      });

      // act
      await stopLogging();

      // assert
      expect(t.world.events.failedDeliveries()).toEqual([expect.objectContaining({ targetArn: FUNCTION_ARN, errorCode: 'ERROR_FROM_TARGET', errorMessage: 'function failed' })]);

      // prepare: no hook at all
      unregister();
      const unhandled = demoWorld();
      try {
        const events = unhandled.client(EventBridgeClient, asOrchestratorAdmin);
        await events.send(new PutRuleCommand({ Name: 'Mine', EventPattern: JSON.stringify({ source: ['com.example'] }) }));
        await events.send(new PutTargetsCommand({ Rule: 'Mine', Targets: [{ Id: 'Fn', Arn: FUNCTION_ARN, Input: '{"constant":true}' }] }));

        // act
        await events.send(new PutEventsCommand({ Entries: [{ Source: 'com.example', DetailType: 'Thing', Detail: '{}' }] }));
        await unhandled.world.events.drain();

        // assert
        expect(unhandled.world.events.invocations().map((i) => [i.targetArn, i.input, i.outcome])).toEqual([[FUNCTION_ARN, { constant: true }, 'unhandled']]);
      } finally {
        await unhandled.dispose();
      }
    });
  });

  describe('rules and targets', () => {
    it('PutRule validates the pattern; DescribeRule and ListRules read the rule back; DisableRule stops it matching; EnableRule restores it', async () => {
      // prepare
      const events = t.client(EventBridgeClient, asOrchestratorAdmin);
      const put = (Name: string, EventPattern: string) => events.send(new PutRuleCommand({ Name, EventPattern }));
      await events.send(new PutTargetsCommand({ Rule: (await put('Mine', JSON.stringify({ source: ['com.example'] })), 'Mine'), Targets: [{ Id: 'Fn', Arn: FUNCTION_ARN }] }));
      const send = () => events.send(new PutEventsCommand({ Entries: [{ Source: 'com.example', DetailType: 'Thing', Detail: '{"n":1}' }] }));

      // act
      const invalid = await caught(() => put('Broken', JSON.stringify({ source: 'com.example' })));
      const described = await events.send(new DescribeRuleCommand({ Name: 'Mine' }));
      const listed = await events.send(new ListRulesCommand({ NamePrefix: 'Mi' }));
      await events.send(new DisableRuleCommand({ Name: 'Mine' }));
      await send();
      await t.world.events.drain();
      const whileDisabled = seen.length;
      await events.send(new EnableRuleCommand({ Name: 'Mine' }));
      await send();
      await t.world.events.drain();

      // assert
      expect(invalid).toBeInstanceOf(InvalidEventPatternException);
      expect(invalid.message).toMatch(/^Event pattern is not valid\. Reason: /);
      expect(described).toMatchObject({
        Name: 'Mine',
        Arn: `arn:aws:events:${DEMO.region}:${ORCHESTRATOR}:rule/Mine`,
        EventPattern: JSON.stringify({ source: ['com.example'] }),
        State: 'ENABLED',
        EventBusName: 'default',
        CreatedBy: ORCHESTRATOR,
      });
      expect(listed.Rules?.map((r) => r.Name)).toEqual(['Mine']);
      expect(whileDisabled).toBe(0);
      expect(seen.map((s) => (s.input as { detail: unknown }).detail)).toEqual([{ n: 1 }]);
    });

    it('DeleteRule refuses while targets remain, deletes once they are removed, and succeeds for a rule that does not exist', async () => {
      // prepare
      const events = t.client(EventBridgeClient, asOrchestratorAdmin);
      await events.send(new PutRuleCommand({ Name: 'Mine', EventPattern: JSON.stringify({ source: ['com.example'] }) }));
      await events.send(new PutTargetsCommand({ Rule: 'Mine', Targets: [{ Id: 'Fn', Arn: FUNCTION_ARN }] }));

      // act
      const refused = await caught(() => events.send(new DeleteRuleCommand({ Name: 'Mine' })));
      await events.send(new RemoveTargetsCommand({ Rule: 'Mine', Ids: ['Fn'] }));
      await events.send(new DeleteRuleCommand({ Name: 'Mine' }));
      await events.send(new DeleteRuleCommand({ Name: 'Mine' }));
      const gone = await caught(() => events.send(new DescribeRuleCommand({ Name: 'Mine' })));

      // assert
      expect(refused).toMatchObject({ name: 'ValidationException', message: "Rule can't be deleted since it has targets." });
      expect(gone).toBeInstanceOf(ResourceNotFoundException);
      expect(gone.message).toBe('Rule Mine does not exist on EventBus default.');
    });

    it('a rule takes at most five targets; PutTargets replaces a target with the same Id; ListTargetsByRule lists them', async () => {
      // prepare
      const events = t.client(EventBridgeClient, asOrchestratorAdmin);
      await events.send(new PutRuleCommand({ Name: 'Mine', EventPattern: JSON.stringify({ source: ['com.example'] }) }));
      const target = (i: number, input = '{}') => ({ Id: `T${i}`, Arn: `${FUNCTION_ARN}-${i}`, Input: input });

      // act
      await events.send(new PutTargetsCommand({ Rule: 'Mine', Targets: [1, 2, 3, 4, 5].map((i) => target(i)) }));
      await events.send(new PutTargetsCommand({ Rule: 'Mine', Targets: [target(1, '{"v":2}')] }));
      const sixth = await caught(() => events.send(new PutTargetsCommand({ Rule: 'Mine', Targets: [target(6)] })));
      const listed = await events.send(new ListTargetsByRuleCommand({ Rule: 'Mine', Limit: 3 }));
      const rest = await events.send(new ListTargetsByRuleCommand({ Rule: 'Mine', NextToken: listed.NextToken }));
      const twoInputs = await caught(() => events.send(new PutTargetsCommand({ Rule: 'Mine', Targets: [{ ...target(1), InputPath: '$.detail' }] })));

      // assert
      expect(sixth).toBeInstanceOf(LimitExceededException);
      expect([...(listed.Targets ?? []), ...(rest.Targets ?? [])].map((x) => [x.Id, x.Input])).toEqual([
        ['T1', '{"v":2}'],
        ['T2', '{}'],
        ['T3', '{}'],
        ['T4', '{}'],
        ['T5', '{}'],
      ]);
      expect(twoInputs).toMatchObject({ name: 'ValidationException' });
    });

    it('TestEventPattern answers whether an event matches', async () => {
      // prepare
      const events = t.client(EventBridgeClient, asOrchestratorAdmin);
      const event = { id: '1', account: member, source: 'aws.cloudtrail', time: '2026-11-20T10:00:00Z', region: DEMO.region, resources: [], 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 'StopLogging' } };

      // act
      const yes = await events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ detail: { eventName: [{ prefix: 'Stop' }] } }), Event: JSON.stringify(event) }));
      const no = await events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ detail: { eventName: ['DeleteTrail'] } }), Event: JSON.stringify(event) }));

      // assert
      expect([yes.Result, no.Result]).toEqual([true, false]);
    });

    it('a principal without events:PutRule is denied on the rule ARN', async () => {
      // prepare
      t.world.iam.createRole(member, {
        name: 'Auditor',
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${member}:root` }, Action: 'sts:AssumeRole' }] },
        inlinePolicies: { ReadEvents: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['events:Describe*', 'events:List*'], Resource: '*' }] } },
      });
      const events = t.client(EventBridgeClient, session(member, 'Auditor'));

      // act
      const denied = await caught(() => events.send(new PutRuleCommand({ Name: 'Sneaky', EventPattern: JSON.stringify({ source: ['aws.cloudtrail'] }) })));
      const listed = await events.send(new ListRulesCommand({}));

      // assert
      expect(denied).toBeInstanceOf(AccessDeniedException);
      expect(denied.message).toContain(`events:PutRule on resource: arn:aws:events:${DEMO.region}:${member}:rule/Sneaky`);
      expect(listed.Rules).toEqual([]);
    });
  });

  describe('PutEvents', () => {
    it('each entry succeeds or fails on its own: FailedEntryCount and ErrorCode per entry', async () => {
      // prepare
      await orchestratorBus(t, accountBusPolicy(other));
      const events = t.client(EventBridgeClient, asMemberAdmin(member));

      // act
      const out = await events.send(
        new PutEventsCommand({
          Entries: [
            { Source: 'com.example', DetailType: 'Thing', Detail: '{"ok":true}' },
            { Source: 'com.example', DetailType: 'Thing' },
            { Source: 'com.example', DetailType: 'Thing', Detail: 'not json' },
            { Source: 'aws.cloudtrail', DetailType: 'AWS API Call via CloudTrail', Detail: '{}' },
            { Source: 'com.example', DetailType: 'Thing', Detail: '{}', EventBusName: busArn },
            { Source: 'com.example', DetailType: 'Thing', Detail: '{}', EventBusName: 'no-such-bus' },
          ],
        }),
      );

      // assert
      expect(out.FailedEntryCount).toBe(5);
      expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['ok', 'InvalidArgument', 'MalformedDetail', 'NotAuthorizedForSourceException', 'AccessDeniedException', 'ResourceNotFoundException']);
      expect(out.Entries?.[0].EventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(t.world.events.received().map((r) => [r.eventBusArn, r.event.account, r.event.detail])).toEqual([[`arn:aws:events:${DEMO.region}:${member}:event-bus/default`, member, { ok: true }]]);
    });

    it('an account the bus policy admits may put events on the bus directly', async () => {
      // prepare
      await orchestratorBus(t, accountBusPolicy(member));
      const events = t.client(EventBridgeClient, asMemberAdmin(member));

      // act
      const out = await events.send(new PutEventsCommand({ Entries: [{ Source: 'com.example', DetailType: 'AWS API Call via CloudTrail', Detail: '{"eventName":"x"}', EventBusName: busArn }] }));
      await t.world.events.drain();

      // assert
      expect(out.FailedEntryCount).toBe(0);
      expect(seen.map((s) => s.input)).toEqual([{ accountId: member, eventName: 'x' }]);
    });

    it('more than ten entries is a ValidationException', async () => {
      // prepare
      const events = t.client(EventBridgeClient, asOrchestratorAdmin);
      const entry = { Source: 'com.example', DetailType: 'Thing', Detail: '{}' };

      // act
      const refused = await caught(() => events.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) })));

      // assert
      expect(refused).toMatchObject({ name: 'ValidationException' });
    });
  });

  describe('bus policies', () => {
    it('PutPermission adds statements for an account or the organization, RemovePermission removes them, DescribeEventBus shows the policy', async () => {
      // prepare
      const events = t.client(EventBridgeClient, asOrchestratorAdmin);
      await events.send(new CreateEventBusCommand({ Name: BUS_NAME }));

      // act
      await events.send(new PutPermissionCommand({ EventBusName: BUS_NAME, Action: 'events:PutEvents', Principal: member, StatementId: 'Member' }));
      await events.send(
        new PutPermissionCommand({ EventBusName: BUS_NAME, Action: 'events:PutEvents', Principal: '*', StatementId: 'Org', Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: DEMO.organizationId } }),
      );
      const duplicate = await caught(() => events.send(new PutPermissionCommand({ EventBusName: BUS_NAME, Action: 'events:PutEvents', Principal: other, StatementId: 'Member' })));
      const both = await events.send(new DescribeEventBusCommand({ Name: BUS_NAME }));
      await events.send(new RemovePermissionCommand({ EventBusName: BUS_NAME, StatementId: 'Member' }));
      const one = await events.send(new DescribeEventBusCommand({ Name: busArn }));
      await events.send(new RemovePermissionCommand({ EventBusName: BUS_NAME, RemoveAllPermissions: true }));
      const none = await events.send(new DescribeEventBusCommand({ Name: BUS_NAME }));

      // assert
      expect(duplicate).toMatchObject({ name: 'ResourceAlreadyExistsException' });
      expect(JSON.parse(both.Policy ?? '{}')).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Member', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${member}:root` }, Action: 'events:PutEvents', Resource: busArn },
          { Sid: 'Org', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: busArn, Condition: { StringEquals: { 'aws:PrincipalOrgID': DEMO.organizationId } } },
        ],
      });
      expect(JSON.parse(one.Policy ?? '{}').Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['Org']);
      expect(none.Policy).toBeUndefined();
      expect(none.Arn).toBe(busArn);
    });

    it('a policy over 10 KB is refused with PolicyLengthExceededException', async () => {
      // prepare
      const events = t.client(EventBridgeClient, asOrchestratorAdmin);
      const statements = Array.from({ length: 120 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${String(i).padStart(12, '1')}:root` }, Action: 'events:PutEvents', Resource: busArn }));

      // act
      const refused = await caught(() => events.send(new PutPermissionCommand({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) })));

      // assert
      expect(refused).toMatchObject({ name: 'PolicyLengthExceededException' });
    });
  });

  it('buses, policies, rules, targets and pending drop switches survive exportWorld/importWorld, and the snapshot shows them', async () => {
    // prepare
    await orchestratorBus(t);
    await forwarderRole(t, member);
    await forwardingRule(t, member);
    t.world.events.dropNext(2, { eventName: 'DeleteTrail' });

    // act
    const copy = importWorld(JSON.parse(JSON.stringify(exportWorld(t.world))));

    // assert
    expect(copy.snapshot()).toEqual(t.world.snapshot());
    expect(Object.keys(t.world.snapshot().eventRules)).toEqual([forwardRuleArn(member), `arn:aws:events:${DEMO.region}:${ORCHESTRATOR}:rule/${BUS_NAME}/${DRIFT_RULE}`].sort());
    expect(t.world.snapshot().eventBuses[busArn].policy).toMatchObject({ Statement: [{ Sid: 'OrganizationPutEvents' }] });
    expect(copy.events.exportState().drops).toEqual([{ remaining: 2, filter: { eventName: 'DeleteTrail' } }]);
    expect(copy.events.getRule(forwardRuleArn(member))?.targets).toEqual([{ Id: 'OrchestratorBus', Arn: busArn, RoleArn: `arn:aws:iam::${member}:role/EventBridgeForwarder` }]);
    expect(FORWARD_RULE).toBe('ForwardTrailChanges');
  });
});

describe('target input (Input, InputPath, InputTransformer)', () => {
  const event = { version: '0', id: 'e-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.cloudtrail', account: member, time: '2026-11-20T10:00:00Z', region: DEMO.region, resources: [], detail: { eventName: 'StopLogging', requestParameters: { name: 'org-member-trail' }, n: 3, list: [{ id: 'a' }, { id: 'b' }] } };
  const context = { ruleName: 'R', ruleArn: `arn:aws:events:${DEMO.region}:${member}:rule/R`, ingestionTime: new Date('2026-11-20T10:00:01Z') };
  const transformer = (InputPathsMap: Record<string, string>, InputTemplate: string) => ({ InputTransformer: { InputPathsMap, InputTemplate } });

  it.each<[string, Parameters<typeof renderTargetInput>[0], unknown]>([
    ['no input settings: the event itself', {}, event],
    ['Input: the constant JSON', { Input: '{"accountId":"1"}' }, { accountId: '1' }],
    ['InputPath: a part of the event', { InputPath: '$.detail.requestParameters' }, { name: 'org-member-trail' }],
    ['InputPath with an array index', { InputPath: '$.detail.list[1].id' }, 'b'],
    ['InputPath with a wildcard', { InputPath: '$.detail.list[*].id' }, ['a', 'b']],
    ['a placeholder outside quotes takes the JSON value', transformer({ a: '$.account', n: '$.detail.n' }, '{"accountId":<a>,"n":<n>}'), { accountId: member, n: 3 }],
    ['a placeholder inside quotes takes the text', transformer({ name: '$.detail.eventName' }, '{"message":"trail change: <name>"}'), { message: 'trail change: StopLogging' }],
    ['escaped quotes stay inside the string', transformer({ name: '$.detail.eventName' }, '"<name> is \\"bad\\""'), 'StopLogging is "bad"'],
    ['a path the event lacks is null outside quotes', transformer({ x: '$.detail.missing' }, '{"x":<x>}'), { x: null }],
    ['predefined variables', transformer({}, '{"rule":<aws.events.rule-name>,"at":<aws.events.event.ingestion-time>,"id":"<aws.events.event.json>"}'), { rule: 'R', at: '2026-11-20T10:00:01.000Z', id: JSON.stringify(event) }],
    ['a template that is not JSON is delivered as text', transformer({ name: '$.detail.eventName' }, 'trail change: <name>'), 'trail change: StopLogging'],
  ])('%s', (_name, spec, expected) => {
    // act / assert
    expect(renderTargetInput(spec, event, context)).toEqual(expected);
  });

  it.each<[string, Parameters<typeof invalidTargetInput>[0]]>([
    ['two of Input, InputPath, InputTransformer', { Input: '{}', InputPath: '$' }],
    ['Input that is not JSON', { Input: '{' }],
    ['an InputPath that is no JSON path', { InputPath: 'detail.x' }],
    ['a reserved variable name', transformer({ 'aws.events.rule-arn': '$.id' }, '<aws.events.rule-arn>')],
  ])('PutTargets refuses %s', (_name, spec) => {
    // act / assert
    expect(invalidTargetInput(spec)).toEqual(expect.any(String));
  });
});
