/**
 * `onboard plan --offboard <id>` logic (cli/plan.ts buildOffboardPlan): both shared policies as an
 * offboarding leaves them -- the same documents the offboarding itself writes (checked against
 * handlers/steps on in-memory ports) -- every foreign statement and every other account's grant kept;
 * a policy that does not list the account unchanged; and what else an offboarding removes.
 */
import { buildOffboardPlan } from '../../../cli/plan';
import { formatOffboardPlan } from '../../../cli/format';
import { ensureBucketPolicy, ensureKeyPolicy, retireAccountTrailGrants, withdrawFromSharedPolicies } from '../../../handlers/steps/ensure-shared-policies';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { BASE_CONFIG, fakeDeps, IDS } from '../steps/fakes';

const A = IDS.member;
const B = IDS.other;
const FOREIGN = { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::org-cloudtrail-logs-222233334444/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };

/** In-memory ports with A and B onboarded into both shared policies by the steps themselves. */
async function onboardedWorld(overrides: Parameters<typeof fakeDeps>[0] = {}) {
  const world = fakeDeps(overrides);
  world.bucket.text = JSON.stringify({ Version: '2012-10-17', Statement: [FOREIGN] });
  for (const id of [A, B]) {
    await ensureBucketPolicy(world.deps, id, `exec-${id}`);
    await ensureKeyPolicy(world.deps, id, `exec-${id}`);
  }
  return world;
}

const planOf = (world: Awaited<ReturnType<typeof onboardedWorld>>, accountId: string, config = world.config) =>
  buildOffboardPlan({ config, accountId, currentBucketPolicy: world.bucket.text, currentKeyPolicy: world.key.text });

