/**
 * Simulated CloudTrail: trails per account and home region, multi-region trails visible (as shadow
 * trails) in every region, at most 5 trails per region, and CreateTrail/UpdateTrail refusing a
 * bucket or key whose policy would not let CloudTrail deliver. That decision is made by evaluating
 * the real bucket and key policies (delivery.ts), never by looking for expected statements.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
 *
 * A trail named by name is looked up among the trails homed in the region of the request only; a
 * shadow trail (a multi-region trail's copy in another region) is found by its ARN, or by listing
 * (DescribeTrails without names, `includeShadowTrails` default true). "If one or more trail names
 * are specified, information is returned only if the names match the names of trails belonging only
 * to the current Region and current account. To return information about a trail in another
 * Region, you must specify its trail ARN"; "To get the status of a shadow trail ..., you must
 * specify its ARN".
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html
 */
import type * as ct from '@aws-sdk/client-cloudtrail';
import { checkDelivery } from './delivery';
import { awsError } from './errors';
import type { Principal } from './identity';
import type { OperationHandler, SimServiceImpl } from './service';
import type { SimWorld } from './world';

/** A trail, stored once in its home region. */
export interface SimTrail {
  readonly name: string;
  readonly arn: string;
  readonly accountId: string;
  readonly homeRegion: string;
  s3BucketName: string;
  s3KeyPrefix?: string;
  snsTopicName?: string;
  includeGlobalServiceEvents: boolean;
  isMultiRegionTrail: boolean;
  logFileValidationEnabled: boolean;
  /** Full key ARN, as CloudTrail returns it. */
  kmsKeyId?: string;
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
  isOrganizationTrail: boolean;
  tags: ct.Tag[];
  isLogging: boolean;
  startLoggingTime?: Date;
  stopLoggingTime?: Date;
}

/** A trail as persisted (local/sim/persistence.ts): dates as ISO strings. */
export type PersistedTrail = Omit<SimTrail, 'startLoggingTime' | 'stopLoggingTime'> & {
  readonly startLoggingTime?: string;
  readonly stopLoggingTime?: string;
};

/** Trails per region per account (CloudTrail quotas); a multi-region trail counts in every region. */
export const MAX_TRAILS_PER_REGION = 5;
const MAX_TAGS = 50;

const TRAIL_ARN = /^arn:[a-z-]+:cloudtrail:([a-z0-9-]+):(\d{12}):trail\/(.+)$/;
const TRAIL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{1,126})[A-Za-z0-9]$/;

/** Why a name is not a valid trail name (CreateTrail API reference, Name), or undefined. */
export function invalidTrailName(name: string): string | undefined {
  if (!TRAIL_NAME.test(name) || /[._-]{2}/.test(name) || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    return `Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_), must start and end with a letter or number, must be 3-128 characters, must not contain adjacent periods, underscores or hyphens, and must not be an IP address: ${name}`;
  }
  return undefined;
}

type TrailInput = ct.CreateTrailCommandInput | ct.UpdateTrailCommandInput;

/** CloudTrail of the world. */
export class CloudTrailSim implements SimServiceImpl {
  private readonly trails = new Map<string, SimTrail>();

  constructor(private readonly world: SimWorld) {}

  targetAccount(_operation: string, _input: Record<string, unknown>, caller: Principal): string {
    return caller.accountId;
  }

  /** `arn:<p>:cloudtrail:<homeRegion>:<acct>:trail/<name>`. */
  trailArn(accountId: string, region: string, name: string): string {
    return `arn:${this.world.partition}:cloudtrail:${region}:${accountId}:trail/${name}`;
  }

  /** The trail with this ARN, wherever it lives. */
  getTrail(arn: string): SimTrail | undefined {
    return this.trails.get(arn);
  }

  /** All trails, by ARN. */
  list(): SimTrail[] {
    return [...this.trails.values()].sort((a, b) => a.arn.localeCompare(b.arn));
  }

  /** Every trail with its logging status, as plain JSON (persistence.ts). */
  exportState(): PersistedTrail[] {
    return this.list().map(({ startLoggingTime, stopLoggingTime, ...t }) => ({
      ...t,
      tags: t.tags.map((tag) => ({ ...tag })),
      ...(startLoggingTime ? { startLoggingTime: startLoggingTime.toISOString() } : {}),
      ...(stopLoggingTime ? { stopLoggingTime: stopLoggingTime.toISOString() } : {}),
    }));
  }

  /** Replaces every trail with the persisted ones. */
  importState(trails: readonly PersistedTrail[]): void {
    this.trails.clear();
    for (const { startLoggingTime, stopLoggingTime, ...t } of trails) {
      this.trails.set(t.arn, {
        ...t,
        tags: t.tags.map((tag) => ({ ...tag })),
        ...(startLoggingTime ? { startLoggingTime: new Date(startLoggingTime) } : {}),
        ...(stopLoggingTime ? { stopLoggingTime: new Date(stopLoggingTime) } : {}),
      });
    }
  }

