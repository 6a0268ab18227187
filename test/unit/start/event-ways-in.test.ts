/**
 * The ways in by event beyond CreateAccountResult, read from the fixtures' shapes
 * (test/fixtures/organizations-events.json): readEvent, then what the event path starts or skips.
 */
import { readEvent } from '../../../handlers/start-from-event/event';
import { startFromAccountEvent, type EventStartDeps } from '../../../handlers/start/from-event';
import type { AccountStatusItem, SkippedResult } from '../../../handlers/adapters/status-store';
import { organizationsEvents } from '../../fixtures';
import { FakeExecutions, inputOf } from './fake-executions';

const events = organizationsEvents() as unknown as Record<string, Record<string, unknown> & { detail: Record<string, unknown> }>;

describe('readEvent: the fixtures of every way in', () => {
  it.each<[string, string, string, Record<string, unknown>?]>([
    ['createAccountResultSucceeded', 'CreateAccountResult', '444455556666'],
    ['accountJoinedOrganizationInvited', 'AccountJoinedOrganization', '444455556666'],
    ['moveAccount', 'MoveAccount', '444455556666', { destinationParentId: 'ou-a1b2-examplou1' }],
    ['createManagedAccountSucceeded', 'CreateManagedAccount', '555566667777'],
  ])('%s starts the account it names, as %s', (...[key, trigger, accountId, extra]) => {
    expect(readEvent(events[key])).toEqual({ kind: 'start', accountId, source: 'raw-event', trigger, ...(extra ?? {}) });
  });

  it.each<[string, RegExp]>([
    ['createAccountResultFailed', /FAILED \(EMAIL_ALREADY_EXISTS\), not SUCCEEDED/],
    ['createManagedAccountFailed', /CreateManagedAccount is FAILED .*not SUCCEEDED/],
    ['updateManagedAccount', /not an event that starts an onboarding/],
    ['inviteAccountToOrganization', /not an event that starts an onboarding/],
    ['acceptHandshake', /not an event that starts an onboarding/],
    ['createAccountInProgress', /not an event that starts an onboarding/],
  ])('%s starts nothing (%s)', (key, reason) => {
    expect(readEvent(events[key])).toEqual({ kind: 'ignore', reason: expect.stringMatching(reason) });
  });

  it('ignores a MoveAccount call that failed (nothing moved)', () => {
    const failed = structuredClone(events.moveAccount);
    failed.detail.errorCode = 'AccessDenied';
    expect(readEvent(failed)).toEqual({ kind: 'ignore', reason: expect.stringMatching(/MoveAccount call failed \(AccessDenied\)/) });
  });

  it.each<[string, (d: Record<string, any>) => void]>([
    ['accountJoinedOrganizationInvited', (d) => delete d.serviceEventDetails.accountId],
    ['moveAccount', (d) => delete d.requestParameters.accountId],
    ['createManagedAccountSucceeded', (d) => delete d.serviceEventDetails.createManagedAccountStatus.account],
  ])('rejects %s without an account id (InvalidRequest: it lands in the dead-letter queue for a person)', (key, damage) => {
    const broken = structuredClone(events[key]);
    damage(broken.detail);
    expect(() => readEvent(broken)).toThrow(expect.objectContaining({ name: 'InvalidRequest' }));
  });
});

