/**
 * abort.test.ts in `trailMode` `organization`: executions aborted where organization mode has
 * boundaries that account mode does not, then re-run; the re-run completes and writes only what is
 * missing, and the account and the organization end exactly as after a clean onboarding.
 *
 * The boundaries, each from an organization without trusted access for CloudTrail (the set-up is
 * undone before each case, organization-mode.ts), each re-run both as a new execution and by
 * `onboard retry` (a redrive of the aborted execution):
 * - inside EnsureOrganizationTrail, right after EnableAWSServiceAccess (trusted access on, no trail
 *   yet) and right after CreateTrail of the organization trail (the trail made, never started). One
 *   Lambda invocation makes all of these calls, and stopping an execution does not stop its Lambda
 *   (it runs to its end, as in AWS), so the invocation is ended there too, as a Lambda that times out
 *   or whose sandbox crashes ends: the SDK call returns, then nothing of the handler runs on
 *   (`InvocationCut`; the test checks that the aborted execution made no call after it);
 * - the moment EnsureOrganizationTrail is entered and the moment it has exited (the Task-state
 *   boundaries abort.test.ts covers for every other step).
 * "Only what is missing": the set-up writes the state after the abort lacks (trusted access, the
 * trail, its StartLogging); every other step had written all it writes before this one began.
 */
import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments, MiddlewareStack } from '@aws-sdk/types';
import { bucketPolicyGrants } from '../../../handlers/domain/bucket-policy';
import { keyPolicyGrants } from '../../../handlers/domain/key-policy';
import { parsePolicy } from '../../../handlers/domain/policy-document';
import { registerClientHook, type ClientHook } from '../../../handlers/shared/clients';
import { currentInvocation } from '../../../local/invocation-context';
import { DEMO } from '../../../local/sim';
import { accountResources, awsWrites } from '../harness';
import { atStateEvent, leases, NO_LEASE, RERUNS, rerunAborted, runAndAbort, startAbortLocal, statusShape, type AbortLocal, type AbortTrigger } from './abort.helpers';
import { destinationOf, expectOrganizationLikeClean, ORGANIZATION_TRAIL_ARN, organizationSetUp, startOptionsOf, undoOrganizationSetUp } from './organization-mode';

/** The error an invocation ended by {@link InvocationCut} gets instead of its call's answer. */
class InvocationEnded extends Error {
  constructor(operation: string) {
    super(`The Lambda invocation ended right after ${operation} returned (the test stands for a timeout or a crash)`);
    this.name = 'InvocationEnded';
  }
}

/**
 * Ends a Lambda invocation of one execution right after one of its SDK calls returned, and aborts
 * the execution at that moment. A client hook (local/sim's own is one too), registered before the
 * service starts, since the handlers make their Organizations client when their module loads. Its
 * middleware sits in the `initialize` step, outside the SDK's retry: the call reached AWS and was
 * answered, and the error is not retried.
 */
class InvocationCut {
  private armed?: { executionName: string; operation: string; fire: () => void };

  readonly hook: ClientHook = (client) => {
    client.middlewareStack.use({
      applyToStack: (stack: MiddlewareStack<object, object>) =>
        stack.add(
          (next: InitializeHandler<object, object>, context: HandlerExecutionContext) => async (args: InitializeHandlerArguments<object>) => {
            const out = await next(args);
            const armed = this.armed;
            if (armed && context.commandName === `${armed.operation}Command` && currentInvocation()?.executionName === armed.executionName) {
              this.armed = undefined;
              armed.fire();
              throw new InvocationEnded(armed.operation);
            }
            return out;
          },
          { step: 'initialize', name: 'abortOrganizationInvocationCut' },
        ),
    });
  };

  /** Fires right after `operation` returns in the execution. */
  after(operation: string): AbortTrigger<string> {
    return (executionName, abort) => {
      this.armed = { executionName, operation, fire: () => abort(operation) };
      return () => {
        this.armed = undefined;
      };
    };
  }
}

const CLEAN = '330000000501';
interface Boundary {
  readonly label: string;
  readonly trigger: (local: AbortLocal) => AbortTrigger<unknown>;
  /** The operation the invocation is ended after, for a boundary inside the step. */
  readonly cutAfter?: string;
  /** What the set-up lacks after the abort, where the boundary decides it (a Task state's entry races its Lambda). */
  readonly missing?: readonly string[];
}

const cut = new InvocationCut();
const BOUNDARIES: Boundary[] = [
  {
    label: 'right after EnableAWSServiceAccess, before the trail is read',
    trigger: () => cut.after('EnableAWSServiceAccess'),
    cutAfter: 'EnableAWSServiceAccess',
    missing: ['cloudtrail:CreateTrail', 'cloudtrail:StartLogging'],
  },
  {
    label: 'right after CreateTrail of the organization trail, before StartLogging',
    trigger: () => cut.after('CreateTrail'),
    cutAfter: 'CreateTrail',
    missing: ['cloudtrail:StartLogging'],
  },
  { label: 'the moment EnsureOrganizationTrail is entered', trigger: (local) => atStateEvent(local, 'EnsureOrganizationTrail', 'StateEntered') },
  { label: 'the moment EnsureOrganizationTrail has exited', trigger: (local) => atStateEvent(local, 'EnsureOrganizationTrail', 'StateExited'), missing: [] },
];
let seq = 0;
const CASES = BOUNDARIES.flatMap((boundary) =>
  RERUNS.map((rerun) => ({ ...boundary, rerun, account: `3300000006${String(++seq).padStart(2, '0')}` })),
);

