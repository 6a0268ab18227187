/**
 * ARNs and S3 key prefixes, built and read in one place so every document spells them the same way.
 * Format: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
import { build, parse, validate } from '@aws-sdk/util-arn-parser';

const ACCOUNT_ID = /^[0-9]{12}$/;

/**
 * ARN of a trail: `arn:<p>:cloudtrail:<region>:<account>:trail/<name>`. For a multi-region trail the
 * region is its home region, which is what CloudTrail puts in `aws:SourceArn`.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html#cloudtrail-s3-bucket-policy-confused-deputy
 */
export function trailArn(partition: string, region: string, accountId: string, trailName: string): string {
  return build({ partition, service: 'cloudtrail', region, accountId, resource: `trail/${trailName}` });
}

/**
 * ARN of an IAM role: `arn:<p>:iam::<account>:role<path><name>`; the path starts and ends with `/`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export function roleArn(partition: string, accountId: string, roleName: string, path = '/'): string {
  return build({ partition, service: 'iam', region: '', accountId, resource: `role${path}${roleName}` });
}

/** ARN of the account's root principal (`arn:<p>:iam::<account>:root`), i.e. "the account, as delegated by its IAM policies". */
export function accountRootArn(partition: string, accountId: string): string {
  return build({ partition, service: 'iam', region: '', accountId, resource: 'root' });
}

/** ARN of an S3 bucket: `arn:<p>:s3:::<bucket>` (S3 ARNs carry neither region nor account). */
export function bucketArn(partition: string, bucket: string): string {
  return build({ partition, service: 's3', region: '', accountId: '', resource: bucket });
}

/**
 * Key prefix under which CloudTrail writes one account's logs: `[<prefix>/]AWSLogs/<account>/`.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
 */
export function logObjectPrefix(logPrefix: string | undefined, accountId: string): string {
  return `${logPrefix ? `${logPrefix}/` : ''}AWSLogs/${accountId}/`;
}

/**
 * Key prefix under which an organization trail writes one member account's logs:
 * `[<prefix>/]AWSLogs/<org-id>/<account>/` (the management account's own logs go to
 * `[<prefix>/]AWSLogs/<management-account>/`, as for any trail).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
 */
export function organizationLogObjectPrefix(logPrefix: string | undefined, organizationId: string, accountId: string): string {
  return `${logObjectPrefix(logPrefix, organizationId)}${accountId}/`;
}

/**
 * ARN of the organization trail of `trailMode` `organization`: the configured existing trail
 * (`organizationTrail.arn`), else the service's own, `arn:<p>:cloudtrail:<homeRegion>:<management>:trail/<name>`.
 * An organization trail belongs to the management account even when a delegated administrator
 * created it ("The management account remains the owner of any CloudTrail organization resources the
 * delegated administrator creates": https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html),
 * and `aws:SourceArn` names it so ("The trail ARN must use the account ID of the management account":
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-an-organizational-trail-prepare.html).
 * `delegatedAdministratorAccountId` therefore never enters the ARN.
 */
export function organizationTrailArn(config: {
  readonly partition: string;
  readonly homeRegion: string;
  readonly managementAccountId: string;
  readonly organizationTrail: { readonly name: string; readonly arn?: string | undefined };
}): string {
  return config.organizationTrail.arn ?? trailArn(config.partition, config.homeRegion, config.managementAccountId, config.organizationTrail.name);
}

/**
 * The account id an ARN names, or `undefined` when the text is not an ARN or names no 12-digit
 * account (S3 ARNs, AWS managed policies such as `arn:aws:iam::aws:policy/...`).
 * Wildcards elsewhere in the ARN (`arn:aws:cloudtrail:*:<account>:trail/*`) are fine.
 */
export function accountIdFromArn(arn: string): string | undefined {
  if (!validate(arn)) return undefined;
  const { accountId } = parse(arn);
  return ACCOUNT_ID.test(accountId) ? accountId : undefined;
}

/** The parts of an ARN, or `undefined` when the text is not an ARN. */
export function parseArn(arn: string): ReturnType<typeof parse> | undefined {
  return validate(arn) ? parse(arn) : undefined;
}

/** True when `value` is an AWS account id: exactly 12 ASCII digits. */
export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_ID.test(value);
}
