/**
 * The simulated Step Functions service: StartExecution, DescribeExecution, RedriveExecution,
 * GetExecutionHistory and ListExecutions for the SFNClient calls of the handlers (the API, the
 * event function, the CLI), with AWS's semantics, running each execution on the local runner
 * (local/runner.ts `LocalStepFunctions`, attached with `world.attachStepFunctions(runner)`).
 *
 * What AWS does and this does too (https://docs.aws.amazon.com/step-functions/latest/apireference/):
 * - StartExecution with the name of an open execution and an identical input returns that
 *   execution, no error; a different input, or a closed execution of that name ->
 *   `ExecutionAlreadyExists`. No name: a generated one.
 * - RedriveExecution only for FAILED, ABORTED and TIMED_OUT executions (else
 *   `ExecutionNotRedrivable`); it keeps the ARN and the input, counts `redriveCount`, sets
 *   `redriveDate`, and appends an `ExecutionRedriven` event to the history.
 * - DescribeExecution reports `redriveStatus` (REDRIVABLE / NOT_REDRIVABLE with AWS's reasons).
 * - ListExecutions: most recent first, `statusFilter`, `redriveFilter`, pages of `maxResults`.
 * - GetExecutionHistory: AWS's event types (`TaskStateEntered`, `TaskScheduled`, `TaskFailed`, ...)
 *   chained by `previousEventId`, `reverseOrder`, pages, `includeExecutionData`.
 *
 * - A redrive "continues the failed execution from the unsuccessful step": an execution that failed
 *   by reaching a Fail state (our workflow's failure path, after a Catch) re-enters that Fail state
 *   and fails again at once with the same error — modelled exactly, because it decides whether a
 *   retry should redrive or start anew (handlers/start/decisions.ts).
 *
 * What differs: aws-local-stepfunctions cannot resume at a state, so any other local *redrive
 * re-runs the definition from the start* under the same execution ARN with the same input (AWS
 * resumes at the failed state and keeps the successful ones). Every step is idempotent, so the
 * outcome is the same; only the history shows the earlier steps again after `ExecutionRedriven`. Executions are never
 * evicted (AWS: 90 days after they close), and the 14-day redrive window is not modelled.
 */
import { randomUUID } from 'node:crypto';
import * as sfn from '@aws-sdk/client-sfn';
import type { HistoryEventType, HistoryEvent as SdkHistoryEvent } from '@aws-sdk/client-sfn';
import type { SimEvent } from './api-call-events';
import type { Principal } from './identity';

/** One event of a local run, as local/runner.ts reports it. */
export interface LocalRunEvent {
  readonly type: string;
  readonly state?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: unknown;
  readonly timestamp: number;
}

/** How a local run ended. */
export interface LocalRunResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly history: readonly LocalRunEvent[];
}

/** A local run, as `LocalStepFunctions.startExecution` returns it. */
export interface LocalRun {
  readonly executionArn: string;
  readonly name: string;
  readonly result: Promise<LocalRunResult>;
  abort(): void;
}

/** What the service needs from the local runner (local/runner.ts `LocalStepFunctions`). */
export interface StepFunctionsBackend {
  readonly synthesized: { readonly stateMachineArn: string; readonly definition: Record<string, unknown> };
  /** Runs the definition; the events of the run reach the `addListener` listeners under `name`. */
  startExecution(input: unknown, name?: string): LocalRun;
  addListener(listener: (executionName: string, event: LocalRunEvent) => void): () => void;
  /** Called with every run the runner starts, whoever started it (the harness runs directly). */
  onExecutionStarted(listener: (run: LocalRun, input: unknown) => void): () => void;
}

/** A request as the world hands it over. */
export interface SfnCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly caller: Principal;
  readonly region: string;
}

/** Status of an execution. */
export type SimExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** One execution the service knows. */
export interface SimExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  /** Input as given (JSON text). */
  readonly input: string;
  status: SimExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: Date;
  /** The Fail state the execution ended in, when it failed by reaching one (not by an uncaught error). */
  failState?: string;
  /** The history in AWS's shape. */
  readonly events: SdkHistoryEvent[];
  /** Settles when the current run ends. */
  settled: Promise<SimExecution>;
}

