/**
 * Drift items are derived from the plans the steps apply: one check per field, named for people and
 * alarms alike; health follows from the mode and whether the account was onboarded before.
 */
import { healthOf, policyDrift, roleDrift, trailDrift } from '../../../handlers/domain/drift';
import type { RolePlan } from '../../../handlers/domain/roles';
import type { TrailPlan } from '../../../handlers/domain/trail';

type Update = Extract<RolePlan, { action: 'update' }>;
const none: Omit<Update, 'action'> = { setBoundary: false, updateTrust: false, updateRole: false, attach: [], detach: [], putInline: [], deleteInline: [], addTags: [] };
const update = (p: Partial<Omit<Update, 'action'>>): RolePlan => ({ action: 'update', ...none, ...p });

describe('trailDrift', () => {
  it.each<[string, TrailPlan, boolean, string[]]>([
    ['a missing trail', { action: 'create' }, true, ['TrailMissing']],
    ['a stopped trail', { action: 'none' }, false, ['TrailNotLogging']],
    ['another bucket', { action: 'update', fields: ['s3BucketName'] }, true, ['TrailBucketChanged']],
    ['its key removed', { action: 'update', fields: ['kmsKeyId'] }, true, ['TrailKeyChanged']],
    ['validation off and stopped', { action: 'update', fields: ['enableLogFileValidation'] }, false, ['TrailLogFileValidationOff', 'TrailNotLogging']],
    ['single-region, no global events', { action: 'update', fields: ['isMultiRegionTrail', 'includeGlobalServiceEvents'] }, true, ['TrailNotMultiRegion', 'TrailGlobalEventsOff']],
    ['as it should be', { action: 'none' }, true, []],
    ['someone else\'s trail (a conflict, not drift)', { action: 'conflict', reason: 'x' }, true, []],
  ])('%s', (_what, plan, isLogging, codes) => {
    expect(trailDrift(plan, 'org-member-trail', isLogging).map((d) => d.code)).toEqual(codes);
  });
});

describe('roleDrift', () => {
  it.each([
    ['a missing role', { action: 'create' } as RolePlan, ['RoleMissing']],
    ['a widened trust', update({ updateTrust: true }), ['RoleTrustChanged']],
    ['an edited inline policy', update({ putInline: ['ReadOwnCloudTrailLogs'] }), ['RoleInlinePolicyChanged']],
    ['an extra managed policy', update({ detach: ['arn:aws:iam::aws:policy/AdministratorAccess'] }), ['RoleManagedPolicyAdded']],
    ['a removed boundary', update({ setBoundary: true }), ['RoleBoundaryChanged']],
    ['as it should be', { action: 'none' } as RolePlan, []],
  ])('%s', (_what, plan, codes) => {
    const items = roleDrift('readerRole', plan, 'CloudTrailLogReader-444455556666');
    expect(items.map((d) => d.code)).toEqual(codes);
    for (const d of items) expect(d).toMatchObject({ resource: 'readerRole', detail: expect.stringContaining('CloudTrailLogReader-444455556666') });
  });
});

describe('policyDrift', () => {
  it.each([
    [false, false, ['GrantMissing']],
    [true, false, ['OwnedStatementsChanged']],
    [true, true, []],
  ])('granted %s, as rendered %s', (granted, asRendered, codes) => {
    expect(policyDrift('bucketPolicy', granted, asRendered, '444455556666').map((d) => d.code)).toEqual(codes);
  });
});

describe('healthOf', () => {
  const item = [{ resource: 'trail' as const, code: 'TrailNotLogging', detail: 'x' }];
  it.each([
    ['report', [], true, 'HEALTHY'],
    ['report', item, true, 'DRIFTED'],
    ['apply', item, true, 'REPAIRED'],
    ['apply', item, false, 'HEALTHY'], // a first onboarding creates everything: no repair
    ['apply', [], true, 'HEALTHY'],
  ] as const)('%s with %j, onboarded before %s: %s', (mode, drift, was, health) => {
    expect(healthOf(mode, drift, was)).toBe(health);
  });
});
