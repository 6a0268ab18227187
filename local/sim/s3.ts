/**
 * Simulated S3, bucket-level only: buckets with an owner account, a region, a bucket policy and a
 * default encryption configuration (GetBucketEncryption; with an S3 Bucket Key CloudTrail needs
 * kms:Decrypt on a trail's key, see delivery.ts), and records of the objects CloudTrail delivers
 * (written by CloudTrail only; read with ListObjectsV2 and GetObject). A change to a bucket first lets
 * CloudTrail deliver what was due under the old state (`world.cloudtrail.beforeChange`).
 *
 * Object reads: ListObjectsV2 needs `s3:ListBucket` on the bucket with `s3:prefix` (when a Prefix is
 * given); GetObject needs `s3:GetObject` on the object and, for an SSE-KMS object, `kms:Decrypt` on its
 * key as the caller, with the object's encryption context (CloudTrail's `aws:cloudtrail:arn`, the
 * trail): S3 decrypts with the requester's permissions, and a denial is S3's 403 AccessDenied.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 *
 * Bucket-policy operations follow the PutBucketPolicy API reference: only identities of the bucket
 * owner's account may use them (another account gets 403 AccessDenied, or 405 MethodNotAllowed when
 * the bucket policy does grant it), and the owner's root user may always use them, even when the
 * policy denies it. Policies are limited to 20 KB.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
 */
import { Readable } from 'node:stream';
import type * as s3 from '@aws-sdk/client-s3';
import { awsError } from './errors';
import type { Principal } from './identity';
import { asStrings, parsePolicy, readPolicy, rewriteAwsPrincipals, statementsOf, structuralProblem, utf8Bytes } from './policy-doc';
import type { OperationHandler, SimCall, SimServiceImpl } from './service';
import type { SimWorld } from './world';

/**
 * A bucket's default encryption (one rule of its ServerSideEncryptionConfiguration).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionRule.html
 */
export interface SimBucketEncryption {
  readonly sseAlgorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  /** Key id or ARN (SSE-KMS only). */
  readonly kmsMasterKeyId?: string;
  /** S3 Bucket Key: S3 asks KMS for a bucket-level key instead of one data key per object (SSE-KMS only). */
  readonly bucketKeyEnabled: boolean;
}

/** A bucket. */
export interface SimBucket {
  readonly name: string;
  readonly ownerAccountId: string;
  readonly region: string;
  /** Bucket policy text, when one is set. */
  policy?: string;
  /** Default encryption, when a configuration is set (none: GetBucketEncryption answers ServerSideEncryptionConfigurationNotFoundError). */
  encryption?: SimBucketEncryption;
}

/** Whether objects written with SSE-KMS use an S3 Bucket Key (which needs a KMS algorithm). */
export function usesBucketKey(bucket: SimBucket): boolean {
  return bucket.encryption?.bucketKeyEnabled === true && bucket.encryption.sseAlgorithm !== 'AES256';
}

/**
 * An object written into a bucket. Only CloudTrail writes objects in the simulation (log and digest
 * files, see delivery.ts); there are no object operations, the records are what a test (or the
 * bench) reads back: which file arrived when.
 */
export interface SimObject {
  readonly key: string;
  /** When the object was written. */
  readonly lastModified: Date;
  /** SSE-KMS key ARN the object is encrypted with, when it is. */
  readonly sseKmsKeyId?: string;
  /** `aws:SourceArn` of the service request that wrote it (the trail's ARN for CloudTrail). */
  readonly sourceArn?: string;
  /**
   * The encryption context of an SSE-KMS object (CloudTrail's: `aws:cloudtrail:arn` and `aws:s3:arn`,
   * delivery.ts). Absent in objects written before it was modelled: `aws:cloudtrail:arn` = `sourceArn`.
   */
  readonly encryptionContext?: Readonly<Record<string, string>>;
}

/** An object as persisted (local/sim/persistence.ts): the date as an ISO string. */
export type PersistedObject = Omit<SimObject, 'lastModified'> & { readonly lastModified: string };

/** Bucket policy size limit, bytes. */
export const BUCKET_POLICY_MAX_BYTES = 20 * 1024;

/** S3 of the world (one global bucket namespace). */
export class S3Sim implements SimServiceImpl {
  private readonly buckets = new Map<string, SimBucket>();
  /** Objects per bucket, in the order they were written. */
  private readonly objects = new Map<string, SimObject[]>();

  constructor(private readonly world: SimWorld) {}

  targetAccount(_operation: string, input: Record<string, unknown>, caller: Principal): string {
    return this.buckets.get(String(input.Bucket))?.ownerAccountId ?? caller.accountId;
  }