/** An execution as persisted (local/sim/persistence.ts): dates as ISO strings, history events with ISO timestamps. */
export interface PersistedExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: string;
  readonly status: SimExecutionStatus;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly redriveCount: number;
  readonly redriveDate?: string;
  readonly failState?: string;
  /** AWS's history events (`id`, `previousEventId`, `type`, details), `timestamp` as an ISO string. */
  readonly events: (Omit<SdkHistoryEvent, 'timestamp'> & { timestamp: string })[];
}

/** The Step Functions state as persisted. */
export interface PersistedStepFunctions {
  /** Oldest first. */
  readonly executions: PersistedExecution[];
  /** Sequence of generated execution names. */
  readonly generated: number;
  /** Injected faults not yet spent (`times` = what is left). */
  readonly faults: SfnFault[];
}

/** A call of the service, for tests (`world.stepFunctions.calls`). */
export interface SfnCallRecord {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  error?: string;
}

/** An injected failure of the next matching calls. */
export interface SfnFault {
  /** Operation without `Command`; default: any. */
  readonly operation?: string;
  /** An SFN error name (`ThrottlingException`, `ServiceUnavailable`, `ExecutionLimitExceeded`, ...). */
  readonly error: string;
  readonly times?: number;
}

/** Error names and HTTP statuses (awsJson1_0: client errors 400). */
const STATUS: Record<string, number> = {
  ThrottlingException: 400,
  ServiceUnavailable: 503,
  InternalServerError: 500,
  InternalFailure: 500,
  AccessDeniedException: 400,
  UnrecognizedClientException: 400,
  ExpiredTokenException: 400,
};

/** An error raised by the service, turned into the SDK's exception by `toSfnException`. */
export class SfnSimError extends Error {
  override readonly name = 'SfnSimError' as const;
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

function fail(errorName: string, message: string): never {
  throw new SfnSimError(errorName, message);
}

/**
 * The exception the SDK's deserializer makes of AWS's answer: the modelled class for a modelled
 * error (`ExecutionAlreadyExists`, ...), otherwise `SFNServiceException` carrying the name.
 */
export function toSfnException(error: SfnSimError, requestId: string): Error {
  const status = STATUS[error.errorName] ?? 400;
  const $metadata = { httpStatusCode: status, requestId };
  const Modelled = (sfn as unknown as Record<string, unknown>)[error.errorName] as (new (o: object) => Error) | undefined;
  const exception =
    typeof Modelled === 'function' && Modelled.prototype instanceof sfn.SFNServiceException
      ? new Modelled({ message: error.message, $metadata })
      : new sfn.SFNServiceException({ name: error.errorName, $fault: status >= 500 ? 'server' : 'client', $metadata, message: error.message });
  (exception as unknown as Record<string, unknown>).__type = error.errorName;
  return exception;
}

/**
 * Execution names: 1-80 characters without white space, brackets, wildcards, the special characters
 * `" # % \ ^ | ~ \` $ & , ; : /` and control characters.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html#StepFunctions-StartExecution-request-name
 */
// eslint-disable-next-line no-control-regex
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/** AWS's default and largest page of ListExecutions and GetExecutionHistory. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/** The simulated Step Functions of the world. */
export class SfnSim {
  /** Every execution, by ARN. */
  private readonly executions = new Map<string, SimExecution>();
  private readonly byName = new Map<string, SimExecution>();
  private readonly builders = new Map<string, HistoryBuilder>();
  private backend?: StepFunctionsBackend;
  private detach: (() => void)[] = [];
  /** ARN being redriven: the next run under it continues that execution. */
  private redriving?: string;
  private faults: { operation?: string; error: string; remaining: number }[] = [];
  private generated = 0;
  /** Every call, in order. */
  readonly calls: SfnCallRecord[] = [];

  /**
   * `emit` puts an event from AWS onto the default bus of its account and region (the world's
   * EventBridge): Standard workflows report every execution status change there.
   */
  constructor(
    private readonly clock: () => Date = () => new Date(),
    private readonly emit?: (event: SimEvent) => void,
  ) {}

