/**
 * Simulated Amazon EventBridge: event buses per account and region (`default` always exists),
 * bus policies, rules with event patterns, targets, PutEvents, and the delivery of events to
 * targets: an event bus (in this or another account), a Lambda function (through a hook the local
 * runner registers: `onLambdaTarget`), anything else only recorded (`invocations()`).
 *
 * Buses and policies. "The default event bus in your AWS account only allows events from one
 * account"; a resource-based policy grants other accounts or an organization `events:PutEvents`
 * (PutPermission with Action/Principal/Condition adds a statement; with `Policy` it sets the whole
 * document, which is what CloudFormation does for `AWS::Events::EventBus.Policy`; at most 10 KB).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutPermission.html
 *
 * Delivery to another bus. With the target's `RoleArn`, EventBridge assumes the role (its trust
 * policy must admit `events.amazonaws.com`, with `aws:SourceAccount`/`aws:SourceArn` of the rule) and
 * puts the event with the role's session: the role's policies and, across accounts, the target bus's
 * policy must both allow `events:PutEvents` (IAM evaluation as `world.authorize` does it). Without a
 * role the sending account itself is evaluated against the bus policy; an organization grant
 * (`aws:PrincipalOrgID`) then admits nothing: "If you grant permissions using an organization, then
 * accounts in that organization must specify a RoleArn with proper permissions when they use
 * PutTarget to add your account's event bus as a target." An event that came from another bus is not
 * sent on to a third one ("EventBridge can't route events received from a sender event bus to a third
 * event bus"). The forwarded event is the same event (id, account, source): the receiving bus's rules
 * match it as usual.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-bus-to-bus.html
 *
 * Failures. A delivery that fails is not retried (permission and missing-resource errors are not
 * retried by EventBridge either) and nobody is told: EventBridge reports it only as the rule's
 * `FailedInvocations` metric and, with a DeadLetterConfig, as a message in that SQS queue with
 * `ERROR_CODE` (FAILED_TO_ASSUME_ROLE, NO_PERMISSIONS, CROSS_ACCOUNT_INGESTION_FAILED, NO_RESOURCE,
 * THIRD_ACCOUNT_HOP_DETECTED, ERROR_FROM_TARGET, ...). The simulation keeps them in
 * `failedDeliveries()`.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 *
 * Events from AWS services ("AWS API Call via CloudTrail", api-call-events.ts) arrive on the default
 * bus of their account and region, best effort: `dropNext(n)` loses the next ones. Deliveries run
 * asynchronously after the request that caused them; `drain()` waits for all of them.
 *
 * Not simulated: scheduled rules (ScheduleExpression is stored, never fires), archives, replays, API
 * destinations, retries, Lambda's own resource policy (the hook decides), the target service of any
 * target other than a bus or a Lambda function, and a bus policy granting rule management
 * (PutRule/PutTargets on another account's bus are denied as cross-account requests without a grant).
 */
import { randomUUID } from 'node:crypto';
import type * as eb from '@aws-sdk/client-eventbridge';
import { apiCallEvent, API_CALL_SOURCES, eventRegion, isManagementEvent, isRecordedWrite, trailRecords, type RecordingScope, type SimEvent } from './api-call-events';
import { awsError, type SimService } from './errors';
import { InvalidEventPatternError, matchesEventPattern, parseEventPattern, type EventPattern } from './event-patterns';
import { invalidTargetInput, renderTargetInput } from './event-input';
import { parseCallerArn, parseRoleArn, rootArn, sessionArn, type Principal } from './identity';
import { evaluate, type EvaluationResult } from './policy-eval';
import { parsePolicy, readPolicy, structuralProblem, utf8Bytes } from './policy-doc';
import type { OperationHandler, SimCall, SimServiceImpl } from './service';
import type { SimWorld } from './world';

export type { SimEvent } from './api-call-events';

/** The bus every account has in every region. */
export const DEFAULT_BUS = 'default';
/** Quotas: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html */
export const MAX_TARGETS_PER_RULE = 5;
export const MAX_RULES_PER_BUS = 300;
export const MAX_CUSTOM_BUSES = 100;
export const MAX_PUT_EVENTS_ENTRIES = 10;
/** "The permission policy on the event bus cannot exceed 10 KB in size" (PutPermission). */
export const MAX_BUS_POLICY_BYTES = 10240;
/** PutEvents: "The maximum size for a PutEvents event entry is 256 KB" (the request in total). */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const STATEMENT_ID = /^[a-zA-Z0-9-_]{1,64}$/;
const BUS_ARN = /^arn:[a-z-]+:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;
const RULE_STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'];
const EVENTS_PRINCIPAL = 'events.amazonaws.com';

/** An event bus. */
export interface SimEventBus {
  readonly name: string;
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
  /** Resource-based policy text, as PutPermission left it. */
  policy?: string;
  description?: string;
  tags: eb.Tag[];
  readonly creationTime: Date;
  lastModifiedTime: Date;
}

/** A rule and its targets. */
export interface SimRule {
  readonly name: string;
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
  readonly eventBusName: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: string;
  description?: string;
  roleArn?: string;
  tags: eb.Tag[];
  /** Targets as PutTargets took them (copies), in insertion order. */
  targets: eb.Target[];
  /** The account that created the rule. */
  readonly createdBy: string;
}

/** What a Lambda-target hook is told besides the function and its input. */
export interface LambdaTargetContext {
  readonly ruleArn: string;
  readonly ruleName: string;
  readonly targetId: string;
  readonly eventBusArn: string;
  /** The event that matched (before Input, InputPath or InputTransformer). */
  readonly event: SimEvent;
}

/**
 * Invokes a "Lambda function" target: EventBridge invokes it asynchronously with `input` (the event,
 * or the target's transformed input). A rejection is a failed invocation (ERROR_FROM_TARGET).
 */
export type LambdaTargetHandler = (functionArn: string, input: unknown, context: LambdaTargetContext) => Promise<void>;

/** One target invocation, whatever its outcome. */
export interface TargetInvocation {
  readonly time: Date;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  readonly eventId: string;
  /** What the target received (or would have). */
  readonly input: unknown;
  /** `unhandled`: a Lambda target while no hook is registered, or a target service not simulated. */
  readonly outcome: 'delivered' | 'failed' | 'unhandled';
}