  /** Creates a bucket (seeding; there is no CreateBucket operation). */
  addBucket(spec: { name: string; ownerAccountId: string; region: string; policy?: string | object; encryption?: SimBucketEncryption }): SimBucket {
    if (this.buckets.has(spec.name)) throw new Error(`Bucket ${spec.name} already exists`);
    this.world.accounts.require(spec.ownerAccountId);
    this.world.cloudtrail.beforeChange({ bucket: spec.name });
    const bucket: SimBucket = { name: spec.name, ownerAccountId: spec.ownerAccountId, region: spec.region };
    if (spec.policy !== undefined) bucket.policy = typeof spec.policy === 'string' ? spec.policy : JSON.stringify(spec.policy);
    if (spec.encryption !== undefined) bucket.encryption = { ...spec.encryption };
    this.buckets.set(spec.name, bucket);
    return bucket;
  }

  /** Sets (or, with `undefined`, removes) a bucket's default encryption (seeding; there is no PutBucketEncryption operation). */
  setDefaultEncryption(name: string, encryption: SimBucketEncryption | undefined): void {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new Error(`Bucket ${name} does not exist`);
    this.world.cloudtrail.beforeChange({ bucket: name });
    if (encryption === undefined) delete bucket.encryption;
    else bucket.encryption = { ...encryption };
  }

  /** The bucket, or undefined. */
  getBucket(name: string): SimBucket | undefined {
    return this.buckets.get(name);
  }

  /** All buckets by name. */
  list(): SimBucket[] {
    return [...this.buckets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every bucket with its policy text and encryption, as plain JSON (persistence.ts). */
  exportState(): SimBucket[] {
    return this.list().map((b) => ({ ...b, ...(b.encryption ? { encryption: { ...b.encryption } } : {}) }));
  }

  /** Replaces every bucket with the persisted ones (and, when given, the objects in them). */
  importState(buckets: readonly SimBucket[], objects: Readonly<Record<string, readonly PersistedObject[]>> = {}): void {
    this.buckets.clear();
    this.objects.clear();
    for (const b of buckets) this.buckets.set(b.name, { ...b, ...(b.encryption ? { encryption: { ...b.encryption } } : {}) });
    for (const [bucket, list] of Object.entries(objects)) {
      this.objects.set(bucket, list.map((o) => ({ ...o, lastModified: new Date(o.lastModified) })));
    }
  }

  /** The objects of every bucket that has some, as plain JSON (persistence.ts). */
  exportObjects(): Record<string, PersistedObject[]> {
    return Object.fromEntries(
      [...this.objects]
        .filter(([, list]) => list.length > 0)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([bucket, list]) => [bucket, list.map((o) => ({ ...o, lastModified: o.lastModified.toISOString() }))]),
    );
  }

  /** Records an object written into a bucket (CloudTrail's deliveries). The bucket must exist. */
  putObject(bucketName: string, object: SimObject): void {
    if (!this.buckets.has(bucketName)) throw new Error(`Bucket ${bucketName} does not exist`);
    const list = this.objects.get(bucketName) ?? [];
    list.push({ ...object });
    this.objects.set(bucketName, list);
  }

  /** The objects of a bucket whose key starts with `prefix`, oldest first (then by key). */
  listObjects(bucketName: string, prefix = ''): SimObject[] {
    return (this.objects.get(bucketName) ?? [])
      .filter((o) => o.key.startsWith(prefix))
      .sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || a.key.localeCompare(b.key));
  }

  /** Names of the buckets that hold objects. */
  bucketsWithObjects(): string[] {
    return [...this.objects.keys()].filter((b) => (this.objects.get(b)?.length ?? 0) > 0).sort();
  }

  /** `arn:<p>:s3:::<bucket>`. */
  bucketArn(name: string): string {
    return `arn:${this.world.partition}:s3:::${name}`;
  }

  private requireBucket(call: SimCall<{ Bucket?: string; ExpectedBucketOwner?: string }>): SimBucket {
    const bucket = this.buckets.get(String(call.input.Bucket));
    if (!bucket) awsError('NoSuchBucket', 'The specified bucket does not exist');
    if (bucket.region !== call.region) {
      awsError('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.');
    }
    // "If the account ID that you provide does not match the actual owner of the bucket, the request
    // fails with the HTTP status code 403 Forbidden (access denied)."
    if (call.input.ExpectedBucketOwner !== undefined && call.input.ExpectedBucketOwner !== bucket.ownerAccountId) awsError('AccessDenied', 'Access Denied');
    return bucket;
  }