describe('startFromAccountEvent', () => {
  const ID = '444455556666';
  const scope = { includeOus: ['ou-a1b2-workload1'], excludeOus: ['ou-a1b2-sandbox1'], excludeAccounts: ['999988887777'] };

  function setup(path: string[] | null, item?: Partial<AccountStatusItem>) {
    const fake = new FakeExecutions();
    if (item) fake.items.set(ID, { pk: `ACCOUNT#${ID}`, accountId: ID, startedAt: '', updatedAt: '', status: 'ONBOARDED', ...item } as AccountStatusItem);
    const skipped: [string, SkippedResult][] = [];
    const base = fake.deps();
    const deps: EventStartDeps = {
      ...base,
      status: { getAccount: async (id) => fake.items.get(id), markSkipped: async (id, r) => (skipped.push([id, r]), 'recorded') },
      scope,
      accountPath: async () => path,
    };
    return { fake, deps, skipped };
  }

  it('starts onboard-<id> with the one input every way in uses, for an account in an included OU', async () => {
    const { fake, deps } = setup(['r-a1b2', 'ou-a1b2-workload1']);
    const r = await startFromAccountEvent(deps, ID, 'MoveAccount');
    expect(r.outcome).toBe('started');
    expect(fake.executions.get(`onboard-${ID}`)?.input).toBe(inputOf(ID));
  });

  it.each<[string, string[], string, RegExp]>([
    ['under an excluded OU', ['r-a1b2', 'ou-a1b2-workload1', 'ou-a1b2-sandbox1'], ID, /scope\.excludeOus/],
    ['under no included OU', ['r-a1b2'], ID, /none of scope\.includeOus/],
    ['listed in excludeAccounts', ['r-a1b2', 'ou-a1b2-workload1'], '999988887777', /scope\.excludeAccounts/],
  ])('records an account %s SKIPPED with the reason and the event, and starts nothing', async (_label, path, id, reason) => {
    const { fake, deps, skipped } = setup(path);
    const r = await startFromAccountEvent(deps, id, 'AccountJoinedOrganization');
    expect(r).toEqual({ outcome: 'skipped', accountId: id, trigger: 'AccountJoinedOrganization', reason: expect.stringMatching(reason), recorded: 'recorded' });
    expect(skipped).toEqual([[id, { reason: expect.stringMatching(reason), trigger: 'AccountJoinedOrganization' }]]);
    expect(fake.started()).toEqual([]);
  });

  it('answers already-onboarded for a move of an onboarded account between in-scope OUs, starting nothing', async () => {
    const { fake, deps } = setup(['r-a1b2', 'ou-a1b2-workload1'], { status: 'ONBOARDED' });
    fake.add({ name: `onboard-${ID}`, status: 'SUCCEEDED', input: inputOf(ID) });
    const r = await startFromAccountEvent(deps, ID, 'MoveAccount');
    expect(r.outcome).toBe('already-onboarded');
    expect(fake.started()).toEqual([]);
  });

  it('retries an account REJECTED earlier once an event says it moved into scope', async () => {
    const { fake, deps } = setup(['r-a1b2', 'ou-a1b2-workload1'], { status: 'REJECTED' });
    fake.add({ name: `onboard-${ID}`, status: 'FAILED', input: inputOf(ID), error: 'AccountOutOfScope' });
    const r = await startFromAccountEvent(deps, ID, 'MoveAccount');
    expect(r.outcome).toBe('restarted');
    expect(fake.started()).toEqual([`onboard-${ID}-retry-1`]);
  });

  it('does not retry a FAILED account (a person acts on its cause first)', async () => {
    const { fake, deps } = setup(['r-a1b2', 'ou-a1b2-workload1'], { status: 'FAILED' });
    fake.add({ name: `onboard-${ID}`, status: 'FAILED', input: inputOf(ID), error: 'AccessDenied' });
    const r = await startFromAccountEvent(deps, ID, 'MoveAccount');
    expect(r.outcome).toBe('previously-failed');
    expect(fake.started()).toEqual([]);
  });

  it('leaves an account Organizations does not place to ValidateRequest (it starts; validation rejects it)', async () => {
    const { fake, deps, skipped } = setup(null);
    await startFromAccountEvent(deps, ID, 'CreateAccountResult');
    expect(skipped).toEqual([]);
    expect(fake.started()).toEqual([`onboard-${ID}`]);
  });

  it('reads no OU path when the scope names no OU', async () => {
    const { deps } = setup(['r-a1b2']);
    const accountPath = jest.fn(deps.accountPath);
    const r = await startFromAccountEvent({ ...deps, scope: { includeOus: [], excludeOus: [], excludeAccounts: [ID] }, accountPath }, ID, 'CreateManagedAccount');
    expect(r.outcome).toBe('skipped');
    expect(accountPath).not.toHaveBeenCalled();
  });
});
