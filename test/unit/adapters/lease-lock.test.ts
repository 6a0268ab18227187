import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { LeaseLock } from '../../../handlers/adapters/lease-lock';
import { lockKey, TABLE_KEY } from '../../../handlers/adapters/status-store';
import { PolicyLockBusy } from '../../../handlers/shared/errors';
import { startTable, type TestTable } from './dynalite-table';
import { rejection } from './sdk-errors';

const LOCK = 'bucket-policy';
const A = 'execution-a';
const B = 'execution-b';

let table: TestTable;
let clock: Date;
let lock: LeaseLock;
let n = 0;
let name: string;

const item = async () =>
  (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: { [TABLE_KEY]: lockKey(name) }, ConsistentRead: true }))).Item;

beforeAll(async () => {
  table = await startTable();
});
afterAll(async () => {
  await table.stop();
});
beforeEach(() => {
  clock = new Date('2025-03-01T10:00:00.000Z');
  lock = new LeaseLock(table.doc, table.tableName, () => clock);
  name = `${LOCK}-${++n}`; // a fresh lease per test
});

describe('LeaseLock.acquire', () => {
  it('takes a free lease and stores owner and expiry in epoch ms', async () => {
    // act
    const got = await lock.acquire(name, A, 120);

    // assert
    expect(got).toBe(true);
    expect(await item()).toEqual({ pk: `LOCK#${name}`, owner: A, expiresAt: clock.getTime() + 120_000 });
  });

  it('refuses a lease another owner holds', async () => {
    // prepare
    await lock.acquire(name, A, 120);

    // act
    const got = await lock.acquire(name, B, 120);

    // assert
    expect(got).toBe(false);
    expect((await item())?.owner).toBe(A);
  });

  it('lets the holder take its own lease again, extending it', async () => {
    // prepare
    await lock.acquire(name, A, 120);
    clock = new Date(clock.getTime() + 60_000);

    // act
    const got = await lock.acquire(name, A, 120);

    // assert
    expect(got).toBe(true);
    expect((await item())?.expiresAt).toBe(clock.getTime() + 120_000);
  });

  it('lets another owner take over an expired lease', async () => {
    // prepare
    await lock.acquire(name, A, 120);
    clock = new Date(clock.getTime() + 121_000);

    // act
    const got = await lock.acquire(name, B, 120);

    // assert
    expect(got).toBe(true);
    expect((await item())?.owner).toBe(B);
  });
});

describe('LeaseLock.release', () => {
  it('deletes the lease of its owner', async () => {
    // prepare
    await lock.acquire(name, A, 120);

    // act
    await lock.release(name, A);

    // assert
    expect(await item()).toBeUndefined();
  });

  it('ignores a release by someone who no longer holds the lease', async () => {
    // prepare: A's lease expired and B took it
    await lock.acquire(name, A, 120);
    clock = new Date(clock.getTime() + 121_000);
    await lock.acquire(name, B, 120);

    // act
    await expect(lock.release(name, A)).resolves.toBeUndefined();

    // assert
    expect((await item())?.owner).toBe(B);
  });
});

describe('LeaseLock.withLease', () => {
  it('runs the function holding the lease and releases it afterwards', async () => {
    // prepare
    let ownerDuringRun: unknown;

    // act
    const result = await lock.withLease(name, A, 120, async () => {
      ownerDuringRun = (await item())?.owner;
      return 42;
    });

    // assert
    expect(result).toBe(42);
    expect(ownerDuringRun).toBe(A);
    expect(await item()).toBeUndefined();
  });

  it('throws PolicyLockBusy naming the holder and until when, without running the function', async () => {
    // prepare
    await lock.acquire(name, B, 120);
    const fn = jest.fn(async () => 1);

    // act
    const err = await rejection(lock.withLease(name, A, 120, fn));

    // assert
    expect(err).toBeInstanceOf(PolicyLockBusy);
    expect(err.message).toContain(B);
    expect(err.message).toContain('2025-03-01T10:02:00.000Z');
    expect(fn).not.toHaveBeenCalled();
    expect((await item())?.owner).toBe(B);
  });

  it('releases the lease when the function throws, and rethrows its error', async () => {
    // prepare
    const boom = new Error('write failed');

    // act
    const err = await rejection(
      lock.withLease(name, A, 120, async () => {
        throw boom;
      }),
    );

    // assert
    expect(err).toBe(boom);
    expect(await item()).toBeUndefined();
  });
});

