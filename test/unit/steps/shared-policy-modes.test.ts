/**
 * The shared-policy protocol in every encoding: the account list, organization-wide past the limit,
 * PolicyTooLarge without an organization id, and the earlier explicit encoding it replaces. In each,
 * a re-run on an onboarded account makes no write call at all.
 */
import { accountsInBucketPolicy, LEGACY_BUCKET_POLICY_SIDS } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { parsePolicy } from '../../../handlers/domain/policy-document';
import { ensureBucketPolicy, ensureKeyPolicy } from '../../../handlers/steps/ensure-shared-policies';
import { manyAccounts } from '../domain/fixtures';
import { fakeDeps, IDS } from './fakes';

/**
 * More accounts than either policy holds as a list: one list in each (the key policy's Describe
 * statement carries none), so the bucket overflows first (~1,275), the key at ~2,100.
 */
const TOO_MANY = manyAccounts(2_200);
/** More than the bucket policy's list holds, fewer than the key policy's. */
const BETWEEN = manyAccounts(1_400);
const ORG = 'o-a1b2c3d4e5';

type World = ReturnType<typeof fakeDeps>;
const steps = [
  ['bucket policy', ensureBucketPolicy, (w: World) => w.bucket, 'PutBucketPolicy', 20_480],
  ['key policy', ensureKeyPolicy, (w: World) => w.key, 'PutKeyPolicy', 32_768],
] as const;

/** A world whose policies are already organization-wide, with `admitted` in the member set. */
async function organizationWideWorld(admitted: readonly string[]): Promise<World> {
  const w = fakeDeps();
  for (const a of [...TOO_MANY, ...admitted]) w.status.memberSet.add(a);
  await ensureBucketPolicy(w.deps, TOO_MANY[0] as string, 'setup');
  await ensureKeyPolicy(w.deps, TOO_MANY[0] as string, 'setup');
  w.writes.length = 0;
  return w;
}

describe.each(steps)('the %s', (_name, ensure, policyOf, put, limit) => {
  it('switches to organization-wide statements in the write that would overflow the account list', async () => {
    // prepare: a burst admitted more accounts than the list holds
    const w = fakeDeps();
    for (const a of TOO_MANY) w.status.memberSet.add(a);

    // act
    const r = await ensure(w.deps, IDS.member, 'exec');

    // assert
    expect(r).toMatchObject({ changed: true, mode: 'organization', accounts: TOO_MANY.length + 1, limit });
    expect(w.writes).toEqual([`AddMember ${IDS.member}`, expect.stringMatching(/^Lock /), put]);
    expect(policyOf(w).text).toContain(`"aws:SourceOrgID":"${ORG}"`);
    expect(policyOf(w).text).not.toContain(`"${IDS.member}"`);
  });

  it('in organization-wide mode, a re-run on an onboarded account writes nothing: no member-set write, no lease, no Put', async () => {
    // prepare
    const w = await organizationWideWorld([IDS.member]);

    // act
    const r = await ensure(w.deps, IDS.member, 'rerun');

    // assert
    expect(r).toMatchObject({ changed: false, mode: 'organization' });
    expect(w.writes).toEqual([]);
  });

  it('in organization-wide mode, a new account of the organization is admitted to the member set and nothing else is written', async () => {
    // prepare
    const w = await organizationWideWorld([]);

    // act
    const r = await ensure(w.deps, IDS.member, 'new');

    // assert
    expect(r).toMatchObject({ changed: false, mode: 'organization' });
    expect(w.writes).toEqual([`AddMember ${IDS.member}`]);
    expect(w.status.memberSet.has(IDS.member)).toBe(true);
  });

  it('stays organization-wide when the member set has lost accounts (the policy no longer lists them, so a list would revoke them)', async () => {
    // prepare
    const w = await organizationWideWorld([IDS.member]);
    w.status.memberSet.clear();

    // act
    const r = await ensure(w.deps, IDS.other, 'after-loss');

    // assert
    expect(r).toMatchObject({ changed: false, mode: 'organization' });
    expect(w.writes).toEqual([`AddMember ${IDS.other}`]);
  });

  it('without an organization id, fails with PolicyTooLarge naming the limit and how many fit, before any write', async () => {
    // prepare
    const w = fakeDeps({ organizationId: undefined });
    for (const a of TOO_MANY) w.status.memberSet.add(a);

    // act
    const attempt = ensure(w.deps, IDS.member, 'exec');

    // assert: no member-set write, no lease, no Put
    await expect(attempt).rejects.toMatchObject({
      name: 'PolicyTooLarge',
      message: expect.stringMatching(new RegExp(`over the AWS limit of ${limit.toLocaleString('en-US')} bytes .* At most [0-9,]+ accounts fit\\.`)),
      details: expect.objectContaining({ limit, fit: expect.any(Number) }),
    });
    expect(w.writes).toEqual([]);
  });

  it('a re-run on an onboarded account in the compact encoding writes nothing', async () => {
    // prepare
    const w = fakeDeps();
    await ensure(w.deps, IDS.member, 'first');
    w.writes.length = 0;

    // act
    const r = await ensure(w.deps, IDS.member, 'again');

    // assert
    expect(r).toMatchObject({ changed: false, mode: 'accounts', accounts: 1 });
    expect(w.writes).toEqual([]);
  });
});

