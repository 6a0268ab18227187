/**
 * EnsureOrganizationTrail (trailMode organization) against the fakes: all features checked first,
 * trusted access enabled when missing, the organization trail created from the management account
 * (or the delegated administrator), started and confirmed, an existing trail by ARN only verified;
 * a re-run writes nothing; the account must be an ACTIVE member.
 */
import { ensureOrganizationTrail } from '../../../handlers/steps/ensure-organization-trail';
import { ensureBucketPolicy, ensureKeyPolicy } from '../../../handlers/steps/ensure-shared-policies';
import { OWNERSHIP_TAG } from '../../../handlers/domain/ownership';
import type { ObservedTrail } from '../../../handlers/adapters/types';
import { desiredTrail } from '../../../handlers/domain/trail';
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { parsePolicy } from '../../../handlers/domain/policy-document';
import { fakeDeps, IDS } from './fakes';

const ORG_MODE = { trailMode: 'organization' as const };
const MEMBERS = [
  { id: IDS.member, state: 'ACTIVE' },
  { id: IDS.other, state: 'SUSPENDED' },
];
const ORG_TRAIL = `arn:aws:cloudtrail:eu-west-1:${IDS.management}:trail/cloudtrail-onboarding-org`;
const CT_TRAIL = `arn:aws:cloudtrail:us-east-1:${IDS.management}:trail/aws-controltower-BaselineCloudTrail`;

/** Control Tower's trail as CloudTrail describes it: an organization trail delivering to the central bucket and key. */
function controlTowerTrail(overrides: Partial<ObservedTrail> = {}): ObservedTrail {
  return {
    trailArn: CT_TRAIL,
    name: 'aws-controltower-BaselineCloudTrail',
    homeRegion: 'us-east-1',
    s3BucketName: 'org-cloudtrail-logs-222233334444',
    s3KeyPrefix: 'cloudtrail',
    kmsKeyId: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    logFileValidationEnabled: true,
    isOrganizationTrail: true,
    tags: [],
    isLogging: true,
    ...overrides,
  };
}

describe('EnsureOrganizationTrail, the service\'s own trail', () => {
  it('from an organization without trusted access: enables it, creates the organization trail as configured, starts it, confirms it logs', async () => {
    // prepare
    const w = fakeDeps(ORG_MODE, MEMBERS);

    // act
    const r = await ensureOrganizationTrail(w.deps, IDS.member);

    // assert
    expect(w.writes).toEqual(['EnableAWSServiceAccess cloudtrail.amazonaws.com', 'CreateTrail cloudtrail-onboarding-org', 'StartLogging cloudtrail-onboarding-org']);
    expect(r).toMatchObject({ trailArn: ORG_TRAIL, changed: true, isLogging: true, trustedAccessEnabled: true });
    expect(w.orgTrails.trails.get('cloudtrail-onboarding-org')).toMatchObject({
      isOrganizationTrail: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      logFileValidationEnabled: true,
      s3BucketName: 'org-cloudtrail-logs-222233334444',
      s3KeyPrefix: 'cloudtrail',
      kmsKeyId: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      tags: [OWNERSHIP_TAG],
    });
  });

  it('a re-run writes nothing', async () => {
    const w = fakeDeps(ORG_MODE, MEMBERS);
    await ensureOrganizationTrail(w.deps, IDS.member);
    w.writes.length = 0;

    const r = await ensureOrganizationTrail(w.deps, IDS.member);

    expect(w.writes).toEqual([]);
    expect(r).toMatchObject({ changed: false, isLogging: true, drift: [] });
  });

  it('without all features: OrganizationFeaturesNotEnabled naming `aws organizations enable-all-features`, nothing written', async () => {
    const w = fakeDeps(ORG_MODE, MEMBERS);
    w.organization.featureSet = 'CONSOLIDATED_BILLING';

    await expect(ensureOrganizationTrail(w.deps, IDS.member)).rejects.toMatchObject({
      name: 'OrganizationFeaturesNotEnabled',
      kind: 'Terminal',
      message: expect.stringContaining('aws organizations enable-all-features'),
    });
    expect(w.writes).toEqual([]);
  });

  it('restarts a stopped trail and puts a changed setting back, as EnsureTrail does', async () => {
    const w = fakeDeps(ORG_MODE, MEMBERS);
    await ensureOrganizationTrail(w.deps, IDS.member);
    const t = w.orgTrails.trails.get('cloudtrail-onboarding-org')!;
    t.isLogging = false;
    t.isMultiRegionTrail = false;
    w.writes.length = 0;

    const r = await ensureOrganizationTrail(w.deps, IDS.member);

    expect(w.writes).toEqual(['UpdateTrail cloudtrail-onboarding-org', 'StartLogging cloudtrail-onboarding-org']);
    expect(r.drift.map((d) => d.code)).toEqual(expect.arrayContaining(['TrailNotLogging']));
  });

  it('refuses a same-named trail the service does not own (OrganizationTrailConflict), writing nothing to it', async () => {
    const w = fakeDeps(ORG_MODE, MEMBERS);
    w.organization.trusted.add('cloudtrail.amazonaws.com');
    w.orgTrails.trails.set('cloudtrail-onboarding-org', { ...controlTowerTrail(), name: 'cloudtrail-onboarding-org', trailArn: ORG_TRAIL, homeRegion: 'eu-west-1' });

    await expect(ensureOrganizationTrail(w.deps, IDS.member)).rejects.toMatchObject({ name: 'OrganizationTrailConflict' });
    expect(w.writes).toEqual([]);
  });

  it('in report mode says what differs and writes nothing (not even trusted access)', async () => {
    const w = fakeDeps(ORG_MODE, MEMBERS);

    const r = await ensureOrganizationTrail(w.deps, IDS.member, 'report');

    expect(w.writes).toEqual([]);
    expect(r.drift.map((d) => d.code)).toEqual(['TrustedAccessMissing', 'TrailMissing']);
  });

  it('with a delegated administrator, manages the trail through it', async () => {
    const w = fakeDeps({ ...ORG_MODE, organizationTrail: { name: 'cloudtrail-onboarding-org', delegatedAdministratorAccountId: IDS.other } }, [{ id: IDS.member, state: 'ACTIVE' }]);

    await ensureOrganizationTrail(w.deps, IDS.member);

    expect(w.writes).toContain('CreateTrail cloudtrail-onboarding-org');
  });
});

