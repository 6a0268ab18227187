import { runSimulation } from '@cloud-copilot/iam-simulate';
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { conditionHolds, evaluate } from '../../../local/sim/policy-eval';
import { createDemoWorld } from '../../../local/sim/demo-world';
import { DEMO, demoWorld, session, type TestWorld } from './helpers';

const member = DEMO.memberAccountIds[0];
const other = DEMO.memberAccountIds[1];
const trailOf = (acct: string) => `arn:aws:cloudtrail:${DEMO.region}:${acct}:trail/${DEMO.trailName}`;
const bucketArn = `arn:aws:s3:::${DEMO.bucketName}`;

/** The reader role's inline policy of docs/DESIGN.md. */
const readOwnLogs = (acct: string) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 's3:GetObject', Resource: `${bucketArn}/${DEMO.logPrefix}/AWSLogs/${acct}/*` },
    { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': [`${DEMO.logPrefix}/AWSLogs/${acct}/`, `${DEMO.logPrefix}/AWSLogs/${acct}/*`] } } },
    { Effect: 'Allow', Action: 'kms:Decrypt', Resource: DEMO.keyArn, Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${acct}:trail/*` } } },
  ],
});

describe('policy evaluation with the EncryptionContext workaround', () => {
  const keyArn = DEMO.keyArn;
  const keyPolicy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${member}:trail/*` }, StringEquals: { 'aws:SourceArn': trailOf(member) } },
      },
    ],
  };
  const ask = (trail: string, sourceArn = trail) =>
    evaluate({
      principal: 'cloudtrail.amazonaws.com',
      action: 'kms:GenerateDataKey',
      resourceArn: keyArn,
      resourceAccount: DEMO.logArchiveAccountId,
      context: { 'aws:SourceArn': sourceArn, 'kms:EncryptionContext:aws:cloudtrail:arn': trail },
      resourcePolicy: keyPolicy,
    });

  it('iam-simulate alone denies a matching encryption context (the known flaw)', async () => {
    const strict = await runSimulation(
      {
        request: { principal: 'cloudtrail.amazonaws.com', action: 'kms:GenerateDataKey', resource: { resource: keyArn, accountId: DEMO.logArchiveAccountId }, contextVariables: { 'aws:SourceArn': trailOf(member), 'kms:EncryptionContext:aws:cloudtrail:arn': trailOf(member) } },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: keyPolicy,
      },
      { simulationMode: 'Strict' },
    );
    expect(strict.resultType !== 'error' && strict.overallResult).toBe('ImplicitlyDenied');
  });

  it('allows a matching context, denies another account\'s, and still decides the other keys exactly', async () => {
    expect(await ask(trailOf(member))).toMatchObject({ allowed: true });
    expect(await ask(trailOf(other), trailOf(member))).toMatchObject({ allowed: false, residual: expect.anything() });
    expect(await ask(trailOf(member), trailOf(other))).toMatchObject({ allowed: false });
  });

  it('treats a failing Deny leaf as an explicit deny', async () => {
    const result = await evaluate({
      principal: 'cloudtrail.amazonaws.com',
      action: 'kms:GenerateDataKey',
      resourceArn: keyArn,
      resourceAccount: DEMO.logArchiveAccountId,
      context: { 'aws:SourceArn': trailOf(member), 'kms:EncryptionContext:aws:cloudtrail:arn': trailOf(other) },
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:*', Resource: '*' },
          { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringNotLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${member}:trail/*` } } },
        ],
      },
    });
    expect(result).toMatchObject({ allowed: false, result: 'ExplicitlyDenied' });
  });

  it.each([
    ['StringLike', ['arn:aws:cloudtrail:eu-west-1:1:trail/x'], ['arn:aws:cloudtrail:*:1:trail/*'], true],
    ['StringLike', ['arn:aws:cloudtrail:eu-west-1:2:trail/x'], ['arn:aws:cloudtrail:*:1:trail/*'], false],
    ['StringEquals', ['a'], ['a', 'b'], true],
    ['StringNotLike', ['a'], ['b*'], true],
    ['StringLike', undefined, ['*'], false],
    ['StringLikeIfExists', undefined, ['x'], true],
    ['StringNotEquals', undefined, ['x'], true],
    ['Null', undefined, ['true'], true],
    ['ForAllValues:StringLike', ['a1', 'a2'], ['a?'], true],
    ['ForAnyValue:StringEquals', ['x', 'a'], ['a'], true],
  ] as const)('%s %j against %j is %s', (op, actual, expected, want) => {
    expect(conditionHolds(op, actual as string[] | undefined, expected)).toBe(want);
  });

  // Policy variables in condition values resolve from the request context (iam-simulate hands
  // residual conditions back unresolved): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
  it.each([
    ['StringLike', trailOf(member), 'arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/*', { 'aws:SourceAccount': member }, true],
    ['StringLike', trailOf(other), 'arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/*', { 'aws:SourceAccount': member }, false],
    ['StringLike', trailOf(member), 'arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/*', {}, false],
    ['StringLike', trailOf(member), `arn:aws:cloudtrail:*:\${aws:SourceAccount, '${member}'}:trail/*`, {}, true],
    ['StringEquals', 'a*b', 'a${*}b', {}, true],
    ['StringEquals', 'axb', 'a${*}b', {}, false],
    ['StringLike', 'a*b', '${aws:SourceAccount}', { 'aws:SourceAccount': 'a*b' }, true],
    ['StringLike', 'axxb', '${aws:SourceAccount}', { 'aws:SourceAccount': 'a*b' }, false],
    ['StringNotLike', trailOf(other), 'arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/*', { 'aws:SourceAccount': member }, true],
  ] as const)('%s %s against %s with context %j is %s', (op, actual, expected, context, want) => {
    expect(conditionHolds(op, [actual], [expected], context as Record<string, string>)).toBe(want);
  });
});

describe('log access checks', () => {
  let t: TestWorld;
  let readerArn: string;
  beforeEach(() => {
    t = demoWorld();
    readerArn = t.world.iam.createRole(DEMO.logArchiveAccountId, {
      name: `CloudTrailLogReader-${member}`,
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${member}:root` }, Action: 'sts:AssumeRole' }] },
      inlinePolicies: { ReadOwnCloudTrailLogs: readOwnLogs(member) },
    }).arn;
  });
  afterEach(() => t.dispose());

  it('lets a reader role read its own account\'s logs and nobody else\'s', async () => {
    const own = `${DEMO.logPrefix}/AWSLogs/${member}/CloudTrail/eu-west-1/2025/01/01/x.json.gz`;
    const foreign = `${DEMO.logPrefix}/AWSLogs/${other}/CloudTrail/eu-west-1/2025/01/01/x.json.gz`;
    expect(await t.world.canAccessLogs(readerArn, 's3:GetObject', { objectKey: own })).toBe(true);
    expect(await t.world.canAccessLogs(readerArn, 's3:GetObject', { objectKey: foreign })).toBe(false);
    expect(await t.world.canAccessLogs(readerArn, 's3:ListBucket', { prefix: `${DEMO.logPrefix}/AWSLogs/${member}/` })).toBe(true);
    expect(await t.world.canAccessLogs(readerArn, 's3:ListBucket', { prefix: `${DEMO.logPrefix}/AWSLogs/` })).toBe(false);
    // kms:Decrypt: identity policy + the key policy's delegation to the log-archive root.
    expect(await t.world.canAccessLogs(readerArn, 'kms:Decrypt', { trailArn: trailOf(member) })).toBe(true);
    expect(await t.world.canAccessLogs(readerArn, 'kms:Decrypt', { trailArn: trailOf(other) })).toBe(false);
  });

  it('counts the key policy: without the root delegation IAM permissions give no access', async () => {
    const key = t.world.kms.resolve(DEMO.keyArn, DEMO.logArchiveAccountId, DEMO.region)!;
    const policy = JSON.parse(key.policy);
    policy.Statement = policy.Statement.filter((s: { Sid?: string }) => s.Sid !== 'Enable IAM User Permissions');
    key.policy = JSON.stringify(policy);
    expect(await t.world.canAccessLogs(readerArn, 'kms:Decrypt', { trailArn: trailOf(member) })).toBe(false);
  });

  it('gives a read-only audit role no object access', async () => {
    const auditor = t.world.iam.createRole(DEMO.logArchiveAccountId, {
      name: 'Auditor',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.logArchiveAccountId}:root` }, Action: 'sts:AssumeRole' }] },
      managedPolicyArns: ['arn:aws:iam::aws:policy/SecurityAudit'],
    });
    expect(await t.world.canAccessLogs(auditor.arn, 's3:GetObject', { objectKey: `${DEMO.logPrefix}/AWSLogs/${member}/x` })).toBe(false);
    expect(await t.world.canAccessLogs(session(DEMO.logArchiveAccountId, 'Administrator'), 's3:GetObject', { objectKey: 'any' })).toBe(true);
  });
});

describe('snapshot', () => {
  it('is the same for the same end state, whatever the ids, times and white space', async () => {
    const policy = (indent: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }, null, indent);
    const run = async (indent: number) => {
      const t = demoWorld();
      try {
        const iam = t.client(IAMClient, session(member, 'OrganizationAccountAccessRole'));
        await iam.send(new PutRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'P', PolicyDocument: policy(indent) }));
        return t.world.snapshot();
      } finally {
        await t.dispose();
      }
    };
    const a = await run(0);
    const b = await run(4);
    expect(b).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(a).not.toEqual(createDemoWorld().snapshot());
    expect(Object.keys(a.roles)).toContain(`arn:aws:iam::${member}:role/OrganizationAccountAccessRole`);
  });
});