  /** Authorization of a bucket-level read such as GetBucketEncryption: the caller's policies and the bucket policy. */
  private async authorizeBucketRead(caller: Principal, bucket: SimBucket, action: string, resourceArn = this.bucketArn(bucket.name), context: Record<string, string> = {}): Promise<void> {
    if (caller.accountId === bucket.ownerAccountId && caller.kind === 'root') return;
    const result = await this.world.authorize(caller, action, {
      arn: resourceArn,
      accountId: bucket.ownerAccountId,
      policy: bucket.policy === undefined ? undefined : readPolicy(bucket.policy),
    }, context);
    if (!result.allowed) awsError('AccessDenied', 'Access Denied');
  }

  /** Authorization of Get/Put/DeleteBucketPolicy (see the file comment). */
  private async authorizePolicyOperation(caller: Principal, bucket: SimBucket, action: string): Promise<void> {
    const sameAccount = caller.accountId === bucket.ownerAccountId;
    if (sameAccount && caller.kind === 'root') return;
    const result = await this.world.authorize(caller, action, {
      arn: this.bucketArn(bucket.name),
      accountId: bucket.ownerAccountId,
      policy: bucket.policy === undefined ? undefined : readPolicy(bucket.policy),
    });
    if (sameAccount && result.allowed) return;
    if (!sameAccount && result.allowed) awsError('MethodNotAllowed', 'The specified method is not allowed against this resource.');
    awsError('AccessDenied', 'Access Denied');
  }