describe('LeaseLock.withLease with a write alongside the acquisition', () => {
  it('sends the write with the acquisition (both in flight at once), then runs the function holding the lease', async () => {
    // prepare: the write waits until the acquisition has been answered, which only a concurrent send allows
    let acquired!: () => void;
    const lease = new Promise<void>((resolve) => (acquired = resolve));
    const watched = new LeaseLock(table.doc, table.tableName, () => clock);
    const acquire = watched.acquire.bind(watched);
    watched.acquire = async (...args) => {
      const got = await acquire(...args);
      acquired();
      return got;
    };
    const order: string[] = [];

    // act
    const result = await watched.withLease(name, A, 120, async () => (order.push('fn'), 7), {
      alongside: async () => {
        order.push('alongside sent');
        await lease;
        order.push('alongside answered');
      },
    });

    // assert
    expect(result).toBe(7);
    expect(order).toEqual(['alongside sent', 'alongside answered', 'fn']);
    expect(await item()).toBeUndefined();
  });

  it('makes the write when the lease is busy, then throws PolicyLockBusy', async () => {
    // prepare
    await lock.acquire(name, B, 120);
    const alongside = jest.fn(async () => undefined);
    const fn = jest.fn(async () => 1);

    // act
    const err = await rejection(lock.withLease(name, A, 120, fn, { alongside }));

    // assert
    expect(err).toBeInstanceOf(PolicyLockBusy);
    expect(alongside).toHaveBeenCalledTimes(1);
    expect(fn).not.toHaveBeenCalled();
    expect((await item())?.owner).toBe(B);
  });

  it('when the write fails: releases the lease it took, throws the write\'s error, and never runs the function', async () => {
    // prepare
    const boom = new Error('admission failed');
    const fn = jest.fn(async () => 1);

    // act
    const err = await rejection(
      lock.withLease(name, A, 120, fn, {
        alongside: async () => {
          throw boom;
        },
      }),
    );

    // assert
    expect(err).toBe(boom);
    expect(fn).not.toHaveBeenCalled();
    expect(await item()).toBeUndefined();
  });

  it('when the write fails and the lease is busy: throws the write\'s error and leaves the holder\'s lease alone', async () => {
    // prepare
    await lock.acquire(name, B, 120);
    const boom = new Error('admission failed');

    // act
    const err = await rejection(lock.withLease(name, A, 120, async () => 1, { alongside: async () => Promise.reject(boom) }));

    // assert
    expect(err).toBe(boom);
    expect((await item())?.owner).toBe(B);
  });
});

describe('LeaseLock release under passing failures', () => {
  /** A lock whose first `failures` DeleteItem calls answer 500 (the SDK's own retry included). */
  function flakyLock(failures: number) {
    let left = failures;
    const sleeps: number[] = [];
    const send = table.doc.send.bind(table.doc);
    const doc = Object.create(table.doc) as typeof table.doc;
    doc.send = (async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'DeleteCommand' && left > 0) {
        left -= 1;
        throw Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
      }
      return send(command as never);
    }) as typeof doc.send;
    return { lock: new LeaseLock(doc, table.tableName, () => clock, async (ms) => void sleeps.push(ms)), sleeps };
  }

  it('keeps releasing past a few 5xx answers, so a written policy never leaves its lease behind', async () => {
    const { lock: flaky, sleeps } = flakyLock(3);
    await expect(flaky.withLease(name, A, 120, async () => 'written')).resolves.toBe('written');
    expect(await item()).toBeUndefined();
    expect(sleeps).toEqual([100, 200, 300]);
  });

  it('gives up after RELEASE_ATTEMPTS and says so; the lease is then left to its expiry', async () => {
    const { lock: flaky } = flakyLock(100);
    const err = await rejection(flaky.withLease(name, A, 120, async () => 'written'));
    expect(err.name).toBe('ServiceUnavailable');
    expect((await item())?.owner).toBe(A);
  });
});
