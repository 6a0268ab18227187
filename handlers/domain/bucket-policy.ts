/**
 * The central bucket's policy: the statements that let each onboarded account's trail deliver into
 * its own prefix, and only there.
 *
 * Compact encoding (docs/DESIGN.md, "Documents"): the accounts are listed once, in
 * `aws:SourceAccount`; the object resource is `<bucket>/[<prefix>/]AWSLogs/${aws:SourceAccount}/*`,
 * so a trail can only write under its own account's prefix; the `bucket-owner-full-control`
 * requirement is one Deny statement. The earlier explicit encoding (a trail ARN list and one
 * resource per account, which let onboarded account B's trail write under A's prefix) is still
 * read, so its accounts carry over when it is replaced.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-set-bucket-policy-for-multiple-accounts.html
 */
import { OWNERSHIP } from '../shared/config';
import { bucketArn, logObjectPrefix } from './arns';
import type { LogDestination, OrganizationTrailDestination } from './log-destination';
import { canonicalStatement, isOwnedStatement, type PolicyDocument, type PolicyRender, type PolicyStatement } from './policy-document';
import {
  accountsInOwnedConditions,
  accountsInSourceAccount,
  asList,
  CLOUDTRAIL_SERVICE_PRINCIPAL,
  grants,
  organizationTrailGranted,
  renderOrganizationTrailPolicy,
  renderSharedPolicy,
  SharingMode,
  SOURCE_ACCOUNT_VARIABLE,
  SOURCE_KEYS,
  sourceConditions,
  toGrantees,
  trailArnPattern,
  type Grantees,
} from './shared-policy';

/** Sids of the owned bucket-policy statements. */
export const BUCKET_POLICY_SIDS = {
  /** CloudTrail checks the bucket ACL and writes log files under its account's prefix. */
  delivery: `${OWNERSHIP.sidPrefix}Delivery`,
  /** Every log file CloudTrail writes must carry `bucket-owner-full-control`. */
  requireOwnerAcl: `${OWNERSHIP.sidPrefix}RequireOwnerAcl`,
} as const;

/** Sids of the owned statements of `trailMode` `organization` (the organization trail's). */
export const ORGANIZATION_BUCKET_POLICY_SIDS = {
  /** CloudTrail checks the bucket ACL for the organization trail. */
  aclCheck: `${OWNERSHIP.sidPrefix}OrganizationAclCheck`,
  /** The organization trail writes the management account's and the members' log files. */
  write: `${OWNERSHIP.sidPrefix}OrganizationWrite`,
} as const;

/** Sids of the earlier explicit encoding, recognised (and replaced) when found. */
export const LEGACY_BUCKET_POLICY_SIDS = {
  aclCheck: `${OWNERSHIP.sidPrefix}AclCheck`,
  write: `${OWNERSHIP.sidPrefix}Write`,
} as const;

/**
 * CloudTrail sets this canned ACL on every object; requiring it keeps the bucket owner the owner
 * of the logs. https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 */
export const BUCKET_OWNER_FULL_CONTROL = 'bucket-owner-full-control';

/** `arn:<p>:s3:::<bucket>/[<prefix>/]AWSLogs/`: where every account's prefix starts. */
function logsRoot(dest: LogDestination): string {
  return `${bucketArn(dest.partition, dest.bucketName)}/${dest.logPrefix ? `${dest.logPrefix}/` : ''}AWSLogs/`;
}

/**
 * The object resource of the delivery grant: `<bucket>/[<prefix>/]AWSLogs/${aws:SourceAccount}/*`.
 * The variable resolves to the account of the trail making the request, so each account can only
 * write its own prefix. A policy variable may stand in the resource part of an ARN:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
export function ownLogObjectsResource(dest: LogDestination): string {
  return `${bucketArn(dest.partition, dest.bucketName)}/${logObjectPrefix(dest.logPrefix, SOURCE_ACCOUNT_VARIABLE)}*`;
}

/**
 * The owned statements for these grantees (none for an empty account list):
 * - `Delivery`: Allow CloudTrail `s3:GetBucketAcl` on the bucket and `s3:PutObject` on its own
 *   account's prefix, for the listed accounts (or the organization) and the configured trail name;
 * - `RequireOwnerAcl`: Deny CloudTrail `s3:PutObject` of such a trail under `AWSLogs/` without
 *   `bucket-owner-full-control`. Expressed once, as a Deny, because `s3:GetBucketAcl` requests carry
 *   no `s3:x-amz-acl`; scoped to the configured trail name so it never changes what foreign
 *   statements grant to other writers.
 */
export function ownedBucketStatements(grantees: Grantees | readonly string[], dest: LogDestination): PolicyStatement[] {
  const who = toGrantees(grantees);
  if (who.mode === SharingMode.accounts && who.accounts.length === 0) return [];
  return [
    canonicalStatement({
      Sid: BUCKET_POLICY_SIDS.delivery,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: ['s3:GetBucketAcl', 's3:PutObject'],
      Resource: [bucketArn(dest.partition, dest.bucketName), ownLogObjectsResource(dest)],
      Condition: sourceConditions(who, dest),
    }),
    canonicalStatement({
      Sid: BUCKET_POLICY_SIDS.requireOwnerAcl,
      Effect: 'Deny',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 's3:PutObject',
      Resource: `${logsRoot(dest)}*`,
      Condition: {
        StringNotEquals: { 's3:x-amz-acl': BUCKET_OWNER_FULL_CONTROL },
        ArnLike: { [SOURCE_KEYS.arn]: trailArnPattern(dest) },
      },
    }),
  ];
}

