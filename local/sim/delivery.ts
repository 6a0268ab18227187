/**
 * CloudTrail's deliveries: whether CloudTrail can write a trail's files (decided by evaluating the
 * bucket policy and the key policy with iam-simulate for the requests CloudTrail itself makes, with
 * the context it sends), and the log and digest files it writes on the world's clock.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 *
 * Into a bucket with an S3 Bucket Key, CloudTrail also needs kms:Decrypt on the trail's key: "If you
 * are using an existing S3 bucket with an S3 Bucket Key, kms:Decrypt permissions are required to
 * create or update a trail with SSE-KMS encryption enabled" (the second page). The request is
 * modelled with the context of CloudTrail's other key requests (the trail as source, its ARN as
 * encryption context). Creating or updating a trail also needs kms:DescribeKey; a delivery needs
 * what writing a file takes: s3:GetBucketAcl, s3:PutObject and, with a key, kms:GenerateDataKey.
 *
 * ## Deliveries on the clock
 * No timers: what CloudTrail would have delivered is computed when someone looks (GetTrailStatus,
 * `world.cloudtrail.deliver()`), from a schedule per trail:
 * - log files about every 5 minutes while the trail logs ("CloudTrail typically delivers logs within
 *   an average of about 5 minutes of an API call",
 *   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html),
 *   the first 5 minutes after StartLogging; a log file only when the trail records events (its event
 *   selectors select something, and the account is not marked idle: `setIdle`);
 * - with log file validation, a digest file every hour from the time logging (or validation) started,
 *   whether or not log files were delivered ("Empty" digest files); after StopLogging or turning
 *   validation off, one more digest file and then none: "the chain of digest files is broken after
 *   one hour ... The same applies whenever you stop CloudTrail logging or delete a trail"
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_UpdateTrail.html,
 *   EnableLogFileValidation; https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html);
 * - StopLogging "suspends the recording of AWS API calls and log file delivery"
 *   (API_StopLogging.html): no log file after it.
 * Each delivery is decided under the policies and key state in force at its time: every change to a
 * bucket policy, key policy, key state, trail, event selectors or idleness first records the
 * deliveries due until then with a copy of what they depend on (`beforeChange`), and the evaluation
 * (asynchronous) runs later on that copy. Code that changes such state directly (seeding, the
 * simulated CloudFormation) must call `world.cloudtrail.beforeChange` first to keep this exact.
 *
 * A failed delivery sets LatestDeliveryError (LatestDigestDeliveryError for a digest) and leaves
 * LatestDeliveryTime where it was; the files wait and are delivered with the next successful
 * delivery, for up to 30 days ("If you misconfigure your trail (for example, the S3 bucket is
 * unreachable), CloudTrail will attempt to redeliver the log files to your S3 bucket for 30 days",
 * get-and-view-cloudtrail-log-files.html). A successful delivery clears the error (AWS does not
 * document when the field is cleared; so the error always describes the latest attempt).
 *
 * The error texts: GetTrailStatus documents LatestDeliveryError as "any Amazon S3 error that
 * CloudTrail encountered", and an S3 error code is what AWS reports (`AccessDenied`, `NoSuchBucket`).
 * For a key CloudTrail cannot use, no text is documented: the KMS error name that KMS itself gives
 * (key-state.html: `DisabledException: <key ARN> is disabled.`, `KMSInvalidStateException: <key ARN>
 * is pending deletion.`; `NotFoundException`, `AccessDeniedException`) prefixed with `KMS.`, the form
 * in which S3 reports a KMS failure (`KMS.DisabledException`, `KMS.KMSInvalidStateException`).
 *
 * ## Organization trails
 * An organization trail writes every account's files under the organization's id: "For organization
 * trails, the log file object name includes the organization unit ID in the path, as follows:
 * bucket_name/prefix_name/AWSLogs/O-ID/Account ID/CloudTrail/Region/YYYY/MM/DD/file_name.json.gz"
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html). The
 * management account's own files go there too (`AWSLogs/<o-id>/<management>/`): the bucket policy AWS
 * documents for an organization trail grants `AWSLogs/<management>/*` only "in the event that the trail
 * is changed from an organization trail to a trail for that account only"
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-an-organizational-trail-by-using-the-aws-cli.html).
 * Digest files likewise (`AWSLogs/<o-id>/<account>/CloudTrail-Digest/...`, named by the account).
 * The accounts covered are the organization's ACTIVE members and the management account at the time
 * of each delivery (a member added later is covered from then on, one that left no more). CloudTrail's
 * requests for every account's files carry the organization trail as source: aws:SourceArn its ARN,
 * aws:SourceAccount the management account ("the management account ID for organization trails",
 * create-kms-key-policy-for-cloudtrail.html), aws:SourceOrgID the organization. Whether CloudTrail may
 * write (GetBucketAcl, the key) is decided once per delivery with the management account's file; each
 * member's PutObject is decided on its own key (members the bucket policy does not name literally share
 * one decision); a member whose file is refused gets no file, and LatestDeliveryError says AccessDenied.
 *
 * Encryption context: CloudTrail's GenerateDataKey "includes the following information for the
 * encryption context: The ARN of the CloudTrail trail; The ARN of the S3 bucket and path where the
 * CloudTrail log files are delivered" (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-kms-works-with-cloudtrail.html):
 * `aws:cloudtrail:arn` (the organization trail's ARN in the management account, for every member's file
 * too) and `aws:s3:arn` (`arn:aws:s3:::<bucket>/<object key>`). Each object records that context, and
 * GetObject decrypts with it (s3.ts), so a key policy or identity policy conditioned on
 * `kms:EncryptionContext:aws:s3:arn` scopes a reader to one account's prefix.
 *
 * Files are written in the trail's home region only (a multi-region trail also writes one set per
 * other region with activity; not modelled), named as CloudTrail names them:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
import { createHash } from 'node:crypto';
import type { EvaluationResult, RequestContext } from './policy-eval';
import { evaluate } from './policy-eval';
import { readPolicy } from './policy-doc';
import { usesBucketKey, type SimBucket } from './s3';
import type { SimWorld } from './world';

/** The CloudTrail service principal. */
export const CLOUDTRAIL_PRINCIPAL = 'cloudtrail.amazonaws.com';

