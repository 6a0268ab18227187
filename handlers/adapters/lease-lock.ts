/**
 * A lease lock in the status table (`LOCK#<name>`: owner, expiresAt in epoch ms), serialising the
 * writers of a shared policy: S3 PutBucketPolicy and KMS PutKeyPolicy have no conditional write.
 * A lease expires on its own, so a crashed holder blocks others for at most `leaseSeconds`.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorKind, isOnboardingError, PolicyLockBusy } from '../shared/errors';
import { type AwsCall, isAwsError } from './aws-errors';
import { lockKey, TABLE_KEY, tableError } from './status-table';

/** Who holds a lease and until when. */
export interface LeaseHolder {
  owner: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Options of {@link LeaseLock.withLease}. */
export interface LeaseOptions {
  /**
   * A write sent together with the acquisition (the same round trip), e.g. the account's admission to
   * the member set; it is made whether or not the lease is free. When it fails, its error is thrown
   * (the lease released if it was taken) and the function does not run.
   */
  readonly alongside?: () => Promise<void>;
}

/** Release attempts (each with the SDK's own retry) before a lease is left to expire. */
export const RELEASE_ATTEMPTS = 4;
/** Back-off between release attempts, times the attempt number. */
const RELEASE_BACKOFF_MS = 100;

/** Acquires, releases and scopes leases. */
export class LeaseLock {
  /**
   * @param doc a DynamoDBDocumentClient.
   * @param tableName the configured `tableName`.
   * @param now the clock that decides expiry (epoch ms from it are stored).
   */
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * Takes the lease `name` for `owner` for `leaseSeconds`: succeeds when it is free, expired, or
   * already `owner`'s (which extends it). Returns false when someone else holds it.
   */
  async acquire(name: string, owner: string, leaseSeconds: number): Promise<boolean> {
    const now = this.now().getTime();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [TABLE_KEY]: lockKey(name), owner, expiresAt: now + leaseSeconds * 1000 },
          ConditionExpression: `attribute_not_exists(${TABLE_KEY}) OR expiresAt < :now OR #owner = :owner`,
          // OWNER is a DynamoDB reserved word.
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': owner },
        }),
      );
      return true;
    } catch (e) {
      if (isAwsError(e, 'ConditionalCheckFailedException')) return false;
      throw tableError(e, this.call('PutItem', name));
    }
  }

  /**
   * Releases the lease if `owner` still holds it. When it does not (the lease expired and was taken
   * by another execution) nothing is deleted and nothing is thrown.
   */
  async release(name: string, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: lockKey(name) },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (e) {
      if (isAwsError(e, 'ConditionalCheckFailedException')) return;
      throw tableError(e, this.call('DeleteItem', name));
    }
  }

  /** The current holder of `name` (consistent read), or `undefined` when there is no lease item. */
  async holder(name: string): Promise<LeaseHolder | undefined> {
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEY]: lockKey(name) }, ConsistentRead: true }),
      );
      if (!out.Item) return undefined;
      return { owner: String(out.Item.owner), expiresAt: Number(out.Item.expiresAt) };
    } catch (e) {
      throw tableError(e, this.call('GetItem', name));
    }
  }

  /**
   * Runs `fn` holding the lease: acquires it or throws `PolicyLockBusy` (retryable; the message says
   * who holds it until when), and always releases it afterwards. An error from `fn` wins over one
   * from the release; a failed release after a successful `fn` is thrown (the lease would expire
   * anyway, and the step's retry is harmless because it re-reads before writing).
   *
   * `options.alongside` is sent with the acquisition, both in flight at once (one round trip where they
   * were two in sequence): it is made whether the lease is free or not (an admission to the member set
   * must be, so that the holder covers it). Its failure wins over the acquisition's outcome: the lease,
   * if taken, is released, and its error thrown before `fn` runs. (Two requests, not one
   * TransactWriteItems: a transaction whose lease condition fails writes neither item, and the
   * admission must not depend on the lease.)
   */
  async withLease<T>(name: string, owner: string, leaseSeconds: number, fn: () => Promise<T>, options: LeaseOptions = {}): Promise<T> {
    const [taken, alongside] = await Promise.allSettled([this.acquire(name, owner, leaseSeconds), options.alongside?.()]);
    if (alongside.status === 'rejected') {
      if (taken.status === 'fulfilled' && taken.value) await this.releasePersistently(name, owner).catch(() => undefined);
      throw alongside.reason;
    }
    if (taken.status === 'rejected') throw taken.reason;
    if (!taken.value) {
      const holder = await this.holder(name).catch(() => undefined);
      const who = holder
        ? `${holder.owner} until ${new Date(holder.expiresAt).toISOString()}`
        : 'another execution (released since)';
      throw new PolicyLockBusy(`Lease ${lockKey(name)} is held by ${who}; retried shortly.`, {
        lock: lockKey(name),
        owner,
        ...(holder ? { holder: holder.owner, holderExpiresAt: new Date(holder.expiresAt).toISOString() } : {}),
      });
    }
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      await this.releasePersistently(name, owner).catch(() => undefined);
      throw e;
    }
    await this.releasePersistently(name, owner);
    return result;
  }

  /**
   * Releases, trying again (beyond the SDK's own retry) while the failure is passing (throttling,
   * 5xx). A lease not released is only freed by its expiry, and the step's own retry cannot free it:
   * after a successful write the retry finds the account granted and never takes the lease again.
   */
  private async releasePersistently(name: string, owner: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.release(name, owner);
      } catch (e) {
        if (attempt >= RELEASE_ATTEMPTS || !(isOnboardingError(e) && e.kind === ErrorKind.Retryable)) throw e;
        await this.sleep(RELEASE_BACKOFF_MS * attempt);
      }
    }
  }

  private call(operation: string, name: string): AwsCall {
    return { service: 'DynamoDB', operation, target: `${this.tableName}/${lockKey(name)}` };
  }
}
