/**
 * EventBridge set up through the SDK as people would: the orchestrator account's bus (with a bus
 * policy) and a rule on it with a Lambda-function target; in a member account a forwarding role
 * EventBridge may assume and a rule on the default bus that forwards CloudTrail's API-call events to
 * the orchestrator bus.
 */
import { CreateEventBusCommand, EventBridgeClient, PutPermissionCommand, PutRuleCommand, PutTargetsCommand, type Target } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { DEMO, session, type TestWorld } from './helpers';
import { asMemberAdmin } from './trail-setup';

export const ORCHESTRATOR = DEMO.managementAccountId;
export const BUS_NAME = 'cloudtrail-onboarding';
export const busArn = `arn:aws:events:${DEMO.region}:${ORCHESTRATOR}:event-bus/${BUS_NAME}`;
export const FUNCTION_ARN = `arn:aws:lambda:${DEMO.region}:${ORCHESTRATOR}:function:CloudTrailOnboarding-StartFromDriftEvent`;
export const FORWARD_RULE = 'ForwardTrailChanges';
export const FORWARDER_ROLE = 'EventBridgeForwarder';
export const DRIFT_RULE = 'DriftEvent';
export const asOrchestratorAdmin = session(ORCHESTRATOR, 'Administrator');
export const forwarderRoleArn = (account: string) => `arn:aws:iam::${account}:role/${FORWARDER_ROLE}`;
export const forwardRuleArn = (account: string, region: string = DEMO.region) => `arn:aws:events:${region}:${account}:rule/${FORWARD_RULE}`;

/** A policy admitting every account of the demo organization (aws:PrincipalOrgID). */
export const organizationBusPolicy = (arn: string = busArn) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OrganizationPutEvents',
      Effect: 'Allow',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: arn,
      Condition: { StringEquals: { 'aws:PrincipalOrgID': DEMO.organizationId } },
    },
  ],
});

/** A policy admitting one account only. */
export const accountBusPolicy = (account: string) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'OneAccount', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'events:PutEvents', Resource: busArn }],
});

/** CloudTrail's API-call events of the service's trail, as a member's forwarding rule selects them. */
export const TRAIL_CHANGES_PATTERN = {
  source: ['aws.cloudtrail'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'] },
};

/** The orchestrator's bus with `policy`, and a rule on it invoking the Lambda function with `{ accountId, eventName }`. */
export async function orchestratorBus(t: TestWorld, policy: object = organizationBusPolicy()): Promise<EventBridgeClient> {
  const events = t.client(EventBridgeClient, asOrchestratorAdmin);
  await events.send(new CreateEventBusCommand({ Name: BUS_NAME }));
  // CloudFormation sets AWS::Events::EventBus.Policy this way (the whole document).
  await events.send(new PutPermissionCommand({ EventBusName: BUS_NAME, Policy: JSON.stringify(policy) }));
  await events.send(new PutRuleCommand({ Name: DRIFT_RULE, EventBusName: BUS_NAME, EventPattern: JSON.stringify({ 'detail-type': ['AWS API Call via CloudTrail'] }) }));
  await events.send(
    new PutTargetsCommand({
      Rule: DRIFT_RULE,
      EventBusName: BUS_NAME,
      Targets: [
        {
          Id: 'StartFromDriftEvent',
          Arn: FUNCTION_ARN,
          InputTransformer: { InputPathsMap: { account: '$.account', name: '$.detail.eventName' }, InputTemplate: '{"accountId":<account>,"eventName":<name>}' },
        },
      ],
    }),
  );
  return events;
}

/** The forwarding role of a member: trusted by EventBridge for the forwarding rule only, allowed PutEvents on the orchestrator bus. */
export async function forwarderRole(t: TestWorld, account: string, options: { trustService?: string; resource?: string } = {}): Promise<string> {
  const iam = t.client(IAMClient, asMemberAdmin(account));
  await iam.send(
    new CreateRoleCommand({
      RoleName: FORWARDER_ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: options.trustService ?? 'events.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': account, 'aws:SourceArn': forwardRuleArn(account) } },
          },
        ],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: FORWARDER_ROLE,
      PolicyName: 'PutEventsOnOrchestratorBus',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: options.resource ?? busArn }] }),
    }),
  );
  return forwarderRoleArn(account);
}

/** The member's rule forwarding the trail's changes to the orchestrator bus (with the forwarding role unless `role: null`). */
export async function forwardingRule(t: TestWorld, account: string, options: { role?: string | null; target?: Partial<Target> } = {}): Promise<EventBridgeClient> {
  const events = t.client(EventBridgeClient, asMemberAdmin(account));
  await events.send(new PutRuleCommand({ Name: FORWARD_RULE, EventPattern: JSON.stringify(TRAIL_CHANGES_PATTERN) }));
  const role = options.role === undefined ? forwarderRoleArn(account) : options.role;
  await events.send(new PutTargetsCommand({ Rule: FORWARD_RULE, Targets: [{ Id: 'OrchestratorBus', Arn: busArn, ...(role ? { RoleArn: role } : {}), ...options.target }] }));
  return events;
}
