/**
 * The ways out by event: the Organizations events of an account leaving, read from the fixtures' shapes
 * (test/fixtures/organizations-events.json `accountDepartedOrganization*`, `leaveOrganization`;
 * ../shared/fixtures/cloudtrail-api-events.json `removeAccountFromOrganization`, `closeAccount`) by
 * readEvent, then what the event path starts: an offboarding with the event as its reason, nothing for
 * an account the service never onboarded or already offboarded.
 */
import { departureReason, readDepartureEvent } from '../../../handlers/domain/departure-event';
import { MAX_REASON_LENGTH } from '../../../handlers/domain/request';
import { startOffboardingFromEvent } from '../../../handlers/start/from-event';
import { offboardingInputFor } from '../../../handlers/start/offboarding';
import { readEvent } from '../../../handlers/start-from-event/event';
import type { AccountStatusItem } from '../../../handlers/adapters/status-store';
import { cloudTrailApiEvents, organizationsEvents } from '../../fixtures';
import { arnOf, FakeExecutions } from './fake-executions';

type Fixture = Record<string, unknown> & { detail: Record<string, any> };
const events = { ...(cloudTrailApiEvents() as unknown as Record<string, Fixture>), ...(organizationsEvents() as unknown as Record<string, Fixture>) };
const ALICE = 'arn:aws:sts::111122223333:assumed-role/Admin/alice';

describe('readEvent: the events of an account leaving', () => {
  it.each<[string, string, string, string, Record<string, string>]>([
    ['removeAccountFromOrganization', 'RemoveAccountFromOrganization', '555566667777', `RemoveAccountFromOrganization by ${ALICE}`, { calledBy: ALICE }],
    ['closeAccount', 'CloseAccount', '666677778888', `CloseAccount by ${ALICE}`, { calledBy: ALICE }],
    ['accountDepartedOrganizationRemoved', 'AccountDepartedOrganization', '444455556666', 'AccountDepartedOrganization (REMOVED)', { departureMethod: 'REMOVED' }],
    ['accountDepartedOrganizationLeft', 'AccountDepartedOrganization', '555566667777', 'AccountDepartedOrganization (LEFT)', { departureMethod: 'LEFT' }],
    ['accountDepartedOrganizationCleaned', 'AccountDepartedOrganization', '666677778888', 'AccountDepartedOrganization (CLEANED)', { departureMethod: 'CLEANED' }],
  ])('%s offboards the account it names, the reason naming %s', (key, trigger, accountId, reason, extra) => {
    expect(readEvent(events[key])).toEqual({ kind: 'offboard', accountId, trigger, reason, ...extra });
  });

  it("reads the older spelling of the membership event (departedMethod: 'Removed') and one without a method", () => {
    const older = structuredClone(events.accountDepartedOrganizationRemoved);
    older.detail.serviceEventDetails = { accountId: '444455556666', departedMethod: 'Removed', departedTime: '2026-11-20T10:00:01Z' };
    expect(readEvent(older)).toMatchObject({ kind: 'offboard', reason: 'AccountDepartedOrganization (REMOVED)', departureMethod: 'REMOVED' });
    const bare = structuredClone(events.accountDepartedOrganizationRemoved);
    bare.detail.serviceEventDetails = { accountId: '444455556666' };
    expect(readEvent(bare)).toEqual({ kind: 'offboard', accountId: '444455556666', trigger: 'AccountDepartedOrganization', reason: 'AccountDepartedOrganization' });
  });

  it('names the service that called when no principal ARN is recorded (userIdentity.invokedBy)', () => {
    const byService = structuredClone(events.closeAccount);
    byService.detail.userIdentity = { type: 'AWSService', invokedBy: 'controltower.amazonaws.com' };
    expect(readEvent(byService)).toMatchObject({ reason: 'CloseAccount by controltower.amazonaws.com', calledBy: 'controltower.amazonaws.com' });
    delete byService.detail.userIdentity;
    expect(readEvent(byService)).toMatchObject({ reason: 'CloseAccount' });
  });

  it.each(['removeAccountFromOrganization', 'closeAccount'])('ignores a %s call that failed (the account did not leave)', (key) => {
    const failed = structuredClone(events[key]);
    failed.detail.errorCode = 'ConstraintViolationException';
    expect(readEvent(failed)).toEqual({ kind: 'ignore', reason: expect.stringMatching(/call failed \(ConstraintViolationException\): the account did not leave/) });
  });

  it("ignores the member's own LeaveOrganization call (its account's event: the membership event in the management account is the one read)", () => {
    expect(readEvent(events.leaveOrganization)).toEqual({ kind: 'ignore', reason: expect.stringMatching(/not an event that starts an onboarding .* or an offboarding \(RemoveAccountFromOrganization, CloseAccount, AccountDepartedOrganization\)/) });
  });

  it.each<[string, (d: Record<string, any>) => void, string]>([
    ['removeAccountFromOrganization', (d) => delete d.requestParameters.accountId, 'InvalidRequest'],
    ['closeAccount', (d) => (d.requestParameters = null), 'InvalidRequest'],
    ['accountDepartedOrganizationLeft', (d) => delete d.serviceEventDetails.accountId, 'InvalidRequest'],
    ['accountDepartedOrganizationLeft', (d) => (d.serviceEventDetails = null), 'InvalidRequest'],
    ['closeAccount', (d) => (d.requestParameters.accountId = '6666-7777-8888'), 'InvalidAccountId'],
    ['accountDepartedOrganizationRemoved', (d) => (d.serviceEventDetails.accountId = 444455556666), 'InvalidAccountId'],
  ])('a malformed %s is %s (the same named error as every event: it lands in the dead-letter queue)', (key, damage, name) => {
    const broken = structuredClone(events[key]);
    damage(broken.detail);
    expect(() => readEvent(broken)).toThrow(expect.objectContaining({ name }));
  });

  it('readDepartureEvent refuses an event that is not a departure by name', () => {
    expect(() => readDepartureEvent(events.moveAccount)).toThrow(expect.objectContaining({ name: 'InvalidRequest' }));
  });

  it(`keeps a reason within ${MAX_REASON_LENGTH} characters, the event's name whole`, () => {
    const long = `arn:aws:sts::111122223333:assumed-role/${'R'.repeat(64)}/${'s'.repeat(300)}`;
    const reason = departureReason('RemoveAccountFromOrganization', `by ${long}`);
    expect(reason).toHaveLength(MAX_REASON_LENGTH);
    expect(reason.startsWith('RemoveAccountFromOrganization by arn:aws:sts::111122223333:assumed-role/')).toBe(true);
    const event = structuredClone(events.removeAccountFromOrganization);
    event.detail.userIdentity.arn = long;
    expect((readEvent(event) as { reason: string }).reason).toBe(reason);
  });
});

