/**
 * Accounts leaving the simulated Organizations (local/sim/organizations.ts "Leaving", "Closing")
 * through the real SDK client: RemoveAccountFromOrganization and LeaveOrganization make the account
 * standalone, CloseAccount takes it through PENDING_CLOSURE and SUSPENDED out of the organization on the
 * clock, each with the documented errors and quota; the events they produce (the membership event
 * AccountDepartedOrganization in the management account, the API calls where a trail logs them)
 * compared with the fixtures (test/fixtures/organizations-events.json, ../shared/fixtures/cloudtrail-api-events.json).
 */
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import {
  CloseAccountCommand,
  DescribeAccountCommand,
  LeaveOrganizationCommand,
  ListAccountsCommand,
  OrganizationsClient,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { cloudTrailApiEvents, organizationsEvents } from '../../fixtures';
import type { SimEvent } from '../../../local/sim/events';
import { closeAccountQuotaFor, CLOSURE_COMPLETES_AFTER_MS, POST_CLOSURE_PERIOD_MS } from '../../../local/sim/organizations';
import { exportWorld, importWorld } from '../../../local/sim/persistence';
import { seedTrailBucket } from '../../../local/sim/seeds';
import { manualClock, type ManualClock } from './clock';
import { caught, DEMO, demoWorld, memberRole, session, type TestWorld } from './helpers';

const MGMT = DEMO.managementAccountId;
const [M1, M2, M3, M4] = DEMO.memberAccountIds;
const VENDED = '123456789012';
const fixtures = organizationsEvents();
const apiFixtures = cloudTrailApiEvents();
/** The management account's administrator (the default principal of `t.client`). */
const ADMIN = DEMO.operatorPrincipalArn;

type Detail = { eventName: string; requestParameters: Record<string, unknown> | null; serviceEventDetails?: Record<string, unknown>; userIdentity?: { arn?: string }; [k: string]: unknown };
const detailOf = (e: SimEvent) => e.detail as Detail;

/** The structure of a JSON value: member names with the types of their values. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  return typeof value;
}

let t: TestWorld;
let clock: ManualClock;
beforeEach(() => {
  clock = manualClock('2026-11-20T10:00:00.000Z');
  t = demoWorld({ clock });
});
afterEach(() => t.dispose());

const org = (principal: string = ADMIN) => t.client(OrganizationsClient, principal);
/** [account, region, detail-type, eventName] of every event that reached a bus. */
const arrived = () => t.world.events.received().map((r) => [r.event.account, r.event.region, r.event['detail-type'], detailOf(r.event).eventName]);
const named = (name: string) => t.world.events.received().map((r) => r.event).filter((e) => detailOf(e).eventName === name);
const stateOf = async (id: string) => (await org().send(new DescribeAccountCommand({ AccountId: id }))).Account;
const reasonOf = async (fn: () => Promise<unknown>) => {
  const e = (await caught(fn)) as Error & { Reason?: string };
  return [e.name, e.Reason];
};

/** A trail of `accountId` logging every region with global service events: its write calls reach EventBridge in us-east-1. */
async function trailIn(accountId: string, principal: string): Promise<void> {
  const bucket = `trail-bucket-${accountId}`;
  seedTrailBucket(t.world, { name: bucket, ownerAccountId: accountId, trailAccountId: accountId, region: DEMO.region });
  const ct = t.client(CloudTrailClient, principal);
  await ct.send(new CreateTrailCommand({ Name: 'own-trail', S3BucketName: bucket, IsMultiRegionTrail: true }));
  await ct.send(new StartLoggingCommand({ Name: 'own-trail' }));
  t.world.events.resetLogs();
}

describe('RemoveAccountFromOrganization', () => {
  it('makes the account standalone: not described, not listed, in no OU; its OrganizationAccountAccessRole still trusts the management account', async () => {
    await org().send(new RemoveAccountFromOrganizationCommand({ AccountId: M1 }));

    expect(t.world.accounts.get(M1)).toMatchObject({ inOrganization: false, state: 'ACTIVE' });
    expect((await caught(() => org().send(new DescribeAccountCommand({ AccountId: M1 })))).name).toBe('AccountNotFoundException');
    expect((await org().send(new ListAccountsCommand({}))).Accounts?.map((a) => a.Id)).not.toContain(M1);
    expect(t.world.organizations.parentOf(M1)).toBeUndefined();
    expect(await t.world.canAssumeRole(ADMIN, memberRole(M1))).toBe(true);
  });

  it('logs AccountDepartedOrganization (REMOVED) in the management account, us-east-1, without any trail; shaped as the fixture', async () => {
    await org().send(new RemoveAccountFromOrganizationCommand({ AccountId: M1 }));

    expect(arrived()).toEqual([[MGMT, 'us-east-1', 'AWS Service Event via CloudTrail', 'AccountDepartedOrganization']]);
    const [event] = named('AccountDepartedOrganization');
    expect(shape(event)).toEqual(shape(fixtures.accountDepartedOrganizationRemoved));
    expect(detailOf(event).serviceEventDetails).toEqual({ accountId: M1, departureMethod: 'REMOVED', departureTime: '2026-11-20T10:00:00Z' });
  });

  it("with a trail in the management account, the call itself too: an 'AWS API Call via CloudTrail' event shaped as the shared fixture", async () => {
    await trailIn(MGMT, ADMIN);

    await org().send(new RemoveAccountFromOrganizationCommand({ AccountId: M1 }));

    expect(arrived()).toEqual(
      expect.arrayContaining([
        [MGMT, 'us-east-1', 'AWS API Call via CloudTrail', 'RemoveAccountFromOrganization'],
        [MGMT, 'us-east-1', 'AWS Service Event via CloudTrail', 'AccountDepartedOrganization'],
      ]),
    );
    const [call] = named('RemoveAccountFromOrganization');
    expect(shape(call)).toEqual(shape(apiFixtures.removeAccountFromOrganization));
    expect(detailOf(call)).toMatchObject({ requestParameters: { accountId: M1 }, responseElements: null, userIdentity: { arn: ADMIN }, recipientAccountId: MGMT, readOnly: false });
  });

  it.each<[string, string, string | undefined, () => Promise<unknown>]>([
    ['from a member account', 'AccessDeniedException', undefined, () => org(session(M2, 'OrganizationAccountAccessRole')).send(new RemoveAccountFromOrganizationCommand({ AccountId: M1 }))],
    ['of the management account', 'ConstraintViolationException', 'ACCOUNT_CANNOT_LEAVE_ORGANIZATION', () => org().send(new RemoveAccountFromOrganizationCommand({ AccountId: MGMT }))],
    ['of an account not in the organization', 'AccountNotFoundException', undefined, () => org().send(new RemoveAccountFromOrganizationCommand({ AccountId: '111100001111' }))],
    ['of a malformed id', 'InvalidInputException', 'INVALID_PATTERN', () => org().send(new RemoveAccountFromOrganizationCommand({ AccountId: '1234' }))],
  ])('is refused %s: %s (%s), and nothing changes', async (_what, name, reason, call) => {
    expect(await reasonOf(call)).toEqual([name, reason]);
    expect(t.world.accounts.get(M1)?.inOrganization).toBe(true);
    expect(arrived()).toEqual([]);
  });

  it('refuses an account created in the organization until it has what a standalone account needs', async () => {
    t.world.organizations.createAccount({ id: VENDED, name: 'vended' }, { events: false });
    expect(await reasonOf(() => org().send(new RemoveAccountFromOrganizationCommand({ AccountId: VENDED })))).toEqual(['ConstraintViolationException', 'ACCOUNT_CANNOT_LEAVE_WITHOUT_PHONE_VERIFICATION']);
    expect(t.world.accounts.get(VENDED)?.inOrganization).toBe(true);

    t.world.organizations.provideStandaloneInformation(VENDED);
    await org().send(new RemoveAccountFromOrganizationCommand({ AccountId: VENDED }));
    expect(t.world.accounts.get(VENDED)?.inOrganization).toBe(false);
  });

  it('refuses a delegated administrator until it is deregistered', async () => {
    t.world.organizations.registerDelegatedAdministrator(M1, 'cloudtrail.amazonaws.com');
    expect(await reasonOf(() => org().send(new RemoveAccountFromOrganizationCommand({ AccountId: M1 })))).toEqual(['ConstraintViolationException', 'CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG']);
    t.world.organizations.deregisterDelegatedAdministrator(M1, 'cloudtrail.amazonaws.com');
    await org().send(new RemoveAccountFromOrganizationCommand({ AccountId: M1 }));
    expect(t.world.accounts.get(M1)?.inOrganization).toBe(false);
  });
});

describe('LeaveOrganization', () => {
  const asMember = (id: string) => session(id, 'OrganizationAccountAccessRole');

  it("the member leaves: standalone, AccountDepartedOrganization (LEFT) in the management account; the call is recorded in the member's account only", async () => {
    await trailIn(MGMT, ADMIN);
    await trailIn(M2, asMember(M2));

    await org(asMember(M2)).send(new LeaveOrganizationCommand({}));

    expect(t.world.accounts.get(M2)?.inOrganization).toBe(false);
    expect(arrived()).toEqual(
      expect.arrayContaining([
        [M2, 'us-east-1', 'AWS API Call via CloudTrail', 'LeaveOrganization'],
        [MGMT, 'us-east-1', 'AWS Service Event via CloudTrail', 'AccountDepartedOrganization'],
      ]),
    );
    expect(arrived().filter(([account]) => account === MGMT)).toEqual([[MGMT, 'us-east-1', 'AWS Service Event via CloudTrail', 'AccountDepartedOrganization']]);
    const [departed] = named('AccountDepartedOrganization');
    expect(shape(departed)).toEqual(shape(fixtures.accountDepartedOrganizationLeft));
    expect(detailOf(departed).serviceEventDetails).toMatchObject({ accountId: M2, departureMethod: 'LEFT' });
    expect(shape(named('LeaveOrganization')[0])).toEqual(shape(fixtures.leaveOrganization));
  });

  it('the management account may not leave (MasterCannotLeaveOrganizationException); an SCP denying it stops a member', async () => {
    expect((await caught(() => org().send(new LeaveOrganizationCommand({})))).name).toBe('MasterCannotLeaveOrganizationException');
    t.world.organizations.attachScp(M3, { name: 'DenyLeave', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }] } });
    expect((await caught(() => org(asMember(M3)).send(new LeaveOrganizationCommand({})))).name).toBe('AccessDeniedException');
    expect(t.world.accounts.get(M3)?.inOrganization).toBe(true);
    expect(arrived()).toEqual([]);
  });
});

