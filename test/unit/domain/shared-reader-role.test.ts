/**
 * The shared reader role's documents (handlers/domain/roles.ts desiredSharedReaderRole) and
 * EnsureReaderRole's decisions in shared mode, with the fakes of test/unit/steps/fakes.ts.
 */
import { desiredReaderRole, desiredSharedReaderRole, READER_POLICY_NAME, sharedReaderRoleCandidates, SHARED_READER_SESSION_TAG } from '../../../handlers/domain/roles';
import { serializePolicy, type PolicyDocument, type PolicyStatement } from '../../../handlers/domain/policy-document';
import { ensureReaderRole } from '../../../handlers/steps/ensure-reader-role';
import { evaluate } from '../../../local/sim/policy-eval';
import { fakeDeps, IDS } from '../steps/fakes';

const SHARED = { readerAccess: { mode: 'shared' as const, removePerAccountRoles: false }, sharedReaderRoleArn: `arn:aws:iam::${IDS.logArchive}:role/CloudTrailOnboarding-LogReader` };
const VAR = `\${aws:PrincipalTag/${SHARED_READER_SESSION_TAG}}`;

function spec(overrides: Parameters<typeof fakeDeps>[0] = SHARED) {
  const { config } = fakeDeps(overrides);
  const [byArn] = sharedReaderRoleCandidates(config, config.keyArn);
  return { config, spec: byArn! };
}
const statements = (doc: PolicyDocument) => doc.Statement as PolicyStatement[];

