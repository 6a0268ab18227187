/**
 * The steps' read -> decide -> write-only-what-differs logic against in-memory ports.
 */
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { parsePolicy } from '../../../handlers/domain/policy-document';
import { ensureReaderRole } from '../../../handlers/steps/ensure-reader-role';
import { ensureBucketPolicy, ensureKeyPolicy } from '../../../handlers/steps/ensure-shared-policies';
import { ensureSwitchRole } from '../../../handlers/steps/ensure-switch-role';
import { ensureTrail } from '../../../handlers/steps/ensure-trail';
import { BATCH_WINDOWS_MAX, batchWindowsOf } from '../../../handlers/steps/shared-policy-sync';
import { describeFailure, recordFailure, recordResult } from '../../../handlers/steps/record';
import { validateRequest } from '../../../handlers/steps/validate-request';
import { fakeDeps, IDS } from './fakes';

const EXEC = 'arn:aws:states:eu-west-1:111122223333:execution:Onboarding:onboard-444455556666';

describe('switch role', () => {
  it('creates the role with its managed policies on the first run', async () => {
    const w = fakeDeps();
    const r = await ensureSwitchRole(w.deps, IDS.member);
    expect(r).toEqual({
      roleArn: `arn:aws:iam::${IDS.member}:role/SecurityAuditFromLogArchive`,
      changed: true,
      drift: [{ resource: 'switchRole', code: 'RoleMissing', detail: 'Role SecurityAuditFromLogArchive does not exist.' }],
    });
    expect(w.writes).toEqual([
      'CreateRole SecurityAuditFromLogArchive',
      'AttachRolePolicy SecurityAuditFromLogArchive arn:aws:iam::aws:policy/SecurityAudit',
    ]);
  });

  it('re-run on an onboarded account writes nothing', async () => {
    const w = fakeDeps();
    await ensureSwitchRole(w.deps, IDS.member);
    w.writes.length = 0;
    const r = await ensureSwitchRole(w.deps, IDS.member);
    expect(r.changed).toBe(false);
    expect(w.writes).toEqual([]);
  });

  it('refuses a role of the same name that the service does not own, and writes nothing', async () => {
    const w = fakeDeps();
    w.rolesOf(IDS.member).roles.set('SecurityAuditFromLogArchive', {
      arn: `arn:aws:iam::${IDS.member}:role/SecurityAuditFromLogArchive`,
      roleName: 'SecurityAuditFromLogArchive',
      trustPolicyText: '{"Version":"2012-10-17","Statement":[]}',
      maxSessionDuration: 3600,
      managedPolicyArns: [],
      inlinePolicies: {},
      tags: [],
    });
    await expect(ensureSwitchRole(w.deps, IDS.member)).rejects.toMatchObject({ name: 'SwitchRoleConflict' });
    expect(w.writes).toEqual([]);
  });

  it('repairs a drifted trust policy of its own role and touches nothing else', async () => {
    const w = fakeDeps();
    await ensureSwitchRole(w.deps, IDS.member);
    w.rolesOf(IDS.member).roles.get('SecurityAuditFromLogArchive')!.trustPolicyText =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}';
    w.writes.length = 0;
    await ensureSwitchRole(w.deps, IDS.member);
    expect(w.writes).toEqual(['UpdateAssumeRolePolicy SecurityAuditFromLogArchive']);
  });
});

describe('reader role', () => {
  it('creates one reader role per account with its inline policy, then writes nothing on re-run', async () => {
    const w = fakeDeps();
    const r = await ensureReaderRole(w.deps, IDS.member);
    expect(r.roleArn).toBe(`arn:aws:iam::${IDS.logArchive}:role/CloudTrailLogReader-${IDS.member}`);
    expect(w.writes).toEqual([`CreateRole CloudTrailLogReader-${IDS.member}`, `PutRolePolicy CloudTrailLogReader-${IDS.member} ReadOwnCloudTrailLogs`]);
    w.writes.length = 0;
    expect((await ensureReaderRole(w.deps, IDS.member)).changed).toBe(false);
    expect(w.writes).toEqual([]);
  });
});

