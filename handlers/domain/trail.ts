/**
 * The trail in each member account, and the decision of what to change on an existing one.
 * Settings follow CloudTrail's recommended baseline: all regions, global service events, log file
 * integrity validation, SSE-KMS.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html
 */
import { OWNERSHIP, type RuntimeConfig } from '../shared/config';
import { isOwnedByService, missingTags, OWNERSHIP_TAG, type Tag } from './ownership';

/** What the trail should look like (CreateTrail / UpdateTrail / AddTags). */
export interface TrailSpec {
  name: string;
  /**
   * Region the trail must be created in (its home region). Not a CreateTrail field: the adapter
   * uses it to pick the client's region; a same-named trail homed elsewhere is a conflict.
   */
  homeRegion: string;
  s3BucketName: string;
  s3KeyPrefix?: string;
  /** Full key ARN: the key is in another account, so an id or alias would not resolve. */
  kmsKeyId: string;
  isMultiRegionTrail: true;
  includeGlobalServiceEvents: true;
  enableLogFileValidation: true;
  tags: Tag[];
}

/**
 * A trail as read from CloudTrail (GetTrail or DescribeTrails, ListTags, GetTrailStatus). A trail
 * homed in another region, or an organization trail, is seen as a shadow trail: only what
 * DescribeTrails lists is read, `tags` are empty and `isLogging` false (such a trail is a conflict
 * whatever they are; ListTags answers for the trails of the current region).
 */
export interface ObservedTrail {
  trailArn: string;
  name: string;
  homeRegion: string;
  s3BucketName: string;
  s3KeyPrefix?: string;
  /** CloudTrail reports the key as a full key ARN. */
  kmsKeyId?: string;
  isMultiRegionTrail: boolean;
  includeGlobalServiceEvents: boolean;
  logFileValidationEnabled: boolean;
  isOrganizationTrail?: boolean;
  tags: Tag[];
  isLogging: boolean;
  /**
   * Whether the event selectors still record every management event, read and write, excluding no
   * event source (the default a trail is created with). Absent when not read (a shadow trail).
   */
  recordsAllManagementEvents?: boolean;
  /** What GetTrailStatus reports about delivery (absent when not read). */
  delivery?: TrailDelivery;
}

/** The delivery fields of GetTrailStatus. https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html */
export interface TrailDelivery {
  latestDeliveryError?: string;
  latestDigestDeliveryError?: string;
  latestDeliveryTime?: Date;
  latestDigestDeliveryTime?: Date;
}

/** A basic event selector as GetEventSelectors returns it (only the fields the check reads). */
export interface EventSelectorView {
  ReadWriteType?: string;
  IncludeManagementEvents?: boolean;
  ExcludeManagementEventSources?: string[];
}

/**
 * True when the selectors record every management event: some basic selector with ReadWriteType
 * All and IncludeManagementEvents, excluding no source; or advanced selectors with a management
 * selector (`eventCategory` = Management) that filters on nothing else. Anything narrower (write-only,
 * read-only, exclusions, data events only) is drift.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html
 */
export function recordsAllManagementEvents(
  basic: readonly EventSelectorView[] | undefined,
  advanced: readonly { FieldSelectors?: { Field?: string; Equals?: string[] }[] }[] | undefined,
): boolean {
  if (advanced?.length) {
    return advanced.some((a) => {
      const fields = a.FieldSelectors ?? [];
      const category = fields.find((f) => f.Field === 'eventCategory');
      return category?.Equals?.length === 1 && category.Equals[0] === 'Management' && fields.every((f) => f.Field === 'eventCategory');
    });
  }
  return (basic ?? []).some(
    (b) => (b.ReadWriteType ?? 'All') === 'All' && b.IncludeManagementEvents !== false && !(b.ExcludeManagementEventSources ?? []).length,
  );
}

/** How long a digest may be late before delivery counts as stopped (hourly digests; issue default two hours). */
export const DEFAULT_MAX_DIGEST_AGE_MS = 2 * 3600 * 1000;

/**
 * The delivery verdict of a logging trail: DELIVERY_FAILING when CloudTrail reports a delivery error,
 * DELIVERY_STALE when, with log file validation, the last digest is older than `maxDigestAgeMs`
 * (CloudTrail delivers a digest every hour even when nothing happened), else OK. A trail that does
 * not log is drift (TrailNotLogging), not a delivery problem.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html
 */
