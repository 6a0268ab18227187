/**
 * How an offboarded account's read access ends (handlers/domain/reader-revocation.ts), and the steps
 * that write it (OffboardAccount, EnsureReaderRole), with the fakes of test/unit/steps/fakes.ts:
 * the shared reader role's deny list (its document, evaluated; its size limit; the lease; an
 * onboarding taking the account off) and the retention of a kept per-account role.
 */
import {
  accountsThatFit,
  decideRetention,
  OFFBOARDED_POLICY_NAME,
  offboardedAccountsIn,
  offboardedDenyPolicy,
  planDenyList,
  SHARED_READER_LEASE,
  withoutDenyList,
} from '../../../handlers/domain/reader-revocation';
import { desiredReaderRole, READER_POLICY_NAME, sharedReaderRoleCandidates, SHARED_READER_SESSION_TAG } from '../../../handlers/domain/roles';
import { serializePolicy } from '../../../handlers/domain/policy-document';
import { ensureReaderRole } from '../../../handlers/steps/ensure-reader-role';
import { offboardAccount } from '../../../handlers/steps/offboard-account';
import { setSharedReaderAccess } from '../../../handlers/steps/shared-reader-revocation';
import type { RolePort } from '../../../handlers/steps/deps';
import { evaluate } from '../../../local/sim/policy-eval';
import { fakeDeps, IDS } from '../steps/fakes';

const SHARED = { readerAccess: { mode: 'shared' as const, removePerAccountRoles: false }, sharedReaderRoleArn: `arn:aws:iam::${IDS.logArchive}:role/CloudTrailOnboarding-LogReader` };
const ROLE = 'CloudTrailOnboarding-LogReader';
const EXEC = 'arn:aws:states:eu-west-1:111122223333:execution:CloudTrailOnboarding:offboard-x';
const THIRD = '666677778888';
const id = (n: number) => String(100000000000 + n);

/** Fakes with the shared role as the LogArchive stack deploys it. */
function sharedWorld(overrides: Parameters<typeof fakeDeps>[0] = SHARED) {
  const f = fakeDeps(overrides);
  const [s] = sharedReaderRoleCandidates(f.config, f.config.keyArn);
  f.logArchiveRoles.roles.set(ROLE, {
    arn: SHARED.sharedReaderRoleArn,
    roleName: ROLE,
    trustPolicyText: serializePolicy(s!.trustPolicy),
    description: s!.description,
    maxSessionDuration: s!.maxSessionDuration,
    managedPolicyArns: [],
    permissionsBoundaryArn: f.config.readerRoleBoundaryArn,
    inlinePolicies: { [READER_POLICY_NAME]: serializePolicy(s!.inlinePolicies[READER_POLICY_NAME]!) },
    tags: s!.tags,
  });
  for (const a of [IDS.member, IDS.other, THIRD]) f.status.records.set(a, { status: 'ONBOARDED', onboardedAt: '2026-11-01T00:00:00.000Z' });
  f.writes.length = 0;
  const listed = () => offboardedAccountsIn(f.logArchiveRoles.roles.get(ROLE)!.inlinePolicies[OFFBOARDED_POLICY_NAME]);
  const stackPolicy = () => f.logArchiveRoles.roles.get(ROLE)!.inlinePolicies[READER_POLICY_NAME]!;
  return { ...f, listed, stackPolicy };
}

