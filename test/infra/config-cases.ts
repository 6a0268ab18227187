/**
 * The invalid configurations the model refuses, each with the problem it is refused with: shared by
 * the model's tests (test/infra/config.test.ts) and the JSON Schema's (test/infra/config-reference.test.ts).
 */
import { InvalidConfiguration, parseAppConfig } from '../../infra/config';
import { sampleRaw } from './helpers';

/** The problems a configuration is refused with (fails the test when it is accepted). */
export function problemsOf(raw: unknown): string[] {
  try {
    parseAppConfig(raw, 'test');
  } catch (e) {
    if (e instanceof InvalidConfiguration) return e.problems;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

/** The sample with `patch` applied (a key set to `undefined` is removed). */
export function sampleWith(patch: Record<string, unknown>, base = sampleRaw()): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete out[k];
  return out;
}

const keyArn = 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** What is wrong, the configuration, and the one problem it is refused with. */
export const INVALID_CONFIGS: readonly [what: string, raw: () => unknown, problem: RegExp][] = [
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
  ['organization mode without an organization', () => sampleWith({ trailMode: 'organization', organizationId: undefined }), /^trailMode: "organization" logs every member into AWSLogs\/<organizationId>\/ .*organizationId is not set/],
  ['an unknown trail mode', () => sampleWith({ trailMode: 'org' }), /^trailMode: .*\(received "org"\)$/],
  ['an organization trail in account mode', () => sampleWith({ organizationTrail: { name: 'org-trail' } }), /^organizationTrail: is used only with trailMode "organization"/],
  ['a trail migration in account mode', () => sampleWith({ migrateAccountTrails: true }), /^migrateAccountTrails: is used only with trailMode "organization"/],
  ['an organization trail that is not a trail ARN', () => sampleWith({ trailMode: 'organization', organizationTrail: { arn: 'arn:aws:s3:::bucket' } }), /^organizationTrail\.arn: must be a trail ARN .*\(received "arn:aws:s3:::bucket"\)$/],
  [
    'an existing organization trail outside the management account',
    () => sampleWith({ trailMode: 'organization', organizationTrail: { arn: 'arn:aws:cloudtrail:eu-west-1:333344445555:trail/aws-controltower-BaselineCloudTrail' } }),
    /^organizationTrail\.arn: an organization trail is owned by the management account 111122223333/,
  ],
  [
    'an existing organization trail with a delegated administrator to create it',
    () => sampleWith({ trailMode: 'organization', organizationTrail: { arn: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/aws-controltower-BaselineCloudTrail', delegatedAdministratorAccountId: '333344445555' } }),
    /^organizationTrail\.delegatedAdministratorAccountId: the trail of organizationTrail\.arn exists and is used read-only/,
  ],
  ['the management account as delegated administrator', () => sampleWith({ trailMode: 'organization', organizationTrail: { delegatedAdministratorAccountId: '111122223333' } }), /^organizationTrail\.delegatedAdministratorAccountId: the management account 111122223333 cannot be its own delegated administrator/],
  ['an organization trail named like the per-account trail', () => sampleWith({ trailMode: 'organization', organizationTrail: { name: 'org-member-trail' } }), /^organizationTrail: the organization trail must not have the per-account trail's name/],
  ['organization mode with a dedicated orchestrator (not supported yet)', () => sampleWith({ trailMode: 'organization', orchestratorAccountId: '333344445555', memberAccessRoleName: 'CloudTrailOnboardingMemberAccess' }), /^trailMode: "organization" runs the orchestrator in the management account 111122223333 for now/],
  ['a bad notification e-mail', () => sampleWith({ notifications: { emails: ['security-team'] } }), /^notifications\.emails\.0: must be an e-mail address \(received "security-team"\)$/],
];