  /**
   * "Step Functions Execution Status Change", as Standard workflows send it to the default bus of
   * the state machine's account and region (RUNNING, then the closing status). Dates are epoch
   * milliseconds, input and output JSON text.
   * https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
   */
  private statusChanged(x: SimExecution): void {
    if (!this.emit) return;
    const m = /^arn:[^:]+:states:([^:]+):(\d{12}):/.exec(x.executionArn);
    if (!m) return;
    this.emit({
      version: '0',
      id: randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: m[2],
      time: this.clock().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: m[1],
      resources: [x.executionArn],
      detail: {
        executionArn: x.executionArn,
        stateMachineArn: x.stateMachineArn,
        name: x.name,
        status: x.status,
        startDate: x.startDate.getTime(),
        stopDate: x.stopDate ? x.stopDate.getTime() : null,
        input: x.input,
        output: x.output ?? null,
        inputDetails: { included: true },
        outputDetails: x.output !== undefined ? { included: true } : null,
        error: x.error ?? null,
        cause: x.cause ?? null,
        redriveCount: x.redriveCount,
      },
    });
  }

  /** Runs executions on `backend` from now on (a second attach replaces the first). */
  attach(backend: StepFunctionsBackend): void {
    for (const d of this.detach) d();
    this.backend = backend;
    this.shape = undefined;
    this.detach = [
      backend.onExecutionStarted((run, input) => this.track(run, input)),
      backend.addListener((name, event) => this.onEvent(name, event)),
    ];
  }

  /** The ARN of the local state machine (when a runner is attached). */
  get stateMachineArn(): string | undefined {
    return this.backend?.synthesized.stateMachineArn;
  }

  /** Makes the next `times` matching calls fail with `error` (before they change anything). */
  inject(fault: SfnFault): void {
    this.faults.push({ operation: fault.operation?.replace(/Command$/, ''), error: fault.error, remaining: fault.times ?? 1 });
  }

  /** All executions, oldest first. */
  list(): SimExecution[] {
    return [...this.executions.values()];
  }

  /** An execution by ARN. */
  get(executionArn: string): SimExecution | undefined {
    return this.executions.get(executionArn);
  }

  /**
   * Every execution with its history, as plain JSON (persistence.ts). An execution still running is
   * exported as RUNNING; see `importState` for what becomes of it.
   */
  exportState(): PersistedStepFunctions {
    return {
      generated: this.generated,
      faults: this.faults.filter((f) => f.remaining > 0).map((f) => ({ ...(f.operation ? { operation: f.operation } : {}), error: f.error, times: f.remaining })),
      executions: this.list().map((x) => ({
        executionArn: x.executionArn,
        name: x.name,
        stateMachineArn: x.stateMachineArn,
        input: x.input,
        status: x.status,
        startDate: x.startDate.toISOString(),
        ...(x.stopDate ? { stopDate: x.stopDate.toISOString() } : {}),
        ...(x.output !== undefined ? { output: x.output } : {}),
        ...(x.error !== undefined ? { error: x.error } : {}),
        ...(x.cause !== undefined ? { cause: x.cause } : {}),
        redriveCount: x.redriveCount,
        ...(x.redriveDate ? { redriveDate: x.redriveDate.toISOString() } : {}),
        ...(x.failState !== undefined ? { failState: x.failState } : {}),
        events: x.events.map((e) => ({ ...structuredClone(e), timestamp: (e.timestamp ?? new Date(0)).toISOString() })),
      })),
    };
  }