describe('the deny list document', () => {
  it('is one Deny of everything for the listed accounts\' session tag, sorted and once each; none for no account', () => {
    expect(offboardedDenyPolicy([IDS.other, IDS.member, IDS.other])).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'CloudTrailOnboardingOffboardedAccounts', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: [IDS.member, IDS.other] } } }],
    });
    expect(offboardedDenyPolicy([])).toBeUndefined();
  });

  it('is read back as its accounts; other statements in it and a missing policy name none', () => {
    const doc = offboardedDenyPolicy([IDS.member])!;
    const foreign = { Sid: 'Other', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: IDS.other } } };
    expect(offboardedAccountsIn(JSON.stringify({ ...doc, Statement: [...doc.Statement, foreign] }))).toEqual([IDS.member]);
    expect(offboardedAccountsIn(undefined)).toEqual([]);
    expect(() => offboardedAccountsIn('not json')).toThrow(expect.objectContaining({ name: 'InvalidPolicyDocument' }));
  });

  it('next to the stack\'s policy, denies a listed account\'s session everything and leaves another account\'s as it was (evaluated)', async () => {
    const { stackPolicy } = sharedWorld();
    const identityPolicies = [
      { name: READER_POLICY_NAME, policy: JSON.parse(stackPolicy()) },
      { name: OFFBOARDED_POLICY_NAME, policy: offboardedDenyPolicy([IDS.member]) },
    ];
    const get = async (tag: string) =>
      (
        await evaluate({
          principal: `arn:aws:sts::${IDS.logArchive}:assumed-role/${ROLE}/s`,
          action: 's3:GetObject',
          resourceArn: `arn:aws:s3:::org-cloudtrail-logs-222233334444/cloudtrail/AWSLogs/${tag}/CloudTrail/x.json.gz`,
          resourceAccount: IDS.logArchive,
          identityPolicies,
          context: { 'aws:PrincipalAccount': IDS.logArchive, [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: tag },
        })
      ).result;
    expect(await get(IDS.member)).toBe('ExplicitlyDenied');
    expect(await get(IDS.other)).toBe('Allowed');
  });
});

describe('planning the deny list', () => {
  const role = (accounts: string[], other = '{"Version":"2012-10-17","Statement":[]}') => ({
    roleName: ROLE,
    inlinePolicies: { [READER_POLICY_NAME]: other, ...(accounts.length ? { [OFFBOARDED_POLICY_NAME]: serializePolicy(offboardedDenyPolicy(accounts)!) } : {}) },
  });

  it.each([
    ['adds an account', [IDS.other], IDS.member, true, { action: 'put', accounts: [IDS.member, IDS.other] }],
    ['adds the first account', [], IDS.member, true, { action: 'put', accounts: [IDS.member] }],
    ['finds a listed account listed', [IDS.member], IDS.member, true, { action: 'none', accounts: [IDS.member] }],
    ['takes one off', [IDS.member, IDS.other], IDS.member, false, { action: 'put', accounts: [IDS.other] }],
    ['deletes the policy with its last account', [IDS.member], IDS.member, false, { action: 'delete', accounts: [] }],
    ['has nothing to take off without a list', [], IDS.member, false, { action: 'none', accounts: [] }],
  ] as const)('%s', (_what, listed, account, revoke, expected) => {
    expect(planDenyList(role([...listed]), account, revoke)).toMatchObject(expected);
  });

  it('with the shared role\'s own policy, about 590 accounts fit; one more is PolicyTooLarge naming the role, the limit and how many fit', () => {
    const { stackPolicy } = sharedWorld();
    const fit = accountsThatFit([stackPolicy()]);
    expect(fit).toBeGreaterThan(550);
    const full = Array.from({ length: fit }, (_, i) => id(i));
    expect(planDenyList(role(full.slice(1), stackPolicy()), full[0]!, true)).toMatchObject({ action: 'put' });
    expect(() => planDenyList(role(full, stackPolicy()), id(fit), true)).toThrow(
      expect.objectContaining({
        name: 'PolicyTooLarge',
        message: expect.stringMatching(new RegExp(`inline policies of role ${ROLE}.*over the AWS limit of 10,240 .*At most ${fit.toLocaleString('en-US')} accounts fit.*Onboarding an account again`)),
      }),
    );
  });

  it('the stack\'s view of the role leaves the list out', () => {
    expect(withoutDenyList(role([IDS.member])).inlinePolicies).toEqual({ [READER_POLICY_NAME]: '{"Version":"2012-10-17","Statement":[]}' });
  });
});

