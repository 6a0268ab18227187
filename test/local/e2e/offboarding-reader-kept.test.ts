/**
 * offboarding.keepReaderRoleDays 1, end to end on the simulated deployment with the clock moved
 * (only Date is faked: the simulation, the SDK and the handlers all read it, as one clock): the
 * offboarded account's reader role is kept, and its administrator still reads its logs through it
 * (real STS, S3 and KMS clients); a fleet tick before the day is over leaves it; the first fleet tick
 * after starts an offboarding (reason `keepReaderRoleDays elapsed`) that deletes it; the next tick
 * starts nothing. (The shared reader role's revocation: offboarding-reader.test.ts.)
 */
import type { FleetResult, KeptReaderRoleDeletions } from '../../../handlers/start/fleet';
import { fakeDateOnly } from '../fake-date';
import { DEMO, startLocal, type Local } from '../harness';
import { assumeRole, logReader, outcome, principalCredentials, putLogFile } from './reader-access';

const [A] = DEMO.memberAccountIds;
const LA = DEMO.logArchiveAccountId;
const KEY = DEMO.keyArn;
const ROLE = `CloudTrailLogReader-${A}`;
const HOUR = 3600 * 1000;

let local: Local;
let object: string;

beforeAll(async () => {
  fakeDateOnly();
  local = await startLocal({ config: { offboarding: { keepReaderRoleDays: 1 } }, loseApiCallEvents: true });
  const r = await local.run({ accountId: A }, `onboard-${A}`);
  if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ${A}: ${r.status} ${r.error} ${r.cause}`);
  object = putLogFile(local.world, A, KEY);
}, 120_000);
afterAll(async () => {
  await local?.stop();
  jest.useRealTimers();
});

/** What A's administrator can do with A's logs through its reader role, or why it cannot assume it. */
async function readThroughRole(): Promise<unknown> {
  const admin = principalCredentials(local.world, `arn:aws:sts::${A}:assumed-role/OrganizationAccountAccessRole/admin`);
  const assumed = await outcome(() => assumeRole(admin, { RoleArn: `arn:aws:iam::${LA}:role/${ROLE}` }));
  if (assumed !== 'ok') return { assume: assumed };
  const reader = logReader(local.world, await assumeRole(admin, { RoleArn: `arn:aws:iam::${LA}:role/${ROLE}` }), KEY);
  try {
    return await reader.can(A, object);
  } finally {
    reader.destroy();
  }
}

/** One 5-minute continuation tick of the fleet reconcile (the ReconcileFleet function), and the runs it started, finished. */
async function fleetTick(): Promise<FleetResult & KeptReaderRoleDeletions> {
  const result = (await local.sfn.invokeFunction('ReconcileFleet', { action: 'continue' })) as FleetResult & KeptReaderRoleDeletions;
  await local.world.stepFunctions.idle();
  return result;
}

const role = () => local.world.iam.getRole(LA, ROLE);

describe('a reader role kept for a day after the offboarding', () => {
  let offboardedAt: number;

  it('is kept, and recorded with the date it is kept until', async () => {
    offboardedAt = Date.now();
    const r = await local.run({ accountId: A, action: 'offboard', reason: 'RemoveAccountFromOrganization' }, `offboard-${A}`);
    expect({ status: r.status, error: r.error, cause: r.cause }).toMatchObject({ status: 'SUCCEEDED' });
    const item = await local.status.getAccount(A);
    expect(item).toMatchObject({ status: 'OFFBOARDED', offboarding: { leftBehind: [expect.objectContaining({ resource: 'readerRole', reason: expect.stringMatching(/^kept until /) })] } });
    expect(item?.offboarding?.removed).not.toContain('readerRole');
    const until = Date.parse(item!.offboarding!.readerRoleKeptUntil!);
    expect(until - offboardedAt).toBeGreaterThanOrEqual(24 * HOUR - 60_000);
    expect(until - offboardedAt).toBeLessThanOrEqual(24 * HOUR + 60_000);
    expect(role()).toBeDefined();
  });

  it('its account\'s administrator still lists, reads and decrypts its logs through it', async () => {
    expect(await readThroughRole()).toEqual({ list: 'ok', get: 'ok', decrypt: 'ok' });
  });

  it('a fleet tick before the day is over starts nothing, and the role stays usable', async () => {
    jest.setSystemTime(offboardedAt + 23 * HOUR);
    const tick = await fleetTick();
    expect(tick.readerRoleDeletions).toBeUndefined();
    expect(role()).toBeDefined();
    expect(await readThroughRole()).toEqual({ list: 'ok', get: 'ok', decrypt: 'ok' });
  });

  it('the first fleet tick after the day starts an offboarding that deletes it, recorded with why', async () => {
    jest.setSystemTime(offboardedAt + 24 * HOUR + 5 * 60_000);
    local.world.resetCalls();
    const tick = await fleetTick();
    expect(tick.readerRoleDeletions).toHaveLength(1);
    const run = local.world.stepFunctions.get(tick.readerRoleDeletions![0]!)!;
    expect({ name: run.name, status: run.status, input: JSON.parse(run.input) }).toEqual({
      name: expect.stringMatching(new RegExp(`^offboard-${A}-\\d{8}T\\d{6}Z$`)),
      status: 'SUCCEEDED',
      input: { accountId: A, action: 'offboard', reason: 'keepReaderRoleDays elapsed' },
    });
    expect(role()).toBeUndefined();
    // It wrote nothing else: the rest went with the first run.
    expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}`)).toEqual(['iam:DeleteRolePolicy', 'iam:DeleteRole']);
    const item = await local.status.getAccount(A);
    expect(item).toMatchObject({ status: 'OFFBOARDED', offboarding: { reason: 'keepReaderRoleDays elapsed', removed: expect.arrayContaining(['trail', 'readerRole']), leftBehind: [] } });
    expect(item?.offboarding?.readerRoleKeptUntil).toBeUndefined();
    expect(await readThroughRole()).toEqual({ assume: 'AccessDenied' });
  });

  it('the next tick starts nothing', async () => {
    jest.setSystemTime(Date.now() + 5 * 60_000);
    expect((await fleetTick()).readerRoleDeletions).toBeUndefined();
  });
});
