/**
 * STS session tags in the simulation, as the IAM User Guide describes them
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html): sts:TagSession in the trust
 * policy, aws:RequestTag / aws:TagKeys in its evaluation, session tags as the session's
 * aws:PrincipalTag (over the role's own tags) and as ${aws:PrincipalTag/...} policy variables,
 * transitive tags through a role chain that cannot be overridden, the limits and AWS's errors; and
 * IAM's roles-per-account quota.
 */
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient, type AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { createClient } from '../../../handlers/shared/clients';
import { exportWorld, importWorld } from '../../../local/sim/persistence';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';

const LA = DEMO.logArchiveAccountId;
const [A, B] = DEMO.memberAccountIds;
const ADMIN_A = session(A, 'OrganizationAccountAccessRole', 'admin');
const role = (name: string) => `arn:aws:iam::${LA}:role/${name}`;

/** A trust policy for the members' accounts with these actions and conditions. */
const trust = (actions: string[], condition?: object) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:root`, `arn:aws:iam::${B}:root`] }, Action: actions, ...(condition ? { Condition: condition } : {}) }],
});

/** Reads roles named by the session's Team tag: a probe of what `${aws:PrincipalTag/Team}` resolves to. */
const PROBE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iam:GetRole', Resource: `arn:aws:iam::${LA}:role/team-\${aws:PrincipalTag/Team}` },
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
  ],
};

describe('simulated STS session tags', () => {
  let t: TestWorld;
  beforeEach(() => {
    t = demoWorld();
    for (const name of ['team-red', 'team-blue', 'team-green']) t.world.iam.createRole(LA, { name, trustPolicy: trust(['sts:AssumeRole']) });
    t.world.iam.createRole(LA, { name: 'Tagged', trustPolicy: trust(['sts:AssumeRole', 'sts:TagSession']), tags: [{ Key: 'Team', Value: 'red' }], inlinePolicies: { probe: PROBE_POLICY } });
    t.world.iam.createRole(LA, { name: 'Chained', trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${LA}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] }, inlinePolicies: { probe: PROBE_POLICY } });
    t.world.iam.createRole(LA, { name: 'NoTagSession', trustPolicy: trust(['sts:AssumeRole']) });
    t.world.iam.createRole(LA, {
      name: 'OwnAccountTag',
      trustPolicy: trust(['sts:AssumeRole', 'sts:TagSession'], {
        StringEquals: { 'aws:RequestTag/Acct': '${aws:PrincipalAccount}' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['Acct'] },
      }),
    });
  });
  afterEach(() => t.dispose());

  const assume = (caller: string | STSClient, input: Partial<AssumeRoleCommandInput> & { RoleArn: string }) => {
    const sts = typeof caller === 'string' ? t.client(STSClient, caller) : caller;
    return sts.send(new AssumeRoleCommand({ RoleSessionName: 'tagged', ...input }));
  };
  /** Clients of a new session. */
  const as = async (out: Awaited<ReturnType<typeof assume>>) => {
    const credentials = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    return { iam: createClient(IAMClient, { region: DEMO.region, credentials }), sts: createClient(STSClient, { region: DEMO.region, credentials }) };
  };
  /** Which of the team-* roles the session may read: what its Team principal tag is. */
  const teamOf = async (iam: IAMClient) => {
    for (const team of ['red', 'blue', 'green']) {
      try {
        await iam.send(new GetRoleCommand({ RoleName: `team-${team}` }));
        return team;
      } catch (e) {
        if ((e as Error).name !== 'AccessDenied') throw e;
      }
    }
    return 'none';
  };

  it('needs sts:TagSession in the trust policy when tags are passed, and only then', async () => {
    await expect(assume(ADMIN_A, { RoleArn: role('NoTagSession') })).resolves.toBeDefined();
    const err = await caught(() => assume(ADMIN_A, { RoleArn: role('NoTagSession'), Tags: [{ Key: 'Team', Value: 'blue' }] }));
    expect(err.name).toBe('AccessDenied');
    await expect(assume(ADMIN_A, { RoleArn: role('Tagged'), Tags: [{ Key: 'Team', Value: 'blue' }] })).resolves.toBeDefined();
  });

  it('evaluates aws:RequestTag and aws:TagKeys in the trust policy, with ${aws:PrincipalAccount} resolved', async () => {
    await expect(assume(ADMIN_A, { RoleArn: role('OwnAccountTag'), Tags: [{ Key: 'Acct', Value: A }] })).resolves.toBeDefined();
    for (const Tags of [[{ Key: 'Acct', Value: B }], [], [{ Key: 'Acct', Value: A }, { Key: 'Other', Value: 'x' }], [{ Key: 'acct', Value: A }]]) {
      expect((await caught(() => assume(ADMIN_A, { RoleArn: role('OwnAccountTag'), Tags }))).name).toBe('AccessDenied');
    }
  });

  it('makes session tags the session\'s aws:PrincipalTag, over the role\'s own tag of the same key (case-insensitively), and resolves ${aws:PrincipalTag/...} in Resource', async () => {
    const untagged = await as(await assume(ADMIN_A, { RoleArn: role('Tagged') }));
    expect(await teamOf(untagged.iam)).toBe('red');
    const overridden = await as(await assume(ADMIN_A, { RoleArn: role('Tagged'), Tags: [{ Key: 'team', Value: 'blue' }] }));
    expect(await teamOf(overridden.iam)).toBe('blue');
  });

  it('carries transitive tags into a chained session, where they cannot be overridden', async () => {
    const first = await as(await assume(ADMIN_A, { RoleArn: role('Tagged'), Tags: [{ Key: 'Team', Value: 'green' }], TransitiveTagKeys: ['Team'] }));
    const err = await caught(() => assume(first.sts, { RoleArn: role('Chained'), Tags: [{ Key: 'TEAM', Value: 'blue' }] }));
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    const second = await as(await assume(first.sts, { RoleArn: role('Chained') }));
    expect(await teamOf(second.iam)).toBe('green');
    // Still transitive one hop further.
    const third = await as(await assume(second.sts, { RoleArn: role('Chained') }));
    expect(await teamOf(third.iam)).toBe('green');
    // A tag that was not transitive does not pass on.
    const plain = await as(await assume(ADMIN_A, { RoleArn: role('Tagged'), Tags: [{ Key: 'Team', Value: 'green' }] }));
    expect(await teamOf((await as(await assume(plain.sts, { RoleArn: role('Chained') }))).iam)).toBe('none');
  });

  it.each([
    ['51 tags', 'ValidationError', { Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }],
    ['a key of 129 characters', 'ValidationError', { Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] }],
    ['a value of 257 characters', 'ValidationError', { Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }],
    ['a key with a character tags may not have', 'ValidationError', { Tags: [{ Key: 'a*b', Value: 'v' }] }],
    ['two keys differing only in case', 'InvalidParameterValue', { Tags: [{ Key: 'Team', Value: 'a' }, { Key: 'team', Value: 'b' }] }],
    ['a transitive key that is not a tag of the request', 'InvalidParameterValue', { Tags: [{ Key: 'Team', Value: 'a' }], TransitiveTagKeys: ['Other'] }],
    ['tags over the packed size', 'PackedPolicyTooLargeException', { Tags: Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}`.padEnd(128, 'k'), Value: 'v'.repeat(256) })) }],
  ] as [string, string, Partial<AssumeRoleCommandInput>][])('refuses %s with %s', async (_what, name, input) => {
    const err = await caught(() => assume(ADMIN_A, { RoleArn: role('Tagged'), ...input }));
    expect(err.name).toBe(name);
  });

  it('accepts tags at the limits and reports their packed size', async () => {
    const out = await assume(ADMIN_A, { RoleArn: role('Tagged'), Tags: [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }] });
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(out.PackedPolicySize).toBeLessThanOrEqual(100);
  });

  it('keeps a session\'s tags in a saved world', async () => {
    const out = await assume(ADMIN_A, { RoleArn: role('Tagged'), Tags: [{ Key: 'Team', Value: 'blue' }], TransitiveTagKeys: ['Team'] });
    const restored = importWorld(JSON.parse(JSON.stringify(exportWorld(t.world, { includeCredentials: true }))));
    const owner = parseKeyOwner(restored, out.Credentials!.AccessKeyId!);
    expect(owner.transitiveTagKeys).toEqual(['Team']);
    expect(restored.principalContext(owner)['aws:PrincipalTag/Team']).toBe('blue');
  });
});

