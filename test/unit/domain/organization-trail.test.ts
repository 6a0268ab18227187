/**
 * `trailMode` `organization`: the shared policies grant the one organization trail (seed 000/003,
 * AWS's documented organization-trail bucket policy, pinned with `aws:SourceArn`), never an account;
 * foreign statements and the service's own per-account statements (per-account trails that may still
 * deliver) are kept; the reader roles reach only `[prefix/]AWSLogs/<org-id>/<account>/`, proven with
 * the policy evaluator.
 */
import { bucketPolicyGrants, ORGANIZATION_BUCKET_POLICY_SIDS, renderBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { keyPolicyGrants, ORGANIZATION_KEY_POLICY_SIDS, renderKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig, organizationTrailOf } from '../../../handlers/domain/log-destination';
import { organizationLogObjectPrefix, organizationTrailArn } from '../../../handlers/domain/arns';
import { parsePolicy, type PolicyDocument, type PolicyStatement } from '../../../handlers/domain/policy-document';
import { desiredReaderRole, desiredSharedReaderRole, READER_POLICY_NAME, SHARED_READER_SESSION_TAG, sharedReaderRoleCandidates } from '../../../handlers/domain/roles';
import { SharingMode } from '../../../handlers/domain/shared-policy';
import { InvalidPolicyDocument } from '../../../handlers/shared/errors';
import {
  ACCOUNTS,
  BUCKET,
  configWith,
  dest as accountDest,

  DENY_INSECURE_TRANSPORT,
  AUDITOR_READ,
  INITIAL_BUCKET_POLICY,
  INITIAL_KEY_POLICY,
  KEY_ARN,
  KEY_ADMINISTRATORS,
  KEY_ROOT_DELEGATION,
  ORGANIZATION_ID,
  text,
  trailArnOf,
} from './fixtures';
import { isAllowed } from './simulate';

const MGMT = ACCOUNTS.management;
const LOG_ARCHIVE = ACCOUNTS.logArchive;
const A = ACCOUNTS.newMember;
const B = ACCOUNTS.members[0] as string;
const CLOUDTRAIL = 'cloudtrail.amazonaws.com';
const ORG_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/cloudtrail-onboarding-org`;
const CONTROL_TOWER_TRAIL = `arn:aws:cloudtrail:us-east-1:${MGMT}:trail/aws-controltower-BaselineCloudTrail`;

const orgConfig = configWith({ trailMode: 'organization' });
const dest = logDestinationFromConfig(orgConfig);
const statements = (d: PolicyDocument) => d.Statement as PolicyStatement[];
const sid = (d: PolicyDocument, s: string) => statements(d).find((st) => st.Sid === s);

describe('the organization trail of a configuration', () => {
  it("is the service's own trail in the management account's home region, or the configured existing trail", () => {
    expect(organizationTrailArn(orgConfig)).toBe(ORG_TRAIL);
    expect(organizationTrailArn(configWith({ trailMode: 'organization', organizationTrail: { arn: CONTROL_TOWER_TRAIL } }))).toBe(CONTROL_TOWER_TRAIL);
    expect(organizationTrailOf(orgConfig)).toEqual({ arn: ORG_TRAIL, organizationId: ORGANIZATION_ID, managementAccountId: MGMT });
  });

  it('is absent in account mode (the default): nothing changes for existing configurations', () => {
    expect(organizationTrailOf(configWith({}))).toBeUndefined();
    expect(accountDest.organizationTrail).toBeUndefined();
  });

  it("writes a member's logs under [prefix/]AWSLogs/<org-id>/<account>/", () => {
    expect(organizationLogObjectPrefix('cloudtrail', ORGANIZATION_ID, A)).toBe(`cloudtrail/AWSLogs/${ORGANIZATION_ID}/${A}/`);
    expect(organizationLogObjectPrefix(undefined, ORGANIZATION_ID, A)).toBe(`AWSLogs/${ORGANIZATION_ID}/${A}/`);
  });
});

describe('the bucket policy in organization mode', () => {
  const r = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A, B], dest);

  it("holds AWS's organization-trail statements, pinned to the trail's ARN, and no account", () => {
    expect(r).toMatchObject({ changed: true, mode: SharingMode.organizationTrail, accounts: [] });
    expect(sid(r.document, ORGANIZATION_BUCKET_POLICY_SIDS.aclCheck)).toEqual({
      Sid: 'CloudTrailOnboardingOrganizationAclCheck',
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL },
      Action: 's3:GetBucketAcl',
      Resource: `arn:aws:s3:::${BUCKET}`,
      Condition: { StringEquals: { 'aws:SourceArn': ORG_TRAIL } },
    });
    expect(sid(r.document, ORGANIZATION_BUCKET_POLICY_SIDS.write)).toEqual({
      Sid: 'CloudTrailOnboardingOrganizationWrite',
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL },
      Action: 's3:PutObject',
      Resource: [`arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${MGMT}/*`, `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${ORGANIZATION_ID}/*`],
      Condition: { StringEquals: { 'aws:SourceArn': ORG_TRAIL, 's3:x-amz-acl': 'bucket-owner-full-control' } },
    });
    expect(r.text).not.toContain(A);
    expect(r.text).not.toContain('aws:SourceAccount');
  });

  it('keeps the foreign statements unchanged, in their places', () => {
    expect(statements(r.document).slice(0, 2)).toEqual([DENY_INSECURE_TRANSPORT, AUDITOR_READ]);
  });

  it('a re-render of the written policy changes nothing, whatever accounts are asked for', () => {
    expect(renderBucketPolicy(r.text, [A, B, ACCOUNTS.members[1] as string], dest).changed).toBe(false);
    expect(renderBucketPolicy(r.text, [], dest).changed).toBe(false);
  });

  it('grants every account once the organization statements are in place (and none before)', () => {
    expect(bucketPolicyGrants(parsePolicy(INITIAL_BUCKET_POLICY, 'b'), A, dest)).toBe(false);
    expect(bucketPolicyGrants(r.document, A, dest)).toBe(true);
    expect(bucketPolicyGrants(r.document, B, dest)).toBe(true);
  });

  it('keeps the per-account statements of account mode (their trails may still deliver until migrated), adding no account to them', () => {
    const accountMode = renderBucketPolicy(INITIAL_BUCKET_POLICY, [B], accountDest).text;
    const org = renderBucketPolicy(accountMode, [A, B], dest);
    const accountStatements = statements(parsePolicy(accountMode, 'b')).filter((s) => s.Sid?.startsWith('CloudTrailOnboarding'));
    for (const s of accountStatements) expect(sid(org.document, s.Sid as string)).toEqual(s);
    expect(org.accounts).toEqual([B]);
    expect(org.text).not.toContain(A);
  });

  it('puts a changed organization statement back in its place', () => {
    const edited = parsePolicy(r.text, 'b');
    (sid(edited, ORGANIZATION_BUCKET_POLICY_SIDS.write) as PolicyStatement).Resource = `arn:aws:s3:::${BUCKET}/*`;
    const again = renderBucketPolicy(JSON.stringify(edited), [], dest);
    expect(again.changed).toBe(true);
    expect(again.text).toBe(r.text);
  });
});

describe('the key policy in organization mode', () => {
  const r = renderKeyPolicy(INITIAL_KEY_POLICY, [A], dest);

  it("grants a data key only to the organization trail, only with its encryption context, and DescribeKey to it", () => {
    expect(r).toMatchObject({ changed: true, mode: SharingMode.organizationTrail, accounts: [] });
    expect(sid(r.document, ORGANIZATION_KEY_POLICY_SIDS.encrypt)).toEqual({
      Sid: 'CloudTrailOnboardingOrganizationEncrypt',
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': ORG_TRAIL, 'kms:EncryptionContext:aws:cloudtrail:arn': ORG_TRAIL } },
    });
    expect(sid(r.document, ORGANIZATION_KEY_POLICY_SIDS.describe)).toEqual({
      Sid: 'CloudTrailOnboardingOrganizationDescribe',
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': ORG_TRAIL } },
    });
    expect(r.text).not.toContain(A);
  });

  it('keeps the administrators and the root delegation unchanged, in their places; a re-render changes nothing', () => {
    expect(statements(r.document).slice(0, 2)).toEqual([KEY_ROOT_DELEGATION, KEY_ADMINISTRATORS]);
    expect(renderKeyPolicy(r.text, [A, B], dest).changed).toBe(false);
    expect(keyPolicyGrants(r.document, B, dest)).toBe(true);
  });

  it('with an S3 Bucket Key on the bucket, also lets the organization trail decrypt (CloudTrail needs it to create the trail)', () => {
    const withBucketKey = renderKeyPolicy(INITIAL_KEY_POLICY, [], { ...dest, bucketKeyEnabled: true });
    expect(sid(withBucketKey.document, ORGANIZATION_KEY_POLICY_SIDS.encrypt)?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
  });

  it('never writes a key policy without its administrators (the lockout guard holds in organization mode too)', () => {
    expect(() => renderKeyPolicy(text(), [], dest)).toThrow(InvalidPolicyDocument);
  });

  it('names an existing organization trail (Control Tower) by its ARN', () => {
    const ct = logDestinationFromConfig(configWith({ trailMode: 'organization', organizationTrail: { arn: CONTROL_TOWER_TRAIL } }));
    expect(renderKeyPolicy(INITIAL_KEY_POLICY, [], ct).text).toContain(CONTROL_TOWER_TRAIL);
    expect(renderBucketPolicy(INITIAL_BUCKET_POLICY, [], ct).text).toContain(CONTROL_TOWER_TRAIL);
  });
});

// ------------------------------------------------------------------ evaluated

const bucketPolicy = renderBucketPolicy(INITIAL_BUCKET_POLICY, [], dest).document;
const keyPolicy = renderKeyPolicy(INITIAL_KEY_POLICY, [], dest).document;

/** A log file key as an organization trail writes it for `account`. */
function orgLogObject(account: string): string {
  return `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${ORGANIZATION_ID}/${account}/CloudTrail/eu-west-1/2024/05/01/${account}_CloudTrail_eu-west-1_20240501T0000Z_abc.json.gz`;
}

/** What CloudTrail presents for the organization trail: its ARN, and the management account as its source. */
const orgTrailContext = (extra: Record<string, string> = {}) => ({ 'aws:SourceArn': ORG_TRAIL, 'aws:SourceAccount': MGMT, 'aws:SecureTransport': 'true', ...extra });
const OWNER_ACL = { 's3:x-amz-acl': 'bucket-owner-full-control' };

describe('the organization-mode shared policies, evaluated', () => {
  const putObject = (object: string, context: Record<string, string>) =>
    isAllowed({ principal: CLOUDTRAIL, action: 's3:PutObject', resource: object, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: bucketPolicy });

  it.each<[string, string, Record<string, string>, boolean]>([
    ["lets the organization trail write a member's logs", orgLogObject(A), orgTrailContext(OWNER_ACL), true],
    ["lets the organization trail write the management account's own logs", `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${MGMT}/CloudTrail/x.json.gz`, orgTrailContext(OWNER_ACL), true],
    ['denies it a write without bucket-owner-full-control', orgLogObject(A), orgTrailContext(), false],
    ['denies it a write outside AWSLogs/<management>/ and AWSLogs/<org-id>/', `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${A}/x.json.gz`, orgTrailContext(OWNER_ACL), false],
    ["denies a member's own trail (no per-account statement)", orgLogObject(A), { 'aws:SourceArn': trailArnOf(A), 'aws:SourceAccount': A, ...OWNER_ACL }, false],
    ['denies another trail of the management account', orgLogObject(A), orgTrailContext({ 'aws:SourceArn': `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/other`, ...OWNER_ACL }), false],
  ])('%s', async (_label, object, context, expected) => {
    await expect(putObject(object, context)).resolves.toBe(expected);
  });

  it('lets only the organization trail check the bucket ACL', async () => {
    const acl = (context: Record<string, string>) =>
      isAllowed({ principal: CLOUDTRAIL, action: 's3:GetBucketAcl', resource: `arn:aws:s3:::${BUCKET}`, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: bucketPolicy });
    await expect(acl(orgTrailContext())).resolves.toBe(true);
    await expect(acl({ 'aws:SourceArn': trailArnOf(A), 'aws:SourceAccount': A })).resolves.toBe(false);
  });

  const kms = (action: string, context: Record<string, string>) =>
    isAllowed({ principal: CLOUDTRAIL, action, resource: KEY_ARN, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: keyPolicy, mode: 'Discovery' });

  it.each<[string, Record<string, string>, boolean]>([
    ['gives the organization trail a data key with its encryption context', orgTrailContext({ 'kms:EncryptionContext:aws:cloudtrail:arn': ORG_TRAIL }), true],
    ["denies it a data key with another trail's encryption context", orgTrailContext({ 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) }), false],
    ["denies a member's own trail a data key (no per-account statement)", { 'aws:SourceArn': trailArnOf(A), 'aws:SourceAccount': A, 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) }, false],
  ])('%s', async (_label, context, expected) => {
    await expect(kms('kms:GenerateDataKey', context)).resolves.toBe(expected);
  });

  it('lets the organization trail, and no other trail, describe the key', async () => {
    await expect(kms('kms:DescribeKey', orgTrailContext())).resolves.toBe(true);
    await expect(kms('kms:DescribeKey', { 'aws:SourceArn': trailArnOf(A), 'aws:SourceAccount': A })).resolves.toBe(false);
  });
});