describe('startOffboardingFromEvent', () => {
  const ID = '555566667777';
  const ONBOARDED_AT = '2026-11-19T08:30:00.000Z';
  const request = { accountId: ID, trigger: 'RemoveAccountFromOrganization' as const, reason: `RemoveAccountFromOrganization by ${ALICE}` };
  const NAME = `offboard-${ID}-20261119T083000Z`;

  function setup(item?: Partial<AccountStatusItem>) {
    const fake = new FakeExecutions();
    if (item) fake.items.set(ID, { pk: `ACCOUNT#${ID}`, accountId: ID, startedAt: ONBOARDED_AT, onboardedAt: ONBOARDED_AT, updatedAt: '', status: 'ONBOARDED', ...item } as AccountStatusItem);
    return { fake, deps: fake.deps() };
  }

  it.each(['ONBOARDED', 'FAILED', 'IN_PROGRESS', 'REJECTED', 'SKIPPED'])('starts the offboarding of a %s account with the event as its reason', async (status) => {
    const { fake, deps } = setup({ status: status as AccountStatusItem['status'] });
    const r = await startOffboardingFromEvent(deps, request);
    expect(r).toMatchObject({ outcome: 'started', accountId: ID, trigger: 'RemoveAccountFromOrganization', executionName: NAME });
    expect(fake.started()).toEqual([NAME]);
    expect(fake.executions.get(NAME)?.input).toBe(offboardingInputFor(ID, request.reason));
  });

  it('a second event of the same departure while the offboarding runs answers already-running, starting nothing', async () => {
    const { fake, deps } = setup({ status: 'OFFBOARDING' });
    fake.add({ name: NAME, status: 'RUNNING', input: offboardingInputFor(ID, request.reason) });
    const r = await startOffboardingFromEvent(deps, { accountId: ID, trigger: 'AccountDepartedOrganization', reason: 'AccountDepartedOrganization (REMOVED)' });
    expect(r).toMatchObject({ outcome: 'already-running', executionArn: arnOf(NAME), trigger: 'AccountDepartedOrganization' });
    expect(fake.started()).toEqual([]);
  });

  it('an OFFBOARDED account starts nothing (already-offboarded, naming the offboarding that did it)', async () => {
    const { fake, deps } = setup({ status: 'OFFBOARDED', offboarding: { reason: request.reason, executionArn: arnOf(NAME), startedAt: ONBOARDED_AT } });
    fake.add({ name: NAME, status: 'SUCCEEDED', input: offboardingInputFor(ID, request.reason) });
    const r = await startOffboardingFromEvent(deps, { accountId: ID, trigger: 'AccountDepartedOrganization', reason: 'AccountDepartedOrganization (CLEANED)' });
    expect(r).toEqual({ outcome: 'already-offboarded', accountId: ID, trigger: 'AccountDepartedOrganization', executionArn: arnOf(NAME) });
    expect(fake.calls).toEqual([]);
  });

  it('an account the status table does not know is not-onboarded: nothing started, nothing written, no error', async () => {
    const { fake, deps } = setup();
    const r = await startOffboardingFromEvent(deps, request);
    expect(r).toEqual({ outcome: 'not-onboarded', accountId: ID, trigger: 'RemoveAccountFromOrganization' });
    expect(fake.calls).toEqual([]);
  });

  it('a record gone between the two reads is not-onboarded too (NothingToOffboard is no error here)', async () => {
    const { fake, deps } = setup({ status: 'ONBOARDED' });
    let reads = 0;
    const r = await startOffboardingFromEvent({ ...deps, status: { getAccount: async (id) => (reads++ === 0 ? fake.items.get(id) : undefined) } }, request);
    expect(r).toEqual({ outcome: 'not-onboarded', accountId: ID, trigger: 'RemoveAccountFromOrganization' });
    expect(fake.started()).toEqual([]);
  });

  it('other errors are thrown (a retry by Lambda, then the dead-letter queue)', async () => {
    const { deps } = setup({ status: 'ONBOARDED' });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const failing = { ...deps, executions: { ...deps.executions, describeExecution: async () => Promise.reject(throttled) } };
    await expect(startOffboardingFromEvent(failing, request)).rejects.toBe(throttled);
  });
});
