/**
 * Offboarding with the shared reader role (readerAccess.mode "shared"), end to end on the simulated
 * deployment: the offboarded account is put on the role's deny list (CloudTrailOnboarding-Offboarded),
 * and its administrator, assuming the role with its own tag through the real STS client, can no
 * longer list, read or decrypt its logs through the real S3 and KMS clients -- not even with a session
 * taken before; the other accounts still can; onboarding it again gives the access back; four
 * offboardings at once all end on the list. The synthesized LogArchive stack's grants decide every
 * call of the service (a missing grant fails the run).
 * (The kept per-account role of keepReaderRoleDays: offboarding-reader-kept.test.ts; one deployment per file.)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeaseLock } from '../../../handlers/adapters/lease-lock';
import { lockKey } from '../../../handlers/adapters/status-table';
import { OFFBOARDED_POLICY_NAME, offboardedAccountsIn, offboardedDenyPolicy, SHARED_READER_LEASE } from '../../../handlers/domain/reader-revocation';
import { READER_POLICY_NAME } from '../../../handlers/domain/roles';
import { createClient } from '../../../handlers/shared/clients';
import { LOCAL_TABLE_NAME } from '../../../local/runner';
import { DEMO, startLocal, type Local } from '../harness';
import { assumeRole, logReader, ownTag, principalCredentials, putLogFile, sharedRoleArn, type SessionCredentials } from './reader-access';

const [A, B, C, D, E] = DEMO.memberAccountIds;
const LA = DEMO.logArchiveAccountId;
const KEY = DEMO.keyArn;
const ROLE = 'CloudTrailOnboarding-LogReader';
const admin = (accountId: string) => `arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/admin`;
const NONE = { list: 'AccessDenied', get: 'AccessDenied', decrypt: 'AccessDeniedException' };
const ALL = { list: 'ok', get: 'ok', decrypt: 'ok' };

let local: Local;
const objects: Record<string, string> = {};

beforeAll(async () => {
  local = await startLocal({ config: { readerAccess: { mode: 'shared', removePerAccountRoles: false } }, loseApiCallEvents: true });
  for (const id of [A, B, C, D, E]) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ${id}: ${r.status} ${r.error} ${r.cause}`);
    objects[id] = putLogFile(local.world, id, KEY);
  }
}, 120_000);
afterAll(() => local?.stop());

/** The shared role's session of `accountId`'s administrator, with its own tag. */
const sharedSession = (accountId: string) => assumeRole(principalCredentials(local.world, admin(accountId)), { RoleArn: sharedRoleArn, Tags: ownTag(accountId) });

/** What a session can do with `accountId`'s own logs. */
async function canRead(accountId: string, session?: SessionCredentials) {
  const reader = logReader(local.world, session ?? (await sharedSession(accountId)), KEY);
  try {
    return await reader.can(accountId, objects[accountId]!);
  } finally {
    reader.destroy();
  }
}

/** Resolves once `condition` holds (checked between events, never by sleeping); fails after 20 s. */
async function until(condition: () => boolean): Promise<void> {
  const giveUp = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error('the condition never held');
    await new Promise((r) => setImmediate(r));
  }
}

/** The accounts the shared role's deny list names. */
const denied = () => offboardedAccountsIn(local.world.iam.rolesOf(LA).find((r) => r.name === ROLE)?.inline.get(OFFBOARDED_POLICY_NAME));