let local: AbortLocal;
let unhook: () => void;
let cleanStatus: unknown;
let cleanSetUp: unknown;
const dest = destinationOf('organization');

/** The set-up writes the organization lacks now: trusted access, the organization trail, its logging. */
function missingSetUp(): string[] {
  const now = organizationSetUp(local.world) as { trustedAccess: boolean; organizationTrail?: { isLogging: boolean } };
  return [
    ...(now.trustedAccess ? [] : ['organizations:EnableAWSServiceAccess']),
    ...(now.organizationTrail ? [] : ['cloudtrail:CreateTrail']),
    ...(now.organizationTrail?.isLogging ? [] : ['cloudtrail:StartLogging']),
  ];
}

/** The account and the organization end exactly as the clean onboarding left them; both shared policies grant the organization trail. */
async function expectCleanEndState(accountId: string): Promise<void> {
  expect(await local.status.getAccount(accountId)).toMatchObject({ status: 'ONBOARDED', trailArn: ORGANIZATION_TRAIL_ARN });
  expect(await statusShape(local, accountId)).toEqual(cleanStatus);
  expect(accountResources(local.world, accountId)).toEqual(accountResources(local.world, CLEAN));
  expectOrganizationLikeClean(local.world, accountId, cleanSetUp);
  const snap = local.world.snapshot();
  expect(bucketPolicyGrants(parsePolicy(JSON.stringify(snap.buckets[DEMO.bucketName].policy), 'bucket policy'), accountId, dest)).toBe(true);
  expect(keyPolicyGrants(parsePolicy(JSON.stringify(snap.keys[DEMO.keyArn].policy), 'key policy'), accountId, dest)).toBe(true);
  expect(await local.world.canCloudTrailDeliver(ORGANIZATION_TRAIL_ARN)).toEqual({ bucket: true, key: true });
}

beforeAll(async () => {
  unhook = registerClientHook(cut.hook);
  local = await startAbortLocal([CLEAN, ...CASES.map((c) => c.account)], startOptionsOf('organization'));
  const clean = await local.run({ accountId: CLEAN }, `onboard-${CLEAN}`);
  expect(clean.status).toBe('SUCCEEDED');
  cleanStatus = await statusShape(local, CLEAN);
  cleanSetUp = organizationSetUp(local.world);
}, 60_000);
afterAll(async () => {
  unhook?.();
  await local?.sfn.stop();
});

describe.each(CASES)('aborted $label, re-run by $rerun', ({ trigger, cutAfter, missing, rerun, account }) => {
  it('is ABORTED, leaves no lease held, and the re-run writes only what is missing and ends exactly as a clean run', async () => {
    // prepare: an organization not set up yet, as for the clean run
    await undoOrganizationSetUp(local.world);
    local.world.resetCalls();

    // act 1: abort at the boundary
    const { result, at } = await runAndAbort(local, account, trigger(local));

    // assert 1: aborted there, nothing held, the account IN_PROGRESS
    expect(at).toBeDefined();
    expect(result.status).toBe('ABORTED');
    expect(result.history.filter((h) => h.type === 'ExecutionSucceeded' || h.type === 'ExecutionFailed')).toEqual([]);
    expect(await leases(local)).toEqual(NO_LEASE);
    expect((await local.status.getAccount(account))?.status).toBe('IN_PROGRESS');
    const calls = local.world.calls.filter((c) => c.executionName === `onboard-${account}`);
    if (cutAfter) {
      // The invocation really ended at the cut: the aborted execution made no AWS call after it.
      const last = calls.filter((c) => c.service !== 'dynamodb').at(-1);
      expect({ step: last?.step, operation: last?.operation, error: last?.error }).toEqual({ step: 'EnsureOrganizationTrail', operation: cutAfter, error: undefined });
      expect(calls.filter((c) => c.seq > last!.seq)).toEqual([]);
    }
    const left = missingSetUp();
    if (missing) expect(left).toEqual(missing);
    if (cutAfter === 'CreateTrail') {
      // A trail made and never started: the configured one, not logging.
      expect(organizationSetUp(local.world)).toEqual({ ...(cleanSetUp as object), organizationTrail: { ...(cleanSetUp as { organizationTrail: object }).organizationTrail, isLogging: false } });
    }

    // act 2: the re-run
    local.world.resetCalls();
    const rerunResult = await rerunAborted(local, account, rerun, result.executionArn);

    // assert 2: only what was missing written, then as a clean run
    expect(rerunResult.status).toBe('SUCCEEDED');
    expect(awsWrites(local.world)).toEqual(left);
    expect((await local.status.getAccount(account))?.executionArn).toBe(rerunResult.executionArn);
    await expectCleanEndState(account);
    expect(await leases(local)).toEqual(NO_LEASE);
  });
});