  /** Trails of an account that exist in a region: its own, and multi-region ones homed elsewhere. */
  private visible(accountId: string, region: string): SimTrail[] {
    return this.list().filter((t) => t.accountId === accountId && (t.homeRegion === region || t.isMultiRegionTrail));
  }

  /**
   * Finds a trail of the caller: by ARN among those visible in the region (shadow trails included),
   * by name among those homed in the region only (see the file comment).
   */
  private find(nameOrArn: unknown, caller: Principal, region: string): SimTrail | undefined {
    const id = String(nameOrArn);
    const candidates = this.visible(caller.accountId, region);
    if (TRAIL_ARN.test(id)) return candidates.find((t) => t.arn === id);
    return candidates.find((t) => t.name === id && t.homeRegion === region);
  }

  private require(nameOrArn: unknown, caller: Principal, region: string): SimTrail {
    const trail = this.find(nameOrArn, caller, region);
    if (!trail) {
      const id = String(nameOrArn);
      const arn = TRAIL_ARN.test(id) ? id : this.trailArn(caller.accountId, region, id);
      awsError('TrailNotFoundException', `Unknown trail: ${arn} for the user: ${caller.accountId}`);
    }
    return trail;
  }

  /** A trail that may be changed from this region: mutations must be sent to the home region. */
  private requireHome(nameOrArn: unknown, caller: Principal, region: string): SimTrail {
    const trail = this.require(nameOrArn, caller, region);
    if (trail.homeRegion !== region) {
      awsError('InvalidHomeRegionException', `This operation must be called from the trail's home region, ${trail.homeRegion}.`);
    }
    return trail;
  }

  /** Resolves KmsKeyId (key ARN or key id in the trail's account and region) to the key ARN. */
  private keyArnOf(keyId: string, accountId: string, region: string): string {
    const key = this.world.kms.resolve(keyId, accountId, region);
    return key?.arn ?? (keyId.startsWith('arn:') ? keyId : `arn:${this.world.partition}:kms:${region}:${accountId}:key/${keyId}`);
  }

  /** CreateTrail/UpdateTrail's check that CloudTrail can write to the bucket with the key. */
  private async requireDelivery(trail: SimTrail): Promise<void> {
    const result = await checkDelivery(this.world, trail);
    if (result.bucket === 'missing') awsError('S3BucketDoesNotExistException', `S3 bucket ${trail.s3BucketName} does not exist.`);
    if (result.bucket === 'denied') awsError('InsufficientS3BucketPolicyException', `Incorrect S3 bucket policy is detected for bucket: ${trail.s3BucketName}`);
    if (result.key === 'missing') {
      awsError('KmsKeyNotFoundException', `KMS key ${trail.kmsKeyId} does not exist, or it is not in the same region as the S3 bucket ${trail.s3BucketName}.`);
    }
    if (result.key === 'disabled') awsError('KmsException', `KMS key ${trail.kmsKeyId} is not enabled.`);
    if (result.key === 'denied') {
      awsError('InsufficientEncryptionPolicyException', `Insufficient permissions to access S3 bucket ${trail.s3BucketName} or KMS key ${trail.kmsKeyId}.`);
    }
  }

  /** Applies the settable fields of CreateTrail/UpdateTrail to a trail. */
  private apply(trail: SimTrail, input: TrailInput): void {
    if (input.S3BucketName !== undefined) trail.s3BucketName = input.S3BucketName;
    if (input.S3KeyPrefix !== undefined) {
      if (input.S3KeyPrefix.length > 200) awsError('InvalidS3PrefixException', 'S3 key prefix must be at most 200 characters.');
      if (input.S3KeyPrefix === '') delete trail.s3KeyPrefix;
      else trail.s3KeyPrefix = input.S3KeyPrefix;
    }
    if (input.SnsTopicName !== undefined) trail.snsTopicName = input.SnsTopicName;
    if (input.IncludeGlobalServiceEvents !== undefined) trail.includeGlobalServiceEvents = input.IncludeGlobalServiceEvents;
    if (input.IsMultiRegionTrail !== undefined) trail.isMultiRegionTrail = input.IsMultiRegionTrail;
    if (input.EnableLogFileValidation !== undefined) trail.logFileValidationEnabled = input.EnableLogFileValidation;
    if (input.KmsKeyId !== undefined) {
      // An empty KmsKeyId turns SSE-KMS off (UpdateTrail API reference).
      if (input.KmsKeyId === '') delete trail.kmsKeyId;
      else trail.kmsKeyId = this.keyArnOf(input.KmsKeyId, trail.accountId, trail.homeRegion);
    }
    if (input.CloudWatchLogsLogGroupArn !== undefined) trail.cloudWatchLogsLogGroupArn = input.CloudWatchLogsLogGroupArn;
    if (input.CloudWatchLogsRoleArn !== undefined) trail.cloudWatchLogsRoleArn = input.CloudWatchLogsRoleArn;
    if (trail.isMultiRegionTrail && !trail.includeGlobalServiceEvents) {
      awsError('InvalidParameterCombinationException', 'Multi-Region trail must include global service events.');
    }
  }

