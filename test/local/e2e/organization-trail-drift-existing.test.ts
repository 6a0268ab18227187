/**
 * Drift of an organization trail the service was given by ARN (organizationTrail.arn, a Control
 * Tower-style trail; issue 12). The service never writes to it, so its change is only reported: an
 * administrator of the management account stops it, the event starts one `report` run (driftResponse
 * is "repair" here) of the lowest ONBOARDED account, named for the organization trail; the run finds
 * the trail unusable and reports it as drift (`OrganizationTrailUnusable`, naming what is wrong): the
 * account stays ONBOARDED and shows DRIFTED, the run's notification says so and the not-healthy alarm
 * counts it; the trail stays stopped for its owner to start. (A run that applies -- an onboarding --
 * still fails with OrganizationTrailConflict: it cannot go on with a trail that does not log.)
 */
import { seedOrganizationTrail } from '../../../local/sim/seeds';
import { fakeDateOnly } from '../fake-date';
import { DEMO, startLocal, type Local } from '../harness';
import { onboardThenStopTrail } from './organization-mode';

const MGMT = DEMO.managementAccountId;
const MEMBERS = DEMO.memberAccountIds.slice(0, 2);
const FIRST = [...MEMBERS].sort()[0];
const CT_TRAIL_NAME = 'aws-controltower-BaselineCloudTrail';
const CT_TRAIL = `arn:aws:cloudtrail:${DEMO.region}:${MGMT}:trail/${CT_TRAIL_NAME}`;
const ADMIN = `arn:aws:sts::${MGMT}:assumed-role/Administrator/alice`;

let local: Local;
let runsFrom = 0;
let notesFrom = 0;

const changeRuns = () =>
  local.world.stepFunctions
    .list()
    .slice(runsFrom)
    .filter((x) => x.name.endsWith('-event'));

beforeAll(async () => {
  fakeDateOnly();
  local = await startLocal({
    config: { trailMode: 'organization', organizationTrail: { arn: CT_TRAIL } },
    prepareWorld: (w) => seedOrganizationTrail(w, { name: CT_TRAIL_NAME, bucket: DEMO.bucketName, keyArn: DEMO.keyArn, prefix: DEMO.logPrefix }),
  });
  ({ runsFrom, notesFrom } = await onboardThenStopTrail(local, MEMBERS, ADMIN, CT_TRAIL_NAME));
}, 120_000);
afterAll(async () => {
  await local.stop();
  jest.useRealTimers();
});

it('starts one report run (whatever driftResponse says) of the lowest ONBOARDED account, named for the organization trail', () => {
  expect(changeRuns().map((x) => ({ name: x.name, input: JSON.parse(x.input) }))).toEqual([
    {
      name: expect.stringMatching(new RegExp(`^reconcile-${FIRST}-report-\\d{8}T\\d{4}-organization-trail-event$`)),
      input: { accountId: FIRST, mode: 'report', notBefore: expect.any(String) },
    },
  ]);
});

it('the run reports the stopped trail as drift: the account stays ONBOARDED and shows DRIFTED, no other account is touched', async () => {
  const [run] = changeRuns();
  expect({ status: run.status, error: run.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  const item = await local.status.getAccount(FIRST);
  expect(item).toMatchObject({
    status: 'ONBOARDED',
    health: 'DRIFTED',
    drift: expect.arrayContaining([{ resource: 'trail', code: 'OrganizationTrailUnusable', detail: expect.stringContaining(`Trail ${CT_TRAIL} is not logging`) }]),
  });
  const other = MEMBERS.find((id) => id !== FIRST)!;
  expect(await local.status.getAccount(other)).toMatchObject({ status: 'ONBOARDED' });
  expect((await local.status.getAccount(other))?.health ?? 'HEALTHY').toBe('HEALTHY');
});

it('writes nothing in AWS (the trail stays stopped for its owner) and notifies the run once, as DRIFTED', () => {
  expect(local.world.cloudtrail.getTrail(CT_TRAIL)?.isLogging).toBe(false);
  expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb').map((c) => `${c.principalArn} ${c.service}:${c.operation}`)).toEqual([`${ADMIN} cloudtrail:StopLogging`]);
  const notes = local.world.events
    .invocations()
    .slice(notesFrom)
    .filter((i) => /:sns:/.test(i.targetArn))
    .map((i) => String(i.input));
  expect(notes.filter((n) => n.includes('-organization-trail-event'))).toHaveLength(1);
  expect(notes.find((n) => n.includes('-organization-trail-event'))).toContain('DRIFTED');
});
