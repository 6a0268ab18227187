import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  paginateListRolePolicies,
  paginateListRoleTags,
  NoSuchEntityException,
  EntityAlreadyExistsException,
  LimitExceededException,
  MalformedPolicyDocumentException,
} from '@aws-sdk/client-iam';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';

const member = DEMO.memberAccountIds[0];
const asMember = session(member, 'OrganizationAccountAccessRole');
const trustRoot = (acct: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });

describe('simulated IAM', () => {
  let t: TestWorld;
  let iam: IAMClient;
  beforeEach(() => {
    t = demoWorld({ iamPageSize: 2 });
    iam = t.client(IAMClient, asMember);
  });
  afterEach(() => t.dispose());

  it('returns the trust policy URL-encoded, as IAM does, with tags and defaults', async () => {
    const doc = JSON.stringify(trustRoot(DEMO.logArchiveAccountId), null, 2);
    await iam.send(new CreateRoleCommand({ RoleName: 'SecurityAudit', Path: '/onboarding/', AssumeRolePolicyDocument: doc, Tags: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }] }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'securityaudit' }));
    expect(Role?.AssumeRolePolicyDocument).not.toContain('{');
    expect(decodeURIComponent(Role!.AssumeRolePolicyDocument!)).toBe(doc);
    expect(Role).toMatchObject({
      RoleName: 'SecurityAudit',
      Arn: `arn:aws:iam::${member}:role/onboarding/SecurityAudit`,
      MaxSessionDuration: 3600,
      Tags: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }],
    });
    expect(Role?.RoleId).toMatch(/^AROA[0-9A-Z]{17}$/);
    expect(Role?.CreateDate).toBeInstanceOf(Date);
  });

  it('refuses a duplicate name regardless of case, and unknown roles', async () => {
    const err = await caught(() => iam.send(new CreateRoleCommand({ RoleName: 'organizationaccountaccessrole', AssumeRolePolicyDocument: JSON.stringify(trustRoot(member)) })));
    expect(err).toBeInstanceOf(EntityAlreadyExistsException);
    expect(err.$metadata?.httpStatusCode).toBe(409);
    const missing = await caught(() => iam.send(new GetRoleCommand({ RoleName: 'Nope' })));
    expect(missing).toBeInstanceOf(NoSuchEntityException);
    expect(missing.message).toBe('The role with name Nope cannot be found.');
  });

  it('validates trust policies: JSON, principals that must exist, the 2,048-character quota', async () => {
    const create = (doc: string) => iam.send(new CreateRoleCommand({ RoleName: 'R', AssumeRolePolicyDocument: doc }));
    expect(await caught(() => create('{not json'))).toBeInstanceOf(MalformedPolicyDocumentException);

    const ghost = `arn:aws:iam::${DEMO.logArchiveAccountId}:role/DoesNotExist`;
    const invalid = await caught(() => create(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ghost }, Action: 'sts:AssumeRole' }] })));
    expect(invalid).toBeInstanceOf(MalformedPolicyDocumentException);
    expect(invalid.message).toBe(`Invalid principal in policy: "AWS":"${ghost}"`);

    const many = Array.from({ length: 70 }, (_, i) => `arn:aws:iam::${String(100000000000 + i)}:root`);
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: many }, Action: 'sts:AssumeRole' }] });
    expect(big.length).toBeGreaterThan(2048);
    const tooBig = await caught(() => create(big));
    expect(tooBig).toBeInstanceOf(LimitExceededException);
    expect(tooBig.message).toBe('Cannot exceed quota for ACLSizePerRole: 2048');

    // White space does not count against the quota.
    const padded = JSON.stringify(trustRoot(member), null, 2).replace(/\n/g, `\n${' '.repeat(300)}`);
    expect(padded.length).toBeGreaterThan(2048);
    await expect(create(padded)).resolves.toBeDefined();
  });

  it('paginates attached policies, inline policies and tags with Marker/IsTruncated', async () => {
    const policies = ['ReadOnlyAccess', 'SecurityAudit', 'ViewOnlyAccess', 'AWSCloudTrail_ReadOnlyAccess'];
    for (const p of policies) await iam.send(new AttachRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyArn: `arn:aws:iam::aws:policy/${p}` }));
    const first = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'OrganizationAccountAccessRole' }));
    expect(first.AttachedPolicies).toHaveLength(2);
    expect(first.IsTruncated).toBe(true);
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'OrganizationAccountAccessRole', ...(marker ? { Marker: marker } : {}) }));
      names.push(...page.AttachedPolicies!.map((p) => p.PolicyName!));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    expect(names).toEqual(['AdministratorAccess', ...policies]);

    for (const n of ['C', 'A', 'B']) {
      await iam.send(new PutRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: n, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }) }));
    }
    const inline: string[] = [];
    let pages = 0;
    for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: 'OrganizationAccountAccessRole' })) {
      pages += 1;
      inline.push(...(page.PolicyNames ?? []));
    }
    expect({ pages, inline }).toEqual({ pages: 2, inline: ['A', 'B', 'C'] });

    await iam.send(new TagRoleCommand({ RoleName: 'OrganizationAccountAccessRole', Tags: [1, 2, 3, 4, 5].map((i) => ({ Key: `k${i}`, Value: `v${i}` })) }));
    const tags: string[] = [];
    for await (const page of paginateListRoleTags({ client: iam, pageSize: 2 }, { RoleName: 'OrganizationAccountAccessRole' })) tags.push(...page.Tags!.map((x) => x.Key!));
    expect(tags).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
  });

  it('returns inline policies URL-encoded and enforces the 10,240-character total', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'Read', PolicyDocument: doc }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'Read' }));
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(doc);
    const huge = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: Array.from({ length: 400 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) }] });
    const err = await caught(() => iam.send(new PutRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'Huge', PolicyDocument: huge })));
    expect(err).toBeInstanceOf(LimitExceededException);
  });

  it('refuses to delete a role with policies, and afterwards shows it in trust policies by unique id', async () => {
    const conflict = await caught(() => iam.send(new DeleteRoleCommand({ RoleName: 'OrganizationAccountAccessRole' })));
    expect(conflict.name).toBe('DeleteConflictException');

    await iam.send(new CreateRoleCommand({ RoleName: 'Temp', AssumeRolePolicyDocument: JSON.stringify(trustRoot(member)) }));
    const { Role: temp } = await iam.send(new GetRoleCommand({ RoleName: 'Temp' }));
    const trustTemp = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: temp!.Arn }, Action: 'sts:AssumeRole' }] };
    await iam.send(new CreateRoleCommand({ RoleName: 'TrustsTemp', AssumeRolePolicyDocument: JSON.stringify(trustTemp) }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'Temp' }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'TrustsTemp' }));
    expect(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!)).Statement[0].Principal.AWS).toBe(temp!.RoleId);
    // Writing the old ARN back is now refused: the principal does not exist.
    const err = await caught(() => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'TrustsTemp', PolicyDocument: JSON.stringify(trustTemp) })));
    expect(err).toBeInstanceOf(MalformedPolicyDocumentException);
  });

  it('logs every call with its target account and marks mutations as writes', async () => {
    t.world.resetCalls();
    await iam.send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }));
    await caught(() => iam.send(new AttachRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyArn: `arn:aws:iam::${member}:policy/Missing` })));
    expect(t.world.calls).toEqual([
      expect.objectContaining({ seq: 1, service: 'iam', operation: 'GetRole', accountId: member, principalArn: asMember, write: false }),
      expect.objectContaining({ seq: 2, operation: 'AttachRolePolicy', write: true, error: 'NoSuchEntityException' }),
    ]);
    expect(t.world.writeCalls()).toHaveLength(1);
  });
});