describe('shared policies', () => {
  it('admits the account, takes the lease and writes once; a re-run reads only', async () => {
    const w = fakeDeps();
    const r = await ensureBucketPolicy(w.deps, IDS.member, `${EXEC}#b`);
    expect(r).toMatchObject({ changed: true, accounts: 1, limit: 20480 });
    expect(w.writes).toEqual([`AddMember ${IDS.member}`, 'Lock bucket-policy', 'PutBucketPolicy']);
    w.writes.length = 0;
    expect((await ensureBucketPolicy(w.deps, IDS.member, `${EXEC}#b`)).changed).toBe(false);
    expect(w.writes).toEqual([]);
  });

  it('sends the independent reads at once: before the lease, the policy and the member set (and the key state, the bucket encryption); under it, the re-read and the member set', async () => {
    const w = fakeDeps();
    const events: string[] = [];
    // Each read says when it is sent and, after a turn of the microtask queue, when it is answered.
    const traced = <A extends unknown[], R>(label: string, fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      events.push(`${label} sent`);
      await Promise.resolve();
      const r = await fn(...a);
      events.push(`${label} answered`);
      return r;
    };
    w.key.get = traced('GetKeyPolicy', w.key.get.bind(w.key));
    w.status.membership = traced('membership', w.status.membership.bind(w.status));
    w.keyState.state = traced('DescribeKey', w.keyState.state.bind(w.keyState));
    w.bucket.bucketKeyEnabled = traced('GetBucketEncryption', w.bucket.bucketKeyEnabled.bind(w.bucket));
    await ensureKeyPolicy(w.deps, IDS.member, 'exec-reads');
    const lock = w.writes.indexOf('Lock key-policy');
    expect(lock).toBeGreaterThanOrEqual(0);
    // Round trips: all sent before the first is answered.
    const round = (from: number) => {
      const firstAnswer = events.findIndex((e, i) => i >= from && e.endsWith('answered'));
      return { sent: events.slice(from, firstAnswer).filter((e) => e.endsWith('sent')).map((e) => e.replace(' sent', '')).sort(), next: firstAnswer };
    };
    expect(round(0).sent).toEqual(['DescribeKey', 'GetBucketEncryption', 'GetKeyPolicy', 'membership']);
    const underLease = events.lastIndexOf('GetKeyPolicy sent');
    expect(round(Math.min(underLease, events.lastIndexOf('membership sent'))).sent).toEqual(['GetKeyPolicy', 'membership']);
    expect(w.writes).toEqual([`AddMember ${IDS.member}`, 'Lock key-policy', 'PutKeyPolicy']);
  });

  it('renders every admitted account, so later executions of a burst find themselves present and write nothing', async () => {
    const w = fakeDeps();
    const burst = ['444455556666', '555566667777', '666677778888', '777788889999', '888899990000'];
    for (const a of burst) w.status.memberSet.add(a); // all five admitted before the first holds the lease
    await ensureKeyPolicy(w.deps, burst[0], 'exec-0');
    const puts = () => w.writes.filter((x) => x === 'PutKeyPolicy').length;
    expect(puts()).toBe(1);
    for (const a of burst.slice(1)) expect((await ensureKeyPolicy(w.deps, a, `exec-${a}`)).changed).toBe(false);
    expect(puts()).toBe(1);
    expect(w.key.text).toContain('"Sid":"Enable IAM User Permissions"');
  });

  it('a lone onboarding takes the lease and writes at once, without waiting for a burst', async () => {
    const w = fakeDeps();
    await ensureBucketPolicy(w.deps, IDS.member, 'e1');
    expect(w.sleeps).toEqual([]);
  });

  it('during a burst the holder waits a window, another while someone new was admitted, then writes everyone admitted meanwhile', async () => {
    const w = fakeDeps({ policyBatchWindowMs: 750 });
    w.status.memberSet.add(IDS.other); // another execution of the burst is admitted, not granted yet
    const late = ['666677778888', '777788889999'];
    w.deps.sleep = async (ms) => {
      w.sleeps.push(ms);
      const next = late[w.sleeps.length - 1];
      if (next) w.status.memberSet.add(next); // admitted while the holder waits (two windows, then quiet)
    };
    await ensureBucketPolicy(w.deps, IDS.member, 'e1');
    expect(w.sleeps).toEqual([750, 750, 750]);
    expect(w.writes.filter((x) => x === 'PutBucketPolicy')).toHaveLength(1);
    for (const a of [IDS.member, IDS.other, ...late]) expect(w.bucket.text).toContain(`"${a}"`);
  });

  it('a burst that keeps arriving holds the writer at most BATCH_WINDOWS_MAX windows, and never more than 30 s', async () => {
    const w = fakeDeps({ policyBatchWindowMs: 1000 });
    w.status.memberSet.add(IDS.other);
    let n = 0;
    w.deps.sleep = async (ms) => {
      w.sleeps.push(ms);
      w.status.memberSet.add(String(100000000000 + n++)); // someone new in every window
    };
    await ensureBucketPolicy(w.deps, IDS.member, 'e1');
    expect(w.sleeps).toHaveLength(BATCH_WINDOWS_MAX);
    expect(w.writes.filter((x) => x === 'PutBucketPolicy')).toHaveLength(1);
    expect(batchWindowsOf(10_000)).toBe(3);
    expect(batchWindowsOf(1)).toBe(BATCH_WINDOWS_MAX);
  });

  it('keeps accounts already granted by the policy even when the member set lost them', async () => {
    const w = fakeDeps();
    await ensureBucketPolicy(w.deps, IDS.other, 'e1');
    w.status.memberSet.clear();
    await ensureBucketPolicy(w.deps, IDS.member, 'e2');
    expect(accountsInBucketPolicy(parsePolicy(w.bucket.text, 'bucket policy'), logDestinationFromConfig(w.config))).toEqual([IDS.member, IDS.other]);
  });

  it('waits for the lease when another execution holds it, writing nothing meanwhile', async () => {
    const w = fakeDeps();
    w.lock.holder = 'another-execution';
    await expect(ensureBucketPolicy(w.deps, IDS.member, 'mine')).rejects.toMatchObject({ name: 'PolicyLockBusy' });
    expect(w.writes.filter((x) => x.startsWith('Put'))).toEqual([]);
  });
});

