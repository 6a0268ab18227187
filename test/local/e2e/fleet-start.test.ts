/**
 * The orchestrator's backfill end to end (issue 11): the ReconcileFleet function, invoked with
 * `{"action": "backfill"}` as an operator or `fleetStart.schedule` would, running as its own role from
 * the template, lists the organization's OU tree, and starts the onboarding of every in-scope, not
 * ONBOARDED, ACTIVE account through the simulated Step Functions; the continuation tick then finds the
 * backfill finished. An organization of 36 accounts in OUs: some excluded by scope, some suspended,
 * some onboarded before.
 *
 * @slow (test/sequencer.js: first on a machine with no timings yet)
 */
import type { FleetResult } from '../../../handlers/start/fleet';
import { memberAccountSpecs } from '../../../local/sim/accounts';
import { DEMO, startLocal, type Local } from '../harness';

const ROOT = 'r-a1b2';
const WORKLOADS = 'ou-a1b2-workload';
const TEAM = 'ou-a1b2-team0001';
const workloads = memberAccountSpecs(16, { firstId: '100000000100', parentIds: [WORKLOADS] });
const team = memberAccountSpecs(10, { firstId: '100000000200', parentIds: [TEAM] });
const SUSPENDED = [workloads[0].id, team[0].id];
const SCOPE_EXCLUDED = [workloads[1].id, team[1].id];
const ONBOARDED_BEFORE = DEMO.memberAccountIds.slice(0, 2);
/** Accounts without OrganizationAccountAccessRole (the demo's security-tooling account) fail; everything else in scope is started. */
const EXPECTED = [...workloads.slice(2), ...team.slice(2)].map((a) => a.id).concat(DEMO.memberAccountIds.slice(2), DEMO.securityToolingAccountId).sort();
let local: Local;

const invoke = async (event: unknown) => (await local.sfn.invokeFunction('ReconcileFleet', event)) as FleetResult & { backfill?: FleetResult };
const startsOf = (name: string) => local.world.stepFunctions.calls.filter((c) => c.operation === 'StartExecution' && c.input.name === name && c.error === undefined).length;

beforeAll(async () => {
  local = await startLocal({
    loseApiCallEvents: true,
    // Paced fast enough for a test (the pacing itself is the unit tests'); 10 onboardings open at once.
    config: { scope: { excludeAccounts: SCOPE_EXCLUDED }, fleetStart: { maxConcurrent: 10, maxStartsPerSecond: 50 } },
    prepareWorld: (world) => {
      world.organizations.createOrganizationalUnit(ROOT, 'Workloads', WORKLOADS);
      world.organizations.createOrganizationalUnit(WORKLOADS, 'Team', TEAM);
      const specs = [...workloads, ...team].map((a) => (SUSPENDED.includes(a.id) ? { ...a, state: 'SUSPENDED' as const } : a));
      world.addMemberAccounts(specs);
      for (const a of specs) world.seedMember(a.id);
    },
  });
  for (const id of ONBOARDED_BEFORE) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding of ${id} ended ${r.status}`);
  }
  local.world.resetCalls();
}, 120_000);
afterAll(() => local.stop());

describe('a backfill begun with {"action": "backfill"}', () => {
  let result: FleetResult;
  beforeAll(async () => {
    result = await invoke({ action: 'backfill' });
    await local.world.settle();
  }, 180_000);

  it('starts exactly the in-scope, not ONBOARDED, ACTIVE accounts, each once, and finishes the sweep', () => {
    expect(result).toMatchObject({ outcome: 'finished', began: true, remaining: 0, sweep: { started: EXPECTED.length, skipped: 0 } });
    const started = local.world.stepFunctions.calls.filter((c) => c.operation === 'StartExecution' && c.error === undefined).map((c) => String(c.input.name));
    expect([...started].sort()).toEqual(EXPECTED.map((id) => `onboard-${id}`));
    for (const id of EXPECTED) expect({ id, starts: startsOf(`onboard-${id}`) }).toEqual({ id, starts: 1 });
  });

  it('every started account ends ONBOARDED (but the one whose member-access role is missing: FAILED); the excluded, suspended and onboarded ones get no execution', async () => {
    for (const id of EXPECTED) {
      expect({ id, status: (await local.status.getAccount(id))?.status }).toEqual({ id, status: id === DEMO.securityToolingAccountId ? 'FAILED' : 'ONBOARDED' });
    }
    const names = local.world.stepFunctions.list().map((x) => x.name);
    for (const id of [...SUSPENDED, ...SCOPE_EXCLUDED, DEMO.suspendedAccountId, DEMO.managementAccountId, DEMO.logArchiveAccountId]) {
      expect({ id, runs: names.filter((n) => n.includes(id)) }).toEqual({ id, runs: [] });
    }
    for (const id of ONBOARDED_BEFORE) expect(startsOf(`onboard-${id}`)).toBe(0);
  });

  it('acts as its own role: Organizations lists the tree, the status table is scanned and FLEET#backfill recorded, no call denied', () => {
    const own = local.world.calls.filter((c) => c.step === 'ReconcileFleet');
    expect([...new Set(own.map((c) => `${c.service}:${c.operation}`))].sort()).toEqual([
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListRoots',
    ]);
    expect(own.every((c) => c.principalArn.startsWith('arn:aws:sts::111122223333:assumed-role/CloudTrailOnboarding-ReconcileFleet/'))).toBe(true);
    expect(own.filter((c) => c.error !== undefined)).toEqual([]);
  });

  it('the continuation tick then finds the backfill finished; a second backfill starts nothing new (the failed account answers previously failed)', async () => {
    const continued = await invoke({ action: 'continue' });
    expect(continued.backfill).toMatchObject({ outcome: 'idle', reason: expect.stringMatching(/finished at/) });
    const before = local.world.stepFunctions.list().length;
    const again = await invoke({ action: 'backfill' });
    expect(again).toMatchObject({ outcome: 'finished', began: true, sweep: { started: 0, skipped: 1 } });
    expect(local.world.stepFunctions.list()).toHaveLength(before);
  }, 60_000);

  it('POST /fleet/onboard (IAM-authorized, as the Api role) records a backfill that the next continuation tick runs; a second request while it is open changes nothing', async () => {
    const post = async () => {
      const r = (await local.sfn.invokeFunction('Api', { httpMethod: 'POST', resource: '/fleet/onboard', path: '/fleet/onboard', pathParameters: null, body: null, isBase64Encoded: false, headers: {}, requestContext: { requestId: 'fleet-onboard' } })) as { statusCode: number; body: string };
      return { statusCode: r.statusCode, body: JSON.parse(r.body) as { outcome: string } };
    };
    expect(await post()).toMatchObject({ statusCode: 202, body: { outcome: 'requested' } });
    expect(await post()).toMatchObject({ statusCode: 200, body: { outcome: 'already-open' } });
    const before = local.world.stepFunctions.list().length;
    const tick = await invoke({ action: 'continue' });
    // Resumed, not begun: the request began it. Everything is onboarded by now (the failed account answers previously failed).
    expect(tick.backfill).toMatchObject({ outcome: 'finished', began: false, sweep: { started: 0, skipped: 1 } });
    expect(local.world.stepFunctions.list()).toHaveLength(before);
    // The second request is the conditional write refused; nothing was denied.
    expect(local.world.calls.filter((c) => c.step === 'Api' && c.error !== undefined).map((c) => c.error)).toEqual(['ConditionalCheckFailedException']);
  }, 60_000);
});
