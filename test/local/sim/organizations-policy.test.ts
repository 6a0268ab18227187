/**
 * The simulated CloudFormation deploy of `AWS::Organizations::Policy` (local/sim/cloudformation.ts):
 * a service control policy is attached to its TargetIds, the world then evaluates it for the
 * principals of the member accounts under them; what Organizations would refuse fails the deploy
 * before anything is attached; an OU target denies the accounts under it (at any depth) and no other.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { StackDeployError } from '../../../local/sim/cloudformation';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';

const [MEMBER, OTHER] = DEMO.memberAccountIds;
const MANAGEMENT = DEMO.managementAccountId;
const DENY_CREATE_ROLE = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:CreateRole', Resource: '*' }] };

let t: TestWorld;
beforeEach(() => {
  t = demoWorld();
});
afterEach(() => t.dispose());

/** Deploys a stack with one policy into `accountId` (default: the management account, us-east-1). */
function deployPolicy(props: Record<string, unknown>, accountId: string = MANAGEMENT): void {
  t.world.deployStack({
    stackName: 'Guardrails',
    accountId,
    region: 'us-east-1',
    template: { Resources: { Guardrail: { Type: 'AWS::Organizations::Policy', Properties: { Name: 'DenyCreateRole', Type: 'SERVICE_CONTROL_POLICY', Content: DENY_CREATE_ROLE, ...props } } } },
  });
}

/** Whether an administrator session of `accountId` may create a role (the SDK, as a person would). */
async function mayCreateRole(accountId: string, name = 'Probe'): Promise<boolean> {
  const iam = t.client(IAMClient, session(accountId, 'OrganizationAccountAccessRole'));
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }] });
  try {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
    return true;
  } catch (e) {
    if ((e as Error).name === 'AccessDenied') return false;
    throw e;
  }
}

const attachments = () => t.world.organizations.exportState().scps;

describe('a service control policy deployed by a stack of the management account', () => {
  it('attached to an account: its principals are denied, another member account is not', async () => {
    deployPolicy({ TargetIds: [MEMBER] });
    expect(attachments()).toEqual({ [MEMBER]: [{ name: 'DenyCreateRole', policy: DENY_CREATE_ROLE }] });
    expect(await mayCreateRole(MEMBER)).toBe(false);
    expect(await mayCreateRole(OTHER)).toBe(true);
  });

  it('attached to the root: every member account is denied, the management account never (SCPs do not affect it)', async () => {
    const root = t.world.organizations.rootId()!;
    deployPolicy({ TargetIds: [root] });
    expect(await mayCreateRole(MEMBER)).toBe(false);
    expect(await mayCreateRole(OTHER)).toBe(false);
    const iam = t.client(IAMClient, session(MANAGEMENT, 'Administrator'));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:root` }, Action: 'sts:AssumeRole' }] });
    await expect(iam.send(new CreateRoleCommand({ RoleName: 'Probe', AssumeRolePolicyDocument: trust }))).resolves.toBeDefined();
  });

  it('attached to an OU (a stack such as the prevention SCP targets OUs): accounts under it, nested ones too, are denied; others are not', async () => {
    const root = t.world.organizations.rootId()!;
    const ou = t.world.organizations.createOrganizationalUnit(root, 'Workloads');
    const nested = t.world.organizations.createOrganizationalUnit(ou.id, 'Prod');
    t.world.organizations.placeAccount(MEMBER, nested.id);
    deployPolicy({ TargetIds: [ou.id] });
    expect(Object.keys(attachments())).toEqual([ou.id]);
    expect(await mayCreateRole(MEMBER)).toBe(false);
    expect(await mayCreateRole(OTHER)).toBe(true);
  });

  it('an update that drops a target detaches the policy there; re-deploying it unchanged changes nothing', async () => {
    deployPolicy({ TargetIds: [MEMBER, OTHER] });
    deployPolicy({ TargetIds: [OTHER] });
    expect(Object.keys(attachments())).toEqual([OTHER]);
    expect(await mayCreateRole(MEMBER)).toBe(true);
    const before = JSON.stringify(attachments());
    deployPolicy({ TargetIds: [OTHER] });
    expect(JSON.stringify(attachments())).toBe(before);
  });

  it('a policy of another type (a tag policy) is recorded only: nothing is attached', () => {
    deployPolicy({ Type: 'TAG_POLICY', Content: { tags: {} }, TargetIds: [MEMBER] });
    expect(attachments()).toEqual({});
  });
});

describe('what fails the deploy, attaching nothing', () => {
  it('an OU the organization does not have: TargetNotFoundException', async () => {
    const error = await caught(async () => deployPolicy({ TargetIds: [MEMBER, 'ou-a1b2-abcdefgh'] }));
    expect(error).toBeInstanceOf(StackDeployError);
    expect(error.message).toMatch(/Guardrail \(AWS::Organizations::Policy\) CREATE_FAILED: TargetNotFoundException: .*OU ou-a1b2-abcdefgh is not in the organization/);
    // The account target beside it is not attached either: a failed deploy writes nothing.
    expect(attachments()).toEqual({});
    expect(await mayCreateRole(MEMBER)).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string | undefined, RegExp]>([
    ['a root that is not the organization\'s', { TargetIds: ['r-zzzz'] }, undefined, /TargetNotFoundException: .*r-zzzz/],
    ['an account outside the organization', { TargetIds: ['123456789012'] }, undefined, /TargetNotFoundException: .*123456789012 is not in the organization/],
    ['a target id of no known shape', { TargetIds: ['o-a1b2c3d4e5'] }, undefined, /InvalidInputException: .*"o-a1b2c3d4e5"/],
    ['content over the 5,120-character quota', { TargetIds: [MEMBER], Content: { ...DENY_CREATE_ROLE, Statement: [{ ...DENY_CREATE_ROLE.Statement[0], Sid: 'x'.repeat(5120) }] } }, undefined, /ConstraintViolationException: POLICY_CONTENT_LIMIT_EXCEEDED/],
    ['content that is no policy', { TargetIds: [MEMBER], Content: 'not json' }, undefined, /MalformedPolicyDocumentException/],
    ['a stack in a member account (only the management account manages policies)', { TargetIds: [MEMBER] }, OTHER, /AccessDeniedException/],
  ])('%s', async (_what, props, accountId, reason) => {
    const error = await caught(async () => deployPolicy(props, accountId));
    expect(error).toBeInstanceOf(StackDeployError);
    expect(error.message).toMatch(reason);
    expect(attachments()).toEqual({});
  });
});