describe("an account's reader in organization mode, evaluated: its own organization-prefix logs and nothing else", () => {
  const tls = { 'aws:SecureTransport': 'true' };
  const VIA_S3 = { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' };

  /** The per-account role, and the shared role as a session tagged with A. */
  const perAccount = desiredReaderRole(orgConfig, A);
  const sharedConfig = configWith({
    trailMode: 'organization',
    readerAccess: { mode: 'shared', removePerAccountRoles: false },
    sharedReaderRoleArn: `arn:aws:iam::${LOG_ARCHIVE}:role/CloudTrailOnboarding-LogReader`,
  });
  const [shared] = sharedReaderRoleCandidates(sharedConfig, KEY_ARN);
  const sharedTag = { [`aws:PrincipalTag/${SHARED_READER_SESSION_TAG}`]: A };
  const readers = [
    ['the per-account role', perAccount, `arn:aws:iam::${LOG_ARCHIVE}:role/${perAccount.roleName}`, {}],
    ['the shared role (session tagged with the account)', shared!, `arn:aws:sts::${LOG_ARCHIVE}:assumed-role/CloudTrailOnboarding-LogReader/logs`, sharedTag],
  ] as const;

  it("limits both roles' documents to [prefix/]AWSLogs/<org-id>/<account>/", () => {
    const policy = JSON.stringify(perAccount.inlinePolicies[READER_POLICY_NAME]);
    expect(policy).toContain(`cloudtrail/AWSLogs/${ORGANIZATION_ID}/${A}/`);
    expect(policy).not.toContain(`AWSLogs/${A}/`);
    expect(JSON.stringify(shared!.inlinePolicies[READER_POLICY_NAME])).toContain(`cloudtrail/AWSLogs/${ORGANIZATION_ID}/\${aws:PrincipalTag/${SHARED_READER_SESSION_TAG}}/`);
  });

  it('leaves account mode as it was (the per-account prefix and trail pattern)', () => {
    const before = desiredReaderRole(configWith({}), A);
    expect(JSON.stringify(before.inlinePolicies[READER_POLICY_NAME])).toContain(`cloudtrail/AWSLogs/${A}/`);
    expect(JSON.stringify(before)).not.toContain('kms:ViaService');
    const sharedAccountMode = desiredSharedReaderRole({
      partition: 'aws',
      organizationId: ORGANIZATION_ID,
      logArchiveAccountId: LOG_ARCHIVE,
      bucketName: BUCKET,
      logPrefix: 'cloudtrail',
      readerRoleBoundaryArn: 'arn:aws:iam::222233334444:policy/B',
      roleName: 'R',
      key: { arn: KEY_ARN },
    });
    expect(JSON.stringify(sharedAccountMode)).not.toContain('kms:ViaService');
  });

  describe.each(readers)('%s', (_name, role, principal, tag) => {
    const identityPolicies = { [READER_POLICY_NAME]: role.inlinePolicies[READER_POLICY_NAME] as PolicyDocument };
    const ask = (action: string, resource: string, context: Record<string, string>, resourcePolicy: PolicyDocument, discovery = false) =>
      isAllowed({ principal, action, resource, resourceAccount: LOG_ARCHIVE, context: { ...tag, ...context }, identityPolicies, resourcePolicy, ...(discovery ? { mode: 'Discovery' as const } : {}) });

    it.each<[string, string, boolean]>([
      ['reads its own organization-prefix log files', orgLogObject(A), true],
      ["does not read another member's", orgLogObject(B), false],
      ['does not read the management account\'s own logs', `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${MGMT}/CloudTrail/x.json.gz`, false],
      ['does not read the account-mode prefix', `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${A}/CloudTrail/x.json.gz`, false],
    ])('%s', async (_label, object, expected) => {
      await expect(ask('s3:GetObject', object, tls, bucketPolicy)).resolves.toBe(expected);
    });

    it.each<[string, string | undefined, boolean]>([
      ['lists its own organization prefix', `cloudtrail/AWSLogs/${ORGANIZATION_ID}/${A}/`, true],
      ['lists below it', `cloudtrail/AWSLogs/${ORGANIZATION_ID}/${A}/CloudTrail/eu-west-1/`, true],
      ["does not list another member's", `cloudtrail/AWSLogs/${ORGANIZATION_ID}/${B}/`, false],
      ['does not list the organization prefix itself', `cloudtrail/AWSLogs/${ORGANIZATION_ID}/`, false],
      ['does not list the whole bucket', undefined, false],
    ])('%s', async (_label, prefix, expected) => {
      await expect(ask('s3:ListBucket', `arn:aws:s3:::${BUCKET}`, { ...tls, ...(prefix === undefined ? {} : { 's3:prefix': prefix }) }, bucketPolicy)).resolves.toBe(expected);
    });

    it.each<[string, Record<string, string>, boolean]>([
      [
        'decrypts its own log files through S3 (the organization trail\'s context, its own object)',
        { ...VIA_S3, 'kms:EncryptionContext:aws:cloudtrail:arn': ORG_TRAIL, 'kms:EncryptionContext:aws:s3:arn': orgLogObject(A) },
        true,
      ],
      [
        'does not decrypt a data key whose context names no object of its own',
        { ...VIA_S3, 'kms:EncryptionContext:aws:cloudtrail:arn': ORG_TRAIL },
        false,
      ],
      [
        "does not decrypt another member's file, though the organization trail's context is the same",
        { ...VIA_S3, 'kms:EncryptionContext:aws:cloudtrail:arn': ORG_TRAIL, 'kms:EncryptionContext:aws:s3:arn': orgLogObject(B) },
        false,
      ],
      ['does not decrypt directly (not through S3), even with its own context', { 'kms:EncryptionContext:aws:cloudtrail:arn': ORG_TRAIL, 'kms:EncryptionContext:aws:s3:arn': orgLogObject(A) }, false],
      ['does not decrypt through another service', { 'kms:ViaService': 'ec2.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:cloudtrail:arn': ORG_TRAIL }, false],
      ["does not decrypt a member trail's file (another trail's context)", { ...VIA_S3, 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(B) }, false],
    ])('%s', async (_label, context, expected) => {
      await expect(ask('kms:Decrypt', KEY_ARN, context, keyPolicy, true)).resolves.toBe(expected);
    });
  });

  it('the shared role reads nothing for a session without the tag', async () => {
    const identityPolicies = { [READER_POLICY_NAME]: shared!.inlinePolicies[READER_POLICY_NAME] as PolicyDocument };
    const allowed = await isAllowed({
      principal: `arn:aws:sts::${LOG_ARCHIVE}:assumed-role/CloudTrailOnboarding-LogReader/logs`,
      action: 's3:GetObject',
      resource: orgLogObject(A),
      resourceAccount: LOG_ARCHIVE,
      context: tls,
      identityPolicies,
      resourcePolicy: bucketPolicy,
    });
    expect(allowed).toBe(false);
  });
});

