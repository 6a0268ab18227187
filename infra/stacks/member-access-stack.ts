/**
 * Member-access stack (every member account; environment-agnostic, for a service-managed
 * CloudFormation StackSet over the organization's OUs): the role the orchestrator assumes in each
 * member account when it does not run in the management account, so OrganizationAccountAccessRole
 * (which trusts only the management account) cannot serve.
 *
 * The role trusts exactly the orchestrator roles of the steps that work in member accounts, and may
 * do exactly what they do: read and write the switch role (attaching only the configured managed
 * policies), read, create, update and start the service's trail, and keep the change rules (the
 * forwarder role and the two EventBridge rules, whose one target is the orchestrator's bus); with a
 * CloudTrail delegated administrator, in that account only, the organization trail
 * (delegatedAdministratorStatements). Nothing else: not even reading other roles, trails or rules.
 *
 * Deploy it with `cdk synth CloudTrailOnboarding-MemberAccess` and a StackSet (README "Deploy").
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { organizationTrailArn } from '../../handlers/domain/arns';
import { CHANGE_FORWARDER_ROLE_NAME, CHANGE_RULE_NAMES, iamEventsRegion } from '../../handlers/domain/change-rules';
import { DEFAULT_ORGANIZATION_TRAIL_NAME, OWNERSHIP } from '../../handlers/shared/config';
import type { StepName } from '../../statemachine/steps';
import { AppConfig, migratesAccountTrails, onboardingBusArn, orchestratorAccount } from '../config';
import { acknowledge } from '../nag';
import { ROLE_NAME_PREFIX } from '../names';

/** Properties of {@link MemberAccessStack}. */
export interface MemberAccessStackProps extends StackProps {
  /** The validated deployment configuration. */
  readonly config: AppConfig;
}

/** The steps that act in member accounts in every configuration. */
export const MEMBER_ACCOUNT_STEPS: readonly StepName[] = ['EnsureSwitchRole', 'EnsureTrail', 'EnsureChangeRules', 'OffboardAccount'];

/**
 * The steps whose roles the member-access role trusts (the only principals it trusts): the member-account
 * steps, and EnsureOrganizationTrail when it works in member accounts too (`migrateAccountTrails`: it reads
 * and deletes the account's per-account trail; a delegated administrator: it manages the organization trail there).
 */
export function memberAccountSteps(cfg: Pick<AppConfig, 'trailMode' | 'migrateAccountTrails' | 'organizationTrail'>): StepName[] {
  const organizationTrailInMembers = migratesAccountTrails(cfg) || (cfg.trailMode === 'organization' && cfg.organizationTrail?.delegatedAdministratorAccountId !== undefined);
  return [...MEMBER_ACCOUNT_STEPS, ...(organizationTrailInMembers ? (['EnsureOrganizationTrail'] as const) : [])];
}

/**
 * With a CloudTrail delegated administrator (`organizationTrail.delegatedAdministratorAccountId`, the
 * service's own organization trail): what EnsureOrganizationTrail does there through this role, and in
 * no other account. The StackSet deploys one template to every member, so every statement requires
 * `aws:PrincipalAccount` = the delegated administrator; elsewhere the role's sessions are of another
 * account and the statements allow nothing.
 * - The trail by its ARN, the management account's ("The management account remains the owner of any
 *   CloudTrail organization resources the delegated administrator creates",
 *   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html):
 *   the reads, UpdateTrail, StartLogging and PutEventSelectors (no StopLogging, no DeleteTrail).
 * - CreateTrail, with AddTags for the tags it sets: on that ARN and on the same name in the delegated
 *   administrator. The Service Authorization Reference gives CreateTrail the resource
 *   `arn:${Partition}:cloudtrail:${Region}:${Account}:trail/${TrailName}` without saying whose account a
 *   delegated administrator's request is authorized in (the caller's, where the name is given, or the
 *   owner's); both name only this trail.
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html
 * - organizations:DescribeOrganization and ListAWSServiceAccessForOrganization, which CloudTrail requires
 *   of whoever creates or changes an organization trail (InsufficientDependencyServiceAccessPermission
 *   otherwise); they support no resource-level permissions.
 *   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-an-organizational-trail-prepare.html
 */
function delegatedAdministratorStatements(cfg: AppConfig, partition: string): iam.PolicyStatement[] {
  const delegated = cfg.trailMode === 'organization' && !cfg.organizationTrail?.arn ? cfg.organizationTrail?.delegatedAdministratorAccountId : undefined;
  if (!delegated) return [];
  const name = cfg.organizationTrail?.name ?? DEFAULT_ORGANIZATION_TRAIL_NAME;
  const trailArn = organizationTrailArn({ partition, homeRegion: cfg.homeRegion, managementAccountId: cfg.managementAccountId, organizationTrail: { name } });
  const conditions = { StringEquals: { 'aws:PrincipalAccount': delegated } };
  return [
    new iam.PolicyStatement({
      sid: 'ManageOrganizationTrail',
      actions: [
        'cloudtrail:GetEventSelectors',
        'cloudtrail:GetTrail',
        'cloudtrail:GetTrailStatus',
        'cloudtrail:ListTags',
        'cloudtrail:PutEventSelectors',
        'cloudtrail:StartLogging',
        'cloudtrail:UpdateTrail',
      ],
      resources: [trailArn],
      conditions,
    }),
    new iam.PolicyStatement({
      sid: 'CreateOrganizationTrail',
      actions: ['cloudtrail:AddTags', 'cloudtrail:CreateTrail'],
      resources: [trailArn, `arn:${partition}:cloudtrail:${cfg.homeRegion}:${delegated}:trail/${name}`],
      conditions,
    }),
    new iam.PolicyStatement({
      sid: 'OrganizationTrailDependencies',
      actions: ['organizations:DescribeOrganization', 'organizations:ListAWSServiceAccessForOrganization'],
      resources: ['*'],
      conditions,
    }),
  ];
}

