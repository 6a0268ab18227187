/**
 * The configuration model: the samples are valid, defaults are filled in, the runtime configuration
 * handed to the steps is derived from it, and every bad configuration fails before any construct is
 * made, naming the key, what was given and what is expected.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseRuntimeConfig } from '../../handlers/shared/config';
import { loadAppConfig, nearestKey, orchestratorAccount, parseAppConfig, runtimeConfigOf } from '../../infra/config';
import { INVALID_CONFIGS, problemsOf, sampleWith } from './config-cases';
import { CREATE_SAMPLE, createSampleRaw, ORGANIZATION_SAMPLE, SAMPLE, sampleRaw } from './helpers';

describe('valid configurations', () => {
  it('the sample: an existing bucket and key, which the runtime configuration names as they are', () => {
    const cfg = loadAppConfig(SAMPLE);
    expect(cfg.logBucket).toEqual({ create: false, name: 'org-cloudtrail-logs-222233334444' });
    expect(cfg.bucketName).toBe('org-cloudtrail-logs-222233334444');
    expect(cfg.keyArn).toBe('arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const runtime = parseRuntimeConfig(runtimeConfigOf(cfg, 'status-table'));
    expect(runtime).toMatchObject({
      partition: 'aws',
      bucketName: 'org-cloudtrail-logs-222233334444',
      keyArn: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      logArchiveAccessRoleArn: 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess',
      tableName: 'status-table',
      organizationId: 'o-a1b2c3d4e5',
      allowManagementAccount: false,
      readerRoleNamePrefix: 'CloudTrailLogReader-',
      lockLeaseSeconds: 180,
    });
  });

  it('the create-resources sample: the runtime configuration names the created key by its alias ARN', () => {
    const cfg = loadAppConfig(CREATE_SAMPLE);
    expect(orchestratorAccount(cfg)).toBe('333344445555');
    expect(cfg.keyArn).toBe('arn:aws:kms:eu-west-1:222233334444:alias/cloudtrail-onboarding');
    expect(parseRuntimeConfig(runtimeConfigOf(cfg, 'status-table')).keyArn).toBe('arn:aws:kms:eu-west-1:222233334444:alias/cloudtrail-onboarding');
  });

  it('account mode is the default: a configuration without trailMode runs per-account trails, as before', () => {
    const runtime = parseRuntimeConfig(runtimeConfigOf(loadAppConfig(SAMPLE), 'status-table'));
    expect(runtime).toMatchObject({ trailMode: 'account', migrateAccountTrails: false, organizationTrail: { name: 'cloudtrail-onboarding-org' } });
  });

  it('the organization-trail sample: organization mode, the service\'s own organization trail, handed to the steps', () => {
    const cfg = loadAppConfig(ORGANIZATION_SAMPLE);
    expect(cfg).toMatchObject({ trailMode: 'organization', organizationId: 'o-a1b2c3d4e5', migrateAccountTrails: false });
    const runtime = parseRuntimeConfig(runtimeConfigOf(cfg, 'status-table'));
    expect(runtime).toMatchObject({ trailMode: 'organization', organizationTrail: { name: 'cloudtrail-onboarding-org' }, migrateAccountTrails: false });
    expect(runtime.organizationTrail.arn).toBeUndefined();
  });

  it('migrateAccountTrails in organization mode is handed to the steps (the migration deletes per-account trails once delivered)', () => {
    const cfg = parseAppConfig({ ...JSON.parse(readFileSync(ORGANIZATION_SAMPLE, 'utf8')), migrateAccountTrails: true }, 'test');
    expect(parseRuntimeConfig(runtimeConfigOf(cfg, 'status-table'))).toMatchObject({ trailMode: 'organization', migrateAccountTrails: true });
  });

  it('an existing organization trail by ARN (Control Tower\'s) and a delegated administrator are handed to the steps as given', () => {
    const ct = 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/aws-controltower-BaselineCloudTrail';
    const byArn = parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sampleWith({ trailMode: 'organization', organizationTrail: { arn: ct } })), 'status-table'));
    expect(byArn.organizationTrail).toMatchObject({ arn: ct });
    const delegated = parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sampleWith({ trailMode: 'organization', organizationTrail: { delegatedAdministratorAccountId: '333344445555' } })), 'status-table'));
    expect(delegated.organizationTrail).toEqual({ name: 'cloudtrail-onboarding-org', delegatedAdministratorAccountId: '333344445555' });
  });

  it('the runtime refuses organization mode without an organization id (a configuration not written by the app)', () => {
    const runtime = runtimeConfigOf(loadAppConfig(ORGANIZATION_SAMPLE), 'status-table');
    expect(() => parseRuntimeConfig({ ...runtime, organizationId: undefined })).toThrow(/trailMode: "organization" needs organizationId/);
  });

  it('accepts a top-level $schema (the samples name their JSON Schema) and leaves it out of the model', () => {
    const cfg = parseAppConfig(sampleWith({ $schema: './onboarding.schema.json' }));
    expect(cfg).not.toHaveProperty('$schema');
    expect(sampleRaw().$schema).toBe('./onboarding.schema.json');
    expect(createSampleRaw().$schema).toBe('./onboarding.schema.json');
  });

  it('fills in the documented defaults', () => {
    const raw = createSampleRaw();
    raw.logBucket = { create: true, name: 'trails-222233334444' };
    raw.logKey = { create: true };
    for (const k of ['orchestratorAccountId', 'readerRoleNamePrefix', 'memberAccessRoleName', 'logArchiveAccessRoleName', 'lockLeaseSeconds', 'notifications', 'allowManagementAccount']) delete raw[k];
    raw.switchRole = { name: 'SecurityAudit', trustedPrincipalArns: ['arn:aws:iam::222233334444:root'] };
    const cfg = parseAppConfig(raw);
    expect(cfg.logBucket).toEqual({ create: true, name: 'trails-222233334444', expireAfterDays: 2557 });
    expect(cfg.logKey).toEqual({ create: true, alias: 'alias/cloudtrail-onboarding', administratorArns: [] });
    expect(cfg).toMatchObject({
      readerRoleNamePrefix: 'CloudTrailLogReader-',
      memberAccessRoleName: 'OrganizationAccountAccessRole',
      logArchiveAccessRoleName: 'OnboardingLogArchiveAccess',
      lockLeaseSeconds: 180,
      allowManagementAccount: false,
      switchRole: { managedPolicyArns: ['arn:aws:iam::aws:policy/SecurityAudit'], maxSessionDuration: 3600 },
    });
    expect(orchestratorAccount(cfg)).toBe('111122223333');
  });
});

describe('invalid configurations fail, naming the key', () => {
  it.each(INVALID_CONFIGS)('%s', (_what, raw, expected) => {
    const problems = problemsOf(raw());
    expect(problems).toEqual([expect.stringMatching(expected)]);
  });

  it('reports every bad key at once', () => {
    const problems = problemsOf(sampleWith({ homeRegion: 'x', trailName: '!', logBucket: { create: 'yes' } }));
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['homeRegion', 'logBucket.create', 'trailName']);
  });

  it('names the file and every problem in the error message', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onboarding-config-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(sampleWith({ homeRegion: 'x' })));
    expect(() => loadAppConfig(file)).toThrow(`Invalid configuration in ${file}:\n  - homeRegion: must be a region such as eu-west-1 (received "x")`);
    writeFileSync(file, '{ not json');
    expect(() => loadAppConfig(file)).toThrow(/cannot read JSON/);
  });
});

describe('an unknown key is reported with the key it most likely meant', () => {
  const bucket = { create: false, name: 'org-logs' };
  const createdKey = { create: true };
  const switchRole = { name: 'Audit', trustedPrincipalArns: ['arn:aws:iam::222233334444:root'] };
  const cases: [string, () => unknown, string][] = [
    ['a misspelt nested key', () => sampleWith({ logBucket: { create: false, nmae: 'x' } }), 'logBucket.nmae: is not a configuration key here (received "x"); did you mean logBucket.name?'],
    ['a key in the wrong case', () => sampleWith({ homeRegion: undefined, HomeRegion: 'eu-west-1' }), 'HomeRegion: is not a configuration key here (received "eu-west-1"); did you mean homeRegion?'],
    ['a key in lower case', () => sampleWith({ trailName: undefined, trailname: 't' }), 'trailname: is not a configuration key here (received "t"); did you mean trailName?'],
    ['two letters swapped', () => sampleWith({ logPrefix: undefined, logPerfix: 'p' }), 'logPerfix: is not a configuration key here (received "p"); did you mean logPrefix?'],
    ['a letter missing', () => sampleWith({ switchRole: { name: 'Audit', trustedPrincipalArn: [] } }), 'switchRole.trustedPrincipalArn: is not a configuration key here (received []); did you mean switchRole.trustedPrincipalArns?'],
    ['a key of the variant "create" selects', () => sampleWith({ logBucket: bucket, logKey: { ...createdKey, alais: 'alias/x' } }), 'logKey.alais: is not a configuration key here (received "alias/x"); did you mean logKey.alias?'],
    ['a key of the existing-key variant', () => sampleWith({ logKey: { create: false, ARN: 'x' } }), 'logKey.ARN: is not a configuration key here (received "x"); did you mean logKey.arn?'],
    ['a key inside an optional object', () => sampleWith({ notifications: { email: ['a@example.com'] } }), 'notifications.email: is not a configuration key here (received ["a@example.com"]); did you mean notifications.emails?'],
    ['no near key', () => sampleWith({ bucketName: 'x' }), 'bucketName: is not a configuration key here (received "x")'],
    ['a near key that is already set', () => sampleWith({ homeregion: 'x' }), 'homeregion: is not a configuration key here (received "x")'],
    ['a key of the other variant: its variant, not a guess', () => sampleWith({ logBucket: { ...bucket, expireAfterDays: 30 } }), 'logBucket.expireAfterDays: is not a configuration key here (only with "create": true) (received 30)'],
    ['a short key is near nothing', () => sampleWith({ switchRole: { ...switchRole, ma: 1 } }), 'switchRole.ma: is not a configuration key here (received 1)'],
  ];

  it.each(cases)('%s', (_what, raw, expected) => {
    expect(problemsOf(raw())).toContain(expected);
  });

  it.each([
    ['nmae', ['create', 'name'], 'name'],
    ['NAME', ['create', 'name'], 'name'],
    ['expireAfterDay', ['expireAfterDays', 'accessLogsBucketName'], 'expireAfterDays'],
    ['lockLeaseSecond', ['lockLeaseSeconds', 'lockLeaseSecondz'], 'lockLeaseSeconds'],
    ['trailNameXYZ', ['trailName'], undefined],
    ['x', ['arn'], undefined],
    ['ab', ['arn'], undefined],
    ['anything', [], undefined],
  ] as [string, string[], string | undefined][])('nearestKey(%j, %j) is %j', (key, candidates, expected) => {
    expect(nearestKey(key, candidates)).toBe(expected);
  });
});