describe('EnsureOrganizationTrail, the account', () => {
  it.each([
    ['a suspended account', IDS.other, 'AccountNotActive'],
    ['an account outside the organization', '999999999999', 'AccountNotFound'],
  ])('refuses %s: the organization trail does not log it', async (_what, account, name) => {
    const w = fakeDeps(ORG_MODE, MEMBERS);
    await expect(ensureOrganizationTrail(w.deps, account)).rejects.toMatchObject({ name });
  });
});

describe('EnsureOrganizationTrail, an existing trail by ARN (Control Tower)', () => {
  const CT = { ...ORG_MODE, organizationTrail: { name: 'cloudtrail-onboarding-org', arn: CT_TRAIL } };

  it('is read in its own home region, verified, never written to', async () => {
    const w = fakeDeps(CT, MEMBERS);
    w.organization.trusted.add('cloudtrail.amazonaws.com');
    w.orgTrails.trails.set(CT_TRAIL, controlTowerTrail());

    const r = await ensureOrganizationTrail(w.deps, IDS.member);

    expect(w.writes).toEqual([]);
    expect(w.orgTrailRegions).toEqual(['us-east-1']);
    expect(r).toMatchObject({ trailArn: CT_TRAIL, changed: false, isLogging: true });
  });

  it.each<[string, Partial<ObservedTrail>, RegExp]>([
    ['not logging', { isLogging: false }, /is not logging/],
    ['not an organization trail', { isOrganizationTrail: false }, /is not an organization trail/],
    ['delivering to another bucket', { s3BucketName: 'aws-controltower-logs-999' }, /delivers to bucket aws-controltower-logs-999/],
    ['encrypting with another key', { kmsKeyId: 'arn:aws:kms:us-east-1:222233334444:key/other' }, /not the central key/],
  ])('refuses it when %s (OrganizationTrailConflict), writing nothing', async (_what, change, message) => {
    const w = fakeDeps(CT, MEMBERS);
    w.organization.trusted.add('cloudtrail.amazonaws.com');
    w.orgTrails.trails.set(CT_TRAIL, controlTowerTrail(change));

    await expect(ensureOrganizationTrail(w.deps, IDS.member)).rejects.toMatchObject({ name: 'OrganizationTrailConflict', message });
    expect(w.writes).toEqual([]);
  });

  it('reporting, a trail that can no longer serve is drift, not a failure: nothing written, the account stays onboarded', async () => {
    const w = fakeDeps(CT, MEMBERS);
    w.orgTrails.trails.set(CT_TRAIL, controlTowerTrail({ isLogging: false, s3KeyPrefix: 'elsewhere' }));
    w.organization.trusted.clear();

    const r = await ensureOrganizationTrail(w.deps, IDS.member, 'report');

    expect(r.drift.map((d) => d.code)).toEqual(['TrustedAccessMissing', 'OrganizationTrailUnusable', 'OrganizationTrailUnusable']);
    expect(r).toMatchObject({ changed: false, isLogging: false });
    expect(w.writes).toEqual([]);
  });

  it('does not enable trusted access for it: without it the trail logs no member, a conflict for its owner', async () => {
    const w = fakeDeps(CT, MEMBERS);
    w.orgTrails.trails.set(CT_TRAIL, controlTowerTrail());

    await expect(ensureOrganizationTrail(w.deps, IDS.member)).rejects.toMatchObject({ name: 'OrganizationTrailConflict' });
    expect(w.writes).toEqual([]);
  });
});

