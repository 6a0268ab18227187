/**
 * Can CloudTrail deliver a trail's log files? Decided by evaluating the bucket policy and the key
 * policy with iam-simulate for the requests CloudTrail itself makes, with the context it sends:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 *
 * Into a bucket with an S3 Bucket Key, CloudTrail also needs kms:Decrypt on the trail's key: "If you
 * are using an existing S3 bucket with an S3 Bucket Key, kms:Decrypt permissions are required to
 * create or update a trail with SSE-KMS encryption enabled" (the second page). The request is
 * modelled with the context of CloudTrail's other key requests (the trail as source, its ARN as
 * encryption context).
 */
import type { EvaluationResult, RequestContext } from './policy-eval';
import { evaluate } from './policy-eval';
import { parsePolicy } from './policy-doc';
import { usesBucketKey } from './s3';
import type { SimWorld } from './world';

/** The CloudTrail service principal. */
export const CLOUDTRAIL_PRINCIPAL = 'cloudtrail.amazonaws.com';

/** What delivery needs of a trail. */
export interface DeliveryTarget {
  readonly arn: string;
  readonly accountId: string;
  readonly homeRegion: string;
  readonly s3BucketName: string;
  readonly s3KeyPrefix?: string;
  readonly kmsKeyId?: string;
}

/** Outcome per resource: `none` means the trail does not use a key. */
export interface DeliveryCheck {
  readonly bucket: 'ok' | 'missing' | 'denied';
  readonly key: 'ok' | 'none' | 'missing' | 'disabled' | 'denied';
  /** The individual decisions, for diagnosis. */
  readonly decisions: Readonly<Record<string, EvaluationResult>>;
}

/**
 * Object key of a log file: `[prefix/]AWSLogs/<acct>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<file>`.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
 */
export function logObjectKey(target: DeliveryTarget, when: Date): string {
  const date = when.toISOString().slice(0, 10).replace(/-/g, '/');
  const stamp = when.toISOString().slice(0, 16).replace(/[-:]/g, '');
  const file = `${target.accountId}_CloudTrail_${target.homeRegion}_${stamp}Z_simulated.json.gz`;
  const prefix = target.s3KeyPrefix ? `${target.s3KeyPrefix}/` : '';
  return `${prefix}AWSLogs/${target.accountId}/CloudTrail/${target.homeRegion}/${date}/${file}`;
}

/** Evaluates CloudTrail's GetBucketAcl + PutObject and GenerateDataKey + DescribeKey (+ Decrypt with a bucket key) for a trail. */
export async function checkDelivery(world: SimWorld, target: DeliveryTarget): Promise<DeliveryCheck> {
  const decisions: Record<string, EvaluationResult> = {};
  // CloudTrail's requests carry the trail as source (confused-deputy protection): aws:SourceArn and
  // aws:SourceAccount, the keys CloudTrail documents for its S3 and its KMS requests
  // (create-s3-bucket-policy-for-cloudtrail.html, create-kms-key-policy-for-cloudtrail.html). Its S3
  // requests also carry the organization id (aws:SourceOrgID, which organization-wide bucket
  // statements use); its KMS requests are given only what CloudTrail documents for them.
  const orgId = world.orgIdOf(target.accountId);
  const kmsSource: RequestContext = {
    'aws:SourceArn': target.arn,
    'aws:SourceAccount': target.accountId,
    'aws:SecureTransport': 'true',
  };
  const source: RequestContext = { ...kmsSource, ...(orgId ? { 'aws:SourceOrgID': orgId } : {}) };

  let bucketState: DeliveryCheck['bucket'] = 'missing';
  const bucket = world.s3.getBucket(target.s3BucketName);
  if (bucket) {
    const policy = bucket.policy === undefined ? undefined : parsePolicy(bucket.policy);
    const bucketArn = world.s3.bucketArn(bucket.name);
    const ask = (action: string, resourceArn: string, context: RequestContext) =>
      evaluate({ principal: CLOUDTRAIL_PRINCIPAL, action, resourceArn, resourceAccount: bucket.ownerAccountId, context, resourcePolicy: policy });
    decisions['s3:GetBucketAcl'] = await ask('s3:GetBucketAcl', bucketArn, source);
    decisions['s3:PutObject'] = await ask('s3:PutObject', `${bucketArn}/${logObjectKey(target, world.now())}`, {
      ...source,
      's3:x-amz-acl': 'bucket-owner-full-control',
    });
    bucketState = decisions['s3:GetBucketAcl'].allowed && decisions['s3:PutObject'].allowed ? 'ok' : 'denied';
  }

  let keyState: DeliveryCheck['key'] = 'none';
  if (target.kmsKeyId !== undefined) {
    const key = world.kms.resolve(target.kmsKeyId, target.accountId, target.homeRegion);
    // The key must be in the bucket's region (CreateTrail API reference, KmsKeyNotFoundException).
    if (!key || (bucket && key.region !== bucket.region)) keyState = 'missing';
    else if (key.keyState !== 'Enabled') keyState = 'disabled';
    else {
      const policy = world.kms.effectivePolicy(key);
      const ask = (action: string, context: RequestContext) =>
        evaluate({ principal: CLOUDTRAIL_PRINCIPAL, action, resourceArn: key.arn, resourceAccount: key.accountId, context, resourcePolicy: policy });
      decisions['kms:GenerateDataKey'] = await ask('kms:GenerateDataKey', {
        ...kmsSource,
        'kms:EncryptionContext:aws:cloudtrail:arn': target.arn,
      });
      decisions['kms:DescribeKey'] = await ask('kms:DescribeKey', kmsSource);
      if (bucket && usesBucketKey(bucket)) {
        decisions['kms:Decrypt'] = await ask('kms:Decrypt', { ...kmsSource, 'kms:EncryptionContext:aws:cloudtrail:arn': target.arn });
      }
      keyState = Object.entries(decisions).every(([action, d]) => !action.startsWith('kms:') || d.allowed) ? 'ok' : 'denied';
    }
  }
  return { bucket: bucketState, key: keyState, decisions };
}
