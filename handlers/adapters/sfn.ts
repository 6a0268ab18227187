/**
 * AWS Step Functions: start, describe, redrive and read the executions of the onboarding state
 * machine. The only code that calls the SFN API and names its errors; what it returns is plain data.
 *
 * Semantics this adapter relies on (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
 * - StartExecution with the name of an *open* execution and an identical input succeeds and returns
 *   that execution (idempotent); with a different input, or once the execution is closed, it fails
 *   with `ExecutionAlreadyExists`. A name cannot be reused for 90 days.
 * - RedriveExecution resumes a FAILED, ABORTED or TIMED_OUT Standard execution at its unsuccessful
 *   state with the same input and ARN, within 14 days; otherwise `ExecutionNotRedrivable`.
 *   https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html
 * - ListExecutions is eventually consistent (a just-started execution may be missing), most recent first.
 *   https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html
 */
import {
  DescribeExecutionCommand,
  type HistoryEvent,
  paginateGetExecutionHistory,
  paginateListExecutions,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { AccessDenied, ConfigurationError, InvalidRequest, type OnboardingError, ResourceNotFound, Throttled } from '../shared/errors';
import { type AwsCall, awsErrorFacts, describeCall, isAwsError, mapAwsError, toOnboardingError } from './aws-errors';

/** Status of an execution, as Step Functions names it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** Whether RedriveExecution would accept the execution now. */
export type RedriveStatus = 'REDRIVABLE' | 'NOT_REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN';

/** One execution as ListExecutions returns it. */
export interface ExecutionSummary {
  readonly executionArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
  readonly redriveCount?: number;
  readonly redriveDate?: Date;
}

/** One execution as DescribeExecution returns it. */
export interface ExecutionDescription extends ExecutionSummary {
  /** The input exactly as given to StartExecution (JSON text). */
  readonly input?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly redriveStatus?: RedriveStatus;
  readonly redriveStatusReason?: string;
}

/** What `startExecution` answers. */
export interface StartedExecution {
  readonly executionArn: string;
  /** Absent when the name was taken (Step Functions returns no execution then). */
  readonly startDate?: Date;
  /**
   * True when Step Functions refused the name (`ExecutionAlreadyExists`): an execution of that name
   * is closed, or open with a different input. Describe it to know which. False when Step Functions
   * accepted the call, which it also does, returning the open execution, for a duplicate start with
   * the same name and input (the two cannot be told apart from the response).
   */
  readonly alreadyStarted: boolean;
}

/** What `redriveExecution` answers: `redriven: false` when Step Functions refused (the reason is its message). */
export type RedriveResult = { readonly redriven: true; readonly redriveDate?: Date } | { readonly redriven: false; readonly reason: string };

/** One history event, as plain data: the fields the step summary needs. */
export interface ExecutionEvent {
  readonly id: number;
  readonly previousEventId?: number;
  /** Step Functions' event type (`TaskStateEntered`, `TaskFailed`, `ExecutionRedriven`, ...). */
  readonly type: string;
  readonly timestamp: Date;
  /** The state's name, on `*StateEntered` and `*StateExited` events. */
  readonly stateName?: string;
  /** Error name and cause, on failure events (`TaskFailed`, `LambdaFunctionFailed`, `ExecutionFailed`, ...). */
  readonly error?: string;
  readonly cause?: string;
}

/** Page size of the list and history calls: the maximum both accept. */
const PAGE_SIZE = 1000;

/**
 * The ARN Step Functions gives an execution of `stateMachineArn` named `name`:
 * `arn:<partition>:states:<region>:<account>:execution:<stateMachineName>:<name>`.
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-executions.html
 */
export function executionArnOf(stateMachineArn: string, name: string): string {
  if (!stateMachineArn.includes(':stateMachine:')) {
    throw new ConfigurationError(`${stateMachineArn} is not a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>)`);
  }
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** The onboarding state machine's executions. */
export class StepFunctionsAdapter {
  /**
   * @param client an SFNClient created with `createClient` (handlers/shared/clients.ts).
   * @param stateMachineArn the onboarding state machine (`STATE_MACHINE_ARN`).
   */
  constructor(
    private readonly client: SFNClient,
    readonly stateMachineArn: string,
  ) {}

  /** The ARN of this state machine's execution called `name` (whether or not it exists). */
  executionArnFor(name: string): string {
    return executionArnOf(this.stateMachineArn, name);
  }

  /**
   * StartExecution with a caller-chosen name. `input` is JSON text and is sent byte for byte: the
   * idempotency of a duplicate start depends on it being identical.
   */
  async startExecution(name: string, input: string): Promise<StartedExecution> {
    const call: AwsCall = { service: 'StepFunctions', operation: 'StartExecution', target: name };
    try {
      const out = await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input }));
      return { executionArn: out.executionArn ?? this.executionArnFor(name), startDate: out.startDate, alreadyStarted: false };
    } catch (e) {
      if (isAwsError(e, 'ExecutionAlreadyExists')) return { executionArn: this.executionArnFor(name), alreadyStarted: true };
      throw sfnError(e, call);
    }
  }

  /** DescribeExecution, or `undefined` when no execution has that ARN. */
  async describeExecution(executionArn: string): Promise<ExecutionDescription | undefined> {
    const call: AwsCall = { service: 'StepFunctions', operation: 'DescribeExecution', target: executionArn };
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return {
        executionArn: out.executionArn ?? executionArn,
        name: out.name ?? executionArn.split(':').pop() ?? '',
        status: (out.status ?? 'RUNNING') as ExecutionStatus,
        startDate: out.startDate ?? new Date(0),
        ...optional({
          stopDate: out.stopDate,
          input: out.input,
          output: out.output,
          error: out.error,
          cause: out.cause,
          redriveCount: out.redriveCount,
          redriveDate: out.redriveDate,
          redriveStatus: out.redriveStatus as RedriveStatus | undefined,
          redriveStatusReason: out.redriveStatusReason,
        }),
      };
    } catch (e) {
      if (isAwsError(e, 'ExecutionDoesNotExist')) return undefined;
      throw sfnError(e, call);
    }
  }

  /**
   * RedriveExecution. A refusal (`ExecutionNotRedrivable`: running, succeeded, older than 14 days,
   * history too long, ...) is an answer, not an error: the caller decides what to do instead.
   */
  async redriveExecution(executionArn: string): Promise<RedriveResult> {
    const call: AwsCall = { service: 'StepFunctions', operation: 'RedriveExecution', target: executionArn };
    try {
      const out = await this.client.send(new RedriveExecutionCommand({ executionArn }));
      return { redriven: true, ...optional({ redriveDate: out.redriveDate }) };
    } catch (e) {
      if (isAwsError(e, 'ExecutionNotRedrivable')) return { redriven: false, reason: (e as Error).message };
      throw sfnError(e, call);
    }
  }

  /** The whole history of an execution, oldest event first (GetExecutionHistory, every page). */
  async executionHistory(executionArn: string): Promise<ExecutionEvent[]> {
    const call: AwsCall = { service: 'StepFunctions', operation: 'GetExecutionHistory', target: executionArn };
    const events: ExecutionEvent[] = [];
    try {
      const pages = paginateGetExecutionHistory(
        { client: this.client, pageSize: PAGE_SIZE },
        { executionArn, includeExecutionData: false },
      );
      for await (const page of pages) for (const e of page.events ?? []) events.push(toEvent(e));
    } catch (e) {
      throw sfnError(e, call);
    }
    return events;
  }

  /**
   * Executions of the state machine whose name starts with `prefix` (ListExecutions, every page:
   * the API has no name filter), most recent first.
   */
  async listExecutionsByPrefix(prefix: string): Promise<ExecutionSummary[]> {
    return this.listByPrefix(prefix);
  }

  /**
   * RUNNING executions of the state machine whose name starts with `prefix` (ListExecutions with
   * `statusFilter: RUNNING`, every page), most recent first. Eventually consistent like every
   * listing: an execution started a moment ago may be missing, and one that closed a moment ago may
   * still be listed; whoever needs to be exact about executions it started describes them.
   */
  async listRunningExecutionsByPrefix(prefix: string): Promise<ExecutionSummary[]> {
    return this.listByPrefix(prefix, 'RUNNING');
  }

  /** Every page of ListExecutions (optionally of one status), the names starting with `prefix`, most recent first. */
  private async listByPrefix(prefix: string, statusFilter?: ExecutionStatus): Promise<ExecutionSummary[]> {
    const call: AwsCall = { service: 'StepFunctions', operation: 'ListExecutions', target: this.stateMachineArn };
    const found: ExecutionSummary[] = [];
    try {
      const pages = paginateListExecutions(
        { client: this.client, pageSize: PAGE_SIZE },
        { stateMachineArn: this.stateMachineArn, ...(statusFilter ? { statusFilter } : {}) },
      );
      for await (const page of pages) {
        for (const x of page.executions ?? []) {
          if (!x.name?.startsWith(prefix) || !x.executionArn) continue;
          found.push({
            executionArn: x.executionArn,
            name: x.name,
            status: (x.status ?? 'RUNNING') as ExecutionStatus,
            startDate: x.startDate ?? new Date(0),
            ...optional({ stopDate: x.stopDate, redriveCount: x.redriveCount, redriveDate: x.redriveDate }),
          });
        }
      }
    } catch (e) {
      throw sfnError(e, call);
    }
    return found.sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }
}

