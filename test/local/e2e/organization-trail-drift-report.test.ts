/**
 * Drift of the organization trail with driftResponse "report" (issue 12; repair:
 * organization-trail-drift.test.ts): an administrator of the management account stops the service's
 * organization trail; its event starts one `report` run, of the lowest ONBOARDED account, which records
 * the drift (DRIFTED, TrailNotLogging) and says so in its notification, and writes nothing in AWS: the
 * trail stays stopped.
 */
import { fakeDateOnly } from '../fake-date';
import { DEMO, startLocal, type Local } from '../harness';
import { onboardThenStopTrail } from './organization-mode';

const MGMT = DEMO.managementAccountId;
const MEMBERS = DEMO.memberAccountIds.slice(0, 2);
const FIRST = [...MEMBERS].sort()[0];
const ORG_TRAIL_NAME = 'cloudtrail-onboarding-org';
const ORG_TRAIL = `arn:aws:cloudtrail:${DEMO.region}:${MGMT}:trail/${ORG_TRAIL_NAME}`;
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
  local = await startLocal({ config: { trailMode: 'organization', driftResponse: 'report' } });
  ({ runsFrom, notesFrom } = await onboardThenStopTrail(local, MEMBERS, ADMIN, ORG_TRAIL));
}, 120_000);
afterAll(async () => {
  await local.stop();
  jest.useRealTimers();
});

it('starts one report run of the lowest ONBOARDED account, named for the organization trail, which ends SUCCEEDED', () => {
  expect(changeRuns().map((x) => ({ name: x.name, status: x.status, input: JSON.parse(x.input) }))).toEqual([
    {
      name: expect.stringMatching(new RegExp(`^reconcile-${FIRST}-report-\\d{8}T\\d{4}-organization-trail-event$`)),
      status: 'SUCCEEDED',
      input: { accountId: FIRST, mode: 'report', notBefore: expect.any(String) },
    },
  ]);
});

it('repairs nothing: the trail is still stopped, and no AWS write but the administrator\'s own StopLogging was made', () => {
  expect(local.world.cloudtrail.getTrail(ORG_TRAIL)?.isLogging).toBe(false);
  expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb').map((c) => `${c.principalArn} ${c.service}:${c.operation}`)).toEqual([`${ADMIN} cloudtrail:StopLogging`]);
});

it('records the drift on that account only (DRIFTED, TrailNotLogging) and notifies it once', async () => {
  const item = await local.status.getAccount(FIRST);
  expect({ health: item?.health, drift: (item?.drift ?? []).map((d) => `${d.resource}:${d.code}`) }).toEqual({ health: 'DRIFTED', drift: ['trail:TrailNotLogging'] });
  const other = MEMBERS.find((id) => id !== FIRST)!;
  expect((await local.status.getAccount(other))?.health).not.toBe('DRIFTED');
  const notes = local.world.events
    .invocations()
    .slice(notesFrom)
    .filter((i) => /:sns:/.test(i.targetArn))
    .map((i) => String(i.input));
  expect(notes.filter((n) => n.includes('-organization-trail-event') && n.includes('DRIFTED') && n.includes('TrailNotLogging') && n.includes(ORG_TRAIL_NAME))).toHaveLength(1);
});
