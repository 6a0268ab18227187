/**
 * An in-memory ExecutionsPort with Step Functions' semantics (same name + same input while open ->
 * the same execution; name taken otherwise; redrive only of FAILED/ABORTED/TIMED_OUT that are
 * redrivable), plus a listing that can lag behind like ListExecutions does.
 */
import type { ExecutionDescription, ExecutionEvent, ExecutionStatus, RedriveResult, StartedExecution } from '../../../handlers/adapters/sfn';
import type { AccountStatusItem } from '../../../handlers/adapters/status-store';
import type { StartDeps } from '../../../handlers/start';

export const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Onboarding';
export const arnOf = (name: string) => `arn:aws:states:eu-west-1:111122223333:execution:Onboarding:${name}`;

/** An execution as a test sets it up. */
export interface FakeExecution {
  name: string;
  status: ExecutionStatus;
  input: string;
  startDate: Date;
  redrivable?: boolean;
  redriveCount?: number;
  error?: string;
  /** Hidden from the listing (ListExecutions is eventually consistent). */
  unlisted?: boolean;
}

let clock = Date.UTC(2026, 10, 20, 8, 0, 0);
/** A start date later than every one before. */
export const later = () => new Date((clock += 60_000));

/** The fake and the calls made to it. */
export class FakeExecutions {
  readonly executions = new Map<string, FakeExecution>();
  readonly calls: string[] = [];
  readonly items = new Map<string, AccountStatusItem>();
  /** Run once before the next StartExecution (to stage a race). */
  beforeStart?: () => void;
  /** Run once before the next RedriveExecution. */
  beforeRedrive?: () => void;

  add(x: Omit<FakeExecution, 'startDate'> & { startDate?: Date }): this {
    this.executions.set(x.name, { startDate: later(), ...x });
    return this;
  }

  deps(): StartDeps {
    return {
      status: { getAccount: async (id) => this.items.get(id) },
      executions: {
        executionArnFor: (name) => arnOf(name),
        startExecution: async (name, input) => this.start(name, input),
        describeExecution: async (arn) => this.describe(arn),
        redriveExecution: async (arn) => this.redrive(arn),
        executionHistory: async (arn): Promise<ExecutionEvent[]> => {
          this.calls.push(`history ${nameOf(arn)}`);
          return [];
        },
        listExecutionsByPrefix: async (prefix) => {
          this.calls.push(`list ${prefix}`);
          return [...this.executions.values()]
            .filter((x) => !x.unlisted && x.name.startsWith(prefix))
            .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
            .map((x) => ({ executionArn: arnOf(x.name), name: x.name, status: x.status, startDate: x.startDate }));
        },
      },
    };
  }

  /** Names of the executions that StartExecution created. */
  started(): string[] {
    return this.calls.filter((c) => c.startsWith('start ') && c.endsWith(' -> new')).map((c) => c.split(' ')[1]);
  }

  private start(name: string, input: string): StartedExecution {
    const race = this.beforeStart;
    this.beforeStart = undefined;
    race?.();
    const x = this.executions.get(name);
    if (x) {
      if (x.status === 'RUNNING' && x.input === input) {
        this.calls.push(`start ${name} -> same`);
        return { executionArn: arnOf(name), startDate: x.startDate, alreadyStarted: false };
      }
      this.calls.push(`start ${name} -> taken`);
      return { executionArn: arnOf(name), alreadyStarted: true };
    }
    const created: FakeExecution = { name, status: 'RUNNING', input, startDate: later(), unlisted: true };
    this.executions.set(name, created);
    this.calls.push(`start ${name} -> new`);
    return { executionArn: arnOf(name), startDate: created.startDate, alreadyStarted: false };
  }

  private describe(arn: string): ExecutionDescription | undefined {
    const name = nameOf(arn);
    this.calls.push(`describe ${name}`);
    const x = this.executions.get(name);
    if (!x) return undefined;
    const unsuccessful = x.status === 'FAILED' || x.status === 'ABORTED' || x.status === 'TIMED_OUT';
    return {
      executionArn: arn,
      name,
      status: x.status,
      startDate: x.startDate,
      input: x.input,
      ...(x.error ? { error: x.error } : {}),
      ...(x.redriveCount ? { redriveCount: x.redriveCount } : {}),
      redriveStatus: unsuccessful && x.redrivable !== false ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
    };
  }

  private redrive(arn: string): RedriveResult {
    const race = this.beforeRedrive;
    this.beforeRedrive = undefined;
    race?.();
    const name = nameOf(arn);
    const x = this.executions.get(name);
    const unsuccessful = x && (x.status === 'FAILED' || x.status === 'ABORTED' || x.status === 'TIMED_OUT');
    if (!x || !unsuccessful || x.redrivable === false) {
      this.calls.push(`redrive ${name} -> refused`);
      return { redriven: false, reason: `Execution is ${x?.status} and cannot be redriven` };
    }
    x.status = 'RUNNING';
    x.redriveCount = (x.redriveCount ?? 0) + 1;
    this.calls.push(`redrive ${name}`);
    return { redriven: true, redriveDate: new Date(clock) };
  }
}

function nameOf(arn: string): string {
  return arn.split(':').pop() ?? '';
}

/** `{"accountId":"<id>"}`. */
export const inputOf = (accountId: string) => JSON.stringify({ accountId });