/** A delivery that failed permanently: what the FailedInvocations metric counts and a DLQ would hold. */
export interface FailedDelivery {
  readonly time: Date;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  readonly event: SimEvent;
  /** The DLQ message's ERROR_CODE attribute. */
  readonly errorCode: string;
  readonly errorMessage: string;
  /** The target's dead-letter queue, when it has one (the event would be sent there). */
  readonly deadLetterQueueArn?: string;
}

/** An event that reached a bus. */
export interface ReceivedEvent {
  readonly time: Date;
  readonly eventBusArn: string;
  readonly event: SimEvent;
  /** The bus it was forwarded from, if any. */
  readonly fromEventBusArn?: string;
}

/** Which AWS service events `dropNext` loses (every field given must match). */
export interface DropFilter {
  readonly source?: string;
  readonly detailType?: string;
  /** `detail.eventName` of an API-call event. */
  readonly eventName?: string;
  readonly accountId?: string;
  readonly region?: string;
}

/** EventBridge's persisted state (local/sim/persistence.ts): dates as ISO strings. */
export interface PersistedEvents {
  readonly buses: (Omit<SimEventBus, 'creationTime' | 'lastModifiedTime'> & { readonly creationTime: string; readonly lastModifiedTime: string })[];
  readonly rules: SimRule[];
  /** `dropNext` switches not spent yet. */
  readonly drops: { readonly remaining: number; readonly filter?: DropFilter }[];
}

/** A write call about to run, whose event is decided once it has succeeded. */
export interface PendingApiCall {
  /** Emits the call's event if a trail recorded it (before or after the call); returns it and what became of it. */
  recorded(output: unknown, requestId: string): { event: SimEvent; outcome: 'received' | 'dropped' } | undefined;
}

interface Routed {
  readonly event: SimEvent;
  /** The bus the event came from, when another bus forwarded it. */
  readonly fromBusArn?: string;
}

