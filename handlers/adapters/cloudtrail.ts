/**
 * The member account's trail. CloudTrail checks the bucket and key policies at CreateTrail /
 * UpdateTrail time; right after our policy writes that check can fail while the change propagates,
 * so those refusals are retryable (`TrailPolicyNotYetEffective`) and the state machine bounds them.
 *
 * Mapping decisions for the CreateTrail/UpdateTrail errors:
 * - InsufficientS3BucketPolicy / InsufficientEncryptionPolicy / InsufficientSnsTopicPolicy:
 *   `TrailPolicyNotYetEffective` (this is how CloudTrail reports a policy that does not let it in,
 *   including one written moments ago).
 * - KmsException: `TrailPolicyNotYetEffective`. It wraps a failed KMS call CloudTrail made to check
 *   the key, most often access through a key policy just written. If it persists, the retries end
 *   with a message that says what to check.
 * - S3BucketDoesNotExist / KmsKeyNotFound / KmsKeyDisabled: `ResourceNotFound`. EnsureBucketPolicy
 *   and EnsureKeyPolicy have just read both resources, so "does not exist" here is not propagation:
 *   the configured bucket or key is missing, disabled, or the key is in another region than the
 *   bucket (CloudTrail's KmsKeyNotFound also covers that). Missing permissions show up as the
 *   Insufficient* errors above, not as these.
 * - TrailAlreadyExists: `ConcurrentModification` (created by another execution; the retry re-reads).
 * - MaximumNumberOfTrailsExceeded: `TrailLimitExceeded` (5 trails per region per account).
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
 *
 * Reading by name: GetTrail, GetTrailStatus and DescribeTrails by name see only trails homed in
 * the client's region; a same-named multi-region trail homed elsewhere (or an organization trail) is
 * there as a shadow trail, listed by DescribeTrails without names (`includeShadowTrails`, default
 * true), and readable only by its ARN.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html
 */
import {
  type CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  PutEventSelectorsCommand,
  paginateListTags,
  StartLoggingCommand,
  type Trail,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  ConcurrentModification,
  ConfigurationError,
  type OnboardingError,
  OrganizationFeaturesNotEnabled,
  PropagationPending,
  ResourceNotFound,
  TrailLimitExceeded,
  TrailPolicyNotYetEffective,
  UnexpectedAwsError,
} from '../shared/errors';
import { type AwsCall, awsErrorFacts, describeCall, isAwsError, mapAwsError, toOnboardingError } from './aws-errors';
import type { ObservedTrail, Tag, TrailInput } from './types';
import { recordsAllManagementEvents, type TrailDelivery } from '../domain/trail';

const POLICY_NOT_YET_EFFECTIVE = [
  'InsufficientS3BucketPolicyException',
  'InsufficientEncryptionPolicyException',
  'InsufficientSnsTopicPolicyException',
  'KmsException',
];

const INVALID_CONFIGURATION = [
  'InvalidKmsKeyIdException',
  'InvalidS3BucketNameException',
  'InvalidS3PrefixException',
  'InvalidTrailNameException',
  'InvalidParameterCombinationException',
  'InvalidHomeRegionException',
];

// The trail vanished between our read and this call (another actor deleted it).
const TRAIL_GONE = ['TrailNotFoundException', 'ResourceNotFoundException'];

function says(e: unknown): string {
  const f = awsErrorFacts(e);
  return `${f.name}${f.message ? `: ${f.message}` : ''}`;
}

