/**
 * Account status and the shared-policy member set in the status table. Every write is preceded by a
 * consistent read and skipped when it would change nothing, so a re-run on an onboarded account
 * writes nothing.
 */
import type { DriftItem, Health } from '../domain/drift';
import { type DynamoDBDocumentClient, GetCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsCall, isAwsError } from './aws-errors';
import { ACCOUNT_KEY_PREFIX, accountKey, MEMBERS_KEY, TABLE_KEY, tableError } from './status-table';

/** How old `lastVerifiedAt` may get before a run that changed nothing refreshes it (one hour). */
export const VERIFIED_REFRESH_MS = 3_600_000;

export { ACCOUNT_KEY_PREFIX, accountKey, lockKey, MEMBERS_KEY, TABLE_KEY } from './status-table';

/** Status of an account's onboarding. */
export const AccountStatus = {
  InProgress: 'IN_PROGRESS',
  Onboarded: 'ONBOARDED',
  Failed: 'FAILED',
} as const;
/** One of `AccountStatus`. */
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus];

/** What a failed execution records. */
export interface AccountError {
  /** Our error name (e.g. `AccessDenied`). */
  name: string;
  /** The message that tells an operator what to do. */
  cause: string;
  /** State the execution failed in. */
  step?: string;
}

/** The `ACCOUNT#<id>` item. Timestamps are ISO-8601 strings. */
export interface AccountStatusItem {
  pk: string;
  accountId: string;
  status: AccountStatus;
  executionArn: string;
  startedAt: string;
  updatedAt: string;
  onboardedAt?: string;
  switchRoleArn?: string;
  trailArn?: string;
  readerRoleArn?: string;
  error?: AccountError;
  /** After the last run that found or changed something, or the last verification. */
  health?: Health;
  /** What the last such run found different (and, applying, changed). */
  drift?: DriftItem[];
  /** When the account was last verified (a `report` run, or a run that found something). */
  lastVerifiedAt?: string;
}

/** What `markOnboarded` records. */
export interface OnboardedResult {
  executionArn: string;
  switchRoleArn: string;
  trailArn: string;
  readerRoleArn: string;
  /** The run's health and drift (default HEALTHY, none). */
  health?: Health;
  drift?: DriftItem[];
}

/** What `recordVerification` records. */
export interface VerificationResult {
  executionArn: string;
  health: Health;
  drift: DriftItem[];
}

/** What `markFailed` records. */
export interface FailedResult {
  executionArn: string;
  error: AccountError;
}

/** Filter of `listAccounts`. */
export interface AccountFilter {
  status?: AccountStatus;
}

/** Longest `error.cause` kept (Step Functions causes can be 32 KB; the item stays small). */
export const MAX_CAUSE_LENGTH = 4096;