describe('trail', () => {
  it('creates the trail and starts logging on the first run, and writes nothing on re-run', async () => {
    const w = fakeDeps();
    const r = await ensureTrail(w.deps, IDS.member);
    expect(r).toEqual({
      trailArn: `arn:aws:cloudtrail:eu-west-1:${IDS.member}:trail/org-member-trail`,
      changed: true,
      isLogging: true,
      drift: [{ resource: 'trail', code: 'TrailMissing', detail: 'Trail org-member-trail does not exist.' }],
      delivery: 'OK',
      deliveryDetail: '',
      // The per-account trail has nothing to migrate (EnsureOrganizationTrail with migrateAccountTrails does).
      migration: 'none',
      migrationDetail: '',
    });
    expect(w.writes).toEqual(['CreateTrail org-member-trail', 'StartLogging org-member-trail']);
    w.writes.length = 0;
    expect((await ensureTrail(w.deps, IDS.member)).changed).toBe(false);
    expect(w.writes).toEqual([]);
  });

  it('restarts a stopped trail without recreating it', async () => {
    const w = fakeDeps();
    await ensureTrail(w.deps, IDS.member);
    w.trailsOf(IDS.member).trails.get('org-member-trail')!.isLogging = false;
    w.writes.length = 0;
    await ensureTrail(w.deps, IDS.member);
    expect(w.writes).toEqual(['StartLogging org-member-trail']);
  });

  it('reports TrailNotLoggingYet when StartLogging has not taken effect', async () => {
    const w = fakeDeps();
    w.trailsOf(IDS.member).startTakesEffect = false;
    await expect(ensureTrail(w.deps, IDS.member)).rejects.toMatchObject({ name: 'TrailNotLoggingYet' });
  });
});

