/**
 * The rendered documents, evaluated by an IAM policy simulator (@cloud-copilot/iam-simulate):
 * proof that they allow what each party needs and nothing next to it.
 */
import { renderBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { renderKeyPolicy } from '../../../handlers/domain/key-policy';
import { desiredReaderRole, desiredSwitchRole, READER_POLICY_NAME } from '../../../handlers/domain/roles';
import type { PolicyDocument } from '../../../handlers/domain/policy-document';
import {
  ACCOUNTS,
  BUCKET,
  config,
  configWith,
  dest,
  destWithoutOrganization,
  INITIAL_BUCKET_POLICY,
  INITIAL_KEY_POLICY,
  KEY_ARN,
  manyAccounts,
  ORGANIZATION_ID,
  SECURITY_AUDITOR_ARN,
  trailArnOf,
} from './fixtures';
import { conditionsHold, isAllowed, simulate } from './simulate';

const A = ACCOUNTS.newMember;
const [B] = ACCOUNTS.members as unknown as [string];
/** Not onboarded. */
const X = ACCOUNTS.members[2] as string;
/** Not in the organization. */
const OUTSIDER = ACCOUNTS.outsider;
const LOG_ARCHIVE = ACCOUNTS.logArchive;
const CLOUDTRAIL = 'cloudtrail.amazonaws.com';
const OWNER_ACL = { 's3:x-amz-acl': 'bucket-owner-full-control' };

/** Onboarded: A and B, as a list. */
const bucketPolicy = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A, B], dest).document;
const keyPolicy = renderKeyPolicy(INITIAL_KEY_POLICY, [A, B], dest).document;

/** The same key policy without an organization id configured. */
const keyPolicyWithoutOrganization = renderKeyPolicy(INITIAL_KEY_POLICY, [A, B], destWithoutOrganization).document;

/** Past the limit of both lists (the key policy's holds about 2,100), with the organization id configured: organization-wide. */
const orgBucket = renderBucketPolicy(INITIAL_BUCKET_POLICY, manyAccounts(2_200), dest);
const orgKey = renderKeyPolicy(INITIAL_KEY_POLICY, manyAccounts(2_200), dest);

/** A log file key as CloudTrail writes it. */
function logObject(account: string, prefix = 'cloudtrail/'): string {
  return `arn:aws:s3:::${BUCKET}/${prefix}AWSLogs/${account}/CloudTrail/eu-west-1/2024/05/01/${account}_CloudTrail_eu-west-1_20240501T0000Z_abc.json.gz`;
}

/**
 * The request context CloudTrail presents when its trail in `account` delivers: the trail as
 * `aws:SourceArn`, its account as `aws:SourceAccount`, and the account's organization (members
 * of the fixture's organization) as `aws:SourceOrgID`.
 */
function deliveryContext(account: string, extra: Record<string, string> = {}): Record<string, string> {
  const org: Record<string, string> = account === OUTSIDER ? {} : { 'aws:SourceOrgID': ORGANIZATION_ID };
  return { 'aws:SourceArn': trailArnOf(account), 'aws:SourceAccount': account, ...org, 'aws:SecureTransport': 'true', ...extra };
}

/**
 * The request context of CloudTrail's KMS requests for a trail in `account`: the keys CloudTrail
 * documents for them, `aws:SourceArn` and `aws:SourceAccount`, and no `aws:SourceOrgID`
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).
 */
function kmsContext(account: string, extra: Record<string, string> = {}): Record<string, string> {
  const { 'aws:SourceOrgID': _org, ...context } = deliveryContext(account);
  return { ...context, ...extra };
}

const allowAssumeRole: Record<string, PolicyDocument> = {
  AllowAssumeRole: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
};

const putObject = (policy: PolicyDocument, object: string, context: Record<string, string>) =>
  isAllowed({ principal: CLOUDTRAIL, action: 's3:PutObject', resource: object, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: policy });
const getBucketAcl = (policy: PolicyDocument, context: Record<string, string>) =>
  isAllowed({ principal: CLOUDTRAIL, action: 's3:GetBucketAcl', resource: `arn:aws:s3:::${BUCKET}`, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: policy });
const generateDataKey = (policy: PolicyDocument, context: Record<string, string>) =>
  isAllowed({ principal: CLOUDTRAIL, action: 'kms:GenerateDataKey', resource: KEY_ARN, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: policy, mode: 'Discovery' });
const describeKey = (policy: PolicyDocument, context: Record<string, string>) =>
  isAllowed({ principal: CLOUDTRAIL, action: 'kms:DescribeKey', resource: KEY_ARN, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: policy });

