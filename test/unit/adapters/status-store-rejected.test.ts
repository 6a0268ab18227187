/**
 * The status model's REJECTED and SKIPPED (handlers/adapters/status-store.ts) against a real DynamoDB
 * (dynalite), and `listAccounts({ status })` through the status index: what it reads at 5,000 accounts.
 */
import { BatchWriteCommand, DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { accountKey, StatusStore, STATUS_INDEX_NAME, TABLE_KEY } from '../../../handlers/adapters/status-store';
import { countWrites, startTable, type TestTable } from './dynalite-table';

const ACCOUNT = '444455556666';
const EXEC_1 = 'arn:aws:states:eu-west-1:111122223333:execution:CloudTrailOnboarding:onboard-444455556666';
const EXEC_2 = 'arn:aws:states:eu-west-1:111122223333:execution:CloudTrailOnboarding:onboard-444455556666-retry-1';
const onboarded = {
  switchRoleArn: `arn:aws:iam::${ACCOUNT}:role/CloudTrailSwitchRole`,
  trailArn: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/org-member-trail`,
  readerRoleArn: `arn:aws:iam::222233334444:role/CloudTrailLogReader-${ACCOUNT}`,
};
const outOfScope = { name: 'AccountOutOfScope', cause: 'ValidateRequest: Account 444455556666 is out of the configured scope: ...', step: 'ValidateRequest' };
const suspended = { name: 'AccountNotActive', cause: 'ValidateRequest: Account 444455556666 is SUSPENDED in Organizations.', step: 'ValidateRequest' };

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
  clock = new Date('2026-03-01T10:00:00.000Z');
  store = new StatusStore(table.doc, table.tableName, () => clock);
  await table.doc.send(new DeleteCommand({ TableName: table.tableName, Key: { [TABLE_KEY]: accountKey(ACCOUNT) } }));
});

describe('REJECTED', () => {
  it('records an account never onboarded as REJECTED with the error name and cause', async () => {
    // act
    const outcome = await store.markRejected(ACCOUNT, { executionArn: EXEC_1, error: suspended });

    // assert
    expect(outcome).toBe('recorded');
    expect(await store.getAccount(ACCOUNT)).toMatchObject({ status: 'REJECTED', executionArn: EXEC_1, error: suspended });
  });

  it('writes nothing when the same execution records the same rejection again (a retried ValidateRequest)', async () => {
    // prepare
    await store.markRejected(ACCOUNT, { executionArn: EXEC_1, error: suspended });
    const writes = countWrites(table.doc);

    // act
    const outcome = await store.markRejected(ACCOUNT, { executionArn: EXEC_1, error: suspended });

    // assert
    expect(outcome).toBe('unchanged');
    expect(writes()).toBe(0);
  });

  it('never overwrites ONBOARDED: the account keeps its status and resources, the rejection is a notice', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });

    // act
    const outcome = await store.markRejected(ACCOUNT, { executionArn: EXEC_2, error: outOfScope });

    // assert
    expect(outcome).toBe('noted');
    const item = await store.getAccount(ACCOUNT);
    expect(item).toMatchObject({ status: 'ONBOARDED', executionArn: EXEC_1, ...onboarded });
    expect(item?.error).toBeUndefined();
    expect(item?.notice).toEqual({ status: 'REJECTED', name: 'AccountOutOfScope', cause: outOfScope.cause, executionArn: EXEC_2, at: clock.toISOString() });
  });

  it('a later run that records the account again clears REJECTED and its error', async () => {
    // prepare
    await store.markRejected(ACCOUNT, { executionArn: EXEC_1, error: outOfScope });

    // act
    await store.markInProgress(ACCOUNT, EXEC_2);

    // assert
    const item = await store.getAccount(ACCOUNT);
    expect(item).toMatchObject({ status: 'IN_PROGRESS', executionArn: EXEC_2 });
    expect(item?.error).toBeUndefined();
  });

  it('an onboarding that succeeds again removes a notice (a changed record, so it is written)', async () => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });
    await store.markRejected(ACCOUNT, { executionArn: EXEC_2, error: outOfScope });

    // act
    await store.markOnboarded(ACCOUNT, { executionArn: EXEC_2, ...onboarded });

    // assert
    expect((await store.getAccount(ACCOUNT))?.notice).toBeUndefined();
  });
});

describe('SKIPPED', () => {
  const skip = { reason: 'account 444455556666 is under r-a1b2 / ou-a1b2-sandbox, which scope.excludeOus excludes', trigger: 'MoveAccount' };

  it('records an account the table does not know as SKIPPED with the reason and the event, and no execution', async () => {
    // act
    const outcome = await store.markSkipped(ACCOUNT, skip);

    // assert
    expect(outcome).toBe('recorded');
    const item = await store.getAccount(ACCOUNT);
    expect(item).toMatchObject({ status: 'SKIPPED', trigger: 'MoveAccount', error: { name: 'AccountOutOfScope', cause: skip.reason, step: 'StartFromEvent' } });
    expect(item?.executionArn).toBeUndefined();
  });

  it('writes nothing for the same skip delivered twice', async () => {
    // prepare
    await store.markSkipped(ACCOUNT, skip);
    const writes = countWrites(table.doc);

    // act
    const outcome = await store.markSkipped(ACCOUNT, skip);

    // assert
    expect(outcome).toBe('unchanged');
    expect(writes()).toBe(0);
  });

  it.each(['ONBOARDED', 'IN_PROGRESS'] as const)('keeps %s and notes the skip (an onboarded account moved out of scope is not offboarded)', async (status) => {
    // prepare
    await store.markInProgress(ACCOUNT, EXEC_1);
    if (status === 'ONBOARDED') await store.markOnboarded(ACCOUNT, { executionArn: EXEC_1, ...onboarded });

    // act
    const outcome = await store.markSkipped(ACCOUNT, skip);

    // assert
    expect(outcome).toBe('noted');
    const item = await store.getAccount(ACCOUNT);
    expect(item).toMatchObject({ status, executionArn: EXEC_1, notice: { status: 'SKIPPED', name: 'AccountOutOfScope', cause: skip.reason, trigger: 'MoveAccount' } });
  });

  it('replaces REJECTED (the latest word on an account nothing onboarded)', async () => {
    // prepare
    await store.markRejected(ACCOUNT, { executionArn: EXEC_1, error: outOfScope });

    // act
    await store.markSkipped(ACCOUNT, skip);

    // assert
    expect(await store.getAccount(ACCOUNT)).toMatchObject({ status: 'SKIPPED', trigger: 'MoveAccount' });
  });
});

describe('listAccounts({ status }) at 5,000 accounts', () => {
  const ids = Array.from({ length: 5000 }, (_, i) => String(100000000000 + i));
  const statusOf = (i: number) => (i % 100 === 0 ? 'REJECTED' : i % 50 === 0 ? 'SKIPPED' : 'ONBOARDED');

  beforeAll(async () => {
    const items = ids.map((id, i) => ({ [TABLE_KEY]: accountKey(id), accountId: id, status: statusOf(i), updatedAt: '2026-03-01T00:00:00.000Z', startedAt: '2026-03-01T00:00:00.000Z' }));
    for (let i = 0; i < items.length; i += 25) {
      await table.doc.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
  }, 120_000);

  it('Queries the status index and reads only the matching items, not the table', async () => {
    // prepare
    const send = jest.spyOn(table.doc, 'send');

    // act
    const rejected = await store.listAccounts({ status: 'REJECTED' });

    // assert: 50 of 5,000, in account order, from the index; no Scan; every item DynamoDB returned matched
    expect(rejected.map((r) => r.accountId)).toEqual(ids.filter((_, i) => statusOf(i) === 'REJECTED'));
    const commands = send.mock.calls.map(([c]) => c as { constructor: { name: string }; input: { IndexName?: string } });
    expect(commands.every((c) => c.constructor.name === 'QueryCommand' && c.input.IndexName === STATUS_INDEX_NAME)).toBe(true);
    expect(commands.some((c) => c instanceof ScanCommand)).toBe(false);
    const returned = await Promise.all(send.mock.results.map((r) => r.value as Promise<{ Count?: number; ScannedCount?: number }>));
    expect(returned.reduce((n, r) => n + (r.ScannedCount ?? 0), 0)).toBe(50);
  });

  it('pages through a status with thousands of items (every page, each read from the index)', async () => {
    // prepare
    const send = jest.spyOn(table.doc, 'send');

    // act
    const done = await store.listAccounts({ status: 'ONBOARDED' });

    // assert
    expect(done).toHaveLength(ids.filter((_, i) => statusOf(i) === 'ONBOARDED').length);
    const returned = await Promise.all(send.mock.results.map((r) => r.value as Promise<{ ScannedCount?: number }>));
    expect(returned.reduce((n, r) => n + (r.ScannedCount ?? 0), 0)).toBe(done.length);
  });
});
