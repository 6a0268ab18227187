/**
 * Proof under faults: an execution aborted at every step boundary, then retried, ends exactly as a
 * clean run; and no shared-policy lease is ever left held after an aborted or failed execution —
 * released by its (still running) Lambda, or, when even the release failed, bounded by its expiry.
 *
 * For every Task state an account-mode execution enters (EnsureOrganizationTrail, and the boundaries
 * inside it: abort-organization.test.ts), an onboarding of a fresh account is aborted (a) the moment
 * that state is entered and (b) the moment it has exited; its in-flight Lambda invocations are
 * waited for (as in AWS, a Lambda runs to its end when its execution is stopped). Then the account
 * is run again, in both ways an operator gets: a new execution (`onboard-<id>-retry-1`) and
 * `onboard retry` itself (`retryOnboarding`, which redrives an aborted execution). RecordFailure is
 * only entered on the failure path, so those cases inject a terminal failure (AccessDenied on the
 * switch role) into the aborted run.
 *
 * The local service and the helpers shared with abort-organization.test.ts (the same for executions
 * aborted in organization mode) are in abort.helpers.ts.
 *
 * @slow (test/sequencer.js: first on a machine with no timings yet)
 */
import { accountsInBucketPolicy, bucketPolicyGrants } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy, keyPolicyGrants } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { isOwnedStatement, parsePolicy, type PolicyDocument, type PolicyStatement } from '../../../handlers/domain/policy-document';
import { PolicyLockBusy } from '../../../handlers/shared/errors';
import { POLICY_LEASES } from '../../../handlers/steps/ensure-shared-policies';
import { DEMO, type FaultSpec } from '../../../local/sim';
import { STEP_NAMES } from '../../../statemachine/steps';
import { accountResources } from '../harness';
import { atStateEvent, leaseLock, leases, NO_LEASE, RERUNS, rerunAborted, runAndAbort, startAbortLocal, statusShape, type AbortLocal, type Rerun } from './abort.helpers';

// ------------------------------------------------------------------ the cases

const CLEAN = '330000000001';
type Moment = 'entered' | 'exited';
interface AbortCase {
  state: string;
  moment: Moment;
  rerun: Rerun;
  account: string;
}
let seq = 0;
/**
 * The Task states an account-mode execution enters: every one but the organization-trail step
 * (TrailByMode runs EnsureTrail); that one is aborted in abort-organization.test.ts.
 */
// The onboarding path of account mode: not the organization trail's step, nor offboarding's.
const ACCOUNT_MODE_STATES = STEP_NAMES.filter((s) => s !== 'EnsureOrganizationTrail' && s !== 'OffboardAccount');
const ABORTS: AbortCase[] = ACCOUNT_MODE_STATES.flatMap((state) =>
  (['entered', 'exited'] as Moment[]).flatMap((moment) =>
    RERUNS.map((rerun) => ({ state, moment, rerun, account: `3300000001${String(++seq).padStart(2, '0')}` })),
  ),
);

/**
 * What the status table says after the abort, once the stopped execution's Lambdas have run to their
 * end: RecordResult's Lambda, once invoked, records ONBOARDED even though the execution is ABORTED
 * (every resource exists by then); RecordFailure's records FAILED; before that, IN_PROGRESS.
 */
const STATUS_AFTER_ABORT: Record<string, string> = { RecordResult: 'ONBOARDED', RecordFailure: 'FAILED' };

/** The definition's Succeed and Fail states. */
const END_STATES = ['Onboarded', 'OnboardingFailed', 'Rejected'];
/** The end state each record step leads to. */
const NEXT_END_STATE: Record<string, string> = { RecordResult: 'Onboarded', RecordFailure: 'OnboardingFailed' };

