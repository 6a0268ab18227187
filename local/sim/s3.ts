/**
 * Simulated S3, bucket-level only: buckets with an owner account, a region and a bucket policy.
 *
 * Bucket-policy operations follow the PutBucketPolicy API reference: only identities of the bucket
 * owner's account may use them (another account gets 403 AccessDenied, or 405 MethodNotAllowed when
 * the bucket policy does grant it), and the owner's root user may always use them, even when the
 * policy denies it. Policies are limited to 20 KB.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
 */
import type * as s3 from '@aws-sdk/client-s3';
import { awsError } from './errors';
import type { Principal } from './identity';
import { asStrings, parsePolicy, rewriteAwsPrincipals, statementsOf, structuralProblem, utf8Bytes } from './policy-doc';
import type { OperationHandler, SimCall, SimServiceImpl } from './service';
import type { SimWorld } from './world';

/** A bucket. */
export interface SimBucket {
  readonly name: string;
  readonly ownerAccountId: string;
  readonly region: string;
  /** Bucket policy text, when one is set. */
  policy?: string;
}

/** Bucket policy size limit, bytes. */
export const BUCKET_POLICY_MAX_BYTES = 20 * 1024;

/** S3 of the world (one global bucket namespace). */
export class S3Sim implements SimServiceImpl {
  private readonly buckets = new Map<string, SimBucket>();

  constructor(private readonly world: SimWorld) {}

  targetAccount(_operation: string, input: Record<string, unknown>, caller: Principal): string {
    return this.buckets.get(String(input.Bucket))?.ownerAccountId ?? caller.accountId;
  }

  /** Creates a bucket (seeding; there is no CreateBucket operation). */
  addBucket(spec: { name: string; ownerAccountId: string; region: string; policy?: string | object }): SimBucket {
    if (this.buckets.has(spec.name)) throw new Error(`Bucket ${spec.name} already exists`);
    this.world.accounts.require(spec.ownerAccountId);
    const bucket: SimBucket = { name: spec.name, ownerAccountId: spec.ownerAccountId, region: spec.region };
    if (spec.policy !== undefined) bucket.policy = typeof spec.policy === 'string' ? spec.policy : JSON.stringify(spec.policy);
    this.buckets.set(spec.name, bucket);
    return bucket;
  }

  /** The bucket, or undefined. */
  getBucket(name: string): SimBucket | undefined {
    return this.buckets.get(name);
  }

  /** All buckets by name. */
  list(): SimBucket[] {
    return [...this.buckets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every bucket with its policy text, as plain JSON (persistence.ts). */
  exportState(): SimBucket[] {
    return this.list().map((b) => ({ ...b }));
  }

  /** Replaces every bucket with the persisted ones. */
  importState(buckets: readonly SimBucket[]): void {
    this.buckets.clear();
    for (const b of buckets) this.buckets.set(b.name, { ...b });
  }

  /** `arn:<p>:s3:::<bucket>`. */
  bucketArn(name: string): string {
    return `arn:${this.world.partition}:s3:::${name}`;
  }

  private requireBucket(call: SimCall<{ Bucket?: string }>): SimBucket {
    const bucket = this.buckets.get(String(call.input.Bucket));
    if (!bucket) awsError('NoSuchBucket', 'The specified bucket does not exist');
    if (bucket.region !== call.region) {
      awsError('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.');
    }
    return bucket;
  }

  /** Authorization of Get/Put/DeleteBucketPolicy (see the file comment). */
  private async authorizePolicyOperation(caller: Principal, bucket: SimBucket, action: string): Promise<void> {
    const sameAccount = caller.accountId === bucket.ownerAccountId;
    if (sameAccount && caller.kind === 'root') return;
    const result = await this.world.authorize(caller, action, {
      arn: this.bucketArn(bucket.name),
      accountId: bucket.ownerAccountId,
      policy: bucket.policy === undefined ? undefined : parsePolicy(bucket.policy),
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
      if (doc && rewriteAwsPrincipals(doc, (v) => (v === from ? to : v))) bucket.policy = JSON.stringify(doc);
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
      bucket.policy = this.checkPolicy(bucket, String(call.input.Policy));
      return {};
    },
    DeleteBucketPolicy: async (call) => {
      const bucket = this.requireBucket(call);
      await this.authorizePolicyOperation(call.caller, bucket, 's3:DeleteBucketPolicy');
      delete bucket.policy;
      return {};
    },
    HeadBucket: async ({ caller, input }) => {
      // A HEAD answer has no body: the SDK names a 404 `NotFound` and a 403 `Unknown`.
      const bucket = this.buckets.get(String(input.Bucket));
      if (!bucket) awsError('NotFound', 'UnknownError');
      const result = await this.world.authorize(caller, 's3:ListBucket', {
        arn: this.bucketArn(bucket.name),
        accountId: bucket.ownerAccountId,
        policy: bucket.policy === undefined ? undefined : parsePolicy(bucket.policy),
      });
      if (!result.allowed) awsError('Unknown', 'UnknownError');
      return { BucketRegion: bucket.region, AccessPointAlias: false };
    },
  } satisfies {
    GetBucketPolicy: OperationHandler<s3.GetBucketPolicyCommandInput, s3.GetBucketPolicyCommandOutput>;
    PutBucketPolicy: OperationHandler<s3.PutBucketPolicyCommandInput, s3.PutBucketPolicyCommandOutput>;
    DeleteBucketPolicy: OperationHandler<s3.DeleteBucketPolicyCommandInput, s3.DeleteBucketPolicyCommandOutput>;
    HeadBucket: OperationHandler<s3.HeadBucketCommandInput, s3.HeadBucketCommandOutput>;
  };
}
