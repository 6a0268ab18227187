/**
 * The central bucket's policy: the statements that let each onboarded account's trail deliver,
 * one explicit grant per account (AWS's documented multi-account form).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-set-bucket-policy-for-multiple-accounts.html
 */
import { OWNERSHIP } from '../shared/config';
import { bucketArn, logObjectPrefix } from './arns';
import type { LogDestination } from './log-destination';
import {
  canonicalStatement,
  isOwnedStatement,
  type PolicyDocument,
  type PolicyRender,
  type PolicyStatement,
} from './policy-document';
import {
  accountsInOwnedConditions,
  asList,
  CLOUDTRAIL_SERVICE_PRINCIPAL,
  normaliseAccounts,
  renderSharedPolicy,
  trailArns,
} from './shared-policy';

/** Sids of the owned bucket-policy statements. */
export const BUCKET_POLICY_SIDS = {
  /** CloudTrail checks the bucket ACL before it delivers. */
  aclCheck: `${OWNERSHIP.sidPrefix}AclCheck`,
  /** CloudTrail writes log files under each account's prefix. */
  write: `${OWNERSHIP.sidPrefix}Write`,
} as const;

/**
 * CloudTrail sets this canned ACL on every object; requiring it keeps the bucket owner the owner
 * of the logs. https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 */
export const BUCKET_OWNER_FULL_CONTROL = 'bucket-owner-full-control';

/**
 * The owned statements for these accounts (none for an empty list). `aws:SourceArn` is the
 * confused-deputy guard: only these accounts' trails may use the grant.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-set-bucket-policy-for-multiple-accounts.html
 */
export function ownedBucketStatements(accounts: readonly string[], dest: LogDestination): PolicyStatement[] {
  const accts = normaliseAccounts(accounts);
  if (accts.length === 0) return [];
  const bucket = bucketArn(dest.partition, dest.bucketName);
  const sourceArns = trailArns(accts, dest);
  return [
    canonicalStatement({
      Sid: BUCKET_POLICY_SIDS.aclCheck,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 's3:GetBucketAcl',
      Resource: bucket,
      Condition: { StringEquals: { 'aws:SourceArn': sourceArns } },
    }),
    canonicalStatement({
      Sid: BUCKET_POLICY_SIDS.write,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 's3:PutObject',
      Resource: accts.map((a) => `${bucket}/${logObjectPrefix(dest.logPrefix, a)}*`),
      Condition: {
        StringEquals: {
          's3:x-amz-acl': BUCKET_OWNER_FULL_CONTROL,
          'aws:SourceArn': sourceArns,
        },
      },
    }),
  ];
}

/**
 * Accounts the owned statements grant now: from the PutObject resources of this bucket and from
 * the trail ARNs in `aws:SourceArn`. The union, so that a half-edited statement is repaired on the
 * next render, and a changed prefix or trail name moves every account rather than dropping it.
 */
export function accountsInBucketPolicy(doc: PolicyDocument, dest: LogDestination): string[] {
  const found = new Set(accountsInOwnedConditions(doc, ['aws:SourceArn']));
  const objects = `${bucketArn(dest.partition, dest.bucketName)}/`;
  const perAccount = /(?:^|\/)AWSLogs\/([0-9]{12})\/\*$/;
  for (const s of doc.Statement.filter(isOwnedStatement)) {
    for (const r of asList(s.Resource)) {
      if (typeof r !== 'string' || !r.startsWith(objects)) continue;
      const m = perAccount.exec(r.slice(objects.length));
      if (m?.[1]) found.add(m[1]);
    }
  }
  return [...found].sort();
}

/**
 * Renders the bucket policy that grants exactly `accounts`, keeping every foreign statement.
 *
 * @param currentText - the policy as GetBucketPolicy returned it; `undefined` when there is none.
 * @param accounts - every account to grant (usually current ∪ member set); sorted and de-duplicated.
 * @throws PolicyTooLarge when a write is due and the result is over 20 KB (nothing is written).
 * @throws InvalidPolicyDocument when the current text is not a policy.
 */
export function renderBucketPolicy(currentText: string | undefined, accounts: readonly string[], dest: LogDestination): PolicyRender {
  return renderSharedPolicy({
    kind: 'bucketPolicy',
    what: `bucket policy of ${dest.bucketName}`,
    currentText,
    accounts,
    owned: (accts) => ownedBucketStatements(accts, dest),
  });
}