/** Failed executions: the failure is injected where the step holds (or releases) a lease. */
const FAILURES: { label: string; account: string; fault: FaultSpec; step: string | RegExp }[] = [
  { label: 'PutBucketPolicy denied (under the bucket-policy lease)', account: '330000000201', fault: { service: 's3', operation: 'PutBucketPolicy', error: 'AccessDenied' }, step: 'EnsureBucketPolicy' },
  { label: 'PutKeyPolicy denied (under the key-policy lease)', account: '330000000202', fault: { service: 'kms', operation: 'PutKeyPolicy', error: 'AccessDenied' }, step: 'EnsureKeyPolicy' },
  { label: "the lease's conditional put denied", account: '330000000203', fault: { service: 'dynamodb', operation: 'PutItem', error: 'AccessDenied' }, step: /^Ensure(Bucket|Key)Policy$/ },
  { label: 'CreateTrail denied (after both leases)', account: '330000000204', fault: { service: 'cloudtrail', operation: 'CreateTrail', accountId: '330000000204', error: 'AccessDenied' }, step: 'EnsureTrail' },
];
const RELEASE_FAILS = '330000000301';
const DEAD_HOLDER_EXPIRED = '330000000302';
const DEAD_HOLDER_EXPIRING = '330000000303';

const ALL = [CLEAN, ...ABORTS.map((c) => c.account), ...FAILURES.map((c) => c.account), RELEASE_FAILS, DEAD_HOLDER_EXPIRED, DEAD_HOLDER_EXPIRING];

// ------------------------------------------------------------------ helpers

let local: AbortLocal;
let cleanStatus: unknown;
let foreignBefore: { bucket: [number, PolicyStatement][]; key: [number, PolicyStatement][] };

const dest = () => logDestinationFromConfig(local.config);
const bucketDoc = (): PolicyDocument => parsePolicy(JSON.stringify(local.world.snapshot().buckets[DEMO.bucketName].policy), 'bucket policy');
const keyDoc = (): PolicyDocument => parsePolicy(JSON.stringify(local.world.snapshot().keys[DEMO.keyArn].policy), 'key policy');
/** Foreign statements with their positions. */
const foreign = (doc: PolicyDocument): [number, PolicyStatement][] =>
  doc.Statement.map((s, i) => [i, s] as [number, PolicyStatement]).filter(([, s]) => !isOwnedStatement(s));
const lock = (now?: () => Date) => leaseLock(local, now);

/** The account ends exactly as the clean run's account did, and both shared policies grant it. */
async function expectCleanEndState(accountId: string): Promise<void> {
  expect(await local.status.getAccount(accountId)).toMatchObject({ status: 'ONBOARDED' });
  expect(await statusShape(local, accountId)).toEqual(cleanStatus);
  expect(accountResources(local.world, accountId)).toEqual(accountResources(local.world, CLEAN));
  expect(bucketPolicyGrants(bucketDoc(), accountId, dest())).toBe(true);
  expect(keyPolicyGrants(keyDoc(), accountId, dest())).toBe(true);
  expect(await local.world.canCloudTrailDeliver(`arn:aws:cloudtrail:${DEMO.region}:${accountId}:trail/${DEMO.trailName}`)).toEqual({ bucket: true, key: true });
}

beforeAll(async () => {
  local = await startAbortLocal(ALL);
  foreignBefore = { bucket: foreign(bucketDoc()), key: foreign(keyDoc()) };
  const clean = await local.run({ accountId: CLEAN }, `onboard-${CLEAN}`);
  expect(clean.status).toBe('SUCCEEDED');
  cleanStatus = await statusShape(local, CLEAN);
}, 60_000);
afterAll(() => local?.sfn.stop());

// ------------------------------------------------------------------ tests

describe('the cases cover every Task state of the definition', () => {
  it('STEP_NAMES are exactly the Task states', () => {
    expect([...local.sfn.taskStates()].sort()).toEqual([...STEP_NAMES].sort());
    expect(ABORTS).toHaveLength(ACCOUNT_MODE_STATES.length * 4);
  });
});