describe('OffboardAccount and EnsureReaderRole in shared mode', () => {
  it('an offboarding lists the account under the lease; a re-run takes no lease and writes nothing', async () => {
    const f = sharedWorld();
    const r = await offboardAccount(f.deps, IDS.member, EXEC, 'test');
    expect(r.removed).toContain('readerAccess');
    expect(r.leftBehind.filter((l) => l.resource === 'readerRole')).toEqual([]);
    expect(f.listed()).toEqual([IDS.member]);
    expect(f.writes).toEqual(expect.arrayContaining([`Lock ${SHARED_READER_LEASE}`, `PutRolePolicy ${ROLE} ${OFFBOARDED_POLICY_NAME}`]));
    f.writes.length = 0;
    const again = await offboardAccount(f.deps, IDS.member, EXEC, 'test');
    expect(again.removed).not.toContain('readerAccess');
    expect(f.writes.filter((w) => w.includes(ROLE) || w.includes(SHARED_READER_LEASE))).toEqual([]);
  });

  it('a second offboarding adds its account to the first', async () => {
    const f = sharedWorld();
    await offboardAccount(f.deps, IDS.member, EXEC, 'test');
    await offboardAccount(f.deps, IDS.other, `${EXEC}-2`, 'test');
    expect(f.listed()).toEqual([IDS.member, IDS.other].sort());
  });

  it('the list is read again under the lease: what another holder wrote after the first read is kept', async () => {
    // prepare: between this run's first read and its lease, another execution lists THIRD.
    const f = sharedWorld();
    let reads = 0;
    const iam: RolePort = Object.assign(Object.create(f.logArchiveRoles) as RolePort, {
      getRole: async (name: string) => {
        const role = await f.logArchiveRoles.getRole(name);
        if (name === ROLE && ++reads === 1) f.logArchiveRoles.roles.get(ROLE)!.inlinePolicies[OFFBOARDED_POLICY_NAME] = serializePolicy(offboardedDenyPolicy([THIRD])!);
        return role;
      },
    });
    // act
    const r = await setSharedReaderAccess({ iam, lock: f.lock, roleName: ROLE, accountId: IDS.member, revoke: true, owner: EXEC, leaseSeconds: 60 });
    // assert
    expect(r.changed).toBe(true);
    expect(f.listed()).toEqual([IDS.member, THIRD].sort());
  });

  it('while another execution holds the lease: PolicyLockBusy, and the list is not written', async () => {
    const f = sharedWorld();
    f.lock.holder = 'another-execution';
    await expect(offboardAccount(f.deps, IDS.member, EXEC, 'test')).rejects.toMatchObject({ name: 'PolicyLockBusy' });
    expect(f.listed()).toEqual([]);
  });

  it('the role still verifies with the list on it; onboarding the account again takes it off (the policy goes with its last account)', async () => {
    const f = sharedWorld();
    await offboardAccount(f.deps, IDS.member, EXEC, 'test');
    await offboardAccount(f.deps, IDS.other, `${EXEC}-2`, 'test');
    f.writes.length = 0;
    expect(await ensureReaderRole(f.deps, THIRD)).toEqual({ roleArn: SHARED.sharedReaderRoleArn, changed: false, drift: [] });
    expect(f.writes).toEqual([]);

    const report = await ensureReaderRole(f.deps, IDS.member, 'report');
    expect(report).toMatchObject({ changed: false, drift: [{ resource: 'readerRole', code: 'ReaderAccessRevoked' }] });
    expect(f.writes).toEqual([]);

    expect(await ensureReaderRole(f.deps, IDS.member, 'apply', 'onboard-x#EnsureReaderRole')).toMatchObject({ changed: true, drift: [{ code: 'ReaderAccessRevoked' }] });
    expect(f.listed()).toEqual([IDS.other]);
    expect(await ensureReaderRole(f.deps, IDS.other)).toMatchObject({ changed: true });
    expect(f.logArchiveRoles.roles.get(ROLE)!.inlinePolicies).not.toHaveProperty(OFFBOARDED_POLICY_NAME);
    expect(f.writes).toEqual([`Lock ${SHARED_READER_LEASE}`, `PutRolePolicy ${ROLE} ${OFFBOARDED_POLICY_NAME}`, `Lock ${SHARED_READER_LEASE}`, `DeleteRolePolicy ${ROLE} ${OFFBOARDED_POLICY_NAME}`]);
  });

  it('a per-account role left from before the switch: deleted with removePerAccountRoles, else recorded as left behind', async () => {
    for (const removePerAccountRoles of [true, false]) {
      const f = sharedWorld({ ...SHARED, readerAccess: { mode: 'shared', removePerAccountRoles } });
      const old = desiredReaderRole(f.config, IDS.member);
      f.logArchiveRoles.roles.set(old.roleName, { arn: `arn:aws:iam::${IDS.logArchive}:role/${old.roleName}`, roleName: old.roleName, trustPolicyText: '{}', maxSessionDuration: 3600, managedPolicyArns: [], inlinePolicies: {}, tags: old.tags });
      const r = await offboardAccount(f.deps, IDS.member, EXEC, 'test');
      expect(f.logArchiveRoles.roles.has(old.roleName)).toBe(!removePerAccountRoles);
      expect(r.removed.includes('readerRole')).toBe(removePerAccountRoles);
      expect(r.leftBehind).toEqual(removePerAccountRoles ? [] : [{ resource: 'readerRole', reason: expect.stringMatching(/still trusts the account; removePerAccountRoles is false/) }]);
    }
  });
});

