/**
 * The fault matrix of fault-matrix.test.ts in `trailMode` `organization`, for the calls only that
 * mode makes.
 *
 * The rows are derived, not listed: a clean organization-mode onboarding from an organization without
 * trusted access for CloudTrail (so the set-up calls are in it: DescribeOrganization,
 * ListAWSServiceAccessForOrganization, EnableAWSServiceAccess, and the organization trail's
 * CreateTrail, StartLogging, GetTrail, GetTrailStatus, ... in the management account) is run at
 * collection time, in a child process (fault-matrix.calls.ts), and so is a clean account-mode one;
 * the rows are the distinct calls (service + operation + target) of the first that are not rows of
 * the second: those are faulted by the account-mode matrix already, made by the same steps' code.
 * Each row is faulted with the same four kinds and judged by the same expectations
 * (fault-matrix.cases.ts), each case onboarding a fresh account in one shared simulation. The
 * set-up is made by an organization's first onboarding only, so every case first brings the
 * organization back to before it (organization-mode.ts `undoOrganizationSetUp`), and its onboarding
 * is that first one again:
 * - throttling, 5xx, propagation (past the SDK's own retry): the onboarding SUCCEEDS, the account ends
 *   exactly like the clean one, and so does the organization (trusted access, the organization trail
 *   as configured, logging, covering the account);
 * - AccessDenied (every attempt), and propagation errors AWS never gives the operation: FAILED with a
 *   named error, the status table says so, the shared policies are whole (organization statements
 *   only, no account listed), and the organization trail is not half-made: it is absent or exactly as
 *   configured (a trail created but never started is allowed here and must be started by the re-run);
 *   once the fault is gone, a re-run SUCCEEDS and ends exactly like the clean onboarding.
 *
 * @slow (test/sequencer.js: first on a machine with no timings yet)
 */
import { SessionCache } from '../../../handlers/adapters/sts';
import type { CallRecord } from '../../../local/sim';
import { FaultInjector } from '../../../local/sim/faults';
import { accountResources, awsWrites } from '../harness';
import { keyOf, organizationOnlyCalls, targetOf, type DistinctCall } from './fault-matrix.calls';
import { buildCases, expectFailedCleanly, expectSucceededLikeClean, runCase, startMatrix, type Matrix } from './fault-matrix.cases';
import { expectOrganizationLikeClean, ORGANIZATION_TRAIL_ARN, organizationSetUp, undoOrganizationSetUp } from './organization-mode';

const DERIVED = organizationOnlyCalls();
const CALLS = DERIVED.rows;
const CLEAN = '305419897000';
const { cases: CASES, noSuchFault: NO_SUCH_FAULT } = buildCases(CALLS, 305419897100);

let m: Matrix;
/** What the clean onboarding set up in the organization (organization-mode.ts `organizationSetUp`). */
let cleanSetUp: unknown;
beforeAll(async () => {
  m = await startMatrix('organization', CLEAN, CASES);
  cleanSetUp = organizationSetUp(m.local.world);
});
afterAll(() => m?.stop());

/** The organization trail's configuration, whether or not it logs. */
const configured = (setUp: unknown) => {
  const { organizationTrail } = setUp as { organizationTrail?: Record<string, unknown> };
  if (!organizationTrail) return undefined;
  const { isLogging: _isLogging, ...rest } = organizationTrail;
  return rest;
};

/**
 * The writes of the step that first made `c`'s call in the clean onboarding (AWS calls, the status
 * table left out), made before and after that call: what a run that failed there has written in that
 * step, and what a re-run has left to write (every other step wrote all it writes before it).
 */
function setUpWritesAround(c: DistinctCall): { before: string[]; after: string[] } {
  const first = m.cleanLog.find((r) => r.step && keyOf({ service: r.service, operation: r.operation, target: targetOf(r, CLEAN) }) === keyOf(c));
  if (!first) throw new Error(`the clean onboarding made no ${keyOf(c)} call`);
  const writes = m.cleanLog.filter((r) => r.write && r.service !== 'dynamodb' && r.step === first.step && r.error === undefined);
  const name = (r: CallRecord) => `${r.service}:${r.operation}`;
  return { before: writes.filter((r) => r.seq < first.seq).map(name), after: writes.filter((r) => r.seq >= first.seq).map(name) };
}