describe('the rendered bucket policy (account list)', () => {
  it.each<[string, string, Record<string, string>, boolean]>([
    ['lets an onboarded trail write its own logs with bucket-owner-full-control', logObject(A), deliveryContext(A, OWNER_ACL), true],
    ['lets the other onboarded trail write its own logs', logObject(B), deliveryContext(B, OWNER_ACL), true],
    ["denies an onboarded account's trail writing under another onboarded account's prefix", logObject(A), deliveryContext(B, OWNER_ACL), false],
    ['denies an onboarded trail writing under the prefix of an account that is not onboarded', logObject(X), deliveryContext(A, OWNER_ACL), false],
    ['denies the trail of an account that is not onboarded, even under its own prefix', logObject(X), deliveryContext(X, OWNER_ACL), false],
    ['denies a write without the ACL header', logObject(A), deliveryContext(A), false],
    ['denies a write with another ACL', logObject(A), deliveryContext(A, { 's3:x-amz-acl': 'private' }), false],
    ['denies a write outside the configured prefix', logObject(A, ''), deliveryContext(A, OWNER_ACL), false],
    ['denies an onboarded account\'s trail of another name', logObject(A), { ...deliveryContext(A, OWNER_ACL), 'aws:SourceArn': `arn:aws:cloudtrail:eu-west-1:${A}:trail/other` }, false],
    ['denies an onboarded account\'s trail homed in another region', logObject(A), { ...deliveryContext(A, OWNER_ACL), 'aws:SourceArn': trailArnOf(A, 'us-east-1') }, false],
    ['denies a request with no source account (not made by CloudTrail for a trail)', logObject(A), { 'aws:SourceArn': trailArnOf(A), 'aws:SecureTransport': 'true', ...OWNER_ACL }, false],
    ['denies delivery over plain HTTP (the foreign deny still applies)', logObject(A), deliveryContext(A, { ...OWNER_ACL, 'aws:SecureTransport': 'false' }), false],
  ])('%s', async (_label, object, context, expected) => {
    // act / assert
    await expect(putObject(bucketPolicy, object, context)).resolves.toBe(expected);
  });

  it('denies a write without bucket-owner-full-control explicitly (the RequireOwnerAcl statement), not merely for want of an Allow', async () => {
    // act
    const d = await simulate({ principal: CLOUDTRAIL, action: 's3:PutObject', resource: logObject(A), resourceAccount: LOG_ARCHIVE, context: deliveryContext(A), resourcePolicy: bucketPolicy });

    // assert
    expect(d.result).toBe('ExplicitlyDenied');
  });

  it.each([
    ['lets an onboarded trail check the bucket ACL', deliveryContext(A), true],
    ['lets the other onboarded trail check the bucket ACL', deliveryContext(B), true],
    ['denies the ACL check to a trail that is not onboarded', deliveryContext(X), false],
    ['denies the ACL check to an onboarded account\'s trail of another name', { ...deliveryContext(A), 'aws:SourceArn': `arn:aws:cloudtrail:eu-west-1:${A}:trail/other` }, false],
  ])('%s', async (_label, context, expected) => {
    // act / assert
    await expect(getBucketAcl(bucketPolicy, context)).resolves.toBe(expected);
  });
});