/** Log files: "about every 5 minutes". */
export const LOG_DELIVERY_INTERVAL_MS = 5 * 60 * 1000;
/** Digest files: every hour. */
export const DIGEST_DELIVERY_INTERVAL_MS = 60 * 60 * 1000;
/** How long CloudTrail retries a file it could not deliver. */
export const REDELIVERY_WINDOW_MS = 30 * 24 * 3600 * 1000;

/** What delivery needs of a trail. */
export interface DeliveryTarget {
  readonly arn: string;
  readonly accountId: string;
  readonly homeRegion: string;
  readonly s3BucketName: string;
  readonly s3KeyPrefix?: string;
  readonly kmsKeyId?: string;
  /** An organization trail (of the management account) delivers every member's files. */
  readonly isOrganizationTrail?: boolean;
}

/** The accounts an organization trail delivers for, as a delivery saw them. */
export interface OrganizationScope {
  readonly id: string;
  /** ACTIVE members and the management account; `records`: whether the trail recorded events of the account. */
  readonly accounts: readonly { readonly id: string; readonly records: boolean }[];
}

/** Outcome per resource: `none` means the trail does not use a key. */
export interface DeliveryCheck {
  readonly bucket: 'ok' | 'missing' | 'denied';
  readonly key: 'ok' | 'none' | 'missing' | 'disabled' | 'pending-deletion' | 'denied';
  /** The individual decisions, for diagnosis. */
  readonly decisions: Readonly<Record<string, EvaluationResult>>;
}

/** Options of {@link checkDelivery}. */
export interface DeliveryCheckOptions {
  /**
   * `configure` (default): what CreateTrail/UpdateTrail check (kms:DescribeKey, and kms:Decrypt with a
   * bucket key, as well); `deliver`: what writing one file takes.
   */
  readonly purpose?: 'configure' | 'deliver';
  /** Object key of the PutObject request. Default: a log file's key at the world's time. */
  readonly objectKey?: string;
}

/** A key as a delivery saw it (plain JSON: a copy outlives later changes). */
export interface FrozenKey {
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
  readonly keyState: string;
  readonly policy: string;
}

/**
 * Everything a delivery depends on, copied at one moment: the trail's destination, the bucket (or
 * none: missing), the key (or none: missing, when the trail names one), and whether the trail
 * records any event. Plain JSON.
 */
export interface DeliveryEnvironment {
  readonly target: DeliveryTarget & { readonly name: string };
  readonly bucket?: SimBucket;
  readonly key?: FrozenKey;
  /** Whether the trail recorded any event (for an organization trail: of any account it covers). */
  readonly recordsEvents: boolean;
  /** For an organization trail: the organization and the accounts covered. */
  readonly organization?: OrganizationScope;
}

const iso = (t: number | Date): string => new Date(t).toISOString();

/** 16 letters and digits, derived from `seed` (CloudTrail's "UniqueString" has no meaning; deterministic here). */
export function uniqueString(seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = createHash('sha256').update(seed).digest();
  return [...bytes.subarray(0, 16)].map((b) => alphabet[b % alphabet.length]).join('');
}