/** Maps a CreateTrail/UpdateTrail failure (see the module comment for why each maps as it does). */
function trailWriteError(e: unknown, call: AwsCall, input: TrailInput): OnboardingError {
  const what = describeCall(call);
  if (isAwsError(e, ...POLICY_NOT_YET_EFFECTIVE)) {
    return mapAwsError(
      TrailPolicyNotYetEffective,
      `${what}: CloudTrail cannot deliver to bucket ${input.s3BucketName} with key ${input.kmsKeyId} yet (${says(e)}). ` +
        'Right after a policy write this is propagation and is retried; if it persists, check that the bucket ' +
        "and key policies grant this account's trail (aws:SourceArn) and that the key is enabled.",
      e,
      call,
    );
  }
  if (isAwsError(e, 'S3BucketDoesNotExistException')) {
    return mapAwsError(
      ResourceNotFound,
      `${what}: bucket ${input.s3BucketName} does not exist (${says(e)}). Check bucketName in the configuration.`,
      e,
      call,
    );
  }
  if (isAwsError(e, 'KmsKeyNotFoundException', 'KmsKeyDisabledException')) {
    return mapAwsError(
      ResourceNotFound,
      `${what}: key ${input.kmsKeyId} is missing, disabled, or not in the bucket's region (${says(e)}). ` +
        'Check keyArn in the configuration.',
      e,
      call,
    );
  }
  if (isAwsError(e, 'TrailAlreadyExistsException')) {
    return mapAwsError(
      ConcurrentModification,
      `${what}: trail ${input.name} was created concurrently; the retry re-reads it.`,
      e,
      call,
    );
  }
  if (isAwsError(e, 'MaximumNumberOfTrailsExceededException')) {
    return mapAwsError(
      TrailLimitExceeded,
      `${what}: the account already has the maximum number of trails in this region (${says(e)}). ` +
        'Delete an unused trail, then re-run.',
      e,
      call,
    );
  }
  if (isAwsError(e, ...INVALID_CONFIGURATION)) {
    return mapAwsError(
      ConfigurationError,
      `${what}: CloudTrail rejected the trail settings (${says(e)}). Check trailName, bucketName, logPrefix, keyArn and homeRegion.`,
      e,
      call,
    );
  }
  if (isAwsError(e, ...TRAIL_GONE)) {
    return trailGone(e, call);
  }
  if (isAwsError(e, 'OrganizationNotInAllFeaturesModeException')) {
    return mapAwsError(
      OrganizationFeaturesNotEnabled,
      `${what}: the organization does not have all features enabled (${says(e)}). Run \`aws organizations enable-all-features\` from the management account ` +
        '(every member account must approve), then re-run.',
      e,
      call,
    );
  }
  if (isAwsError(e, 'CloudTrailAccessNotEnabledException')) {
    // Trusted access was enabled moments ago (EnsureOrganizationTrail enables it first): propagation.
    return mapAwsError(PropagationPending, `${what}: CloudTrail's trusted access in Organizations is not in effect yet (${says(e)}); retried.`, e, call);
  }
  if (isAwsError(e, 'NotOrganizationMasterAccountException', 'NotOrganizationManagementAccountException', 'InsufficientDependencyServiceAccessPermissionException')) {
    return mapAwsError(
      ConfigurationError,
      `${what}: an organization trail is created from the management account or a registered CloudTrail delegated administrator (${says(e)}). ` +
        'Check managementAccountId and organizationTrail.delegatedAdministratorAccountId.',
      e,
      call,
    );
  }
  return toOnboardingError(e, call);
}

function trailGone(e: unknown, call: AwsCall): OnboardingError {
  return mapAwsError(
    ConcurrentModification,
    `${describeCall(call)}: the trail no longer exists (deleted after it was read); the retry re-reads it.`,
    e,
    call,
  );
}

/** The domain's view of a trail CloudTrail described. */
function observedTrail(trail: Trail, name: string, isLogging: boolean, tags: Tag[], extra: Pick<ObservedTrail, 'recordsAllManagementEvents' | 'delivery'> = {}): ObservedTrail {
  return {
    trailArn: trail.TrailARN ?? '',
    name: trail.Name ?? name,
    homeRegion: trail.HomeRegion ?? '',
    s3BucketName: trail.S3BucketName ?? '',
    // An empty prefix is no prefix (UpdateTrail clears a prefix by sending '').
    ...(trail.S3KeyPrefix ? { s3KeyPrefix: trail.S3KeyPrefix } : {}),
    ...(trail.KmsKeyId !== undefined ? { kmsKeyId: trail.KmsKeyId } : {}),
    isMultiRegionTrail: trail.IsMultiRegionTrail ?? false,
    includeGlobalServiceEvents: trail.IncludeGlobalServiceEvents ?? false,
    logFileValidationEnabled: trail.LogFileValidationEnabled ?? false,
    ...(trail.IsOrganizationTrail !== undefined ? { isOrganizationTrail: trail.IsOrganizationTrail } : {}),
    tags,
    isLogging,
    ...extra,
  };
}

/** Reads and writes trails in the account and region of the client. */
export class TrailAdapter {
  /** @param client a CloudTrailClient in the member account and the home region. */
  constructor(private readonly client: CloudTrailClient) {}