describe('the rendered key policy (account list)', () => {
  const ctx = (account: string, contextArn: string) => kmsContext(account, { 'kms:EncryptionContext:aws:cloudtrail:arn': contextArn });

  it.each<[string, Record<string, string>, boolean]>([
    ['lets an onboarded trail generate a data key for its own trail', ctx(A, trailArnOf(A)), true],
    ['lets an onboarded trail of another region encrypt (the context pattern spans regions)', ctx(A, trailArnOf(A, 'us-east-1')), true],
    ["denies an onboarded trail a data key for another onboarded account's encryption context", ctx(A, trailArnOf(B)), false],
    ['denies an encryption context naming an account that is not onboarded', ctx(A, trailArnOf(X)), false],
    ['denies a trail that is not onboarded, even with its own encryption context', ctx(X, trailArnOf(X)), false],
    ['denies a request without the encryption context', kmsContext(A), false],
  ])('%s', async (_label, context, expected) => {
    // act / assert
    await expect(generateDataKey(keyPolicy, context)).resolves.toBe(expected);
  });

  it('leaves exactly the own-account encryption-context condition, with its variable, for the test to resolve (iam-simulate cannot)', async () => {
    // act
    const d = await simulate({
      principal: CLOUDTRAIL,
      action: 'kms:GenerateDataKey',
      resource: KEY_ARN,
      resourceAccount: LOG_ARCHIVE,
      context: kmsContext(A, { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) }),
      resourcePolicy: keyPolicy,
      mode: 'Discovery',
    });

    // assert
    expect(d.result).toBe('Allowed');
    expect(d.conditions).toMatchObject({
      conditionType: 'condition',
      op: 'StringLike',
      key: 'kms:EncryptionContext:aws:cloudtrail:arn',
      values: ['arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/*'],
    });
    expect(conditionsHold(d.conditions, { ...deliveryContext(A), 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) })).toBe(true);
    expect(conditionsHold(d.conditions, { ...deliveryContext(A), 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(B) })).toBe(false);
    expect(conditionsHold(d.conditions, { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) })).toBe(false);
  });

  it.each([
    ['lets an onboarded trail describe the key', kmsContext(A), true],
    ['denies DescribeKey to an onboarded account\'s trail of another name', kmsContext(A, { 'aws:SourceArn': `arn:aws:cloudtrail:eu-west-1:${A}:trail/other` }), false],
    ['denies DescribeKey to an onboarded account\'s trail homed in another region', kmsContext(A, { 'aws:SourceArn': trailArnOf(A, 'us-east-1') }), false],
    // CloudTrail documents no aws:SourceOrgID for its KMS requests: the grant does not ask for it.
    ['with the organization id configured, lets a trail of the configured name describe the key without aws:SourceOrgID in the request', kmsContext(X), true],
    ['with the organization id configured, lets an account outside the organization describe the key (metadata only)', kmsContext(OUTSIDER), true],
  ])('%s', async (_label, context, expected) => {
    // act / assert
    await expect(describeKey(keyPolicy, context)).resolves.toBe(expected);
  });

  it('lets a trail of the configured name that is not onboarded describe the key (metadata only), but denies it a data key', async () => {
    // prepare
    const own = kmsContext(X, { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(X) });

    // act / assert
    await expect(describeKey(keyPolicy, kmsContext(X))).resolves.toBe(true);
    await expect(generateDataKey(keyPolicy, own)).resolves.toBe(false);
  });

  it('without an organization id configured, lets any account\'s trail of the configured name describe the key, but denies it a data key', async () => {
    // prepare
    const own = kmsContext(OUTSIDER, { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(OUTSIDER) });

    // act / assert
    await expect(describeKey(keyPolicyWithoutOrganization, kmsContext(A))).resolves.toBe(true);
    await expect(describeKey(keyPolicyWithoutOrganization, kmsContext(OUTSIDER))).resolves.toBe(true);
    await expect(describeKey(keyPolicyWithoutOrganization, kmsContext(A, { 'aws:SourceArn': `arn:aws:cloudtrail:eu-west-1:${A}:trail/other` }))).resolves.toBe(false);
    await expect(generateDataKey(keyPolicyWithoutOrganization, own)).resolves.toBe(false);
    await expect(generateDataKey(keyPolicyWithoutOrganization, kmsContext(A, { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) }))).resolves.toBe(true);
  });
});

describe('the rendered key policy for a bucket with an S3 Bucket Key', () => {
  const keyed = renderKeyPolicy(INITIAL_KEY_POLICY, [A, B], { ...dest, bucketKeyEnabled: true }).document;
  const decrypt = (policy: PolicyDocument, context: Record<string, string>) =>
    isAllowed({ principal: CLOUDTRAIL, action: 'kms:Decrypt', resource: KEY_ARN, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: policy, mode: 'Discovery' });
  const ctx = (account: string, contextArn: string) => kmsContext(account, { 'kms:EncryptionContext:aws:cloudtrail:arn': contextArn });

  it.each<[string, Record<string, string>, boolean]>([
    ["lets an onboarded account's trail decrypt under its own trail's context (CloudTrail's check for a bucket key)", ctx(A, trailArnOf(A)), true],
    ["denies it another onboarded account's context", ctx(A, trailArnOf(B)), false],
    ['denies a trail that is not onboarded, even under its own context', ctx(X, trailArnOf(X)), false],
    ["denies an onboarded account's trail of another name", kmsContext(A, { 'aws:SourceArn': `arn:aws:cloudtrail:eu-west-1:${A}:trail/other`, 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) }), false],
  ])('%s', async (_label, context, expected) => {
    // act / assert
    await expect(decrypt(keyed, context)).resolves.toBe(expected);
  });

  it('grants CloudTrail no kms:Decrypt when the bucket has no bucket key', async () => {
    // act / assert
    await expect(decrypt(keyPolicy, ctx(A, trailArnOf(A)))).resolves.toBe(false);
  });
});

