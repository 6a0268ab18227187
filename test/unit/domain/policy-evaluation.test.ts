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
  INITIAL_BUCKET_POLICY,
  INITIAL_KEY_POLICY,
  KEY_ARN,
  SECURITY_AUDITOR_ARN,
  trailArnOf,
} from './fixtures';
import { conditionsHold, isAllowed, simulate } from './simulate';

const A = ACCOUNTS.newMember;
const [B] = ACCOUNTS.members as unknown as [string];
/** Not onboarded. */
const X = ACCOUNTS.members[2] as string;
const LOG_ARCHIVE = ACCOUNTS.logArchive;
const CLOUDTRAIL = 'cloudtrail.amazonaws.com';

/** Onboarded: A and B. */
const bucketPolicy = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A, B], dest).document;
const keyPolicy = renderKeyPolicy(INITIAL_KEY_POLICY, [A, B], dest).document;

/** A log file key as CloudTrail writes it. */
function logObject(account: string, prefix = 'cloudtrail/'): string {
  return `arn:aws:s3:::${BUCKET}/${prefix}AWSLogs/${account}/CloudTrail/eu-west-1/2024/05/01/${account}_CloudTrail_eu-west-1_20240501T0000Z_abc.json.gz`;
}

/** The request context CloudTrail presents when its trail in `account` delivers. */
function deliveryContext(account: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'aws:SourceArn': trailArnOf(account), 'aws:SourceAccount': account, 'aws:SecureTransport': 'true', ...extra };
}

const allowAssumeRole: Record<string, PolicyDocument> = {
  AllowAssumeRole: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
};

describe('the rendered bucket policy', () => {
  it.each<[string, string, string, Record<string, string>, boolean]>([
    ['lets an onboarded trail write its own logs with bucket-owner-full-control', A, logObject(A), deliveryContext(A, { 's3:x-amz-acl': 'bucket-owner-full-control' }), true],
    ['lets the other onboarded trail write its own logs', B, logObject(B), deliveryContext(B, { 's3:x-amz-acl': 'bucket-owner-full-control' }), true],
    ['denies a trail of an account that is not onboarded', X, logObject(X), deliveryContext(X, { 's3:x-amz-acl': 'bucket-owner-full-control' }), false],
    ['denies a write without the ACL header', A, logObject(A), deliveryContext(A), false],
    ['denies a write with another ACL', A, logObject(A), deliveryContext(A, { 's3:x-amz-acl': 'private' }), false],
    ['denies a write outside the configured prefix', A, logObject(A, ''), deliveryContext(A, { 's3:x-amz-acl': 'bucket-owner-full-control' }), false],
    ['denies a write to the prefix of an account that is not onboarded', A, logObject(X), deliveryContext(A, { 's3:x-amz-acl': 'bucket-owner-full-control' }), false],
    ['denies an onboarded trail of another name', A, logObject(A), { ...deliveryContext(A, { 's3:x-amz-acl': 'bucket-owner-full-control' }), 'aws:SourceArn': `arn:aws:cloudtrail:eu-west-1:${A}:trail/other` }, false],
    ['denies delivery over plain HTTP (the foreign deny still applies)', A, logObject(A), deliveryContext(A, { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SecureTransport': 'false' }), false],
  ])('%s', async (_label, _account, object, context, expected) => {
    // act
    const allowed = await isAllowed({ principal: CLOUDTRAIL, action: 's3:PutObject', resource: object, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: bucketPolicy });

    // assert
    expect(allowed).toBe(expected);
  });

  it.each([
    ['lets an onboarded trail check the bucket ACL', A, true],
    ['denies the ACL check to a trail that is not onboarded', X, false],
  ])('%s', async (_label, account, expected) => {
    // act
    const allowed = await isAllowed({
      principal: CLOUDTRAIL,
      action: 's3:GetBucketAcl',
      resource: `arn:aws:s3:::${BUCKET}`,
      resourceAccount: LOG_ARCHIVE,
      context: deliveryContext(account),
      resourcePolicy: bucketPolicy,
    });

    // assert
    expect(allowed).toBe(expected);
  });
});

describe('the rendered key policy', () => {
  it.each<[string, string, string, boolean]>([
    ['lets an onboarded trail generate a data key for its own trail', A, `arn:aws:cloudtrail:eu-west-1:${A}:trail/${'org-member-trail'}`, true],
    ['lets an onboarded trail of another region encrypt (the context pattern spans regions)', A, `arn:aws:cloudtrail:us-east-1:${A}:trail/org-member-trail`, true],
    ['denies an encryption context naming an account that is not onboarded', A, `arn:aws:cloudtrail:eu-west-1:${X}:trail/org-member-trail`, false],
  ])('%s', async (_label, sourceAccount, contextArn, expected) => {
    // prepare
    const context = { ...deliveryContext(sourceAccount), 'kms:EncryptionContext:aws:cloudtrail:arn': contextArn };

    // act
    const allowed = await isAllowed({ principal: CLOUDTRAIL, action: 'kms:GenerateDataKey', resource: KEY_ARN, resourceAccount: LOG_ARCHIVE, context, resourcePolicy: keyPolicy, mode: 'Discovery' });

    // assert
    expect(allowed).toBe(expected);
  });

  it('leaves exactly the per-account encryption-context condition for the test to check (iam-simulate cannot)', async () => {
    // act
    const d = await simulate({
      principal: CLOUDTRAIL,
      action: 'kms:GenerateDataKey',
      resource: KEY_ARN,
      resourceAccount: LOG_ARCHIVE,
      context: { ...deliveryContext(A), 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) },
      resourcePolicy: keyPolicy,
      mode: 'Discovery',
    });

    // assert
    expect(d.result).toBe('Allowed');
    expect(d.conditions).toMatchObject({
      conditionType: 'condition',
      op: 'StringLike',
      key: 'kms:EncryptionContext:aws:cloudtrail:arn',
      values: [`arn:aws:cloudtrail:*:${A}:trail/*`, `arn:aws:cloudtrail:*:${B}:trail/*`],
    });
    expect(conditionsHold(d.conditions, { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(X) })).toBe(false);
  });

  it.each([
    ['denies a trail that is not onboarded, whatever the encryption context', X, 'kms:GenerateDataKey'],
    ['denies DescribeKey to a trail that is not onboarded', X, 'kms:DescribeKey'],
  ])('%s', async (_label, account, action) => {
    // act
    const d = await simulate({
      principal: CLOUDTRAIL,
      action,
      resource: KEY_ARN,
      resourceAccount: LOG_ARCHIVE,
      context: { ...deliveryContext(account), 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnOf(A) },
      resourcePolicy: keyPolicy,
      mode: 'Discovery',
    });

    // assert
    expect(d.result).not.toBe('Allowed');
  });

  it('lets an onboarded trail describe the key', async () => {
    // act / assert
    await expect(
      isAllowed({ principal: CLOUDTRAIL, action: 'kms:DescribeKey', resource: KEY_ARN, resourceAccount: LOG_ARCHIVE, context: deliveryContext(A), resourcePolicy: keyPolicy }),
    ).resolves.toBe(true);
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