  /**
   * Replaces every execution with the persisted ones. A persisted RUNNING execution cannot go on
   * (its run lived in the process that saved it): it is recorded as ABORTED at `now`, with an
   * `ExecutionAborted` event, and can be redriven like any aborted execution.
   */
  importState(state: PersistedStepFunctions, now: Date = this.clock()): void {
    this.executions.clear();
    this.byName.clear();
    this.builders.clear();
    this.generated = state.generated;
    this.faults = state.faults.map((f) => ({ operation: f.operation?.replace(/Command$/, ''), error: f.error, remaining: f.times ?? 1 }));
    for (const p of state.executions) {
      const x: SimExecution = {
        executionArn: p.executionArn,
        name: p.name,
        stateMachineArn: p.stateMachineArn,
        input: p.input,
        status: p.status,
        startDate: new Date(p.startDate),
        ...(p.stopDate ? { stopDate: new Date(p.stopDate) } : {}),
        ...(p.output !== undefined ? { output: p.output } : {}),
        ...(p.error !== undefined ? { error: p.error } : {}),
        ...(p.cause !== undefined ? { cause: p.cause } : {}),
        redriveCount: p.redriveCount,
        ...(p.redriveDate ? { redriveDate: new Date(p.redriveDate) } : {}),
        ...(p.failState !== undefined ? { failState: p.failState } : {}),
        events: p.events.map((e) => ({ ...structuredClone(e), timestamp: new Date(e.timestamp) }) as SdkHistoryEvent),
        settled: Promise.resolve(undefined as never),
      };
      if (x.status === 'RUNNING') {
        x.status = 'ABORTED';
        x.stopDate = now;
        const last = x.events[x.events.length - 1]?.id;
        x.events.push({ type: 'ExecutionAborted', timestamp: now, id: (last ?? 0) + 1, ...(last !== undefined ? { previousEventId: last } : {}), executionAbortedEventDetails: {} } as SdkHistoryEvent);
      }
      x.settled = Promise.resolve(x);
      this.executions.set(x.executionArn, x);
      this.byName.set(x.name, x);
    }
  }

  /** Resolves when the execution's current run has ended. */
  async settled(executionArn: string): Promise<SimExecution> {
    const x = this.executions.get(executionArn);
    if (!x) throw new Error(`No execution ${executionArn}`);
    let seen: Promise<SimExecution>;
    do {
      seen = x.settled;
      await seen;
    } while (seen !== x.settled); // redriven meanwhile: wait for that run too
    return x;
  }

  /** Resolves when no execution is running. */
  /** Whether an execution is RUNNING. */
  get busy(): boolean {
    return this.list().some((x) => x.status === 'RUNNING');
  }

  async idle(): Promise<void> {
    for (const x of this.list()) if (x.status === 'RUNNING') await this.settled(x.executionArn);
  }

  /** Handles one SFNClient request: the operation's output, or a thrown `SfnSimError`. */
  async handle(call: SfnCall): Promise<Record<string, unknown>> {
    const record: SfnCallRecord = { operation: call.operation, input: structuredClone(call.input) };
    this.calls.push(record);
    try {
      const fault = this.faults.find((f) => f.remaining > 0 && (!f.operation || f.operation === call.operation));
      if (fault) {
        fault.remaining -= 1;
        fail(fault.error, `Injected ${fault.error}`);
      }
      switch (call.operation) {
        case 'StartExecution':
          return this.startExecution(call.input);
        case 'DescribeExecution':
          return this.describeExecution(call.input);
        case 'RedriveExecution':
          return this.redriveExecution(call.input);
        case 'GetExecutionHistory':
          return this.getExecutionHistory(call.input);
        case 'ListExecutions':
          return this.listExecutions(call.input);
        default:
          throw new Error(`The simulated AWS does not implement states:${call.operation}`);
      }
    } catch (e) {
      record.error = e instanceof SfnSimError ? e.errorName : (e as Error).name;
      throw e;
    }
  }

  // ------------------------------------------------------------------ operations

  private startExecution(input: Record<string, unknown>): Record<string, unknown> {
    const backend = this.requireStateMachine(input.stateMachineArn);
    const name = input.name === undefined ? `sim-${Date.now().toString(36)}-${++this.generated}` : String(input.name);
    if (name.length < 1 || name.length > 80 || INVALID_NAME.test(name)) {
      fail('InvalidName', `Invalid Name: '${name}'`);
    }
    const text = input.input === undefined ? '{}' : String(input.input);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      fail('InvalidExecutionInput', `Invalid State Machine Execution Input: '${text.slice(0, 100)}'`);
    }
    const existing = this.byName.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === text) {
        return { executionArn: existing.executionArn, startDate: existing.startDate };
      }
      fail('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    const run = backend.startExecution(parsed, name);
    const x = this.executions.get(run.executionArn);
    if (!x) throw new Error(`The local runner did not report execution ${name}`);
    return { executionArn: x.executionArn, startDate: x.startDate };
  }

