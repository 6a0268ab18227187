/**
 * The fleet reconcile with `driftResponse: "report"`: every ONBOARDED account is verified, drift is
 * recorded (DRIFTED, named items) and announced, and nothing is changed in AWS: the stopped trail
 * stays stopped until someone decides. (Its own file: handler modules read the configuration once.)
 */
import { CloudTrailClient, GetTrailStatusCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { createClient } from '../../../handlers/shared/clients';
import type { FleetResult } from '../../../handlers/start/fleet';
import { DEMO, startLocal, type Local } from '../harness';

const [HEALTHY, TAMPERED] = DEMO.memberAccountIds.slice(0, 2);
const TRAIL = 'org-member-trail';
let local: Local;
const memberTrails = (accountId: string) =>
  createClient(CloudTrailClient, { region: DEMO.region, credentials: local.world.credentialsFor(`arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/admin`) });

beforeAll(async () => {
  local = await startLocal({ loseApiCallEvents: true, config: { driftResponse: 'report', fleetReconcile: { maxConcurrent: 2, maxStartsPerSecond: 20 } } });
  for (const id of [HEALTHY, TAMPERED]) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding of ${id} ended ${r.status}`);
  }
  const ct = memberTrails(TAMPERED);
  await ct.send(new StopLoggingCommand({ Name: TRAIL }));
  ct.destroy();
});
afterAll(() => local.stop());

it('verifies every account in mode report: the stopped trail is DRIFTED and named, the other HEALTHY, and nothing is written in AWS', async () => {
  local.world.resetCalls();
  const result = (await local.sfn.invokeFunction('ReconcileFleet', {})) as FleetResult;
  await local.world.stepFunctions.idle();
  expect(result).toMatchObject({ outcome: 'finished', mode: 'report' });
  expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb')).toEqual([]);
  expect(await local.status.getAccount(TAMPERED)).toMatchObject({ status: 'ONBOARDED', health: 'DRIFTED', drift: [expect.objectContaining({ code: 'TrailNotLogging' })] });
  expect(await local.status.getAccount(HEALTHY)).toMatchObject({ status: 'ONBOARDED', health: 'HEALTHY' });
  const ct = memberTrails(TAMPERED);
  expect((await ct.send(new GetTrailStatusCommand({ Name: TRAIL }))).IsLogging).toBe(false);
  ct.destroy();
});