describe('plan --offboard', () => {
  it('plans exactly the documents the offboarding writes: the account out, the other account and the foreign statements kept', async () => {
    // prepare
    const world = await onboardedWorld();
    const plan = planOf(world, A);

    // act: the offboarding's own withdrawal
    await withdrawFromSharedPolicies(world.deps, A, 'exec-offboard');

    // assert
    expect(plan.bucketPolicy.document).toEqual(JSON.parse(world.bucket.text!));
    expect(plan.keyPolicy.document).toEqual(JSON.parse(world.key.text!));
    expect(plan.bucketPolicy).toMatchObject({ changed: true, accounts: 1, mode: 'accounts' });
    expect(plan.keyPolicy).toMatchObject({ changed: true, accounts: 1, mode: 'accounts' });
    expect(plan.bucketPolicy.diff).toMatch(new RegExp(`^-\\s+"${A}",?$`, 'm'));
    expect(plan.bucketPolicy.diff).not.toMatch(new RegExp(`^[-+].*${B}`, 'm'));
    expect(plan.bucketPolicy.document.Statement[0]).toEqual(FOREIGN);
    expect(plan.accounts[A]).toMatchObject({ action: 'offboard', bucketPolicy: 'withdrawn', keyPolicy: 'withdrawn' });
  });

  it('keeps the shape { bucketPolicy, keyPolicy, accounts } and names what else goes', async () => {
    const plan = planOf(await onboardedWorld(), A);
    expect(Object.keys(plan)).toEqual(['bucketPolicy', 'keyPolicy', 'accounts']);
    expect(plan.accounts[A].deletes).toEqual({
      trail: `arn:aws:cloudtrail:eu-west-1:${A}:trail/org-member-trail`,
      switchRole: `arn:aws:iam::${A}:role/SecurityAuditFromLogArchive`,
      changeRules: ['eu-west-1/cloudtrail-onboarding-trail-changes', 'us-east-1/cloudtrail-onboarding-role-changes'],
      changeForwarderRole: `arn:aws:iam::${A}:role/CloudTrailOnboarding-ChangeForwarder`,
    });
    expect(plan.accounts[A].readerRole).toEqual({ roleArn: `arn:aws:iam::${IDS.logArchive}:role/CloudTrailLogReader-${A}`, fate: 'deleted' });
  });

  it.each([
    ['keepReaderRoleDays 30: kept', { offboarding: { keepReaderRoleDays: 30 } }, { fate: 'kept', keptForDays: 30 }],
    ['the shared reader role: nothing per account', { readerAccess: { mode: 'shared' as const, removePerAccountRoles: false } }, { fate: 'shared' }],
  ])('reader role with %s', async (_what, overrides, fate) => {
    const world = await onboardedWorld();
    const config = parseRuntimeConfig({ ...BASE_CONFIG, ...overrides, sharedReaderRoleArn: `arn:aws:iam::${IDS.logArchive}:role/CloudTrailOnboarding-LogReader` });
    expect(planOf(world, A, config).accounts[A].readerRole).toMatchObject(fate);
  });

  it('an account the policies do not list: both unchanged, no diff', async () => {
    const world = await onboardedWorld();
    const before = { bucket: world.bucket.text, key: world.key.text };
    const plan = planOf(world, '777788889999');
    expect(plan.bucketPolicy).toMatchObject({ changed: false, diff: '', accounts: 2 });
    expect(plan.keyPolicy).toMatchObject({ changed: false, diff: '', accounts: 2 });
    expect(plan.bucketPolicy.document).toEqual(JSON.parse(before.bucket!));
    expect(plan.accounts['777788889999']).toMatchObject({ bucketPolicy: 'not-listed', keyPolicy: 'not-listed' });
    // The offboarding agrees: it writes neither policy.
    world.writes.length = 0;
    await withdrawFromSharedPolicies(world.deps, '777788889999', 'exec-offboard');
    expect(world.writes.filter((w) => w.startsWith('Put'))).toEqual([]);
  });

  it('an organization-wide grant (aws:SourceOrgID) names no account: unchanged, and said to stay', async () => {
    // prepare: past the bucket list's limit, the steps write the organization-wide statements
    const world = fakeDeps();
    for (let i = 0; i < 1400; i++) world.status.memberSet.add(String(300000000000 + i));
    await ensureBucketPolicy(world.deps, A, 'exec-a');
    expect(planOf(world, A).bucketPolicy.mode).toBe('organization');

    // act
    const plan = planOf(world, A);

    // assert
    expect(plan.bucketPolicy).toMatchObject({ changed: false, diff: '', mode: 'organization' });
    expect(plan.accounts[A].bucketPolicy).toBe('granted-organization-wide');
    expect(formatOffboardPlan(plan, world.config)).toContain('grants the organization as a whole (aws:SourceOrgID) and names no account: the grant stays');
  });

  it('in trailMode organization, plans what the offboarding writes: the per-account statements kept from account mode retired', async () => {
    // prepare: A and B onboarded in account mode, then the switch to organization mode
    const accountMode = await onboardedWorld();
    const world = fakeDeps({ trailMode: 'organization', migrateAccountTrails: true });
    world.bucket.text = accountMode.bucket.text;
    world.key.text = accountMode.key.text;
    const plan = planOf(world, A);

    // act
    await retireAccountTrailGrants(world.deps, A, 'exec-offboard');

    // assert
    expect(plan.bucketPolicy.document).toEqual(JSON.parse(world.bucket.text!));
    expect(plan.keyPolicy.document).toEqual(JSON.parse(world.key.text!));
    expect(plan.bucketPolicy.changed).toBe(true);
    expect(JSON.stringify(plan.bucketPolicy.document)).not.toContain(A);
    expect(JSON.stringify(plan.bucketPolicy.document)).toContain(B);
  });

  it('rejects a malformed account id by name', () => {
    expect(() => buildOffboardPlan({ config: parseRuntimeConfig(BASE_CONFIG), accountId: '12345', currentBucketPolicy: undefined, currentKeyPolicy: undefined })).toThrow(
      expect.objectContaining({ name: 'InvalidAccountId' }),
    );
  });

  it('formats both policies with their diffs and what else goes', async () => {
    const world = await onboardedWorld();
    const text = formatOffboardPlan(planOf(world, A), world.config);
    expect(text.split('\n')[0]).toBe(`Plan: offboard ${A}`);
    expect(text).toMatch(/^Bucket policy \(org-cloudtrail-logs-222233334444\): changes, .* grants 1 account$/m);
    expect(text).toContain("  the account's grant is withdrawn");
    expect(text).toContain(`  reader role    arn:aws:iam::${IDS.logArchive}:role/CloudTrailLogReader-${A} deleted`);
    expect(text).toContain('  log files      none: the logs stay in the bucket under its retention');
  });
});
