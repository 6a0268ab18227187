/**
 * Evaluation helpers for tests: "could this happen now?" questions answered with iam-simulate on the
 * world's current documents, without making (or logging) a request.
 */
import { checkDelivery } from './delivery';
import { parseCallerArn } from './identity';
import { readPolicy } from './policy-doc';
import type { RequestContext } from './policy-eval';
import type { SimWorld } from './world';

/** The log-reading actions `canAccessLogs` answers for. */
export type LogAccessAction = 's3:GetObject' | 's3:ListBucket' | 'kms:Decrypt';

/** What is read. Bucket and key default to the world's seeded log archive. */
export interface LogAccessOptions {
  /** Object key for s3:GetObject. */
  readonly objectKey?: string;
  /** `s3:prefix` for s3:ListBucket. */
  readonly prefix?: string;
  /** Trail ARN in the encryption context of kms:Decrypt (`kms:EncryptionContext:aws:cloudtrail:arn`). */
  readonly trailArn?: string;
  readonly bucket?: string;
  readonly keyArn?: string;
}

/** Can CloudTrail deliver this trail's logs (bucket policy) and encrypt them (key policy; true without a key)? */
export async function canCloudTrailDeliver(world: SimWorld, trailArn: string): Promise<{ bucket: boolean; key: boolean }> {
  const trail = world.cloudtrail.getTrail(trailArn);
  if (!trail) throw new Error(`No trail ${trailArn} in the simulated world`);
  const result = await checkDelivery(world, trail);
  return { bucket: result.bucket === 'ok', key: result.key === 'ok' || result.key === 'none' };
}

/** Could `callerPrincipalArn` assume `roleArn` now? (role exists, its account is active, its trust policy allows) */
export async function canAssumeRole(world: SimWorld, callerPrincipalArn: string, roleArn: string): Promise<boolean> {
  const role = world.iam.roleByArn(roleArn);
  if (!role || world.accounts.get(role.accountId)?.state !== 'ACTIVE') return false;
  return world.evaluateTrust(parseCallerArn(callerPrincipalArn), role);
}

/**
 * Can a principal read CloudTrail logs? Decided by `world.authorize` (the identity policies of its
 * role, its permissions boundary, the SCPs of its account) with the bucket or key policy, same- and
 * cross-account rules included. A key policy statement for the key account's root delegates to IAM.
 */
export async function canAccessLogs(world: SimWorld, principalArn: string, action: LogAccessAction, options: LogAccessOptions = {}): Promise<boolean> {
  const caller = parseCallerArn(principalArn);
  if (caller.kind === 'assumed-role' && !(caller.roleName && world.iam.getRole(caller.accountId, caller.roleName))) return false;

  if (action === 'kms:Decrypt') {
    const keyArn = options.keyArn ?? world.logArchive?.keyArn;
    const key = keyArn ? world.kms.resolve(keyArn, caller.accountId, keyArn.split(':')[3] ?? '') : undefined;
    if (!key) throw new Error(`No key ${keyArn ?? '(none given, no log archive seeded)'} in the simulated world`);
    const context: RequestContext = options.trailArn ? { 'kms:EncryptionContext:aws:cloudtrail:arn': options.trailArn } : {};
    return (await world.authorize(caller, action, { arn: key.arn, accountId: key.accountId, policy: world.kms.effectivePolicy(key) }, context)).allowed;
  }

  const bucketName = options.bucket ?? world.logArchive?.bucketName;
  const bucket = bucketName ? world.s3.getBucket(bucketName) : undefined;
  if (!bucket) throw new Error(`No bucket ${bucketName ?? '(none given, no log archive seeded)'} in the simulated world`);
  const bucketArn = world.s3.bucketArn(bucket.name);
  const isGet = action === 's3:GetObject';
  if (isGet && options.objectKey === undefined) throw new Error('canAccessLogs(s3:GetObject) needs options.objectKey');
  const context: RequestContext = !isGet && options.prefix !== undefined ? { 's3:prefix': options.prefix } : {};
  const policy = bucket.policy === undefined ? undefined : readPolicy(bucket.policy);
  return (await world.authorize(caller, action, { arn: isGet ? `${bucketArn}/${options.objectKey}` : bucketArn, accountId: bucket.ownerAccountId, ...(policy ? { policy } : {}) }, context)).allowed;
}
