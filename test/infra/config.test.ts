/**
 * The configuration model: the samples are valid, defaults are filled in, the runtime configuration
 * handed to the steps is derived from it, and every bad configuration fails before any construct is
 * made, naming the key, what was given and what is expected.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseRuntimeConfig } from '../../handlers/shared/config';
import { InvalidConfiguration, loadAppConfig, orchestratorAccount, parseAppConfig, runtimeConfigOf } from '../../infra/config';
import { CREATE_SAMPLE, createSampleRaw, SAMPLE, sampleRaw } from './helpers';

/** The problems a configuration is refused with (fails the test when it is accepted). */
function problemsOf(raw: unknown): string[] {
  try {
    parseAppConfig(raw, 'test');
  } catch (e) {
    if (e instanceof InvalidConfiguration) return e.problems;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

/** The sample with `patch` applied (a key set to `undefined` is removed). */
function sampleWith(patch: Record<string, unknown>, base = sampleRaw()): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete out[k];
  return out;
}

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
  const keyArn = 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const cases: [string, () => unknown, RegExp][] = [
    ['not an object', () => 'config', /^\(root\): .*expected object/],
    ['an unknown key', () => sampleWith({ bucketName: 'x' }), /^bucketName: is not a configuration key here \(received "x"\)$/],
    ['a missing required key', () => sampleWith({ trailName: undefined }), /^trailName: .*\(received nothing\)$/],
    ['a bad home region', () => sampleWith({ homeRegion: 'Ireland' }), /^homeRegion: must be a region such as eu-west-1 \(received "Ireland"\)$/],
    ['a bad account id', () => sampleWith({ logArchiveAccountId: '2222' }), /^logArchiveAccountId: must be a 12-digit AWS account id \(received "2222"\)$/],
    ['a bad orchestrator account id', () => sampleWith({ orchestratorAccountId: 123 }), /^orchestratorAccountId: .*string.*\(received 123\)$/],
    ['management = log-archive', () => sampleWith({ logArchiveAccountId: '111122223333', logKey: { create: true } }), /^logArchiveAccountId: must differ from managementAccountId/],
    ['orchestrator = log-archive', () => sampleWith({ orchestratorAccountId: '222233334444' }), /^orchestratorAccountId: must not be the log-archive account 222233334444/],
    ['a bucket without "create"', () => sampleWith({ logBucket: { name: 'x-bucket' } }), /^logBucket\.create: must say "create": true .* or false/],
    ['an invalid bucket name', () => sampleWith({ logBucket: { create: false, name: 'Org_Logs' } }), /^logBucket\.name: must be a valid S3 bucket name .*\(received "Org_Logs"\)$/],
    ['a create-only bucket key on an existing bucket', () => sampleWith({ logBucket: { create: false, name: 'org-logs', expireAfterDays: 30 } }), /^logBucket\.expireAfterDays: is not a configuration key here \(only with "create": true\) \(received 30\)$/],
    ['a bad retention', () => sampleWith({ logBucket: { create: true, name: 'org-logs', expireAfterDays: 0 } }), /^logBucket\.expireAfterDays: .*\(received 0\)$/],
    ['the access-logs bucket = the log bucket', () => sampleWith({ logBucket: { create: true, name: 'org-logs', accessLogsBucketName: 'org-logs' } }), /^logBucket\.accessLogsBucketName: must differ from logBucket\.name/],
    ['a default access-logs bucket name that is too long', () => sampleWith({ logBucket: { create: true, name: `a${'b'.repeat(55)}` } }), /^logBucket\.accessLogsBucketName: the default "<name>-access-logs" is longer than 63 characters/],
    ['a key that is not a KMS ARN', () => sampleWith({ logKey: { create: false, arn: 'arn:aws:s3:::bucket' } }), /^logKey\.arn: must be a KMS key ARN .*\(received "arn:aws:s3:::bucket"\)$/],
    ['a key in another account', () => sampleWith({ logKey: { create: false, arn: keyArn.replace('222233334444', '999999999999') } }), /^logKey\.arn: the key must be in the log-archive account 222233334444 \(received arn:aws:kms:eu-west-1:999999999999:key\//],
    ['a key in another region', () => sampleWith({ logKey: { create: false, arn: keyArn.replace('eu-west-1', 'us-east-1') } }), /^logKey\.arn: the key must be in the home region eu-west-1 \(received arn:aws:kms:us-east-1:/],
    ['a reserved key alias', () => sampleWith({ logKey: { create: true, alias: 'alias/aws/s3' } }), /^logKey\.alias: must not start with alias\/aws\/ .*\(received "alias\/aws\/s3"\)$/],
    ['a key administrator that is not an IAM principal', () => sampleWith({ logKey: { create: true, administratorArns: ['alice'] } }), /^logKey\.administratorArns\.0: must be an IAM principal ARN .*\(received "alice"\)$/],
    [
      'a trusted principal that is not an IAM principal ARN',
      () => sampleWith({ switchRole: { name: 'Audit', trustedPrincipalArns: ['arn:aws:s3:::bucket'] } }),
      /^switchRole\.trustedPrincipalArns\.0: must be an IAM principal ARN .*\(received "arn:aws:s3:::bucket"\)$/,
    ],
    ['no trusted principal', () => sampleWith({ switchRole: { name: 'Audit', trustedPrincipalArns: [] } }), /^switchRole\.trustedPrincipalArns: must name at least one principal \(received \[\]\)$/],
    ['a managed policy that is not a policy ARN', () => sampleWith({ switchRole: { name: 'Audit', trustedPrincipalArns: ['arn:aws:iam::222233334444:root'], managedPolicyArns: ['SecurityAudit'] } }), /^switchRole\.managedPolicyArns\.0: must be a managed policy ARN/],
    ['a switch role named like the member-access role', () => sampleWith({ switchRole: { name: 'OrganizationAccountAccessRole', trustedPrincipalArns: ['arn:aws:iam::222233334444:root'] } }), /^switchRole\.name: must differ from memberAccessRoleName/],
    ['an access role named with the reader-role prefix', () => sampleWith({ logArchiveAccessRoleName: 'CloudTrailLogReader-Admin' }), /^logArchiveAccessRoleName: must not start with readerRoleNamePrefix "CloudTrailLogReader-"/],
    ['an Organizations role without an organization', () => sampleWith({ organizationId: undefined, organizationsRoleArn: 'arn:aws:iam::111122223333:role/Org' }), /^organizationsRoleArn: is used only with organizationId/],
    ['an Organizations role outside the management account', () => sampleWith({ organizationsRoleArn: 'arn:aws:iam::333344445555:role/Org' }), /^organizationsRoleArn: must be a role in the management account 111122223333/],
    [
      'a dedicated orchestrator with OrganizationAccountAccessRole (it trusts only the management account)',
      () => sampleWith({ orchestratorAccountId: '333344445555' }),
      /^memberAccessRoleName: OrganizationAccountAccessRole trusts only the management account 111122223333, but the orchestrator runs in 333344445555 .*"CloudTrailOnboardingMemberAccess"/,
    ],
    ['an operator that is not an IAM principal ARN', () => sampleWith({ operatorPrincipalArns: ['ops'] }), /^operatorPrincipalArns\.0: must be an IAM principal ARN .*\(received "ops"\)$/],
    ['a bad lease length', () => sampleWith({ lockLeaseSeconds: 5 }), /^lockLeaseSeconds: .*\(received 5\)$/],
    ['a lease that could expire while its holder still runs', () => sampleWith({ lockLeaseSeconds: 120 }), /^lockLeaseSeconds: must be longer than the step functions' timeout of 120 s \(received 120\)$/],
    ['a bad notification e-mail', () => sampleWith({ notifications: { emails: ['security-team'] } }), /^notifications\.emails\.0: must be an e-mail address \(received "security-team"\)$/],
  ];

  it.each(cases)('%s', (_what, raw, expected) => {
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