describe.each(ABORTS)('aborted when $state is $moment, re-run by $rerun', ({ state, moment, rerun, account }) => {
  it('is ABORTED, leaves no lease held, and the re-run ends exactly as a clean run', async () => {
    // prepare: RecordFailure is on the failure path only
    if (state === 'RecordFailure') local.world.faults.inject({ service: 'iam', operation: 'CreateRole', accountId: account, error: 'AccessDenied' });

    // act 1: abort at the boundary
    const { result, at } = await runAndAbort(local, account, atStateEvent(local, state, moment === 'entered' ? 'StateEntered' : 'StateExited'));
    local.world.faults.clear();

    // assert 1: aborted at that boundary, nothing held
    expect(at).toBeDefined();
    expect(result.status).toBe('ABORTED');
    expect(result.history.at(-1)?.type).toBe('ExecutionAborted');
    // stopped at that boundary: it never ended otherwise, and entered nothing but the next state after it
    expect(result.history.filter((h) => h.type === 'ExecutionSucceeded' || h.type === 'ExecutionFailed')).toEqual([]);
    const enteredAfter = result.history.slice(result.history.indexOf(at!) + 1).filter((h) => h.type === 'StateEntered').map((h) => h.state);
    // (the end state right after RecordResult / RecordFailure is the same boundary as their exit: it may have been entered)
    const allowed = moment === 'exited' && NEXT_END_STATE[state] ? [NEXT_END_STATE[state]] : [];
    expect(enteredAfter.filter((s) => END_STATES.includes(s ?? '') && !allowed.includes(s!))).toEqual([]);
    expect(await leases(local)).toEqual(NO_LEASE);
    // The status table says what the Lambdas that ran to their end recorded.
    expect((await local.status.getAccount(account))?.status).toBe(STATUS_AFTER_ABORT[state] ?? 'IN_PROGRESS');

    // act 2: the re-run
    const rerunResult = await rerunAborted(local, account, rerun, result.executionArn);

    // assert 2: as a clean run
    expect(rerunResult.status).toBe('SUCCEEDED');
    // The record names the execution that recorded it: the re-run, except after an abort at
    // RecordResult, whose Lambda already recorded ONBOARDED (the execution ARN alone is not a change).
    expect((await local.status.getAccount(account))?.executionArn).toBe(state === 'RecordResult' ? result.executionArn : rerunResult.executionArn);
    await expectCleanEndState(account);
    expect(await leases(local)).toEqual(NO_LEASE);
  });
});

describe.each(FAILURES)('a failed execution: $label', ({ account, fault, step }) => {
  it('is FAILED, leaves no lease held, and a re-run ends as a clean run', async () => {
    local.world.faults.inject(fault);
    const failed = await local.run({ accountId: account }, `onboard-${account}`);
    await local.sfn.drain();
    local.world.faults.clear();

    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('AccessDenied');
    expect(await local.status.getAccount(account)).toMatchObject({ status: 'FAILED', error: { name: 'AccessDenied', step: typeof step === 'string' ? step : expect.stringMatching(step) } });
    expect(await leases(local)).toEqual(NO_LEASE);

    const rerun = await local.run({ accountId: account }, `onboard-${account}-retry-1`);
    expect(rerun.status).toBe('SUCCEEDED');
    await expectCleanEndState(account);
    expect(await leases(local)).toEqual(NO_LEASE);
  });
});