describe('CloseAccount', () => {
  it('PENDING_CLOSURE at once (no role can be assumed in it), SUSPENDED a few minutes later, in the organization 90 days, then gone with AccountDepartedOrganization (CLEANED)', async () => {
    const start = clock();
    await org().send(new CloseAccountCommand({ AccountId: M1 }));
    expect(await stateOf(M1)).toMatchObject({ State: 'PENDING_CLOSURE', Status: 'PENDING_CLOSURE' });
    expect(await t.world.canAssumeRole(ADMIN, memberRole(M1))).toBe(false);
    expect(t.world.organizations.closureOf(M1)).toEqual(start);

    clock.advance({ minutes: CLOSURE_COMPLETES_AFTER_MS / 60_000 - 1 });
    expect((await stateOf(M1))?.State).toBe('PENDING_CLOSURE');
    clock.advance({ minutes: 1 });
    expect(await stateOf(M1)).toMatchObject({ State: 'SUSPENDED', Status: 'SUSPENDED' });

    clock.advance({ days: 89 });
    expect((await org().send(new ListAccountsCommand({}))).Accounts?.find((a) => a.Id === M1)?.State).toBe('SUSPENDED');
    expect(arrived()).toEqual([]);

    clock.advance({ days: 1 });
    expect((await caught(() => stateOf(M1))).name).toBe('AccountNotFoundException');
    expect(t.world.accounts.get(M1)).toMatchObject({ inOrganization: false, state: 'CLOSED' });
    expect(arrived()).toEqual([[MGMT, 'us-east-1', 'AWS Service Event via CloudTrail', 'AccountDepartedOrganization']]);
    const [cleaned] = named('AccountDepartedOrganization');
    expect(shape(cleaned)).toEqual(shape(fixtures.accountDepartedOrganizationCleaned));
    expect(detailOf(cleaned).serviceEventDetails).toEqual({
      accountId: M1,
      departureMethod: 'CLEANED',
      departureTime: new Date(start.getTime() + CLOSURE_COMPLETES_AFTER_MS + POST_CLOSURE_PERIOD_MS).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  });

  it("with a trail in the management account, its 'AWS API Call via CloudTrail' event is shaped as the shared fixture (no membership event until CLEANED)", async () => {
    await trailIn(MGMT, ADMIN);
    await org().send(new CloseAccountCommand({ AccountId: M1 }));
    expect(arrived()).toEqual([[MGMT, 'us-east-1', 'AWS API Call via CloudTrail', 'CloseAccount']]);
    const [call] = named('CloseAccount');
    expect(shape(call)).toEqual(shape(apiFixtures.closeAccount));
    expect(detailOf(call)).toMatchObject({ requestParameters: { accountId: M1 }, responseElements: null, userIdentity: { arn: ADMIN } });
  });

  it('errors: closing already (ConflictException), closed (AccountAlreadyClosedException), the management account, a member caller, no such account, without all features', async () => {
    await org().send(new CloseAccountCommand({ AccountId: M1 }));
    expect(await reasonOf(() => org().send(new CloseAccountCommand({ AccountId: M1 })))).toEqual(['ConflictException', undefined]);
    clock.advance({ minutes: 10 });
    expect(await reasonOf(() => org().send(new CloseAccountCommand({ AccountId: M1 })))).toEqual(['AccountAlreadyClosedException', undefined]);
    expect(await reasonOf(() => org().send(new CloseAccountCommand({ AccountId: DEMO.suspendedAccountId })))).toEqual(['AccountAlreadyClosedException', undefined]);
    expect(await reasonOf(() => org().send(new CloseAccountCommand({ AccountId: MGMT })))).toEqual(['ConstraintViolationException', 'CANNOT_CLOSE_MANAGEMENT_ACCOUNT']);
    expect(await reasonOf(() => org(session(M2, 'OrganizationAccountAccessRole')).send(new CloseAccountCommand({ AccountId: M3 })))).toEqual(['AccessDeniedException', undefined]);
    expect(await reasonOf(() => org().send(new CloseAccountCommand({ AccountId: '111100001111' })))).toEqual(['AccountNotFoundException', undefined]);
    t.world.organizations.setFeatureSet('CONSOLIDATED_BILLING');
    expect(await reasonOf(() => org().send(new CloseAccountCommand({ AccountId: M2 })))).toEqual(['ConstraintViolationException', 'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE']);
    expect((await stateOf(M2))?.State).toBe('ACTIVE');
    expect((await stateOf(M3))?.State).toBe('ACTIVE');
  });

  it('the quota counts the closures of a rolling 30 days: over it CLOSE_ACCOUNT_QUOTA_EXCEEDED, and one more once the oldest is 30 days old', async () => {
    t.world.organizations.closeAccountQuota = 2;
    await org().send(new CloseAccountCommand({ AccountId: M1 }));
    clock.advance({ days: 10 });
    await org().send(new CloseAccountCommand({ AccountId: M2 }));
    expect(await reasonOf(() => org().send(new CloseAccountCommand({ AccountId: M3 })))).toEqual(['ConstraintViolationException', 'CLOSE_ACCOUNT_QUOTA_EXCEEDED']);
    expect((await stateOf(M3))?.State).toBe('ACTIVE');

    clock.advance({ days: 20 });
    await org().send(new CloseAccountCommand({ AccountId: M3 }));
    expect((await caught(() => org().send(new CloseAccountCommand({ AccountId: M4 })))).name).toBe('ConstraintViolationException');
  });

  it.each<[number, number]>([
    [7, 250],
    [1250, 250],
    [2000, 400],
    [5000, 1000],
    [20000, 1000],
  ])("AWS's quota for %i member accounts is %i (the higher of 250 or 20%%, at most 1,000)", (members, quota) => {
    expect(closeAccountQuotaFor(members)).toBe(quota);
  });

  it('closures, standalone information and the quota survive export and import (through JSON); the clock goes on from there', async () => {
    t.world.organizations.createAccount({ id: VENDED, name: 'vended' }, { events: false });
    t.world.organizations.provideStandaloneInformation(VENDED);
    t.world.organizations.closeAccountQuota = 3;
    await org().send(new CloseAccountCommand({ AccountId: M1 }));

    const copy = importWorld(JSON.parse(JSON.stringify(exportWorld(t.world))), { clock });
    expect(copy.organizations.exportState()).toEqual(t.world.organizations.exportState());
    expect(copy.organizations.hasStandaloneInformation(VENDED)).toBe(true);
    clock.advance({ minutes: 5 });
    copy.organizations.advanceClosures();
    expect(copy.accounts.get(M1)?.state).toBe('SUSPENDED');
  });
});