describe('the key policy with an organization id configured, between the two limits', () => {
  it('keeps its account list (naming no organization) while the bucket policy goes organization-wide; a re-run writes nothing', async () => {
    // prepare: more accounts than the bucket policy's list holds, fewer than the key policy's
    const w = fakeDeps();
    for (const a of BETWEEN) w.status.memberSet.add(a);

    // act
    const bucket = await ensureBucketPolicy(w.deps, IDS.member, 'exec');
    const key = await ensureKeyPolicy(w.deps, IDS.member, 'exec');

    // assert
    expect(bucket).toMatchObject({ changed: true, mode: 'organization', accounts: BETWEEN.length + 1 });
    expect(key).toMatchObject({ changed: true, mode: 'accounts', accounts: BETWEEN.length + 1 });
    expect(w.key.text).not.toContain('aws:SourceOrgID');
    expect(w.bucket.text).toContain(`"aws:SourceOrgID":"${ORG}"`);
    expect(accountsInKeyPolicy(parsePolicy(w.key.text, 'key policy'), logDestinationFromConfig(w.config))).toEqual([...BETWEEN, IDS.member].sort());

    // and a re-run on the onboarded account writes nothing, the key policy still a list
    w.writes.length = 0;
    expect(await ensureBucketPolicy(w.deps, IDS.member, 'again')).toMatchObject({ changed: false, mode: 'organization' });
    expect(await ensureKeyPolicy(w.deps, IDS.member, 'again')).toMatchObject({ changed: false, mode: 'accounts' });
    expect(w.writes).toEqual([]);
  });
});

describe('a policy in the earlier explicit encoding', () => {
  const trail = (a: string) => `arn:aws:cloudtrail:eu-west-1:${a}:trail/org-member-trail`;
  const bucket = 'arn:aws:s3:::org-cloudtrail-logs-222233334444';
  const foreign = { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `${bucket}/*`, Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
  const legacy = (accounts: string[]) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: LEGACY_BUCKET_POLICY_SIDS.aclCheck, Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: bucket, Condition: { StringEquals: { 'aws:SourceArn': accounts.map(trail) } } },
        foreign,
        {
          Sid: LEGACY_BUCKET_POLICY_SIDS.write,
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: accounts.map((a) => `${bucket}/cloudtrail/AWSLogs/${a}/*`),
          Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': accounts.map(trail) } },
        },
      ],
    });
  const legacyKey = (accounts: string[]) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${IDS.logArchive}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'CloudTrailOnboardingEncrypt',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 'kms:GenerateDataKey*',
          Resource: '*',
          Condition: {
            StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': accounts.map((a) => `arn:aws:cloudtrail:*:${a}:trail/*`) },
            StringEquals: { 'aws:SourceArn': accounts.map(trail) },
          },
        },
        { Sid: 'CloudTrailOnboardingDescribe', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:DescribeKey', Resource: '*', Condition: { StringEquals: { 'aws:SourceArn': accounts.map(trail) } } },
      ],
    });

  it('is replaced once by the compact encoding on the next run of an onboarded account, keeping its accounts and the foreign statement in place; then nothing is written', async () => {
    // prepare: both accounts onboarded under the old encoding, member set intact
    const w = fakeDeps();
    const dest = logDestinationFromConfig(w.config);
    w.bucket.text = legacy([IDS.member, IDS.other]);
    w.key.text = legacyKey([IDS.member, IDS.other]);
    w.status.memberSet.add(IDS.member).add(IDS.other);

    // act
    const bucket = await ensureBucketPolicy(w.deps, IDS.member, 'migrate');
    const key = await ensureKeyPolicy(w.deps, IDS.member, 'migrate');

    // assert: one Put each, no member-set write
    expect([bucket.changed, key.changed]).toEqual([true, true]);
    expect(w.writes).toEqual(['Lock bucket-policy', 'PutBucketPolicy', 'Lock key-policy', 'PutKeyPolicy']);
    const b = parsePolicy(w.bucket.text, 'bucket policy');
    expect(b.Statement.map((s) => s.Sid)).toEqual(['CloudTrailOnboardingDelivery', 'DenyInsecureTransport', 'CloudTrailOnboardingRequireOwnerAcl']);
    expect(b.Statement[1]).toEqual(foreign);
    expect(accountsInBucketPolicy(b, dest)).toEqual([IDS.member, IDS.other]);
    expect(accountsInKeyPolicy(parsePolicy(w.key.text, 'key policy'), dest)).toEqual([IDS.member, IDS.other]);

    // and the next run of either account writes nothing
    w.writes.length = 0;
    for (const a of [IDS.member, IDS.other]) {
      expect((await ensureBucketPolicy(w.deps, a, 'again')).changed).toBe(false);
      expect((await ensureKeyPolicy(w.deps, a, 'again')).changed).toBe(false);
    }
    expect(w.writes).toEqual([]);
  });

  it('keeps an account only the old policy granted even when the member set lost it', async () => {
    // prepare
    const w = fakeDeps();
    w.bucket.text = legacy([IDS.other]);

    // act
    await ensureBucketPolicy(w.deps, IDS.member, 'new');

    // assert
    expect(accountsInBucketPolicy(parsePolicy(w.bucket.text, 'bucket policy'), logDestinationFromConfig(w.config))).toEqual([IDS.member, IDS.other]);
  });
});
