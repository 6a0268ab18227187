/**
 * Starting, retrying and describing an account's onboarding: the one module the API, the
 * EventBridge function and the operator CLI share.
 *
 * Every way in asks for the same execution name (`onboard-<id>`) with the same input
 * (`{"accountId":"<id>"}`), so a duplicate API call or a duplicate event never starts a second
 * onboarding: it answers with the execution that exists. Retrying is safe because every step is
 * idempotent (read, compare, write only what differs).
 */
import type { ExecutionDescription, ExecutionStatus, ExecutionSummary, StartedExecution } from '../adapters/sfn';
import type { AccountStatus, AccountStatusItem } from '../adapters/status-store';
import { parseOnboardingRequest } from '../domain/request';
import { ExecutionNameTaken, OnboardingNotFound, ServiceUnavailable } from '../shared/errors';
import { decideRetry, isOpen, latestExecution, nextRetryNumber, outcomeOfExisting, RetryOutcome, StartOutcome } from './decisions';
import type { StartDeps } from './deps';
import { executionInputFor, executionNameFor, isInputFor, retryExecutionNameFor, runNumberOf } from './naming';
import { type StepSummary, summarizeSteps } from './steps';

/** An execution as the start paths report it (plain, JSON-ready data). */
export interface ExecutionRef {
  readonly executionArn: string;
  readonly executionName: string;
  readonly status: ExecutionStatus;
  /** ISO-8601. Absent only when Step Functions did not say. */
  readonly startDate?: string;
  readonly stopDate?: string;
  /** Error name and cause of a failed execution. */
  readonly error?: string;
  readonly cause?: string;
  /** Times the execution was redriven. */
  readonly redriveCount?: number;
}

/** What `startOnboarding` answers. */
export interface StartResult extends ExecutionRef {
  readonly outcome: StartOutcome;
  readonly accountId: string;
}

/** What `retryOnboarding` answers. */
export interface RetryResult extends ExecutionRef {
  readonly outcome: RetryOutcome;
  readonly accountId: string;
  /** Why a new execution was started: the latest could not be redriven, or it had succeeded (verification run). */
  readonly reason?: 'failed' | 'not-redrivable' | 'verify';
  /** The execution the retry acted on, as it was before. */
  readonly previous?: ExecutionRef;
}

/** What `describeOnboarding` answers. */
export interface OnboardingView {
  readonly accountId: string;
  /**
   * The status table's status; when the table has no item (the request was rejected at validation,
   * or validation has not run yet) the one the latest execution implies.
   */
  readonly status: AccountStatus;
  /** Where `status` comes from. */
  readonly statusSource: 'status-table' | 'execution';
  /** The status item (without its key) when there is one. */
  readonly record?: Omit<AccountStatusItem, 'pk'>;
  /** The account's latest execution. */
  readonly execution?: ExecutionRef;
  /** The Task states of the latest execution. */
  readonly steps: readonly StepSummary[];
}

/** The account's executions as far as they can be found, and the latest of them (described). */
interface AccountExecutions {
  readonly latest?: ExecutionDescription;
  /** Names of every execution found for the account. */
  readonly names: readonly string[];
  readonly item?: AccountStatusItem;
}

/** Attempts at a fresh retry name before giving up (each one taken means a race lost). */
const MAX_NAME_ATTEMPTS = 5;

/**
 * Starts the onboarding of `accountId`, or answers with the execution that already exists.
 *
 * 1. The id is validated first (nothing is called for a bad one).
 * 2. `onboard-<id>` is described; absent -> StartExecution -> `started`.
 * 3. Present (or taken between the two calls) -> `already-running` while it runs; once closed, the
 *    account's *latest* execution (a retry may have followed) decides: `already-onboarded` or
 *    `previously-failed`.
 *
 * Two first starts racing each other both call StartExecution with the same name and input: Step
 * Functions runs one execution and returns it to both (both answer `started`, same ARN).
 *
 * @throws InvalidRequest / InvalidAccountId for a bad id; ExecutionNameTaken when the name is used
 *   with another input; Throttled / ServiceUnavailable (retryable); others as the adapters map them.
 */
