import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { caught, DEMO, demoWorld, memberRole, session, type TestWorld } from './helpers';

const member = DEMO.memberAccountIds[0];
const asMember = session(member, 'OrganizationAccountAccessRole');
const asLogArchive = session(DEMO.logArchiveAccountId, 'OnboardingLogArchiveAccess');

describe('fault injection', () => {
  let t: TestWorld;
  beforeEach(() => {
    t = demoWorld();
  });
  afterEach(() => t.dispose());

  it('a single throttle is absorbed by the SDK retry (two attempts, both logged)', async () => {
    t.world.faults.inject({ service: 'iam', operation: 'GetRole', error: 'Throttling' });
    const out = await t.client(IAMClient, asMember).send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }));
    expect(out.$metadata.attempts).toBe(2);
    expect(t.world.calls.map((c) => [c.operation, c.error])).toEqual([
      ['GetRole', 'Throttling'],
      ['GetRole', undefined],
    ]);
  });

  it('a throttle outlasting the SDK attempts surfaces as the service error', async () => {
    t.world.faults.inject({ service: 'iam', error: 'Throttling', times: 5 });
    const err = await caught(() => t.client(IAMClient, asMember).send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' })));
    expect(err.name).toBe('Throttling');
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 2 });
    expect(t.world.faults.pending()).toHaveLength(1);
    t.world.faults.clear();
    expect(t.world.faults.pending()).toHaveLength(0);
  });

  it('maps each kind to the name and status the service really uses', async () => {
    const once = <C extends { send: (c: never) => Promise<unknown> }>(client: C, command: unknown) => caught(() => client.send(command as never));
    const one = { maxAttempts: 1 };
    const s3 = new S3Client({ region: DEMO.region, credentials: t.world.credentialsFor(asLogArchive), ...one });
    const kms = new KMSClient({ region: DEMO.region, credentials: t.world.credentialsFor(asLogArchive), ...one });
    const ct = new CloudTrailClient({ region: DEMO.region, credentials: t.world.credentialsFor(asMember), ...one });
    const org = new OrganizationsClient({ region: DEMO.region, credentials: t.world.credentialsFor(DEMO.operatorPrincipalArn), ...one });
    const sts = new STSClient({ region: DEMO.region, credentials: t.world.credentialsFor(DEMO.operatorPrincipalArn), ...one });
    for (const c of [s3, kms, ct, org, sts]) t.world.hook(c);

    t.world.faults.inject({ service: 's3', error: 'Throttling' });
    expect(await once(s3, new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }))).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    t.world.faults.inject({ service: 'kms', error: 'ServiceUnavailable' });
    expect(await once(kms, new DescribeKeyCommand({ KeyId: DEMO.keyArn }))).toMatchObject({ name: 'KMSInternalException', $fault: 'server' });
    t.world.faults.inject({ service: 'kms', error: 'Propagation' });
    expect(await once(kms, new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: '{}' }))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Policy contains a statement with one or more invalid principals.',
    });
    t.world.faults.inject({ service: 'cloudtrail', error: 'Throttling' });
    expect(await once(ct, new DescribeTrailsCommand({}))).toMatchObject({ name: 'ThrottlingException' });
    t.world.faults.inject({ service: 'organizations', error: 'Throttling' });
    expect(await once(org, new DescribeAccountCommand({ AccountId: member }))).toMatchObject({ name: 'TooManyRequestsException' });
    t.world.faults.inject({ service: 'sts', error: 'Propagation' });
    expect(await once(sts, new AssumeRoleCommand({ RoleArn: memberRole(member), RoleSessionName: 's1' }))).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    t.world.faults.inject({ service: 'kms', error: 'AccessDenied' });
    expect(await once(kms, new DescribeKeyCommand({ KeyId: DEMO.keyArn }))).toMatchObject({ name: 'AccessDeniedException' });
    expect(() => t.world.faults.inject({ service: 'organizations', error: 'Propagation' })).toThrow(/no meaning/);
  });

  it('a faulted write changes nothing but is logged as a write with its error', async () => {
    t.world.faults.inject({ operation: 'CreateRoleCommand', accountId: member, error: 'AccessDenied' });
    const iam = t.client(IAMClient, asMember);
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${member}:root` }, Action: 'sts:AssumeRole' }] });
    const err = await caught(() => iam.send(new CreateRoleCommand({ RoleName: 'New', AssumeRolePolicyDocument: trust })));
    expect(err).toMatchObject({ name: 'AccessDenied', message: `User: ${asMember} is not authorized to perform: iam:CreateRole` });
    expect(t.world.iam.getRole(member, 'New')).toBeUndefined();
    expect(t.world.writeCalls()).toEqual([expect.objectContaining({ operation: 'CreateRole', accountId: member, error: 'AccessDenied' })]);
    // The fault was spent: the next attempt goes through.
    await iam.send(new CreateRoleCommand({ RoleName: 'New', AssumeRolePolicyDocument: trust }));
  });

  it('accepts an error name of the service instead of a kind', async () => {
    t.world.faults.inject({ service: 'iam', operation: 'GetRole', error: 'NoSuchEntity' });
    const err = await caught(() => t.client(IAMClient, asMember).send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' })));
    expect(err.name).toBe('NoSuchEntityException');
    expect(err.$metadata?.httpStatusCode).toBe(404);
  });
});
