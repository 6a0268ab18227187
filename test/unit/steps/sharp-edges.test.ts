/**
 * EnsureBucketPolicy / EnsureKeyPolicy against current documents AWS would not take back as they
 * are (issue 8): an old policy language Version, and a deleted role's unique id in a foreign
 * statement. Either the step writes a document AWS accepts, or it stops before any write (no
 * member-set write, no lease, no Put) with a named error. EnsureKeyPolicy against a bucket with an
 * S3 Bucket Key, and EnsureTrail against a same-named trail homed in another region.
 */
import { ensureBucketPolicy, ensureKeyPolicy } from '../../../handlers/steps/ensure-shared-policies';
import { ensureTrail } from '../../../handlers/steps/ensure-trail';
import { fakeDeps, IDS } from './fakes';

const DENY_HTTP = {
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: ['arn:aws:s3:::org-cloudtrail-logs-222233334444', 'arn:aws:s3:::org-cloudtrail-logs-222233334444/*'],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
const ROOT = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${IDS.logArchive}:root` }, Action: 'kms:*', Resource: '*' };

const STEPS = [
  { name: 'EnsureBucketPolicy', ensure: ensureBucketPolicy, port: 'bucket' as const, put: 'PutBucketPolicy', foreign: DENY_HTTP },
  { name: 'EnsureKeyPolicy', ensure: ensureKeyPolicy, port: 'key' as const, put: 'PutKeyPolicy', foreign: ROOT },
];

describe.each(STEPS)('$name', ({ ensure, port, put, foreign }) => {
  it.each([['2008-10-17'], [undefined]])('writes a current policy of Version %p back with Version 2012-10-17, once', async (version) => {
    // prepare
    const w = fakeDeps();
    w[port].text = JSON.stringify({ ...(version ? { Version: version } : {}), Statement: [foreign] });

    // act
    const first = await ensure(w.deps, IDS.member, 'e1');
    const writes = [...w.writes];
    w.writes.length = 0;
    const again = await ensure(w.deps, IDS.member, 'e2');

    // assert
    expect(first.changed).toBe(true);
    expect(writes.filter((x) => x === put)).toHaveLength(1);
    expect(JSON.parse(w[port].text!).Version).toBe('2012-10-17');
    expect(JSON.parse(w[port].text!).Statement[0]).toEqual(foreign);
    expect(again.changed).toBe(false);
    expect(w.writes).toEqual([]);
  });

  it('stops with PolicyVersionConflict before any write when a foreign statement of a 2008-10-17 policy holds ${...}', async () => {
    // prepare
    const w = fakeDeps();
    const literal = { ...foreign, Sid: 'Literal', Condition: { StringEquals: { 'aws:PrincipalTag/team': '${team}' } } };
    w[port].text = JSON.stringify({ Version: '2008-10-17', Statement: [foreign, literal] });
    const before = w[port].text;

    // act
    const e = await ensure(w.deps, IDS.member, 'e1').catch((x: Error) => x);

    // assert
    expect(e).toMatchObject({ name: 'PolicyVersionConflict' });
    expect((e as Error).message).toContain('Sid "Literal"');
    expect(w.writes).toEqual([]);
    expect(w.status.memberSet.size).toBe(0);
    expect(w[port].text).toBe(before);
  });

  it('stops with StalePrincipalInPolicy before any write when a foreign statement names a deleted role by unique id', async () => {
    // prepare
    const w = fakeDeps();
    const stale = { Sid: 'OldReader', Effect: 'Allow', Principal: { AWS: 'AROAEXAMPLEID1234567' }, Action: port === 'bucket' ? 's3:GetObject' : 'kms:Decrypt', Resource: port === 'bucket' ? 'arn:aws:s3:::org-cloudtrail-logs-222233334444/*' : '*' };
    w[port].text = JSON.stringify({ Version: '2012-10-17', Statement: [foreign, stale] });
    const before = w[port].text;

    // act
    const e = await ensure(w.deps, IDS.member, 'e1').catch((x: Error) => x);

    // assert
    expect(e).toMatchObject({ name: 'StalePrincipalInPolicy', details: { principal: 'AROAEXAMPLEID1234567', sid: 'OldReader' } });
    expect(w.writes).toEqual([]);
    expect(w.status.memberSet.size).toBe(0);
    expect(w[port].text).toBe(before);
  });
});

describe('EnsureTrail', () => {
  it('stops with TrailConflict, writing nothing, when the account has a same-named trail homed in another region', async () => {
    // prepare: what the adapter reports for a shadow trail (its tags are not read)
    const w = fakeDeps();
    const arn = `arn:aws:cloudtrail:us-east-1:${IDS.member}:trail/org-member-trail`;
    w.trailsOf(IDS.member).trails.set('org-member-trail', {
      trailArn: arn,
      name: 'org-member-trail',
      homeRegion: 'us-east-1',
      s3BucketName: 'their-bucket',
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      logFileValidationEnabled: false,
      isOrganizationTrail: false,
      tags: [],
      isLogging: true,
    });

    // act
    const e = await ensureTrail(w.deps, IDS.member).catch((x: Error) => x);

    // assert
    expect(e).toMatchObject({ name: 'TrailConflict', details: { accountId: IDS.member, trailName: 'org-member-trail' } });
    expect((e as Error).message).toContain('home region us-east-1');
    expect((e as Error).message).toContain(arn);
    expect(w.writes).toEqual([]);
  });
});

describe('EnsureKeyPolicy and the bucket\'s S3 Bucket Key', () => {
  const encryptActions = (text: string | undefined) =>
    (JSON.parse(text!) as { Statement: { Sid?: string; Action?: unknown }[] }).Statement.find((st) => st.Sid === 'CloudTrailOnboardingEncrypt')?.Action;

  it('grants CloudTrail kms:Decrypt when the bucket uses a bucket key; a re-run writes nothing', async () => {
    // prepare
    const w = fakeDeps();
    w.bucket.bucketKey = true;

    // act
    const first = await ensureKeyPolicy(w.deps, IDS.member, 'e1');
    w.writes.length = 0;
    const again = await ensureKeyPolicy(w.deps, IDS.member, 'e2');

    // assert
    expect(first.changed).toBe(true);
    expect(encryptActions(w.key.text)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(again.changed).toBe(false);
    expect(w.writes).toEqual([]);
  });

  it('grants no kms:Decrypt without a bucket key', async () => {
    // prepare
    const w = fakeDeps();

    // act
    await ensureKeyPolicy(w.deps, IDS.member, 'e1');

    // assert
    expect(encryptActions(w.key.text)).toBe('kms:GenerateDataKey*');
    expect(w.key.text).not.toContain('kms:Decrypt');
  });

  it('follows the bucket: a bucket key turned on later adds kms:Decrypt for everyone listed at the next run, turned off removes it', async () => {
    // prepare
    const w = fakeDeps();
    await ensureKeyPolicy(w.deps, IDS.member, 'e1');

    // act / assert
    w.bucket.bucketKey = true;
    expect((await ensureKeyPolicy(w.deps, IDS.other, 'e2')).changed).toBe(true);
    expect(encryptActions(w.key.text)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    w.bucket.bucketKey = false;
    expect((await ensureKeyPolicy(w.deps, IDS.member, 'e3')).changed).toBe(true);
    expect(encryptActions(w.key.text)).toBe('kms:GenerateDataKey*');
  });
});
