/**
 * The fleet reconcile's progress in the status table: one item `FLEET#reconcile` holding the current
 * sweep (where it is in the account list, which of its runs may still be open) and a lease, so that
 * two invocations of the ReconcileFleet function (a schedule tick arriving while the previous one
 * still works, or an event Lambda delivers twice) never sweep at once.
 *
 * Every write is one conditional UpdateItem on that item: taking the lease (free, expired, or already
 * the caller's), recording progress and releasing it (only while the caller holds it).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RunMode } from '../domain/drift';
import { type AwsCall, isAwsError } from './aws-errors';
import { TABLE_KEY, tableError } from './status-table';

/** Key of the fleet reconcile's item. */
export const FLEET_SWEEP_KEY = 'FLEET#reconcile';

/** Key of the backfill's item: the fleet start the orchestrator runs (handlers/start/fleet-start.ts). */
export const FLEET_BACKFILL_KEY = 'FLEET#backfill';

/** One sweep over the ONBOARDED accounts, as recorded between invocations. */
export interface FleetSweep {
  /** When the sweep began (ISO-8601); it names the sweep. */
  readonly startedAt: string;
  /** The mode of every run the sweep starts. */
  readonly mode: RunMode;
  /** The last account handled (accounts are taken in id order); absent before the first one. */
  readonly after?: string;
  /** Executions the sweep started that may still be open (counted against the concurrency cap). */
  readonly open: readonly string[];
  /** Runs started (or found open under the same name) so far. */
  readonly started: number;
  /** Accounts passed over: a status item whose id Step Functions would not take. */
  readonly skipped: number;
  /** Set once a run has been started for every account. */
  readonly finishedAt?: string;
}

/** What `acquire` answers. */
export type SweepLease = { readonly acquired: true; readonly sweep?: FleetSweep } | { readonly acquired: false };

/** Reads and writes one sweep's item: `FLEET#reconcile` (default) or `FLEET#backfill`. */
export class FleetSweepStore {
  /**
   * @param doc a DynamoDBDocumentClient with `removeUndefinedValues`.
   * @param tableName the configured `tableName`.
   * @param now the clock that decides lease expiry (epoch ms from it are stored).
   * @param key the sweep's item.
   */
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
    private readonly key: string = FLEET_SWEEP_KEY,
  ) {}

  /**
   * Takes the lease for `owner` for `leaseMs` when it is free, expired or already `owner`'s, and
   * returns the sweep recorded (none before the first sweep). `acquired: false` when another
   * invocation holds it.
   */
  async acquire(owner: string, leaseMs: number): Promise<SweepLease> {
    const now = this.now().getTime();
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: this.key },
          UpdateExpression: 'SET leaseOwner = :owner, leaseExpiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseExpiresAt < :now OR leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner, ':expires': now + leaseMs, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const sweep = out.Attributes?.sweep as FleetSweep | undefined;
      return sweep ? { acquired: true, sweep: normalized(sweep) } : { acquired: true };
    } catch (e) {
      if (isAwsError(e, 'ConditionalCheckFailedException')) return { acquired: false };
      throw tableError(e, this.call());
    }
  }

  /**
   * Records `sweep` as requested, for the next invocation to resume (the API's `POST /fleet/onboard`: it
   * cannot run a sweep itself within its 29 s). Only when no sweep is open (none yet, or the last one
   * finished) and no invocation holds the lease; false otherwise (nothing written).
   */
  async request(sweep: FleetSweep): Promise<boolean> {
    const now = this.now().getTime();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: this.key },
          UpdateExpression: 'SET sweep = :sweep',
          ConditionExpression: '(attribute_not_exists(sweep) OR attribute_exists(sweep.finishedAt)) AND (attribute_not_exists(leaseOwner) OR leaseExpiresAt < :now)',
          ExpressionAttributeValues: { ':sweep': { ...sweep, open: [...sweep.open] }, ':now': now },
        }),
      );
      return true;
    } catch (e) {
      if (isAwsError(e, 'ConditionalCheckFailedException')) return false;
      throw tableError(e, this.call());
    }
  }

  /** Records the sweep, keeping the lease. False when `owner` no longer holds it (nothing written). */
  async save(owner: string, sweep: FleetSweep): Promise<boolean> {
    return this.write(owner, sweep, 'SET sweep = :sweep');
  }

  /** Records the sweep and releases the lease. False when `owner` no longer holds it (nothing written). */
  async release(owner: string, sweep: FleetSweep | undefined): Promise<boolean> {
    return sweep ? this.write(owner, sweep, 'SET sweep = :sweep REMOVE leaseOwner, leaseExpiresAt') : this.write(owner, undefined, 'REMOVE leaseOwner, leaseExpiresAt');
  }

  private async write(owner: string, sweep: FleetSweep | undefined, expression: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: this.key },
          UpdateExpression: expression,
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner, ...(sweep ? { ':sweep': { ...sweep, open: [...sweep.open] } } : {}) },
        }),
      );
      return true;
    } catch (e) {
      if (isAwsError(e, 'ConditionalCheckFailedException')) return false;
      throw tableError(e, this.call());
    }
  }

  private call(): AwsCall {
    return { service: 'DynamoDB', operation: 'UpdateItem', target: `${this.tableName}/${this.key}` };
  }
}

/** The item as stored, with DynamoDB's numbers and lists read back into the plain shape. */
function normalized(s: FleetSweep): FleetSweep {
  return {
    startedAt: String(s.startedAt),
    mode: s.mode,
    ...(s.after !== undefined ? { after: String(s.after) } : {}),
    open: [...(s.open ?? [])].map(String),
    started: Number(s.started ?? 0),
    skipped: Number(s.skipped ?? 0),
    ...(s.finishedAt !== undefined ? { finishedAt: String(s.finishedAt) } : {}),
  };
}