/** Reads and writes account status and the member set. */
export class StatusStore {
  /**
   * @param doc a DynamoDBDocumentClient (default marshalling is enough: no undefined values are sent).
   * @param tableName the configured `tableName`.
   * @param now the clock for timestamps.
   */
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The account's status item (consistent read), or `undefined` if it has none. */
  async getAccount(accountId: string): Promise<AccountStatusItem | undefined> {
    const call = this.call('GetItem', accountKey(accountId));
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEY]: accountKey(accountId) }, ConsistentRead: true }),
      );
      return out.Item as AccountStatusItem | undefined;
    } catch (e) {
      throw tableError(e, call);
    }
  }

  /**
   * Records that `executionArn` is onboarding the account. No write when the
   * account is ONBOARDED already (a re-run keeps its status) or is IN_PROGRESS by the same execution.
   * The write is conditional on the account not having become ONBOARDED since the read (if it has,
   * nothing is written).
   */
  async markInProgress(accountId: string, executionArn: string): Promise<void> {
    const current = await this.getAccount(accountId);
    if (current?.status === AccountStatus.Onboarded) return;
    if (current?.status === AccountStatus.InProgress && current.executionArn === executionArn) return;
    const now = this.now().toISOString();
    await this.update(
      accountId,
      'SET accountId = :id, #status = :status, executionArn = :exec, startedAt = :now, updatedAt = :now REMOVE #error',
      { ':id': accountId, ':status': AccountStatus.InProgress, ':exec': executionArn, ':now': now, ':onboarded': AccountStatus.Onboarded },
      `attribute_not_exists(${TABLE_KEY}) OR #status <> :onboarded`,
    );
  }

  /**
   * Records the account as ONBOARDED with its resources. No write when it already is
   * ONBOARDED with the same three ARNs: the execution ARN alone is not a change.
   */
  async markOnboarded(accountId: string, result: OnboardedResult): Promise<void> {
    const current = await this.getAccount(accountId);
    const wasOnboarded = current?.status === AccountStatus.Onboarded;
    const health = result.health ?? 'HEALTHY';
    const drift = result.drift ?? [];
    // A re-run that finds everything as it should be writes nothing, not even this item -- except the
    // verification time, when the last one is more than VERIFIED_REFRESH_MS old (so the daily fleet
    // reconcile leaves a fresh lastVerifiedAt, and back-to-back re-runs write nothing at all).
    if (
      wasOnboarded &&
      current.switchRoleArn === result.switchRoleArn &&
      current.trailArn === result.trailArn &&
      current.readerRoleArn === result.readerRoleArn &&
      (current.health ?? 'HEALTHY') === health &&
      drift.length === 0 &&
      !(current.drift?.length)
    ) {
      const last = current.lastVerifiedAt ? Date.parse(current.lastVerifiedAt) : Number.NaN;
      if (Number.isNaN(last) || this.now().getTime() - last > VERIFIED_REFRESH_MS) {
        await this.update(accountId, 'SET lastVerifiedAt = :now, lastVerificationExecutionArn = :exec', {
          ':now': this.now().toISOString(),
          ':exec': result.executionArn,
        }, 'attribute_exists(pk) AND attribute_exists(#status)');
      }
      return;
    }
    const now = this.now().toISOString();
    await this.update(
      accountId,
      'SET accountId = :id, #status = :status, executionArn = :exec, startedAt = if_not_exists(startedAt, :now), ' +
        'updatedAt = :now, onboardedAt = :onboardedAt, switchRoleArn = :switch, trailArn = :trail, ' +
        'readerRoleArn = :reader, health = :health, drift = :drift, lastVerifiedAt = :now REMOVE #error',
      {
        ':id': accountId,
        ':status': AccountStatus.Onboarded,
        ':exec': result.executionArn,
        ':now': now,
        // Keep the first onboarding time when only the resources changed.
        ':onboardedAt': wasOnboarded && current.onboardedAt ? current.onboardedAt : now,
        ':switch': result.switchRoleArn,
        ':trail': result.trailArn,
        ':reader': result.readerRoleArn,
        ':health': health,
        ':drift': drift,
      },
    );
  }

  /**
   * Records a verification (a `report` run) of an account the table knows: health, drift, when.
   * The status is left as it is; an account with no item is not recorded (it was never onboarded).
   */
  async recordVerification(accountId: string, result: VerificationResult): Promise<void> {
    const now = this.now().toISOString();
    await this.update(
      accountId,
      'SET health = :health, drift = :drift, lastVerifiedAt = :now, lastVerificationExecutionArn = :exec',
      { ':health': result.health, ':drift': result.drift, ':now': now, ':exec': result.executionArn },
      'attribute_exists(pk) AND attribute_exists(#status)',
    );
  }

  /**
   * Records the account as FAILED with the error. No write when the same execution
   * already recorded the same error. `error.cause` is cut to `MAX_CAUSE_LENGTH` characters.
   */
  async markFailed(accountId: string, result: FailedResult): Promise<void> {
    const error: AccountError = {
      name: result.error.name,
      cause: result.error.cause.slice(0, MAX_CAUSE_LENGTH),
      ...(result.error.step !== undefined ? { step: result.error.step } : {}),
    };
    const current = await this.getAccount(accountId);
    if (
      current?.status === AccountStatus.Failed &&
      current.executionArn === result.executionArn &&
      current.error?.name === error.name &&
      current.error?.cause === error.cause &&
      current.error?.step === error.step
    ) {
      return;
    }
    const now = this.now().toISOString();
    await this.update(
      accountId,
      'SET accountId = :id, #status = :status, executionArn = :exec, startedAt = if_not_exists(startedAt, :now), ' +
        'updatedAt = :now, #error = :error',
      { ':id': accountId, ':status': AccountStatus.Failed, ':exec': result.executionArn, ':now': now, ':error': error },
    );
  }

  /** Every account status item (Scan, all pages), optionally of one status, sorted by account id. */
  async listAccounts(filter: AccountFilter = {}): Promise<AccountStatusItem[]> {
    const call = this.call('Scan');
    const items: AccountStatusItem[] = [];
    try {
      const pages = paginateScan(
        { client: this.doc },
        {
          TableName: this.tableName,
          FilterExpression: `begins_with(${TABLE_KEY}, :prefix)${filter.status ? ' AND #status = :status' : ''}`,
          ExpressionAttributeValues: { ':prefix': ACCOUNT_KEY_PREFIX, ...(filter.status ? { ':status': filter.status } : {}) },
          ...(filter.status ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        },
      );
      for await (const page of pages) items.push(...((page.Items ?? []) as AccountStatusItem[]));
    } catch (e) {
      throw tableError(e, call);
    }
    return items.sort((a, b) => a.accountId.localeCompare(b.accountId));
  }

  /** Accounts admitted to the shared policies (consistent read of `MEMBERS#shared-policies`), sorted. */
  async members(): Promise<string[]> {
    const call = this.call('GetItem', MEMBERS_KEY);
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEY]: MEMBERS_KEY }, ConsistentRead: true }),
      );
      const accounts = out.Item?.accounts as Set<string> | string[] | undefined;
      return [...(accounts ?? [])].sort();
    } catch (e) {
      throw tableError(e, call);
    }
  }

  /** Adds the account to the member set (ADD to a string set; idempotent). Call it only when absent. */
  async addMember(accountId: string): Promise<void> {
    const call = this.call('UpdateItem', MEMBERS_KEY);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: MEMBERS_KEY },
          UpdateExpression: 'ADD accounts :account',
          ExpressionAttributeValues: { ':account': new Set([accountId]) },
        }),
      );
    } catch (e) {
      throw tableError(e, call);
    }
  }

  private call(operation: string, key?: string): AwsCall {
    return { service: 'DynamoDB', operation, target: key ? `${this.tableName}/${key}` : this.tableName };
  }

  /** One UpdateItem on the account item; false when its condition fails (nothing written). */
  private async update(
    accountId: string,
    expression: string,
    values: Record<string, unknown>,
    condition?: string,
  ): Promise<boolean> {
    const call = this.call('UpdateItem', accountKey(accountId));
    const names: Record<string, string> = { '#status': 'status' };
    if (expression.includes('#error')) names['#error'] = 'error';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: accountKey(accountId) },
          UpdateExpression: expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(condition ? { ConditionExpression: condition } : {}),
        }),
      );
      return true;
    } catch (e) {
      if (condition && isAwsError(e, 'ConditionalCheckFailedException')) return false;
      throw tableError(e, call);
    }
  }
}