  /**
   * The trail of that name with its logging status and tags: the one homed in the client's region,
   * else a shadow trail of that name (homed in another region, or an organization trail) as
   * DescribeTrails lists it, neither tags nor status read (empty, false: such a trail is a conflict
   * whatever they are, and reading them would need grants on another region's or account's trail);
   * `undefined` when there is none. A trail deleted while being read -> `ConcurrentModification`.
   */
  async get(name: string): Promise<ObservedTrail | undefined> {
    let trail: Trail | undefined;
    try {
      trail = (await this.client.send(new GetTrailCommand({ Name: name }))).Trail;
    } catch (e) {
      if (!isAwsError(e, 'TrailNotFoundException')) throw toOnboardingError(e, { service: 'CloudTrail', operation: 'GetTrail', target: name });
    }
    if (!trail?.TrailARN) {
      const shadow = await this.shadowTrail(name);
      return shadow?.TrailARN ? observedTrail(shadow, name, false, []) : undefined;
    }
    const trailArn = trail.TrailARN;

    // The trail's status, event selectors and tags do not depend on each other: one round trip.
    const tagsCall: AwsCall = { service: 'CloudTrail', operation: 'ListTags', target: trailArn };
    const listTags = async (): Promise<Tag[]> => {
      const tags: Tag[] = [];
      try {
        for await (const page of paginateListTags({ client: this.client }, { ResourceIdList: [trailArn] })) {
          for (const resource of page.ResourceTagList ?? []) {
            for (const t of resource.TagsList ?? []) tags.push({ Key: t.Key ?? '', Value: t.Value ?? '' });
          }
        }
      } catch (e) {
        if (isAwsError(e, ...TRAIL_GONE)) throw trailGone(e, tagsCall);
        throw toOnboardingError(e, tagsCall);
      }
      return tags;
    };
    const [status, recordsAll, tags] = await Promise.all([this.status(trailArn), this.recordsAllManagementEvents(trailArn), listTags()]);

    return observedTrail(trail, name, status.isLogging, tags, { recordsAllManagementEvents: recordsAll, delivery: status.delivery });
  }

  /** Whether the trail's event selectors record every management event (see recordsAllManagementEvents). */
  private async recordsAllManagementEvents(trailArn: string): Promise<boolean> {
    const call: AwsCall = { service: 'CloudTrail', operation: 'GetEventSelectors', target: trailArn };
    try {
      const out = await this.client.send(new GetEventSelectorsCommand({ TrailName: trailArn }));
      return recordsAllManagementEvents(out.EventSelectors, out.AdvancedEventSelectors);
    } catch (e) {
      if (isAwsError(e, ...TRAIL_GONE)) throw trailGone(e, call);
      throw toOnboardingError(e, call);
    }
  }

