/**
 * `organizationTrail.delegatedAdministratorAccountId`, read from the synthesized templates: the
 * orchestrator's EnsureOrganizationTrail role gets the Organizations calls and the delegated
 * administrator's member-access role, and no CloudTrail grant of its own; the MemberAccess template
 * (one for every member) grants the organization trail to the delegated administrator's sessions only;
 * cdk-nag finds nothing unacknowledged.
 */
import { nagFindings } from '../../infra/nag';
import { flatten, identityPolicies, list, organizationSampleRaw, resourcesOf, Statement, synth, type Synthesized } from './helpers';

const MGMT = '111122223333';
const DELEGATED = '333344445555';
const TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/cloudtrail-onboarding-org`;
const ROLE = 'CloudTrailOnboardingMemberAccess';

/** The organization sample with a delegated administrator, through `memberAccessRoleName`. */
function delegatedConfig(memberAccessRoleName: string): Record<string, unknown> {
  return { ...organizationSampleRaw(), memberAccessRoleName, organizationTrail: { name: 'cloudtrail-onboarding-org', delegatedAdministratorAccountId: DELEGATED } };
}

/** The statements of the orchestrator role of one step function, logs and X-Ray left out, as plain data. */
function stepGrants(s: Synthesized, step: string): { actions: string[]; resource: unknown; condition?: unknown }[] {
  const fns = resourcesOf(s.templates.orchestrator!, 'AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => new RegExp(`^${step}[0-9A-F]{8}$`).test(id))!;
  const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  return identityPolicies(s.templates.orchestrator!)
    .filter((p) => p.roles.includes(roleId))
    .flatMap((p) => p.statements)
    .filter((st) => !list(st.Action).some((a) => a.startsWith('logs:') || a.startsWith('xray:')))
    .map((st) => ({ actions: list(st.Action).sort(), resource: flatten(st.Resource), ...(st.Condition ? { condition: st.Condition } : {}) }));
}

/** The member-access role's statements naming the organization trail or Organizations. */
function memberAccessOrganizationStatements(s: Synthesized): Statement[] {
  return identityPolicies(s.templates.memberAccess!)
    .flatMap((p) => p.statements)
    .filter((st) => list(st.Action).some((a) => a.startsWith('organizations:')) || JSON.stringify(flatten(st.Resource)).includes('cloudtrail-onboarding-org'));
}

describe('a CloudTrail delegated administrator, through OrganizationAccountAccessRole', () => {
  const s = synth(delegatedConfig('OrganizationAccountAccessRole'));

  it('EnsureOrganizationTrail: the feature set, trusted access for CloudTrail, the delegated administrator\'s role, the account; no CloudTrail or IAM grant', () => {
    expect(stepGrants(s, 'EnsureOrganizationTrail')).toEqual([
      { actions: ['sts:AssumeRole'], resource: `arn:aws:iam::${DELEGATED}:role/OrganizationAccountAccessRole` },
      { actions: ['organizations:DescribeOrganization', 'organizations:ListAWSServiceAccessForOrganization'], resource: '*' },
      { actions: ['organizations:EnableAWSServiceAccess'], resource: '*', condition: { StringEquals: { 'organizations:ServicePrincipal': 'cloudtrail.amazonaws.com' } } },
      { actions: ['organizations:DescribeAccount'], resource: `arn:aws:organizations::${MGMT}:account/o-a1b2c3d4e5/*` },
    ]);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagFindings(s.built.stacks)).toEqual([]);
  });
});

describe('a CloudTrail delegated administrator, through the MemberAccess stack\'s role', () => {
  const s = synth(delegatedConfig(ROLE));
  const onlyDelegated = { StringEquals: { 'aws:PrincipalAccount': DELEGATED } };

  it('grants the organization trail (no StopLogging, no DeleteTrail) and CloudTrail\'s Organizations dependencies, to the delegated administrator\'s sessions only', () => {
    const statements = memberAccessOrganizationStatements(s).map((st) => ({ sid: st.Sid, actions: list(st.Action).sort(), resource: flatten(st.Resource), condition: st.Condition }));
    expect(statements).toEqual([
      {
        sid: 'ManageOrganizationTrail',
        actions: ['cloudtrail:GetEventSelectors', 'cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus', 'cloudtrail:ListTags', 'cloudtrail:PutEventSelectors', 'cloudtrail:StartLogging', 'cloudtrail:UpdateTrail'],
        resource: TRAIL,
        condition: onlyDelegated,
      },
      {
        sid: 'CreateOrganizationTrail',
        actions: ['cloudtrail:AddTags', 'cloudtrail:CreateTrail'],
        resource: [TRAIL, `arn:aws:cloudtrail:eu-west-1:${DELEGATED}:trail/cloudtrail-onboarding-org`],
        condition: onlyDelegated,
      },
      {
        sid: 'OrganizationTrailDependencies',
        actions: ['organizations:DescribeOrganization', 'organizations:ListAWSServiceAccessForOrganization'],
        resource: '*',
        condition: onlyDelegated,
      },
    ]);
  });

  it('without a delegated administrator the MemberAccess role has none of it', () => {
    const plain = synth({ ...organizationSampleRaw(), memberAccessRoleName: ROLE });
    expect(memberAccessOrganizationStatements(plain)).toEqual([]);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagFindings(s.built.stacks)).toEqual([]);
  });
});