  private output(trail: SimTrail): ct.Trail {
    return {
      Name: trail.name,
      S3BucketName: trail.s3BucketName,
      ...(trail.s3KeyPrefix !== undefined ? { S3KeyPrefix: trail.s3KeyPrefix } : {}),
      ...(trail.snsTopicName !== undefined ? { SnsTopicName: trail.snsTopicName } : {}),
      IncludeGlobalServiceEvents: trail.includeGlobalServiceEvents,
      IsMultiRegionTrail: trail.isMultiRegionTrail,
      HomeRegion: trail.homeRegion,
      TrailARN: trail.arn,
      LogFileValidationEnabled: trail.logFileValidationEnabled,
      ...(trail.cloudWatchLogsLogGroupArn !== undefined ? { CloudWatchLogsLogGroupArn: trail.cloudWatchLogsLogGroupArn } : {}),
      ...(trail.cloudWatchLogsRoleArn !== undefined ? { CloudWatchLogsRoleArn: trail.cloudWatchLogsRoleArn } : {}),
      ...(trail.kmsKeyId !== undefined ? { KmsKeyId: trail.kmsKeyId } : {}),
      HasCustomEventSelectors: false,
      HasInsightSelectors: false,
      IsOrganizationTrail: trail.isOrganizationTrail,
    };
  }

  private requireTagged(resourceId: unknown, caller: Principal, region: string): SimTrail {
    const id = String(resourceId);
    if (!TRAIL_ARN.test(id)) awsError('CloudTrailARNInvalidException', `${id} is not a valid CloudTrail ARN.`);
    const trail = this.find(id, caller, region);
    if (!trail) awsError('ResourceNotFoundException', `Resource ${id} not found.`);
    return trail;
  }