  private describeExecution(input: Record<string, unknown>): Record<string, unknown> {
    const x = this.requireExecution(input.executionArn);
    const redrivable = x.status === 'FAILED' || x.status === 'ABORTED' || x.status === 'TIMED_OUT';
    return {
      executionArn: x.executionArn,
      stateMachineArn: x.stateMachineArn,
      name: x.name,
      status: x.status,
      startDate: x.startDate,
      ...(x.stopDate ? { stopDate: x.stopDate } : {}),
      input: x.input,
      inputDetails: { included: true },
      ...(x.output !== undefined ? { output: x.output, outputDetails: { included: true } } : {}),
      ...(x.error !== undefined ? { error: x.error } : {}),
      ...(x.cause !== undefined ? { cause: x.cause } : {}),
      redriveCount: x.redriveCount,
      ...(x.redriveDate ? { redriveDate: x.redriveDate } : {}),
      redriveStatus: redrivable ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
      ...(redrivable ? {} : { redriveStatusReason: `Execution is ${x.status} and cannot be redriven` }),
    };
  }

  private redriveExecution(input: Record<string, unknown>): Record<string, unknown> {
    const x = this.requireExecution(input.executionArn);
    const backend = this.requireBackend();
    if (x.status !== 'FAILED' && x.status !== 'ABORTED' && x.status !== 'TIMED_OUT') {
      fail('ExecutionNotRedrivable', `Execution is ${x.status} and cannot be redriven: '${x.executionArn}'`);
    }
    if (x.status === 'FAILED' && x.failState) {
      // AWS resumes at the unsuccessful step, here the Fail state: it fails again, same error.
      const now = this.clock();
      x.redriveCount += 1;
      x.redriveDate = now;
      x.stopDate = now;
      const builder = this.builderOf(x);
      builder.redriven(now, x.redriveCount);
      builder.add({ type: 'StateEntered', state: x.failState, timestamp: now.getTime() });
      builder.add({ type: 'ExecutionFailed', error: x.error, cause: x.cause, timestamp: now.getTime() });
      return { redriveDate: x.redriveDate };
    }
    // aws-local-stepfunctions cannot resume at the failed state: the definition runs again from the
    // start, under the same ARN and with the same input (see the module comment).
    this.redriving = x.executionArn;
    try {
      backend.startExecution(JSON.parse(x.input), x.name);
    } finally {
      this.redriving = undefined;
    }
    return { redriveDate: x.redriveDate };
  }

  private getExecutionHistory(input: Record<string, unknown>): Record<string, unknown> {
    const x = this.requireExecution(input.executionArn);
    const withData = input.includeExecutionData !== false;
    let events = x.events.map((e) => (withData ? structuredClone(e) : withoutData(e)));
    if (input.reverseOrder === true) events = events.reverse();
    return page(events, input, 'events');
  }

  private listExecutions(input: Record<string, unknown>): Record<string, unknown> {
    if (input.mapRunArn !== undefined) fail('ValidationException', 'Map Runs are not simulated');
    this.requireStateMachine(input.stateMachineArn);
    const status = input.statusFilter as string | undefined;
    const redrive = input.redriveFilter as string | undefined;
    const items = this.list()
      .filter((x) => x.stateMachineArn === input.stateMachineArn)
      .filter((x) => !status || x.status === status)
      .filter((x) => !redrive || (redrive === 'REDRIVEN') === x.redriveCount > 0)
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
      .map((x) => ({
        executionArn: x.executionArn,
        stateMachineArn: x.stateMachineArn,
        name: x.name,
        status: x.status,
        startDate: x.startDate,
        ...(x.stopDate ? { stopDate: x.stopDate } : {}),
        redriveCount: x.redriveCount,
        ...(x.redriveDate ? { redriveDate: x.redriveDate } : {}),
      }));
    return page(items, input, 'executions');
  }

