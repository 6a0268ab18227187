/**
 * The local service of the abort tests (abort.test.ts in account mode, abort-organization.test.ts in
 * organization mode), and what they read of it: the shared-policy leases, an account's status item
 * made comparable, an execution aborted at a moment of their choosing.
 *
 * The runner is started here rather than through the harness so that a `PolicyLockBusy` retry
 * waits long enough locally (`lockRetryDelayMs`) to outlast a short lease left by a dead holder, and
 * so that `onboard retry` (`retryOnboarding`) can be called as the CLI calls it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeaseLock } from '../../../handlers/adapters/lease-lock';
import { lockKey, StatusStore } from '../../../handlers/adapters/status-store';
import { createClient } from '../../../handlers/shared/clients';
import { loadRuntimeConfig, type RuntimeConfig } from '../../../handlers/shared/config';
import { createStartDeps, loadStateMachineArn, retryOnboarding, type StartDeps } from '../../../handlers/start';
import { POLICY_LEASES } from '../../../handlers/steps/ensure-shared-policies';
import { parseAppConfig } from '../../../infra/config';
import { LOCAL_TABLE_NAME, LocalStepFunctions, type ExecutionResult, type HistoryEvent, type LocalExecution } from '../../../local/runner';
import { createDemoWorld, DEMO, type SimWorld } from '../../../local/sim';
import sample from '../../../config/onboarding.sample.json';
import type { StartLocalOptions } from '../harness';

/** Local wait of a PolicyLockBusy retry: [100, 200] ms, 60 attempts = at least 6 s of retrying. */
const LOCK_RETRY_DELAY_MS = 100;

export interface AbortLocal {
  world: SimWorld;
  sfn: LocalStepFunctions;
  status: StatusStore;
  doc: DynamoDBDocumentClient;
  config: RuntimeConfig;
  start: StartDeps;
  run(input: unknown, name?: string): Promise<ExecutionResult>;
}

/**
 * The harness's startLocal, with the lock-retry wait as an option, plus what `onboard retry` uses.
 * `options` as the harness takes them (organization-mode.ts `startOptionsOf`).
 */
export async function startAbortLocal(
  members: readonly string[],
  options: Pick<StartLocalOptions, 'config' | 'prepareWorld' | 'loseApiCallEvents'> = {},
): Promise<AbortLocal> {
  const world = createDemoWorld();
  for (const id of members) {
    world.accounts.add({ id, name: `member-${id}`, state: 'ACTIVE' }, true, world.now());
    world.seedMember(id);
  }
  options.prepareWorld?.(world);
  const appConfig = parseAppConfig({ ...sample, ...options.config }, 'test configuration');
  const sfn = await LocalStepFunctions.start({
    world,
    config: appConfig,
    principalArn: DEMO.operatorPrincipalArn,
    retryDelayMs: 1,
    lockRetryDelayMs: LOCK_RETRY_DELAY_MS,
  });
  // What the functions (and the CLI) read: set by LocalStepFunctions.start from the template.
  const config = loadRuntimeConfig();
  const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion }));
  world.resetCalls();
  if (options.loseApiCallEvents) world.events.dropNext(Number.MAX_SAFE_INTEGER, { detailType: 'AWS API Call via CloudTrail' });
  return {
    world,
    sfn,
    status: new StatusStore(doc, LOCAL_TABLE_NAME, () => new Date()),
    doc,
    config,
    start: createStartDeps(config, loadStateMachineArn()),
    run: (input, name) => sfn.startExecution(input, name).result,
  };
}

/** The shared-policy lease, read and taken with `now` as the clock. */
export const leaseLock = (local: AbortLocal, now: () => Date = () => new Date()) => new LeaseLock(local.doc, LOCAL_TABLE_NAME, now);

/** The lease items of both shared policies, as stored. */
export async function leases(local: AbortLocal): Promise<Record<string, unknown>> {
  const l = leaseLock(local);
  return {
    [lockKey(POLICY_LEASES.bucket)]: await l.holder(POLICY_LEASES.bucket),
    [lockKey(POLICY_LEASES.key)]: await l.holder(POLICY_LEASES.key),
  };
}
export const NO_LEASE = { [lockKey(POLICY_LEASES.bucket)]: undefined, [lockKey(POLICY_LEASES.key)]: undefined };

/** The account's status item with its own id, its execution and the times taken out: comparable with another account's. */
export async function statusShape(local: AbortLocal, accountId: string): Promise<unknown> {
  const item = await local.status.getAccount(accountId);
  if (!item) return undefined;
  const { startedAt, updatedAt, onboardedAt, lastVerifiedAt, executionArn, ...rest } = item;
  for (const t of [startedAt, updatedAt, onboardedAt, lastVerifiedAt]) expect(Number.isNaN(Date.parse(String(t)))).toBe(false);
  expect(executionArn).toMatch(new RegExp(`:onboard-${accountId}(-retry-\\d+)?$`));
  return JSON.parse(JSON.stringify(rest).split(accountId).join('<account>'));
}

/**
 * Arms the abort of the execution named `name`: calls `abort` with what it stopped at when that
 * moment comes, returns the disarm.
 */
export type AbortTrigger<T> = (name: string, abort: (at: T) => void) => () => void;

/**
 * Starts `onboard-<account>`, aborts it the first time `trigger` fires, and waits for the Lambda
 * invocations of the stopped execution (as in AWS, a Lambda runs to its end when its execution is
 * stopped).
 */
export async function runAndAbort<T>(local: AbortLocal, account: string, trigger: AbortTrigger<T>): Promise<{ result: ExecutionResult; at?: T }> {
  const name = `onboard-${account}`;
  let execution: LocalExecution | undefined;
  let at: T | undefined;
  const off = trigger(name, (moment) => {
    if (at !== undefined) return;
    at = moment;
    execution!.abort();
  });
  try {
    execution = local.sfn.startExecution({ accountId: account }, name);
    const result = await execution.result;
    return { result, at };
  } finally {
    off();
    // Lambda invocations of the stopped execution run to their end: wait for them.
    await local.sfn.drain();
  }
}

/** Fires at the first `type` event of `state` in the execution's history. */
export function atStateEvent(local: AbortLocal, state: string, type: 'StateEntered' | 'StateExited'): AbortTrigger<HistoryEvent> {
  return (name, abort) =>
    local.sfn.addListener((n, e) => {
      if (n === name && e.type === type && e.state === state) abort(e);
    });
}

/** The two ways an operator re-runs an onboarding. */
export type Rerun = 'a new execution' | 'onboard retry';
export const RERUNS: readonly Rerun[] = ['a new execution', 'onboard retry'];

/**
 * Re-runs the aborted onboarding of `account` as `rerun` says: a new execution
 * (`onboard-<id>-retry-1`), or `onboard retry` itself (`retryOnboarding`, which redrives the aborted
 * execution `abortedArn`: checked). Resolves when it has settled.
 */
export async function rerunAborted(local: AbortLocal, account: string, rerun: Rerun, abortedArn: string): Promise<{ status: string; executionArn: string }> {
  if (rerun === 'a new execution') return local.run({ accountId: account }, `onboard-${account}-retry-1`);
  const retried = await retryOnboarding(local.start, account);
  expect(retried).toMatchObject({ outcome: 'redriven', executionArn: abortedArn, previous: { status: 'ABORTED' } });
  const settled = await local.world.stepFunctions.settled(retried.executionArn);
  await local.sfn.drain();
  return settled;
}