export function deliveryVerdict(
  observed: Pick<ObservedTrail, 'isLogging' | 'logFileValidationEnabled' | 'delivery'> | undefined,
  now: Date,
  maxDigestAgeMs = DEFAULT_MAX_DIGEST_AGE_MS,
): { verdict: 'OK' | 'DELIVERY_FAILING' | 'DELIVERY_STALE'; detail: string } {
  const d = observed?.delivery;
  if (!observed?.isLogging || !d) return { verdict: 'OK', detail: '' };
  const error = d.latestDeliveryError || d.latestDigestDeliveryError;
  if (error) return { verdict: 'DELIVERY_FAILING', detail: `CloudTrail reports: ${d.latestDeliveryError ? `log files ${d.latestDeliveryError}` : `digest files ${d.latestDigestDeliveryError}`}` };
  if (observed.logFileValidationEnabled && d.latestDigestDeliveryTime && now.getTime() - d.latestDigestDeliveryTime.getTime() > maxDigestAgeMs) {
    return { verdict: 'DELIVERY_STALE', detail: `The last digest file was delivered at ${d.latestDigestDeliveryTime.toISOString()}.` };
  }
  return { verdict: 'OK', detail: '' };
}

/** What to do about the trail. `fields` names the `TrailSpec` fields that differ. */
export type TrailPlan =
  | { action: 'create' }
  | { action: 'conflict'; reason: string }
  | { action: 'update'; fields: string[] }
  | { action: 'none' };

/** The trail every member account gets. */
export function desiredTrail(config: RuntimeConfig): TrailSpec {
  const spec: TrailSpec = {
    name: config.trailName,
    homeRegion: config.homeRegion,
    s3BucketName: config.bucketName,
    kmsKeyId: config.keyArn,
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    enableLogFileValidation: true,
    tags: [{ ...OWNERSHIP_TAG }],
  };
  if (config.logPrefix !== undefined) spec.s3KeyPrefix = config.logPrefix;
  return spec;
}

/**
 * Decides what to do about the trail: create it, leave it, update the differing fields, or refuse.
 * Refused: an organization trail of that name (it belongs to the management account and cannot be
 * changed from the member account), one homed in another region (UpdateTrail must be called in the
 * home region, and a home region cannot change; decided before ownership, since the tags of such a
 * shadow trail are not read), or a trail without the ownership tag.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
 */
export function planTrail(observed: ObservedTrail | undefined, desired: TrailSpec): TrailPlan {
  if (!observed) return { action: 'create' };
  if (observed.isOrganizationTrail) {
    return {
      action: 'conflict',
      reason: `Trail ${observed.name} (${observed.trailArn}) is an organization trail, managed from the management account; configure another trail name.`,
    };
  }
  if (observed.homeRegion !== desired.homeRegion) {
    return {
      action: 'conflict',
      reason:
        `Trail ${observed.name} (${observed.trailArn}) has home region ${observed.homeRegion}, not ${desired.homeRegion}: a trail is changed only ` +
        `from its home region, and that cannot change. If this service created it (tag ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue}), delete it in ` +
        `${observed.homeRegion} to have it re-created in ${desired.homeRegion}; otherwise rename or delete it, or set trailName to another name.`,
    };
  }
  if (!isOwnedByService(observed.tags)) {
    return {
      action: 'conflict',
      reason:
        `Trail ${observed.name} (${observed.trailArn}) already exists and is not tagged ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue}, ` +
        'so this service did not create it and will not change it. Rename or delete it, or tag it to let the service adopt it.',
    };
  }
  const fields: string[] = [];
  if (observed.s3BucketName !== desired.s3BucketName) fields.push('s3BucketName');
  // CloudTrail reports "no prefix" as absent or empty.
  if ((observed.s3KeyPrefix ?? '') !== (desired.s3KeyPrefix ?? '')) fields.push('s3KeyPrefix');
  if (observed.kmsKeyId !== desired.kmsKeyId) fields.push('kmsKeyId');
  if (!observed.isMultiRegionTrail) fields.push('isMultiRegionTrail');
  if (!observed.includeGlobalServiceEvents) fields.push('includeGlobalServiceEvents');
  if (!observed.logFileValidationEnabled) fields.push('enableLogFileValidation');
  if (missingTags(observed.tags, desired.tags).length) fields.push('tags');
  if (observed.recordsAllManagementEvents === false) fields.push('eventSelectors');
  return fields.length ? { action: 'update', fields } : { action: 'none' };
}

/** True when the trail exists but does not log: StartLogging is due (CreateTrail does not start it). */
export function needsStartLogging(observed: ObservedTrail): boolean {
  return !observed.isLogging;
}