const prefixOf = (target: DeliveryTarget): string => (target.s3KeyPrefix ? `${target.s3KeyPrefix}/` : '');
const datePath = (when: Date): string => when.toISOString().slice(0, 10).replace(/-/g, '/');

/**
 * Object key of a log file: `[prefix/]AWSLogs/<acct>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/
 * <acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<UniqueString>.json.gz`, the time being "when the log
 * file was delivered" (cloudtrail-log-file-examples.html).
 */
export function logObjectKey(target: DeliveryTarget, when: Date, unique?: string, organizationId?: string, accountId: string = target.accountId): string {
  const stamp = when.toISOString().slice(0, 16).replace(/[-:]/g, '');
  const u = unique ?? uniqueString(`${target.arn}|${accountId}|${when.getTime()}`);
  const file = `${accountId}_CloudTrail_${target.homeRegion}_${stamp}Z_${u}.json.gz`;
  return `${accountPath(target, organizationId, accountId)}/CloudTrail/${target.homeRegion}/${datePath(when)}/${file}`;
}

/** `[prefix/]AWSLogs/<acct>`, or `[prefix/]AWSLogs/<o-id>/<acct>` for an organization trail. */
function accountPath(target: DeliveryTarget, organizationId: string | undefined, accountId: string): string {
  return `${prefixOf(target)}AWSLogs/${organizationId ? `${organizationId}/` : ''}${accountId}`;
}

/**
 * Object key of a digest file: `[prefix/]AWSLogs/<acct>/CloudTrail-Digest/<region>/<yyyy>/<mm>/<dd>/
 * <acct>_CloudTrail-Digest_<region>_<trail-name>_<home-region>_<YYYYMMDDTHHmmssZ>.json.gz`, dated by
 * the end of the hour it covers (cloudtrail-log-file-validation-digest-file-structure.html).
 */
export function digestObjectKey(target: DeliveryTarget & { readonly name: string }, digestEnd: Date, organizationId?: string, accountId: string = target.accountId): string {
  const stamp = digestEnd.toISOString().slice(0, 19).replace(/[-:]/g, '');
  const file = `${accountId}_CloudTrail-Digest_${target.homeRegion}_${target.name}_${target.homeRegion}_${stamp}Z.json.gz`;
  return `${accountPath(target, organizationId, accountId)}/CloudTrail-Digest/${target.homeRegion}/${datePath(digestEnd)}/${file}`;
}

/** The encryption context CloudTrail encrypts an object with (see the file comment). */
export function encryptionContextOf(partition: string, target: DeliveryTarget, objectKey: string): Record<string, string> {
  return { 'aws:cloudtrail:arn': target.arn, 'aws:s3:arn': `arn:${partition}:s3:::${target.s3BucketName}/${objectKey}` };
}

/**
 * The organization an organization trail delivers for now: its id and the accounts covered (ACTIVE
 * members and the management account). `records(accountId)`: whether the trail records events of it.
 */
export function organizationScopeOf(world: SimWorld, target: DeliveryTarget, records: (accountId: string) => boolean = () => true): OrganizationScope | undefined {
  const organization = world.organization;
  if (!target.isOrganizationTrail || !organization || target.accountId !== organization.managementAccountId) return undefined;
  const accounts = world.accounts.list().filter((a) => a.inOrganization && a.state === 'ACTIVE');
  return { id: organization.id, accounts: accounts.map((a) => ({ id: a.id, records: records(a.id) })) };
}

/**
 * Copies what a delivery of `target` depends on, from the world as it is now. `accountRecords`: for
 * an organization trail, whether it records events of a covered account (default `recordsEvents`).
 */
export function freezeEnvironment(world: SimWorld, target: DeliveryTarget & { readonly name: string }, recordsEvents: boolean, accountRecords: (accountId: string) => boolean = () => recordsEvents): DeliveryEnvironment {
  const bucket = world.s3.getBucket(target.s3BucketName);
  const key = target.kmsKeyId === undefined ? undefined : world.kms.resolve(target.kmsKeyId, target.accountId, target.homeRegion);
  const organization = organizationScopeOf(world, target, accountRecords);
  return {
    target: {
      arn: target.arn,
      name: target.name,
      accountId: target.accountId,
      homeRegion: target.homeRegion,
      s3BucketName: target.s3BucketName,
      ...(target.s3KeyPrefix !== undefined ? { s3KeyPrefix: target.s3KeyPrefix } : {}),
      ...(target.kmsKeyId !== undefined ? { kmsKeyId: target.kmsKeyId } : {}),
      ...(target.isOrganizationTrail ? { isOrganizationTrail: true } : {}),
    },
    ...(bucket ? { bucket: { ...bucket, ...(bucket.encryption ? { encryption: { ...bucket.encryption } } : {}) } } : {}),
    ...(key ? { key: { arn: key.arn, accountId: key.accountId, region: key.region, keyState: key.keyState, policy: key.policy } } : {}),
    recordsEvents: organization ? organization.accounts.some((a) => a.records) : recordsEvents,
    ...(organization ? { organization } : {}),
  };
}

