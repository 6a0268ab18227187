/**
 * What the start paths need from the outside world, as interfaces: tested with fakes, built from the
 * adapters by handlers/start/aws-deps.ts.
 */
import type { AccountStatusItem } from '../adapters/status-store';
import type { ExecutionDescription, ExecutionEvent, ExecutionSummary, RedriveResult, StartedExecution } from '../adapters/sfn';

/** The onboarding state machine's executions (handlers/adapters/sfn.ts `StepFunctionsAdapter`). */
export interface ExecutionsPort {
  executionArnFor(name: string): string;
  startExecution(name: string, input: string): Promise<StartedExecution>;
  describeExecution(executionArn: string): Promise<ExecutionDescription | undefined>;
  redriveExecution(executionArn: string): Promise<RedriveResult>;
  executionHistory(executionArn: string): Promise<ExecutionEvent[]>;
  /** Executions whose name starts with `prefix`, most recent first (eventually consistent). */
  listExecutionsByPrefix(prefix: string): Promise<ExecutionSummary[]>;
}

/** The status table, read only (handlers/adapters/status-store.ts `StatusStore`). */
export interface AccountStatusPort {
  getAccount(accountId: string): Promise<AccountStatusItem | undefined>;
}

/** Everything the start paths use. */
export interface StartDeps {
  readonly executions: ExecutionsPort;
  readonly status: AccountStatusPort;
}