describe('the shared policies in organization mode, written by the steps', () => {
  it('write the organization statements once; a second account and a re-run write no policy', async () => {
    const w = fakeDeps(ORG_MODE, MEMBERS);
    await ensureBucketPolicy(w.deps, IDS.member, 'exec-1');
    await ensureKeyPolicy(w.deps, IDS.member, 'exec-1');
    const puts = () => w.writes.filter((x) => x === 'PutBucketPolicy' || x === 'PutKeyPolicy');
    const first = puts().length;

    await ensureBucketPolicy(w.deps, IDS.other, 'exec-2');
    await ensureKeyPolicy(w.deps, IDS.other, 'exec-2');
    await ensureBucketPolicy(w.deps, IDS.member, 'exec-3');
    await ensureKeyPolicy(w.deps, IDS.member, 'exec-3');

    expect(first).toBe(2);
    expect(puts().length).toBe(2);
    expect(w.bucket.text).toContain('CloudTrailOnboardingOrganizationWrite');
    expect(w.bucket.text).not.toContain(IDS.member);
    expect(w.key.text).toContain('CloudTrailOnboardingOrganizationEncrypt');
  });
});

describe('migrateAccountTrails: the per-account trail, deleted once the organization trail delivers the account', () => {
  const MIGRATE = { ...ORG_MODE, migrateAccountTrails: true };
  /** Where the organization trail delivers the member's log files (logPrefix `cloudtrail`). */
  const MEMBER_FILES = `cloudtrail/AWSLogs/o-a1b2c3d4e5/${IDS.member}/CloudTrail/`;

  /** Deps whose member already has the service's per-account trail (from account mode) and the organization trail set up. */
  async function migrating(config: Record<string, unknown> = MIGRATE) {
    const w = fakeDeps(config, MEMBERS);
    const trail = desiredTrail(w.config);
    await w.trailsOf(IDS.member).create(trail);
    await w.trailsOf(IDS.member).startLogging(trail.name);
    await ensureOrganizationTrail(w.deps, IDS.member); // the organization trail set up; nothing delivered yet: kept
    w.writes.length = 0;
    return w;
  }

  it('keeps the trail while the organization trail has delivered no log file of the account', async () => {
    const w = fakeDeps(MIGRATE, MEMBERS);
    await w.trailsOf(IDS.member).create(desiredTrail(w.config));

    const r = await ensureOrganizationTrail(w.deps, IDS.member);

    expect(r).toMatchObject({ migration: 'waiting', migrationDetail: expect.stringContaining('has delivered no log file of account') });
    expect(w.writes).not.toContain('DeleteTrail org-member-trail');
    expect(w.trailsOf(IDS.member).trails.has('org-member-trail')).toBe(true);
  });

  it("another account's file, or a file outside CloudTrail/, does not count as this account's delivery", async () => {
    const w = await migrating();
    w.logFiles.keys.push(`cloudtrail/AWSLogs/o-a1b2c3d4e5/${IDS.other}/CloudTrail/eu-west-1/2026/12/01/x.json.gz`, `cloudtrail/AWSLogs/${IDS.member}/CloudTrail/eu-west-1/2026/12/01/y.json.gz`);

    expect(await ensureOrganizationTrail(w.deps, IDS.member)).toMatchObject({ migration: 'waiting', changed: false });
    expect(w.writes).toEqual([]);
  });

  it('deletes it once a log file of the account is under the organization prefix; a re-run finds none and writes nothing', async () => {
    const w = await migrating();
    w.logFiles.keys.push(`${MEMBER_FILES}eu-west-1/2026/12/01/${IDS.member}_CloudTrail_eu-west-1_20261201T1205Z_a.json.gz`);

    const r = await ensureOrganizationTrail(w.deps, IDS.member);
    expect(r).toMatchObject({ migration: 'removed', changed: true });
    expect(w.writes).toEqual(['DeleteTrail org-member-trail']);

    w.writes.length = 0;
    expect(await ensureOrganizationTrail(w.deps, IDS.member)).toMatchObject({ migration: 'none', changed: false });
    expect(w.writes).toEqual([]);
  });

  it("then removes the account from the service's per-account statements of both policies; the other account's and the organization's stay", async () => {
    // The shared policies as account mode left them (both accounts granted), then organization mode's statements added.
    const accountMode = fakeDeps({}, MEMBERS);
    for (const [id, exec] of [[IDS.member, 'e1'], [IDS.other, 'e2']] as const) {
      await ensureBucketPolicy(accountMode.deps, id, exec);
      await ensureKeyPolicy(accountMode.deps, id, exec);
    }
    const w = await migrating();
    w.bucket.text = accountMode.bucket.text;
    w.key.text = accountMode.key.text;
    await ensureBucketPolicy(w.deps, IDS.member, 'e3');
    await ensureKeyPolicy(w.deps, IDS.member, 'e3');
    const dest = logDestinationFromConfig(w.config);
    // The management account is named by the organization trail's statements (its ARN, its own prefix).
    const perAccount = (ids: string[]) => ids.filter((id) => id !== IDS.management);
    const listed = () => ({
      bucket: perAccount(accountsInBucketPolicy(parsePolicy(w.bucket.text, 'bucket'), dest)),
      key: perAccount(accountsInKeyPolicy(parsePolicy(w.key.text, 'key'), dest)),
    });
    expect(listed()).toEqual({ bucket: [IDS.member, IDS.other].sort(), key: [IDS.member, IDS.other].sort() });
    w.logFiles.keys.push(`${MEMBER_FILES}eu-west-1/2026/12/01/f.json.gz`);
    w.writes.length = 0;

    expect(await ensureOrganizationTrail(w.deps, IDS.member)).toMatchObject({ migration: 'removed', changed: true });

    // The trail first, then the grants (under the leases).
    expect(w.writes).toEqual(['DeleteTrail org-member-trail', 'Lock bucket-policy', 'PutBucketPolicy', 'Lock key-policy', 'PutKeyPolicy']);
    expect(listed()).toEqual({ bucket: [IDS.other], key: [IDS.other] });
    expect(w.bucket.text).toContain('CloudTrailOnboardingOrganizationWrite');
    expect(w.key.text).toContain('CloudTrailOnboardingOrganizationEncrypt');
    w.writes.length = 0;
    expect(await ensureOrganizationTrail(w.deps, IDS.member)).toMatchObject({ migration: 'none', changed: false });
    expect(w.writes).toEqual([]);
  });

  it('retires the grants of an account whose per-account trail is already gone (a run stopped between the two)', async () => {
    const accountMode = fakeDeps({}, MEMBERS);
    await ensureBucketPolicy(accountMode.deps, IDS.member, 'e1');
    await ensureKeyPolicy(accountMode.deps, IDS.member, 'e1');
    const w = fakeDeps(MIGRATE, MEMBERS);
    w.bucket.text = accountMode.bucket.text;
    w.key.text = accountMode.key.text;

    expect(await ensureOrganizationTrail(w.deps, IDS.member)).toMatchObject({ migration: 'removed', migrationDetail: expect.stringContaining('per-account grants were removed') });
    expect(w.bucket.text).not.toContain(IDS.member);
  });

  it('reporting, says the deletion is due and deletes nothing', async () => {
    const w = await migrating();
    w.logFiles.keys.push(`${MEMBER_FILES}eu-west-1/2026/12/01/f.json.gz`);

    expect(await ensureOrganizationTrail(w.deps, IDS.member, 'report')).toMatchObject({ migration: 'due', changed: false });
    expect(w.writes).toEqual([]);
  });

  it('never deletes a trail of that name that is not the service\'s (no ownership tag)', async () => {
    const w = await migrating();
    w.trailsOf(IDS.member).trails.get('org-member-trail')!.tags = [];
    w.logFiles.keys.push(`${MEMBER_FILES}eu-west-1/2026/12/01/f.json.gz`);

    expect(await ensureOrganizationTrail(w.deps, IDS.member)).toMatchObject({ migration: 'foreign' });
    expect(w.writes).toEqual([]);
  });

  it('without migrateAccountTrails the per-account trail is neither read nor touched', async () => {
    const w = await migrating(ORG_MODE);
    w.logFiles.keys.push(`${MEMBER_FILES}eu-west-1/2026/12/01/f.json.gz`);
    const opened: string[] = [];
    const memberTrails = w.deps.memberTrails;
    (w.deps as { memberTrails: typeof memberTrails }).memberTrails = async (a) => {
      opened.push(a);
      return memberTrails(a);
    };

    expect(await ensureOrganizationTrail(w.deps, IDS.member)).toMatchObject({ migration: 'none' });
    expect(opened).toEqual([]);
    expect(w.trailsOf(IDS.member).trails.has('org-member-trail')).toBe(true);
  });
});
