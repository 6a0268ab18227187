/**
 * The dedicated-orchestrator layout of config/onboarding.create-resources.sample.json, end to end in
 * the simulation with the deployed IAM: the orchestrator in a security-tooling account, the bucket and
 * key created by the LogArchive stack, the member-access role deployed to every member account (the
 * StackSet template), Organizations read through the ManagementEvents stack's role.
 */
import { fakeDateOnly } from '../fake-date';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { createClient } from '../../../handlers/shared/clients';
import createResources from '../../../config/onboarding.create-resources.sample.json';
import { DEMO, startLocal, type Local } from '../harness';

const MEMBER = DEMO.memberAccountIds[0];


describe('the dedicated-orchestrator layout (config/onboarding.create-resources.sample.json)', () => {
  let local: Local;
  beforeAll(async () => {
    // Only the clock is faked (timers run for real): the simulation, the SDK and the handlers all read
    // Date, so moving it moves time for all of them at once, as in AWS.
    fakeDateOnly();
    local = await startLocal({ baseConfig: createResources });
  });
  afterAll(async () => {
    await local.stop();
    jest.useRealTimers();
  });

  it('creates the bucket and key from the LogArchive template and onboards an account through the member-access role', async () => {
    expect(local.world.s3.getBucket(createResources.logBucket.name)).toBeDefined();
    const r = await local.run({ accountId: MEMBER }, `onboard-${MEMBER}`);
    expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    const memberCalls = local.world.calls.filter((c) => c.accountId === MEMBER && c.service !== 'sts');
    expect(new Set(memberCalls.map((c) => c.principalArn))).toEqual(new Set([`arn:aws:sts::${MEMBER}:assumed-role/CloudTrailOnboardingMemberAccess/cloudtrail-onboarding`]));
    // Defect 3: Organizations is read through the role the ManagementEvents stack creates.
    const describe = local.world.calls.filter((c) => c.operation === 'DescribeAccount');
    expect(describe.map((c) => c.principalArn)).toEqual([`arn:aws:sts::${DEMO.managementAccountId}:assumed-role/CloudTrailOnboarding-OrganizationsRead/cloudtrail-onboarding`]);
    // The reader role carries the LogArchive stack's boundary.
    const reader = local.world.iam.getRole(DEMO.logArchiveAccountId, `CloudTrailLogReader-${MEMBER}`);
    expect(reader?.permissionsBoundary).toBe(`arn:aws:iam::${DEMO.logArchiveAccountId}:policy/CloudTrailOnboarding-ReaderBoundary`);
  });

  it('defect 10: two hours later (the role-chained Organizations session has expired) the next onboarding still validates', async () => {
    jest.setSystemTime(Date.now() + 2 * 3600 * 1000);
    const next = DEMO.memberAccountIds[1];
    local.world.resetCalls();
    const r = await local.run({ accountId: next }, `onboard-${next}`);
    expect(r.status).toBe('SUCCEEDED');
    expect(local.world.calls.filter((c) => c.error === 'ExpiredTokenException')).toEqual([]);
    expect(local.world.calls.filter((c) => c.step === 'ValidateRequest' && c.operation === 'AssumeRole').map((c) => [(c.input as { RoleArn: string }).RoleArn, c.error])).toEqual([[`arn:aws:iam::${DEMO.managementAccountId}:role/CloudTrailOnboarding-OrganizationsRead`, undefined]]);
  });

  it('the member-access role is the StackSet template: with its trail statement removed, EnsureTrail fails with AccessDenied', async () => {
    const account = DEMO.memberAccountIds[2];
    local.sfn.redeployStack('CloudTrailOnboarding-MemberAccess', (t) => {
      for (const r of Object.values((t as { Resources: Record<string, { Type: string; Properties: any }> }).Resources)) {
        if (r.Type !== 'AWS::IAM::Role') continue;
        for (const p of r.Properties.Policies) p.PolicyDocument.Statement = p.PolicyDocument.Statement.filter((st: { Sid?: string }) => st.Sid !== 'ManageTrail');
      }
    });
    try {
      local.world.resetCalls();
      const r = await local.run({ accountId: account }, `onboard-${account}`);
      expect({ status: r.status, error: r.error }).toEqual({ status: 'FAILED', error: 'AccessDenied' });
      expect(r.cause).toMatch(/^EnsureTrail: .*cloudtrail:GetTrail/);
      expect(local.world.cloudtrail.list().filter((t) => t.accountId === account)).toEqual([]);
    } finally {
      local.sfn.redeployStack('CloudTrailOnboarding-MemberAccess');
    }
  });

  it('defect 12: the access role cannot create a reader role without the boundary, nor any other role', async () => {
    const asAccessRole = local.world.credentialsFor(`arn:aws:sts::${DEMO.logArchiveAccountId}:assumed-role/OnboardingLogArchiveAccess/probe`);
    const iam = createClient(IAMClient, { region: DEMO.region, credentials: asAccessRole });
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MEMBER}:root` }, Action: 'sts:AssumeRole' }] });
    const tags = [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }];
    for (const input of [
      { RoleName: 'CloudTrailLogReader-999999999999', AssumeRolePolicyDocument: trust, Tags: tags },
      { RoleName: 'Escalate', AssumeRolePolicyDocument: trust, Tags: tags, PermissionsBoundary: `arn:aws:iam::${DEMO.logArchiveAccountId}:policy/CloudTrailOnboarding-ReaderBoundary` },
    ]) {
      await expect(iam.send(new CreateRoleCommand(input))).rejects.toMatchObject({ name: 'AccessDenied' });
    }
    iam.destroy();
  });

  it('defect 12: the member-account steps cannot assume a role in the log-archive or management account, or outside the organization', async () => {
    const outside = '123412341234';
    local.world.addAccount(outside);
    for (const step of ['EnsureSwitchRole', 'EnsureTrail']) {
      const fn = `arn:aws:sts::${DEMO.securityToolingAccountId}:assumed-role/CloudTrailOnboarding-${step}/fn`;
      expect(await local.world.canAssumeRole(fn, `arn:aws:iam::${MEMBER}:role/CloudTrailOnboardingMemberAccess`)).toBe(true);
      for (const account of [DEMO.logArchiveAccountId, DEMO.managementAccountId, outside]) {
        // The StackSet reaches the log-archive account too; elsewhere, such a role made by hand.
        const made = !local.world.iam.getRole(account, 'CloudTrailOnboardingMemberAccess');
        if (made) {
          local.world.iam.createRole(account, {
            name: 'CloudTrailOnboardingMemberAccess',
            trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.securityToolingAccountId}:root` }, Action: 'sts:AssumeRole' }] },
          });
        }
        try {
          expect({ account, assumable: await local.world.canAssumeRole(fn, `arn:aws:iam::${account}:role/CloudTrailOnboardingMemberAccess`) }).toEqual({ account, assumable: false });
        } finally {
          if (made) local.world.iam.deleteRoleDirectly(account, 'CloudTrailOnboardingMemberAccess');
        }
      }
    }
  });
});