/** The principal a saved world's credentials belong to (through its persisted credential store). */
function parseKeyOwner(world: ReturnType<typeof importWorld>, accessKeyId: string) {
  const issued = world.exportCredentials().issued.find((c) => c.accessKeyId === accessKeyId);
  if (!issued) throw new Error(`no credentials ${accessKeyId}`);
  return issued.principal;
}

describe('IAM roles per account (quota)', () => {
  it('refuses CreateRole past the account\'s role quota with IAM\'s LimitExceeded', async () => {
    const t = demoWorld({ iamRolesPerAccount: 3 });
    try {
      const member = DEMO.memberAccountIds[2];
      const iam = t.client(IAMClient, session(member, 'OrganizationAccountAccessRole'));
      const doc = JSON.stringify(trust(['sts:AssumeRole']));
      // OrganizationAccountAccessRole is the first of its three roles.
      await iam.send(new CreateRoleCommand({ RoleName: 'second', AssumeRolePolicyDocument: doc }));
      await iam.send(new CreateRoleCommand({ RoleName: 'third', AssumeRolePolicyDocument: doc }));
      const err = await caught(() => iam.send(new CreateRoleCommand({ RoleName: 'fourth', AssumeRolePolicyDocument: doc })));
      expect({ name: err.name, status: err.$metadata?.httpStatusCode, message: err.message }).toEqual({
        name: 'LimitExceededException',
        status: 409,
        message: 'Cannot exceed quota for RolesPerAccount: 3',
      });
    } finally {
      await t.dispose();
    }
  });

  it('defaults to IAM\'s 1,000 roles per account', () => {
    const t = demoWorld();
    expect(t.world.iamRolesPerAccount).toBe(1000);
    return t.dispose();
  });
});
