/**
 * Runs the synthesized state machine locally with aws-local-stepfunctions: the definition is the one
 * the CDK app deploys, every Task state runs the real handler module of its function in process,
 * and every AWS call the handlers make goes through the real SDK clients to the simulated world.
 */
import './polyfills';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { StateMachine, ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import { orchestratorAccount, type AppConfig } from '../infra/config';
import { createClient, registerClientHook, type ClientHook } from '../handlers/shared/clients';
import { STATE_MACHINE_ARN_ENV } from '../handlers/start/aws-deps';
import { STEPS, StepName } from '../statemachine/steps';
import { batchWindowsOf } from '../handlers/steps/shared-policy-sync';
import type { StepFunctionsBackend } from './sim/sfn';
import { invocationContext } from './invocation-context';
import { definitionKnownValid, markDefinitionValid, synthesizeOnboarding, SynthesizedOnboarding } from './synth';
import { FUNCTION_ENTRIES, STEP_ENTRIES } from './entries';
import type { StackDeployment } from './sim/cloudformation';

/** What the runner needs from the simulated world (local/sim). */
export interface RunnerWorld {
  readonly hook: ClientHook;
  /** The credentials put in the process environment: each function's role inside its invocation, else the ambient principal. */
  environmentCredentials(): { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Static credentials of a principal of the world (the stack deploy's own work). */
  credentialsFor(principalArn: string): { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Who code outside a function invocation (the CLI, a test) acts as. */
  setAmbientPrincipal(principalArn: string): void;
  /** Deploys a stack's template into an account (the simulated CloudFormation). */
  deployStack(deployment: StackDeployment): void;
  /** Accounts a StackSet deployed to the organization reaches: the active members, management excluded. */
  organizationMemberAccounts(): string[];
  /** Where EventBridge rules deliver to a Lambda target (local/sim/events.ts); returns its removal. */
  onLambdaTarget?(handler: (functionArn: string, input: unknown) => Promise<void>): () => void;
  /** Starts DynamoDB; with `path`, its data lives in that directory (see `LocalRunnerOptions.dynamoPath`). */
  startDynamo(options?: { path?: string }): Promise<{ endpoint: string }>;
  stop(): Promise<void>;
  /** Makes SFNClient calls in the world run on this runner (local/sim/sfn.ts). */
  attachStepFunctions?(backend: StepFunctionsBackend): void;
}

/** A Lambda handler as exported by handlers/<step>/index.ts. */
type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

/** How an execution ended, in Step Functions' terms. */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** One event of an execution's history, as the demo and tests read it. */
export interface HistoryEvent {
  readonly type: string;
  readonly state?: string;
  readonly error?: string;
  readonly cause?: string;
  /** The state's output (StateExited events). */
  readonly output?: unknown;
  readonly timestamp: number;
}

/** The outcome of an execution. */
export interface ExecutionResult {
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly history: readonly HistoryEvent[];
}

/** A running local execution. */
export interface LocalExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly result: Promise<ExecutionResult>;
  abort(): void;
}

/** Options of {@link LocalStepFunctions.start}. */
export interface LocalRunnerOptions {
  readonly world: RunnerWorld;
  readonly config: AppConfig;
  /**
   * Who code outside a function invocation acts as (the operator CLI, a test calling the SDK): an
   * assumed-role session ARN. Default: the `Administrator` role of the orchestrator account. The
   * functions themselves always run as their own execution roles from the template.
   */
  readonly principalArn?: string;
  /** Changes the synthesized templates before they are deployed and read (see `SynthesizeOptions.transform`). */
  readonly transformTemplates?: (templates: Record<string, Record<string, unknown>>) => void;
  /**
   * Milliseconds a Retry waits locally instead of the definition's seconds (the definition's
   * intervals, attempts and error lists are otherwise used as they are). Default 5.
   */
  readonly retryDelayMs?: number;
  /**
   * Milliseconds a Retry of `PolicyLockBusy` waits locally: long enough for the holder's
   * read-render-write to finish, so the lease can actually be retaken. Each execution draws its
   * delay from [lockRetryDelayMs, 2 x lockRetryDelayMs] (Step Functions jitters; a fixed local
   * delay would make a burst retry in lock-step). Default: what makes the lock retrier's attempts
   * outlast twice the longest wait of a holder during a burst (shared-policy-sync.ts batchWindowsOf):
   * in AWS the retrier's ~5 minutes outlast it by far, and a local budget below it would fail waiters
   * that AWS would not fail. 267 ms with the default window of 1 s.
   */
  readonly lockRetryDelayMs?: number;
  /** Called for every history event of every execution (the demo prints progress with it). */
  readonly onEvent?: (executionName: string, event: HistoryEvent) => void;
  /**
   * Directory of dynalite's data: the status table persists there between processes, and an
   * existing table is used as it is. Default: in memory. One process at a time (LevelDB locks it).
   */
  readonly dynamoPath?: string;
}

/** Name of the local status table. */
export const LOCAL_TABLE_NAME = 'onboarding-status';

/** The local Step Functions service for the onboarding state machine. */
export class LocalStepFunctions {
  private readonly handlers = new Map<StepName, LambdaHandler>();
  private machine?: StateMachine;
  /** The definition's Wait states, each waiting 0 ms (made once, like the machine). */
  private waits?: Record<string, number>;
  /** Handler invocations still running (a Lambda runs to its end even when its state was abandoned). */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly listeners = new Set<(executionName: string, event: HistoryEvent) => void>();
  private readonly startListeners = new Set<(execution: LocalExecution, input: unknown) => void>();
  private readonly unhook: () => void;
  private executions = 0;
  /** Removes the EventBridge Lambda-target hook (set by `start`). */
  private offLambdaTarget?: () => void;

  private constructor(
    readonly synthesized: SynthesizedOnboarding,
    private readonly opts: LocalRunnerOptions,
    unhook: () => void,
  ) {
    this.unhook = unhook;
  }

  /**
   * Starts the local service: DynamoDB (dynalite) with the status table (created unless it
   * exists, i.e. in a persisted `dynamoPath`), the environment the functions would have in Lambda,
   * and the handler modules.
   */
  static async start(opts: LocalRunnerOptions): Promise<LocalStepFunctions> {
    const { world, config } = opts;
    const synthesized = synthesizeOnboarding(config, { tableName: LOCAL_TABLE_NAME, ...(opts.transformTemplates ? { transform: opts.transformTemplates } : {}) });
    deployOnboarding(world, synthesized);
    const { endpoint } = await world.startDynamo(opts.dynamoPath ? { path: opts.dynamoPath } : undefined);

    // The environment every function has in Lambda, read from the template (they all share it,
    // except the step name), plus the region and the credentials of the environment: each function
    // acts as its own execution role (the world resolves them per invocation), code outside a
    // function as the ambient principal.
    const fns = [...synthesized.functionsByArn.values()];
    const shared = { ...fns[0].environment };
    delete shared.ONBOARDING_STEP;
    world.setAmbientPrincipal(opts.principalArn ?? `arn:aws:sts::${orchestratorAccount(config)}:assumed-role/Administrator/operator`);
    const creds = world.environmentCredentials();
    Object.assign(process.env, shared, {
      AWS_REGION: config.homeRegion,
      AWS_DEFAULT_REGION: config.homeRegion,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_SESSION_TOKEN: creds.sessionToken ?? '',
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      // What the API and event functions have in Lambda: the state machine they start.
      [STATE_MACHINE_ARN_ENV]: synthesized.stateMachineArn,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const unhook = registerClientHook(world.hook);

    // The status table is the Orchestrator stack's: created as its deploy would, with the account's own
    // authority (the root user stands for CloudFormation acting for the deployer), not as the ambient principal.
    const ddb = createClient(DynamoDBClient, { region: config.homeRegion, credentials: world.credentialsFor(`arn:aws:iam::${orchestratorAccount(config)}:root`) });
    // Keys, attributes and global secondary indexes as the template defines the table (AWS::DynamoDB::Table).
    const table = statusTableOf(synthesized);
    try {
      await ddb.send(new CreateTableCommand({ TableName: LOCAL_TABLE_NAME, BillingMode: 'PAY_PER_REQUEST', ...table }));
    } catch (e) {
      // The table of an earlier process, kept in `dynamoPath`: use it, adding an index the template has since gained.
      if (!(e instanceof ResourceInUseException)) throw e;
      const existing = (await ddb.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAME }))).Table;
      for (const index of table.GlobalSecondaryIndexes ?? []) {
        if (existing?.GlobalSecondaryIndexes?.some((i) => i.IndexName === index.IndexName)) continue;
        await ddb.send(new UpdateTableCommand({ TableName: LOCAL_TABLE_NAME, AttributeDefinitions: table.AttributeDefinitions, GlobalSecondaryIndexUpdates: [{ Create: index }] }));
      }
    }
    try {
      // dynalite makes a table and its indexes ACTIVE on a timer (createTableMs 0): wait for it, or a session
      // closed at once would keep a table that is still CREATING (and unusable) in its data directory.
      for (let i = 0; i < 500; i++) {
        const t = (await ddb.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAME }))).Table;
        if (t?.TableStatus === 'ACTIVE' && (t.GlobalSecondaryIndexes ?? []).every((x) => x.IndexStatus === 'ACTIVE')) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      ddb.destroy();
    }

    const runner = new LocalStepFunctions(synthesized, opts, unhook);
    for (const f of fns) {
      // Loaded like Lambda loads an entry file: module-level code (config, clients) runs once.
      const mod = STEP_ENTRIES[f.step]();
      if (typeof mod.handler !== 'function') throw new Error(`handlers/${STEPS[f.step]}/index.ts exports no handler`);
      runner.handlers.set(f.step, mod.handler);
    }
    // SFNClient calls (the API, the event function, the CLI) start and read executions of this runner.
    world.attachStepFunctions?.(runner);
    // EventBridge rules whose target is one of the app's functions (the Organizations event's rule,
    // later the drift rules) invoke it as Lambda would: asynchronously, as its own role.
    runner.offLambdaTarget = world.onLambdaTarget?.(async (functionArn, input) => {
      const name = runner.entryNameOf(functionArn);
      if (name) await runner.invokeFunction(name, input);
    });
    return runner;
  }

  /**
   * Invokes one of the functions that are not steps (`Api`, `StartFromEvent`) as Lambda would: its
   * entry file's handler, running as the function's own execution role from the template.
   */
  /** The entry (`Api`, `StartFromEvent`, ...) of a function of the template by its ARN; undefined for a step or an unknown ARN. */
  entryNameOf(functionArn: string): keyof typeof FUNCTION_ENTRIES | undefined {
    const fn = [...this.synthesized.functions.values()].find((f) => f.arn === functionArn);
    if (!fn || fn.step) return undefined;
    return (Object.keys(FUNCTION_ENTRIES) as (keyof typeof FUNCTION_ENTRIES)[]).find((n) => new RegExp(`^${n}[0-9A-F]{8}$`).test(fn.logicalId));
  }

  async invokeFunction(name: keyof typeof FUNCTION_ENTRIES, event: unknown): Promise<unknown> {
    const fn = [...this.synthesized.functions.values()].find((f) => !f.step && new RegExp(`^${name}[0-9A-F]{8}$`).test(f.logicalId));
    if (!fn) throw new Error(`The orchestrator template has no ${name} function (with this configuration)`);
    const mod = FUNCTION_ENTRIES[name]();
    if (typeof mod.handler !== 'function') throw new Error(`The ${name} function's entry exports no handler`);
    const handler = mod.handler;
    return invocationContext.run({ step: name, executionName: '', principalArn: fn.principalArn }, () => handler(event, lambdaContext(fn.logicalId, fn.arn)));
  }

  /**
   * Deploys one of the app's stacks again, its template changed by `change` (a stack update that,
   * say, removes a statement), or as synthesized when `change` is omitted.
   */
  redeployStack(stackName: string, change?: (template: Record<string, unknown>) => void): void {
    deploySynthesizedStack(this.opts.world, this.synthesized, stackName, change);
  }

  /** ARN of the local state machine (the synthesized one's, as `STATE_MACHINE_ARN` carries it). */
  get stateMachineArn(): string {
    return this.synthesized.stateMachineArn;
  }

  /** Adds a listener called with every execution this runner starts (and its input); returns its removal. */
  onExecutionStarted(listener: (execution: LocalExecution, input: unknown) => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  /**
   * Resolves when no handler invocation is running. When a Parallel branch fails, Step Functions
   * stops waiting for the others, but their Lambda invocations still run to the end (and, for the
   * shared policies, release their lease): stop DynamoDB only after this.
   */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Adds a listener for every history event of every execution; returns its removal. */
  addListener(listener: (executionName: string, event: HistoryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops DynamoDB and detaches from the SDK clients. */
  async stop(): Promise<void> {
    await this.drain();
    this.offLambdaTarget?.();
    this.unhook();
    await this.opts.world.stop();
  }

  /** Every state of the definition with its name, recursively (Parallel branches included). */
  private states(): [string, Record<string, unknown>][] {
    const out: [string, Record<string, unknown>][] = [];
    const walk = (def: { States: Record<string, Record<string, unknown>> }) => {
      for (const [name, s] of Object.entries(def.States)) {
        out.push([name, s]);
        if (s.Type === 'Parallel') for (const b of s.Branches as (typeof def)[]) walk(b);
      }
    };
    walk(this.synthesized.definition as { States: Record<string, Record<string, unknown>> });
    return out;
  }

  /** Every Wait state of the definition, waiting 0 ms. */
  private waitOverrides(): Record<string, number> {
    return Object.fromEntries(this.states().filter(([, s]) => s.Type === 'Wait').map(([name]) => [name, 0]));
  }

  /** Task states of the definition, recursively (Parallel branches included). */
  taskStates(): string[] {
    return this.taskRetriers().map(([name]) => name);
  }

  /** The definition as a runnable machine: validated (and the validation remembered) unless it passed before. */
  private compile(region: string): StateMachine {
    const definition = this.synthesized.definition;
    const known = definitionKnownValid(definition);
    const machine = new StateMachine(definition as never, {
      validationOptions: known ? { noValidate: true } : { checkArn: true, checkPaths: true },
      awsConfig: { region },
    });
    if (!known) markDefinitionValid(definition);
    return machine;
  }

  /** See {@link LocalRunnerOptions.lockRetryDelayMs}: 2 x the longest burst wait / the lock retrier's attempts (at least 10 ms). */
  private defaultLockRetryDelayMs(): number {
    const window = this.opts.config.policyBatchWindowMs;
    const attempts = Math.min(
      ...this.states()
        .flatMap(([, s]) => (s.Retry as { ErrorEquals: string[]; MaxAttempts?: number }[] | undefined) ?? [])
        .filter((r) => r.ErrorEquals.includes('PolicyLockBusy'))
        .map((r) => r.MaxAttempts ?? 3),
    );
    const longestWait = window > 0 ? batchWindowsOf(window) * window : 0;
    return Math.max(10, Math.ceil((2 * longestWait) / (Number.isFinite(attempts) ? attempts : 3)));
  }

  /** Each Task state with the ErrorEquals list of each of its retriers, in order. */
  private taskRetriers(): [string, string[][]][] {
    return this.states()
      .filter(([, s]) => s.Type === 'Task')
      .map(([name, s]) => [name, ((s.Retry as { ErrorEquals: string[] }[] | undefined) ?? []).map((r) => r.ErrorEquals)]);
  }

  /** StartExecution: runs the definition with `input`; the name defaults to a sequence number. */
  startExecution(input: unknown, name?: string): LocalExecution {
    const execName = name ?? `local-${++this.executions}`;
    const region = this.opts.config.homeRegion;
    const smArn = this.synthesized.stateMachineArn;
    const executionArn = smArn.replace(':stateMachine:', ':execution:') + `:${execName}`;
    // Validated and compiled once: constructing it validates the whole definition (a schema
    // compile), which dominated the time of a burst when done per execution.
    // A definition that passed once is not validated again (synth.ts definitionKnownValid).
    const machine = (this.machine ??= this.compile(region));

    const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const retryIntervalOverrides: Record<string, number[]> = {};
    const delay = this.opts.retryDelayMs ?? 5;
    const lockBase = this.opts.lockRetryDelayMs ?? this.defaultLockRetryDelayMs();
    const lockDelay = lockBase * (1 + Math.random());
    for (const [state, retriers] of this.taskRetriers()) {
      taskHandlers[state] = (payload) => this.invoke(state, payload);
      // Per retrier, in the definition's order: the lock's retrier waits for the holder.
      retryIntervalOverrides[state] = retriers.map((errors) => (errors.includes('PolicyLockBusy') ? lockDelay : delay));
    }
    const run = machine.run(input as never, {
      // Wait states pass at once: the simulation does not wait for real time (README "Known limits").
      overrides: { taskResourceLocalHandlers: taskHandlers as never, retryIntervalOverrides, waitTimeOverrides: (this.waits ??= this.waitOverrides()) },
      context: {
        Execution: { Id: executionArn, Name: execName, Input: input as never, StartTime: new Date().toISOString() },
        StateMachine: { Id: smArn, Name: smArn.split(':').pop() },
      },
    });

    const history: HistoryEvent[] = [];
    const collect = (async () => {
      for await (const e of run.eventLogs) {
        const ev = e as unknown as { type: string; state?: { name: string; output?: unknown }; Error?: string; Cause?: unknown; timestamp: number };
        const h: HistoryEvent = {
          type: ev.type,
          state: ev.state?.name,
          error: ev.Error,
          cause: ev.Cause === undefined ? undefined : String(ev.Cause),
          output: ev.state?.output,
          timestamp: ev.timestamp,
        };
        history.push(h);
        this.opts.onEvent?.(execName, h);
        for (const l of this.listeners) l(execName, h);
      }
    })();

    const result = (async (): Promise<ExecutionResult> => {
      try {
        const output = await run.result;
        await collect;
        return { executionArn, status: 'SUCCEEDED', output, history };
      } catch (e) {
        await collect.catch(() => undefined);
        if (e instanceof ExecutionAbortedError) return { executionArn, status: 'ABORTED', history };
        if (e instanceof ExecutionTimeoutError) return { executionArn, status: 'TIMED_OUT', history };
        if (e instanceof ExecutionError) {
          const failed = [...history].reverse().find((h) => h.type === 'ExecutionFailed');
          return { executionArn, status: 'FAILED', error: failed?.error ?? e.name, cause: failed?.cause ?? e.message, history };
        }
        throw e;
      }
    })();
    const execution: LocalExecution = { executionArn, name: execName, result, abort: () => run.abort() };
    // Before any event of the run reaches a listener (they arrive asynchronously).
    for (const l of this.startListeners) l(execution, input);
    return execution;
  }

  /**
   * What the `arn:aws:states:::lambda:invoke` integration does: look up the function, invoke its
   * handler with a JSON copy of the payload, and return `{ Payload, StatusCode }`. A thrown error
   * becomes Lambda's error envelope (Error = the error's name, Cause = JSON with errorType,
   * errorMessage, trace), exactly what a Catch receives in AWS.
   */
  private async invoke(state: string, request: unknown): Promise<unknown> {
    const { FunctionName, Payload } = request as { FunctionName: string; Payload: unknown };
    const fn = this.synthesized.functionsByArn.get(FunctionName);
    if (!fn) throw new Error(`State ${state} invokes ${FunctionName}, which is not a function of the template`);
    if (fn.step !== state) throw new Error(`State ${state} invokes the function of step ${fn.step}: wiring error in the definition`);
    const handler = this.handlers.get(fn.step);
    if (!handler) throw new Error(`No handler loaded for ${fn.step}`);
    const context = lambdaContext(fn.logicalId, fn.arn);
    const executionName = ((Payload as { executionArn?: string } | null)?.executionArn ?? '').split(':').pop() ?? '';
    const running = invocationContext.run({ step: state, executionName, principalArn: fn.principalArn }, () =>
      handler(JSON.parse(JSON.stringify(Payload ?? null)), context),
    );
    this.inflight.add(running);
    void running.then(
      () => this.inflight.delete(running),
      () => this.inflight.delete(running),
    );
    try {
      const out = await running;
      return { Payload: out === undefined ? null : JSON.parse(JSON.stringify(out)), StatusCode: 200, ExecutedVersion: '$LATEST' };
    } catch (e) {
      throw lambdaError(e);
    }
  }
}

/**
 * Puts the app's stacks into the world as CloudFormation would: each stack with an environment into
 * its account and region, an environment-agnostic one (the member-access role, deployed with a
 * StackSet) into every member account of the organization.
 */
export function deployOnboarding(world: RunnerWorld, synthesized: SynthesizedOnboarding): void {
  for (const s of synthesized.stacks) deploySynthesizedStack(world, synthesized, s.stackName);
}

/**
 * Deploys one stack of the app (again: a stack update), optionally with its template changed first;
 * the status table keeps the runner's name.
 */
export function deploySynthesizedStack(
  world: RunnerWorld,
  synthesized: SynthesizedOnboarding,
  stackName: string,
  change?: (template: Record<string, unknown>) => void,
): void {
  const stack = synthesized.stacks.find((x) => x.stackName === stackName);
  if (!stack) throw new Error(`The app has no stack ${stackName}`);
  const template = JSON.parse(JSON.stringify(stack.template)) as Record<string, unknown>;
  change?.(template);
  const tableIds = Object.entries(template.Resources as Record<string, { Type: string }>)
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
    .map(([id]) => id);
  const region = synthesized.stateMachineArn.split(':')[3];
  const targets = stack.accountId ? [{ accountId: stack.accountId, region: stack.region ?? region }] : world.organizationMemberAccounts().map((accountId) => ({ accountId, region }));
  for (const t of targets) {
    world.deployStack({
      stackName,
      template: template as never,
      accountId: t.accountId,
      region: t.region,
      ...(tableIds.length ? { physicalNames: Object.fromEntries(tableIds.map((id) => [id, synthesized.tableName])) } : {}),
    });
  }
}

/**
 * The status table's definition in the Orchestrator template (its one AWS::DynamoDB::Table): key schema,
 * attribute definitions and global secondary indexes, as CreateTable takes them.
 */
export function statusTableOf(synthesized: SynthesizedOnboarding): Pick<CreateTableCommandInput, 'KeySchema' | 'AttributeDefinitions' | 'GlobalSecondaryIndexes'> {
  for (const stack of synthesized.stacks) {
    const resources = (stack.template as { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> }).Resources ?? {};
    const table = Object.values(resources).find((r) => r.Type === 'AWS::DynamoDB::Table');
    if (!table?.Properties) continue;
    const p = table.Properties as Pick<CreateTableCommandInput, 'KeySchema' | 'AttributeDefinitions' | 'GlobalSecondaryIndexes'>;
    return {
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      ...(p.GlobalSecondaryIndexes?.length
        ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection })) }
        : {}),
    };
  }
  throw new Error('The synthesized app has no AWS::DynamoDB::Table (the status table)');
}

/** Lambda's error envelope for an error thrown by a Node.js handler. */
export function lambdaError(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const envelope = new Error(
    JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') }),
  );
  envelope.name = err.name;
  return envelope;
}

let requestSeq = 0;
function lambdaContext(functionName: string, functionArn: string) {
  const requestId = `local-${++requestSeq}`;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 120_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
