/**
 * The evaluation cache of local/sim/policy-eval.ts and the shared documents of policy-doc.ts: a
 * decision is reused only for a request equal in every input (policy texts included), so changing
 * any of them after a cached evaluation changes the decision.
 */
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { readPolicy, sharedPolicyId } from '../../../local/sim/policy-doc';
import { clearEvaluationCache, evaluate, evaluationKey, type EvaluationRequest } from '../../../local/sim/policy-eval';
import { DEMO, demoWorld, type TestWorld } from './helpers';

const member = DEMO.memberAccountIds[0];
const bucket = `arn:aws:s3:::${DEMO.bucketName}`;
const trail = `arn:aws:cloudtrail:${DEMO.region}:${member}:trail/${DEMO.trailName}`;
const caller = `arn:aws:sts::${member}:assumed-role/Reader/test`;
const allow = (extra: object = {}) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `${bucket}/*`, ...extra }] });
const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }] };
const full = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** A same-account request that every policy allows. */
const base = (): EvaluationRequest => ({
  principal: caller,
  action: 's3:GetObject',
  resourceArn: `${bucket}/AWSLogs/${member}/x.json.gz`,
  resourceAccount: member,
  context: { 'aws:SourceArn': trail, 'aws:PrincipalArn': `arn:aws:iam::${member}:role/Reader` },
  identityPolicies: [{ name: 'Read', policy: readPolicy(JSON.stringify(allow())) }],
  permissionsBoundary: { name: 'Boundary', policy: full },
  serviceControlPolicies: [{ orgIdentifier: 'r-a1b2', policies: [{ name: 'FullAWSAccess', policy: full }] }],
  resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${member}:root` }, Action: 's3:GetObject', Resource: `${bucket}/*` }] },
});

describe('evaluation cache', () => {
  beforeEach(() => clearEvaluationCache());

  it('answers a repeated request from the cache, with the same frozen result', async () => {
    const first = await evaluate(base());
    const again = await evaluate(base());
    expect(first).toEqual({ allowed: true, result: 'Allowed' });
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  // Each variant changes one input of the cached, allowed request; a stale cache would allow it.
  it.each<[string, (r: EvaluationRequest) => EvaluationRequest, EvaluationResultName]>([
    ['an identity policy text', (r) => ({ ...r, identityPolicies: [{ name: 'Read', policy: readPolicy(JSON.stringify(deny)) }] }), 'ExplicitlyDenied'],
    ['an identity policy condition', (r) => ({ ...r, identityPolicies: [{ name: 'Read', policy: readPolicy(JSON.stringify(allow({ Condition: { StringEquals: { 'aws:SourceArn': 'arn:aws:cloudtrail:eu-west-1:000000000000:trail/x' } } }))) }] }), 'ImplicitlyDenied'],
    ['the resource policy', (r) => ({ ...r, resourcePolicy: { ...deny, Statement: [{ ...deny.Statement[0], Principal: '*' }] } }), 'ExplicitlyDenied'],
    ['the permissions boundary', (r) => ({ ...r, permissionsBoundary: { name: 'Boundary', policy: { ...full, Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] } } }), 'ImplicitlyDenied'],
    ['a service control policy', (r) => ({ ...r, serviceControlPolicies: [{ orgIdentifier: 'r-a1b2', policies: [{ name: 'FullAWSAccess', policy: full }, { name: 'NoReads', policy: deny }] }] }), 'ExplicitlyDenied'],
    ['the action', (r) => ({ ...r, action: 's3:DeleteObject' }), 'ImplicitlyDenied'],
    ['the resource', (r) => ({ ...r, resourceArn: `arn:aws:s3:::another-bucket/x` }), 'ImplicitlyDenied'],
    ['the resource account (cross-account: the bucket policy names another principal)', (r) => ({ ...r, resourceAccount: DEMO.logArchiveAccountId, resourcePolicy: { Version: '2012-10-17', Statement: [] } }), 'ImplicitlyDenied'],
  ])('a changed %s changes the decision after a cached evaluation', async (_what, change, expected) => {
    expect((await evaluate(base())).allowed).toBe(true);
    expect((await evaluate(change(base()))).result).toBe(expected);
    expect((await evaluate(base())).allowed).toBe(true);
  });

  it('a context value changes the decision (a condition on it)', async () => {
    const conditioned = (sourceArn: string): EvaluationRequest => ({
      ...base(),
      identityPolicies: [{ name: 'Read', policy: readPolicy(JSON.stringify(allow({ Condition: { StringEquals: { 'aws:SourceArn': trail } } }))) }],
      context: { ...base().context, 'aws:SourceArn': sourceArn },
    });
    expect((await evaluate(conditioned(trail))).allowed).toBe(true);
    expect((await evaluate(conditioned(`${trail}-other`))).allowed).toBe(false);
  });

  it('never keys by object identity: a document changed in place is evaluated again', async () => {
    const policy = allow();
    const request: EvaluationRequest = { ...base(), identityPolicies: [{ name: 'Read', policy }] };
    expect((await evaluate(request)).allowed).toBe(true);
    policy.Statement[0].Effect = 'Deny';
    expect((await evaluate(request)).result).toBe('ExplicitlyDenied');
  });

  it('evaluates what JSON cannot write exactly without the cache, and still decides', async () => {
    const request = { ...base(), context: { ...base().context, 's3:prefix': undefined as unknown as string } };
    expect(evaluationKey(request)).toBeUndefined();
    expect(evaluationKey({ ...base(), resourcePolicy: { Version: new Date(0) } })).toBeUndefined();
    expect((await evaluate(request)).allowed).toBe(true);
  });

  it('stands a shared document by its number, and a document of another text by another', () => {
    const text = JSON.stringify(allow());
    const doc = readPolicy(text);
    expect(readPolicy(text)).toBe(doc);
    expect(sharedPolicyId(doc)).toBeDefined();
    expect(sharedPolicyId(readPolicy(JSON.stringify(deny)))).not.toBe(sharedPolicyId(doc));
    expect(sharedPolicyId(JSON.parse(text))).toBeUndefined();
    expect(evaluationKey({ ...base(), identityPolicies: [{ name: 'Read', policy: doc }] })).not.toBe(evaluationKey({ ...base(), identityPolicies: [{ name: 'Read', policy: JSON.parse(text) }] }));
  });
});

type EvaluationResultName = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

describe('shared documents (readPolicy)', () => {
  it('are deep-frozen: a reader cannot change what other readers see', () => {
    const doc = readPolicy(JSON.stringify(allow()))!;
    const statement = (doc.Statement as { Effect: string }[])[0];
    expect(Object.isFrozen(doc) && Object.isFrozen(doc.Statement) && Object.isFrozen(statement)).toBe(true);
    expect(() => {
      statement.Effect = 'Deny';
    }).toThrow(TypeError);
    expect(readPolicy(JSON.stringify(allow()))).toEqual(allow());
  });

  it('remember invalid texts as no document', () => {
    expect(readPolicy('{not json')).toBeUndefined();
    expect(readPolicy('{not json')).toBeUndefined();
    expect(readPolicy('[]')).toBeUndefined();
  });
});

describe('the world after a policy change', () => {
  let t: TestWorld;
  let readerArn: string;
  const objectKey = `${DEMO.logPrefix}/AWSLogs/${member}/CloudTrail/eu-west-1/2025/01/01/x.json.gz`;
  const ownLogs = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `${bucket}/${DEMO.logPrefix}/AWSLogs/${member}/*` }] };
  beforeEach(() => {
    t = demoWorld();
    readerArn = t.world.iam.createRole(DEMO.logArchiveAccountId, {
      name: 'CacheProbeReader',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${member}:root` }, Action: 'sts:AssumeRole' }] },
      inlinePolicies: { Read: ownLogs },
    }).arn;
  });
  afterEach(() => t.dispose());

  it('an inline policy rewritten with PutRolePolicy decides the next request', async () => {
    expect(await t.world.canAccessLogs(readerArn, 's3:GetObject', { objectKey })).toBe(true);
    const iam = t.client(IAMClient, `arn:aws:sts::${DEMO.logArchiveAccountId}:assumed-role/Administrator/admin`);
    await iam.send(new PutRolePolicyCommand({ RoleName: 'CacheProbeReader', PolicyName: 'Read', PolicyDocument: JSON.stringify({ ...ownLogs, Statement: [{ ...ownLogs.Statement[0], Effect: 'Deny' }] }) }));
    expect(await t.world.canAccessLogs(readerArn, 's3:GetObject', { objectKey })).toBe(false);
    await iam.send(new PutRolePolicyCommand({ RoleName: 'CacheProbeReader', PolicyName: 'Read', PolicyDocument: JSON.stringify(ownLogs) }));
    expect(await t.world.canAccessLogs(readerArn, 's3:GetObject', { objectKey })).toBe(true);
  });

  it('a bucket policy replaced in place decides the next request', async () => {
    const b = t.world.s3.getBucket(DEMO.bucketName)!;
    const before = b.policy;
    const denyAll = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `${bucket}/*` }] };
    expect(await t.world.canAccessLogs(readerArn, 's3:GetObject', { objectKey })).toBe(true);
    b.policy = JSON.stringify(denyAll);
    expect(await t.world.canAccessLogs(readerArn, 's3:GetObject', { objectKey })).toBe(false);
    b.policy = before;
    expect(await t.world.canAccessLogs(readerArn, 's3:GetObject', { objectKey })).toBe(true);
  });
});