describe('validation', () => {
  const org = [
    { id: IDS.member, state: 'ACTIVE' },
    { id: '999900001111', state: 'SUSPENDED' },
  ];
  it.each([
    ['a malformed id', { accountId: '12345' }, 'InvalidAccountId'],
    ['an unknown field', { accountId: IDS.member, force: true }, 'InvalidRequest'],
    ['an account outside the organization', { accountId: '123412341234' }, 'AccountNotFound'],
    ['a suspended account', { accountId: '999900001111' }, 'AccountNotActive'],
    ['the management account', { accountId: IDS.management }, 'AccountNotAllowed'],
  ])('rejects %s (%j) with %s and writes nothing in AWS (a refused valid id: only its REJECTED status)', async (_label, request, errorName) => {
    const w = fakeDeps({}, org);
    await expect(validateRequest(w.deps, request, EXEC)).rejects.toMatchObject({ name: errorName });
    const refused = ['AccountNotFound', 'AccountNotActive', 'AccountNotAllowed'].includes(errorName);
    expect(w.writes).toEqual(refused ? [`Status REJECTED ${(request as { accountId: string }).accountId}`] : []);
  });

  it('marks a valid account IN_PROGRESS', async () => {
    const w = fakeDeps({}, org);
    expect(await validateRequest(w.deps, { accountId: IDS.member }, EXEC)).toEqual({
      accountId: IDS.member,
      executionArn: EXEC,
      mode: 'apply',
      notBefore: null,
      trailMode: 'account',
      action: 'onboard',
      reason: null,
    });
    expect(w.writes).toEqual([`Status IN_PROGRESS ${IDS.member}`]);
  });

  it('an offboarding of a known account marks it OFFBOARDING with the reason; no eligibility check (it may be closed)', async () => {
    const w = fakeDeps({}, [{ id: IDS.member, state: 'SUSPENDED' }]);
    await w.deps.status.markOnboarded(IDS.member, { executionArn: 'e0', switchRoleArn: '', trailArn: '', readerRoleArn: '' });
    w.writes.length = 0;
    expect(await validateRequest(w.deps, { accountId: IDS.member, action: 'offboard', reason: 'CloseAccount' }, EXEC)).toMatchObject({ action: 'offboard', reason: 'CloseAccount' });
    expect(w.writes).toEqual([`Status OFFBOARDING ${IDS.member}`]);
  });

  it('an offboarding of an account never onboarded is NothingToOffboard, nothing written', async () => {
    const w = fakeDeps({}, org);
    await expect(validateRequest(w.deps, { accountId: IDS.member, action: 'offboard' }, EXEC)).rejects.toMatchObject({ name: 'NothingToOffboard' });
    expect(w.writes).toEqual([]);
  });
});

describe('failure recording', () => {
  it.each([
    [
      'a Lambda error envelope',
      { Error: 'SwitchRoleConflict', Cause: JSON.stringify({ errorType: 'SwitchRoleConflict', errorMessage: 'EnsureSwitchRole: role exists', trace: [] }) },
      { error: 'SwitchRoleConflict', cause: 'EnsureSwitchRole: role exists', step: 'EnsureSwitchRole' },
    ],
    ['a Step Functions error', { Error: 'States.Timeout', Cause: 'Task timed out' }, { error: 'States.Timeout', cause: 'Task timed out', step: undefined }],
    ['nothing', undefined, { error: 'States.Unknown', cause: 'States.Unknown (no cause given)', step: undefined }],
  ])('describes %s', (_label, failure, expected) => {
    expect(describeFailure(failure)).toEqual(expected);
  });

  it('records FAILED only for a valid account id', async () => {
    const w = fakeDeps();
    await recordFailure(w.deps, { accountId: 'not-an-id', failure: { Error: 'X', Cause: 'y' } }, EXEC);
    expect(w.writes).toEqual([]);
    await recordFailure(w.deps, { accountId: IDS.member, failure: { Error: 'X', Cause: 'y' } }, EXEC);
    expect(w.writes).toEqual([`Status FAILED ${IDS.member}`]);
  });
});

describe('recording the result', () => {
  it("returns the switch role's console link, which the execution's output (and so the success notification) carries", async () => {
    const w = fakeDeps();
    const r = await recordResult(w.deps, IDS.member, EXEC, 'apply', {
      switchRoleArn: `arn:aws:iam::${IDS.member}:role/SecurityAuditFromLogArchive`,
      trailArn: `arn:aws:cloudtrail:eu-west-1:${IDS.member}:trail/org-member-trail`,
      readerRoleArn: `arn:aws:iam::${IDS.logArchive}:role/CloudTrailLogReader-${IDS.member}`,
    });
    expect(r.switchRoleLink).toBe(`https://signin.aws.amazon.com/switchrole?account=${IDS.member}&roleName=SecurityAuditFromLogArchive&displayName=audit%20${IDS.member}`);
  });
});