describe('a lease whose release failed (the holder could not clean up)', () => {
  it('is left held only until it expires: lockLeaseSeconds after it was taken, and taken over then, not before', async () => {
    // prepare: the lease's conditional delete is denied once
    local.world.faults.inject({ service: 'dynamodb', operation: 'DeleteItem', error: 'AccessDenied' });
    const before = Date.now();

    // act
    const failed = await local.run({ accountId: RELEASE_FAILS }, `onboard-${RELEASE_FAILS}`);
    await local.sfn.drain();
    local.world.faults.clear();
    const after = Date.now();

    // assert: FAILED at a shared-policy step, its lease left behind...
    expect(failed).toMatchObject({ status: 'FAILED', error: 'AccessDenied' });
    const item = await local.status.getAccount(RELEASE_FAILS);
    expect(item?.error?.step).toMatch(/^Ensure(Bucket|Key)Policy$/);
    const name = item!.error!.step === 'EnsureBucketPolicy' ? POLICY_LEASES.bucket : POLICY_LEASES.key;
    const other = name === POLICY_LEASES.bucket ? POLICY_LEASES.key : POLICY_LEASES.bucket;
    const left = await lock().holder(name);
    expect(left?.owner).toBe(`${failed.executionArn}#${item!.error!.step}`);
    expect(await lock().holder(other)).toBeUndefined();
    // ... bounded: it expires lockLeaseSeconds after it was taken
    const lease = local.config.lockLeaseSeconds * 1000;
    expect(left!.expiresAt).toBeGreaterThanOrEqual(before + lease);
    expect(left!.expiresAt).toBeLessThanOrEqual(after + lease);

    // ... not taken over before it expires, taken over once it has
    const next = `next-execution#${item!.error!.step}`;
    expect(await lock(() => new Date(left!.expiresAt)).acquire(name, next, local.config.lockLeaseSeconds)).toBe(false);
    expect(await lock(() => new Date(left!.expiresAt + 1)).acquire(name, next, local.config.lockLeaseSeconds)).toBe(true);
    expect((await lock().holder(name))?.owner).toBe(next);
    await lock().release(name, next);
    expect(await leases(local)).toEqual(NO_LEASE);

    // and the account is then onboarded by a re-run, as a clean run
    const rerun = await local.run({ accountId: RELEASE_FAILS }, `onboard-${RELEASE_FAILS}-retry-1`);
    expect(rerun.status).toBe('SUCCEEDED');
    await expectCleanEndState(RELEASE_FAILS);
  });
});

describe('a lease left by a holder that died', () => {
  it('already expired: the next onboarding takes it over at once', async () => {
    // prepare: acquired an hour ago for lockLeaseSeconds, never released
    const hourAgo = () => new Date(Date.now() - 3_600_000);
    expect(await lock(hourAgo).acquire(POLICY_LEASES.bucket, 'dead-execution#EnsureBucketPolicy', local.config.lockLeaseSeconds)).toBe(true);

    const r = await local.run({ accountId: DEAD_HOLDER_EXPIRED }, `onboard-${DEAD_HOLDER_EXPIRED}`);

    expect(r.status).toBe('SUCCEEDED');
    expect(r.history.filter((h) => h.error === 'PolicyLockBusy')).toEqual([]);
    expect(await leases(local)).toEqual(NO_LEASE);
    await expectCleanEndState(DEAD_HOLDER_EXPIRED);
  });

  it('not yet expired: the onboarding is retried as PolicyLockBusy until the lease expires, then takes it over', async () => {
    // prepare: a lease taken lockLeaseSeconds - 3 s ago, never released: it expires in 3 s
    const lease = local.config.lockLeaseSeconds * 1000;
    const takenAt = Date.now() - lease + 3000;
    const dead = 'dead-execution#EnsureBucketPolicy';
    expect(await lock(() => new Date(takenAt)).acquire(POLICY_LEASES.bucket, dead, local.config.lockLeaseSeconds)).toBe(true);
    const expiresAt = (await lock().holder(POLICY_LEASES.bucket))!.expiresAt;
    expect(expiresAt).toBe(takenAt + lease);

    // act
    const r = await local.run({ accountId: DEAD_HOLDER_EXPIRING }, `onboard-${DEAD_HOLDER_EXPIRING}`);

    // assert: waited for the dead holder (named in the cause), and wrote only after its lease expired
    expect(r.status).toBe('SUCCEEDED');
    const busy = r.history.filter((h) => h.type === 'StateFailed' && h.error === 'PolicyLockBusy');
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((h) => h.state === 'EnsureBucketPolicy')).toBe(true);
    expect(busy[0].cause).toContain(dead);
    const done = r.history.find((h) => h.type === 'StateExited' && h.state === 'EnsureBucketPolicy');
    expect(done!.timestamp).toBeGreaterThan(expiresAt);
    expect(await leases(local)).toEqual(NO_LEASE);
    await expectCleanEndState(DEAD_HOLDER_EXPIRING);
  });
});

