/**
 * The organization trail's changes in the templates (trailMode "organization", issue 12): the rule on
 * the management account's default bus in the trail's home region that forwards them to the onboarding
 * bus (infra/change-forwarding.ts), in the stack that lives there; StartFromChange's read of the
 * ONBOARDED accounts; and the prevention SCP's statement for a trail managed from a delegated
 * administrator (infra/stacks/management-events-stack.ts), evaluated as Organizations evaluates an SCP.
 */
import { trailChangeEventPattern } from '../../handlers/domain/change-rules';
import { ORGANIZATION_TRAIL_CHANGE_RULE_NAME, ORGANIZATION_TRAIL_FORWARDER_ROLE_NAME } from '../../infra/change-forwarding';
import { PREVENTION_POLICY_NAME } from '../../infra/config';
import { PROTECTED_TRAIL_ACTIONS, SCP_MAX_CHARACTERS, type preventionPolicyContent } from '../../infra/stacks/management-events-stack';
import { FULL_AWS_ACCESS } from '../../local/sim/organizations';
import { evaluate } from '../../local/sim/policy-eval';
import { flatten, identityPolicies, onlyResource, organizationSampleRaw, resourcesOf, sampleRaw, synth, type Synthesized } from './helpers';

const MGMT = '111122223333';
const DELEGATED = '333344445555';
const ORG_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/cloudtrail-onboarding-org`;
const BUS = `arn:aws:events:eu-west-1:${MGMT}:event-bus/cloudtrail-onboarding`;
const ctTrail = (region: string) => `arn:aws:cloudtrail:${region}:${MGMT}:trail/aws-controltower-BaselineCloudTrail`;

/** The organization trail's rule in each stack (undefined where there is none). */
function rulesIn(s: Synthesized) {
  const find = (key: 'orchestrator' | 'managementEvents') => {
    const t = s.templates[key];
    return t ? Object.values(resourcesOf(t, 'AWS::Events::Rule')).find((r) => r.Properties?.Name === ORGANIZATION_TRAIL_CHANGE_RULE_NAME) : undefined;
  };
  return { orchestrator: find('orchestrator'), managementEvents: find('managementEvents') };
}

/** StartFromChange's statements (its role's identity policies). */
function startFromChangeStatements(s: Synthesized) {
  const t = s.templates.orchestrator!;
  const [roleId] = onlyResource(t, 'AWS::IAM::Role', { RoleName: 'CloudTrailOnboarding-StartFromChange' });
  return identityPolicies(t).filter((p) => p.roles.includes(roleId)).flatMap((p) => p.statements);
}

describe('organization mode, the service\'s own trail (config/onboarding.organization-trail.sample.json)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(organizationSampleRaw());
  });

  it('the Orchestrator stack (management account, home region) holds the rule, on the default bus, with the trail\'s change pattern by name and ARN', () => {
    const { orchestrator, managementEvents } = rulesIn(s);
    expect(managementEvents).toBeUndefined();
    expect(orchestrator?.Properties?.EventBusName).toBeUndefined();
    expect(orchestrator?.Properties?.EventPattern).toEqual(trailChangeEventPattern(['cloudtrail-onboarding-org', ORG_TRAIL], [ORG_TRAIL]));
    expect(orchestrator?.Properties?.State).toBe('ENABLED');
  });

  it('its one target is the onboarding bus, sent with a role only EventBridge may assume, for this rule only, allowed only PutEvents on that bus', () => {
    const t = s.templates.orchestrator!;
    const rule = rulesIn(s).orchestrator!;
    const [busId] = onlyResource(t, 'AWS::Events::EventBus', { Name: 'cloudtrail-onboarding' });
    const [roleId, role] = onlyResource(t, 'AWS::IAM::Role', { RoleName: ORGANIZATION_TRAIL_FORWARDER_ROLE_NAME });
    expect(flatten(rule.Properties!.Targets)).toEqual([expect.objectContaining({ Arn: `<${busId}.Arn>`, RoleArn: `<${roleId}.Arn>` })]);
    expect(flatten(role.Properties!.AssumeRolePolicyDocument)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': MGMT }, ArnEquals: { 'aws:SourceArn': `arn:aws:events:eu-west-1:${MGMT}:rule/${ORGANIZATION_TRAIL_CHANGE_RULE_NAME}` } },
        },
      ],
    });
    expect(identityPolicies(t).filter((p) => p.roles.includes(roleId)).flatMap((p) => flatten(p.statements) as unknown[])).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: `<${busId}.Arn>` }]);
  });

  it('StartFromChange may Query the status index (the ONBOARDED accounts), and nothing more than in account mode besides', () => {
    const accountMode = startFromChangeStatements(synth(sampleRaw()));
    const organization = startFromChangeStatements(s);
    expect(accountMode.some((st) => st.Sid === 'ListOnboardedAccounts')).toBe(false);
    const added = organization.filter((st) => !accountMode.some((a) => JSON.stringify(flatten(a)) === JSON.stringify(flatten(st))));
    expect(added.map((st) => flatten(st))).toEqual([{ Sid: 'ListOnboardedAccounts', Effect: 'Allow', Action: 'dynamodb:Query', Resource: expect.stringMatching(/^<StatusTable[0-9A-F]+\.Arn>\/index\/status-index$/) }]);
  });
});

describe('where the rule goes', () => {
  it.each([
    ['account mode: nowhere', () => sampleRaw(), { orchestrator: false, managementEvents: false }],
    ['a trail given by ARN in the home region: the Orchestrator stack', () => ({ ...organizationSampleRaw(), organizationTrail: { arn: ctTrail('eu-west-1') } }), { orchestrator: true, managementEvents: false }],
    ['a trail given by ARN in us-east-1 (e.g. Control Tower\'s): the ManagementEvents stack', () => ({ ...organizationSampleRaw(), organizationTrail: { arn: ctTrail('us-east-1') } }), { orchestrator: false, managementEvents: true }],
    ['a trail given by ARN in a third region: nowhere (the fleet reconcile finds its changes)', () => ({ ...organizationSampleRaw(), organizationTrail: { arn: ctTrail('eu-central-1') } }), { orchestrator: false, managementEvents: false }],
  ])('%s', (_n, config, expected) => {
    const rules = rulesIn(synth(config()));
    expect({ orchestrator: rules.orchestrator !== undefined, managementEvents: rules.managementEvents !== undefined }).toEqual(expected);
  });

  it('in us-east-1 it names the given trail by its name and ARN, and sends to the onboarding bus in the home region with its role, allowed only that', () => {
    const s = synth({ ...organizationSampleRaw(), organizationTrail: { arn: ctTrail('us-east-1') } });
    const t = s.templates.managementEvents!;
    const rule = rulesIn(s).managementEvents!;
    expect(rule.Properties!.EventPattern).toEqual(trailChangeEventPattern(['aws-controltower-BaselineCloudTrail', ctTrail('us-east-1')], [ctTrail('us-east-1')]));
    const [roleId] = onlyResource(t, 'AWS::IAM::Role', { RoleName: ORGANIZATION_TRAIL_FORWARDER_ROLE_NAME });
    expect(flatten(rule.Properties!.Targets)).toEqual([expect.objectContaining({ Arn: BUS, RoleArn: `<${roleId}.Arn>` })]);
    expect(identityPolicies(t).filter((p) => p.roles.includes(roleId)).flatMap((p) => flatten(p.statements) as unknown[])).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS }]);
  });
});

describe('prevention and the organization trail', () => {
  type Content = ReturnType<typeof preventionPolicyContent>;
  const ROOT = 'r-a1b2';
  const scpOf = (raw: Record<string, unknown>): Content =>
    (onlyResource(synth({ ...raw, prevention: { targets: [ROOT] } }).templates.managementEvents!, 'AWS::Organizations::Policy')[1].Properties as { Content: Content }).Content;
  const delegated = { ...organizationSampleRaw(), organizationTrail: { name: 'cloudtrail-onboarding-org', delegatedAdministratorAccountId: DELEGATED } };

  it('managed from a delegated administrator: a statement denies its changes to all but the member-access role', () => {
    const content = scpOf(delegated);
    expect(content.Statement.find((st) => st.Sid === 'ProtectOrganizationTrail')).toEqual({
      Sid: 'ProtectOrganizationTrail',
      Effect: 'Deny',
      Action: [...PROTECTED_TRAIL_ACTIONS],
      Resource: 'arn:aws:cloudtrail:*:*:trail/cloudtrail-onboarding-org',
      Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/OrganizationAccountAccessRole' } },
    });
    expect(JSON.stringify(content).length).toBeLessThan(SCP_MAX_CHARACTERS);
  });

  it.each([
    ['managed from the management account (which no SCP restricts)', organizationSampleRaw()],
    ['given by ARN (not the service\'s to protect)', { ...organizationSampleRaw(), organizationTrail: { arn: ctTrail('eu-west-1') } }],
    ['account mode', sampleRaw()],
  ])('%s: no such statement', (_n, raw) => {
    expect(scpOf(raw).Statement.map((st) => st.Sid)).not.toContain('ProtectOrganizationTrail');
  });

  describe('as Organizations evaluates it for a principal of the delegated administrator', () => {
    const admin = { name: 'AdministratorAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
    const decide = (content: Content, role: string, action: string, resource: string, resourceAccount: string) =>
      evaluate({
        principal: `arn:aws:sts::${DELEGATED}:assumed-role/${role}/session`,
        action,
        resourceArn: resource,
        resourceAccount,
        context: { 'aws:PrincipalArn': `arn:aws:iam::${DELEGATED}:role/${role}`, 'aws:PrincipalAccount': DELEGATED },
        identityPolicies: [admin],
        serviceControlPolicies: [
          { orgIdentifier: ROOT, policies: [FULL_AWS_ACCESS, { name: PREVENTION_POLICY_NAME, policy: content }] },
          { orgIdentifier: DELEGATED, policies: [FULL_AWS_ACCESS] },
        ],
      }).then((r) => r.result);
    let content: Content;
    beforeAll(() => {
      content = scpOf(delegated);
    });

    // AWS does not document how CloudTrail authorizes a delegated administrator's call on the management
    // account's trail (README "What only a sandbox account can confirm"): both ARN forms are evaluated as
    // requests within the delegated administrator's own account, which is what the SCP decides on.
    const ARNS = [ORG_TRAIL, `arn:aws:cloudtrail:eu-west-1:${DELEGATED}:trail/cloudtrail-onboarding-org`];

    it.each(PROTECTED_TRAIL_ACTIONS.map((a) => [a]))('%s on the organization trail (by the management account\'s ARN or its own): denied to an administrator, allowed to the member-access role', async (action) => {
      for (const arn of ARNS) {
        expect(await decide(content, 'Administrator', action, arn, DELEGATED)).toBe('ExplicitlyDenied');
        expect(await decide(content, 'OrganizationAccountAccessRole', action, arn, DELEGATED)).toBe('Allowed');
      }
    });

    it('another trail and StartLogging stay allowed', async () => {
      expect(await decide(content, 'Administrator', 'cloudtrail:StopLogging', `arn:aws:cloudtrail:eu-west-1:${DELEGATED}:trail/team-trail`, DELEGATED)).toBe('Allowed');
      for (const arn of ARNS) expect(await decide(content, 'Administrator', 'cloudtrail:StartLogging', arn, DELEGATED)).toBe('Allowed');
    });
  });
});