  // ------------------------------------------------------------------ runs

  /** Records a run the runner started: a new execution, or the redrive of one. */
  private track(run: LocalRun, input: unknown): void {
    const smArn = this.requireBackend().synthesized.stateMachineArn;
    const now = this.clock();
    let x = this.executions.get(run.executionArn);
    if (x && this.redriving === run.executionArn) {
      x.status = 'RUNNING';
      x.redriveCount += 1;
      x.redriveDate = now;
      delete x.stopDate;
      delete x.output;
      delete x.error;
      delete x.cause;
      delete x.failState;
      this.builderOf(x).redriven(now, x.redriveCount);
    } else {
      // A new execution. (The harness may run a name again directly; AWS would refuse, the runner
      // does not ask: the new run replaces the record.)
      x = {
        executionArn: run.executionArn,
        name: run.name,
        stateMachineArn: smArn,
        input: JSON.stringify(input ?? {}),
        status: 'RUNNING',
        startDate: now,
        redriveCount: 0,
        events: [],
        settled: Promise.resolve(undefined as never),
      };
      this.executions.set(x.executionArn, x);
      this.byName.set(x.name, x);
      this.builders.set(x.name, new HistoryBuilder(x, this.definitionShape().types, this.definitionShape().inside));
    }
    const execution = x;
    this.statusChanged(execution);
    execution.settled = run.result.then(
      (r) => {
        execution.status = r.status;
        execution.stopDate = this.clock();
        if (r.output !== undefined) execution.output = JSON.stringify(r.output);
        if (r.error !== undefined) execution.error = r.error;
        if (r.cause !== undefined) execution.cause = r.cause;
        const lastEntered = [...r.history].reverse().find((h) => h.type === 'StateEntered')?.state;
        if (r.status === 'FAILED' && lastEntered && this.definitionShape().types.get(lastEntered) === 'Fail') {
          execution.failState = lastEntered;
        }
        this.statusChanged(execution);
        return execution;
      },
      (e: unknown) => {
        // The runner itself broke (not the execution): report it as a failed execution.
        execution.status = 'FAILED';
        execution.stopDate = this.clock();
        execution.error = 'States.Runtime';
        execution.cause = (e as Error)?.message ?? String(e);
        this.statusChanged(execution);
        return execution;
      },
    );
  }

  /** The history builder of an execution (made on first use for an imported one, numbering on from its last event). */
  private builderOf(x: SimExecution): HistoryBuilder {
    let builder = this.builders.get(x.name);
    if (!builder) {
      const shape = this.definitionShape();
      builder = new HistoryBuilder(x, shape.types, shape.inside, (x.events[x.events.length - 1]?.id ?? 0) + 1);
      this.builders.set(x.name, builder);
    }
    return builder;
  }

  private onEvent(name: string, event: LocalRunEvent): void {
    this.builders.get(name)?.add(event);
  }

  private shape?: { types: Map<string, string>; inside: Map<string, Set<string>> };
  /** Type of every state of the definition, and the states inside each Parallel state (any depth). */
  private definitionShape(): { types: Map<string, string>; inside: Map<string, Set<string>> } {
    if (this.shape) return this.shape;
    type Def = { States?: Record<string, { Type?: string; Branches?: unknown[] }> };
    const types = new Map<string, string>();
    const inside = new Map<string, Set<string>>();
    const walk = (def: Def, parents: string[]) => {
      for (const [n, s] of Object.entries(def.States ?? {})) {
        types.set(n, s.Type ?? 'Task');
        for (const p of parents) inside.get(p)!.add(n);
        if (s.Branches) {
          inside.set(n, new Set());
          for (const b of s.Branches) walk(b as Def, [...parents, n]);
        }
      }
    };
    walk(this.requireBackend().synthesized.definition as Def, []);
    this.shape = { types, inside };
    return this.shape;
  }

  // ------------------------------------------------------------------ checks

