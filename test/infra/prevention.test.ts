/**
 * Prevention (issue 10, item 5): with `prevention`, the ManagementEvents stack creates a service control
 * policy that denies changes to the service's trail and switch role to every principal of the targeted
 * member accounts but the member-access role. Its content is evaluated here as Organizations evaluates
 * an SCP level (root or account: FullAWSAccess plus this policy), with the simulation's evaluator.
 *
 * @slow (test/sequencer.js: first on a machine with no timings yet)
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { PREVENTION_POLICY_NAME } from '../../infra/config';
import { guardFindings } from '../../infra/guard';
import { nagFindings } from '../../infra/nag';
import { preventionPolicyContent, PROTECTED_ROLE_ACTIONS, PROTECTED_TRAIL_ACTIONS, SCP_MAX_CHARACTERS } from '../../infra/stacks/management-events-stack';
import { evaluate } from '../../local/sim/policy-eval';
import { FULL_AWS_ACCESS } from '../../local/sim/organizations';
import { problemsOf, sampleWith } from './config-cases';
import { CREATE_SAMPLE, createSampleRaw, onlyResource, resourcesOf, SAMPLE, sampleRaw, synth } from './helpers';

const MEMBER = '444455556666';
const ROOT = 'r-a1b2';
const TRAIL = 'org-member-trail';
const SWITCH_ROLE = 'SecurityAuditFromLogArchive';
const EXEMPTION_WARNING = 'cloudtrail-onboarding:preventionExemptsOrganizationAccessRole';

type Content = ReturnType<typeof preventionPolicyContent>;

function withPrevention(base: Record<string, unknown>, targets: string[] = [ROOT, MEMBER]) {
  return synth({ ...base, prevention: { targets } });
}

function scpOf(s: ReturnType<typeof synth>) {
  const [id, policy] = onlyResource(s.templates.managementEvents!, 'AWS::Organizations::Policy');
  return { id, props: policy.Properties as { Name: string; Type: string; TargetIds: string[]; Content: Content; Description: string } };
}

describe('the service control policy of `prevention`', () => {
  let props: ReturnType<typeof scpOf>['props'];
  beforeAll(() => {
    props = scpOf(withPrevention(sampleRaw())).props;
  });

  it('is an SCP of the management-events stack, attached to exactly the configured targets', () => {
    expect(props).toMatchObject({ Name: PREVENTION_POLICY_NAME, Type: 'SERVICE_CONTROL_POLICY', TargetIds: [ROOT, MEMBER] });
  });

  it("denies the changes to the trail, the switch role and the change rules (with their forwarder role) to all but the member-access role, and nothing else", () => {
    const exceptMemberAccess = { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/OrganizationAccountAccessRole' } };
    expect(props.Content).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ProtectOnboardingTrail',
          Effect: 'Deny',
          Action: [
            'cloudtrail:StopLogging',
            'cloudtrail:DeleteTrail',
            'cloudtrail:UpdateTrail',
            'cloudtrail:PutEventSelectors',
            'cloudtrail:PutInsightSelectors',
            'cloudtrail:RemoveTags',
          ],
          Resource: `arn:aws:cloudtrail:*:*:trail/${TRAIL}`,
          Condition: exceptMemberAccess,
        },
        {
          Sid: 'ProtectOnboardingSwitchRole',
          Effect: 'Deny',
          Action: [
            'iam:DeleteRole',
            'iam:UpdateAssumeRolePolicy',
            'iam:PutRolePolicy',
            'iam:DeleteRolePolicy',
            'iam:AttachRolePolicy',
            'iam:DetachRolePolicy',
            'iam:UpdateRole',
            'iam:DeleteRolePermissionsBoundary',
            'iam:PutRolePermissionsBoundary',
            'iam:TagRole',
            'iam:UntagRole',
          ],
          Resource: [`arn:aws:iam::*:role/${SWITCH_ROLE}`, 'arn:aws:iam::*:role/CloudTrailOnboarding-ChangeForwarder'],
          Condition: exceptMemberAccess,
        },
        {
          Sid: 'ProtectOnboardingChangeRules',
          Effect: 'Deny',
          Action: ['events:DeleteRule', 'events:DisableRule', 'events:PutRule', 'events:PutTargets', 'events:RemoveTargets', 'events:UntagResource'],
          Resource: ['arn:aws:events:*:*:rule/cloudtrail-onboarding-trail-changes', 'arn:aws:events:*:*:rule/cloudtrail-onboarding-role-changes'],
          Condition: exceptMemberAccess,
        },
      ],
    });
  });

  it(`is under the ${SCP_MAX_CHARACTERS}-character quota, also with the longest names the configuration accepts`, () => {
    expect(JSON.stringify(props.Content).length).toBeLessThan(SCP_MAX_CHARACTERS);
    const longest = preventionPolicyContent({
      trailName: `t${'x'.repeat(127)}`,
      switchRole: { name: 's'.repeat(64), trustedPrincipalArns: ['arn:aws:iam::222233334444:root'], managedPolicyArns: [], maxSessionDuration: 3600 },
      memberAccessRoleName: 'm'.repeat(64),
    });
    // Even pretty-printed (the API counts white space): far under the quota.
    expect(JSON.stringify(longest, null, 2).length).toBeLessThan(SCP_MAX_CHARACTERS);
  });

  it('uses only elements SCPs accept: Deny statements with Action, Resource, Condition, no Principal', () => {
    for (const st of props.Content.Statement) {
      expect(Object.keys(st).sort()).toEqual(['Action', 'Condition', 'Effect', 'Resource', 'Sid']);
      expect(st.Effect).toBe('Deny');
    }
  });

  describe('as Organizations evaluates it for a principal of a targeted member account', () => {
    const admin = { name: 'AdministratorAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
    const trailArn = (name: string) => `arn:aws:cloudtrail:eu-west-1:${MEMBER}:trail/${name}`;
    const roleArn = (name: string) => `arn:aws:iam::${MEMBER}:role/${name}`;
    const decide = (role: string, action: string, resource: string) =>
      evaluate({
        principal: `arn:aws:sts::${MEMBER}:assumed-role/${role}/session`,
        action,
        resourceArn: resource,
        resourceAccount: MEMBER,
        context: { 'aws:PrincipalArn': roleArn(role), 'aws:PrincipalAccount': MEMBER },
        identityPolicies: [admin],
        serviceControlPolicies: [
          { orgIdentifier: ROOT, policies: [FULL_AWS_ACCESS, { name: PREVENTION_POLICY_NAME, policy: props.Content }] },
          { orgIdentifier: MEMBER, policies: [FULL_AWS_ACCESS] },
        ],
      }).then((r) => r.result);

    it.each(PROTECTED_TRAIL_ACTIONS.map((a) => [a]))('%s on the trail: denied to an administrator, allowed to the member-access role', async (action) => {
      expect(await decide('Administrator', action, trailArn(TRAIL))).toBe('ExplicitlyDenied');
      expect(await decide('OrganizationAccountAccessRole', action, trailArn(TRAIL))).toBe('Allowed');
    });

    it.each(PROTECTED_ROLE_ACTIONS.map((a) => [a]))('%s on the switch role: denied to an administrator, allowed to the member-access role', async (action) => {
      expect(await decide('Administrator', action, roleArn(SWITCH_ROLE))).toBe('ExplicitlyDenied');
      expect(await decide('OrganizationAccountAccessRole', action, roleArn(SWITCH_ROLE))).toBe('Allowed');
    });

    it.each([
      ['another trail', 'cloudtrail:StopLogging', trailArn('team-trail')],
      ['another role', 'iam:UpdateAssumeRolePolicy', roleArn('TeamRole')],
      ['creating the trail (onboarding is not in the way)', 'cloudtrail:CreateTrail', trailArn(TRAIL)],
      ['StartLogging of the trail', 'cloudtrail:StartLogging', trailArn(TRAIL)],
      ['reading the switch role', 'iam:GetRole', roleArn(SWITCH_ROLE)],
    ])('leaves %s to the administrator', async (_what, action, resource) => {
      expect(await decide('Administrator', action, resource)).toBe('Allowed');
    });

    it('does not exempt a role that merely ends with the member-access role name', async () => {
      expect(await decide('NotOrganizationAccountAccessRole', 'cloudtrail:StopLogging', trailArn(TRAIL))).toBe('ExplicitlyDenied');
    });
  });
});

describe('the exemption follows memberAccessRoleName', () => {
  it('a dedicated member-access role (create-resources sample) is the one exempted, with no warning', () => {
    const s = withPrevention(createSampleRaw(), [MEMBER]);
    const { props } = scpOf(s);
    const cfg = s.config;
    expect(props.Content).toEqual(preventionPolicyContent(cfg));
    expect(props.Content.Statement.map((st) => st.Condition)).toEqual([
      { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/CloudTrailOnboardingMemberAccess' } },
      { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/CloudTrailOnboardingMemberAccess' } },
      { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/CloudTrailOnboardingMemberAccess' } },
    ]);
    Annotations.fromStack(s.built.managementEvents!).hasNoWarning('*', Match.stringLikeRegexp(EXEMPTION_WARNING));
  });

  it('OrganizationAccountAccessRole as the member-access role is exempted, with a warning that management-account administrators use it too', () => {
    const s = withPrevention(sampleRaw(), [MEMBER]);
    Annotations.fromStack(s.built.managementEvents!).hasWarning('*', Match.stringLikeRegexp(`exempts the member-access role OrganizationAccountAccessRole[\\s\\S]*${EXEMPTION_WARNING}`));
  });
});

describe.each([
  ['existing bucket and key (config/onboarding.sample.json)', sampleRaw],
  ['created bucket and key, dedicated orchestrator (config/onboarding.create-resources.sample.json)', createSampleRaw],
])('the checks synth runs, with `prevention`, %s', (_name, raw) => {
  let s: ReturnType<typeof synth>;
  beforeAll(() => {
    s = withPrevention(raw(), [ROOT, 'ou-a1b2-abcdefgh', MEMBER]);
  });

  it('cdk-nag (AwsSolutions) has no finding', () => {
    expect(nagFindings(s.built.stacks)).toEqual([]);
  });

  it('the Control Tower proactive controls (cfn-guard) have no finding, and the policy needs no suppression', () => {
    const assembly = s.built.app.synth();
    expect(guardFindings(assembly.stacks.map((st) => st.templateFullPath))).toEqual([]);
    const [, policy] = onlyResource(s.templates.managementEvents!, 'AWS::Organizations::Policy');
    expect((policy as { Metadata?: Record<string, unknown> }).Metadata?.guard).toBeUndefined();
  });
});

describe('without `prevention`', () => {
  it.each([
    ['the sample', SAMPLE],
    ['the create-resources sample', CREATE_SAMPLE],
  ])('%s has no Organizations policy in any stack', (_name, config) => {
    const s = synth(config);
    for (const t of Object.values(s.templates)) if (t) expect(resourcesOf(t, 'AWS::Organizations::Policy')).toEqual({});
    expect(s.built.managementEvents?.preventionPolicy).toBeUndefined();
  });
});

describe('configurations `prevention` refuses', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['without organizationId', { organizationId: undefined, prevention: { targets: [MEMBER] } }, /^prevention: a service control policy needs an organization, and organizationId is not set/],
    ['the management account as a target', { prevention: { targets: [MEMBER, '111122223333'] } }, /^prevention\.targets: service control policies do not affect the management account 111122223333/],
    ['a target that is no root, OU or account id', { prevention: { targets: ['o-a1b2c3d4e5'] } }, /^prevention\.targets\.0: must be an Organizations root id \(r-xxxx\), OU id \(ou-xxxx-yyyyyyyy\) or 12-digit account id \(received "o-a1b2c3d4e5"\)$/],
    ['no target', { prevention: { targets: [] } }, /^prevention\.targets: must name at least one root, OU or account/],
    ['a target twice', { prevention: { targets: [MEMBER, MEMBER] } }, /^prevention\.targets: must not name a target twice/],
    ['a misspelt key', { prevention: { target: [MEMBER] } }, /^prevention\.target: is not a configuration key here .*did you mean prevention\.targets\?/],
  ])('%s', (_what, patch, problem) => {
    expect(problemsOf(sampleWith(patch))).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('accepts roots, OUs and accounts', () => {
    expect(() => synth(sampleWith({ prevention: { targets: [ROOT, 'ou-a1b2-abcdefgh', MEMBER] } }))).not.toThrow();
  });
});
