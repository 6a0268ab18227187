/**
 * Account status and the shared-policy member set in the status table. Every write is preceded by a
 * consistent read and skipped when it would change nothing, so a re-run on an onboarded account
 * writes nothing.
 */
import type { DriftItem, Health } from '../domain/drift';
import type { MigrationOutcome } from '../domain/trail-migration';
import { type DynamoDBDocumentClient, GetCommand, paginateQuery, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsCall, isAwsError } from './aws-errors';
import { ACCOUNT_KEY_PREFIX, accountKey, MEMBERS_KEY, STATUS_INDEX_NAME, TABLE_KEY, tableError } from './status-table';

/** How old `lastVerifiedAt` may get before a run that changed nothing refreshes it (one hour). */
export const VERIFIED_REFRESH_MS = 3_600_000;

export { ACCOUNT_KEY_PREFIX, accountKey, lockKey, MEMBERS_KEY, STATUS_INDEX_NAME, TABLE_KEY } from './status-table';

/**
 * Status of an account's onboarding (docs/DESIGN.md "Status model").
 * - `REJECTED`: a run was refused at validation (not in the organization, not ACTIVE, not allowed, out of
 *   scope); `error` names why. Recorded by ValidateRequest.
 * - `SKIPPED`: an event (account created, joined, moved) named an account outside the configured scope;
 *   nothing was started, `error` says why and `trigger` which event. Recorded by StartFromEvent.
 * Neither ever replaces ONBOARDED (the account keeps it, and the item gets a `notice`); SKIPPED does not
 * replace IN_PROGRESS either (the running execution decides).
 */
export const AccountStatus = {
  InProgress: 'IN_PROGRESS',
  Onboarded: 'ONBOARDED',
  Failed: 'FAILED',
  Rejected: 'REJECTED',
  Skipped: 'SKIPPED',
  /** Offboarding under way (handlers/steps/offboard-account.ts). */
  Offboarding: 'OFFBOARDING',
  /** The account left: its grants withdrawn, what could be removed removed (see `offboarded`). */
  Offboarded: 'OFFBOARDED',
} as const;
/** One of `AccountStatus`. */
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus];

/** Every status, in the order `onboard list --status` offers them. */
export const ACCOUNT_STATUSES: readonly AccountStatus[] = Object.values(AccountStatus);

/**
 * A rejection or a skip that did not change the account's status (it is ONBOARDED, or, for a skip,
 * IN_PROGRESS): what happened and when, kept on the item until the next run records the account again.
 */
export interface AccountNotice {
  /** What the status would have become. */
  status: typeof AccountStatus.Rejected | typeof AccountStatus.Skipped;
  /** The error name (`AccountOutOfScope`, `AccountNotActive`, ...). */
  name: string;
  cause: string;
  at: string;
  /** The rejected execution (a rejection). */
  executionArn?: string;
  /** The event (a skip): `MoveAccount`, `CreateAccountResult`, ... */
  trigger?: string;
}

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
  /** The execution that last recorded the account; absent for an account only ever SKIPPED. */
  executionArn?: string;
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
  /** SKIPPED: the event that named the account (`MoveAccount`, ...). */
  trigger?: string;
  /** A rejection or skip that left the status as it was (see {@link AccountNotice}). */
  notice?: AccountNotice;
  /**
   * `migrateAccountTrails`: what became of the account's per-account trail (handlers/domain/trail-migration.ts);
   * absent when it has none. A removal stays on record.
   */
  accountTrail?: MigrationOutcome;
  /** OFFBOARDING / OFFBOARDED: why, when, what was removed and what was left behind. */
  offboarding?: OffboardingRecord;
}

/** The statuses in which the item's `offboarding` record is the current offboarding's (a FAILED one may be a failed offboarding). */
const OFFBOARDING_STATUSES: readonly string[] = [AccountStatus.Offboarding, AccountStatus.Offboarded, AccountStatus.Failed];

/** Something an offboarding could not remove, and why. */
export interface LeftBehind {
  readonly resource: string;
  readonly reason: string;
}

