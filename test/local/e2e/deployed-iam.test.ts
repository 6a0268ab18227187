/**
 * The simulation runs the IAM the stacks deploy: every function acts as its own execution role from
 * the synthesized template, every call is authorized with that role's policies (and the resource's
 * policy, both sides of a cross-account AssumeRole, boundaries and SCPs), so a grant missing from a
 * stack fails the run as it would in AWS. Both sample layouts onboard an account end to end.
 */
import { STACK_IDS } from '../../../infra/app-builder';
import { DEMO, startLocal, type Local } from '../harness';

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

const MEMBER = DEMO.memberAccountIds[0];

/** Removes the statement `sid` from every policy of the template attached to the role named `roleName`. */
function removeStatement(template: Template, roleName: string, sid: string): void {
  const resources = template.Resources;
  const roleIds = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === roleName)
    .map(([id]) => id);
  if (roleIds.length !== 1) throw new Error(`no role ${roleName} in the template`);
  let removed = 0;
  const drop = (doc: { Statement: { Sid?: string }[] }) => {
    const before = doc.Statement.length;
    doc.Statement = doc.Statement.filter((s) => s.Sid !== sid);
    removed += before - doc.Statement.length;
  };
  for (const r of Object.values(resources)) {
    if (r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleIds[0])) drop(r.Properties.PolicyDocument);
  }
  for (const p of (resources[roleIds[0]].Properties.Policies as { PolicyDocument: { Statement: { Sid?: string }[] } }[] | undefined) ?? []) drop(p.PolicyDocument);
  if (removed === 0) throw new Error(`role ${roleName} has no statement ${sid}`);
}

/** The step where an execution failed, from its history. */
function failedStep(history: readonly { type: string; state?: string; error?: string }[]): { state?: string; error?: string } | undefined {
  return history.find((h) => h.type === 'StateFailed' || h.type === 'TaskFailed');
}

/** Deploys `stackName` again with `change` applied to a copy of its synthesized template (a stack update). */
function redeploy(local: Local, stackName: string, change?: (t: Template) => void): void {
  local.sfn.redeployStack(stackName, change as ((t: Record<string, unknown>) => void) | undefined);
}

let local: Local;
beforeAll(async () => {
  local = await startLocal({ extraMembers: ['300000000011', '300000000012', '300000000013'] });
});
afterAll(() => local.stop());

describe('local runs use the policies of the synthesized templates', () => {
  it('the sample layout onboards an account, every step acting as its own function role', async () => {
    const r = await local.run({ accountId: MEMBER }, `onboard-${MEMBER}`);
    expect(r.status).toBe('SUCCEEDED');
    const byStep = new Map<string, Set<string>>();
    for (const c of local.world.calls) if (c.step) byStep.set(c.step, new Set([...(byStep.get(c.step) ?? []), c.principalArn]));
    expect([...byStep.keys()].sort()).toEqual(['EnsureBucketPolicy', 'EnsureChangeRules', 'EnsureKeyPolicy', 'EnsureReaderRole', 'EnsureSwitchRole', 'EnsureTrail', 'RecordResult', 'ValidateRequest']);
    // Calls in the orchestrator account are made by the step's own role, nothing else.
    for (const [step, principals] of byStep) {
      const own = [...principals].filter((p) => p.startsWith(`arn:aws:sts::${DEMO.managementAccountId}:`));
      expect({ step, own: own.map((p) => p.split('/')[1]) }).toEqual({ step, own: [`CloudTrailOnboarding-${step}`] });
    }
    // Defect 1: the key is given by key ARN, so EnsureTrail never assumes the log-archive role (its
    // role has no grant for it; it used to, first thing, and was denied).
    const trailAssumes = local.world.calls.filter((c) => c.step === 'EnsureTrail' && c.operation === 'AssumeRole').map((c) => (c.input as { RoleArn: string }).RoleArn);
    expect(trailAssumes).toEqual([`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`]);
  });

  it('removing the Organizations statement from the ValidateRequest role makes that step fail with AccessDenied', async () => {
    redeploy(local, STACK_IDS.orchestrator, (t) => removeStatement(t, 'CloudTrailOnboarding-ValidateRequest', 'Organizations'));
    try {
      local.world.resetCalls();
      const account = '300000000011';
      const r = await local.run({ accountId: account }, `onboard-${account}`);
      expect(r.status).toBe('FAILED');
      expect(r.error).toBe('AccessDenied');
      expect(failedStep(r.history)?.state).toBe('ValidateRequest');
      const denied = local.world.calls.filter((c) => c.error === 'AccessDeniedException');
      expect(denied.map((c) => `${c.service}:${c.operation}`)).toEqual(['organizations:DescribeAccount']);
      expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb')).toEqual([]);
    } finally {
      redeploy(local, STACK_IDS.orchestrator);
    }
  });

  it('removing the KeyPolicy statement from the log-archive access role makes EnsureKeyPolicy fail with AccessDenied', async () => {
    redeploy(local, STACK_IDS.logArchive, (t) => removeStatement(t, 'OnboardingLogArchiveAccess', 'KeyPolicy'));
    try {
      local.world.resetCalls();
      const account = '300000000012';
      const r = await local.run({ accountId: account }, `onboard-${account}`);
      expect(r.status).toBe('FAILED');
      expect(r.error).toBe('AccessDenied');
      expect(local.world.calls.some((c) => c.step === 'EnsureKeyPolicy' && c.service === 'kms' && c.error === 'AccessDeniedException')).toBe(true);
      expect(local.world.calls.filter((c) => c.operation === 'PutKeyPolicy')).toEqual([]);
    } finally {
      redeploy(local, STACK_IDS.logArchive);
    }
  });

  it('with the template restored, the same account onboards (the stack update is what made the difference)', async () => {
    const account = '300000000012';
    const r = await local.run({ accountId: account }, `onboard-${account}-retry-1`);
    expect(r.status).toBe('SUCCEEDED');
  });
});

describe('service control policies are evaluated', () => {
  it('an SCP denying iam:CreateRole in the member account fails EnsureSwitchRole with AccessDenied and writes no role', async () => {
    const account = '300000000013';
    local.world.organizations.attachScp(account, {
      name: 'DenyRoleCreation',
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:CreateRole', Resource: '*' }] },
    });
    const r = await local.run({ accountId: account }, `onboard-${account}`);
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('AccessDenied');
    expect(local.world.iam.getRole(account, 'SecurityAuditFromLogArchive')).toBeUndefined();
    expect(local.world.calls.filter((c) => c.accountId === account && c.operation === 'CreateRole' && (c.input as { RoleName?: string }).RoleName === 'SecurityAuditFromLogArchive').map((c) => c.error)).toEqual(['AccessDenied']);
  });
});