describe('the shared reader role\'s trust policy', () => {
  const trust = statements(spec().spec.trustPolicy)[0]!;

  it('admits any principal only through its conditions: the organization, its own account as the tag, no other tag key, no inherited tag, not the log-archive account', () => {
    expect(trust).toEqual({
      Sid: 'OrganizationAccountsReadOwnLogs',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5', [`aws:RequestTag/${SHARED_READER_SESSION_TAG}`]: '${aws:PrincipalAccount}' },
        StringNotEquals: { 'aws:PrincipalAccount': IDS.logArchive },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [SHARED_READER_SESSION_TAG] },
        Null: { [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: 'true' },
      },
    });
  });

  it('fits IAM\'s trust policy quota (2,048 characters without white space)', () => {
    expect(serializePolicy(spec().spec.trustPolicy).replace(/\s/g, '').length).toBeLessThan(2048);
  });

  // The evaluator decides each condition (the caller's own policies allow everything).
  const admin = [{ name: 'admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }];
  const ask = (account: string, context: Record<string, string | string[]>, action = 'sts:AssumeRole') =>
    evaluate({
      principal: `arn:aws:sts::${account}:assumed-role/Admin/x`,
      action,
      resourceArn: SHARED.sharedReaderRoleArn,
      resourceAccount: IDS.logArchive,
      identityPolicies: admin,
      resourcePolicy: spec().spec.trustPolicy,
      context: { 'aws:PrincipalAccount': account, 'aws:PrincipalOrgID': 'o-a1b2c3d4e5', ...context },
    });
  const tag = (value: string) => ({ [`aws:RequestTag/${SHARED_READER_SESSION_TAG}`]: value, 'aws:TagKeys': [SHARED_READER_SESSION_TAG] });

  it.each([
    ['its own account as the tag', IDS.member, tag(IDS.member), 'Allowed'],
    ['its own account as the tag (sts:TagSession)', IDS.member, tag(IDS.member), 'Allowed', 'sts:TagSession'],
    ['another account as the tag', IDS.member, tag(IDS.other), 'ImplicitlyDenied'],
    ['no tag', IDS.member, {}, 'ImplicitlyDenied'],
    ['an extra tag key', IDS.member, { ...tag(IDS.member), 'aws:RequestTag/x': 'y', 'aws:TagKeys': [SHARED_READER_SESSION_TAG, 'x'] }, 'ImplicitlyDenied'],
    ['an inherited (transitive or IAM) tag of the key', IDS.member, { ...tag(IDS.member), [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: IDS.member }, 'ImplicitlyDenied'],
    ['the log-archive account', IDS.logArchive, tag(IDS.logArchive), 'ImplicitlyDenied'],
  ])('%s: %s', async (_what, account, context, expected, action = 'sts:AssumeRole') => {
    expect((await ask(account, context, action)).result).toBe(expected);
  });

  it('denies a caller outside the organization', async () => {
    const r = await evaluate({
      principal: 'arn:aws:sts::123412341234:assumed-role/Admin/x',
      action: 'sts:AssumeRole',
      resourceArn: SHARED.sharedReaderRoleArn,
      resourceAccount: IDS.logArchive,
      identityPolicies: admin,
      resourcePolicy: spec().spec.trustPolicy,
      context: { 'aws:PrincipalAccount': '123412341234', ...tag('123412341234') },
    });
    expect(r.allowed).toBe(false);
  });
});

describe('the shared reader role\'s permissions', () => {
  it('are the per-account role\'s with the account replaced by ${aws:PrincipalTag/<key>}, each also requiring the tag', () => {
    const { config, spec: s } = spec();
    const perAccount = statements(desiredReaderRole(config, '000000000000').inlinePolicies[READER_POLICY_NAME]!);
    const shared = statements(s.inlinePolicies[READER_POLICY_NAME]!);
    const withoutNull = shared.map(({ Condition, ...st }) => {
      const { Null, ...rest } = Condition as Record<string, unknown>;
      expect(Null).toEqual({ [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: 'false' });
      return Object.keys(rest).length ? { ...st, Condition: rest } : st;
    });
    expect(JSON.parse(JSON.stringify(withoutNull).split(VAR).join('000000000000'))).toEqual(perAccount);
    expect(s.permissionsBoundaryArn).toBe(config.readerRoleBoundaryArn);
  });

  it('name the variable only in Resource and Condition values, where IAM resolves it (never in Principal or Action)', () => {
    const doc = spec().spec.inlinePolicies[READER_POLICY_NAME]!;
    for (const st of statements(doc)) {
      expect(JSON.stringify([st.Action, st.Principal ?? null])).not.toContain('${');
      expect(JSON.stringify([st.Resource, st.Condition])).toContain(VAR);
    }
  });

  const reader = (tagValue?: string) => ({
    principal: `arn:aws:sts::${IDS.logArchive}:assumed-role/CloudTrailOnboarding-LogReader/s`,
    resourceAccount: IDS.logArchive,
    identityPolicies: [{ name: 'p', policy: spec().spec.inlinePolicies[READER_POLICY_NAME] }],
    context: { 'aws:PrincipalAccount': IDS.logArchive, ...(tagValue ? { [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: tagValue } : {}) },
  });
  const object = (account: string) => `arn:aws:s3:::org-cloudtrail-logs-222233334444/cloudtrail/AWSLogs/${account}/CloudTrail/x.json.gz`;

  it('reach only the tagged account\'s objects, prefix and trails; a missing tag reaches nothing (the variable fails safe)', async () => {
    const get = async (tagValue: string | undefined, key: string) => (await evaluate({ ...reader(tagValue), action: 's3:GetObject', resourceArn: key })).result;
    expect(await get(IDS.member, object(IDS.member))).toBe('Allowed');
    expect(await get(IDS.member, object(IDS.other))).toBe('ImplicitlyDenied');
    expect(await get(undefined, object(IDS.member))).toBe('ImplicitlyDenied');
    expect(await get(undefined, `arn:aws:s3:::org-cloudtrail-logs-222233334444/cloudtrail/AWSLogs/${VAR}/x`)).toBe('ImplicitlyDenied');

    const list = async (tagValue: string | undefined, prefix: string) =>
      (await evaluate({ ...reader(tagValue), action: 's3:ListBucket', resourceArn: 'arn:aws:s3:::org-cloudtrail-logs-222233334444', context: { ...reader(tagValue).context, 's3:prefix': prefix } })).result;
    expect(await list(IDS.member, `cloudtrail/AWSLogs/${IDS.member}/`)).toBe('Allowed');
    expect(await list(IDS.member, `cloudtrail/AWSLogs/${IDS.other}/`)).toBe('ImplicitlyDenied');
    expect(await list(IDS.member, 'cloudtrail/AWSLogs/')).toBe('ImplicitlyDenied');
    expect(await list(undefined, 'cloudtrail/AWSLogs//')).toBe('ImplicitlyDenied');

    // kms:EncryptionContext is decided by policy-eval.ts's residual evaluation (iam-simulate ignores the key).
    const decrypt = async (tagValue: string | undefined, trailAccount: string) =>
      (await evaluate({
        ...reader(tagValue),
        action: 'kms:Decrypt',
        resourceArn: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        // KMS: a key policy must delegate to the account's IAM policies (the default key policy does).
        resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${IDS.logArchive}:root` }, Action: 'kms:*', Resource: '*' }] },
        context: { ...reader(tagValue).context, 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:eu-west-1:${trailAccount}:trail/org-member-trail` },
      })).result;
    expect(await decrypt(IDS.member, IDS.member)).toBe('Allowed');
    expect(await decrypt(IDS.member, IDS.other)).toBe('ImplicitlyDenied');
    expect(await decrypt(undefined, IDS.member)).toBe('ImplicitlyDenied');
  });

  it('name a key configured by alias as the boundary does: the account\'s keys, narrowed by kms:ResourceAliases', () => {
    const { config } = fakeDeps({ ...SHARED, keyArn: 'arn:aws:kms:eu-west-1:222233334444:alias/org-trails' });
    const candidates = sharedReaderRoleCandidates(config, 'arn:aws:kms:eu-west-1:222233334444:key/abc');
    expect(candidates.map((c) => statements(c.inlinePolicies[READER_POLICY_NAME]!)[2]!.Resource)).toEqual([
      'arn:aws:kms:eu-west-1:222233334444:key/abc',
      'arn:aws:kms:eu-west-1:222233334444:key/*',
    ]);
    expect(statements(candidates[1]!.inlinePolicies[READER_POLICY_NAME]!)[2]!.Condition).toMatchObject({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/org-trails'] } });
  });
});

describe('EnsureReaderRole in shared mode', () => {
  /** Fakes with the shared role as the stack deploys it, and optionally the account's per-account role. */
  function world(overrides = SHARED, perAccount = true) {
    const f = fakeDeps(overrides);
    const s = desiredSharedReaderRole({
      partition: 'aws',
      organizationId: 'o-a1b2c3d4e5',
      logArchiveAccountId: IDS.logArchive,
      bucketName: f.config.bucketName,
      logPrefix: 'cloudtrail',
      readerRoleBoundaryArn: f.config.readerRoleBoundaryArn,
      roleName: 'CloudTrailOnboarding-LogReader',
      key: { arn: f.config.keyArn },
    });
    f.logArchiveRoles.roles.set(s.roleName, {
      arn: SHARED.sharedReaderRoleArn,
      roleName: s.roleName,
      trustPolicyText: serializePolicy(s.trustPolicy),
      description: s.description,
      maxSessionDuration: s.maxSessionDuration,
      managedPolicyArns: [],
      permissionsBoundaryArn: f.config.readerRoleBoundaryArn,
      inlinePolicies: { [READER_POLICY_NAME]: serializePolicy(s.inlinePolicies[READER_POLICY_NAME]!) },
      tags: s.tags,
    });
    if (perAccount) {
      const old = desiredReaderRole(f.config, IDS.member);
      f.logArchiveRoles.roles.set(old.roleName, {
        arn: `arn:aws:iam::${IDS.logArchive}:role/${old.roleName}`,
        roleName: old.roleName,
        trustPolicyText: serializePolicy(old.trustPolicy),
        description: old.description,
        maxSessionDuration: old.maxSessionDuration,
        managedPolicyArns: [],
        inlinePolicies: { [READER_POLICY_NAME]: serializePolicy(old.inlinePolicies[READER_POLICY_NAME]!) },
        tags: old.tags,
      });
    }
    f.writes.length = 0;
    return f;
  }

  it('creates no role: verifies the shared one and returns its ARN; the per-account role is left as it is', async () => {
    const f = world();
    expect(await ensureReaderRole(f.deps, IDS.member)).toEqual({ roleArn: SHARED.sharedReaderRoleArn, changed: false, drift: [] });
    expect(f.writes).toEqual([]);
    expect(f.logArchiveRoles.roles.has(`CloudTrailLogReader-${IDS.member}`)).toBe(true);
  });

  it('with removePerAccountRoles, deletes the per-account role (its policy first) after the verification; a second run writes nothing', async () => {
    const f = world({ ...SHARED, readerAccess: { mode: 'shared', removePerAccountRoles: true } });
    expect(await ensureReaderRole(f.deps, IDS.member)).toEqual({ roleArn: SHARED.sharedReaderRoleArn, changed: true, drift: [] });
    expect(f.writes).toEqual([`DeleteRolePolicy CloudTrailLogReader-${IDS.member} ${READER_POLICY_NAME}`, `DeleteRole CloudTrailLogReader-${IDS.member}`]);
    f.writes.length = 0;
    expect(await ensureReaderRole(f.deps, IDS.member)).toEqual({ roleArn: SHARED.sharedReaderRoleArn, changed: false, drift: [] });
    expect(f.writes).toEqual([]);
  });

  it('never deletes a same-named role it does not own', async () => {
    const f = world({ ...SHARED, readerAccess: { mode: 'shared', removePerAccountRoles: true } });
    f.logArchiveRoles.roles.get(`CloudTrailLogReader-${IDS.member}`)!.tags = [];
    await ensureReaderRole(f.deps, IDS.member);
    expect(f.writes).toEqual([]);
  });

  it('with the shared role missing or changed: drift in report mode, SharedReaderRoleNotDeployed in apply mode, and nothing deleted', async () => {
    const changed = world({ ...SHARED, readerAccess: { mode: 'shared', removePerAccountRoles: true } });
    changed.logArchiveRoles.roles.get('CloudTrailOnboarding-LogReader')!.inlinePolicies[READER_POLICY_NAME] = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    const report = await ensureReaderRole(changed.deps, IDS.member, 'report');
    expect(report.drift.map((d) => [d.resource, d.code])).toEqual([['readerRole', 'RoleInlinePolicyChanged']]);
    await expect(ensureReaderRole(changed.deps, IDS.member)).rejects.toMatchObject({ name: 'SharedReaderRoleNotDeployed' });
    expect(changed.writes).toEqual([]);

    const missing = world();
    missing.logArchiveRoles.roles.delete('CloudTrailOnboarding-LogReader');
    expect((await ensureReaderRole(missing.deps, IDS.member, 'report')).drift.map((d) => d.code)).toEqual(['RoleMissing']);
    await expect(ensureReaderRole(missing.deps, IDS.member)).rejects.toThrow(/does not exist.*deploy the CloudTrailOnboarding-LogArchive stack/);
  });

  it('reports the per-account role\'s drift no longer (it is not the account\'s access any more)', async () => {
    const f = world();
    f.logArchiveRoles.roles.get(`CloudTrailLogReader-${IDS.member}`)!.trustPolicyText = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    expect((await ensureReaderRole(f.deps, IDS.member, 'report')).drift).toEqual([]);
  });

  it('in per-account mode, creates the account\'s role as before', async () => {
    const f = fakeDeps();
    const r = await ensureReaderRole(f.deps, IDS.member);
    expect(r.roleArn).toBe(`arn:aws:iam::${IDS.logArchive}:role/CloudTrailLogReader-${IDS.member}`);
    expect(f.writes).toEqual([`CreateRole CloudTrailLogReader-${IDS.member}`, `PutRolePolicy CloudTrailLogReader-${IDS.member} ${READER_POLICY_NAME}`]);
  });
});
