/**
 * `onboard plan` logic: the documents a run would write for 1, 2 and 1,000 accounts, computed from
 * given current policies, keeping every foreign statement; too many accounts stop with the limit
 * and how many fit.
 */
import { buildPlan } from '../../../cli/plan';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { BASE_CONFIG } from '../steps/fakes';

const config = parseRuntimeConfig(BASE_CONFIG);
const FOREIGN_BUCKET = [
  { Sid: 'OrgTrailAclCheck', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: 'arn:aws:s3:::org-cloudtrail-logs-222233334444' },
  { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::org-cloudtrail-logs-222233334444', 'arn:aws:s3:::org-cloudtrail-logs-222233334444/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
];
const FOREIGN_KEY = [
  { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: 'kms:*', Resource: '*' },
  { Sid: 'KeyAdministrators', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:role/KeyAdmin' }, Action: ['kms:Describe*', 'kms:Put*'], Resource: '*' },
];
const current = {
  bucket: JSON.stringify({ Version: '2012-10-17', Statement: FOREIGN_BUCKET }),
  key: JSON.stringify({ Version: '2012-10-17', Statement: FOREIGN_KEY }),
};
const ids = (n: number) => Array.from({ length: n }, (_, i) => String(300000000000 + i));

describe('plan', () => {
  it.each([1, 2])('for %i account(s) renders both policies, both roles and the trail in full', (n) => {
    const plan = buildPlan({ config, accountIds: ids(n), currentBucketPolicy: current.bucket, currentKeyPolicy: current.key });
    expect(Object.keys(plan.accounts)).toEqual(ids(n));
    expect(plan.bucketPolicy).toMatchObject({ changed: true, accounts: n, limit: 20480 });
    expect(plan.keyPolicy).toMatchObject({ changed: true, accounts: n, limit: 32768 });
    const a = plan.accounts[ids(n)[0]];
    expect(a.switchRole.trustPolicy.Statement[0]).toMatchObject({ Principal: { AWS: ['arn:aws:iam::222233334444:root'] } });
    expect(Object.keys(a.readerRole.inlinePolicies)).toEqual(['ReadOwnCloudTrailLogs']);
    expect(a.trail).toMatchObject({ name: 'org-member-trail', isMultiRegionTrail: true, enableLogFileValidation: true });
    expect(plan.bucketPolicy.diff).toContain('+');
  });

  it('in trailMode organization keeps the shape { bucketPolicy, keyPolicy, accounts }: the organization statements, no account, the organization trail', () => {
    const org = parseRuntimeConfig({ ...BASE_CONFIG, trailMode: 'organization' });
    const plan = buildPlan({ config: org, accountIds: ids(2), currentBucketPolicy: current.bucket, currentKeyPolicy: current.key });
    expect(Object.keys(plan)).toEqual(['bucketPolicy', 'keyPolicy', 'accounts']);
    expect(plan.bucketPolicy).toMatchObject({ changed: true, accounts: 0, mode: 'organization-trail', limit: 20480 });
    expect(plan.keyPolicy).toMatchObject({ changed: true, accounts: 0, mode: 'organization-trail' });
    expect(plan.bucketPolicy.document.Statement.map((s) => s.Sid)).toEqual(['OrgTrailAclCheck', 'DenyInsecureTransport', 'CloudTrailOnboardingOrganizationAclCheck', 'CloudTrailOnboardingOrganizationWrite']);
    expect(JSON.stringify(plan.bucketPolicy.document)).not.toContain(ids(2)[0]);
    const a = plan.accounts[ids(2)[0]];
    expect(a.trail).toMatchObject({ name: 'cloudtrail-onboarding-org', isOrganizationTrail: true, isMultiRegionTrail: true });
    expect(JSON.stringify(a.readerRole.inlinePolicies)).toContain(`AWSLogs/o-a1b2c3d4e5/${ids(2)[0]}/`);
  });

  it('keeps every foreign statement of the input policies unchanged and in its place', () => {
    const plan = buildPlan({ config, accountIds: ids(2), currentBucketPolicy: current.bucket, currentKeyPolicy: current.key });
    expect(plan.bucketPolicy.document.Statement.slice(0, 2)).toEqual(FOREIGN_BUCKET);
    expect(plan.keyPolicy.document.Statement.slice(0, 2)).toEqual(FOREIGN_KEY);
  });

  it('shows no change and an empty diff for accounts the policies already grant', () => {
    const first = buildPlan({ config, accountIds: ids(2), currentBucketPolicy: current.bucket, currentKeyPolicy: current.key });
    const again = buildPlan({
      config,
      accountIds: ids(2),
      currentBucketPolicy: JSON.stringify(first.bucketPolicy.document),
      currentKeyPolicy: JSON.stringify(first.keyPolicy.document),
    });
    expect(again.bucketPolicy).toMatchObject({ changed: false, diff: '' });
    expect(again.keyPolicy).toMatchObject({ changed: false, diff: '' });
  });

  it('with an S3 Bucket Key on the bucket, plans CloudTrail kms:Decrypt too, as EnsureKeyPolicy writes it', () => {
    const encrypt = (bucketKeyEnabled?: boolean) =>
      buildPlan({ config, accountIds: ids(1), currentBucketPolicy: current.bucket, currentKeyPolicy: current.key, ...(bucketKeyEnabled === undefined ? {} : { bucketKeyEnabled }) })
        .keyPolicy.document.Statement.find((s) => s.Sid === 'CloudTrailOnboardingEncrypt')?.Action;
    expect(encrypt(true)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(encrypt(false)).toEqual('kms:GenerateDataKey*');
    expect(encrypt()).toEqual('kms:GenerateDataKey*');
  });

  it('for 1,000 accounts plans both policies as account lists within their limits', () => {
    // act
    const plan = buildPlan({ config, accountIds: ids(1000), currentBucketPolicy: current.bucket, currentKeyPolicy: current.key });

    // assert
    expect(plan.bucketPolicy).toMatchObject({ mode: 'accounts', accounts: 1000, changed: true });
    expect(plan.keyPolicy).toMatchObject({ mode: 'accounts', accounts: 1000, changed: true });
    expect(plan.bucketPolicy.bytes).toBeLessThanOrEqual(20480);
    expect(plan.keyPolicy.bytes).toBeLessThanOrEqual(32768);
  });

  it('past the limit of both lists, plans organization-wide statements when the organization id is configured', () => {
    // act
    const plan = buildPlan({ config, accountIds: ids(2200), currentBucketPolicy: current.bucket, currentKeyPolicy: current.key });

    // assert
    expect(plan.bucketPolicy).toMatchObject({ mode: 'organization', accounts: 2200, changed: true });
    expect(plan.keyPolicy).toMatchObject({ mode: 'organization', accounts: 2200, changed: true });
    expect(plan.bucketPolicy.diff).toContain('"aws:SourceOrgID": "o-a1b2c3d4e5"');
    expect(plan.keyPolicy.diff).toContain('"aws:SourceOrgID": "o-a1b2c3d4e5"');
    expect(plan.keyPolicy.diff).not.toContain('"aws:SourceAccount": [');
    expect(plan.bucketPolicy.document.Statement.slice(0, 2)).toEqual(FOREIGN_BUCKET);
    expect(plan.keyPolicy.document.Statement.slice(0, 2)).toEqual(FOREIGN_KEY);
  });

  it('past the limit of the bucket policy\'s list only, plans the bucket organization-wide and keeps the key policy\'s list', () => {
    // act
    const plan = buildPlan({ config, accountIds: ids(1400), currentBucketPolicy: current.bucket, currentKeyPolicy: current.key });

    // assert
    expect(plan.bucketPolicy).toMatchObject({ mode: 'organization', accounts: 1400, changed: true });
    expect(plan.keyPolicy).toMatchObject({ mode: 'accounts', accounts: 1400, changed: true });
    expect(plan.keyPolicy.bytes).toBeLessThanOrEqual(32768);
  });

  it('without an organization id, stops at the tighter policy (the bucket: the smaller limit, one list in each) naming its limit and exactly how many accounts fit', () => {
    // prepare
    const noOrg = parseRuntimeConfig({ ...BASE_CONFIG, organizationId: undefined });
    const plan = (n: number) => buildPlan({ config: noOrg, accountIds: ids(n), currentBucketPolicy: current.bucket, currentKeyPolicy: current.key });

    // act
    let error: (Error & { details?: Record<string, unknown> }) | undefined;
    try {
      plan(1400);
    } catch (e) {
      error = e as Error & { details?: Record<string, unknown> };
    }

    // assert
    expect(error?.name).toBe('PolicyTooLarge');
    expect(error?.message).toMatch(/^The bucket policy cannot grant all 1,400 requested accounts within the AWS limit of 20,480 bytes/);
    const fit = error?.details?.fit as number;
    expect(error?.message).toContain(`${fit.toLocaleString('en-US')} in total`);
    expect(() => plan(fit)).not.toThrow();
    expect(() => plan(fit + 1)).toThrow(/limit/);
  });

  it('rejects a malformed account id by name', () => {
    expect(() => buildPlan({ config, accountIds: ['12345'], currentBucketPolicy: undefined, currentKeyPolicy: current.key })).toThrow(
      expect.objectContaining({ name: 'InvalidAccountId' }),
    );
  });
});