  private requireBackend(): StepFunctionsBackend {
    if (!this.backend) throw new Error('No local Step Functions runner is attached to the world (LocalStepFunctions.start attaches one)');
    return this.backend;
  }

  private requireStateMachine(arn: unknown): StepFunctionsBackend {
    const backend = this.requireBackend();
    if (typeof arn !== 'string' || !/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:.+$/.test(arn)) {
      fail('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    }
    if (arn !== backend.synthesized.stateMachineArn) fail('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return backend;
  }

  private requireExecution(arn: unknown): SimExecution {
    if (typeof arn !== 'string' || !/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:execution:[^:]+:.+$/.test(arn)) {
      fail('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    }
    const x = this.executions.get(arn);
    if (!x) fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return x;
  }
}

/** One page of `items` by `maxResults` / `nextToken` (the token is the offset, opaque to callers). */
function page<T>(items: T[], input: Record<string, unknown>, key: string): Record<string, unknown> {
  const max = typeof input.maxResults === 'number' && input.maxResults > 0 ? Math.min(input.maxResults, MAX_PAGE) : DEFAULT_PAGE;
  let start = 0;
  if (input.nextToken !== undefined) {
    const decoded = Number(Buffer.from(String(input.nextToken), 'base64url').toString('utf8').replace(/^offset:/, ''));
    if (!Number.isInteger(decoded) || decoded < 0) fail('InvalidToken', `Invalid Token: '${String(input.nextToken)}'`);
    start = decoded;
  }
  const slice = items.slice(start, start + max);
  const next = start + max < items.length ? Buffer.from(`offset:${start + max}`, 'utf8').toString('base64url') : undefined;
  return { [key]: slice, ...(next ? { nextToken: next } : {}) };
}

/** The event without its input and output (`includeExecutionData: false`). */
function withoutData(e: SdkHistoryEvent): SdkHistoryEvent {
  const copy = structuredClone(e) as unknown as Record<string, unknown>;
  for (const v of Object.values(copy)) {
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const d = v as Record<string, unknown>;
      delete d.input;
      delete d.output;
      delete d.parameters;
    }
  }
  return copy as unknown as SdkHistoryEvent;
}

/**
 * Turns the local runner's events into AWS's history: a Task's attempts become TaskScheduled /
 * TaskStarted / TaskSucceeded | TaskFailed, each event pointing at the previous event of its state.
 */
class HistoryBuilder {
  /** Last event id per state (the chain `previousEventId` follows). */
  private readonly lastOfState = new Map<string, number>();
  /** Task states whose last attempt failed (a caught failure exits without TaskSucceeded). */
  private readonly failedAttempt = new Set<string>();
  /** Skip the runner's ExecutionStarted of a redriven run (ExecutionRedriven stands for it). */
  private skipStart = false;
  /** States entered and not exited. */
  private readonly open = new Set<string>();
  /** States stopped because their Parallel state failed: their late events are not history. */
  private readonly aborted = new Set<string>();

  constructor(
    private readonly x: SimExecution,
    private readonly types: Map<string, string>,
    /** The states inside each Parallel state's branches, at any depth. */
    private readonly inside: Map<string, Set<string>>,
    /** Id of the next event (an imported execution's history goes on after its last event). */
    private nextId = 1,
  ) {}

  /** Appends `ExecutionRedriven`. */
  redriven(at: Date, redriveCount: number): void {
    this.push({ type: 'ExecutionRedriven', timestamp: at, executionRedrivenEventDetails: { redriveCount } });
    this.skipStart = true;
    this.lastOfState.clear();
    this.failedAttempt.clear();
    this.open.clear();
    this.aborted.clear();
  }

  add(e: LocalRunEvent): void {
    const at = new Date(e.timestamp);
    const json = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
    switch (e.type) {
      case 'ExecutionStarted':
        if (this.skipStart) {
          this.skipStart = false;
          return;
        }
        this.push({ type: 'ExecutionStarted', timestamp: at, executionStartedEventDetails: { input: this.x.input, inputDetails: { truncated: false } } });
        return;
      case 'ExecutionSucceeded':
        this.push({ type: 'ExecutionSucceeded', timestamp: at, executionSucceededEventDetails: { output: json(e.output) } });
        return;
      case 'ExecutionFailed':
        this.push({ type: 'ExecutionFailed', timestamp: at, executionFailedEventDetails: { error: e.error, cause: e.cause } });
        return;
      case 'ExecutionAborted':
        this.push({ type: 'ExecutionAborted', timestamp: at, executionAbortedEventDetails: {} });
        return;
      case 'ExecutionTimeout':
        this.push({ type: 'ExecutionTimedOut', timestamp: at, executionTimedOutEventDetails: {} });
        return;
    }
    const state = e.state;
    if (!state) return; // ParallelBranch* events: AWS has none
    const type = this.types.get(state) ?? 'Task';
    const task = { resourceType: 'lambda', resource: 'invoke' };
    if (e.type === 'StateEntered') {
      this.aborted.delete(state);
      this.open.add(state);
    } else if (this.aborted.has(state)) {
      return;
    }
    switch (e.type) {
      case 'StateEntered': {
        this.push({ type: `${type}StateEntered` as HistoryEventType, timestamp: at, stateEnteredEventDetails: { name: state } }, state, true);
        if (type === 'Task') this.attempt(state, at);
        if (type === 'Parallel') this.push({ type: 'ParallelStateStarted', timestamp: at }, state);
        return;
      }
      case 'StateRetried':
        if (type === 'Task') this.attempt(state, at);
        return;
      case 'StateFailed':
        if (type === 'Task') {
          this.push({ type: 'TaskFailed', timestamp: at, taskFailedEventDetails: { ...task, error: e.error, cause: e.cause } }, state);
          this.failedAttempt.add(state);
        } else if (type === 'Parallel') {
          // AWS stops the other branches: their open states end aborted.
          for (const inner of this.inside.get(state) ?? []) {
            if (!this.open.has(inner)) continue;
            this.open.delete(inner);
            if (this.failedAttempt.has(inner)) continue; // the failure itself: TaskFailed says it all
            const innerType = this.types.get(inner) ?? 'Task';
            this.push({ type: `${innerType}StateAborted` as HistoryEventType, timestamp: at }, inner);
            this.aborted.add(inner);
          }
          this.push({ type: 'ParallelStateFailed', timestamp: at }, state);
          this.failedAttempt.add(state);
        }
        // A Fail state has only FailStateEntered; ExecutionFailed follows.
        return;
      case 'StateExited': {
        if (type === 'Task' && !this.failedAttempt.has(state)) {
          this.push({ type: 'TaskSucceeded', timestamp: at, taskSucceededEventDetails: { ...task, output: json({ Payload: e.output }) } }, state);
        }
        if (type === 'Parallel' && !this.failedAttempt.has(state)) this.push({ type: 'ParallelStateSucceeded', timestamp: at }, state);
        this.failedAttempt.delete(state);
        this.open.delete(state);
        this.push({ type: `${type}StateExited` as HistoryEventType, timestamp: at, stateExitedEventDetails: { name: state, output: json(e.output) } }, state);
        return;
      }
      default:
        return; // StateCaught: AWS records the catch as the state's exit
    }
  }

  private attempt(state: string, at: Date): void {
    this.failedAttempt.delete(state);
    this.push({ type: 'TaskScheduled', timestamp: at, taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'local', parameters: '{}' } }, state);
    this.push({ type: 'TaskStarted', timestamp: at, taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } }, state);
  }

  /** Appends an event; in a state, it points at that state's previous event (or, entering, at the last event). */
  private push(event: Omit<SdkHistoryEvent, 'id' | 'previousEventId'>, state?: string, entering = false): void {
    const id = this.nextId++;
    const prev = state && !entering ? this.lastOfState.get(state) : id > 1 ? id - 1 : undefined;
    this.x.events.push({ ...event, id, ...(prev !== undefined ? { previousEventId: prev } : {}) } as SdkHistoryEvent);
    if (state) this.lastOfState.set(state, id);
  }
}
