/**
 * The ways out by event, end to end through the deployed wiring only: the management account's
 * administrator removes or closes an onboarded account through the real SDK against the simulation
 * (a member leaves by itself); the simulated Organizations emits what AWS documents -- the API call
 * ("AWS API Call via CloudTrail", management account, us-east-1, while its trail logs) and the
 * membership event AccountDepartedOrganization ("AWS Service Event via CloudTrail", no trail needed) --
 * onto the management account's default bus; the ManagementEvents stack's rules forward them with their
 * role to the orchestrator's bus, whose rules invoke StartFromEvent; it starts the offboarding, which
 * runs and records OFFBOARDED with the event as its reason. Every hop is the synthesized templates'.
 *
 * Time: the world's clock runs ahead of real time by `offsetMs`, moved on to see a closure complete
 * and, 90 days later, the closed account leave the organization.
 */
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CloseAccountCommand, DescribeAccountCommand, LeaveOrganizationCommand, OrganizationsClient, RemoveAccountFromOrganizationCommand } from '@aws-sdk/client-organizations';
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { parsePolicy } from '../../../handlers/domain/policy-document';
import { createClient, type SdkClient } from '../../../handlers/shared/clients';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import { CLOSURE_COMPLETES_AFTER_MS, POST_CLOSURE_PERIOD_MS } from '../../../local/sim/organizations';
import { seedTrailBucket } from '../../../local/sim/seeds';
import sample from '../../../config/onboarding.sample.json';
import { DEMO, startLocal, type Local } from '../harness';

const [REMOVED, REMOVED_TWICE, CLOSED, LEFT, NEVER_ONBOARDED] = DEMO.memberAccountIds;
const MGMT = DEMO.managementAccountId;
const LA = DEMO.logArchiveAccountId;
const ADMIN = `arn:aws:sts::${MGMT}:assumed-role/Administrator/alice`;
const MGMT_TRAIL = 'management-account-trail';
const MGMT_TRAIL_BUCKET = `management-trail-${MGMT}`;
const dest = logDestinationFromConfig(parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sample, 'test'), 'onboarding-status')));

let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
let local: Local;

/** Runs `fn` with a client of `Ctor` signed as `principalArn` (us-east-1: Organizations' and IAM's region). */
async function as<C extends SdkClient, Cfg extends object>(Ctor: new (config: Cfg) => C, principalArn: string, fn: (c: C) => Promise<unknown>) {
  const c = createClient(Ctor, { region: 'us-east-1', credentials: local.world.credentialsFor(principalArn) });
  try {
    await fn(c);
  } finally {
    c.destroy();
  }
}
const organizations = (fn: (c: OrganizationsClient) => Promise<unknown>, principalArn: string = ADMIN) => as(OrganizationsClient, principalArn, fn);

const offboardingsOf = (id: string) => local.world.stepFunctions.list().filter((x) => x.name.startsWith(`offboard-${id}-`));
const inputOf = (x: { input: string }) => JSON.parse(x.input) as Record<string, unknown>;
const granted = () => ({
  bucket: accountsInBucketPolicy(parsePolicy(local.world.s3.getBucket(DEMO.bucketName)?.policy, 'bucket policy'), dest),
  key: accountsInKeyPolicy(parsePolicy(local.world.kms.resolve(DEMO.keyArn, LA, DEMO.region)?.policy, 'key policy'), dest),
});
/** The invocations of StartFromEvent since `since`, with the event's name each carried. */
const startFromEventCalls = (since: number) =>
  local.world.events
    .invocations()
    .slice(since)
    .filter((i) => i.targetArn.includes('StartFromEvent'))
    .map((i) => (i.input as { detail?: { eventName?: string } }).detail?.eventName);
/** Failed deliveries but the notifications' (not modelled targets). */
const failedDeliveries = () => local.world.events.failedDeliveries().filter((f) => !/Notifications|states/.test(JSON.stringify(f)));
/** The trail, switch role and change rules stay in an account the service can no longer reach. */
const LEFT_IN_THE_ACCOUNT = ['trail', 'switchRole', 'changeRules'];

