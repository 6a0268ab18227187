/**
 * `auditReaders` (seed 004, scenario 2): the LogArchive stack's role per auditor -- its name, its trust
 * (exactly the configured principals; the ExternalId; the organization for `withinOrganization`), its
 * read-only policy over every account's log files, the readers' boundary, cdk-nag clean with only the
 * wildcard it needs acknowledged -- and the configurations refused, each with the key it names. What the
 * role may and may not do when assumed is evaluated in test/local/e2e/auditor-access.test.ts.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { nagAcknowledgements, nagFindings } from '../../infra/nag';
import { SCHEMA_FILE } from '../../scripts/config-reference';
import { problemsOf, sampleWith } from './config-cases';
import { createSampleRaw, flatten, onlyResource, organizationSampleRaw, resourcesOf, sampleRaw, synth } from './helpers';

const LA = '222233334444';
const THIRD_PARTY = 'arn:aws:iam::999988887777:role/ExampleCorpLogAnalyzer';
const KEY = `arn:aws:kms:eu-west-1:${LA}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const BUCKET = `arn:aws:s3:::org-cloudtrail-logs-${LA}`;

/** A third party (ExternalId), an internal team of the organization, and the log-archive account's own security team. */
const AUDITORS = [
  { name: 'ExampleCorp', trustedPrincipalArns: [THIRD_PARTY, 'arn:aws:iam::999988887777:root'], externalId: 'example-corp:7f3a9c21' },
  { name: 'InternalAudit', trustedPrincipalArns: ['arn:aws:iam::444455556666:root'], withinOrganization: true },
  { name: 'Security', trustedPrincipalArns: [`arn:aws:iam::${LA}:role/SecurityTeam`] },
];

type RoleProps = { RoleName: string; Description: string; MaxSessionDuration: number; AssumeRolePolicyDocument: any; Policies: { PolicyName: string; PolicyDocument: any }[]; PermissionsBoundary: unknown; Path: string };

/** The auditor role `CloudTrailOnboarding-Auditor-<name>` of a configuration, intrinsics flattened. */
function auditorRole(raw: Record<string, unknown>, name: string): RoleProps {
  const s = synth(raw);
  const [, role] = onlyResource(s.templates.logArchive!, 'AWS::IAM::Role', { RoleName: `CloudTrailOnboarding-Auditor-${name}` });
  return flatten(role.Properties) as RoleProps;
}

/** The decrypt statement's condition with the key given by ARN. */
const DECRYPT_CONDITION = {
  StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
  StringLike: {
    'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:*:trail/*',
    'kms:EncryptionContext:aws:s3:arn': `${BUCKET}/cloudtrail/AWSLogs/*`,
  },
};