/**
 * Evaluates CloudTrail's GetBucketAcl + PutObject and GenerateDataKey (+ DescribeKey, + Decrypt with
 * a bucket key, to configure a trail) for a trail, under the world's current policies.
 */
export function checkDelivery(world: SimWorld, target: DeliveryTarget, options: DeliveryCheckOptions = {}): Promise<DeliveryCheck> {
  return checkDeliveryIn(world, freezeEnvironment(world, { name: '', ...target }, true), options);
}

/** {@link checkDelivery} under the policies of a copied environment. */
export async function checkDeliveryIn(world: SimWorld, env: DeliveryEnvironment, options: DeliveryCheckOptions = {}): Promise<DeliveryCheck> {
  const { target, bucket, key } = env;
  const purpose = options.purpose ?? 'configure';
  const decisions: Record<string, EvaluationResult> = {};
  // CloudTrail's requests carry the trail as source (confused-deputy protection): aws:SourceArn and
  // aws:SourceAccount, the keys CloudTrail documents for its S3 and its KMS requests
  // (create-s3-bucket-policy-for-cloudtrail.html, create-kms-key-policy-for-cloudtrail.html). Its S3
  // requests also carry the organization id (aws:SourceOrgID, which organization-wide bucket
  // statements use); its KMS requests are given only what CloudTrail documents for them.
  const orgId = world.orgIdOf(target.accountId);
  const objectKey = options.objectKey ?? logObjectKey(target, world.now(), undefined, env.organization?.id);
  const s3Arn = encryptionContextOf(world.partition, target, objectKey)['aws:s3:arn'];
  const kmsSource: RequestContext = {
    'aws:SourceArn': target.arn,
    'aws:SourceAccount': target.accountId,
    'aws:SecureTransport': 'true',
  };
  const source: RequestContext = { ...kmsSource, ...(orgId ? { 'aws:SourceOrgID': orgId } : {}) };

  let bucketState: DeliveryCheck['bucket'] = 'missing';
  if (bucket) {
    const policy = bucket.policy === undefined ? undefined : readPolicy(bucket.policy);
    const bucketArn = world.s3.bucketArn(bucket.name);
    const ask = (action: string, resourceArn: string, context: RequestContext) =>
      evaluate({ principal: CLOUDTRAIL_PRINCIPAL, action, resourceArn, resourceAccount: bucket.ownerAccountId, context, resourcePolicy: policy });
    decisions['s3:GetBucketAcl'] = await ask('s3:GetBucketAcl', bucketArn, source);
    decisions['s3:PutObject'] = await ask('s3:PutObject', `${bucketArn}/${objectKey}`, {
      ...source,
      's3:x-amz-acl': 'bucket-owner-full-control',
    });
    bucketState = decisions['s3:GetBucketAcl'].allowed && decisions['s3:PutObject'].allowed ? 'ok' : 'denied';
  }

  let keyState: DeliveryCheck['key'] = 'none';
  if (target.kmsKeyId !== undefined) {
    // The key must be in the bucket's region (CreateTrail API reference, KmsKeyNotFoundException).
    if (!key || (bucket && key.region !== bucket.region)) keyState = 'missing';
    else if (key.keyState === 'PendingDeletion') keyState = 'pending-deletion';
    else if (key.keyState !== 'Enabled') keyState = 'disabled';
    else {
      const policy = world.kms.effectivePolicy(key);
      const ask = (action: string, context: RequestContext) =>
        evaluate({ principal: CLOUDTRAIL_PRINCIPAL, action, resourceArn: key.arn, resourceAccount: key.accountId, context, resourcePolicy: policy });
      decisions['kms:GenerateDataKey'] = await ask('kms:GenerateDataKey', {
        ...kmsSource,
        'kms:EncryptionContext:aws:cloudtrail:arn': target.arn,
        'kms:EncryptionContext:aws:s3:arn': s3Arn,
      });
      if (purpose === 'configure') {
        decisions['kms:DescribeKey'] = await ask('kms:DescribeKey', kmsSource);
        if (bucket && usesBucketKey(bucket)) {
          decisions['kms:Decrypt'] = await ask('kms:Decrypt', { ...kmsSource, 'kms:EncryptionContext:aws:cloudtrail:arn': target.arn, 'kms:EncryptionContext:aws:s3:arn': s3Arn });
        }
      }
      keyState = Object.entries(decisions).every(([action, d]) => !action.startsWith('kms:') || d.allowed) ? 'ok' : 'denied';
    }
  }
  return { bucket: bucketState, key: keyState, decisions };
}