beforeAll(async () => {
  local = await startLocal({
    clock,
    prepareWorld: (w) => seedTrailBucket(w, { name: MGMT_TRAIL_BUCKET, ownerAccountId: MGMT, trailAccountId: MGMT, region: DEMO.region }),
  });
  for (const id of [REMOVED, REMOVED_TWICE, CLOSED, LEFT]) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ${id}: ${r.status} ${r.error} ${r.cause}`);
  }
  // The management account's own trail (all regions, global service events): without one logging there,
  // its Organizations calls reach no event bus.
  await as(CloudTrailClient, ADMIN, async (ct) => {
    await ct.send(new CreateTrailCommand({ Name: MGMT_TRAIL, S3BucketName: MGMT_TRAIL_BUCKET, IsMultiRegionTrail: true }));
    await ct.send(new StartLoggingCommand({ Name: MGMT_TRAIL }));
  });
  await local.world.settle();
}, 180_000);
afterAll(() => local?.stop());

describe('RemoveAccountFromOrganization', () => {
  it("the call's event alone (the membership event lost) offboards the account, the reason naming the call and who made it; what is in the account stays there", async () => {
    // prepare: EventBridge's best effort loses the membership event this time
    local.world.events.dropNext(1, { eventName: 'AccountDepartedOrganization' });
    const since = local.world.events.invocations().length;

    // act
    await organizations((c) => c.send(new RemoveAccountFromOrganizationCommand({ AccountId: REMOVED })));
    await local.world.settle();

    // assert: the call went the real path and started exactly one offboarding, which ran
    expect(startFromEventCalls(since)).toEqual(['RemoveAccountFromOrganization']);
    const reason = `RemoveAccountFromOrganization by ${ADMIN}`;
    expect(offboardingsOf(REMOVED).map((x) => [x.status, inputOf(x)])).toEqual([['SUCCEEDED', { accountId: REMOVED, action: 'offboard', reason }]]);
    // ... the account, standalone now, is out of the service's reach (its step roles assume member roles only in the
    // organization's accounts: aws:ResourceOrgID), so its trail, switch role and change rules are recorded as left there;
    // its grants and reader role are gone, so that trail can deliver nothing more.
    const record = await local.status.getAccount(REMOVED);
    expect(record).toMatchObject({ status: 'OFFBOARDED', offboarding: { reason, removed: ['bucketPolicy', 'keyPolicy', 'readerRole'] } });
    expect(record?.offboarding?.leftBehind?.map((l) => l.resource)).toEqual(LEFT_IN_THE_ACCOUNT);
    expect(record?.offboarding?.leftBehind?.[0]?.reason).toMatch(/cannot be reached/);
    const trailArn = `arn:aws:cloudtrail:${DEMO.region}:${REMOVED}:trail/${DEMO.trailName}`;
    expect(local.world.cloudtrail.getTrail(trailArn)).toBeDefined();
    expect(await local.world.canCloudTrailDeliver(trailArn)).toMatchObject({ bucket: false });
    expect(granted()).toEqual({ bucket: expect.not.arrayContaining([REMOVED]), key: expect.not.arrayContaining([REMOVED]) });
    expect(failedDeliveries()).toEqual([]);
  });

  it('both events (the call and AccountDepartedOrganization REMOVED) reach StartFromEvent; one offboarding runs', async () => {
    const since = local.world.events.invocations().length;

    await organizations((c) => c.send(new RemoveAccountFromOrganizationCommand({ AccountId: REMOVED_TWICE })));
    await local.world.settle();

    expect(startFromEventCalls(since).sort()).toEqual(['AccountDepartedOrganization', 'RemoveAccountFromOrganization']);
    const runs = offboardingsOf(REMOVED_TWICE);
    expect(runs.map((x) => x.status)).toEqual(['SUCCEEDED']);
    // Which of the two arrived first is not defined (AWS orders neither): the run names that one.
    const reason = String(inputOf(runs[0]).reason);
    expect([`RemoveAccountFromOrganization by ${ADMIN}`, 'AccountDepartedOrganization (REMOVED)']).toContain(reason);
    expect(await local.status.getAccount(REMOVED_TWICE)).toMatchObject({ status: 'OFFBOARDED', offboarding: { reason } });
    expect(failedDeliveries()).toEqual([]);
  });
});

describe('CloseAccount', () => {
  it('offboards the closing account: unreachable from the start, so the record lists what stayed in it; its shared grants and reader role are gone', async () => {
    const since = local.world.events.invocations().length;

    await organizations((c) => c.send(new CloseAccountCommand({ AccountId: CLOSED })));
    await local.world.settle();

    expect(startFromEventCalls(since)).toEqual(['CloseAccount']);
    const reason = `CloseAccount by ${ADMIN}`;
    expect(offboardingsOf(CLOSED).map((x) => [x.status, inputOf(x)])).toEqual([['SUCCEEDED', { accountId: CLOSED, action: 'offboard', reason }]]);
    const record = await local.status.getAccount(CLOSED);
    expect(record).toMatchObject({ status: 'OFFBOARDED', offboarding: { reason, removed: expect.arrayContaining(['bucketPolicy', 'keyPolicy', 'readerRole']) } });
    expect(record?.offboarding?.leftBehind?.map((l) => l.resource)).toEqual(LEFT_IN_THE_ACCOUNT);
    expect(record?.offboarding?.leftBehind?.[0]?.reason).toMatch(/cannot be reached/);
    expect(granted()).toEqual({ bucket: expect.not.arrayContaining([CLOSED]), key: expect.not.arrayContaining([CLOSED]) });
    expect(local.world.iam.roleByArn(`arn:aws:iam::${LA}:role/CloudTrailLogReader-${CLOSED}`)).toBeUndefined();
    expect(failedDeliveries()).toEqual([]);
  });

  it('is SUSPENDED once the closure completes', async () => {
    offsetMs += CLOSURE_COMPLETES_AFTER_MS;
    await organizations(async (c) => expect((await c.send(new DescribeAccountCommand({ AccountId: CLOSED }))).Account?.State).toBe('SUSPENDED'));
  });
});

describe('without a trail in the management account', () => {
  beforeAll(async () => {
    await as(CloudTrailClient, ADMIN, (ct) => ct.send(new StopLoggingCommand({ Name: MGMT_TRAIL })));
    await local.world.settle();
  });

  it("a member leaving by itself (LeaveOrganization) is offboarded by the membership event: its own call's event stays in its account", async () => {
    const since = local.world.events.invocations().length;

    await organizations((c) => c.send(new LeaveOrganizationCommand({})), `arn:aws:sts::${LEFT}:assumed-role/OrganizationAccountAccessRole/bob`);
    await local.world.settle();

    // The LeaveOrganization call reached the member's own default bus (the service's trail records it), and nothing forwarded it.
    expect(local.world.events.received().filter((r) => (r.event.detail as { eventName?: string }).eventName === 'LeaveOrganization').map((r) => r.event.account)).toEqual([LEFT]);
    expect(startFromEventCalls(since)).toEqual(['AccountDepartedOrganization']);
    expect(offboardingsOf(LEFT).map((x) => [x.status, inputOf(x)])).toEqual([['SUCCEEDED', { accountId: LEFT, action: 'offboard', reason: 'AccountDepartedOrganization (LEFT)' }]]);
    const record = await local.status.getAccount(LEFT);
    expect(record).toMatchObject({ status: 'OFFBOARDED', offboarding: { removed: ['bucketPolicy', 'keyPolicy', 'readerRole'] } });
    expect(record?.offboarding?.leftBehind?.map((l) => l.resource)).toEqual(LEFT_IN_THE_ACCOUNT);
    expect(failedDeliveries()).toEqual([]);
  });

  it('an account the service never onboarded is removed: StartFromEvent is invoked and answers without error; nothing is started or recorded', async () => {
    const since = local.world.events.invocations().length;
    const executions = local.world.stepFunctions.list().length;

    await organizations((c) => c.send(new RemoveAccountFromOrganizationCommand({ AccountId: NEVER_ONBOARDED })));
    await local.world.settle();

    expect(startFromEventCalls(since)).toEqual(['AccountDepartedOrganization']);
    expect(local.world.stepFunctions.list()).toHaveLength(executions);
    expect(await local.status.getAccount(NEVER_ONBOARDED)).toBeUndefined();
    expect(failedDeliveries()).toEqual([]);
  });
});

// Last: the clock then stands 90 days on, past every session the functions hold.
describe('90 days after the closure', () => {
  it('the closed account leaves the organization (AccountDepartedOrganization CLEANED), which starts nothing more', async () => {
    const since = local.world.events.invocations().length;

    offsetMs += POST_CLOSURE_PERIOD_MS;
    await organizations(async (c) => expect(c.send(new DescribeAccountCommand({ AccountId: CLOSED }))).rejects.toMatchObject({ name: 'AccountNotFoundException' }));
    await local.world.settle();

    expect(startFromEventCalls(since)).toEqual(['AccountDepartedOrganization']);
    expect(offboardingsOf(CLOSED)).toHaveLength(1);
    expect(await local.status.getAccount(CLOSED)).toMatchObject({ status: 'OFFBOARDED', offboarding: { reason: `CloseAccount by ${ADMIN}` } });
    expect(failedDeliveries()).toEqual([]);
  });
});
