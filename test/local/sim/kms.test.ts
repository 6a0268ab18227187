import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  LimitExceededException,
  MalformedPolicyDocumentException,
  NotFoundException,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';

const asLogArchive = session(DEMO.logArchiveAccountId, 'Administrator');
const root = `arn:aws:iam::${DEMO.logArchiveAccountId}:root`;
const policyWith = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const rootStatement = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' };
const adminOnly = { Sid: 'Admins', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.logArchiveAccountId}:role/KeyAdministrator` }, Action: 'kms:*', Resource: '*' };

describe('simulated KMS', () => {
  let t: TestWorld;
  let kms: KMSClient;
  beforeEach(() => {
    t = demoWorld();
    kms = t.client(KMSClient, asLogArchive);
  });
  afterEach(() => t.dispose());

  it('describes the key and returns its default policy', async () => {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: DEMO.keyId }));
    expect(KeyMetadata).toMatchObject({ Arn: DEMO.keyArn, AWSAccountId: DEMO.logArchiveAccountId, KeyState: 'Enabled', KeyManager: 'CUSTOMER' });
    const { Policy, PolicyName } = await kms.send(new GetKeyPolicyCommand({ KeyId: DEMO.keyArn }));
    expect(PolicyName).toBe('default');
    expect(JSON.parse(Policy!).Statement[0]).toEqual(rootStatement);
    const missing = await caught(() => kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' })));
    expect(missing).toBeInstanceOf(NotFoundException);
  });

  it('runs the lockout safety check: a policy that no longer lets the caller PutKeyPolicy is refused', async () => {
    const err = await caught(() => kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: policyWith(adminOnly) })));
    expect(err).toBeInstanceOf(MalformedPolicyDocumentException);
    expect(err.message).toBe('The new key policy will not allow you to update the key policy in the future.');
    expect(t.world.bypassPolicyLockoutSafetyCheckUsed).toBe(false);
    // Keeping the root delegation keeps the caller (IAM permission assumed) in control.
    await kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: policyWith(rootStatement, adminOnly) }));
  });

  it('skips the check when asked to, and records that it was', async () => {
    await kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: policyWith(adminOnly), BypassPolicyLockoutSafetyCheck: true }));
    expect(t.world.bypassPolicyLockoutSafetyCheckUsed).toBe(true);
    // Now locked out, as in AWS.
    const err = await caught(() => kms.send(new GetKeyPolicyCommand({ KeyId: DEMO.keyArn })));
    expect(err.name).toBe('AccessDeniedException');
  });

  it('denies PutKeyPolicy from another account, even its management account', async () => {
    const fromManagement = t.client(KMSClient, DEMO.operatorPrincipalArn);
    const err = await caught(() => fromManagement.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: policyWith(rootStatement) })));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain(`User: ${DEMO.operatorPrincipalArn} is not authorized to perform: kms:PutKeyPolicy on resource: ${DEMO.keyArn}`);
    expect(t.world.calls.at(-1)).toMatchObject({ accountId: DEMO.logArchiveAccountId, write: true, error: 'AccessDeniedException' });
  });

  it('rejects principals that do not exist, and just-created roles until IAM has propagated', async () => {
    const ghost = { Sid: 'Ghost', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.logArchiveAccountId}:role/Ghost` }, Action: 'kms:Decrypt', Resource: '*' };
    const err = await caught(() => kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: policyWith(rootStatement, ghost) })));
    expect(err).toBeInstanceOf(MalformedPolicyDocumentException);
    expect(err.message).toBe('Policy contains a statement with one or more invalid principals.');

    const reader = t.world.iam.createRole(DEMO.logArchiveAccountId, { name: 'Reader', trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: root }, Action: 'sts:AssumeRole' }] } });
    t.world.kmsPrincipalDelay(reader.arn, 1);
    const readerStatement = { ...ghost, Principal: { AWS: reader.arn } };
    const put = () => kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: policyWith(rootStatement, readerStatement) }));
    expect(await caught(put)).toBeInstanceOf(MalformedPolicyDocumentException);
    await expect(put()).resolves.toBeDefined();
  });

  it('refuses a policy over 32 KB with LimitExceededException', async () => {
    const filler = Array.from({ length: 400 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:DescribeKey', Resource: '*' }));
    const text = policyWith(rootStatement, ...filler);
    expect(Buffer.byteLength(text)).toBeGreaterThan(32768);
    expect(await caught(() => kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: text })))).toBeInstanceOf(LimitExceededException);
  });

  it('refuses invalid JSON and statements without a principal', async () => {
    expect(await caught(() => kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: '{"Version":' })))).toBeInstanceOf(MalformedPolicyDocumentException);
    const noPrincipal = { Effect: 'Allow', Action: 'kms:*', Resource: '*' };
    expect(await caught(() => kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: policyWith(rootStatement, noPrincipal) })))).toBeInstanceOf(MalformedPolicyDocumentException);
  });
});
