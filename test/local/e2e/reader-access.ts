/**
 * Reading an account's logs as its own administrator, through the real SDK clients against the
 * simulated world: AssumeRole of a reader role (with session tags for the shared one), then S3
 * ListObjectsV2 / GetObject and KMS Decrypt with the session's credentials. Shared by the shared
 * reader role's tests.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient, type AssumeRoleCommandInput, type Tag } from '@aws-sdk/client-sts';
import { createClient } from '../../../handlers/shared/clients';
import { SHARED_READER_SESSION_TAG } from '../../../handlers/domain/roles';
import { DEMO, type SimWorld } from '../../../local/sim';

export const BUCKET = DEMO.bucketName;
export const REGION = DEMO.region;
export const sharedRoleArn = `arn:aws:iam::${DEMO.logArchiveAccountId}:role/CloudTrailOnboarding-LogReader`;
export const prefixOf = (accountId: string) => `${DEMO.logPrefix}/AWSLogs/${accountId}/`;
export const trailOf = (accountId: string) => `arn:aws:cloudtrail:${REGION}:${accountId}:trail/${DEMO.trailName}`;
export const ownTag = (accountId: string): Tag[] => [{ Key: SHARED_READER_SESSION_TAG, Value: accountId }];

/** Credentials of a session as the SDK takes them. */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Puts a log file of the account's trail into the bucket, as CloudTrail delivers it (SSE-KMS, the trail as source). */
export function putLogFile(world: SimWorld, accountId: string, keyArn: string, name = 'log'): string {
  const key = `${prefixOf(accountId)}CloudTrail/${REGION}/2026/12/01/${accountId}_CloudTrail_${REGION}_${name}.json.gz`;
  world.s3.putObject(BUCKET, { key, lastModified: world.now(), sseKmsKeyId: keyArn, sourceArn: trailOf(accountId) });
  return key;
}

/** The error name a call fails with, or 'ok'. */
export async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    return (e as Error).name;
  }
}

/** An account's administrator (OrganizationAccountAccessRole session) or any other principal of the world. */
export function principalCredentials(world: SimWorld, principalArn: string): SessionCredentials {
  return world.credentialsFor(principalArn);
}

/** AssumeRole through the real STS client as `credentials`; returns the new session's credentials. */
export async function assumeRole(credentials: SessionCredentials, input: Partial<AssumeRoleCommandInput> & { RoleArn: string }): Promise<SessionCredentials> {
  const sts = createClient(STSClient, { region: REGION, credentials });
  try {
    const out = await sts.send(new AssumeRoleCommand({ RoleSessionName: 'read-logs', ...input }));
    return { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
  } finally {
    sts.destroy();
  }
}

/** What a session may do with the logs: list a prefix, read an object, decrypt under a trail's context. */
export function logReader(world: SimWorld, credentials: SessionCredentials, keyArn: string) {
  const s3 = createClient(S3Client, { region: REGION, credentials });
  const kms = createClient(KMSClient, { region: REGION, credentials });
  return {
    list: (prefix?: string) => s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ...(prefix !== undefined ? { Prefix: prefix } : {}) })),
    get: (key: string) => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })),
    decrypt: (trailArn: string) => {
      const context = { 'aws:cloudtrail:arn': trailArn };
      return kms.send(new DecryptCommand({ CiphertextBlob: world.kms.ciphertextFor(keyArn, context), EncryptionContext: context }));
    },
    /** 'ok' or the error name of each: list the account's prefix, get its object, decrypt under its trail. */
    async can(accountId: string, objectKey: string): Promise<{ list: string; get: string; decrypt: string }> {
      return {
        list: await outcome(() => this.list(prefixOf(accountId))),
        get: await outcome(() => this.get(objectKey)),
        decrypt: await outcome(() => this.decrypt(trailOf(accountId))),
      };
    },
    destroy: () => {
      s3.destroy();
      kms.destroy();
    },
  };
}