  /** Validates a bucket policy as PutBucketPolicy does; returns the text S3 stores. */
  private checkPolicy(bucket: SimBucket, text: string): string {
    if (utf8Bytes(text) > BUCKET_POLICY_MAX_BYTES) awsError('PolicyTooLarge', 'Policy exceeds the maximum allowed document size.');
    const doc = text.trimStart().startsWith('{') ? parsePolicy(text) : undefined;
    if (!doc) awsError('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
    const problem = structuralProblem(doc, 'bucket');
    if (problem) awsError('MalformedPolicy', problem);
    const arn = this.bucketArn(bucket.name);
    for (const st of statementsOf(doc)) {
      if (!asStrings(st.Action ?? st.NotAction).every((a) => a === '*' || /^s3:/i.test(a))) awsError('MalformedPolicy', 'Policy has invalid action');
      if (!asStrings(st.Resource ?? st.NotResource).every((r) => r === arn || r.startsWith(`${arn}/`))) {
        awsError('MalformedPolicy', 'Policy has invalid resource');
      }
    }
    if (this.world.findInvalidPrincipal(doc)) awsError('MalformedPolicy', 'Invalid principal in policy');
    // S3 stores a bare account id principal as the account's root ARN.
    const changed = rewriteAwsPrincipals(doc, (v) => (/^\d{12}$/.test(v) ? `arn:${this.world.partition}:iam::${v}:root` : v));
    return changed ? JSON.stringify(doc) : text;
  }

  /** Rewrites a principal in every bucket policy (a deleted role becomes its unique id). */
  replaceInPolicies(from: string, to: string): void {
    for (const bucket of this.buckets.values()) {
      const doc = bucket.policy === undefined ? undefined : parsePolicy(bucket.policy);
      if (doc && rewriteAwsPrincipals(doc, (v) => (v === from ? to : v))) {
        this.world.cloudtrail.beforeChange({ bucket: bucket.name });
        bucket.policy = JSON.stringify(doc);
      }
    }
  }

  readonly operations = {
    GetBucketPolicy: async (call) => {
      const bucket = this.requireBucket(call);
      await this.authorizePolicyOperation(call.caller, bucket, 's3:GetBucketPolicy');
      if (bucket.policy === undefined) awsError('NoSuchBucketPolicy', 'The bucket policy does not exist');
      return { Policy: bucket.policy };
    },
    PutBucketPolicy: async (call) => {
      const bucket = this.requireBucket(call);
      await this.authorizePolicyOperation(call.caller, bucket, 's3:PutBucketPolicy');
      const policy = this.checkPolicy(bucket, String(call.input.Policy));
      // CloudTrail's deliveries until now were made under the old policy (delivery.ts).
      this.world.cloudtrail.beforeChange({ bucket: bucket.name });
      bucket.policy = policy;
      return {};
    },
    DeleteBucketPolicy: async (call) => {
      const bucket = this.requireBucket(call);
      await this.authorizePolicyOperation(call.caller, bucket, 's3:DeleteBucketPolicy');
      this.world.cloudtrail.beforeChange({ bucket: bucket.name });
      delete bucket.policy;
      return {};
    },
    GetBucketEncryption: async (call) => {
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html (action s3:GetEncryptionConfiguration)
      const bucket = this.requireBucket(call);
      await this.authorizeBucketRead(call.caller, bucket, 's3:GetEncryptionConfiguration');
      const e = bucket.encryption;
      if (!e) awsError('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found');
      return {
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: e.sseAlgorithm, ...(e.kmsMasterKeyId !== undefined ? { KMSMasterKeyID: e.kmsMasterKeyId } : {}) },
              BucketKeyEnabled: e.bucketKeyEnabled,
            },
          ],
        },
      };
    },
    ListObjectsV2: async (call) => {
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html (action s3:ListBucket)
      const bucket = this.requireBucket(call);
      const prefix = call.input.Prefix;
      await this.authorizeBucketRead(call.caller, bucket, 's3:ListBucket', this.bucketArn(bucket.name), prefix !== undefined ? { 's3:prefix': prefix } : {});
      const all = this.listObjects(bucket.name, prefix ?? '').sort((a, b) => a.key.localeCompare(b.key));
      const max = call.input.MaxKeys ?? 1000;
      const start = call.input.ContinuationToken ? Number(Buffer.from(call.input.ContinuationToken, 'base64').toString('utf8')) : 0;
      const page = all.slice(start, start + max);
      const truncated = start + max < all.length;
      return {
        Name: bucket.name,
        ...(prefix !== undefined ? { Prefix: prefix } : {}),
        KeyCount: page.length,
        MaxKeys: max,
        IsTruncated: truncated,
        ...(truncated ? { NextContinuationToken: Buffer.from(String(start + max)).toString('base64') } : {}),
        Contents: page.map((o) => ({ Key: o.key, LastModified: o.lastModified, Size: 0, StorageClass: 'STANDARD' })),
      };
    },
    GetObject: async (call) => {
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html: s3:GetObject on the object;
      // without s3:ListBucket a missing key is AccessDenied, as S3 answers.
      const bucket = this.requireBucket(call);
      const key = String(call.input.Key);
      await this.authorizeBucketRead(call.caller, bucket, 's3:GetObject', `${this.bucketArn(bucket.name)}/${key}`);
      const object = this.listObjects(bucket.name, key).find((o) => o.key === key);
      if (!object) awsError('NoSuchKey', 'The specified key does not exist.');
      if (object.sseKmsKeyId) {
        const kmsKey = this.world.kms.resolve(object.sseKmsKeyId, bucket.ownerAccountId, bucket.region);
        const encryption = object.encryptionContext ?? (object.sourceArn ? { 'aws:cloudtrail:arn': object.sourceArn } : {});
        // S3 calls KMS on the caller's behalf, so the request carries kms:ViaService = s3.<bucket region>.amazonaws.com
        // (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service).
        const context: Record<string, string> = {
          ...Object.fromEntries(Object.entries(encryption).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])),
          'kms:ViaService': `s3.${bucket.region}.amazonaws.com`,
        };
        const allowed = kmsKey !== undefined && (await this.world.authorize(call.caller, 'kms:Decrypt', { arn: kmsKey.arn, accountId: kmsKey.accountId, policy: this.world.kms.effectivePolicy(kmsKey) }, context)).allowed;
        if (!allowed) awsError('AccessDenied', 'Access Denied');
      }
      return {
        Body: Readable.from([Buffer.from('{"Records":[]}')]) as never,
        ContentLength: 14,
        ContentType: 'application/json',
        LastModified: object.lastModified,
        ...(object.sseKmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: object.sseKmsKeyId } : {}),
      };
    },
    HeadBucket: async ({ caller, input }) => {
      // A HEAD answer has no body: the SDK names a 404 `NotFound` and a 403 `Unknown`.
      const bucket = this.buckets.get(String(input.Bucket));
      if (!bucket) awsError('NotFound', 'UnknownError');
      const result = await this.world.authorize(caller, 's3:ListBucket', {
        arn: this.bucketArn(bucket.name),
        accountId: bucket.ownerAccountId,
        policy: bucket.policy === undefined ? undefined : readPolicy(bucket.policy),
      });
      if (!result.allowed) awsError('Unknown', 'UnknownError');
      return { BucketRegion: bucket.region, AccessPointAlias: false };
    },
  } satisfies {
    GetBucketPolicy: OperationHandler<s3.GetBucketPolicyCommandInput, s3.GetBucketPolicyCommandOutput>;
    PutBucketPolicy: OperationHandler<s3.PutBucketPolicyCommandInput, s3.PutBucketPolicyCommandOutput>;
    DeleteBucketPolicy: OperationHandler<s3.DeleteBucketPolicyCommandInput, s3.DeleteBucketPolicyCommandOutput>;
    GetBucketEncryption: OperationHandler<s3.GetBucketEncryptionCommandInput, s3.GetBucketEncryptionCommandOutput>;
    HeadBucket: OperationHandler<s3.HeadBucketCommandInput, s3.HeadBucketCommandOutput>;
    ListObjectsV2: OperationHandler<s3.ListObjectsV2CommandInput, s3.ListObjectsV2CommandOutput>;
    GetObject: OperationHandler<s3.GetObjectCommandInput, s3.GetObjectCommandOutput>;
  };
}