describe('offboarding an account in shared mode', () => {
  let before: SessionCredentials;

  it('records its access through the shared role as withdrawn and writes the deny list, nothing else of the role', async () => {
    // prepare: a session A's administrator took while onboarded, and it reads
    before = await sharedSession(A);
    expect(await canRead(A, before)).toEqual(ALL);
    const stackPolicy = local.world.iam.rolesOf(LA).find((r) => r.name === ROLE)!.inline.get(READER_POLICY_NAME);
    local.world.resetCalls();
    // act
    const r = await local.run({ accountId: A, action: 'offboard', reason: 'RemoveAccountFromOrganization' }, `offboard-${A}`);
    // assert
    expect({ status: r.status, error: r.error, cause: r.cause }).toMatchObject({ status: 'SUCCEEDED' });
    expect(denied()).toEqual([A]);
    expect(await local.status.getAccount(A)).toMatchObject({ status: 'OFFBOARDED', offboarding: { removed: expect.arrayContaining(['readerAccess']), leftBehind: [] } });
    const roleWrites = local.world.writeCalls().filter((c) => c.service === 'iam' && c.accountId === LA);
    expect(roleWrites.map((c) => c.operation)).toEqual(['PutRolePolicy']);
    expect(local.world.iam.rolesOf(LA).find((r) => r.name === ROLE)!.inline.get(READER_POLICY_NAME)).toBe(stackPolicy);
  });

  it('it can no longer list, read or decrypt its logs through the shared role, with a new session or the one it had', async () => {
    expect(await canRead(A)).toEqual(NONE);
    expect(await canRead(A, before)).toEqual(NONE);
  });

  it('the other accounts still can, and their runs find the role as deployed and write nothing', async () => {
    for (const id of [B, C, D, E]) expect(await canRead(id)).toEqual(ALL);
    local.world.resetCalls();
    const r = await local.run({ accountId: B, mode: 'apply' }, `reconcile-${B}-after-offboarding`);
    expect(r.status).toBe('SUCCEEDED');
    expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb')).toEqual([]);
  });

  it('a second offboarding run of it writes nothing to the role', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: A, action: 'offboard', reason: 'again' }, `offboard-${A}-again`);
    expect(r.status).toBe('SUCCEEDED');
    expect(local.world.writeCalls().filter((c) => c.service === 'iam')).toEqual([]);
  });

  it('onboarding it again takes it off the list (the policy goes with its last account), and it reads its logs again', async () => {
    const r = await local.run({ accountId: A }, `onboard-${A}-again`);
    expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: 'SUCCEEDED' });
    expect(local.world.iam.rolesOf(LA).find((x) => x.name === ROLE)!.inline.has(OFFBOARDED_POLICY_NAME)).toBe(false);
    expect(await canRead(A)).toEqual(ALL);
  });
});

describe('offboardings at once', () => {
  it('every account ends on the list (no lost update), and none of them can read; the account onboarded again still can', async () => {
    const leaving = [B, C, D, E];
    local.world.resetCalls();
    const runs = await Promise.all(leaving.map((id) => local.run({ accountId: id, action: 'offboard', reason: 'concurrency' }, `offboard-${id}`)));
    expect(runs.map((r) => `${r.status} ${r.error ?? ''}`)).toEqual(leaving.map(() => 'SUCCEEDED '));
    expect(denied()).toEqual([...leaving].sort());
    for (const id of leaving) expect(await canRead(id)).toEqual(NONE);
    expect(await canRead(A)).toEqual(ALL);
  });
});

describe('an offboarding that finds the deny list\'s lease held', () => {
  it('waits for it (PolicyLockBusy, retried), then keeps what the holder wrote and adds its own account', async () => {
    // prepare: A's run will find the lease held; its holder writes the list with another account.
    const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: DEMO.region }));
    const lock = new LeaseLock(doc, LOCAL_TABLE_NAME);
    const iam = createClient(IAMClient, { region: DEMO.region, credentials: principalCredentials(local.world, `arn:aws:sts::${LA}:assumed-role/Administrator/admin`) });
    const meanwhile = [...denied(), '123456789012'];
    try {
      expect(await lock.acquire(SHARED_READER_LEASE, 'another-execution', 60)).toBe(true);
      local.world.resetCalls();
      // act
      const run = local.run({ accountId: A, action: 'offboard', reason: 'lease held' }, `offboard-${A}-lease-held`);
      await until(() => local.world.calls.some((c) => c.operation === 'PutItem' && c.error !== undefined && JSON.stringify(c.input).includes(lockKey(SHARED_READER_LEASE))));
      await iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: OFFBOARDED_POLICY_NAME, PolicyDocument: JSON.stringify(offboardedDenyPolicy(meanwhile)) }));
      await lock.release(SHARED_READER_LEASE, 'another-execution');
      const r = await run;
      // assert
      expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: 'SUCCEEDED' });
      expect(denied()).toEqual([...meanwhile, A].sort());
    } finally {
      iam.destroy();
      doc.destroy();
    }
  });
});
