import { IAMClient, GetRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { caught, DEMO, demoWorld, memberRole, session, type TestWorld } from './helpers';

describe('simulated STS', () => {
  let t: TestWorld;
  beforeEach(() => {
    t = demoWorld();
  });
  afterEach(() => t.dispose());

  const member = DEMO.memberAccountIds[0];

  it('lets the management account assume OrganizationAccountAccessRole (trust evaluated) and signs later calls as the session', async () => {
    const sts = t.client(STSClient);
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: memberRole(member), RoleSessionName: 'onboarding' }));
    expect(out.AssumedRoleUser?.Arn).toBe(session(member, 'OrganizationAccountAccessRole', 'onboarding'));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Credentials?.Expiration).toBeInstanceOf(Date);

    const credentials = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    const asMember = new STSClient({ region: DEMO.region, credentials });
    t.world.hook(asMember);
    const me = await asMember.send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: member, Arn: out.AssumedRoleUser?.Arn });
    expect(me.UserId).toMatch(/^AROA.*:onboarding$/);
  });

  it('denies a caller the trust policy does not name, with STS wording', async () => {
    const caller = session(DEMO.memberAccountIds[1], 'OrganizationAccountAccessRole');
    const err = await caught(() => t.client(STSClient, caller).send(new AssumeRoleCommand({ RoleArn: memberRole(member), RoleSessionName: 'x1' })));
    expect(err.name).toBe('AccessDenied');
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toBe(`User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${memberRole(member)}`);
  });

  it('honours conditions of the trust policy (aws:PrincipalOrgID)', async () => {
    const outsider = '123456789012';
    t.world.addAccount(outsider);
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalOrgID': DEMO.organizationId } } }],
    };
    t.world.iam.createRole(member, { name: 'OrgWide', trustPolicy: trust });
    const roleArn = memberRole(member, 'OrgWide');
    expect(await t.world.canAssumeRole(DEMO.operatorPrincipalArn, roleArn)).toBe(true);
    expect(await t.world.canAssumeRole(session(outsider, 'Someone'), roleArn)).toBe(false);
  });

  it('denies AssumeRole on a role that does not exist', async () => {
    const err = await caught(() => t.client(STSClient).send(new AssumeRoleCommand({ RoleArn: memberRole(member, 'Nope'), RoleSessionName: 'x1' })));
    expect(err.name).toBe('AccessDenied');
  });

  it('makes a new account not ready for the first n AssumeRole calls', async () => {
    t.world.setAccountReadyAfter(member, 2);
    const sts = t.client(STSClient);
    const assume = () => sts.send(new AssumeRoleCommand({ RoleArn: memberRole(member), RoleSessionName: 'probe' }));
    expect((await caught(assume)).name).toBe('AccessDenied');
    expect((await caught(assume)).name).toBe('AccessDenied');
    await expect(assume()).resolves.toBeDefined();
  });

  it('denies roles in a suspended account', async () => {
    const err = await caught(() => t.client(STSClient).send(new AssumeRoleCommand({ RoleArn: memberRole(DEMO.suspendedAccountId), RoleSessionName: 'x1' })));
    expect(err.name).toBe('AccessDenied');
  });

  it('rejects an access key it never issued, per service', async () => {
    const bogus = { accessKeyId: 'AKIANOTISSUED0000000', secretAccessKey: 'x' };
    const sts = new STSClient({ region: DEMO.region, credentials: bogus, maxAttempts: 1 });
    const iam = new IAMClient({ region: DEMO.region, credentials: bogus, maxAttempts: 1 });
    t.world.hook(sts);
    t.world.hook(iam);
    expect((await caught(() => sts.send(new GetCallerIdentityCommand({}))))).toMatchObject({ name: 'InvalidClientTokenId' });
    expect((await caught(() => iam.send(new GetRoleCommand({ RoleName: 'x' }))))).toMatchObject({ name: 'InvalidClientTokenId' });
    expect(t.world.calls.at(-1)).toMatchObject({ principalArn: 'unknown-access-key:AKIANOTISSUED0000000', error: 'InvalidClientTokenId' });
  });

  it('caps chained role sessions at one hour', async () => {
    const err = await caught(() =>
      t.client(STSClient).send(new AssumeRoleCommand({ RoleArn: memberRole(member), RoleSessionName: 'long', DurationSeconds: 7200 })),
    );
    expect(err.name).toBe('ValidationError');
  });
});