export async function startOnboarding(deps: StartDeps, accountId: string): Promise<StartResult> {
  const id = validAccountId(accountId);
  const name = executionNameFor(id);
  const input = executionInputFor(id);
  let existing = await deps.executions.describeExecution(deps.executions.executionArnFor(name));
  if (!existing) {
    const started = await deps.executions.startExecution(name, input);
    if (!started.alreadyStarted) {
      return {
        outcome: StartOutcome.Started,
        accountId: id,
        ...startedRef(started, name),
      };
    }
    // Taken between our two calls: it exists now, so it can be described.
    existing = await deps.executions.describeExecution(started.executionArn);
    if (!existing) {
      throw new ServiceUnavailable(`Step Functions reports execution ${name} as existing but cannot describe it yet; try again.`, {
        executionName: name,
      });
    }
  }
  if (!isInputFor(id, existing.input)) throw nameTaken(id, existing);
  if (isOpen(existing.status)) return { outcome: StartOutcome.AlreadyRunning, accountId: id, ...refOf(existing) };

  // The first execution closed; a retry may have run since. The latest one tells the account's state.
  const { latest, item } = await findExecutions(deps, id);
  if (item?.status === 'OFFBOARDED') {
    // Offboarded since: a fresh onboarding, all checks as usual, under the next run's name.
    const again = await retryOnboarding(deps, id);
    return { outcome: again.outcome === RetryOutcome.AlreadyRunning ? StartOutcome.AlreadyRunning : StartOutcome.Started, accountId: id, ...stripRetry(again) };
  }
  const current = latest ?? existing;
  return { outcome: outcomeOfExisting(current.status), accountId: id, ...refOf(current) };
}

/** The execution fields of a retry's answer. */
function stripRetry(r: RetryResult): ExecutionRef {
  const { outcome: _outcome, accountId: _accountId, reason: _reason, previous: _previous, ...ref } = r;
  return ref;
}

/**
 * Re-runs the onboarding of `accountId` (operator's retry; see `decideRetry` for the rules):
 * redrives a failed, aborted or timed-out execution that Step Functions can redrive (it resumes at
 * the failed state, with the same input, under the same ARN); otherwise starts
 * `onboard-<id>-retry-<n>`; answers `already-running` while one runs.
 *
 * @throws OnboardingNotFound when the account has no execution at all.
 */
export async function retryOnboarding(deps: StartDeps, accountId: string): Promise<RetryResult> {
  const id = validAccountId(accountId);
  const found = await findExecutions(deps, id);
  const latest = found.latest;
  if (!latest) {
    throw new OnboardingNotFound(
      `No onboarding of account ${id} has been started, so there is nothing to retry. Start one with POST /accounts and {"accountId": "${id}"}.`,
      { accountId: id },
    );
  }
  const previous = refOf(latest);
  const action = decideRetry(latest);
  if (action.kind === 'already-running') return { outcome: RetryOutcome.AlreadyRunning, accountId: id, ...previous };

  let reason = action.kind === 'start-new' ? action.reason : undefined;
  if (action.kind === 'redrive') {
    const redrive = await deps.executions.redriveExecution(latest.executionArn);
    if (redrive.redriven) {
      return {
        outcome: RetryOutcome.Redriven,
        accountId: id,
        executionArn: latest.executionArn,
        executionName: latest.name,
        status: 'RUNNING',
        startDate: latest.startDate.toISOString(),
        redriveCount: (latest.redriveCount ?? 0) + 1,
        previous,
      };
    }
    // Refused since we looked: another retry redrove it first (now running), or it just became
    // unredrivable (its 14 days ran out). Look again.
    const now = await deps.executions.describeExecution(latest.executionArn);
    if (now && isOpen(now.status)) return { outcome: RetryOutcome.AlreadyRunning, accountId: id, ...refOf(now) };
    reason = 'not-redrivable';
  }

  const input = executionInputFor(id);
  const names = [...found.names];
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const name = retryExecutionNameFor(id, nextRetryNumber(id, names));
    const started = await deps.executions.startExecution(name, input);
    if (!started.alreadyStarted) {
      return {
        outcome: RetryOutcome.Restarted,
        accountId: id,
        ...startedRef(started, name),
        ...(reason ? { reason } : {}),
        previous,
      };
    }
    // The name is taken by an execution the (eventually consistent) listing did not show yet.
    const taken = await deps.executions.describeExecution(started.executionArn);
    if (taken && isOpen(taken.status) && isInputFor(id, taken.input)) {
      return { outcome: RetryOutcome.AlreadyRunning, accountId: id, ...refOf(taken) };
    }
    names.push(name);
  }
  throw new ExecutionNameTaken(
    `Could not find a free retry execution name for account ${id} after ${MAX_NAME_ATTEMPTS} attempts (another retry keeps taking them); try again.`,
    { accountId: id },
  );
}