/** The permissions of every auditor of the sample (existing bucket, key by ARN, prefix `cloudtrail`). */
const SAMPLE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ListLogFiles', Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET, Condition: { StringLike: { 's3:prefix': 'cloudtrail/AWSLogs/*' } } },
    { Sid: 'ReadLogFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/cloudtrail/AWSLogs/*` },
    { Sid: 'DecryptLogFilesThroughS3', Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: DECRYPT_CONDITION },
  ],
};

describe('the auditor roles of the LogArchive stack', () => {
  const raw = () => ({ ...sampleRaw(), auditReaders: AUDITORS });

  it('are none by default', () => {
    const roles = Object.values(resourcesOf(synth(sampleRaw()).templates.logArchive!, 'AWS::IAM::Role')).map((r) => String(r.Properties!.RoleName));
    expect(roles.filter((n) => n.startsWith('CloudTrailOnboarding-Auditor-'))).toEqual([]);
  });

  it('is one role per auditor, named CloudTrailOnboarding-Auditor-<name>, one-hour sessions, the readers\' boundary', () => {
    const roles = Object.values(resourcesOf(synth(raw()).templates.logArchive!, 'AWS::IAM::Role')).map((r) => String(r.Properties!.RoleName));
    expect(roles.filter((n) => n.startsWith('CloudTrailOnboarding-Auditor-')).sort()).toEqual([
      'CloudTrailOnboarding-Auditor-ExampleCorp',
      'CloudTrailOnboarding-Auditor-InternalAudit',
      'CloudTrailOnboarding-Auditor-Security',
    ]);
    const role = auditorRole(raw(), 'ExampleCorp');
    expect({ path: role.Path, session: role.MaxSessionDuration, boundary: role.PermissionsBoundary }).toEqual({
      path: '/',
      session: 3600,
      boundary: expect.stringMatching(/^<ReaderBoundary[0-9A-F]{8}>$/),
    });
    expect(role.Description).toMatch(/^Lets the auditor ExampleCorp list, read and decrypt the CloudTrail log files of every account/);
  });

  it('a third party\'s role trusts exactly its principals, and only with its ExternalId', () => {
    expect(auditorRole(raw(), 'ExampleCorp').AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AuditorReadsLogs',
          Effect: 'Allow',
          Principal: { AWS: [THIRD_PARTY, 'arn:aws:iam::999988887777:root'].sort() },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'example-corp:7f3a9c21' } },
        },
      ],
    });
  });

  it('an auditor of the organization (withinOrganization) is trusted only from inside it (aws:PrincipalOrgID), without an ExternalId', () => {
    expect(auditorRole(raw(), 'InternalAudit').AssumeRolePolicyDocument.Statement).toEqual([
      {
        Sid: 'AuditorReadsLogs',
        Effect: 'Allow',
        Principal: { AWS: ['arn:aws:iam::444455556666:root'] },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      },
    ]);
  });

  it('an auditor in the log-archive account needs no condition; no trust allows anything but sts:AssumeRole', () => {
    expect(auditorRole(raw(), 'Security').AssumeRolePolicyDocument.Statement).toEqual([
      { Sid: 'AuditorReadsLogs', Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${LA}:role/SecurityTeam`] }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('may list and read every account\'s log files under the prefix and decrypt them only through S3 under CloudTrail\'s context; nothing else', () => {
    for (const name of ['ExampleCorp', 'InternalAudit', 'Security']) {
      const role = auditorRole(raw(), name);
      expect(role.Policies).toEqual([{ PolicyName: 'ReadEveryAccountsCloudTrailLogs', PolicyDocument: SAMPLE_POLICY }]);
    }
  });

  it('names no account but the log-archive one, and is the same in trailMode organization (both modes write under AWSLogs/)', () => {
    const account = auditorRole(raw(), 'ExampleCorp').Policies;
    const organization = auditorRole({ ...organizationSampleRaw(), auditReaders: AUDITORS }, 'ExampleCorp').Policies;
    expect(organization).toEqual(account);
    const accounts = JSON.stringify(account).match(/\d{12}/g) ?? [];
    expect([...new Set(accounts)]).toEqual([LA]);
  });

  it('without logPrefix, reads AWSLogs/ at the bucket root', () => {
    const role = auditorRole({ ...raw(), logPrefix: undefined }, 'Security');
    const [list, read, decrypt] = role.Policies[0]!.PolicyDocument.Statement;
    expect([list.Condition, read.Resource, decrypt.Condition.StringLike['kms:EncryptionContext:aws:s3:arn']]).toEqual([
      { StringLike: { 's3:prefix': 'AWSLogs/*' } },
      `${BUCKET}/AWSLogs/*`,
      `${BUCKET}/AWSLogs/*`,
    ]);
  });

  it('names a created key by its ARN, and an existing key configured by alias through kms:ResourceAliases', () => {
    const created = auditorRole({ ...createSampleRaw(), auditReaders: [AUDITORS[2]] }, 'Security').Policies[0]!.PolicyDocument.Statement[2];
    expect(created.Resource).toMatch(/^<LogKey[0-9A-F]{8}\.Arn>$/);
    const alias = auditorRole({ ...raw(), logKey: { create: false, arn: `arn:aws:kms:eu-west-1:${LA}:alias/org-trails` } }, 'Security').Policies[0]!.PolicyDocument.Statement[2];
    expect(alias).toEqual({
      Sid: 'DecryptLogFilesThroughS3',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: `arn:aws:kms:eu-west-1:${LA}:key/*`,
      Condition: { ...DECRYPT_CONDITION, 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/org-trails'] } },
    });
  });
});

describe('cdk-nag on the auditor roles', () => {
  const variants: [string, () => Record<string, unknown>][] = [
    ['the sample (existing bucket, key by ARN)', () => ({ ...sampleRaw(), auditReaders: AUDITORS })],
    ['an existing key known by alias', () => ({ ...sampleRaw(), auditReaders: AUDITORS, logKey: { create: false, arn: `arn:aws:kms:eu-west-1:${LA}:alias/org-trails` } })],
    ['created bucket and key', () => ({ ...createSampleRaw(), auditReaders: AUDITORS })],
    ['trailMode organization', () => ({ ...organizationSampleRaw(), auditReaders: AUDITORS })],
  ];

  it.each(variants)('%s: no unacknowledged finding; on the auditor roles only the wildcard resources they need, each with its reason', (_name, config) => {
    const { built } = synth(config());
    expect(nagFindings(built.stacks)).toEqual([]);
    const acks = nagAcknowledgements(built.app).filter((a) => a.path.includes('/AuditReaderRole-'));
    const alias = JSON.stringify(config().logKey).includes('alias/org-trails');
    const expected = ['AwsSolutions-IAM5[Resource::arn:aws:s3:::org-cloudtrail-logs-222233334444/cloudtrail/AWSLogs/*]', ...(alias ? [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:eu-west-1:${LA}:key/*]`] : [])];
    for (const name of ['ExampleCorp', 'InternalAudit', 'Security']) {
      const own = acks.filter((a) => a.path.endsWith(`/AuditReaderRole-${name}`));
      expect(own.map((a) => a.id).sort()).toEqual([...expected].sort());
      for (const a of own) expect(a.reason.trim().length).toBeGreaterThan(40);
    }
  });
});

describe('auditReaders: refused configurations, each naming its key', () => {
  const auditors = (...readers: unknown[]) => sampleWith({ auditReaders: readers });
  const ok = { name: 'ExampleCorp', trustedPrincipalArns: [THIRD_PARTY], externalId: 'example-corp:7f3a9c21' };
  const manyRoles = Array.from({ length: 30 }, (_, i) => `arn:aws:iam::999988887777:role/third-party-log-analysis/LogAnalyzerWorkerRole${String(i).padStart(2, '0')}`);

  /** [what, configuration, the one problem, whether a JSON Schema sees it too (a key wrong on its own)] */
  const cases: [string, () => Record<string, unknown>, RegExp, boolean][] = [
    [
      'a third party without an ExternalId',
      () => auditors({ name: 'ExampleCorp', trustedPrincipalArns: [THIRD_PARTY] }),
      /^auditReaders\.0\.externalId: required: arn:aws:iam::999988887777:role\/ExampleCorpLogAnalyzer is not in the management, log-archive or orchestrator account \(111122223333, 222233334444\), so the auditor is taken for a third party, which must pass an ExternalId/,
      false,
    ],
    [
      'a third party among principals of the own accounts, without an ExternalId',
      () => auditors({ name: 'Mixed', trustedPrincipalArns: [`arn:aws:iam::${LA}:root`, 'arn:aws:iam::999988887777:root'] }),
      /^auditReaders\.0\.externalId: required: arn:aws:iam::999988887777:root is not in/,
      false,
    ],
    ['withinOrganization without an organization', () => ({ ...auditors({ ...ok, withinOrganization: true }), organizationId: undefined }), /^auditReaders\.0\.withinOrganization: the trust would require aws:PrincipalOrgID, and organizationId is not set/, false],
    ['two auditors of one role name (IAM ignores case)', () => auditors(ok, { ...ok, name: 'examplecorp' }), /^auditReaders\.1\.name: "examplecorp" names the same role as auditReaders\.0\.name/, false],
    ['a role the access role may rewrite', () => ({ ...auditors(ok), readerRoleNamePrefix: 'CloudTrailOnboarding-' }), /^auditReaders\.0\.name: the role CloudTrailOnboarding-Auditor-ExampleCorp starts with readerRoleNamePrefix "CloudTrailOnboarding-"/, false],
    ['the access role\'s name', () => ({ ...auditors({ ...ok, name: 'X' }), logArchiveAccessRoleName: 'CloudTrailOnboarding-Auditor-x' }), /^auditReaders\.0\.name: the role CloudTrailOnboarding-Auditor-X is logArchiveAccessRoleName/, false],
    ['a trust policy over IAM\'s 2,048 characters', () => auditors({ ...ok, trustedPrincipalArns: manyRoles }), /^auditReaders\.0\.trustedPrincipalArns: the trust policy would have \d{4} characters, over IAM's 2048 \(https:\/\/docs\.aws\.amazon\.com\/IAM\//, false],
    ['a name too long for the role name', () => auditors({ ...ok, name: 'A'.repeat(36) }), /^auditReaders\.0\.name: must be 1-35 of \[A-Za-z0-9\+=,\.@_-\] \(the role name CloudTrailOnboarding-Auditor-<name> has at most 64 characters\)/, true],
    ['a name with a slash', () => auditors({ ...ok, name: 'example/corp' }), /^auditReaders\.0\.name: must be 1-35 of/, true],
    ['no name', () => auditors({ trustedPrincipalArns: [THIRD_PARTY], externalId: 'abc' }), /^auditReaders\.0\.name: .*\(received nothing\)$/, true],
    ['no trusted principal', () => auditors({ ...ok, trustedPrincipalArns: [] }), /^auditReaders\.0\.trustedPrincipalArns: must name at least one principal \(received \[\]\)$/, true],
    ['a user ARN', () => auditors({ ...ok, trustedPrincipalArns: ['arn:aws:iam::999988887777:user/alice'] }), /^auditReaders\.0\.trustedPrincipalArns\.0: must be an account root ARN \(arn:aws:iam::<account>:root\) or a role ARN/, true],
    ['a wildcard', () => auditors({ ...ok, trustedPrincipalArns: ['*'] }), /^auditReaders\.0\.trustedPrincipalArns\.0: must be an account root ARN/, true],
    ['a bare account id', () => auditors({ ...ok, trustedPrincipalArns: ['999988887777'] }), /^auditReaders\.0\.trustedPrincipalArns\.0: must be an account root ARN/, true],
    ['a principal twice', () => auditors({ ...ok, trustedPrincipalArns: [THIRD_PARTY, THIRD_PARTY] }), /^auditReaders\.0\.trustedPrincipalArns: must not name a principal twice/, false],
    ['an ExternalId of one character', () => auditors({ ...ok, externalId: 'x' }), /^auditReaders\.0\.externalId: must be 2-1224 of \[A-Za-z0-9_\+=,\.@:\/-\] \(STS AssumeRole's ExternalId\) \(received "x"\)$/, true],
    ['an ExternalId of 1,225 characters', () => auditors({ ...ok, externalId: 'a'.repeat(1225) }), /^auditReaders\.0\.externalId: must be 2-1224 of/, true],
    ['an ExternalId with a space', () => auditors({ ...ok, externalId: 'example corp' }), /^auditReaders\.0\.externalId: must be 2-1224 of .*\(received "example corp"\)$/, true],
    ['a misspelt key', () => auditors({ name: 'ExampleCorp', trustedPrincipalArns: [THIRD_PARTY], externalID: 'x' }), /^auditReaders\.0\.externalID: is not a configuration key here \(received "x"\); did you mean auditReaders\.0\.externalId\?$/, true],
    ['not a list', () => sampleWith({ auditReaders: ok }), /^auditReaders: .*array.*\(received \{/, true],
  ];

  it.each(cases)('%s', (_what, raw, problem) => {
    expect(problemsOf(raw())).toEqual([expect.stringMatching(problem)]);
  });

  // The JSON Schema an editor validates with (config/onboarding.schema.json) refuses the keys wrong on their
  // own, and accepts those wrong only across keys or beyond what JSON Schema says (refinements), as documented.
  const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
  it.each(cases)('the JSON Schema agrees: %s', (_what, raw, _problem, schemaSees) => {
    expect(validate(raw())).toBe(!schemaSees);
  });

  it.each([
    ['an ExternalId of 2 and of 1,224 characters', auditors({ ...ok, externalId: 'ab' }, { ...ok, name: 'B', externalId: 'b'.repeat(1224) })],
    ['an ExternalId of every allowed kind of character', auditors({ ...ok, externalId: 'Aa0_+=,.@:/-' })],
    ['principals of the orchestrator account without an ExternalId', { ...createSampleRaw(), auditReaders: [{ name: 'Ops', trustedPrincipalArns: ['arn:aws:iam::333344445555:role/path/to/Ops'] }] }],
    ['an organization\'s auditor without an ExternalId', auditors({ name: 'InternalAudit', trustedPrincipalArns: ['arn:aws:iam::444455556666:root'], withinOrganization: true })],
    ['a name of 35 characters', auditors({ ...ok, name: 'A'.repeat(35) })],
  ])('accepts %s', (_what, raw) => {
    expect(() => synth(raw)).not.toThrow();
  });
});
