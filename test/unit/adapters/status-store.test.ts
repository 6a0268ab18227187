import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { accountKey, MEMBERS_KEY, StatusStore, TABLE_KEY } from '../../../handlers/adapters/status-store';
import { countWrites, startTable, type TestTable } from './dynalite-table';
import { rejection } from './sdk-errors';

const ACCOUNT = '444455556666';
const EXEC_1 = 'arn:aws:states:eu-west-1:111122223333:execution:Onboarding:one';
const EXEC_2 = 'arn:aws:states:eu-west-1:111122223333:execution:Onboarding:two';
const onboarded = {
  switchRoleArn: `arn:aws:iam::${ACCOUNT}:role/CloudTrailSwitchRole`,
  trailArn: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/org-member-trail`,
  readerRoleArn: `arn:aws:iam::222233334444:role/CloudTrailLogReader-${ACCOUNT}`,
};

let table: TestTable;
let clock: Date;
let store: StatusStore;

beforeAll(async () => {
  table = await startTable();
});
afterAll(async () => {
  await table.stop();
});
beforeEach(async () => {
  jest.restoreAllMocks();
  clock = new Date('2025-03-01T10:00:00.000Z');
  store = new StatusStore(table.doc, table.tableName, () => clock);
  for (const pk of [accountKey(ACCOUNT), accountKey('555566667777'), MEMBERS_KEY]) {
    await table.doc.send(new DeleteCommand({ TableName: table.tableName, Key: { [TABLE_KEY]: pk } }));
  }
});

describe('StatusStore account status', () => {
  it('records a first execution as IN_PROGRESS', async () => {
    // prepare
    const writes = countWrites(table.doc);

    // act
    await store.markInProgress(ACCOUNT, EXEC_1);

    // assert
    expect(writes()).toBe(1);
    expect(await store.getAccount(ACCOUNT)).toEqual({
      pk: `ACCOUNT#${ACCOUNT}`,
      accountId: ACCOUNT,
      status: 'IN_PROGRESS',
      executionArn: EXEC_1,
      startedAt: '2025-03-01T10:00:00.000Z',
      updatedAt: '2025-03-01T10:00:00.000Z',
    });
  });

  it('makes no write when marking an ONBOARDED account in progress (re-run)', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    const before = await store.getAccount(ACCOUNT);
    const writes = countWrites(table.doc);

    // act
    await store.markInProgress(ACCOUNT, EXEC_2);

    // assert
    expect(writes()).toBe(0);
    expect(await store.getAccount(ACCOUNT)).toEqual(before);
  });

  it('makes no write when the same execution is already IN_PROGRESS', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    const writes = countWrites(table.doc);

    // act
    await store.markInProgress(ACCOUNT, EXEC_1);

    // assert
    expect(writes()).toBe(0);
  });

  it('restarts a FAILED account as IN_PROGRESS and drops the old error', async () => {
    // prepare
    await store.markFailed(ACCOUNT, { executionArn: EXEC_1, error: { name: 'AccessDenied', cause: 'denied', step: 'EnsureTrail' } });
    clock = new Date('2025-03-01T11:00:00.000Z');

    // act
    await store.markInProgress(ACCOUNT, EXEC_2);

    // assert
    const item = await store.getAccount(ACCOUNT);
    expect(item).toMatchObject({ status: 'IN_PROGRESS', executionArn: EXEC_2, startedAt: '2025-03-01T11:00:00.000Z' });
    expect(item?.error).toBeUndefined();
  });

  it('records ONBOARDED with the resources, and a re-run with the same resources writes nothing', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    clock = new Date('2025-03-01T10:05:00.000Z');
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    const writes = countWrites(table.doc);

    // act
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded });

    // assert
    expect(writes()).toBe(0);
    expect(await store.getAccount(ACCOUNT)).toMatchObject({
      status: 'ONBOARDED',
      executionArn: EXEC_1,
      startedAt: '2025-03-01T10:00:00.000Z',
      onboardedAt: '2025-03-01T10:05:00.000Z',
      ...onboarded,
    });
  });

  it("records the per-account trail's migration: kept while waiting (a re-run writes nothing), the removal kept on record after", async () => {
    const waiting = { migration: 'waiting' as const, detail: 'kept: nothing delivered yet' };
    const removed = { migration: 'removed' as const, detail: 'deleted: delivered' };
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded, accountTrail: waiting });
    expect(await store.getAccount(ACCOUNT)).toMatchObject({ accountTrail: waiting });
    const rerun = countWrites(table.doc);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded, accountTrail: waiting });
    expect(rerun()).toBe(0);

    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded, accountTrail: removed });
    expect(await store.getAccount(ACCOUNT)).toMatchObject({ executionArn: EXEC_2, accountTrail: removed });
    // Later runs find no per-account trail (nothing to record): the removal stays, and nothing is written.
    jest.restoreAllMocks(); // a second spy on the same client would count the writes above too
    const later = countWrites(table.doc);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    expect(later()).toBe(0);
    expect(await store.getAccount(ACCOUNT)).toMatchObject({ accountTrail: removed });
  });

  it('an offboarding re-run keeps when the offboarding began and what earlier runs removed; an onboarding since starts afresh', async () => {
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    expect(await store.markOffboarding(ACCOUNT, 'off-1', 'RemoveAccountFromOrganization')).toBe(true);
    await store.markOffboarded(ACCOUNT, { executionArn: 'off-1', reason: 'RemoveAccountFromOrganization', removed: ['trail', 'bucketPolicy'], leftBehind: [], readerRoleKeptUntil: '2025-03-02T10:00:00.000Z' });
    clock = new Date('2025-03-03T10:00:00.000Z');
    await store.markOffboarding(ACCOUNT, 'off-2', 'keepReaderRoleDays elapsed');
    await store.markOffboarded(ACCOUNT, { executionArn: 'off-2', reason: 'keepReaderRoleDays elapsed', removed: ['readerRole'], leftBehind: [] });
    expect((await store.getAccount(ACCOUNT))?.offboarding).toMatchObject({
      startedAt: '2025-03-01T10:00:00.000Z',
      offboardedAt: '2025-03-03T10:00:00.000Z',
      removed: ['trail', 'bucketPolicy', 'readerRole'],
      reason: 'keepReaderRoleDays elapsed',
    });
    expect((await store.getAccount(ACCOUNT))?.offboarding?.readerRoleKeptUntil).toBeUndefined();

    await store.markInProgress(ACCOUNT, EXEC_2);
    expect((await store.getAccount(ACCOUNT))?.offboarding).toBeUndefined();
  });

  it('an offboarding of an account without an item writes nothing', async () => {
    expect(await store.markOffboarding('555566667777', 'off-1', 'x')).toBe(false);
    expect(await store.getAccount('555566667777')).toBeUndefined();
  });

  it('drops a migration that no longer applies (a foreign trail gone, a waiting trail deleted by someone else)', async () => {
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded, accountTrail: { migration: 'foreign', detail: 'not ours' } });
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded });
    expect((await store.getAccount(ACCOUNT))?.accountTrail).toBeUndefined();
  });

  it('a re-run that changed nothing more than an hour after the last verification refreshes only lastVerifiedAt', async () => {
    await store.markInProgress(ACCOUNT, EXEC_1);
    clock = new Date('2025-03-01T10:05:00.000Z');
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    clock = new Date('2025-03-01T11:05:00.000Z');
    const within = countWrites(table.doc);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded });
    expect(within()).toBe(0);

    clock = new Date('2025-03-01T11:05:00.001Z');
    const after = countWrites(table.doc);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded });
    expect(after()).toBe(1);
    expect(await store.getAccount(ACCOUNT)).toMatchObject({
      executionArn: EXEC_1,
      updatedAt: '2025-03-01T10:05:00.000Z',
      lastVerifiedAt: '2025-03-01T11:05:00.001Z',
      lastVerificationExecutionArn: EXEC_2,
      health: 'HEALTHY',
    });
  });

  it('rewrites ONBOARDED when a resource changed, keeping the first onboarding time', async () => {
    // prepare
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    clock = new Date('2025-03-02T10:00:00.000Z');
    const newTrail = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/renamed`;

    // act
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded, trailArn: newTrail });

    // assert
    expect(await store.getAccount(ACCOUNT)).toMatchObject({
      trailArn: newTrail,
      executionArn: EXEC_2,
      onboardedAt: '2025-03-01T10:00:00.000Z',
      updatedAt: '2025-03-02T10:00:00.000Z',
    });
  });

  it('records FAILED with the error, and the same failure again writes nothing', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    const failure = { executionArn: EXEC_1, error: { name: 'TrailLimitExceeded', cause: 'five trails', step: 'EnsureTrail' } };
    await store.markFailed(ACCOUNT, failure);
    const writes = countWrites(table.doc);

    // act
    await store.markFailed(ACCOUNT, failure);

    // assert
    expect(writes()).toBe(0);
    expect(await store.getAccount(ACCOUNT)).toMatchObject({ status: 'FAILED', error: failure.error });
  });

  it('lists account items, filtered by status', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    await store.markOnboarded('555566667777', { executionArn: EXEC_2, ...onboarded });
    await store.addMember(ACCOUNT);

    // act
    const all = await store.listAccounts();
    const done = await store.listAccounts({ status: 'ONBOARDED' });

    // assert
    expect(all.map((a) => a.accountId)).toEqual([ACCOUNT, '555566667777']);
    expect(done.map((a) => a.accountId)).toEqual(['555566667777']);
  });

  it('reports a missing table as ResourceNotFound naming tableName', async () => {
    // prepare
    const missing = new StatusStore(table.doc, 'no-such-table', () => clock);

    // act
    const err = await rejection(missing.getAccount(ACCOUNT));

    // assert
    expect(err.name).toBe('ResourceNotFound');
    expect(err.message).toContain('tableName');
  });
});

describe('StatusStore with the item the caller has just read', () => {
  const sent = (spy: jest.SpyInstance) => spy.mock.calls.map(([command]) => (command as object).constructor.name);

  it('markInProgress decides from the item given and reads nothing (an ONBOARDED one: no write either)', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    const read = await store.getAccount(ACCOUNT);
    const spy = jest.spyOn(table.doc, 'send');

    // act
    await store.markInProgress(ACCOUNT, EXEC_2, read);

    // assert
    expect(sent(spy)).toEqual([]);
    expect((await store.getAccount(ACCOUNT))?.status).toBe('ONBOARDED');
  });

  it('markInProgress with null (no item) writes IN_PROGRESS with one UpdateItem and no read', async () => {
    // prepare
    const spy = jest.spyOn(table.doc, 'send');

    // act
    await store.markInProgress(ACCOUNT, EXEC_1, null);

    // assert
    expect(sent(spy)).toEqual(['UpdateCommand']);
    expect(await store.getAccount(ACCOUNT)).toMatchObject({ status: 'IN_PROGRESS', executionArn: EXEC_1 });
  });

  it('markOnboarded compares with the item given: the same record is not written, and nothing is read', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    const read = await store.getAccount(ACCOUNT);
    const spy = jest.spyOn(table.doc, 'send');

    // act
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded }, read);

    // assert
    expect(sent(spy)).toEqual([]);
  });

  it('markOnboarded keeps the first onboarding time of the item given', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    const read = await store.getAccount(ACCOUNT);
    clock = new Date(clock.getTime() + 60_000);
    const spy = jest.spyOn(table.doc, 'send');

    // act: another trail ARN is a change
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded, trailArn: `${onboarded.trailArn}-2` }, read);

    // assert
    expect(sent(spy)).toEqual(['UpdateCommand']);
    expect(await store.getAccount(ACCOUNT)).toMatchObject({ onboardedAt: read?.onboardedAt, executionArn: EXEC_2, trailArn: `${onboarded.trailArn}-2` });
  });
});

describe('StatusStore.listAccounts pagination', () => {
  it('reads every Scan page', async () => {
    // prepare
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
    const docMock = mockClient(doc);
    docMock
      .on(ScanCommand)
      .resolvesOnce({ Items: [{ pk: 'ACCOUNT#2', accountId: '2' }], LastEvaluatedKey: { pk: 'ACCOUNT#2' } })
      .resolvesOnce({ Items: [{ pk: 'ACCOUNT#1', accountId: '1' }] });
    const paged = new StatusStore(doc, 't', () => clock);

    // act
    const items = await paged.listAccounts();

    // assert
    expect(items.map((i) => i.accountId)).toEqual(['1', '2']);
    expect(docMock.commandCalls(ScanCommand)).toHaveLength(2);
    docMock.restore();
  });
});

describe('StatusStore member set', () => {
  it('has no members before the first is added', async () => {
    // act + assert
    expect(await store.members()).toEqual([]);
  });

  it('adds members to a string set, once each, read back sorted and consistently', async () => {
    // prepare
    const sent = jest.spyOn(table.doc, 'send');

    // act
    await store.addMember('555566667777');
    await store.addMember(ACCOUNT);
    await store.addMember(ACCOUNT);
    const members = await store.members();

    // assert
    expect(members).toEqual([ACCOUNT, '555566667777']);
    const read = sent.mock.calls.map(([c]) => c).find((c) => c instanceof GetCommand) as GetCommand;
    expect(read.input).toMatchObject({ Key: { pk: MEMBERS_KEY }, ConsistentRead: true });
    const raw = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: { pk: MEMBERS_KEY } }));
    expect(raw.Item?.accounts).toBeInstanceOf(Set);
  });

  it('does not clobber the set with a put', async () => {
    // prepare
    const sent = jest.spyOn(table.doc, 'send');

    // act
    await store.addMember(ACCOUNT);

    // assert
    expect(sent.mock.calls.some(([c]) => c instanceof PutCommand)).toBe(false);
  });
});