describe('the organization-wide policies (past the limit, organization id configured)', () => {
  it('are organization-wide', () => {
    // assert
    expect([orgBucket.mode, orgKey.mode]).toEqual(['organization', 'organization']);
  });

  it.each<[string, string, Record<string, string>, boolean]>([
    ["lets an organization account's trail of the configured name write its own prefix (listed or not)", logObject(X), deliveryContext(X, OWNER_ACL), true],
    ["denies an organization account's trail writing under another account's prefix", logObject(A), deliveryContext(X, OWNER_ACL), false],
    ['denies the trail of an account outside the organization', logObject(OUTSIDER), deliveryContext(OUTSIDER, OWNER_ACL), false],
    ['denies the trail of an account of another organization', logObject(OUTSIDER), deliveryContext(OUTSIDER, { ...OWNER_ACL, 'aws:SourceOrgID': 'o-zzzzzzzzzz' }), false],
    ["denies an organization account's trail of another name", logObject(X), { ...deliveryContext(X, OWNER_ACL), 'aws:SourceArn': `arn:aws:cloudtrail:eu-west-1:${X}:trail/other` }, false],
    ['denies a write without the ACL header', logObject(X), deliveryContext(X), false],
  ])('%s', async (_label, object, context, expected) => {
    // act / assert
    await expect(putObject(orgBucket.document, object, context)).resolves.toBe(expected);
  });

  it.each([
    ['lets an organization account\'s trail check the bucket ACL', deliveryContext(X), true],
    ['denies the ACL check to an account outside the organization', deliveryContext(OUTSIDER), false],
  ])('%s', async (_label, context, expected) => {
    // act / assert
    await expect(getBucketAcl(orgBucket.document, context)).resolves.toBe(expected);
  });

  const own = (account: string, extra: Record<string, string> = {}) => kmsContext(account, { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(account), ...extra });
  it.each<[string, Record<string, string>, boolean]>([
    ["lets an organization account's trail generate a data key for its own trail (CloudTrail's KMS requests carry no aws:SourceOrgID)", own(X), true],
    ["denies an organization account's trail another account's encryption context", kmsContext(X, { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) }), false],
    ["denies an organization account's trail of another name", own(X, { 'aws:SourceArn': `arn:aws:cloudtrail:eu-west-1:${X}:trail/other` }), false],
    ['if a request did carry aws:SourceOrgID, denies an account of another organization', own(OUTSIDER, { 'aws:SourceOrgID': 'o-zzzzzzzzzz' }), false],
    ['if a request did carry aws:SourceOrgID, lets an account of the organization', own(X, { 'aws:SourceOrgID': ORGANIZATION_ID }), true],
    // The key policy alone cannot tell; the organization-wide bucket policy keeps such a trail from delivering (above).
    ['lets a trail of the configured name outside the organization generate a data key for its own trails only', own(OUTSIDER), true],
  ])('%s', async (_label, context, expected) => {
    // act / assert
    await expect(generateDataKey(orgKey.document, context)).resolves.toBe(expected);
  });

  it.each([
    ['lets an organization account\'s trail describe the key', kmsContext(X), true],
    ['lets a trail of the configured name outside the organization describe the key (metadata only)', kmsContext(OUTSIDER), true],
  ])('%s', async (_label, context, expected) => {
    // act / assert
    await expect(describeKey(orgKey.document, context)).resolves.toBe(expected);
  });
});