/** EventBridge of the world. */
export class EventsSim implements SimServiceImpl {
  private readonly buses = new Map<string, SimEventBus>();
  private readonly rules = new Map<string, SimRule>();
  private readonly patterns = new Map<string, EventPattern>();
  private readonly lambdaHandlers: LambdaTargetHandler[] = [];
  private drops: { remaining: number; filter?: DropFilter }[] = [];
  private readonly droppedEvents: SimEvent[] = [];
  private readonly failures: FailedDelivery[] = [];
  private readonly invocationLog: TargetInvocation[] = [];
  private readonly receivedLog: ReceivedEvent[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly errors: unknown[] = [];

  constructor(private readonly world: SimWorld) {}

  // ---------------------------------------------------------------- hooks, switches, logs

  /**
   * Registers a handler for Lambda-function targets; returns its unregistration. Every registered
   * handler is called for every invocation (the local runner runs the function; a test may listen).
   */
  onLambdaTarget(handler: LambdaTargetHandler): () => void {
    this.lambdaHandlers.push(handler);
    return () => {
      const i = this.lambdaHandlers.indexOf(handler);
      if (i >= 0) this.lambdaHandlers.splice(i, 1);
    };
  }

  /**
   * Loses the next `n` events AWS services send (API-call events; those of PutEvents callers are
   * never lost), optionally only those matching `filter`: delivery from AWS services is best effort.
   */
  dropNext(n: number, filter?: DropFilter): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`dropNext(${n}): give a positive number of events`);
    this.drops.push({ remaining: n, ...(filter ? { filter: { ...filter } } : {}) });
  }

  /** Ends every `dropNext` still pending: events arrive again. */
  stopDropping(): void {
    this.drops = [];
  }

  /** Events lost by `dropNext`, oldest first. */
  dropped(): SimEvent[] {
    return [...this.droppedEvents];
  }

  /** Deliveries that failed (FailedInvocations), oldest first. */
  failedDeliveries(): FailedDelivery[] {
    return [...this.failures];
  }

  /** Every target invocation, oldest first. */
  invocations(): TargetInvocation[] {
    return [...this.invocationLog];
  }

  /** Events that reached a bus (`eventBusArn`: only that bus), oldest first. */
  received(eventBusArn?: string): ReceivedEvent[] {
    return this.receivedLog.filter((r) => eventBusArn === undefined || r.eventBusArn === eventBusArn);
  }

  /** Empties the logs (dropped, failed, invocations, received); state and switches stay. */
  resetLogs(): void {
    for (const log of [this.droppedEvents, this.failures, this.invocationLog, this.receivedLog] as unknown[][]) log.length = 0;
  }

  /** Waits until every delivery started so far (and those they started) has finished. */
  /** Whether a delivery is still under way. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    const [first] = this.errors.splice(0);
    if (first !== undefined) throw first;
  }

  // ---------------------------------------------------------------- buses and rules (also for seeding)

  /** `arn:<p>:events:<region>:<account>:event-bus/<name>`. */
  busArn(accountId: string, region: string, name: string = DEFAULT_BUS): string {
    return `arn:${this.world.partition}:events:${region}:${accountId}:event-bus/${name}`;
  }

  /** `arn:<p>:events:<region>:<account>:rule/[<bus>/]<name>` (the bus only when it is not the default one). */
  ruleArn(accountId: string, region: string, busName: string, name: string): string {
    return `arn:${this.world.partition}:events:${region}:${accountId}:rule/${busName === DEFAULT_BUS ? '' : `${busName}/`}${name}`;
  }

  /** The bus with this ARN; a default bus exists in every account of the world and every region. */
  getEventBus(arn: string): SimEventBus | undefined {
    const existing = this.buses.get(arn);
    if (existing) return existing;
    const m = BUS_ARN.exec(arn);
    if (!m || m[3] !== DEFAULT_BUS || !this.world.accounts.has(m[2])) return undefined;
    const now = this.world.now();
    const bus: SimEventBus = { name: DEFAULT_BUS, arn, accountId: m[2], region: m[1], tags: [], creationTime: now, lastModifiedTime: now };
    this.buses.set(arn, bus);
    return bus;
  }

  /** Creates a custom bus (what CreateEventBus and a deployed `AWS::Events::EventBus` do). */
  createEventBus(accountId: string, region: string, name: string, options: { policy?: string | object; description?: string; tags?: eb.Tag[] } = {}): SimEventBus {
    if (name === DEFAULT_BUS || !BUS_NAME.test(name)) awsError('ValidationException', `Event bus name ${name} is not valid.`);
    if (name.startsWith('aws.')) awsError('ValidationException', 'Event bus names starting with aws. are reserved for partner event sources.');
    const arn = this.busArn(accountId, region, name);
    if (this.buses.has(arn)) awsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const custom = [...this.buses.values()].filter((b) => b.accountId === accountId && b.region === region && b.name !== DEFAULT_BUS);
    if (custom.length >= MAX_CUSTOM_BUSES) awsError('LimitExceededException', `The requested resource exceeds the maximum number allowed (${MAX_CUSTOM_BUSES} event buses).`);
    const now = this.world.now();
    const bus: SimEventBus = { name, arn, accountId, region, tags: (options.tags ?? []).map((t) => ({ ...t })), creationTime: now, lastModifiedTime: now };
    if (options.description !== undefined) bus.description = options.description;
    this.buses.set(arn, bus);
    if (options.policy !== undefined) this.setBusPolicy(bus, typeof options.policy === 'string' ? options.policy : JSON.stringify(options.policy));
    return bus;
  }

  /** Sets (or, with undefined, removes) a bus's whole policy, checked as PutPermission checks it. */
  setBusPolicy(bus: SimEventBus, policy: string | undefined): void {
    if (policy === undefined) {
      delete bus.policy;
    } else {
      const doc = parsePolicy(policy);
      if (!doc) awsError('ValidationException', 'The policy is not valid JSON.');
      const problem = structuralProblem(doc, 'bucket');
      if (problem) awsError('ValidationException', `The policy is not valid: ${problem}`);
      if (utf8Bytes(policy) > MAX_BUS_POLICY_BYTES) awsError('PolicyLengthExceededException', `The event bus policy exceeds the maximum allowed size of ${MAX_BUS_POLICY_BYTES} bytes.`);
      bus.policy = policy;
    }
    bus.lastModifiedTime = this.world.now();
  }

  /** Creates or updates a rule (PutRule's semantics); returns it. */
  putRule(accountId: string, region: string, input: eb.PutRuleCommandInput, createdBy: string = accountId): SimRule {
    const name = String(input.Name ?? '');
    if (!NAME.test(name)) awsError('ValidationException', `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`);
    const bus = this.requireBus(input.EventBusName, accountId, region);
    if (input.EventPattern === undefined && input.ScheduleExpression === undefined) awsError('ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
    if (input.ScheduleExpression !== undefined && bus.name !== DEFAULT_BUS) awsError('ValidationException', 'ScheduleExpression is supported only on the default event bus.');
    if (input.State !== undefined && !RULE_STATES.includes(input.State)) awsError('ValidationException', `State ${input.State} is not valid: one of ${RULE_STATES.join(', ')}.`);
    let pattern: EventPattern | undefined;
    if (input.EventPattern !== undefined) {
      try {
        pattern = parseEventPattern(input.EventPattern);
      } catch (e) {
        if (e instanceof InvalidEventPatternError) awsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${e.message}`);
        throw e;
      }
    }
    const arn = this.ruleArn(bus.accountId, bus.region, bus.name, name);
    const existing = this.rules.get(arn);
    if (!existing && this.rulesOn(bus.arn).length >= MAX_RULES_PER_BUS) awsError('LimitExceededException', `The requested resource exceeds the maximum number allowed (${MAX_RULES_PER_BUS} rules per event bus).`);
    // An update replaces the rule's settings; its targets stay, and "any tags you specify ... are ignored".
    const rule: SimRule = {
      name,
      arn,
      accountId: bus.accountId,
      region: bus.region,
      eventBusName: bus.name,
      state: input.State ?? 'ENABLED',
      tags: existing ? existing.tags : (input.Tags ?? []).map((t) => ({ ...t })),
      targets: existing ? existing.targets : [],
      createdBy: existing?.createdBy ?? createdBy,
      ...(input.EventPattern !== undefined ? { eventPattern: input.EventPattern } : {}),
      ...(input.ScheduleExpression !== undefined ? { scheduleExpression: input.ScheduleExpression } : {}),
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      ...(input.RoleArn !== undefined ? { roleArn: input.RoleArn } : {}),
    };
    this.rules.set(arn, rule);
    if (pattern) this.patterns.set(arn, pattern);
    else this.patterns.delete(arn);
    return rule;
  }

  /** Adds or replaces targets of a rule (PutTargets' semantics). */
  putTargets(rule: SimRule, targets: readonly eb.Target[]): void {
    if (targets.length < 1 || targets.length > 10) awsError('ValidationException', `1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10.`);
    for (const t of targets) {
      const id = String(t.Id ?? '');
      if (!NAME.test(id)) awsError('ValidationException', `1 validation error detected: Value '${id}' at 'targets.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`);
      if (!t.Arn) awsError('ValidationException', `Target ${id}: Arn is required.`);
      const inputProblem = invalidTargetInput(t);
      if (inputProblem) awsError('ValidationException', `Target ${id}: ${inputProblem}`);
    }
    const merged = new Map(rule.targets.map((t) => [t.Id, t] as const));
    for (const t of targets) merged.set(t.Id, structuredClone(t));
    if (merged.size > MAX_TARGETS_PER_RULE) awsError('LimitExceededException', `The requested resource exceeds the maximum number allowed (${MAX_TARGETS_PER_RULE} targets per rule).`);
    rule.targets = [...merged.values()];
  }

  /** The rule with this ARN. */
  getRule(arn: string): SimRule | undefined {
    return this.rules.get(arn);
  }

  /** Every bus that exists explicitly (custom ones, and default ones that were used), by ARN. */
  listBuses(): SimEventBus[] {
    return [...this.buses.values()].sort((a, b) => a.arn.localeCompare(b.arn));
  }

  /** Every rule, by ARN. */
  listRules(): SimRule[] {
    return [...this.rules.values()].sort((a, b) => a.arn.localeCompare(b.arn));
  }

  /** The rules of a bus, by ARN (filtered before sorting: every event is matched against them). */
  private rulesOn(busArn: string): SimRule[] {
    const bus = this.buses.get(busArn);
    if (!bus) return [];
    return [...this.rules.values()].filter((r) => r.accountId === bus.accountId && r.region === bus.region && r.eventBusName === bus.name).sort((a, b) => a.arn.localeCompare(b.arn));
  }

  // ---------------------------------------------------------------- events from AWS services

  /**
   * Called by the world before a request runs: for a write call of a service CloudTrail records
   * here, notes whether a trail records it now, and returns the function that emits its "AWS API
   * Call via CloudTrail" event once the call has succeeded (when a trail recorded it before or after
   * the call: StopLogging and DeleteTrail are recorded by the trail they stop, StartLogging by the
   * trail it starts). Undefined when the call produces no such event.
   */
  beforeApiCall(service: SimService, call: SimCall, accessKeyId: string): PendingApiCall | undefined {
    const names = API_CALL_SOURCES[service];
    if (!names || !isRecordedWrite(service, call.operation) || !isManagementEvent(service, call.operation)) return undefined;
    const orgId = this.world.orgIdOf(call.accountId);
    const scope: RecordingScope = {
      accountId: call.accountId,
      region: eventRegion(service, call.region),
      eventSource: names.eventSource,
      global: names.global,
      ...(orgId && this.world.organization ? { organization: this.world.organization } : {}),
    };
    const recording = () => this.world.cloudtrail.anyTrail((t) => trailRecords(t, scope));
    const before = recording();
    const time = this.world.now();
    return {
      recorded: (output, requestId) => {
        if (!before && !recording()) return undefined;
        const event = apiCallEvent(
          {
            service,
            operation: call.operation,
            input: call.input,
            output,
            caller: this.callerIdentity(call.caller, accessKeyId),
            accountId: call.accountId,
            callRegion: call.region,
            requestId,
            time,
            resources: this.resourcesOf(service, call, output),
          },
          { id: randomUUID(), eventID: randomUUID() },
        );
        return { event, outcome: this.emitAwsEvent(event) };
      },
    };
  }

  /**
   * An event from an AWS service, onto the default bus of its account and region (best effort: a
   * `dropNext` switch may lose it). Returns what happened to it.
   */
  emitAwsEvent(event: SimEvent): 'received' | 'dropped' {
    const drop = this.drops.find((d) => d.remaining > 0 && dropMatches(d.filter, event));
    if (drop) {
      drop.remaining -= 1;
      this.drops = this.drops.filter((d) => d.remaining > 0);
      this.droppedEvents.push(event);
      return 'dropped';
    }
    const bus = this.getEventBus(this.busArn(event.account, event.region));
    if (!bus) return 'dropped';
    this.route(bus, { event });
    return 'received';
  }

  private callerIdentity(caller: Principal, accessKeyId: string) {
    const role = caller.kind === 'assumed-role' && caller.roleName ? this.world.iam.getRole(caller.accountId, caller.roleName) : undefined;
    return {
      principal: caller,
      principalId: this.world.userIdOf(caller),
      accessKeyId,
      ...(caller.kind === 'assumed-role'
        ? { sessionIssuer: { principalId: role?.roleId ?? '', arn: role?.arn ?? `arn:${this.world.partition}:iam::${caller.accountId}:role/${caller.roleName ?? ''}`, userName: caller.roleName ?? '' } }
        : {}),
    };
  }

  /** The KMS key a KMS call acted on, as CloudTrail lists it under `resources`. */
  private resourcesOf(service: SimService, call: SimCall, output: unknown): { ARN: string; accountId: string; type: string }[] | undefined {
    if (service !== 'kms') return undefined;
    const keyId = call.input.KeyId ?? (output as { KeyMetadata?: { Arn?: string } } | undefined)?.KeyMetadata?.Arn;
    const key = typeof keyId === 'string' ? this.world.kms.resolve(keyId, call.accountId, call.region) : undefined;
    return key ? [{ accountId: key.accountId, type: 'AWS::KMS::Key', ARN: key.arn }] : undefined;
  }

  // ---------------------------------------------------------------- routing and delivery

  /** Puts an event on a bus: every enabled rule whose pattern matches it invokes its targets. */
  private route(bus: SimEventBus, routed: Routed): void {
    this.receivedLog.push({ time: this.world.now(), eventBusArn: bus.arn, event: routed.event, ...(routed.fromBusArn ? { fromEventBusArn: routed.fromBusArn } : {}) });
    for (const rule of this.rulesOn(bus.arn)) {
      if (rule.state === 'DISABLED') continue;
      const pattern = this.patterns.get(rule.arn);
      if (!pattern || !matchesEventPattern(pattern, routed.event)) continue;
      for (const target of rule.targets) this.schedule(() => this.deliver(rule, target, routed));
    }
  }

  /** Runs a delivery after the current request (EventBridge invokes targets asynchronously). */
  private schedule(delivery: () => Promise<void>): void {
    const p: Promise<void> = Promise.resolve()
      .then(delivery)
      // A bug of the simulation, not an AWS behaviour: `drain()` rethrows it.
      .catch((e: unknown) => {
        this.errors.push(e);
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private async deliver(rule: SimRule, target: eb.Target, routed: Routed): Promise<void> {
    const targetArn = String(target.Arn);
    const event = routed.event;
    const service = targetArn.split(':')[2];
    const input = service === 'events' ? event : renderTargetInput(target, event as unknown as Record<string, unknown>, { ruleName: rule.name, ruleArn: rule.arn, ingestionTime: this.world.now() });
    const log = (outcome: TargetInvocation['outcome']): void => {
      this.invocationLog.push({ time: this.world.now(), ruleArn: rule.arn, targetId: String(target.Id), targetArn, eventId: event.id, input, outcome });
    };
    const fail = (errorCode: string, errorMessage: string): void => {
      log('failed');
      this.failures.push({
        time: this.world.now(),
        ruleArn: rule.arn,
        targetId: String(target.Id),
        targetArn,
        event,
        errorCode,
        errorMessage,
        ...(target.DeadLetterConfig?.Arn ? { deadLetterQueueArn: target.DeadLetterConfig.Arn } : {}),
      });
    };
    if (service === 'events') {
      const problem = await this.busDeliveryProblem(rule, target, routed);
      if (problem) return fail(problem[0], problem[1]);
      log('delivered');
      this.route(this.getEventBus(targetArn) as SimEventBus, { event, fromBusArn: this.busArn(rule.accountId, rule.region, rule.eventBusName) });
      return;
    }
    if (service === 'lambda') {
      if (this.lambdaHandlers.length === 0) return log('unhandled');
      const context: LambdaTargetContext = { ruleArn: rule.arn, ruleName: rule.name, targetId: String(target.Id), eventBusArn: this.busArn(rule.accountId, rule.region, rule.eventBusName), event };
      try {
        for (const handler of [...this.lambdaHandlers]) await handler(targetArn, structuredClone(input), context);
      } catch (e) {
        return fail('ERROR_FROM_TARGET', (e as Error).message ?? String(e));
      }
      return log('delivered');
    }
    log('unhandled');
  }

  /** Why EventBridge could not put the event on the target bus, as [ERROR_CODE, message]; undefined when it can. */
  private async busDeliveryProblem(rule: SimRule, target: eb.Target, routed: Routed): Promise<[string, string] | undefined> {
    const targetArn = String(target.Arn);
    const bus = this.getEventBus(targetArn);
    const m = BUS_ARN.exec(targetArn);
    if (!bus || !m) return ['NO_RESOURCE', `Event bus ${targetArn} does not exist.`];
    if (routed.fromBusArn) {
      return [bus.region === rule.region ? 'THIRD_ACCOUNT_HOP_DETECTED' : 'THIRD_REGION_HOP_DETECTED', `The event came from ${routed.fromBusArn}: EventBridge does not route it to a third event bus.`];
    }
    const policy = readPolicy(bus.policy);
    const context = { 'events:source': routed.event.source, 'events:detail-type': routed.event['detail-type'] };
    const roleArnText = target.RoleArn;
    if (roleArnText) {
      const session = await this.assumeRoleForRule(rule, roleArnText);
      if (!session) return ['FAILED_TO_ASSUME_ROLE', `EventBridge could not assume ${roleArnText} for ${rule.arn}.`];
      const result = await this.world.authorize(session, 'events:PutEvents', { arn: bus.arn, accountId: bus.accountId, ...(policy ? { policy } : {}) }, context);
      if (result.allowed) return undefined;
      // The role's own policies alone (evaluated as if the bus were its own) tell which side denied.
      const identityOnly = await this.world.authorize(session, 'events:PutEvents', { arn: bus.arn, accountId: session.accountId }, context);
      return identityOnly.allowed && bus.accountId !== session.accountId
        ? ['CROSS_ACCOUNT_INGESTION_FAILED', denial(session.arn, bus.arn, result, 'the event bus policy')]
        : ['NO_PERMISSIONS', denial(session.arn, bus.arn, result, 'the role policies')];
    }
    if (bus.accountId === rule.accountId) return undefined;
    // No role: the sending account is the principal; an organization grant needs a role (see the file comment).
    const account = rule.accountId;
    const result = await evaluate({
      principal: rootArn(this.world.partition, account),
      action: 'events:PutEvents',
      resourceArn: bus.arn,
      resourceAccount: bus.accountId,
      context: { ...context, 'aws:PrincipalAccount': account, 'aws:PrincipalArn': rootArn(this.world.partition, account), 'aws:SecureTransport': 'true' },
      identityPolicies: [{ name: 'SendingAccount', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
      resourcePolicy: policy,
    });
    return result.allowed ? undefined : ['CROSS_ACCOUNT_INGESTION_FAILED', denial(rootArn(this.world.partition, account), bus.arn, result, 'the event bus policy')];
  }

  /** EventBridge's session of a target's role, when the role exists and its trust policy admits EventBridge for this rule. */
  private async assumeRoleForRule(rule: SimRule, roleArnText: string): Promise<Principal | undefined> {
    const parts = parseRoleArn(roleArnText);
    const role = parts ? this.world.iam.getRole(parts.accountId, parts.name) : undefined;
    const trust = role ? readPolicy(role.trustPolicy) : undefined;
    if (!role || !trust || this.world.accounts.get(role.accountId)?.state !== 'ACTIVE') return undefined;
    const decision = await evaluate({
      principal: EVENTS_PRINCIPAL,
      action: 'sts:AssumeRole',
      resourceArn: role.arn,
      resourceAccount: role.accountId,
      context: { 'aws:SourceAccount': rule.accountId, 'aws:SourceArn': rule.arn, 'aws:SecureTransport': 'true' },
      resourcePolicy: trust,
    });
    if (!decision.allowed) return undefined;
    return parseCallerArn(sessionArn(this.world.partition, role.accountId, role.name, 'AWSEventBridge'));
  }

  // ---------------------------------------------------------------- requests

  targetAccount(operation: string, input: Record<string, unknown>, caller: Principal): string {
    if (operation === 'PutEvents') return caller.accountId;
    const named = input.EventBusName ?? (['CreateEventBus', 'DeleteEventBus', 'DescribeEventBus'].includes(operation) ? input.Name : undefined);
    const m = BUS_ARN.exec(String(named ?? ''));
    return m ? m[2] : caller.accountId;
  }

  /** A bus named by name (in the caller's account and region) or ARN; ResourceNotFoundException when absent. */
  private requireBus(nameOrArn: unknown, accountId: string, region: string): SimEventBus {
    const id = nameOrArn === undefined || nameOrArn === '' ? DEFAULT_BUS : String(nameOrArn);
    const arn = BUS_ARN.test(id) ? id : this.busArn(accountId, region, id);
    const bus = this.getEventBus(arn);
    if (!bus) awsError('ResourceNotFoundException', `Event bus ${BUS_ARN.exec(arn)?.[3] ?? id} does not exist.`);
    return bus;
  }

  private requireRule(name: unknown, busNameOrArn: unknown, accountId: string, region: string): SimRule {
    const bus = this.requireBus(busNameOrArn, accountId, region);
    const rule = this.rules.get(this.ruleArn(bus.accountId, bus.region, bus.name, String(name)));
    if (!rule) awsError('ResourceNotFoundException', `Rule ${String(name)} does not exist on EventBus ${bus.name}.`);
    return rule;
  }

  private ruleOutput(rule: SimRule): eb.Rule & { CreatedBy?: string } {
    return {
      Name: rule.name,
      Arn: rule.arn,
      ...(rule.eventPattern !== undefined ? { EventPattern: rule.eventPattern } : {}),
      ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
      State: rule.state as eb.RuleState,
      ...(rule.description !== undefined ? { Description: rule.description } : {}),
      ...(rule.roleArn !== undefined ? { RoleArn: rule.roleArn } : {}),
      EventBusName: rule.eventBusName,
    };
  }

  private busOutput(bus: SimEventBus): eb.EventBus {
    return {
      Name: bus.name,
      Arn: bus.arn,
      ...(bus.description !== undefined ? { Description: bus.description } : {}),
      ...(bus.policy !== undefined ? { Policy: bus.policy } : {}),
      CreationTime: bus.creationTime,
      LastModifiedTime: bus.lastModifiedTime,
    };
  }

  /** A page of `items` (NextToken: the index of the next item). */
  private page<T>(items: T[], limit: number | undefined, token: string | undefined): { items: T[]; next?: string } {
    if (limit !== undefined && (limit < 1 || limit > 100)) awsError('ValidationException', `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100.`);
    const start = token === undefined ? 0 : Number(token);
    if (!Number.isInteger(start) || start < 0 || start > items.length) awsError('ValidationException', 'The NextToken is not valid.');
    const end = start + (limit ?? 100);
    return { items: items.slice(start, end), ...(end < items.length ? { next: String(end) } : {}) };
  }

  /** The resource (rule or bus) a tagging call names. */
  private taggable(arn: string): { tags: eb.Tag[] } {
    const resource = this.rules.get(arn) ?? this.getEventBus(arn);
    if (!resource) awsError('ResourceNotFoundException', `Resource ${arn} does not exist.`);
    return resource;
  }

  readonly operations = {
    CreateEventBus: ({ accountId, region, input }) => {
      if (input.EventSourceName !== undefined) awsError('ValidationException', 'Partner event sources are not simulated.');
      const bus = this.createEventBus(accountId, region, String(input.Name ?? ''), {
        ...(input.Description !== undefined ? { description: input.Description } : {}),
        ...(input.Tags ? { tags: input.Tags } : {}),
      });
      return { EventBusArn: bus.arn, ...(bus.description !== undefined ? { Description: bus.description } : {}) };
    },
    DeleteEventBus: ({ accountId, region, input }) => {
      const id = String(input.Name ?? '');
      const arn = BUS_ARN.test(id) ? id : this.busArn(accountId, region, id);
      if ((BUS_ARN.exec(arn)?.[3] ?? id) === DEFAULT_BUS) awsError('ValidationException', 'Cannot delete event bus default.');
      // Deleting a bus that does not exist succeeds; its rules go with it.
      for (const rule of this.rulesOn(arn)) {
        this.rules.delete(rule.arn);
        this.patterns.delete(rule.arn);
      }
      this.buses.delete(arn);
      return {};
    },
    DescribeEventBus: ({ accountId, region, input }) => this.busOutput(this.requireBus(input.Name, accountId, region)),
    ListEventBuses: ({ accountId, region, input }) => {
      this.getEventBus(this.busArn(accountId, region));
      const all = this.listBuses().filter((b) => b.accountId === accountId && b.region === region && (input.NamePrefix === undefined || b.name.startsWith(input.NamePrefix)));
      const { items, next } = this.page(all, input.Limit, input.NextToken);
      return { EventBuses: items.map((b) => this.busOutput(b)), ...(next ? { NextToken: next } : {}) };
    },
    PutPermission: ({ accountId, region, input }) => {
      const bus = this.requireBus(input.EventBusName, accountId, region);
      if (input.Policy !== undefined) {
        if (input.Action !== undefined || input.Principal !== undefined || input.StatementId !== undefined || input.Condition !== undefined) {
          awsError('ValidationException', 'Policy cannot be specified together with Action, Principal, StatementId or Condition.');
        }
        this.setBusPolicy(bus, input.Policy);
        return {};
      }
      if (input.Action !== 'events:PutEvents') awsError('ValidationException', `Provided value in parameter 'action' is not supported: ${String(input.Action)}.`);
      const principal = String(input.Principal ?? '');
      if (principal !== '*' && !/^\d{12}$/.test(principal)) awsError('ValidationException', `Provided value in parameter 'principal' is not supported: ${principal}.`);
      const sid = String(input.StatementId ?? '');
      if (!STATEMENT_ID.test(sid)) awsError('ValidationException', `Provided value in parameter 'statementId' is not valid: ${sid}.`);
      const c = input.Condition;
      if (c && (c.Type !== 'StringEquals' || c.Key !== 'aws:PrincipalOrgID' || !c.Value)) {
        awsError('ValidationException', 'Condition must be of Type StringEquals with Key aws:PrincipalOrgID and a Value.');
      }
      const doc = parsePolicy(bus.policy) ?? { Version: '2012-10-17', Statement: [] };
      const statements = Array.isArray(doc.Statement) ? (doc.Statement as { Sid?: string }[]) : [];
      if (statements.some((s) => s.Sid === sid)) awsError('ResourceAlreadyExistsException', 'Statement with the provided id already exists.');
      statements.push({
        Sid: sid,
        Effect: 'Allow',
        Principal: principal === '*' ? '*' : { AWS: rootArn(this.world.partition, principal) },
        Action: 'events:PutEvents',
        Resource: bus.arn,
        ...(c ? { Condition: { StringEquals: { [String(c.Key)]: String(c.Value) } } } : {}),
      } as { Sid: string });
      this.setBusPolicy(bus, JSON.stringify({ ...doc, Statement: statements }));
      return {};
    },
    RemovePermission: ({ accountId, region, input }) => {
      const bus = this.requireBus(input.EventBusName, accountId, region);
      const doc = parsePolicy(bus.policy);
      if (!doc) awsError('ResourceNotFoundException', 'EventBus does not have a policy.');
      if (input.RemoveAllPermissions) {
        this.setBusPolicy(bus, undefined);
        return {};
      }
      const statements = Array.isArray(doc.Statement) ? (doc.Statement as { Sid?: string }[]) : [];
      const kept = statements.filter((s) => s.Sid !== input.StatementId);
      if (kept.length === statements.length) awsError('ResourceNotFoundException', 'Statement with the provided id does not exist.');
      this.setBusPolicy(bus, kept.length > 0 ? JSON.stringify({ ...doc, Statement: kept }) : undefined);
      return {};
    },
    PutRule: ({ accountId, region, input, caller }) => ({ RuleArn: this.putRule(accountId, region, input, caller.accountId).arn }),
    DescribeRule: ({ accountId, region, input }) => {
      const rule = this.requireRule(input.Name, input.EventBusName, accountId, region);
      return { ...this.ruleOutput(rule), CreatedBy: rule.createdBy };
    },
    ListRules: ({ accountId, region, input }) => {
      const bus = this.requireBus(input.EventBusName, accountId, region);
      const all = this.rulesOn(bus.arn)
        .filter((r) => input.NamePrefix === undefined || r.name.startsWith(input.NamePrefix))
        .sort((a, b) => a.name.localeCompare(b.name));
      const { items, next } = this.page(all, input.Limit, input.NextToken);
      return { Rules: items.map((r) => this.ruleOutput(r)), ...(next ? { NextToken: next } : {}) };
    },
    DeleteRule: ({ accountId, region, input }) => {
      const bus = this.requireBus(input.EventBusName, accountId, region);
      const arn = this.ruleArn(bus.accountId, bus.region, bus.name, String(input.Name));
      const rule = this.rules.get(arn);
      // Deleting a rule that does not exist succeeds (DeleteRule is idempotent).
      if (!rule) return {};
      if (rule.targets.length > 0) awsError('ValidationException', "Rule can't be deleted since it has targets.");
      this.rules.delete(arn);
      this.patterns.delete(arn);
      return {};
    },
    EnableRule: ({ accountId, region, input }) => {
      this.requireRule(input.Name, input.EventBusName, accountId, region).state = 'ENABLED';
      return {};
    },
    DisableRule: ({ accountId, region, input }) => {
      this.requireRule(input.Name, input.EventBusName, accountId, region).state = 'DISABLED';
      return {};
    },
    PutTargets: ({ accountId, region, input }) => {
      this.putTargets(this.requireRule(input.Rule, input.EventBusName, accountId, region), input.Targets ?? []);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    RemoveTargets: ({ accountId, region, input }) => {
      const rule = this.requireRule(input.Rule, input.EventBusName, accountId, region);
      const ids = new Set(input.Ids ?? []);
      if (ids.size < 1 || ids.size > 100) awsError('ValidationException', "1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100.");
      rule.targets = rule.targets.filter((t) => !ids.has(String(t.Id)));
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    ListTargetsByRule: ({ accountId, region, input }) => {
      const rule = this.requireRule(input.Rule, input.EventBusName, accountId, region);
      const { items, next } = this.page(rule.targets, input.Limit, input.NextToken);
      return { Targets: structuredClone(items), ...(next ? { NextToken: next } : {}) };
    },
    PutEvents: async ({ caller, region, input }) => {
      const entries = input.Entries ?? [];
      if (entries.length < 1 || entries.length > MAX_PUT_EVENTS_ENTRIES) {
        awsError('ValidationException', `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_PUT_EVENTS_ENTRIES}.`);
      }
      if (utf8Bytes(JSON.stringify(entries)) > MAX_PUT_EVENTS_BYTES) awsError('ValidationException', 'Total size of the entries in the request is over the limit.');
      const results: eb.PutEventsResultEntry[] = [];
      for (const entry of entries) results.push(await this.putEntry(caller, region, entry));
      return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
    },
    TestEventPattern: ({ input }) => {
      let pattern: EventPattern;
      try {
        pattern = parseEventPattern(String(input.EventPattern ?? ''));
      } catch (e) {
        if (e instanceof InvalidEventPatternError) awsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${e.message}`);
        throw e;
      }
      let event: unknown;
      try {
        event = JSON.parse(String(input.Event ?? ''));
      } catch {
        awsError('ValidationException', 'Parameter Event is not valid.');
      }
      const missing = ['id', 'account', 'source', 'time', 'region', 'detail-type'].filter((k) => !(event !== null && typeof event === 'object' && k in event));
      if (missing.length > 0) awsError('ValidationException', `Parameter Event is not valid: missing ${missing.join(', ')}.`);
      return { Result: matchesEventPattern(pattern, event) };
    },
    TagResource: ({ input }) => {
      const resource = this.taggable(String(input.ResourceARN));
      const merged = new Map(resource.tags.map((t) => [t.Key, t.Value] as const));
      for (const t of input.Tags ?? []) merged.set(t.Key, t.Value);
      resource.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
      return {};
    },
    UntagResource: ({ input }) => {
      const resource = this.taggable(String(input.ResourceARN));
      const remove = new Set(input.TagKeys ?? []);
      resource.tags = resource.tags.filter((t) => !remove.has(String(t.Key)));
      return {};
    },
    ListTagsForResource: ({ input }) => ({ Tags: this.taggable(String(input.ResourceARN)).tags.map((t) => ({ ...t })) }),
  } satisfies {
    CreateEventBus: OperationHandler<eb.CreateEventBusCommandInput, eb.CreateEventBusCommandOutput>;
    DeleteEventBus: OperationHandler<eb.DeleteEventBusCommandInput, eb.DeleteEventBusCommandOutput>;
    DescribeEventBus: OperationHandler<eb.DescribeEventBusCommandInput, eb.DescribeEventBusCommandOutput>;
    ListEventBuses: OperationHandler<eb.ListEventBusesCommandInput, eb.ListEventBusesCommandOutput>;
    PutPermission: OperationHandler<eb.PutPermissionCommandInput, eb.PutPermissionCommandOutput>;
    RemovePermission: OperationHandler<eb.RemovePermissionCommandInput, eb.RemovePermissionCommandOutput>;
    PutRule: OperationHandler<eb.PutRuleCommandInput, eb.PutRuleCommandOutput>;
    DescribeRule: OperationHandler<eb.DescribeRuleCommandInput, eb.DescribeRuleCommandOutput>;
    ListRules: OperationHandler<eb.ListRulesCommandInput, eb.ListRulesCommandOutput>;
    DeleteRule: OperationHandler<eb.DeleteRuleCommandInput, eb.DeleteRuleCommandOutput>;
    EnableRule: OperationHandler<eb.EnableRuleCommandInput, eb.EnableRuleCommandOutput>;
    DisableRule: OperationHandler<eb.DisableRuleCommandInput, eb.DisableRuleCommandOutput>;
    PutTargets: OperationHandler<eb.PutTargetsCommandInput, eb.PutTargetsCommandOutput>;
    RemoveTargets: OperationHandler<eb.RemoveTargetsCommandInput, eb.RemoveTargetsCommandOutput>;
    ListTargetsByRule: OperationHandler<eb.ListTargetsByRuleCommandInput, eb.ListTargetsByRuleCommandOutput>;
    PutEvents: OperationHandler<eb.PutEventsCommandInput, eb.PutEventsCommandOutput>;
    TestEventPattern: OperationHandler<eb.TestEventPatternCommandInput, eb.TestEventPatternCommandOutput>;
    TagResource: OperationHandler<eb.TagResourceCommandInput, eb.TagResourceCommandOutput>;
    UntagResource: OperationHandler<eb.UntagResourceCommandInput, eb.UntagResourceCommandOutput>;
    ListTagsForResource: OperationHandler<eb.ListTagsForResourceCommandInput, eb.ListTagsForResourceCommandOutput>;
  };

  /**
   * One PutEvents entry: checked, authorized against its bus (the caller's identity policies and
   * the bus policy, `events:source` and `events:detail-type` in the context), put on the bus. Entry
   * errors are the API reference's codes (InvalidArgument, MalformedDetail,
   * NotAuthorizedForSourceException, AccessDeniedException, ResourceNotFoundException).
   * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html
   */
  private async putEntry(caller: Principal, region: string, entry: eb.PutEventsRequestEntry): Promise<eb.PutEventsResultEntry> {
    const failed = (ErrorCode: string, ErrorMessage: string): eb.PutEventsResultEntry => ({ ErrorCode, ErrorMessage });
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (!entry[field]) return failed('InvalidArgument', `Parameter ${field} is not valid. Reason: ${field} is a required argument.`);
    }
    let detail: unknown;
    try {
      detail = JSON.parse(String(entry.Detail));
    } catch {
      return failed('MalformedDetail', 'Detail is malformed.');
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return failed('MalformedDetail', 'Detail is malformed.');
    // Sources of AWS services ("aws." prefix) are theirs alone.
    if (String(entry.Source).startsWith('aws.')) return failed('NotAuthorizedForSourceException', 'Not authorized for the source.');
    const id = entry.EventBusName === undefined || entry.EventBusName === '' ? DEFAULT_BUS : entry.EventBusName;
    const arn = BUS_ARN.test(id) ? id : this.busArn(caller.accountId, region, id);
    const bus = this.getEventBus(arn);
    if (!bus) return failed('ResourceNotFoundException', `Event bus ${BUS_ARN.exec(arn)?.[3] ?? id} does not exist.`);
    const policy = readPolicy(bus.policy);
    const decision = await this.world.authorize(caller, 'events:PutEvents', { arn: bus.arn, accountId: bus.accountId, ...(policy ? { policy } : {}) }, {
      'events:source': String(entry.Source),
      'events:detail-type': String(entry.DetailType),
    });
    if (!decision.allowed) return failed('AccessDeniedException', denial(caller.arn, bus.arn, decision, bus.accountId === caller.accountId ? 'an identity-based policy' : 'the event bus policy'));
    const event: SimEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': String(entry.DetailType),
      source: String(entry.Source),
      account: caller.accountId,
      time: (entry.Time ?? this.world.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: bus.region,
      resources: [...(entry.Resources ?? [])],
      detail,
    };
    this.route(bus, { event });
    return { EventId: event.id };
  }

  // ---------------------------------------------------------------- persistence and snapshot

  /** Buses, rules and pending drop switches as plain JSON (persistence.ts). */
  exportState(): PersistedEvents {
    return {
      buses: this.listBuses().map(({ creationTime, lastModifiedTime, ...b }) => ({ ...structuredClone(b), creationTime: creationTime.toISOString(), lastModifiedTime: lastModifiedTime.toISOString() })),
      rules: this.listRules().map((r) => structuredClone(r)),
      drops: this.drops.filter((d) => d.remaining > 0).map((d) => structuredClone(d)),
    };
  }

  /** Replaces buses, rules and drop switches with the persisted ones (absent: none). */
  importState(state: PersistedEvents | undefined): void {
    this.buses.clear();
    this.rules.clear();
    this.patterns.clear();
    for (const { creationTime, lastModifiedTime, ...b } of state?.buses ?? []) {
      this.buses.set(b.arn, { ...structuredClone(b), creationTime: new Date(creationTime), lastModifiedTime: new Date(lastModifiedTime) });
    }
    for (const r of state?.rules ?? []) {
      this.rules.set(r.arn, structuredClone(r));
      if (r.eventPattern !== undefined) this.patterns.set(r.arn, parseEventPattern(r.eventPattern));
    }
    this.drops = (state?.drops ?? []).map((d) => structuredClone(d));
  }

  /** Deterministic view for world snapshots: buses with a policy or of their own, rules with their targets. */
  snapshotState(): { eventBuses: Record<string, { policy: unknown }>; eventRules: Record<string, Record<string, unknown>> } {
    const parsed = (text: string | undefined): unknown => (text === undefined ? null : (parsePolicy(text) ?? text));
    return {
      eventBuses: Object.fromEntries(this.listBuses().filter((b) => b.name !== DEFAULT_BUS || b.policy !== undefined).map((b) => [b.arn, { policy: parsed(b.policy) }])),
      eventRules: Object.fromEntries(
        this.listRules().map((r) => [
          r.arn,
          {
            state: r.state,
            ...(r.eventPattern !== undefined ? { eventPattern: JSON.parse(r.eventPattern) as unknown } : {}),
            ...(r.scheduleExpression !== undefined ? { scheduleExpression: r.scheduleExpression } : {}),
            ...(r.description !== undefined ? { description: r.description } : {}),
            targets: [...r.targets].sort((a, b) => String(a.Id).localeCompare(String(b.Id))).map((t) => structuredClone(t)),
          },
        ]),
      ),
    };
  }
}

function dropMatches(filter: DropFilter | undefined, event: SimEvent): boolean {
  if (!filter) return true;
  const eventName = (event.detail as { eventName?: unknown } | null)?.eventName;
  return (
    (filter.source === undefined || filter.source === event.source) &&
    (filter.detailType === undefined || filter.detailType === event['detail-type']) &&
    (filter.eventName === undefined || filter.eventName === eventName) &&
    (filter.accountId === undefined || filter.accountId === event.account) &&
    (filter.region === undefined || filter.region === event.region)
  );
}

/** AWS's wording of a denied events:PutEvents. */
function denial(principal: string, busArn: string, result: EvaluationResult, which: string): string {
  const why = result.result === 'ExplicitlyDenied' ? 'with an explicit deny' : `because no statement of ${which} allows it`;
  return `User: ${principal} is not authorized to perform: events:PutEvents on resource: ${busArn} ${why}`;
}