/** The account and the organization end exactly like the clean onboarding left them. */
async function expectCleanEndState(account: string): Promise<void> {
  expect(await m.local.status.getAccount(account)).toMatchObject({ status: 'ONBOARDED', trailArn: ORGANIZATION_TRAIL_ARN });
  expect(accountResources(m.local.world, account)).toEqual(m.cleanResources);
  expectOrganizationLikeClean(m.local.world, account, cleanSetUp);
}

describe('the calls of a clean organization-mode onboarding', () => {
  it(`are the same in this run as in the one the matrix was built from; ${CALLS.length} of them are not rows of the account-mode matrix`, () => {
    expect(m.cleanCalls.map(keyOf)).toEqual(DERIVED.organization.map(keyOf));
    const shared = new Set(DERIVED.account.map(keyOf));
    expect(CALLS.map(keyOf)).toEqual(m.cleanCalls.map(keyOf).filter((k) => !shared.has(k)));
    // The set-up from an organization without trusted access is among them, made by the organization-trail step.
    expect(CALLS.map(keyOf)).toEqual(
      expect.arrayContaining([
        'organizations DescribeOrganization organizations',
        'organizations ListAWSServiceAccessForOrganization organizations',
        'organizations EnableAWSServiceAccess organizations',
        'cloudtrail CreateTrail management',
        'cloudtrail StartLogging management',
      ]),
    );
    // First made by the organization-trail step, which runs after every other step has written all it writes.
    expect(CALLS.filter((c) => c.steps[0] !== 'EnsureOrganizationTrail')).toEqual([]);
  });

  it('the clean onboarding set the organization up: trusted access, the organization trail logging', () => {
    expect(cleanSetUp).toMatchObject({ trustedAccess: true, organizationTrail: { isLogging: true, isOrganizationTrail: true }, organizationTrails: [ORGANIZATION_TRAIL_ARN] });
  });

  it('undoing the set-up leaves an organization without trusted access and without the organization trail', async () => {
    await undoOrganizationSetUp(m.local.world);
    expect(organizationSetUp(m.local.world)).toEqual({ trustedAccess: false, organizationTrail: undefined, organizationTrails: [] });
  });
});

describe('faults that do not exist for a call', () => {
  it.each(NO_SUCH_FAULT)('$name: the injector refuses it, so the matrix does not pretend to test it', ({ call, kind }) => {
    expect(() => new FaultInjector().inject({ service: call.service, operation: call.operation, error: kind })).toThrow();
  });
});

describe('one organization-mode call faulted at a time, from an organization without trusted access', () => {
  it.each(CASES)('$name', async (c) => {
    const { world } = m.local;
    await undoOrganizationSetUp(world);
    const run = await runCase(m, c);

    if (c.outcome.succeeds) {
      await expectSucceededLikeClean(m, run, c.account);
      await expectCleanEndState(c.account);
      return;
    }

    await expectFailedCleanly(m, run, c);
    // It wrote what the clean onboarding writes before that call, nothing after it (the faulted call
    // is first made by the organization-trail step, after every other step's writes).
    const expected = setUpWritesAround(c.call);
    expect(world.writeCalls().filter((r) => r.step === 'EnsureOrganizationTrail' && r.error === undefined).map((r) => `${r.service}:${r.operation}`)).toEqual(expected.before);
    // Not half-made: no organization trail, or the one configured (whether it logs yet or not).
    const trail = configured(organizationSetUp(world));
    if (trail !== undefined) expect(trail).toEqual(configured(cleanSetUp));
    expect(world.cloudtrail.list().filter((t) => t.accountId === c.account)).toEqual([]);

    // The fault gone, a re-run writes only what is missing (a trail created but not started: its StartLogging) and succeeds.
    SessionCache.clearAll();
    world.resetCalls();
    const again = await m.local.run({ accountId: c.account });
    expect({ status: again.status, error: again.error, cause: again.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect(awsWrites(world)).toEqual(expected.after);
    await expectCleanEndState(c.account);
  });
});
