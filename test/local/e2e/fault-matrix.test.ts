/**
 * Every AWS call the steps make, one at a time, under each kind of fault.
 *
 * The calls are not listed by hand: a clean onboarding is run first (fault-matrix.calls.ts, at
 * collection time, in a child process, since Jest needs the test names up front) and its distinct
 * calls — service + operation + target (member account, log-archive account, the orchestrator's
 * DynamoDB table: status, member set and leases, Organizations) — are the rows of the matrix. Each row
 * is faulted with throttling, a 5xx, an IAM-propagation error and AccessDenied, each case onboarding
 * a fresh account:
 * - throttling, 5xx, propagation (past the SDK's own retry): the fault is hit, the execution
 *   SUCCEEDS, the account ends exactly like a clean one and both shared policies grant it;
 * - AccessDenied (on every attempt, as a missing permission would): the execution FAILS with a named
 *   error, the status table says so, and the shared policies are whole: they parse, every foreign
 *   statement is unchanged and in place, no account granted before is dropped, and the owned
 *   statements are exactly what handlers/domain renders for the accounts they grant (so this account
 *   is granted completely or not at all).
 * Not run: 'Propagation' where the fault injector gives it no meaning (DynamoDB, Organizations; listed
 * as skipped, with the injector's reason). Run with another expectation: 'Propagation' on the calls in
 * NOT_AN_AWS_ANSWER, whose injected error AWS never gives that operation; they must fail as cleanly
 * as a denial. In `trailMode` `account`; the calls only organization mode makes are the rows of
 * fault-matrix-organization.test.ts. The cases and their checks: fault-matrix.cases.ts.
 *
 * @slow (test/sequencer.js: first on a machine with no timings yet)
 */
import { FaultInjector } from '../../../local/sim/faults';
import { deriveCallsInChildProcess, keyOf } from './fault-matrix.calls';
import { buildCases, expectFailedCleanly, expectSucceededLikeClean, NOT_AN_AWS_ANSWER, runCase, startMatrix, type Matrix } from './fault-matrix.cases';

const CALLS = deriveCallsInChildProcess('account').account;
const CLEAN = '305419896000';
const { cases: CASES, noSuchFault: NO_SUCH_FAULT } = buildCases(CALLS, 305419896100);

let m: Matrix;
beforeAll(async () => {
  m = await startMatrix('account', CLEAN, CASES);
});
afterAll(() => m?.stop());

describe('the calls of a clean onboarding', () => {
  it(`are ${CALLS.length} distinct calls, the same in this run as in the one the matrix was built from`, () => {
    expect(m.cleanCalls.map(keyOf)).toEqual(CALLS.map(keyOf));
    expect(new Set(CALLS.map((c) => c.target))).toEqual(new Set(['member', 'log-archive', 'orchestrator-dynamodb', 'organizations']));
    // Every exception to "propagation is retried" names a call the steps really make.
    const operations = new Set(CALLS.map((c) => `${c.service} ${c.operation}`));
    expect(Object.keys(NOT_AN_AWS_ANSWER).filter((k) => !operations.has(k))).toEqual([]);
  });
});

describe('faults that do not exist for a call', () => {
  it.each(NO_SUCH_FAULT)('$name: the injector refuses it, so the matrix does not pretend to test it', ({ call, kind }) => {
    expect(() => new FaultInjector().inject({ service: call.service, operation: call.operation, error: kind })).toThrow();
  });
});

describe('one call faulted at a time', () => {
  it.each(CASES)('$name', async (c) => {
    const run = await runCase(m, c);
    if (c.outcome.succeeds) await expectSucceededLikeClean(m, run, c.account);
    else await expectFailedCleanly(m, run, c);
  });
});