/** The member-access role. */
export class MemberAccessStack extends Stack {
  /** The role the orchestrator's member-account steps assume. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MemberAccessStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    const orchestrator = orchestratorAccount(cfg);
    const p = this.partition;
    const switchRole = `arn:${p}:iam::${this.account}:role/${cfg.switchRole.name}`;
    // The trail lives in the home region; a multi-region trail is managed through its home region only.
    const trail = `arn:${p}:cloudtrail:${cfg.homeRegion}:${this.account}:trail/${cfg.trailName}`;
    // The change rules (handlers/domain/change-rules.ts): the forwarder role and one rule per region.
    const forwarderRole = `arn:${p}:iam::${this.account}:role/${CHANGE_FORWARDER_ROLE_NAME}`;
    const rules = [
      `arn:${p}:events:${cfg.homeRegion}:${this.account}:rule/${CHANGE_RULE_NAMES.trail}`,
      `arn:${p}:events:${iamEventsRegion(p)}:${this.account}:rule/${CHANGE_RULE_NAMES.roles}`,
    ];
    const roles = [switchRole, forwarderRole];

    this.role = new iam.Role(this, 'MemberAccessRole', {
      roleName: cfg.memberAccessRoleName,
      description: 'Assumed by the CloudTrail onboarding service to manage its switch role and trail in this account.',
      assumedBy: new iam.AccountPrincipal(orchestrator).withConditions({
        ArnEquals: { 'aws:PrincipalArn': memberAccountSteps(cfg).map((s) => `arn:${p}:iam::${orchestrator}:role/${ROLE_NAME_PREFIX}${s}`) },
      }),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        OnboardingMemberAccess: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'ReadRoles',
              actions: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:ListRoleTags'],
              resources: roles,
            }),
            new iam.PolicyStatement({
              sid: 'CreateRoles',
              actions: ['iam:CreateRole'],
              resources: roles,
              conditions: { StringEquals: { [`aws:RequestTag/${OWNERSHIP.tagKey}`]: OWNERSHIP.tagValue } },
            }),
            new iam.PolicyStatement({
              sid: 'WriteRoles',
              // DeleteRole: offboarding (its policies deleted and detached first), only roles of the service's.
              actions: ['iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:TagRole', 'iam:DetachRolePolicy', 'iam:DeleteRole'],
              resources: roles,
              conditions: { StringEquals: { [`aws:ResourceTag/${OWNERSHIP.tagKey}`]: OWNERSHIP.tagValue } },
            }),
            new iam.PolicyStatement({
              sid: 'AttachConfiguredPolicies',
              actions: ['iam:AttachRolePolicy'],
              resources: [switchRole],
              conditions: {
                StringEquals: { [`aws:ResourceTag/${OWNERSHIP.tagKey}`]: OWNERSHIP.tagValue },
                ArnEquals: { 'iam:PolicyARN': cfg.switchRole.managedPolicyArns },
              },
            }),
            new iam.PolicyStatement({
              sid: 'ManageTrail',
              actions: [
                'cloudtrail:AddTags',
                'cloudtrail:CreateTrail',
                'cloudtrail:GetEventSelectors',
                'cloudtrail:GetTrail',
                'cloudtrail:GetTrailStatus',
                'cloudtrail:ListTags',
                'cloudtrail:PutEventSelectors',
                'cloudtrail:StartLogging',
                'cloudtrail:UpdateTrail',
              ],
              resources: [trail],
            }),
            // The trail is deleted when the account is offboarded, and (migrateAccountTrails) once the organization
            // trail delivers the account's logs; both steps check first that it is the service's own.
            new iam.PolicyStatement({ sid: 'DeleteTrail', actions: ['cloudtrail:DeleteTrail'], resources: [trail] }),
            new iam.PolicyStatement({
              sid: 'ManageChangeRules',
              // DeleteRule: offboarding (after RemoveTargets).
              actions: ['events:DeleteRule', 'events:DescribeRule', 'events:ListTargetsByRule', 'events:ListTagsForResource', 'events:PutRule', 'events:RemoveTargets', 'events:TagResource'],
              resources: rules,
            }),
            // The rules' one target: the orchestrator's bus, with the forwarder role (passed to EventBridge only).
            new iam.PolicyStatement({
              sid: 'TargetOnboardingBus',
              actions: ['events:PutTargets'],
              resources: rules,
              // events:TargetArn is multivalued (one per target of the request): every one must be the bus.
              conditions: { 'ForAllValues:ArnEquals': { 'events:TargetArn': onboardingBusArn(cfg) } },
            }),
            new iam.PolicyStatement({
              sid: 'PassChangeForwarderRole',
              actions: ['iam:PassRole'],
              resources: [forwarderRole],
              conditions: { StringEquals: { 'iam:PassedToService': 'events.amazonaws.com' } },
            }),
            // Finding a same-named trail homed in another region (DescribeTrails with shadow trails);
            // DescribeTrails supports no resource-level permissions.
            // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html
            new iam.PolicyStatement({ sid: 'DescribeTrails', actions: ['cloudtrail:DescribeTrails'], resources: ['*'] }),
            ...delegatedAdministratorStatements(cfg, p),
          ],
        }),
      },
    });
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'cloudtrail:DescribeTrails supports no resource-level permissions (it reads trail settings only)' +
        (delegatedAdministratorStatements(cfg, p).length
          ? ', nor do organizations:DescribeOrganization and ListAWSServiceAccessForOrganization (the delegated administrator only: aws:PrincipalAccount)'
          : '') +
        '; every other statement names the switch role or the trail.',
    );
  }
}
