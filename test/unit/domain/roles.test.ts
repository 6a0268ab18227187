import {
  assertRoleDocumentsWithinLimits,
  desiredReaderRole,
  desiredSwitchRole,
  isOwnedByService,
  planRole,
  type ObservedRole,
  type RolePlan,
  type RoleSpec,
} from '../../../handlers/domain/roles';
import { serializePolicy } from '../../../handlers/domain/policy-document';
import { PolicyTooLarge } from '../../../handlers/shared/errors';
import { ACCOUNTS, BUCKET, config, configWith, KEY_ARN, SECURITY_AUDITOR_ARN } from './fixtures';

const A = ACCOUNTS.newMember;
const OWNED = { Key: 'managed-by', Value: 'cloudtrail-onboarding' };

/** What IAM would report for a role created exactly from `spec`. */
function observedFrom(spec: RoleSpec, accountId = A): ObservedRole {
  return {
    arn: `arn:aws:iam::${accountId}:role${spec.path}${spec.roleName}`,
    roleName: spec.roleName,
    trustPolicyText: serializePolicy(spec.trustPolicy),
    description: spec.description,
    maxSessionDuration: spec.maxSessionDuration,
    managedPolicyArns: [...spec.managedPolicyArns],
    inlinePolicies: Object.fromEntries(Object.entries(spec.inlinePolicies).map(([k, v]) => [k, serializePolicy(v)])),
    tags: spec.tags.map((t) => ({ ...t })),
    ...(spec.permissionsBoundaryArn ? { permissionsBoundaryArn: spec.permissionsBoundaryArn } : {}),
  };
}

describe('desiredSwitchRole', () => {
  it('trusts the configured principals only, with the configured policies, session and ownership tag', () => {
    // act
    const spec = desiredSwitchRole(config);

    // assert
    expect(spec).toEqual({
      roleName: 'SecurityAccountAccess',
      path: '/',
      description: expect.stringContaining('cloudtrail-onboarding'),
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: [SECURITY_AUDITOR_ARN] }, Action: 'sts:AssumeRole' }],
      },
      maxSessionDuration: 3600,
      managedPolicyArns: ['arn:aws:iam::aws:policy/SecurityAudit'],
      inlinePolicies: {},
      tags: [OWNED],
    });
  });

  it('sorts and de-duplicates the configured principals and managed policies', () => {
    // prepare
    const c = configWith({
      switchRole: {
        name: 'Audit',
        trustedPrincipalArns: ['arn:aws:iam::222233334444:role/B', 'arn:aws:iam::222233334444:role/A', 'arn:aws:iam::222233334444:role/B'],
        managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/SecurityAudit'],
        maxSessionDuration: 7200,
      },
    });

    // act
    const spec = desiredSwitchRole(c);

    // assert
    expect(spec.trustPolicy.Statement[0]?.Principal).toEqual({ AWS: ['arn:aws:iam::222233334444:role/A', 'arn:aws:iam::222233334444:role/B'] });
    expect(spec.managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/SecurityAudit']);
    expect(spec.maxSessionDuration).toBe(7200);
  });
});