/**
 * The account's onboarding: its status from the status table and the steps of its latest
 * execution (from the execution history).
 *
 * @throws OnboardingNotFound when the account has neither a status item nor an execution.
 */
export async function describeOnboarding(deps: StartDeps, accountId: string): Promise<OnboardingView> {
  const id = validAccountId(accountId);
  const { latest, item } = await findExecutions(deps, id);
  if (!item && !latest) {
    throw new OnboardingNotFound(`Account ${id} has no onboarding: it was never started. Start one with POST /accounts and {"accountId": "${id}"}.`, {
      accountId: id,
    });
  }
  const steps = latest ? summarizeSteps(await deps.executions.executionHistory(latest.executionArn)) : [];
  const record = item ? withoutKey(item) : undefined;
  return {
    accountId: id,
    status: item ? item.status : statusOfExecution(latest!.status),
    statusSource: item ? 'status-table' : 'execution',
    ...(record ? { record } : {}),
    ...(latest ? { execution: refOf(latest) } : {}),
    steps,
  };
}

/**
 * Finds the account's executions: every execution named `onboard-<id>[-retry-<n>]` the (eventually
 * consistent) listing shows, plus `onboard-<id>` and the status table's execution described directly
 * when the listing misses them (strongly consistent). The latest is described for its current status.
 */
async function findExecutions(deps: StartDeps, accountId: string): Promise<AccountExecutions> {
  const baseName = executionNameFor(accountId);
  const [listed, item] = await Promise.all([deps.executions.listExecutionsByPrefix(baseName), deps.status.getAccount(accountId)]);
  const known: ExecutionSummary[] = listed.filter((x) => runNumberOf(accountId, x.name) !== undefined);
  const described = new Map<string, ExecutionDescription>();

  const addDirect = async (arn: string) => {
    if (known.some((x) => x.executionArn === arn)) return;
    const d = await deps.executions.describeExecution(arn);
    if (d) {
      known.push(d);
      described.set(arn, d);
    }
  };
  await addDirect(deps.executions.executionArnFor(baseName));
  // The status table names the execution that last recorded the account (it may have another name,
  // e.g. one started by hand or by the local harness).
  if (item?.executionArn) await addDirect(item.executionArn);

  const newest = latestExecution(accountId, known);
  let latest: ExecutionDescription | undefined;
  if (newest) latest = described.get(newest.executionArn) ?? (await deps.executions.describeExecution(newest.executionArn));
  return { ...(latest ? { latest } : {}), names: known.map((x) => x.name), ...(item ? { item } : {}) };
}

function validAccountId(accountId: string): string {
  return parseOnboardingRequest({ accountId }).accountId;
}

/** The reference of an execution this call just started (RUNNING by definition). */
function startedRef(started: StartedExecution, name: string): ExecutionRef {
  return {
    executionArn: started.executionArn,
    executionName: name,
    status: 'RUNNING',
    ...(started.startDate ? { startDate: started.startDate.toISOString() } : {}),
  };
}

function refOf(x: ExecutionDescription): ExecutionRef {
  return {
    executionArn: x.executionArn,
    executionName: x.name,
    status: x.status,
    startDate: x.startDate.toISOString(),
    ...(x.stopDate ? { stopDate: x.stopDate.toISOString() } : {}),
    ...(x.error !== undefined ? { error: x.error } : {}),
    ...(x.cause !== undefined ? { cause: x.cause } : {}),
    ...(x.redriveCount ? { redriveCount: x.redriveCount } : {}),
  };
}

function statusOfExecution(status: ExecutionStatus): AccountStatus {
  if (isOpen(status)) return 'IN_PROGRESS';
  return status === 'SUCCEEDED' ? 'ONBOARDED' : 'FAILED';
}

function withoutKey(item: AccountStatusItem): Omit<AccountStatusItem, 'pk'> {
  const { pk: _pk, ...rest } = item;
  return rest;
}

function nameTaken(accountId: string, existing: ExecutionDescription): ExecutionNameTaken {
  return new ExecutionNameTaken(
    `Execution ${existing.name} exists with an input other than {"accountId": "${accountId}"} (it was not started by this service). ` +
      'Step Functions does not reuse a name for 90 days; stop or wait out that execution, or use the retry, which picks a new name.',
    { accountId, executionArn: existing.executionArn, status: existing.status },
  );
}
