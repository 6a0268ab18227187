/**
 * Detection by event with `driftResponse: "report"`: the change's event starts a reconcile run in
 * mode `report`, which names the change, records DRIFTED and notifies, and writes nothing in AWS.
 */
import { CloudTrailClient, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { createClient } from '../../../handlers/shared/clients';
import { DEMO, startLocal, type Local } from '../harness';

const MEMBER = DEMO.memberAccountIds[0];
let local: Local;


beforeAll(async () => {
  local = await startLocal({ config: { driftResponse: 'report' } });
  const r = await local.run({ accountId: MEMBER }, `onboard-${MEMBER}`);
  if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ended ${r.status}: ${r.error}`);
  await local.world.settle();
});
afterAll(() => local.stop());

it('a stopped trail: one report run names it, records DRIFTED, notifies, and writes nothing in AWS', async () => {
  const runsFrom = local.world.stepFunctions.list().length;
  const notesFrom = local.world.events.invocations().length;
  const ct = createClient(CloudTrailClient, { region: DEMO.region, credentials: local.world.credentialsFor(`arn:aws:sts::${MEMBER}:assumed-role/OrganizationAccountAccessRole/alice`) });
  await ct.send(new StopLoggingCommand({ Name: DEMO.trailName }));
  ct.destroy();
  local.world.resetCalls();
  await local.world.settle();

  const runs = local.world.stepFunctions.list().slice(runsFrom);
  expect(runs.map((x) => [x.name.endsWith('-event'), x.status, JSON.parse(x.input).mode])).toEqual([[true, 'SUCCEEDED', 'report']]);
  expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}`)).toEqual([]);
  const item = await local.status.getAccount(MEMBER);
  expect(item).toMatchObject({ status: 'ONBOARDED', health: 'DRIFTED' });
  expect((item?.drift ?? []).map((d) => d.code)).toEqual(['TrailNotLogging']);
  const notes = local.world.events.invocations().slice(notesFrom).filter((i) => /:sns:/.test(i.targetArn)).map((i) => String(i.input));
  expect(notes.some((n) => n.includes('DRIFTED') && n.includes('TrailNotLogging'))).toBe(true);
  // Still stopped: nobody repaired it.
  expect(local.world.cloudtrail.getTrail(`arn:aws:cloudtrail:${DEMO.region}:${MEMBER}:trail/${DEMO.trailName}`)?.isLogging).toBe(false);
});