describe('a per-account reader role kept for keepReaderRoleDays', () => {
  const DAY = 24 * 3600 * 1000;
  const T0 = Date.parse('2026-12-01T10:00:00.000Z');
  const START = '2026-12-01T10:00:00.000Z';

  it.each([
    ['when the offboarding begins: kept a day', T0, START, { action: 'keep', since: START, until: '2026-12-02T10:00:00.000Z' }],
    ['a later run within the day: still until the same date', T0 + DAY / 2, START, { action: 'keep', since: START, until: '2026-12-02T10:00:00.000Z' }],
    ['a run at the very end of the day: deleted', T0 + DAY, START, { action: 'delete' }],
    ['without a recorded start: kept from now', T0, undefined, { action: 'keep', since: START, until: '2026-12-02T10:00:00.000Z' }],
  ] as const)('%s', (_what, now, offboardingStartedAt, expected) => {
    expect(decideRetention({ days: 1, now: new Date(now), ...(offboardingStartedAt ? { offboardingStartedAt } : {}) })).toEqual(expected);
  });

  it('OffboardAccount keeps it and records until when; a later run of the offboarding deletes it once the day is over', async () => {
    // prepare
    const f = fakeDeps({ offboarding: { keepReaderRoleDays: 1 } });
    let now = T0;
    const deps = { ...f.deps, now: () => new Date(now) };
    const spec = desiredReaderRole(f.config, IDS.member);
    f.logArchiveRoles.roles.set(spec.roleName, { arn: `arn:aws:iam::${IDS.logArchive}:role/${spec.roleName}`, roleName: spec.roleName, trustPolicyText: '{}', maxSessionDuration: 3600, managedPolicyArns: [], inlinePolicies: { [READER_POLICY_NAME]: '{}' }, tags: spec.tags });
    f.status.records.set(IDS.member, { status: 'OFFBOARDING', offboarding: { startedAt: START } });
    // act: the first run
    const first = await offboardAccount(deps, IDS.member, EXEC, 'test');
    // assert
    expect(first).toMatchObject({ readerRoleKeptUntil: '2026-12-02T10:00:00.000Z', leftBehind: [{ resource: 'readerRole', reason: expect.stringMatching(/^kept until 2026-12-02T10:00:00.000Z/) }] });
    expect(f.logArchiveRoles.roles.has(spec.roleName)).toBe(true);
    // act: a day later, another run of the same offboarding (its record keeps when it began)
    now = T0 + DAY;
    f.status.records.set(IDS.member, { status: 'OFFBOARDING', offboarding: { startedAt: START } });
    const second = await offboardAccount(deps, IDS.member, `${EXEC}-1`, 'keepReaderRoleDays elapsed');
    // assert
    expect(second.readerRoleKeptUntil).toBeUndefined();
    expect(second.removed).toContain('readerRole');
    expect(f.logArchiveRoles.roles.has(spec.roleName)).toBe(false);
  });
});