describe('desiredReaderRole', () => {
  it('is named after the account, trusted by that account only, and reads only its logs', () => {
    // act
    const spec = desiredReaderRole(config, A);

    // assert
    expect(spec.roleName).toBe(`CloudTrailLogReader-${A}`);
    expect(spec.trustPolicy.Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }]);
    expect(spec.managedPolicyArns).toEqual([]);
    expect(spec.tags).toEqual([OWNED]);
    expect(spec.inlinePolicies).toEqual({
      ReadOwnCloudTrailLogs: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ReadOwnLogFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${A}/*` },
          {
            Sid: 'ListOwnLogFiles',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: `arn:aws:s3:::${BUCKET}`,
            Condition: { StringLike: { 's3:prefix': [`cloudtrail/AWSLogs/${A}/`, `cloudtrail/AWSLogs/${A}/*`] } },
          },
          {
            Sid: 'DecryptOwnLogFiles',
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: KEY_ARN,
            Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${A}:trail/*` } },
          },
        ],
      },
    });
  });

  it('uses the configured name prefix and no key prefix when none is configured', () => {
    // act
    const spec = desiredReaderRole(configWith({ readerRoleNamePrefix: 'LogReader.', logPrefix: undefined }), A);

    // assert
    expect(spec.roleName).toBe(`LogReader.${A}`);
    expect(spec.inlinePolicies.ReadOwnCloudTrailLogs?.Statement[0]?.Resource).toBe(`arn:aws:s3:::${BUCKET}/AWSLogs/${A}/*`);
  });
});

describe('isOwnedByService', () => {
  it.each([
    [[OWNED], true],
    [[{ Key: 'team', Value: 'x' }, OWNED], true],
    [[{ Key: 'managed-by', Value: 'someone-else' }], false],
    [[{ Key: 'Managed-By', Value: 'cloudtrail-onboarding' }], false],
    [[], false],
    [undefined, false],
  ])('says tags %j are the service\'s: %p', (tags, expected) => {
    // act / assert
    expect(isOwnedByService(tags)).toBe(expected);
  });
});

describe('planRole', () => {
  const switchRole = desiredSwitchRole(config);
  const reader = desiredReaderRole(config, A);
  const noChange = { setBoundary: false, updateTrust: false, updateRole: false, attach: [], detach: [], putInline: [], deleteInline: [], addTags: [] };

  it('creates a role that does not exist', () => {
    // act / assert
    expect(planRole(undefined, switchRole)).toEqual({ action: 'create' });
  });

  it.each([
    ['no tags', []],
    ['other tags', [{ Key: 'team', Value: 'platform' }]],
    ['the ownership key with another value', [{ Key: 'managed-by', Value: 'terraform' }]],
  ])('refuses to touch a same-named role with %s', (_label, tags) => {
    // prepare
    const observed = { ...observedFrom(switchRole), tags };

    // act
    const plan = planRole(observed, switchRole);

    // assert
    expect(plan.action).toBe('conflict');
    expect((plan as { reason: string }).reason).toMatch(/SecurityAccountAccess.*not tagged managed-by=cloudtrail-onboarding/);
  });

  it('refuses a service-owned role whose path differs (IAM cannot change it)', () => {
    // prepare
    const observed = { ...observedFrom(switchRole), arn: `arn:aws:iam::${A}:role/other/SecurityAccountAccess` };

    // act / assert
    expect(planRole(observed, switchRole)).toEqual({ action: 'conflict', reason: expect.stringContaining('path /other/') });
  });

  it.each<[string, RoleSpec, (o: ObservedRole) => ObservedRole]>([
    ['exactly as desired', switchRole, (o) => o],
    ['a trust policy with other key order and collapsed lists', switchRole, (o) => ({
      ...o,
      trustPolicyText: JSON.stringify({ Statement: [{ Action: ['sts:AssumeRole'], Principal: { AWS: SECURITY_AUDITOR_ARN }, Effect: 'Allow' }], Version: '2012-10-17' }, null, 2),
    })],
    ['an inline policy pretty-printed and reordered', reader, (o) => ({
      ...o,
      inlinePolicies: { ReadOwnCloudTrailLogs: JSON.stringify({ ...JSON.parse(o.inlinePolicies.ReadOwnCloudTrailLogs as string), Version: '2012-10-17' }, null, 4) },
    })],
    ['extra tags someone added', switchRole, (o) => ({ ...o, tags: [{ Key: 'cost-center', Value: '42' }, ...o.tags] })],
    ['managed policies listed in another order', { ...switchRole, managedPolicyArns: ['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B'] }, (o) => ({ ...o, managedPolicyArns: ['arn:aws:iam::aws:policy/B', 'arn:aws:iam::aws:policy/A'] })],
  ])('leaves alone a service-owned role with %s', (_label, spec, observe) => {
    // act / assert
    expect(planRole(observe(observedFrom(spec)), spec)).toEqual({ action: 'none' });
  });

  it.each<[string, RoleSpec, (o: ObservedRole) => ObservedRole, Partial<Extract<RolePlan, { action: 'update' }>>]>([
    ['a trust policy that trusts someone else', switchRole, (o) => ({ ...o, trustPolicyText: o.trustPolicyText.replace('SecurityAuditor', 'Intruder') }), { updateTrust: true }],
    ['a trust policy IAM rewrote to a unique id (deleted principal)', switchRole, (o) => ({ ...o, trustPolicyText: o.trustPolicyText.replace(SECURITY_AUDITOR_ARN, 'AROAEXAMPLEID12345678') }), { updateTrust: true }],
    ['another description', switchRole, (o) => ({ ...o, description: 'edited' }), { updateRole: true }],
    ['no description', switchRole, (o) => { const { description: _d, ...rest } = o; return rest; }, { updateRole: true }],
    ['another maximum session', switchRole, (o) => ({ ...o, maxSessionDuration: 43200 }), { updateRole: true }],
    ['a missing managed policy', switchRole, (o) => ({ ...o, managedPolicyArns: [] }), { attach: ['arn:aws:iam::aws:policy/SecurityAudit'] }],
    ['an extra managed policy', switchRole, (o) => ({ ...o, managedPolicyArns: [...o.managedPolicyArns, 'arn:aws:iam::aws:policy/AdministratorAccess'] }), { detach: ['arn:aws:iam::aws:policy/AdministratorAccess'] }],
    ['a missing inline policy', reader, (o) => ({ ...o, inlinePolicies: {} }), { putInline: ['ReadOwnCloudTrailLogs'] }],
    ['an edited inline policy', reader, (o) => ({ ...o, inlinePolicies: { ReadOwnCloudTrailLogs: (o.inlinePolicies.ReadOwnCloudTrailLogs as string).replace('s3:GetObject', 's3:*') } }), { putInline: ['ReadOwnCloudTrailLogs'] }],
    ['an extra inline policy', reader, (o) => ({ ...o, inlinePolicies: { ...o.inlinePolicies, Extra: '{"Version":"2012-10-17","Statement":[]}' } }), { deleteInline: ['Extra'] }],
  ])('updates only what differs on a service-owned role with %s', (_label, spec, observe, expected) => {
    // act
    const plan = planRole(observe(observedFrom(spec)), spec);

    // assert
    expect(plan).toEqual({ action: 'update', ...noChange, ...expected });
  });
});

describe('assertRoleDocumentsWithinLimits', () => {
  it('accepts the desired switch and reader roles', () => {
    // act / assert
    expect(() => assertRoleDocumentsWithinLimits(desiredSwitchRole(config))).not.toThrow();
    expect(() => assertRoleDocumentsWithinLimits(desiredReaderRole(config, A))).not.toThrow();
  });

  it('rejects a trust policy over 2,048 characters, naming the role and the limit', () => {
    // prepare
    const principals = Array.from({ length: 40 }, (_, i) => `arn:aws:iam::222233334444:role/SecurityAuditorNumber${i}`);
    const spec = desiredSwitchRole(configWith({ switchRole: { name: 'SecurityAccountAccess', trustedPrincipalArns: principals } }));

    // act / assert
    expect(() => assertRoleDocumentsWithinLimits(spec)).toThrow(PolicyTooLarge);
    expect(() => assertRoleDocumentsWithinLimits(spec)).toThrow(/trust policy of role SecurityAccountAccess .* over the AWS limit of 2,048 characters/);
  });

  it('rejects inline policies over 10,240 characters in total, naming the limit', () => {
    // prepare
    const reader = desiredReaderRole(config, A);
    const policy = reader.inlinePolicies.ReadOwnCloudTrailLogs!;
    const spec: RoleSpec = { ...reader, inlinePolicies: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`P${i}`, policy])) };

    // act / assert
    expect(() => assertRoleDocumentsWithinLimits(spec)).toThrow(/inline policies of role CloudTrailLogReader-444455556666 .* over the AWS limit of 10,240 characters/);
  });
});