/** What `markOffboarded` records. */
export interface OffboardedResult {
  readonly executionArn: string;
  readonly reason: string;
  readonly removed: string[];
  readonly leftBehind: LeftBehind[];
  readonly readerRoleKeptUntil?: string;
}

/** What an offboarding recorded. */
export interface OffboardingRecord {
  /** Who or what asked: the event (`RemoveAccountFromOrganization`, ...) or the caller. */
  readonly reason: string;
  readonly executionArn: string;
  /** When it was asked for, and when it ended (OFFBOARDED). */
  readonly startedAt: string;
  readonly offboardedAt?: string;
  /** What was removed or withdrawn (`trail`, `switchRole`, `changeRules`, `bucketPolicy`, `keyPolicy`, `readerRole`). */
  readonly removed?: string[];
  /** What could not be removed, and why (an unreachable account's trail and roles, a kept reader role). */
  readonly leftBehind?: LeftBehind[];
  /** A reader role kept (`offboarding.keepReaderRoleDays`) until then. */
  readonly readerRoleKeptUntil?: string;
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
  /** The per-account trail's migration, when the account has one of ours (or this run removed it). */
  accountTrail?: MigrationOutcome;
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

/** What `markRejected` records. */
export interface RejectedResult {
  executionArn: string;
  /** The validation error: name (`AccountNotActive`, ...), its message, the step (ValidateRequest). */
  error: AccountError;
}

/** What `markSkipped` records. */
export interface SkippedResult {
  /** Why the account is out of scope (handlers/domain/scope.ts `decideScope`). */
  reason: string;
  /** The event that named it (`CreateAccountResult`, `AccountJoinedOrganization`, `MoveAccount`, `CreateManagedAccount`). */
  trigger: string;
}

/** What a rejection or skip did to the item: set the status, left a notice on an ONBOARDED (or running) account, or nothing (already so). */
export type RecordOutcome = 'recorded' | 'noted' | 'unchanged';

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
   * nothing is written). `read`: the item as the caller has just read it (`null`: none), so it is not
   * read again; omitted, it is read here.
   */
  async markInProgress(accountId: string, executionArn: string, read?: AccountStatusItem | null): Promise<void> {
    const current = read === undefined ? await this.getAccount(accountId) : (read ?? undefined);
    if (current?.status === AccountStatus.Onboarded) return;
    if (current?.status === AccountStatus.InProgress && current.executionArn === executionArn) return;
    const now = this.now().toISOString();
    await this.update(
      accountId,
      // An onboarding begins: a previous offboarding's record goes (the next one starts afresh).
      'SET accountId = :id, #status = :status, executionArn = :exec, startedAt = :now, updatedAt = :now REMOVE #error, #notice, #trigger, offboarding',
      { ':id': accountId, ':status': AccountStatus.InProgress, ':exec': executionArn, ':now': now, ':onboarded': AccountStatus.Onboarded },
      `attribute_not_exists(${TABLE_KEY}) OR #status <> :onboarded`,
    );
  }

  /**
   * Records the account as ONBOARDED with its resources. No write when it already is
   * ONBOARDED with the same three ARNs: the execution ARN alone is not a change. `read`: the item as
   * the caller has just read it (`null`: none), so it is not read again; omitted, it is read here.
   */
  async markOnboarded(accountId: string, result: OnboardedResult, read?: AccountStatusItem | null): Promise<void> {
    const current = read === undefined ? await this.getAccount(accountId) : (read ?? undefined);
    const wasOnboarded = current?.status === AccountStatus.Onboarded;
    const health = result.health ?? 'HEALTHY';
    const drift = result.drift ?? [];
    // Once removed, a per-account trail is absent from every later run: its removal stays on record.
    const accountTrail = result.accountTrail ?? (current?.accountTrail?.migration === 'removed' ? current.accountTrail : undefined);
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
      !(current.drift?.length) &&
      !current.notice &&
      current.accountTrail?.migration === accountTrail?.migration &&
      current.accountTrail?.detail === accountTrail?.detail
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
        'readerRoleArn = :reader, health = :health, drift = :drift, lastVerifiedAt = :now' +
        (accountTrail ? ', accountTrail = :accountTrail' : '') +
        ' REMOVE #error, #notice, #trigger, offboarding' +
        (accountTrail ? '' : ', accountTrail'),
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
        ...(accountTrail ? { ':accountTrail': { migration: accountTrail.migration, detail: accountTrail.detail } } : {}),
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
    const error = trimmedError(result.error);
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

  /**
   * Records that a run of the account was rejected at validation: status REJECTED with the error,
   * unless the account is ONBOARDED, which it stays (a reconcile of an account that has since been
   * suspended or moved out of scope must not make it look never onboarded): the rejection is then kept
   * as the item's `notice`. No write when the same execution already recorded the same error.
   */
  async markRejected(accountId: string, result: RejectedResult): Promise<RecordOutcome> {
    const error = trimmedError(result.error);
    const current = await this.getAccount(accountId);
    const notice = { status: AccountStatus.Rejected, name: error.name, cause: error.cause, executionArn: result.executionArn } as const;
    if (current?.status === AccountStatus.Onboarded) return this.note(accountId, current, notice);
    if (current?.status === AccountStatus.Rejected && current.executionArn === result.executionArn && sameError(current.error, error)) return 'unchanged';
    const now = this.now().toISOString();
    const written = await this.update(
      accountId,
      'SET accountId = :id, #status = :status, executionArn = :exec, startedAt = if_not_exists(startedAt, :now), updatedAt = :now, #error = :error REMOVE #notice, #trigger',
      { ':id': accountId, ':status': AccountStatus.Rejected, ':exec': result.executionArn, ':now': now, ':error': error, ':onboarded': AccountStatus.Onboarded },
      `attribute_not_exists(${TABLE_KEY}) OR #status <> :onboarded`,
    );
    if (written) return 'recorded';
    // It became ONBOARDED since the read: keep that, note the rejection.
    const after = await this.getAccount(accountId);
    return after ? this.note(accountId, after, notice) : 'unchanged';
  }

  /**
   * Records that an event named an account outside the configured scope and nothing was started:
   * status SKIPPED with the reason and the event, unless the account is ONBOARDED or IN_PROGRESS, which it
   * stays (with the skip as its `notice`: an onboarded account moved out of scope is not offboarded).
   * No write when the item already says so.
   */
  async markSkipped(accountId: string, result: SkippedResult): Promise<RecordOutcome> {
    const error: AccountError = { name: 'AccountOutOfScope', cause: result.reason.slice(0, MAX_CAUSE_LENGTH), step: 'StartFromEvent' };
    const current = await this.getAccount(accountId);
    const notice = { status: AccountStatus.Skipped, name: error.name, cause: error.cause, trigger: result.trigger } as const;
    if (current?.status === AccountStatus.Onboarded || current?.status === AccountStatus.InProgress) return this.note(accountId, current, notice);
    if (current?.status === AccountStatus.Skipped && current.trigger === result.trigger && sameError(current.error, error)) return 'unchanged';
    const now = this.now().toISOString();
    const written = await this.update(
      accountId,
      'SET accountId = :id, #status = :status, startedAt = if_not_exists(startedAt, :now), updatedAt = :now, #error = :error, #trigger = :trigger REMOVE #notice',
      {
        ':id': accountId,
        ':status': AccountStatus.Skipped,
        ':now': now,
        ':error': error,
        ':trigger': result.trigger,
        ':onboarded': AccountStatus.Onboarded,
        ':inProgress': AccountStatus.InProgress,
      },
      `attribute_not_exists(${TABLE_KEY}) OR (#status <> :onboarded AND #status <> :inProgress)`,
    );
    if (written) return 'recorded';
    const after = await this.getAccount(accountId);
    return after ? this.note(accountId, after, notice) : 'unchanged';
  }

  /**
   * Account status items sorted by account id. With a status: a Query of the status index
   * ({@link STATUS_INDEX_NAME}, every page), which reads only the items of that status, however large
   * the table; without: a Scan of the table (every account is wanted).
   */
  async listAccounts(filter: AccountFilter = {}): Promise<AccountStatusItem[]> {
    if (filter.status) return this.queryStatus(filter.status);
    const call = this.call('Scan');
    const items: AccountStatusItem[] = [];
    try {
      const pages = paginateScan(
        { client: this.doc },
        {
          TableName: this.tableName,
          FilterExpression: `begins_with(${TABLE_KEY}, :prefix)`,
          ExpressionAttributeValues: { ':prefix': ACCOUNT_KEY_PREFIX },
        },
      );
      for await (const page of pages) items.push(...((page.Items ?? []) as AccountStatusItem[]));
    } catch (e) {
      throw tableError(e, call);
    }
    return items.sort((a, b) => a.accountId.localeCompare(b.accountId));
  }

  /** The items of one status, from the status index (eventually consistent, as every index read). */
  private async queryStatus(status: AccountStatus): Promise<AccountStatusItem[]> {
    const call: AwsCall = { service: 'DynamoDB', operation: 'Query', target: `${this.tableName}/index/${STATUS_INDEX_NAME}` };
    const items: AccountStatusItem[] = [];
    try {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          IndexName: STATUS_INDEX_NAME,
          KeyConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status },
        },
      );
      for await (const page of pages) items.push(...((page.Items ?? []) as AccountStatusItem[]));
    } catch (e) {
      throw tableError(e, call);
    }
    return items.filter((i) => i.pk.startsWith(ACCOUNT_KEY_PREFIX)).sort((a, b) => a.accountId.localeCompare(b.accountId));
  }

  /** Keeps the status, records the rejection or skip as the item's notice (no write when it is already there). */
  private async note(accountId: string, current: AccountStatusItem, notice: Omit<AccountNotice, 'at'>): Promise<RecordOutcome> {
    const n = current.notice;
    if (n && n.status === notice.status && n.name === notice.name && n.cause === notice.cause && n.executionArn === notice.executionArn && n.trigger === notice.trigger) {
      return 'unchanged';
    }
    const now = this.now().toISOString();
    await this.update(accountId, 'SET #notice = :notice, updatedAt = :now', { ':notice': { ...notice, at: now }, ':now': now }, `attribute_exists(${TABLE_KEY})`);
    return 'noted';
  }

  /** Accounts admitted to the shared policies (consistent read of `MEMBERS#shared-policies`), sorted. */
  /**
   * Offboarding begins: OFFBOARDING, with the reason. The account must have an item (something was
   * onboarded, or tried): false when it has none (nothing written).
   */
  async markOffboarding(accountId: string, executionArn: string, reason: string): Promise<boolean> {
    const current = await this.getAccount(accountId);
    if (!current) return false;
    if (current.status === AccountStatus.Offboarding && current.offboarding?.executionArn === executionArn) return true;
    // Already offboarded: a re-run keeps the record as it is until it finds something to do (markOffboarded).
    if (current.status === AccountStatus.Offboarded) return true;
    const now = this.now().toISOString();
    // A re-run of the same offboarding (retried, failed before, a kept reader role to delete) keeps when it began
    // (keepReaderRoleDays run from then) and what earlier runs removed; an onboarding since starts afresh.
    const earlier = OFFBOARDING_STATUSES.includes(current.status) ? current.offboarding : undefined;
    const record: OffboardingRecord = { ...(earlier ?? {}), reason, executionArn, startedAt: earlier?.startedAt ?? now };
    return this.update(
      accountId,
      'SET #status = :status, executionArn = :exec, updatedAt = :now, offboarding = :offboarding',
      { ':status': AccountStatus.Offboarding, ':exec': executionArn, ':now': now, ':offboarding': record },
      'attribute_exists(pk)',
    );
  }

  /** Offboarding done: OFFBOARDED with what was removed and left behind; the onboarding's health and drift are gone with it. */
  async markOffboarded(
    accountId: string,
    result: OffboardedResult,
  ): Promise<void> {
    const current = await this.getAccount(accountId);
    const now = this.now().toISOString();
    const record: OffboardingRecord = {
      reason: result.reason,
      executionArn: result.executionArn,
      startedAt: current?.offboarding?.startedAt ?? now,
      offboardedAt: now,
      // What this run removed, with what earlier runs of the same offboarding did.
      removed: [...new Set([...(current?.offboarding?.removed ?? []), ...result.removed])],
      leftBehind: result.leftBehind,
      ...(result.readerRoleKeptUntil ? { readerRoleKeptUntil: result.readerRoleKeptUntil } : {}),
    };
    if (current?.status === AccountStatus.Offboarded && current.offboarding?.executionArn === result.executionArn) return;
    // A re-run that removed nothing and found the same left behind writes nothing.
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    if (
      current?.status === AccountStatus.Offboarded &&
      result.removed.length === 0 &&
      same(current.offboarding?.leftBehind, result.leftBehind) &&
      same(current.offboarding?.readerRoleKeptUntil, result.readerRoleKeptUntil)
    ) {
      return;
    }
    await this.update(
      accountId,
      'SET accountId = :id, #status = :status, executionArn = :exec, updatedAt = :now, offboarding = :offboarding, startedAt = if_not_exists(startedAt, :now) ' +
        'REMOVE health, drift, #notice, #error, accountTrail',
      { ':id': accountId, ':status': AccountStatus.Offboarded, ':exec': result.executionArn, ':now': now, ':offboarding': record },
    );
  }

  async members(): Promise<string[]> {
    return (await this.membership()).members;
  }

  /**
   * The member set and the accounts leaving it (offboarded: withdrawn from the set, and to be left out
   * of every render even while a policy still lists them), in one consistent read.
   */
  async membership(): Promise<{ members: string[]; leaving: string[] }> {
    const call = this.call('GetItem', MEMBERS_KEY);
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEY]: MEMBERS_KEY }, ConsistentRead: true }),
      );
      const set = (v: unknown) => [...((v as Set<string> | string[] | undefined) ?? [])].sort();
      return { members: set(out.Item?.accounts), leaving: set(out.Item?.leaving) };
    } catch (e) {
      throw tableError(e, call);
    }
  }

  /**
   * Withdraws the account (offboarding): out of the member set, into the leaving set, in one update;
   * idempotent. A later admission (`addMember`) takes it out of the leaving set again.
   */
  async removeMember(accountId: string): Promise<void> {
    await this.updateMemberSet(accountId, 'DELETE accounts :account ADD leaving :account');
  }

  /** Adds the account to the member set (ADD to a string set; idempotent). Call it only when absent. */
  async addMember(accountId: string): Promise<void> {
    // An account onboarded again after an offboarding is no longer leaving.
    await this.updateMemberSet(accountId, 'ADD accounts :account DELETE leaving :account');
  }

  /** One update of the member-set item for `accountId` (`:account`, a one-element string set). */
  private async updateMemberSet(accountId: string, expression: string): Promise<void> {
    const call = this.call('UpdateItem', MEMBERS_KEY);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: MEMBERS_KEY },
          UpdateExpression: expression,
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
    // Every `#name` placeholder of the expressions stands for the attribute of that name.
    const names: Record<string, string> = {};
    for (const [, word] of `${expression} ${condition ?? ''}`.matchAll(/#(\w+)/g)) names[`#${word}`] = word;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: accountKey(accountId) },
          UpdateExpression: expression,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
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

/** The error as stored: the cause cut to MAX_CAUSE_LENGTH characters, no undefined step. */
function trimmedError(e: AccountError): AccountError {
  return { name: e.name, cause: e.cause.slice(0, MAX_CAUSE_LENGTH), ...(e.step !== undefined ? { step: e.step } : {}) };
}

function sameError(a: AccountError | undefined, b: AccountError): boolean {
  return a?.name === b.name && a?.cause === b.cause && a?.step === b.step;
}
