/**
 * The central bucket's policy. S3 has no conditional PutBucketPolicy, so writers are serialised by
 * the lease in lease-lock.ts (docs/DESIGN.md, shared-policy write protocol); this adapter only reads
 * and writes the text. It also reads whether the bucket encrypts with an S3 Bucket Key, which
 * decides a grant of the key policy (CloudTrail then needs kms:Decrypt).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html
 */
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, ListObjectsV2Command, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidPolicyDocument, type OnboardingError, PolicyTooLarge, ResourceNotFound } from '../shared/errors';
import { type AwsCall, awsErrorFacts, describeCall, isAwsError, mapAwsError, toOnboardingError } from './aws-errors';

/** Options of `BucketPolicyAdapter`. */
export interface BucketPolicyAdapterOptions {
  /**
   * Account expected to own the bucket (the log-archive account). When set, S3 refuses the call
   * (403 -> AccessDenied) if the bucket belongs to anyone else. Default: not checked.
   */
  expectedBucketOwner?: string;
}

/** Reads and writes the policy of one bucket. */
export class BucketPolicyAdapter {
  /**
   * @param client an S3Client with log-archive credentials.
   * @param bucket the configured `bucketName`.
   */
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly options: BucketPolicyAdapterOptions = {},
  ) {}

  /** The policy text, or `undefined` when the bucket has none. A missing bucket -> `ResourceNotFound`. */
  async get(): Promise<string | undefined> {
    const call: AwsCall = { service: 'S3', operation: 'GetBucketPolicy', target: this.bucket };
    try {
      const out = await this.client.send(
        new GetBucketPolicyCommand({ Bucket: this.bucket, ExpectedBucketOwner: this.options.expectedBucketOwner }),
      );
      return out.Policy;
    } catch (e) {
      if (isAwsError(e, 'NoSuchBucketPolicy')) return undefined;
      throw this.mapError(e, call);
    }
  }

  /** Replaces the policy with `text` (compact JSON). A rejected document -> `InvalidPolicyDocument`. */
  async put(text: string): Promise<void> {
    const call: AwsCall = { service: 'S3', operation: 'PutBucketPolicy', target: this.bucket };
    try {
      await this.client.send(
        new PutBucketPolicyCommand({
          Bucket: this.bucket,
          Policy: text,
          ExpectedBucketOwner: this.options.expectedBucketOwner,
        }),
      );
    } catch (e) {
      // S3's answer to a policy over 20 KB (the domain checks the size first; this is the backstop).
      if (isAwsError(e, 'PolicyTooLarge')) {
        throw mapAwsError(
          PolicyTooLarge,
          `${describeCall(call)}: S3 refused the bucket policy as larger than its 20 KB limit (${awsErrorFacts(e).message}).`,
          e,
          call,
        );
      }
      if (isAwsError(e, 'MalformedPolicy')) {
        // Our bucket statements name only the CloudTrail service principal, so an "invalid principal"
        // here is not IAM propagation: the document itself is wrong.
        throw mapAwsError(
          InvalidPolicyDocument,
          `${describeCall(call)}: S3 rejected the rendered bucket policy (${awsErrorFacts(e).message}).`,
          e,
          call,
        );
      }
      throw this.mapError(e, call);
    }
  }

  /**
   * Whether the bucket's default encryption uses an S3 Bucket Key (GetBucketEncryption,
   * permission `s3:GetEncryptionConfiguration`): a rule with `BucketKeyEnabled` and a KMS algorithm
   * (a bucket key means nothing for SSE-S3). A bucket without a configuration
   * (ServerSideEncryptionConfigurationNotFoundError) has none. A missing bucket -> `ResourceNotFound`.
   */
  async bucketKeyEnabled(): Promise<boolean> {
    const call: AwsCall = { service: 'S3', operation: 'GetBucketEncryption', target: this.bucket };
    try {
      const out = await this.client.send(
        new GetBucketEncryptionCommand({ Bucket: this.bucket, ExpectedBucketOwner: this.options.expectedBucketOwner }),
      );
      return (out.ServerSideEncryptionConfiguration?.Rules ?? []).some(
        (r) => r.BucketKeyEnabled === true && (r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? '').startsWith('aws:kms'),
      );
    } catch (e) {
      if (isAwsError(e, 'ServerSideEncryptionConfigurationNotFoundError')) return false;
      throw this.mapError(e, call);
    }
  }

  private mapError(e: unknown, call: AwsCall): OnboardingError {
    if (isAwsError(e, 'NoSuchBucket')) {
      return mapAwsError(
        ResourceNotFound,
        `${describeCall(call)}: bucket ${this.bucket} does not exist. Check bucketName in the configuration.`,
        e,
        call,
      );
    }
    return toOnboardingError(e, call);
  }
}

/** A log file found in the central bucket. */
export interface FoundLogFile {
  readonly key: string;
  readonly lastModified?: Date;
}

/**
 * Finds delivered log files in the central bucket (log-archive credentials): whether the organization
 * trail has delivered an account's logs yet, before its per-account trail is deleted (migrateAccountTrails).
 * One ListObjectsV2 with MaxKeys 1: the first key under the prefix, in UTF-8 binary order.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
export class LogFileAdapter {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly options: BucketPolicyAdapterOptions = {},
  ) {}

  /** The first object under `prefix`, or `undefined` when there is none. */
  async first(prefix: string): Promise<FoundLogFile | undefined> {
    const call: AwsCall = { service: 'S3', operation: 'ListObjectsV2', target: `${this.bucket}/${prefix}` };
    try {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1, ExpectedBucketOwner: this.options.expectedBucketOwner }),
      );
      const first = out.Contents?.[0];
      if (!first?.Key) return undefined;
      return { key: first.Key, ...(first.LastModified ? { lastModified: first.LastModified } : {}) };
    } catch (e) {
      throw toOnboardingError(e, call);
    }
  }
}
