/**
 * The call log: one record per request that reached the simulated AWS, including each SDK retry
 * attempt and every failed or faulted call, in order.
 */
import type { SimService } from './errors';

/** One request as the simulated AWS saw it. */
export interface CallRecord {
  /** 1-based position in the log. */
  readonly seq: number;
  readonly service: SimService;
  /** SDK operation name without `Command` (`GetRole`, `PutItem`). */
  readonly operation: string;
  /** Account the request acted on: the role's for AssumeRole, the bucket owner's for S3, the caller's otherwise. */
  accountId: string;
  readonly region: string;
  /** Caller ARN as STS reports it (`unknown-access-key:<id>` when the key was not issued by the world). */
  principalArn: string;
  /** The operation's input as the SDK sent it (a copy). */
  readonly input: unknown;
  /** True for every mutating operation, whether or not it succeeded. */
  readonly write: boolean;
  /** SDK error name when the call failed (`NoSuchEntityException`, `Throttling`, ...). */
  error?: string;
  /** The step and execution that made the call, when made inside a local Lambda invocation. */
  readonly step?: string;
  readonly executionName?: string;
  /**
   * When the request reached the simulated AWS, in epoch milliseconds of the real clock
   * (`Date.now()`, not the world's clock), for rates such as calls per second. Set on the records of
   * a log passed to {@link timestampCalls}.
   */
  readonly at?: number;
}

const MUTATING = /^(Create|Put|Update|Attach|Detach|Delete|Tag|Untag|Add|Remove|Start|Stop|Set|Enable|Disable|Schedule|Cancel|Register|Deregister|Move|Invite|Accept|Decline|Leave|Close)/;
const DYNAMODB_WRITES = new Set(['BatchWriteItem', 'TransactWriteItems']);

/** Whether an operation mutates state (PutItem, UpdateItem, DeleteItem are covered by the prefixes). */
export function isWriteOperation(operation: string): boolean {
  return MUTATING.test(operation) || DYNAMODB_WRITES.has(operation);
}

/** A JSON-safe copy of an SDK input, so later mutation by the caller does not rewrite history. */
export function copyInput(input: unknown): unknown {
  try {
    return structuredClone(input);
  } catch {
    return input;
  }
}

/**
 * Stamps `at` (`Date.now()`) on every record appended to `log` from now on, unless it has one: the
 * world appends each record as it creates it, before the request is handled, so this is the time the
 * request arrived. Returns the undo.
 */
export function timestampCalls(log: CallRecord[]): () => void {
  const append = Array.prototype.push;
  Object.defineProperty(log, 'push', {
    configurable: true,
    writable: true,
    enumerable: false,
    value(this: CallRecord[], ...records: CallRecord[]): number {
      const now = Date.now();
      for (const r of records) if (r.at === undefined) (r as { at?: number }).at = now;
      return append.apply(this, records);
    },
  });
  return () => {
    delete (log as { push?: unknown }).push;
  };
}