/**
 * The owned statements of `trailMode` `organization`, AWS's documented bucket policy for an
 * organization trail (seed 000/003) pinned to that one trail:
 * - `OrganizationAclCheck`: Allow CloudTrail `s3:GetBucketAcl` on the bucket;
 * - `OrganizationWrite`: Allow CloudTrail `s3:PutObject` on `[<prefix>/]AWSLogs/<management-account>/*`
 *   (the management account's own logs) and `[<prefix>/]AWSLogs/<org-id>/*` (every member's), only
 *   with `s3:x-amz-acl` = `bucket-owner-full-control`.
 * Both with `StringEquals aws:SourceArn` = the organization trail's ARN (the confused-deputy guard AWS
 * recommends; for an organization trail `aws:SourceAccount` would be the management account, so the
 * ARN is the tighter key). No account is listed: the organization trail is the only writer.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html#org-trail-bucket-policy
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html#cloudtrail-s3-bucket-policy-confused-deputy
 */
export function organizationBucketStatements(dest: LogDestination, trail: OrganizationTrailDestination): PolicyStatement[] {
  const bucket = bucketArn(dest.partition, dest.bucketName);
  const source = { [SOURCE_KEYS.arn]: trail.arn };
  return [
    canonicalStatement({
      Sid: ORGANIZATION_BUCKET_POLICY_SIDS.aclCheck,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 's3:GetBucketAcl',
      Resource: bucket,
      Condition: { StringEquals: source },
    }),
    canonicalStatement({
      Sid: ORGANIZATION_BUCKET_POLICY_SIDS.write,
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 's3:PutObject',
      Resource: [`${bucket}/${logObjectPrefix(dest.logPrefix, trail.managementAccountId)}*`, `${bucket}/${logObjectPrefix(dest.logPrefix, trail.organizationId)}*`],
      Condition: { StringEquals: { ...source, 's3:x-amz-acl': BUCKET_OWNER_FULL_CONTROL } },
    }),
  ];
}

/**
 * Accounts the owned statements list now: `aws:SourceAccount` (this encoding), plus, from the
 * earlier explicit encoding, the trail ARNs in `aws:SourceArn` and the per-account PutObject
 * resources of this bucket. The union, so that a half-edited statement is repaired on the next
 * render, and a changed prefix or trail name moves every account rather than dropping it. An
 * organization-wide policy lists none.
 */
export function accountsInBucketPolicy(doc: PolicyDocument, dest: LogDestination): string[] {
  const found = new Set([...accountsInSourceAccount(doc), ...accountsInOwnedConditions(doc, [SOURCE_KEYS.arn])]);
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
 * True when the bucket policy already lets `accountId`'s trail deliver: listed, or granted
 * organization-wide for the configured organization (see `grants` in shared-policy.ts).
 */
export function bucketPolicyGrants(doc: PolicyDocument, accountId: string, dest: LogDestination): boolean {
  if (dest.organizationTrail) return organizationTrailGranted(doc, organizationBucketStatements(dest, dest.organizationTrail));
  return grants(doc, accountId, dest, accountsInBucketPolicy);
}

/**
 * Renders the bucket policy that grants exactly `accounts` (or, past the limit, the organization),
 * keeping every foreign statement unchanged and in place.
 *
 * @param currentText - the policy as GetBucketPolicy returned it; `undefined` when there is none.
 * @param accounts - every account to grant (usually current ∪ member set); sorted and de-duplicated.
 * In `trailMode` `organization` (`dest.organizationTrail`), the organization trail's statements
 * instead (`organizationBucketStatements`, `renderOrganizationTrailPolicy`): `accounts` adds nothing.
 *
 * @throws PolicyTooLarge when a write is due, the account list does not fit 20 KB and no organization
 *   id is configured; the message names the limit and how many accounts fit. Nothing is written.
 * @throws InvalidPolicyDocument when the current text is not a policy.
 */
export function renderBucketPolicy(currentText: string | undefined, accounts: readonly string[], dest: LogDestination): PolicyRender {
  if (dest.organizationTrail) {
    // Organization mode: the organization trail's statements; `accounts` adds nothing (no per-account statement).
    return renderOrganizationTrailPolicy({
      kind: 'bucketPolicy',
      what: `bucket policy of ${dest.bucketName}`,
      currentText,
      statements: organizationBucketStatements(dest, dest.organizationTrail),
      accountsIn: (doc) => accountsInBucketPolicy(doc, dest),
      ...(dest.retiredAccountTrails?.length ? { retire: { accounts: dest.retiredAccountTrails, perAccount: (accounts) => ownedBucketStatements(accounts, dest) } } : {}),
    });
  }
  return renderSharedPolicy({
    kind: 'bucketPolicy',
    what: `bucket policy of ${dest.bucketName}`,
    currentText,
    accounts,
    organizationId: dest.organizationId,
    owned: (grantees) => ownedBucketStatements(grantees, dest),
  });
}