/** Whether CloudTrail's PutObject of `objectKey` is allowed by the environment's bucket policy (a member's file of an organization trail). */
export async function canWriteObject(world: SimWorld, env: DeliveryEnvironment, objectKey: string): Promise<boolean> {
  const { target, bucket } = env;
  if (!bucket) return false;
  const orgId = world.orgIdOf(target.accountId);
  const result = await evaluate({
    principal: CLOUDTRAIL_PRINCIPAL,
    action: 's3:PutObject',
    resourceArn: `${world.s3.bucketArn(bucket.name)}/${objectKey}`,
    resourceAccount: bucket.ownerAccountId,
    context: {
      'aws:SourceArn': target.arn,
      'aws:SourceAccount': target.accountId,
      'aws:SecureTransport': 'true',
      ...(orgId ? { 'aws:SourceOrgID': orgId } : {}),
      's3:x-amz-acl': 'bucket-owner-full-control',
    },
    resourcePolicy: bucket.policy === undefined ? undefined : readPolicy(bucket.policy),
  });
  return result.allowed;
}

/** The text GetTrailStatus reports for a failed delivery (see the file comment), or undefined when it works. */
export function deliveryErrorOf(check: DeliveryCheck): string | undefined {
  if (check.bucket === 'missing') return 'NoSuchBucket';
  if (check.bucket === 'denied') return 'AccessDenied';
  switch (check.key) {
    case 'missing':
      return 'KMS.NotFoundException';
    case 'disabled':
      return 'KMS.DisabledException';
    case 'pending-deletion':
      return 'KMS.KMSInvalidStateException';
    case 'denied':
      return 'KMS.AccessDeniedException';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------- schedule

/** A trail as the delivery schedule needs it (a SimTrail). */
export interface ScheduledTrail extends DeliveryTarget {
  readonly name: string;
  readonly isLogging: boolean;
  readonly logFileValidationEnabled: boolean;
}

/** A file CloudTrail delivered. */
export interface DeliveredFile {
  readonly bucket: string;
  readonly key: string;
  readonly kind: 'log' | 'digest';
  readonly trailArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly deliveredAt: Date;
  /** The organization's id, for a file of an organization trail (in its path). */
  readonly organizationId?: string;
  /** The encryption context the file was encrypted with (SSE-KMS). */
  readonly encryptionContext?: Readonly<Record<string, string>>;
}

/** What GetTrailStatus reports of a trail's deliveries. */
export interface DeliveryStatus {
  readonly latestDeliveryTime?: Date;
  readonly latestDeliveryError?: string;
  readonly latestDigestDeliveryTime?: Date;
  readonly latestDigestDeliveryError?: string;
}

/** Deliveries due at `times`, to be decided under `env`. */
interface Batch {
  readonly kind: 'log' | 'digest';
  readonly times: number[];
  readonly env: DeliveryEnvironment;
}

/** One trail's schedule and latest outcomes. Times in epoch milliseconds. */
interface TrailDelivery {
  /** Deliveries due until this time have been collected into `pending` or decided. */
  computedUntil: number;
  /** Next log file (undefined: not logging); files not delivered yet, by the time they were due. */
  log: { next?: number; backlog: number[] };
  /** Next digest (undefined: no digest chain); `final`: the chain ends with it; digests not delivered yet, by end time. */
  digest: { next?: number; final: boolean; backlog: number[] };
  pending: Batch[];
  latestDeliveryTime?: number;
  latestDeliveryError?: string;
  latestDigestDeliveryTime?: number;
  latestDigestDeliveryError?: string;
}

/** One trail's deliveries as persisted: times as ISO strings. */
export interface PersistedTrailDelivery {
  readonly computedUntil: string;
  readonly log: { readonly next?: string; readonly backlog: string[] };
  readonly digest: { readonly next?: string; readonly final: boolean; readonly backlog: string[] };
  readonly pending: { readonly kind: 'log' | 'digest'; readonly times: string[]; readonly env: DeliveryEnvironment }[];
  readonly latestDeliveryTime?: string;
  readonly latestDeliveryError?: string;
  readonly latestDigestDeliveryTime?: string;
  readonly latestDigestDeliveryError?: string;
}

/** The delivery state of every trail, as persisted. */
export interface PersistedDeliveries {
  /** Trail ARN -> deliveries. */
  readonly trails: Record<string, PersistedTrailDelivery>;
  /** Accounts marked idle (`setIdle`): their trails record no events. */
  readonly idleAccounts: string[];
}

const ms = (s: string): number => new Date(s).getTime();
const optional = <K extends string, V, R>(key: K, v: V | undefined, f: (v: V) => R): { [P in K]?: R } =>
  (v === undefined ? {} : { [key]: f(v) }) as { [P in K]?: R };

/**
 * The schedule and outcomes of every trail's deliveries (see the file comment). CloudTrailSim tells
 * it about StartLogging, StopLogging, validation changes and deletions; `collect` moves a trail's
 * schedule forward (synchronously, copying what the deliveries depend on); `drain` decides them.
 */
export class DeliverySchedule {
  private readonly trails = new Map<string, TrailDelivery>();
  private readonly idle = new Set<string>();
  /** Per trail, the end of the latest drain: drains of one trail run one after another. */
  private readonly draining = new Map<string, Promise<unknown>>();

  constructor(
    private readonly world: SimWorld,
    /** Whether a trail's event selectors select any event. */
    private readonly selectsEvents: (trailArn: string) => boolean,
  ) {}

  private now(): number {
    return this.world.now().getTime();
  }

  /** The state of a trail, created on first use (also for a trail saved before deliveries were modelled). */
  private state(trail: ScheduledTrail): TrailDelivery {
    let st = this.trails.get(trail.arn);
    if (!st) {
      const now = this.now();
      st = { computedUntil: now, log: { backlog: [] }, digest: { final: false, backlog: [] }, pending: [] };
      if (trail.isLogging) st.log.next = now + LOG_DELIVERY_INTERVAL_MS;
      if (trail.isLogging && trail.logFileValidationEnabled) st.digest.next = now + DIGEST_DELIVERY_INTERVAL_MS;
      this.trails.set(trail.arn, st);
    }
    return st;
  }

  /** Whether an account is marked idle. */
  isIdle(accountId: string): boolean {
    return this.idle.has(accountId);
  }

  /** Marks an account idle (its trails record no events) or active again. Collect its trails first. */
  setIdle(accountId: string, idle: boolean): void {
    if (idle) this.idle.add(accountId);
    else this.idle.delete(accountId);
  }

  /** A new trail: nothing is due until it logs. */
  created(trail: ScheduledTrail): void {
    this.trails.delete(trail.arn);
    this.state(trail);
  }

  /** StartLogging (call after `collect`): log files every 5 minutes; a digest chain with validation. */
  startedLogging(trail: ScheduledTrail): void {
    const st = this.state(trail);
    const now = this.now();
    st.log.next ??= now + LOG_DELIVERY_INTERVAL_MS;
    if (trail.logFileValidationEnabled) this.continueDigests(st, now);
  }

  /** StopLogging (call after `collect`): no more log files; one more digest. */
  stoppedLogging(trail: ScheduledTrail): void {
    const st = this.state(trail);
    delete st.log.next;
    if (st.digest.next !== undefined) st.digest.final = true;
  }

  /** Log file validation turned on or off (call after `collect`). */
  validationChanged(trail: ScheduledTrail, enabled: boolean): void {
    const st = this.state(trail);
    if (enabled && trail.isLogging) this.continueDigests(st, this.now());
    else if (!enabled && st.digest.next !== undefined) st.digest.final = true;
  }

  private continueDigests(st: TrailDelivery, now: number): void {
    if (st.digest.next === undefined) st.digest.next = now + DIGEST_DELIVERY_INTERVAL_MS;
    st.digest.final = false;
  }

  /** A deleted trail delivers nothing more (call after `collect` and `drain`). */
  deleted(trailArn: string): void {
    this.trails.delete(trailArn);
  }

  /** Whether anything is due by `until` or waiting to be decided. */
  hasWork(trail: ScheduledTrail, until: number): boolean {
    const st = this.state(trail);
    const due = (t: number | undefined) => t !== undefined && t <= until;
    return st.pending.length > 0 || (until > st.computedUntil && (due(st.log.next) || due(st.digest.next)));
  }

  /**
   * Moves a trail's schedule to `until` (default now): the deliveries due by then are queued with a
   * copy of the bucket, key and selectors as they are now, to be decided by `drain`.
   */
  collect(trail: ScheduledTrail, until = this.now()): void {
    // A key whose deletion date passed is deleted first, after what was due before that date.
    this.world.kms.expireDeletedKeys();
    const st = this.state(trail);
    if (until <= st.computedUntil) return;
    const logTimes: number[] = [];
    while (st.log.next !== undefined && st.log.next <= until) {
      logTimes.push(st.log.next);
      st.log.next += LOG_DELIVERY_INTERVAL_MS;
    }
    const digestTimes: number[] = [];
    while (st.digest.next !== undefined && st.digest.next <= until) {
      digestTimes.push(st.digest.next);
      if (st.digest.final) {
        delete st.digest.next;
        st.digest.final = false;
      } else st.digest.next += DIGEST_DELIVERY_INTERVAL_MS;
    }
    st.computedUntil = until;
    if (logTimes.length === 0 && digestTimes.length === 0) return;
    const selects = this.selectsEvents(trail.arn);
    const records = selects && !this.idle.has(trail.accountId);
    const env = freezeEnvironment(this.world, trail, records, (accountId) => selects && !this.idle.has(accountId));
    if (logTimes.length > 0) st.pending.push({ kind: 'log', times: logTimes, env });
    if (digestTimes.length > 0) st.pending.push({ kind: 'digest', times: digestTimes, env });
  }

  /** Decides the queued deliveries of a trail in order; returns the files delivered. */
  drain(trailArn: string): Promise<DeliveredFile[]> {
    const previous = this.draining.get(trailArn) ?? Promise.resolve();
    const run = previous.then(async () => {
      const delivered: DeliveredFile[] = [];
      const st = this.trails.get(trailArn);
      while (st && st.pending.length > 0) {
        const batch = st.pending.shift() as Batch;
        delivered.push(...(await this.decide(st, batch)));
      }
      return delivered;
    });
    const settled = run.catch(() => undefined);
    this.draining.set(trailArn, settled);
    void settled.then(() => {
      if (this.draining.get(trailArn) === settled) this.draining.delete(trailArn);
    });
    return run;
  }

  /** Decides one batch under its environment and records what was delivered. */
  private async decide(st: TrailDelivery, batch: Batch): Promise<DeliveredFile[]> {
    const { env, times, kind } = batch;
    const last = times[times.length - 1];
    const schedule = kind === 'log' ? st.log : st.digest;
    // A log file exists only when the trail recorded events; a waiting one is retried all the same.
    if (kind === 'log' && !env.recordsEvents && st.log.backlog.length === 0) return [];
    const orgId = env.organization?.id;
    const keyOf = (accountId: string, at: number) => (kind === 'log' ? logObjectKey(env.target, new Date(at), undefined, orgId, accountId) : digestObjectKey(env.target, new Date(at), orgId, accountId));
    const objectKey = keyOf(env.target.accountId, last);
    const error = deliveryErrorOf(await checkDeliveryIn(this.world, env, { purpose: 'deliver', objectKey }));
    if (error !== undefined) {
      if (kind === 'digest' || env.recordsEvents) schedule.backlog.push(...times);
      schedule.backlog = schedule.backlog.filter((t) => t > last - REDELIVERY_WINDOW_MS);
      if (kind === 'log') st.latestDeliveryError = error;
      else st.latestDigestDeliveryError = error;
      return [];
    }
    // The accounts whose files this trail writes: its own, or every account an organization trail covers
    // whose file the bucket policy lets CloudTrail write.
    const accounts = env.organization ? await this.writableAccounts(env, keyOf, last) : { allowed: [{ id: env.target.accountId, records: env.recordsEvents }], refused: false };
    const delivered: DeliveredFile[] = [];
    for (const t of times) {
      const waiting = schedule.backlog.filter((b) => b > t - REDELIVERY_WINDOW_MS);
      schedule.backlog = [];
      let any = false;
      for (const account of accounts.allowed) {
        const due = kind === 'digest' || account.records ? [...waiting, t] : waiting;
        due.forEach((dueAt, i) => {
          // A log file is named by its delivery time, a digest by the end of the hour it covers.
          const key = kind === 'log' ? logObjectKey(env.target, new Date(t), uniqueString(`${env.target.arn}|${account.id}|${t}|${i}`), orgId, account.id) : keyOf(account.id, dueAt);
          if (!this.world.s3.getBucket(env.target.s3BucketName)) return;
          const encryptionContext = env.target.kmsKeyId !== undefined ? encryptionContextOf(this.world.partition, env.target, key) : undefined;
          this.world.s3.putObject(env.target.s3BucketName, {
            key,
            lastModified: new Date(t),
            ...(env.target.kmsKeyId !== undefined ? { sseKmsKeyId: env.key?.arn ?? env.target.kmsKeyId } : {}),
            sourceArn: env.target.arn,
            ...(encryptionContext ? { encryptionContext } : {}),
          });
          delivered.push({
            bucket: env.target.s3BucketName,
            key,
            kind,
            trailArn: env.target.arn,
            accountId: account.id,
            region: env.target.homeRegion,
            deliveredAt: new Date(t),
            ...(orgId ? { organizationId: orgId } : {}),
            ...(encryptionContext ? { encryptionContext } : {}),
          });
          any = true;
        });
      }
      if (!any) continue;
      if (kind === 'log') st.latestDeliveryTime = t;
      else st.latestDigestDeliveryTime = t;
    }
    if (accounts.refused) {
      if (kind === 'log') st.latestDeliveryError = 'AccessDenied';
      else st.latestDigestDeliveryError = 'AccessDenied';
    } else if (kind === 'log') delete st.latestDeliveryError;
    else delete st.latestDigestDeliveryError;
    return delivered;
  }

  /**
   * The accounts of an organization trail's delivery whose file the bucket policy allows (the
   * management account's was decided with the trail). Accounts the policy does not name share one
   * decision: the policy can tell them apart only by a pattern over the account id, which no documented
   * policy uses.
   */
  private async writableAccounts(env: DeliveryEnvironment, keyOf: (accountId: string, at: number) => string, at: number): Promise<{ allowed: { id: string; records: boolean }[]; refused: boolean }> {
    const org = env.organization as OrganizationScope;
    const policy = env.bucket?.policy ?? '';
    let shared: boolean | undefined;
    const allowed: { id: string; records: boolean }[] = [];
    let refused = false;
    for (const account of org.accounts) {
      let ok: boolean;
      if (account.id === env.target.accountId) ok = true;
      else if (policy.includes(account.id)) ok = await canWriteObject(this.world, env, keyOf(account.id, at));
      else ok = shared ??= await canWriteObject(this.world, env, keyOf(account.id, at));
      if (ok) allowed.push(account);
      else refused = true;
    }
    return { allowed, refused };
  }

  /** The delivery fields of GetTrailStatus (as decided so far: collect and drain first). */
  status(trailArn: string): DeliveryStatus {
    const st = this.trails.get(trailArn);
    if (!st) return {};
    return {
      ...optional('latestDeliveryTime', st.latestDeliveryTime, (t) => new Date(t)),
      ...optional('latestDeliveryError', st.latestDeliveryError, (e) => e),
      ...optional('latestDigestDeliveryTime', st.latestDigestDeliveryTime, (t) => new Date(t)),
      ...optional('latestDigestDeliveryError', st.latestDigestDeliveryError, (e) => e),
    };
  }

  /** Every trail's state as plain JSON (persistence.ts). */
  exportState(): PersistedDeliveries {
    const trails = [...this.trails].sort(([a], [b]) => a.localeCompare(b));
    return {
      trails: Object.fromEntries(
        trails.map(([arn, st]) => [
          arn,
          {
            computedUntil: iso(st.computedUntil),
            log: { ...optional('next', st.log.next, iso), backlog: st.log.backlog.map(iso) },
            digest: { ...optional('next', st.digest.next, iso), final: st.digest.final, backlog: st.digest.backlog.map(iso) },
            pending: st.pending.map((b) => ({ kind: b.kind, times: b.times.map(iso), env: structuredClone(b.env) })),
            ...optional('latestDeliveryTime', st.latestDeliveryTime, iso),
            ...optional('latestDeliveryError', st.latestDeliveryError, (e) => e),
            ...optional('latestDigestDeliveryTime', st.latestDigestDeliveryTime, iso),
            ...optional('latestDigestDeliveryError', st.latestDigestDeliveryError, (e) => e),
          } satisfies PersistedTrailDelivery,
        ]),
      ),
      idleAccounts: [...this.idle].sort(),
    };
  }

  /** Replaces every trail's state with the persisted one (none: trails start their schedule when first looked at). */
  importState(state: PersistedDeliveries | undefined): void {
    this.trails.clear();
    this.idle.clear();
    for (const [arn, p] of Object.entries(state?.trails ?? {})) {
      this.trails.set(arn, {
        computedUntil: ms(p.computedUntil),
        log: { ...optional('next', p.log.next, ms), backlog: p.log.backlog.map(ms) },
        digest: { ...optional('next', p.digest.next, ms), final: p.digest.final, backlog: p.digest.backlog.map(ms) },
        pending: p.pending.map((b) => ({ kind: b.kind, times: b.times.map(ms), env: structuredClone(b.env) })),
        ...optional('latestDeliveryTime', p.latestDeliveryTime, ms),
        ...optional('latestDeliveryError', p.latestDeliveryError, (e) => e),
        ...optional('latestDigestDeliveryTime', p.latestDigestDeliveryTime, ms),
        ...optional('latestDigestDeliveryError', p.latestDigestDeliveryError, (e) => e),
      });
    }
    for (const a of state?.idleAccounts ?? []) this.idle.add(a);
  }
}