/** The plain event: state name and error details read from whichever `*Details` field the type uses. */
function toEvent(e: HistoryEvent): ExecutionEvent {
  const details = Object.entries(e).filter(([k, v]) => k.endsWith('EventDetails') && v && typeof v === 'object') as [string, Record<string, unknown>][];
  const pick = (field: string): string | undefined => {
    for (const [, d] of details) if (typeof d[field] === 'string') return d[field] as string;
    return undefined;
  };
  const stateName = e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name;
  return {
    id: e.id ?? 0,
    type: e.type ?? 'Unknown',
    timestamp: e.timestamp ?? new Date(0),
    ...optional({ previousEventId: e.previousEventId, stateName, error: pick('error'), cause: pick('cause') }),
  };
}

/** Copies only the defined fields (the returned data never carries `undefined` values). */
function optional<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Maps an SFN error: the state machine missing or mis-named is configuration; a name or input
 * Step Functions rejects is a bad request; its execution quota and KMS throttling are throttling;
 * KMS denial (an encrypted state machine) is AccessDenied; the rest as every adapter does.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html#API_StartExecution_Errors
 */
export function sfnError(e: unknown, call: AwsCall): OnboardingError {
  const what = describeCall(call);
  if (isAwsError(e, 'StateMachineDoesNotExist', 'StateMachineDeleting')) {
    return mapAwsError(ConfigurationError, `${what}: the state machine does not exist or is being deleted. Check STATE_MACHINE_ARN.`, e, call);
  }
  if (isAwsError(e, 'InvalidArn') && (call.operation === 'StartExecution' || call.operation === 'ListExecutions')) {
    return mapAwsError(ConfigurationError, `${what}: STATE_MACHINE_ARN is not a valid state machine ARN.`, e, call);
  }
  if (isAwsError(e, 'InvalidName')) {
    return mapAwsError(InvalidRequest, `${what}: Step Functions rejects the execution name (1-80 characters, no white space, brackets, wildcards or special characters).`, e, call);
  }
  if (isAwsError(e, 'InvalidExecutionInput')) {
    return mapAwsError(InvalidRequest, `${what}: Step Functions rejects the execution input (it must be JSON text of at most 256 KiB).`, e, call);
  }
  if (isAwsError(e, 'ExecutionLimitExceeded', 'KmsThrottlingException')) {
    return mapAwsError(Throttled, `${what}: Step Functions refused the call for now (${(e as Error).name}); retried with back-off.`, e, call);
  }
  if (isAwsError(e, 'KmsAccessDeniedException', 'KmsInvalidStateException')) {
    return mapAwsError(AccessDenied, `${what}: the state machine's KMS key refused the caller (${(e as Error).name}). Check the key policy and the key's state.`, e, call);
  }
  if (isAwsError(e, 'AccessDeniedException', 'AccessDenied') || awsErrorFacts(e).httpStatusCode === 403) {
    // The IAM action prefix of Step Functions is `states`, not the service's name.
    return mapAwsError(
      AccessDenied,
      `AWS denied ${what} (${(e as Error).name}). Check that the caller's role allows states:${call.operation} on ` +
        `${call.target ?? 'the state machine'} (executions: arn:<partition>:states:<region>:<account>:execution:<stateMachineName>:*).`,
      e,
      call,
    );
  }
  if (isAwsError(e, 'ExecutionDoesNotExist')) {
    return mapAwsError(ResourceNotFound, `${what}: the execution does not exist (history is kept for 90 days after it closes).`, e, call);
  }
  return toOnboardingError(e, call);
}
