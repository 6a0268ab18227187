import { desiredTrail, needsStartLogging, planTrail, type ObservedTrail } from '../../../handlers/domain/trail';
import { ACCOUNTS, BUCKET, config, configWith, HOME_REGION, KEY_ARN, TRAIL_NAME } from './fixtures';

const OWNED = { Key: 'managed-by', Value: 'cloudtrail-onboarding' };

/** What CloudTrail reports for the trail created from the fixture configuration. */
function observed(overrides: Partial<ObservedTrail> = {}): ObservedTrail {
  return {
    trailArn: `arn:aws:cloudtrail:${HOME_REGION}:${ACCOUNTS.newMember}:trail/${TRAIL_NAME}`,
    name: TRAIL_NAME,
    homeRegion: HOME_REGION,
    s3BucketName: BUCKET,
    s3KeyPrefix: 'cloudtrail',
    kmsKeyId: KEY_ARN,
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    logFileValidationEnabled: true,
    isOrganizationTrail: false,
    tags: [OWNED],
    isLogging: true,
    ...overrides,
  };
}

describe('desiredTrail', () => {
  it('is multi-region, with global events, validation, the central bucket, prefix and key ARN, and the ownership tag', () => {
    // act / assert
    expect(desiredTrail(config)).toEqual({
      name: TRAIL_NAME,
      homeRegion: HOME_REGION,
      s3BucketName: BUCKET,
      s3KeyPrefix: 'cloudtrail',
      kmsKeyId: KEY_ARN,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      tags: [OWNED],
    });
  });

  it('has no key prefix when none is configured', () => {
    // act / assert
    expect(desiredTrail(configWith({ logPrefix: undefined }))).not.toHaveProperty('s3KeyPrefix');
  });
});

describe('planTrail', () => {
  const desired = desiredTrail(config);

  it('creates a trail that does not exist', () => {
    // act / assert
    expect(planTrail(undefined, desired)).toEqual({ action: 'create' });
  });

  it.each<[string, Partial<ObservedTrail>, RegExp]>([
    ['without tags', { tags: [] }, /not tagged managed-by=cloudtrail-onboarding/],
    ['tagged by someone else', { tags: [{ Key: 'managed-by', Value: 'control-tower' }] }, /not tagged/],
    ['that is an organization trail', { isOrganizationTrail: true, tags: [] }, /organization trail/],
    ['that is an organization trail even if tagged', { isOrganizationTrail: true }, /organization trail/],
    ['homed in another region', { homeRegion: 'us-east-1' }, /home region us-east-1/],
  ])('refuses a same-named trail %s', (_label, overrides, reason) => {
    // act
    const plan = planTrail(observed(overrides), desired);

    // assert
    expect(plan).toEqual({ action: 'conflict', reason: expect.stringMatching(reason) });
  });

  it.each<[string, Partial<ObservedTrail>]>([
    ['owned', {}],
    ['not owned', { tags: [{ Key: 'managed-by', Value: 'control-tower' }] }],
    ['whose tags were not read (a shadow trail: ListTags answers for the current region only)', { tags: [] }],
  ])('refuses a same-named trail homed in another region, %s, by its home region, without advising to adopt it', (_label, overrides) => {
    // act
    const plan = planTrail(observed({ homeRegion: 'us-east-1', trailArn: `arn:aws:cloudtrail:us-east-1:${ACCOUNTS.newMember}:trail/${TRAIL_NAME}`, ...overrides }), desired);

    // assert
    expect(plan).toEqual({ action: 'conflict', reason: expect.stringMatching(/home region us-east-1, not eu-west-1/) });
    expect(plan.action === 'conflict' && plan.reason).not.toMatch(/adopt/);
    expect(plan.action === 'conflict' && plan.reason).toMatch(/set trailName to another name/);
  });

  it.each<[string, Partial<ObservedTrail>]>([
    ['exactly as desired', {}],
    ['extra tags', { tags: [{ Key: 'env', Value: 'prod' }, OWNED] }],
    ['logging stopped (a separate decision)', { isLogging: false }],
  ])('leaves alone an owned trail with %s', (_label, overrides) => {
    // act / assert
    expect(planTrail(observed(overrides), desired)).toEqual({ action: 'none' });
  });

  it('treats an empty and an absent key prefix alike', () => {
    // prepare
    const noPrefix = desiredTrail(configWith({ logPrefix: undefined }));

    // act / assert
    expect(planTrail(observed({ s3KeyPrefix: '' }), noPrefix)).toEqual({ action: 'none' });
    expect(planTrail(observed({ s3KeyPrefix: undefined }), noPrefix)).toEqual({ action: 'none' });
  });

  it.each<[string, Partial<ObservedTrail>, string[]]>([
    ['another bucket', { s3BucketName: 'other-bucket' }, ['s3BucketName']],
    ['no key prefix', { s3KeyPrefix: undefined }, ['s3KeyPrefix']],
    ['no encryption', { kmsKeyId: undefined }, ['kmsKeyId']],
    ['another key', { kmsKeyId: 'arn:aws:kms:eu-west-1:222233334444:key/00000000-0000-0000-0000-000000000000' }, ['kmsKeyId']],
    ['a single region', { isMultiRegionTrail: false }, ['isMultiRegionTrail']],
    ['no global service events', { includeGlobalServiceEvents: false }, ['includeGlobalServiceEvents']],
    ['no log file validation', { logFileValidationEnabled: false }, ['enableLogFileValidation']],
    ['several differences', { s3BucketName: 'x', logFileValidationEnabled: false, kmsKeyId: undefined }, ['s3BucketName', 'kmsKeyId', 'enableLogFileValidation']],
  ])('updates an owned trail with %s, naming the fields', (_label, overrides, fields) => {
    // act / assert
    expect(planTrail(observed(overrides), desired)).toEqual({ action: 'update', fields });
  });
});

describe('needsStartLogging', () => {
  it.each([
    [true, false],
    [false, true],
  ])('with IsLogging %p says StartLogging is due: %p', (isLogging, expected) => {
    // act / assert
    expect(needsStartLogging(observed({ isLogging }))).toBe(expected);
  });
});