  /** Puts back the default event selector: every management event, read and write, no exclusion. */
  async putDefaultEventSelectors(name: string): Promise<void> {
    const call: AwsCall = { service: 'CloudTrail', operation: 'PutEventSelectors', target: name };
    try {
      await this.client.send(
        new PutEventSelectorsCommand({ TrailName: name, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }] }),
      );
    } catch (e) {
      if (isAwsError(e, ...TRAIL_GONE)) throw trailGone(e, call);
      throw toOnboardingError(e, call);
    }
  }

  /**
   * A trail of that name the client's region shows as a shadow trail (one GetTrail by name does not
   * see): from DescribeTrails without names, which lists the region's trails and, with
   * `includeShadowTrails`, the shadow trails of trails homed elsewhere and of organization trails.
   */
  private async shadowTrail(name: string): Promise<Trail | undefined> {
    try {
      const out = await this.client.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
      return (out.trailList ?? []).find((t) => t.Name === name);
    } catch (e) {
      throw toOnboardingError(e, { service: 'CloudTrail', operation: 'DescribeTrails', target: name });
    }
  }

  /** Creates the trail (with its tags) and returns its ARN. It does not start logging. */
  async create(input: TrailInput): Promise<string> {
    const call: AwsCall = { service: 'CloudTrail', operation: 'CreateTrail', target: input.name };
    let arn: string | undefined;
    try {
      const out = await this.client.send(
        new CreateTrailCommand({
          Name: input.name,
          S3BucketName: input.s3BucketName,
          S3KeyPrefix: input.s3KeyPrefix,
          KmsKeyId: input.kmsKeyId,
          IsMultiRegionTrail: input.isMultiRegionTrail,
          IncludeGlobalServiceEvents: input.includeGlobalServiceEvents,
          EnableLogFileValidation: input.enableLogFileValidation,
          ...(input.isOrganizationTrail ? { IsOrganizationTrail: true } : {}),
          TagsList: input.tags,
        }),
      );
      arn = out.TrailARN;
    } catch (e) {
      throw trailWriteError(e, call, input);
    }
    if (!arn) throw new UnexpectedAwsError(`${describeCall(call)} returned no trail ARN.`, { ...call, awsError: 'NoTrailArn' });
    return arn;
  }

  /**
   * Brings the trail's settings to `input`. `input.tags` is not applied: UpdateTrail takes no tags,
   * and only trails already carrying the ownership tag are ever updated. A missing `s3KeyPrefix` is
   * sent as `''`, which clears a prefix the trail has.
   */
  async update(input: TrailInput): Promise<void> {
    const call: AwsCall = { service: 'CloudTrail', operation: 'UpdateTrail', target: input.name };
    try {
      await this.client.send(
        new UpdateTrailCommand({
          Name: input.name,
          S3BucketName: input.s3BucketName,
          S3KeyPrefix: input.s3KeyPrefix ?? '',
          KmsKeyId: input.kmsKeyId,
          IsMultiRegionTrail: input.isMultiRegionTrail,
          IncludeGlobalServiceEvents: input.includeGlobalServiceEvents,
          EnableLogFileValidation: input.enableLogFileValidation,
          ...(input.isOrganizationTrail ? { IsOrganizationTrail: true } : {}),
        }),
      );
    } catch (e) {
      throw trailWriteError(e, call, input);
    }
  }

  /** Starts logging (idempotent on AWS's side). `name` may be the trail name or ARN. */
  async startLogging(name: string): Promise<void> {
    const call: AwsCall = { service: 'CloudTrail', operation: 'StartLogging', target: name };
    try {
      await this.client.send(new StartLoggingCommand({ Name: name }));
    } catch (e) {
      if (isAwsError(e, ...TRAIL_GONE)) throw trailGone(e, call);
      throw toOnboardingError(e, call);
    }
  }

  /**
   * Deletes the trail (migrateAccountTrails: once the organization trail delivers the account's logs).
   * DeleteTrail "must be called from the Region in which the trail was created" and stops its delivery;
   * the log files already delivered stay in the bucket. A trail already gone counts as deleted.
   * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DeleteTrail.html
   */
  async delete(name: string): Promise<void> {
    const call: AwsCall = { service: 'CloudTrail', operation: 'DeleteTrail', target: name };
    try {
      await this.client.send(new DeleteTrailCommand({ Name: name }));
    } catch (e) {
      if (isAwsError(e, ...TRAIL_GONE)) return;
      throw toOnboardingError(e, call);
    }
  }

  /** Whether the trail is logging (GetTrailStatus.IsLogging). `name` may be the trail name or ARN. */
  async isLogging(name: string): Promise<boolean> {
    return (await this.status(name)).isLogging;
  }

  /** GetTrailStatus: logging, and the delivery fields. */
  private async status(name: string): Promise<{ isLogging: boolean; delivery: TrailDelivery }> {
    const call: AwsCall = { service: 'CloudTrail', operation: 'GetTrailStatus', target: name };
    try {
      const out = await this.client.send(new GetTrailStatusCommand({ Name: name }));
      return {
        isLogging: out.IsLogging ?? false,
        delivery: {
          ...(out.LatestDeliveryError ? { latestDeliveryError: out.LatestDeliveryError } : {}),
          ...(out.LatestDigestDeliveryError ? { latestDigestDeliveryError: out.LatestDigestDeliveryError } : {}),
          ...(out.LatestDeliveryTime ? { latestDeliveryTime: out.LatestDeliveryTime } : {}),
          ...(out.LatestDigestDeliveryTime ? { latestDigestDeliveryTime: out.LatestDigestDeliveryTime } : {}),
        },
      };
    } catch (e) {
      if (isAwsError(e, ...TRAIL_GONE)) throw trailGone(e, call);
      throw toOnboardingError(e, call);
    }
  }
}