describe("the reader role's inline policy", () => {
  const reader = desiredReaderRole(config, A);
  const principal = `arn:aws:iam::${LOG_ARCHIVE}:role/${reader.roleName}`;
  const identityPolicies = { [READER_POLICY_NAME]: reader.inlinePolicies[READER_POLICY_NAME] as PolicyDocument };
  const tls = { 'aws:SecureTransport': 'true' };

  it.each<[string, string, boolean]>([
    ['lets the reader get its own log files', logObject(A), true],
    ['denies the reader another account\'s log files', logObject(B), false],
    ['denies the reader objects outside its prefix', `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${A}-evil/x`, false],
  ])('%s', async (_label, object, expected) => {
    // act
    const allowed = await isAllowed({ principal, action: 's3:GetObject', resource: object, resourceAccount: LOG_ARCHIVE, context: tls, identityPolicies, resourcePolicy: bucketPolicy });

    // assert
    expect(allowed).toBe(expected);
  });

  it.each<[string, Record<string, string>, boolean]>([
    ['lets the reader list its own prefix', { 's3:prefix': `cloudtrail/AWSLogs/${A}/` }, true],
    ['lets the reader list below its own prefix', { 's3:prefix': `cloudtrail/AWSLogs/${A}/CloudTrail/eu-west-1/` }, true],
    ['denies the reader listing another account\'s prefix', { 's3:prefix': `cloudtrail/AWSLogs/${B}/` }, false],
    ['denies the reader listing the parent prefix', { 's3:prefix': 'cloudtrail/AWSLogs/' }, false],
    ['denies the reader listing the whole bucket', {}, false],
  ])('%s', async (_label, context, expected) => {
    // act
    const allowed = await isAllowed({
      principal,
      action: 's3:ListBucket',
      resource: `arn:aws:s3:::${BUCKET}`,
      resourceAccount: LOG_ARCHIVE,
      context: { ...tls, ...context },
      identityPolicies,
      resourcePolicy: bucketPolicy,
    });

    // assert
    expect(allowed).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['lets the reader decrypt its own log files', trailArnOf(A), true],
    ['denies the reader decrypting another account\'s log files', trailArnOf(B), false],
  ])('%s', async (_label, trail, expected) => {
    // act: the key policy's foreign root statement delegates to the account's IAM policies
    const allowed = await isAllowed({
      principal,
      action: 'kms:Decrypt',
      resource: KEY_ARN,
      resourceAccount: LOG_ARCHIVE,
      context: { 'kms:EncryptionContext:aws:cloudtrail:arn': trail },
      identityPolicies,
      resourcePolicy: keyPolicy,
      mode: 'Discovery',
    });

    // assert
    expect(allowed).toBe(expected);
  });
});

describe('the trust policies', () => {
  const switchRoleArn = `arn:aws:iam::${A}:role/SecurityAccountAccess`;

  it.each<[string, string, boolean]>([
    ['lets the configured principal assume the switch role', SECURITY_AUDITOR_ARN, true],
    ['denies another role of the security account', `arn:aws:iam::${LOG_ARCHIVE}:role/Developer`, false],
    ['denies a same-named role in another account', `arn:aws:iam::${B}:role/SecurityAuditor`, false],
    ['denies a principal of the member account itself', `arn:aws:iam::${A}:role/Admin`, false],
  ])('%s', async (_label, principal, expected) => {
    // act
    const allowed = await isAllowed({
      principal,
      action: 'sts:AssumeRole',
      resource: switchRoleArn,
      resourceAccount: A,
      identityPolicies: allowAssumeRole,
      resourcePolicy: desiredSwitchRole(config).trustPolicy,
    });

    // assert
    expect(allowed).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['lets any principal of a trusted account (root) assume the switch role', `arn:aws:iam::${LOG_ARCHIVE}:role/Developer`, true],
    ['denies principals of other accounts', `arn:aws:iam::${B}:role/Developer`, false],
  ])('with an account root configured, %s', async (_label, principal, expected) => {
    // prepare
    const trust = desiredSwitchRole(
      configWith({ switchRole: { name: 'SecurityAccountAccess', trustedPrincipalArns: [`arn:aws:iam::${LOG_ARCHIVE}:root`] } }),
    ).trustPolicy;

    // act
    const allowed = await isAllowed({ principal, action: 'sts:AssumeRole', resource: switchRoleArn, resourceAccount: A, identityPolicies: allowAssumeRole, resourcePolicy: trust });

    // assert
    expect(allowed).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['lets a principal of the member account assume its reader role', `arn:aws:iam::${A}:role/Auditor`, true],
    ['denies a principal of another member account', `arn:aws:iam::${B}:role/Auditor`, false],
    ['denies a principal of the log-archive account', `arn:aws:iam::${LOG_ARCHIVE}:role/Auditor`, false],
  ])('%s', async (_label, principal, expected) => {
    // prepare
    const reader = desiredReaderRole(config, A);

    // act
    const allowed = await isAllowed({
      principal,
      action: 'sts:AssumeRole',
      resource: `arn:aws:iam::${LOG_ARCHIVE}:role/${reader.roleName}`,
      resourceAccount: LOG_ARCHIVE,
      identityPolicies: allowAssumeRole,
      resourcePolicy: reader.trustPolicy,
    });

    // assert
    expect(allowed).toBe(expected);
  });
});
