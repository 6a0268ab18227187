/**
 * The fleet reconcile end to end (issue 10, detection on a schedule): the ReconcileFleet function,
 * invoked as the schedule would, running as its own role from the template, starts a reconcile run of
 * every ONBOARDED account through the simulated Step Functions; a change an administrator made (here a
 * stopped trail, whose own events a stopped trail would no longer deliver) is repaired, and the
 * accounts nobody touched get zero AWS writes.
 */
import { CloudTrailClient, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { createClient } from '../../../handlers/shared/clients';
import type { FleetResult } from '../../../handlers/start/fleet';
import { DEMO, startLocal, type Local } from '../harness';

const MEMBERS = DEMO.memberAccountIds.slice(0, 3);
const [UNTOUCHED_1, TAMPERED, UNTOUCHED_2] = MEMBERS;
const TRAIL = 'org-member-trail';
let local: Local;

const asMemberAdmin = (accountId: string) => local.world.credentialsFor(`arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/admin`);
/** AWS write calls (the status table left out), as `<account> <service>:<operation>`. */
const awsWrites = () =>
  local.world
    .writeCalls()
    .filter((c) => c.service !== 'dynamodb')
    .map((c) => `${c.accountId} ${c.service}:${c.operation}`);

async function invokeFleet(event: unknown): Promise<FleetResult> {
  return (await local.sfn.invokeFunction('ReconcileFleet', event)) as FleetResult;
}

beforeAll(async () => {
  // Starts paced fast enough for a test; three runs may be open at once.
  // The fleet reconcile is what finds the change here: its event is lost.
  local = await startLocal({ loseApiCallEvents: true, config: { fleetReconcile: { maxConcurrent: 3, maxStartsPerSecond: 20 } } });
  for (const id of MEMBERS) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding of ${id} ended ${r.status}: ${r.error}`);
  }
});
afterAll(() => local.stop());

describe('a fleet reconcile after an administrator stopped one trail', () => {
  let result: FleetResult;
  beforeAll(async () => {
    const ct = createClient(CloudTrailClient, { region: DEMO.region, credentials: asMemberAdmin(TAMPERED) });
    await ct.send(new StopLoggingCommand({ Name: TRAIL }));
    ct.destroy();
    local.world.resetCalls();
    result = await invokeFleet({});
    await local.world.stepFunctions.idle();
  });

  it('starts one reconcile run per ONBOARDED account, in mode apply (driftResponse repair), and finishes the sweep', () => {
    expect(result).toMatchObject({ outcome: 'finished', began: true, mode: 'apply', remaining: 0, skipped: [], sweep: { started: 3, skipped: 0 } });
    if (result.outcome !== 'finished') return;
    const runs = result.executionArns.map((arn) => local.world.stepFunctions.get(arn)!);
    expect(runs.map((x) => JSON.parse(x.input))).toEqual(MEMBERS.map((accountId) => ({ accountId, mode: 'apply' })));
    expect(runs.map((x) => x.name)).toEqual(MEMBERS.map((id) => expect.stringMatching(new RegExp(`^reconcile-${id}-apply-\\d{8}T\\d{4}$`))));
    expect(runs.map((x) => x.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('repairs the tampered account and records REPAIRED with what it found', async () => {
    const item = await local.status.getAccount(TAMPERED);
    expect(item).toMatchObject({ status: 'ONBOARDED', health: 'REPAIRED', drift: [expect.objectContaining({ resource: 'trail', code: 'TrailNotLogging' })] });
    expect(await local.world.canCloudTrailDeliver(`arn:aws:cloudtrail:${DEMO.region}:${TAMPERED}:trail/${TRAIL}`)).toEqual({ bucket: true, key: true });
  });

  it('writes in AWS only what the repair needs, and nothing at all for the untouched accounts, which stay HEALTHY', async () => {
    expect(awsWrites()).toEqual([`${TAMPERED} cloudtrail:StartLogging`]);
    for (const id of [UNTOUCHED_1, UNTOUCHED_2]) {
      expect(await local.status.getAccount(id)).toMatchObject({ status: 'ONBOARDED', health: 'HEALTHY' });
    }
  });

  it('acts as its own role: the status table is read and the sweep recorded as CloudTrailOnboarding-ReconcileFleet', () => {
    const own = local.world.calls.filter((c) => c.step === 'ReconcileFleet');
    // The ONBOARDED accounts from the status index (a Query), the sweep's item updated.
    expect([...new Set(own.map((c) => `${c.service}:${c.operation}`))].sort()).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(own.every((c) => c.principalArn.startsWith('arn:aws:sts::111122223333:assumed-role/CloudTrailOnboarding-ReconcileFleet/'))).toBe(true);
    expect(own.every((c) => c.error === undefined)).toBe(true);
  });

  it('the continuation tick then finds no sweep open and starts nothing', async () => {
    const before = local.world.stepFunctions.list().length;
    expect(await invokeFleet({ action: 'continue' })).toMatchObject({ outcome: 'idle', reason: expect.stringMatching(/finished at/) });
    expect(local.world.stepFunctions.list()).toHaveLength(before);
  });
});