  readonly operations = {
    CreateTrail: async ({ caller, region, input }) => {
      const name = String(input.Name);
      const invalid = invalidTrailName(name);
      if (invalid) awsError('InvalidTrailNameException', invalid);
      const visible = this.visible(caller.accountId, region);
      if (visible.some((t) => t.name === name)) awsError('TrailAlreadyExistsException', `Trail ${name} already exists for customer: ${caller.accountId}`);
      if (visible.length >= MAX_TRAILS_PER_REGION) {
        awsError('MaximumNumberOfTrailsExceededException', `User: ${caller.accountId} already has ${MAX_TRAILS_PER_REGION} trails in ${region}.`);
      }
      if (input.IsOrganizationTrail && caller.accountId !== this.world.organization?.managementAccountId) {
        awsError('NotOrganizationMasterAccountException', 'This account is not the management account of an organization.');
      }
      const trail: SimTrail = {
        name,
        arn: this.trailArn(caller.accountId, region, name),
        accountId: caller.accountId,
        homeRegion: region,
        s3BucketName: String(input.S3BucketName),
        includeGlobalServiceEvents: true,
        isMultiRegionTrail: false,
        logFileValidationEnabled: false,
        isOrganizationTrail: input.IsOrganizationTrail === true,
        tags: (input.TagsList ?? []).map((t) => ({ ...t })),
        isLogging: false,
      };
      if (trail.tags.length > MAX_TAGS) awsError('TagsLimitExceededException', `The number of tags exceeds the limit of ${MAX_TAGS}.`);
      this.apply(trail, input);
      await this.requireDelivery(trail);
      this.trails.set(trail.arn, trail);
      const { HomeRegion: _home, HasCustomEventSelectors: _c, HasInsightSelectors: _i, ...out } = this.output(trail);
      return { ...out, ...(trail.snsTopicName !== undefined ? { SnsTopicARN: `arn:${this.world.partition}:sns:${region}:${caller.accountId}:${trail.snsTopicName}` } : {}) };
    },
    UpdateTrail: async ({ caller, region, input }) => {
      const current = this.requireHome(input.Name, caller, region);
      const updated: SimTrail = { ...current, tags: current.tags };
      this.apply(updated, input);
      const touchesDelivery = input.S3BucketName !== undefined || input.S3KeyPrefix !== undefined || input.KmsKeyId !== undefined;
      if (touchesDelivery) await this.requireDelivery(updated);
      this.trails.set(updated.arn, updated);
      const { HomeRegion: _home, HasCustomEventSelectors: _c, HasInsightSelectors: _i, ...out } = this.output(updated);
      return out;
    },
    GetTrail: ({ caller, region, input }) => ({ Trail: this.output(this.require(input.Name, caller, region)) }),
    DescribeTrails: ({ caller, region, input }) => {
      const shadows = input.includeShadowTrails ?? true;
      const all = this.visible(caller.accountId, region).filter((t) => shadows || t.homeRegion === region);
      const names = input.trailNameList ?? [];
      if (names.length === 0) return { trailList: all.map((t) => this.output(t)) };
      // Names that match no trail are ignored, not an error; a name matches only a trail homed in
      // this region, an ARN any trail visible here (DescribeTrails API reference).
      const chosen = this.visible(caller.accountId, region).filter((t) => names.includes(t.arn) || (t.homeRegion === region && names.includes(t.name)));
      return { trailList: chosen.map((t) => this.output(t)) };
    },
    GetTrailStatus: ({ caller, region, input }) => {
      const trail = this.require(input.Name, caller, region);
      return {
        IsLogging: trail.isLogging,
        ...(trail.startLoggingTime ? { StartLoggingTime: trail.startLoggingTime, TimeLoggingStarted: trail.startLoggingTime.toISOString() } : {}),
        ...(trail.stopLoggingTime ? { StopLoggingTime: trail.stopLoggingTime, TimeLoggingStopped: trail.stopLoggingTime.toISOString() } : {}),
      };
    },
    StartLogging: ({ caller, region, input }) => {
      const trail = this.requireHome(input.Name, caller, region);
      if (!trail.isLogging) {
        trail.isLogging = true;
        trail.startLoggingTime = this.world.now();
      }
      return {};
    },
    StopLogging: ({ caller, region, input }) => {
      const trail = this.requireHome(input.Name, caller, region);
      if (trail.isLogging) {
        trail.isLogging = false;
        trail.stopLoggingTime = this.world.now();
      }
      return {};
    },
    DeleteTrail: ({ caller, region, input }) => {
      this.trails.delete(this.requireHome(input.Name, caller, region).arn);
      return {};
    },
    ListTags: ({ caller, region, input }) => ({
      ResourceTagList: (input.ResourceIdList ?? []).map((id) => ({
        ResourceId: id,
        TagsList: this.requireTagged(id, caller, region).tags.map((t) => ({ ...t })),
      })),
    }),
    AddTags: ({ caller, region, input }) => {
      const trail = this.requireTagged(input.ResourceId, caller, region);
      const merged = new Map(trail.tags.map((t) => [t.Key, t.Value] as const));
      for (const t of input.TagsList ?? []) merged.set(t.Key, t.Value);
      if (merged.size > MAX_TAGS) awsError('TagsLimitExceededException', `The number of tags exceeds the limit of ${MAX_TAGS}.`);
      trail.tags = [...merged].map(([Key, Value]) => ({ Key, ...(Value !== undefined ? { Value } : {}) }));
      return {};
    },
    RemoveTags: ({ caller, region, input }) => {
      const trail = this.requireTagged(input.ResourceId, caller, region);
      const remove = new Set((input.TagsList ?? []).map((t) => t.Key));
      trail.tags = trail.tags.filter((t) => !remove.has(t.Key));
      return {};
    },
  } satisfies {
    CreateTrail: OperationHandler<ct.CreateTrailCommandInput, ct.CreateTrailCommandOutput>;
    UpdateTrail: OperationHandler<ct.UpdateTrailCommandInput, ct.UpdateTrailCommandOutput>;
    GetTrail: OperationHandler<ct.GetTrailCommandInput, ct.GetTrailCommandOutput>;
    DescribeTrails: OperationHandler<ct.DescribeTrailsCommandInput, ct.DescribeTrailsCommandOutput>;
    GetTrailStatus: OperationHandler<ct.GetTrailStatusCommandInput, ct.GetTrailStatusCommandOutput>;
    StartLogging: OperationHandler<ct.StartLoggingCommandInput, ct.StartLoggingCommandOutput>;
    StopLogging: OperationHandler<ct.StopLoggingCommandInput, ct.StopLoggingCommandOutput>;
    DeleteTrail: OperationHandler<ct.DeleteTrailCommandInput, ct.DeleteTrailCommandOutput>;
    ListTags: OperationHandler<ct.ListTagsCommandInput, ct.ListTagsCommandOutput>;
    AddTags: OperationHandler<ct.AddTagsCommandInput, ct.AddTagsCommandOutput>;
    RemoveTags: OperationHandler<ct.RemoveTagsCommandInput, ct.RemoveTagsCommandOutput>;
  };
}