describe('the lease itself (LeaseLock with an injected clock, on the local status table)', () => {
  it('a lease acquired and never released is taken over by another owner once lockLeaseSeconds have passed, and not before', async () => {
    const seconds = local.config.lockLeaseSeconds;
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    let now = t0;
    const clock = lock(() => new Date(now));
    const name = 'lease-expiry-proof';

    // the holder takes the lease and dies (never releases)
    expect(await clock.acquire(name, 'holder-that-died', seconds)).toBe(true);
    expect(await clock.holder(name)).toEqual({ owner: 'holder-that-died', expiresAt: t0 + seconds * 1000 });

    // not before: at t0, half-way, a millisecond before and at the very end of the lease
    for (const t of [t0, t0 + (seconds * 1000) / 2, t0 + seconds * 1000 - 1, t0 + seconds * 1000]) {
      now = t;
      expect(await clock.acquire(name, 'next-owner', seconds)).toBe(false);
      await expect(clock.withLease(name, 'next-owner', seconds, async () => 'ran')).rejects.toBeInstanceOf(PolicyLockBusy);
    }
    await expect(clock.withLease(name, 'next-owner', seconds, async () => 'ran')).rejects.toThrow(/holder-that-died until 2030-01-01T00:0/);
    expect((await clock.holder(name))?.owner).toBe('holder-that-died');

    // once it has passed: taken over, for a full lease from then
    now = t0 + seconds * 1000 + 1;
    expect(await clock.acquire(name, 'next-owner', seconds)).toBe(true);
    expect(await clock.holder(name)).toEqual({ owner: 'next-owner', expiresAt: now + seconds * 1000 });

    // the dead holder, coming back, can neither release nor retake the new owner's lease
    await clock.release(name, 'holder-that-died');
    expect((await clock.holder(name))?.owner).toBe('next-owner');
    expect(await clock.acquire(name, 'holder-that-died', seconds)).toBe(false);

    // the new owner releases it: gone
    await clock.release(name, 'next-owner');
    expect(await clock.holder(name)).toBeUndefined();
  });

  it('withLease releases the lease when its work throws', async () => {
    const l = lock();
    await expect(l.withLease('lease-throw-proof', 'owner-1', local.config.lockLeaseSeconds, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await l.holder('lease-throw-proof')).toBeUndefined();
  });
});

describe('after every abort, failure and re-run', () => {
  it('both shared policies grant exactly the accounts onboarded, with the foreign statements in place', () => {
    const expected = [...ALL].sort();
    expect(accountsInBucketPolicy(bucketDoc(), dest())).toEqual(expected);
    expect(accountsInKeyPolicy(keyDoc(), dest())).toEqual(expected);
    expect(foreign(bucketDoc())).toEqual(foreignBefore.bucket);
    expect(foreign(keyDoc())).toEqual(foreignBefore.key);
  });

  it('a verification run of every account writes nothing at all', async () => {
    local.world.resetCalls();
    const runs = await Promise.all(ALL.map((a) => local.run({ accountId: a }, `verify-${a}`)));
    expect(runs.filter((r) => r.status !== 'SUCCEEDED')).toEqual([]);
    expect(local.world.writeCalls().map((c) => `${c.service}:${c.operation}`)).toEqual([]);
    expect(await leases(local)).toEqual(NO_LEASE);
  });
});
