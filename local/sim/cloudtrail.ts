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
 *
 * Deliveries run on the world's clock (delivery.ts): GetTrailStatus reports LatestDeliveryTime,
 * LatestDeliveryError, LatestDigestDeliveryTime and LatestDigestDeliveryError as CloudTrail would
 * have them by now; `deliver()` and `deliveredFiles()` let a test read the files themselves.
 *
 * Event selectors (GetEventSelectors, PutEventSelectors): a trail starts with the default selector
 * ("By default, trails created without specific event selectors are configured to log all read and
 * write management events, and no data events"); PutEventSelectors takes either basic EventSelectors
 * (1 to 5, at most 250 data resources in all) or AdvancedEventSelectors (at most 500 values in all
 * conditions), "but not both", from the trail's home region only; anything else is an
 * InvalidEventSelectorsException.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_EventSelector.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html
 *
 * ## Organization trails
 * CreateTrail / UpdateTrail with IsOrganizationTrail true "cannot be true unless the call is made on
 * behalf of an AWS account that is the management account or delegated administrator account for an
 * organization", checked in this order: the caller's account in an organization (else
 * OrganizationsNotInUseException), the management account or a registered CloudTrail delegated
 * administrator (else NotOrganizationMasterAccountException), all features enabled (else
 * OrganizationNotInAllFeaturesModeException), trusted access for cloudtrail.amazonaws.com (else
 * CloudTrailAccessNotEnabledException), and the caller allowed organizations:DescribeOrganization and
 * organizations:ListAWSServiceAccessForOrganization, the Organizations permissions the prepare page lists
 * for creating an organization trail (else InsufficientDependencyServiceAccessPermissionException).
 * Nothing is created when one fails. Converting an organization trail back (IsOrganizationTrail false)
 * is for the same accounts ("Only the management account for the organization can convert").
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_UpdateTrail.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-an-organizational-trail-prepare.html
 *
 * Owner: "The management account remains the owner of any CloudTrail organization resources the
 * delegated administrator creates": a trail a delegated administrator creates has the management
 * account's ARN, counts against the management account's 5 trails per region, and its name is taken
 * there (TrailAlreadyExistsException names the management account).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
 *
 * Members: "a trail with the name that you give it is created in every AWS account that belongs to your
 * organization. Users with CloudTrail permissions in member accounts can see this trail ... However,
 * users in member accounts do not have sufficient permissions to delete the organization trail, turn
 * logging on or off, change what types of events are logged, or otherwise change the organization
 * trail". So DescribeTrails of a member lists it (its ARN the management account's, IsOrganizationTrail
 * true); GetTrail, GetTrailStatus, GetEventSelectors and ListTags find it by ARN (by name a member finds
 * only its own trails, as DescribeTrails documents for names); UpdateTrail, DeleteTrail, StartLogging,
 * StopLogging, PutEventSelectors, AddTags and RemoveTags on it from a member are
 * NotOrganizationMasterAccountException (the error these operations list for "not the management
 * account"); the delegated administrator may do them, by ARN. It counts against no member's quota.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
 *
 * RegisterOrganizationDelegatedAdmin / DeregisterOrganizationDelegatedAdmin: from the management
 * account only (NotOrganizationManagementAccountException), with all features and trusted access,
 * the member an account of the organization (AccountNotFoundException), not the management account
 * (CannotDelegateManagementAccountException), not already registered (AccountRegisteredException) /
 * registered (AccountNotRegisteredException); the registration is Organizations' delegated
 * administrator for cloudtrail.amazonaws.com (ListDelegatedAdministrators shows it). The caller also
 * needs organizations:RegisterDelegatedAdministrator (DeregisterDelegatedAdministrator) and
 * organizations:ListAWSServiceAccessForOrganization (the dependent actions of the authorization
 * reference), else InsufficientDependencyServiceAccessPermissionException. At most
 * {@link MAX_CLOUDTRAIL_DELEGATED_ADMINISTRATORS} accounts (DelegatedAdminAccountLimitExceededException).
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_RegisterOrganizationDelegatedAdmin.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DeregisterOrganizationDelegatedAdmin.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html
 */
import type * as ct from '@aws-sdk/client-cloudtrail';
import { checkDelivery, DeliverySchedule, type DeliveredFile, type DeliveryStatus, type PersistedDeliveries } from './delivery';
import { awsError } from './errors';
import { CLOUDTRAIL_SERVICE_PRINCIPAL } from './organizations';
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
  /** Basic event selectors set by PutEventSelectors, normalized (undefined: the default selector). */
  eventSelectors?: ct.EventSelector[];
  /** Advanced event selectors set by PutEventSelectors (they replace the basic ones). */
  advancedEventSelectors?: ct.AdvancedEventSelector[];
}

/** The selector of a trail nobody gave selectors: all read and write management events, no data events. */
export const DEFAULT_EVENT_SELECTOR: Readonly<ct.EventSelector> = Object.freeze({
  ReadWriteType: 'All',
  IncludeManagementEvents: true,
  DataResources: [],
  ExcludeManagementEventSources: [],
});

/** Which trails `beforeChange` concerns: those matching every given field. */
export interface DeliveryFilter {
  readonly trailArn?: string;
  /** Trails delivering into this bucket. */
  readonly bucket?: string;
  /** Trails encrypting with this key (ARN). */
  readonly keyArn?: string;
  /** Trails of this account. */
  readonly accountId?: string;
  /** Organization trails only (they change when the organization's membership or settings do). */
  readonly organizationTrails?: boolean;
}

/** Which delivered files `deliveredFiles` returns. */
export interface DeliveredFileFilter {
  readonly accountId?: string;
  readonly trailArn?: string;
  readonly bucket?: string;
  readonly kind?: 'log' | 'digest';
}

/** A trail as persisted (local/sim/persistence.ts): dates as ISO strings. */
export type PersistedTrail = Omit<SimTrail, 'startLoggingTime' | 'stopLoggingTime'> & {
  readonly startLoggingTime?: string;
  readonly stopLoggingTime?: string;
};

/** Trails per region per account (CloudTrail quotas); a multi-region trail counts in every region. */
export const MAX_TRAILS_PER_REGION = 5;
/**
 * CloudTrail delegated administrators per organization. The quota is not on the quotas page the
 * simulation could read; three is what the CloudTrail console's settings page allows (a modelling choice).
 */
export const MAX_CLOUDTRAIL_DELEGATED_ADMINISTRATORS = 3;
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

const MAX_EVENT_SELECTORS = 5;
const MAX_DATA_RESOURCES = 250;
const MAX_ADVANCED_VALUES = 500;
const READ_WRITE_TYPES = ['ReadOnly', 'WriteOnly', 'All'];
/** Resource types basic event selectors take (API_PutEventSelectors.html: EventSelectors). */
const BASIC_DATA_RESOURCE_TYPES = ['AWS::S3::Object', 'AWS::Lambda::Function', 'AWS::DynamoDB::Table'];
/** ExcludeManagementEventSources "can filter out AWS Key Management Service or Amazon RDS Data API events" (API_EventSelector.html). */
const EXCLUDABLE_EVENT_SOURCES = ['kms.amazonaws.com', 'rdsdata.amazonaws.com'];
const ADVANCED_OPERATORS = ['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith'] as const;
/** Fields of advanced selectors for trails, by event category (API_AdvancedFieldSelector.html). */
const ADVANCED_FIELDS: Record<string, readonly string[]> = {
  Management: ['eventCategory', 'eventSource', 'readOnly'],
  Data: ['eventCategory', 'eventName', 'eventSource', 'eventType', 'resources.type', 'readOnly', 'resources.ARN', 'sessionCredentialFromConsole', 'userIdentity.arn'],
  NetworkActivity: ['eventCategory', 'eventSource', 'eventName', 'errorCode', 'vpcEndpointId'],
};
/** Fields that take only the Equals operator. */
const EQUALS_ONLY = ['eventCategory', 'readOnly', 'resources.type'];

/** PutEventSelectors' refusal; the API reference gives no message texts, these say what was wrong. */
function invalidSelectors(message: string): never {
  return awsError('InvalidEventSelectorsException', message);
}

/** Validates and normalizes PutEventSelectors' EventSelectors (defaults filled in, as GetEventSelectors returns them). */
function normalizeEventSelectors(selectors: readonly ct.EventSelector[]): ct.EventSelector[] {
  if (selectors.length < 1 || selectors.length > MAX_EVENT_SELECTORS) {
    invalidSelectors(`A trail can have 1 to ${MAX_EVENT_SELECTORS} event selectors; ${selectors.length} were specified.`);
  }
  let dataResources = 0;
  return selectors.map((sel) => {
    const readWrite = sel.ReadWriteType ?? 'All';
    if (!READ_WRITE_TYPES.includes(readWrite)) invalidSelectors(`Invalid value for ReadWriteType: ${readWrite}. Valid values: ${READ_WRITE_TYPES.join(', ')}.`);
    for (const source of sel.ExcludeManagementEventSources ?? []) {
      if (!EXCLUDABLE_EVENT_SOURCES.includes(source)) invalidSelectors(`Invalid value for ExcludeManagementEventSources: ${source}. Valid values: ${EXCLUDABLE_EVENT_SOURCES.join(', ')}.`);
    }
    const resources = (sel.DataResources ?? []).map((r) => {
      if (!r.Type || !BASIC_DATA_RESOURCE_TYPES.includes(r.Type)) {
        invalidSelectors(`Invalid data resource type: ${String(r.Type)}. Event selectors take ${BASIC_DATA_RESOURCE_TYPES.join(', ')}; use advanced event selectors for other types.`);
      }
      if ((r.Values ?? []).length === 0) invalidSelectors(`A data resource of type ${r.Type} needs at least one value.`);
      return { Type: r.Type, Values: [...(r.Values ?? [])] };
    });
    dataResources += resources.reduce((n, r) => n + r.Values.length, 0);
    if (dataResources > MAX_DATA_RESOURCES) invalidSelectors(`A trail is limited to ${MAX_DATA_RESOURCES} data resources.`);
    return {
      ReadWriteType: readWrite as ct.ReadWriteType,
      IncludeManagementEvents: sel.IncludeManagementEvents ?? true,
      DataResources: resources,
      ExcludeManagementEventSources: [...(sel.ExcludeManagementEventSources ?? [])],
    };
  });
}

/** Validates PutEventSelectors' AdvancedEventSelectors for a trail; returns a copy. */
function normalizeAdvancedSelectors(selectors: readonly ct.AdvancedEventSelector[]): ct.AdvancedEventSelector[] {
  if (selectors.length < 1) invalidSelectors('Specify at least one advanced event selector.');
  let values = 0;
  const normalized = selectors.map((sel) => {
    if (sel.Name !== undefined && sel.Name.length > 1000) invalidSelectors('The name of an advanced event selector must be at most 1000 characters.');
    const fields = sel.FieldSelectors ?? [];
    if (fields.length < 1) invalidSelectors('An advanced event selector needs at least one field selector.');
    const category = fields.find((f) => f.Field === 'eventCategory');
    const categoryValue = category?.Equals?.length === 1 ? category.Equals[0] : undefined;
    if (!categoryValue || !ADVANCED_FIELDS[categoryValue]) {
      invalidSelectors(`Every advanced event selector needs eventCategory Equals one of ${Object.keys(ADVANCED_FIELDS).join(', ')}.`);
    }
    if (categoryValue === 'Data' && !fields.some((f) => f.Field === 'resources.type')) invalidSelectors('An advanced event selector for data events needs resources.type.');
    return {
      ...(sel.Name !== undefined ? { Name: sel.Name } : {}),
      FieldSelectors: fields.map((f) => {
        const field = String(f.Field);
        if (!ADVANCED_FIELDS[categoryValue].includes(field)) invalidSelectors(`Field ${field} is not supported for ${categoryValue} events.`);
        const used = ADVANCED_OPERATORS.filter((op) => f[op] !== undefined);
        if (used.length === 0) invalidSelectors(`Field selector ${field} needs an operator with at least one value.`);
        if (EQUALS_ONLY.includes(field) && used.some((op) => op !== 'Equals')) invalidSelectors(`Field ${field} takes the Equals operator only.`);
        if (field === 'readOnly' && !(f.Equals ?? []).every((v) => v === 'true' || v === 'false')) invalidSelectors('readOnly can be set to Equals true or false.');
        if (categoryValue === 'Management' && field === 'eventSource' && (used.some((op) => op !== 'NotEquals') || !(f.NotEquals ?? []).every((v) => EXCLUDABLE_EVENT_SOURCES.includes(v)))) {
          invalidSelectors(`For management events, eventSource can be set to NotEquals ${EXCLUDABLE_EVENT_SOURCES.join(' or ')}.`);
        }
        const copy: ct.AdvancedFieldSelector = { Field: field };
        for (const op of used) {
          const list = f[op] ?? [];
          if (list.length === 0 || list.some((v) => v.length < 1 || v.length > 2048)) invalidSelectors(`The values of ${field} ${op} must be 1 to 2048 characters, at least one.`);
          values += list.length;
          copy[op] = [...list];
        }
        return copy;
      }),
    };
  });
  if (values > MAX_ADVANCED_VALUES) invalidSelectors(`A trail can have at most ${MAX_ADVANCED_VALUES} values for all conditions in all advanced event selectors; ${values} were specified.`);
  return normalized;
}

/** CloudTrail of the world. */
export class CloudTrailSim implements SimServiceImpl {
  private readonly trails = new Map<string, SimTrail>();
  private readonly schedule: DeliverySchedule;

  constructor(private readonly world: SimWorld) {
    this.schedule = new DeliverySchedule(world, (arn) => this.selectsEvents(arn));
  }

  // ---------------------------------------------------------------- deliveries (see delivery.ts)

  /**
   * Records the deliveries due until `at` (default now) under the state as it is, before that
   * state changes: call it before changing anything a delivery depends on (a bucket or key policy,
   * a key state, a trail) outside the simulated operations, which call it themselves.
   */
  beforeChange(filter: DeliveryFilter, at?: Date): void {
    const until = Math.min(at?.getTime() ?? Infinity, this.world.now().getTime());
    for (const trail of this.trails.values()) {
      if (filter.trailArn !== undefined && trail.arn !== filter.trailArn) continue;
      if (filter.bucket !== undefined && trail.s3BucketName !== filter.bucket) continue;
      if (filter.keyArn !== undefined && trail.kmsKeyId !== filter.keyArn) continue;
      if (filter.accountId !== undefined && trail.accountId !== filter.accountId && !trail.isOrganizationTrail) continue;
      if (filter.organizationTrails && !trail.isOrganizationTrail) continue;
      this.schedule.collect(trail, until);
    }
  }

  /**
   * Lets CloudTrail deliver, for every trail, what it would have delivered by `until` (default: the
   * world's time; never later). Returns the files delivered by this call, oldest first.
   */
  async deliver(until: Date = this.world.now()): Promise<DeliveredFile[]> {
    if (until.getTime() > this.world.now().getTime()) {
      throw new Error(`deliver(${until.toISOString()}) is later than the world's time ${this.world.now().toISOString()}: advance the world's clock instead`);
    }
    this.beforeChange({}, until);
    const files = (await Promise.all(this.list().map((t) => this.schedule.drain(t.arn)))).flat();
    return files.sort((a, b) => a.deliveredAt.getTime() - b.deliveredAt.getTime() || a.key.localeCompare(b.key));
  }

  /** Every file CloudTrail delivered by now (deliveries made first), oldest first, filtered. */
  async deliveredFiles(filter: DeliveredFileFilter = {}): Promise<DeliveredFile[]> {
    await this.deliver();
    const files: DeliveredFile[] = [];
    for (const bucket of this.world.s3.bucketsWithObjects()) {
      if (filter.bucket !== undefined && bucket !== filter.bucket) continue;
      for (const o of this.world.s3.listObjects(bucket)) {
        const m = o.sourceArn === undefined ? null : TRAIL_ARN.exec(o.sourceArn);
        const path = /AWSLogs\/(?:(o-[a-z0-9]+)\/)?(\d{12})\/(CloudTrail|CloudTrail-Digest)\/([a-z0-9-]+)\//.exec(o.key);
        if (!m || !path) continue;
        const file: DeliveredFile = {
          bucket,
          key: o.key,
          kind: path[3] === 'CloudTrail' ? 'log' : 'digest',
          trailArn: o.sourceArn as string,
          accountId: path[2],
          region: path[4],
          deliveredAt: o.lastModified,
          ...(path[1] ? { organizationId: path[1] } : {}),
          ...(o.encryptionContext ? { encryptionContext: { ...o.encryptionContext } } : {}),
        };
        if (filter.accountId !== undefined && file.accountId !== filter.accountId) continue;
        if (filter.trailArn !== undefined && file.trailArn !== filter.trailArn) continue;
        if (filter.kind !== undefined && file.kind !== filter.kind) continue;
        files.push(file);
      }
    }
    return files.sort((a, b) => a.deliveredAt.getTime() - b.deliveredAt.getTime() || a.key.localeCompare(b.key));
  }

  /** A trail's delivery fields as GetTrailStatus reports them now (deliveries made first). */
  async deliveryStatus(trailArn: string): Promise<DeliveryStatus> {
    const trail = this.trails.get(trailArn);
    if (!trail) throw new Error(`No trail ${trailArn} in the simulated world`);
    await this.settle(trail);
    return this.schedule.status(trailArn);
  }

  /**
   * Marks an account idle (nobody calls AWS there: its trails record no events, so no log files,
   * while digest files still arrive every hour) or, with `false`, active again.
   */
  setIdle(accountId: string, idle = true): void {
    this.beforeChange({ accountId });
    this.schedule.setIdle(accountId, idle);
  }

  /** Makes the deliveries due by now and decides them. */
  private async settle(trail: SimTrail): Promise<void> {
    this.schedule.collect(trail);
    await this.schedule.drain(trail.arn);
  }

  /** Whether a trail's selectors select any event: without, CloudTrail has no log file to write. */
  private selectsEvents(trailArn: string): boolean {
    const trail = this.trails.get(trailArn);
    if (!trail) return false;
    if (trail.advancedEventSelectors) return trail.advancedEventSelectors.length > 0;
    return (trail.eventSelectors ?? [DEFAULT_EVENT_SELECTOR]).some((s) => s.IncludeManagementEvents !== false || (s.DataResources ?? []).length > 0);
  }

  /** The delivery state of every trail, as plain JSON (persistence.ts). */
  exportDeliveries(): PersistedDeliveries {
    return this.schedule.exportState();
  }

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
    return this.listWhere(() => true);
  }

  /** The trails that satisfy `predicate`, by ARN (filtered before sorting: called on every request). */
  private listWhere(predicate: (trail: SimTrail) => boolean): SimTrail[] {
    return [...this.trails.values()].filter(predicate).sort((a, b) => a.arn.localeCompare(b.arn));
  }

  /** Whether any trail satisfies `predicate`. */
  anyTrail(predicate: (trail: SimTrail) => boolean): boolean {
    for (const trail of this.trails.values()) if (predicate(trail)) return true;
    return false;
  }

  /** Every trail with its logging status, as plain JSON (persistence.ts). */
  exportState(): PersistedTrail[] {
    return this.list().map(({ startLoggingTime, stopLoggingTime, ...t }) => ({
      ...structuredClone(t),
      ...(startLoggingTime ? { startLoggingTime: startLoggingTime.toISOString() } : {}),
      ...(stopLoggingTime ? { stopLoggingTime: stopLoggingTime.toISOString() } : {}),
    }));
  }

  /** Replaces every trail (and, when given, their delivery state) with the persisted ones. */
  importState(trails: readonly PersistedTrail[], deliveries?: PersistedDeliveries): void {
    this.trails.clear();
    this.schedule.importState(deliveries);
    for (const { startLoggingTime, stopLoggingTime, ...t } of trails) {
      this.trails.set(t.arn, {
        ...structuredClone(t),
        ...(startLoggingTime ? { startLoggingTime: new Date(startLoggingTime) } : {}),
        ...(stopLoggingTime ? { stopLoggingTime: new Date(stopLoggingTime) } : {}),
      });
    }
  }

  /**
   * Adds a trail as it exists already (seeding, e.g. an organization trail Control Tower created): no
   * checks of names, quotas or policies; its deliveries start now if it logs.
   */
  addTrail(trail: SimTrail): SimTrail {
    if (this.trails.has(trail.arn)) throw new Error(`Trail ${trail.arn} already exists`);
    const copy: SimTrail = { ...structuredClone(trail) };
    this.trails.set(copy.arn, copy);
    this.schedule.created(copy);
    return copy;
  }

  /** The organization trails (of the management account), by ARN. */
  organizationTrails(): SimTrail[] {
    const mgmt = this.world.organization?.managementAccountId;
    return this.listWhere((t) => t.isOrganizationTrail && t.accountId === mgmt);
  }

  /**
   * Whether an organization trail covers an account now: the trail is an organization trail, logging,
   * and the account an ACTIVE member (or the management account) of the organization.
   */
  organizationTrailCovers(trailArn: string, accountId: string): boolean {
    const trail = this.trails.get(trailArn);
    const account = this.world.accounts.get(accountId);
    return trail !== undefined && trail.isOrganizationTrail && trail.accountId === this.world.organization?.managementAccountId && account?.inOrganization === true && account.state === 'ACTIVE';
  }

  /** Trusted access for CloudTrail was disabled: its organization trails become trails of the management account only. */
  trustedAccessDisabled(): void {
    for (const trail of this.organizationTrails()) {
      this.beforeChange({ trailArn: trail.arn });
      trail.isOrganizationTrail = false;
    }
  }

  /** Trails an account owns that exist in a region: homed there, or multi-region ones homed elsewhere. */
  private owned(accountId: string, region: string): SimTrail[] {
    return this.listWhere((t) => t.accountId === accountId && (t.homeRegion === region || t.isMultiRegionTrail));
  }

  /** Trails visible to an account in a region: its own, and, for a member, the organization trails that apply there. */
  private visible(accountId: string, region: string): SimTrail[] {
    const mgmt = this.world.organization?.managementAccountId;
    const member = mgmt !== undefined && accountId !== mgmt && this.world.accounts.get(accountId)?.inOrganization === true;
    return this.listWhere((t) => (t.homeRegion === region || t.isMultiRegionTrail) && (t.accountId === accountId || (member && t.isOrganizationTrail && t.accountId === mgmt)));
  }

  /** Whether the caller's account is the organization's management account or a CloudTrail delegated administrator. */
  private administersOrganization(accountId: string): boolean {
    return accountId === this.world.organization?.managementAccountId || this.world.organizations.isDelegatedAdministrator(accountId, CLOUDTRAIL_SERVICE_PRINCIPAL);
  }

  /** A trail the caller may change: its own, or an organization trail when it is the delegated administrator (see the file comment). */
  private requireChangeable(trail: SimTrail, caller: Principal): SimTrail {
    if (trail.accountId !== caller.accountId && !this.administersOrganization(caller.accountId)) {
      awsError('NotOrganizationMasterAccountException', `The organization trail ${trail.arn} can be changed only from the management account ${trail.accountId} or a CloudTrail delegated administrator account.`);
    }
    return trail;
  }

  /** The checks of an organization trail's creation or conversion, in the order of the file comment; returns the management account. */
  private async requireOrganizationTrailAllowed(caller: Principal): Promise<string> {
    const organization = this.world.organization;
    if (!organization || !this.world.accounts.get(caller.accountId)?.inOrganization) {
      awsError('OrganizationsNotInUseException', 'This account is not a member of an organization.');
    }
    if (!this.administersOrganization(caller.accountId)) {
      awsError('NotOrganizationMasterAccountException', `Account ${caller.accountId} is neither the management account of organization ${organization.id} nor a CloudTrail delegated administrator.`);
    }
    this.requireOrganizationReady();
    await this.requireDependencyAccess(caller, ['organizations:DescribeOrganization', 'organizations:ListAWSServiceAccessForOrganization']);
    return organization.managementAccountId;
  }

  /** All features and trusted access for CloudTrail. */
  private requireOrganizationReady(): void {
    if (this.world.organizations.featureSet !== 'ALL') {
      awsError('OrganizationNotInAllFeaturesModeException', 'All features must be enabled in Organizations to support creating an organization trail.');
    }
    if (!this.world.organizations.isServiceAccessEnabled(CLOUDTRAIL_SERVICE_PRINCIPAL)) {
      awsError('CloudTrailAccessNotEnabledException', 'Trusted access has not been enabled between CloudTrail and Organizations (aws organizations enable-aws-service-access --service-principal cloudtrail.amazonaws.com).');
    }
  }

  /** The caller's own permissions for the Organizations calls CloudTrail makes on its behalf. */
  private async requireDependencyAccess(caller: Principal, actions: readonly string[]): Promise<void> {
    for (const action of actions) {
      const decision = await this.world.authorize(caller, action, { arn: '*', accountId: caller.accountId });
      if (!decision.allowed) {
        awsError('InsufficientDependencyServiceAccessPermissionException', `${caller.arn} is not authorized to perform ${action}, which CloudTrail needs for organization resources.`);
      }
    }
  }

  /** RegisterOrganizationDelegatedAdmin / Deregister...: the management account, all features, trusted access, permissions. */
  private async requireDelegationChange(caller: Principal, accountId: unknown, dependency: string): Promise<string> {
    const organization = this.world.organization;
    if (!organization || !this.world.accounts.get(caller.accountId)?.inOrganization) {
      awsError('OrganizationsNotInUseException', 'This account is not a member of an organization.');
    }
    if (caller.accountId !== organization.managementAccountId) {
      awsError('NotOrganizationManagementAccountException', `Account ${caller.accountId} is not the management account of organization ${organization.id}.`);
    }
    this.requireOrganizationReady();
    await this.requireDependencyAccess(caller, [dependency, 'organizations:ListAWSServiceAccessForOrganization']);
    const id = String(accountId ?? '');
    if (!/^\d{12}$/.test(id)) awsError('InvalidParameterException', `Invalid account id: ${id}`);
    if (id === organization.managementAccountId) awsError('CannotDelegateManagementAccountException', 'The management account of an organization cannot be registered as the CloudTrail delegated administrator.');
    if (!this.world.accounts.get(id)?.inOrganization) awsError('AccountNotFoundException', `Account ${id} is not found or not part of organization ${organization.id}.`);
    return id;
  }

  /**
   * Finds a trail of the caller: by ARN among those visible in the region (shadow trails included),
   * by name among those homed in the region only (see the file comment).
   */
  private find(nameOrArn: unknown, caller: Principal, region: string): SimTrail | undefined {
    const id = String(nameOrArn);
    const candidates = this.visible(caller.accountId, region);
    if (TRAIL_ARN.test(id)) return candidates.find((t) => t.arn === id);
    // By name, only the caller's own trails (an organization trail's copy in a member needs its ARN).
    return candidates.find((t) => t.name === id && t.homeRegion === region && t.accountId === caller.accountId);
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

  /** A trail that may be changed from this region by the caller: mutations must be sent to the home region. */
  private requireHome(nameOrArn: unknown, caller: Principal, region: string): SimTrail {
    const trail = this.requireChangeable(this.require(nameOrArn, caller, region), caller);
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
    let result = await checkDelivery(this.world, trail);
    // An organization trail writes the management account's files under the organization prefix; the
    // policy AWS documents for it also grants the account's own prefix ("in the event that the trail is
    // changed from an organization trail to a trail for that account only"). Which file CloudTrail's
    // creation check writes is not documented: either is accepted here, deliveries then use the former.
    if (trail.isOrganizationTrail && result.bucket === 'denied') {
      const own = await checkDelivery(this.world, { ...trail, isOrganizationTrail: false });
      if (own.bucket === 'ok') result = { ...own, key: result.key };
    }
    if (result.bucket === 'missing') awsError('S3BucketDoesNotExistException', `S3 bucket ${trail.s3BucketName} does not exist.`);
    if (result.bucket === 'denied') awsError('InsufficientS3BucketPolicyException', `Incorrect S3 bucket policy is detected for bucket: ${trail.s3BucketName}`);
    if (result.key === 'missing') {
      awsError('KmsKeyNotFoundException', `KMS key ${trail.kmsKeyId} does not exist, or it is not in the same region as the S3 bucket ${trail.s3BucketName}.`);
    }
    // KmsKeyDisabledException "is no longer in use"; KmsException is "thrown when there is an issue
    // with the specified KMS key and the trail or event data store can't be updated" (API reference).
    if (result.key === 'disabled') awsError('KmsException', `KMS key ${trail.kmsKeyId} is not enabled.`);
    if (result.key === 'pending-deletion') awsError('KmsException', `KMS key ${trail.kmsKeyId} is pending deletion.`);
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
      HasCustomEventSelectors: trail.eventSelectors !== undefined || trail.advancedEventSelectors !== undefined,
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
      // An organization trail belongs to the management account, whoever creates it.
      const owner = input.IsOrganizationTrail ? await this.requireOrganizationTrailAllowed(caller) : caller.accountId;
      const owned = this.owned(owner, region);
      if (owned.some((t) => t.name === name)) awsError('TrailAlreadyExistsException', `Trail ${name} already exists for customer: ${owner}`);
      if (owned.length >= MAX_TRAILS_PER_REGION) {
        awsError('MaximumNumberOfTrailsExceededException', `User: ${owner} already has ${MAX_TRAILS_PER_REGION} trails in ${region}.`);
      }
      const trail: SimTrail = {
        name,
        arn: this.trailArn(owner, region, name),
        accountId: owner,
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
      // The checks again after the asynchronous delivery check: CloudTrail creates a name once, so of two
      // concurrent CreateTrail calls with one name the second gets TrailAlreadyExistsException.
      const ownedNow = this.owned(owner, region);
      if (ownedNow.some((t) => t.name === name)) awsError('TrailAlreadyExistsException', `Trail ${name} already exists for customer: ${owner}`);
      if (ownedNow.length >= MAX_TRAILS_PER_REGION) {
        awsError('MaximumNumberOfTrailsExceededException', `User: ${owner} already has ${MAX_TRAILS_PER_REGION} trails in ${region}.`);
      }
      this.trails.set(trail.arn, trail);
      this.schedule.created(trail);
      const { HomeRegion: _home, HasCustomEventSelectors: _c, HasInsightSelectors: _i, ...out } = this.output(trail);
      return { ...out, ...(trail.snsTopicName !== undefined ? { SnsTopicARN: `arn:${this.world.partition}:sns:${region}:${caller.accountId}:${trail.snsTopicName}` } : {}) };
    },
    UpdateTrail: async ({ caller, region, input }) => {
      const current = this.requireHome(input.Name, caller, region);
      const updated: SimTrail = { ...current, tags: current.tags };
      this.apply(updated, input);
      const converts = input.IsOrganizationTrail !== undefined && input.IsOrganizationTrail !== current.isOrganizationTrail;
      if (converts) {
        // Converting either way is for the management account or the delegated administrator; a trail of
        // another account cannot become an organization trail.
        if (input.IsOrganizationTrail) await this.requireOrganizationTrailAllowed(caller);
        else if (!this.administersOrganization(caller.accountId)) awsError('NotOrganizationMasterAccountException', `Only the management account can convert the organization trail ${current.arn}.`);
        if (current.accountId !== this.world.organization?.managementAccountId) {
          awsError('NotOrganizationMasterAccountException', `Trail ${current.arn} is not a trail of the management account.`);
        }
        updated.isOrganizationTrail = input.IsOrganizationTrail === true;
      }
      const touchesDelivery = converts || input.S3BucketName !== undefined || input.S3KeyPrefix !== undefined || input.KmsKeyId !== undefined;
      if (touchesDelivery) await this.requireDelivery(updated);
      // What was due until now went where the trail pointed until now.
      this.beforeChange({ trailArn: current.arn });
      this.trails.set(updated.arn, updated);
      if (updated.logFileValidationEnabled !== current.logFileValidationEnabled) this.schedule.validationChanged(updated, updated.logFileValidationEnabled);
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
      const chosen = this.visible(caller.accountId, region).filter((t) => names.includes(t.arn) || (t.homeRegion === region && t.accountId === caller.accountId && names.includes(t.name)));
      return { trailList: chosen.map((t) => this.output(t)) };
    },
    GetTrailStatus: async ({ caller, region, input }) => {
      const trail = this.require(input.Name, caller, region);
      await this.settle(trail);
      const delivery = this.schedule.status(trail.arn);
      return {
        IsLogging: trail.isLogging,
        ...(delivery.latestDeliveryError !== undefined ? { LatestDeliveryError: delivery.latestDeliveryError } : {}),
        ...(delivery.latestDeliveryTime ? { LatestDeliveryTime: delivery.latestDeliveryTime } : {}),
        ...(delivery.latestDigestDeliveryTime ? { LatestDigestDeliveryTime: delivery.latestDigestDeliveryTime } : {}),
        ...(delivery.latestDigestDeliveryError !== undefined ? { LatestDigestDeliveryError: delivery.latestDigestDeliveryError } : {}),
        ...(trail.startLoggingTime ? { StartLoggingTime: trail.startLoggingTime, TimeLoggingStarted: trail.startLoggingTime.toISOString() } : {}),
        ...(trail.stopLoggingTime ? { StopLoggingTime: trail.stopLoggingTime, TimeLoggingStopped: trail.stopLoggingTime.toISOString() } : {}),
      };
    },
    StartLogging: ({ caller, region, input }) => {
      const trail = this.requireHome(input.Name, caller, region);
      if (!trail.isLogging) {
        this.beforeChange({ trailArn: trail.arn });
        trail.isLogging = true;
        trail.startLoggingTime = this.world.now();
        this.schedule.startedLogging(trail);
      }
      return {};
    },
    StopLogging: ({ caller, region, input }) => {
      const trail = this.requireHome(input.Name, caller, region);
      if (trail.isLogging) {
        this.beforeChange({ trailArn: trail.arn });
        trail.isLogging = false;
        trail.stopLoggingTime = this.world.now();
        this.schedule.stoppedLogging(trail);
      }
      return {};
    },
    DeleteTrail: async ({ caller, region, input }) => {
      const trail = this.requireHome(input.Name, caller, region);
      // What was due until the deletion is delivered; nothing after it.
      await this.settle(trail);
      this.trails.delete(trail.arn);
      this.schedule.deleted(trail.arn);
      return {};
    },
    GetEventSelectors: ({ caller, region, input }) => {
      const trail = this.require(input.TrailName, caller, region);
      if (trail.advancedEventSelectors) return { TrailARN: trail.arn, AdvancedEventSelectors: structuredClone(trail.advancedEventSelectors) };
      return { TrailARN: trail.arn, EventSelectors: structuredClone(trail.eventSelectors ?? [DEFAULT_EVENT_SELECTOR]) };
    },
    PutEventSelectors: ({ caller, region, input }) => {
      const trail = this.requireHome(input.TrailName, caller, region);
      const basic = input.EventSelectors;
      const advanced = input.AdvancedEventSelectors;
      if (basic !== undefined && advanced !== undefined) invalidSelectors('You can use either AdvancedEventSelectors or EventSelectors, but not both.');
      if (basic === undefined && advanced === undefined) invalidSelectors('Specify EventSelectors or AdvancedEventSelectors.');
      const selectors = basic !== undefined ? { eventSelectors: normalizeEventSelectors(basic) } : { advancedEventSelectors: normalizeAdvancedSelectors(advanced ?? []) };
      // What was due until now was recorded under the old selectors.
      this.beforeChange({ trailArn: trail.arn });
      delete trail.eventSelectors;
      delete trail.advancedEventSelectors;
      Object.assign(trail, selectors);
      return selectors.eventSelectors
        ? { TrailARN: trail.arn, EventSelectors: structuredClone(selectors.eventSelectors) }
        : { TrailARN: trail.arn, AdvancedEventSelectors: structuredClone(selectors.advancedEventSelectors) };
    },
    ListTags: ({ caller, region, input }) => ({
      ResourceTagList: (input.ResourceIdList ?? []).map((id) => ({
        ResourceId: id,
        TagsList: this.requireTagged(id, caller, region).tags.map((t) => ({ ...t })),
      })),
    }),
    AddTags: ({ caller, region, input }) => {
      const trail = this.requireChangeable(this.requireTagged(input.ResourceId, caller, region), caller);
      const merged = new Map(trail.tags.map((t) => [t.Key, t.Value] as const));
      for (const t of input.TagsList ?? []) merged.set(t.Key, t.Value);
      if (merged.size > MAX_TAGS) awsError('TagsLimitExceededException', `The number of tags exceeds the limit of ${MAX_TAGS}.`);
      trail.tags = [...merged].map(([Key, Value]) => ({ Key, ...(Value !== undefined ? { Value } : {}) }));
      return {};
    },
    RemoveTags: ({ caller, region, input }) => {
      const trail = this.requireChangeable(this.requireTagged(input.ResourceId, caller, region), caller);
      const remove = new Set((input.TagsList ?? []).map((t) => t.Key));
      trail.tags = trail.tags.filter((t) => !remove.has(t.Key));
      return {};
    },
    RegisterOrganizationDelegatedAdmin: async ({ caller, input }) => {
      const id = await this.requireDelegationChange(caller, input.MemberAccountId, 'organizations:RegisterDelegatedAdministrator');
      const registered = this.world.organizations.delegatedAdministratorsFor(CLOUDTRAIL_SERVICE_PRINCIPAL);
      if (registered.includes(id)) awsError('AccountRegisteredException', `Account ${id} is already registered as the CloudTrail delegated administrator.`);
      if (registered.length >= MAX_CLOUDTRAIL_DELEGATED_ADMINISTRATORS) {
        awsError('DelegatedAdminAccountLimitExceededException', `The organization already has ${registered.length} CloudTrail delegated administrators.`);
      }
      this.world.organizations.registerDelegatedAdministrator(id, CLOUDTRAIL_SERVICE_PRINCIPAL);
      return {};
    },
    DeregisterOrganizationDelegatedAdmin: async ({ caller, input }) => {
      const id = await this.requireDelegationChange(caller, input.DelegatedAdminAccountId, 'organizations:DeregisterDelegatedAdministrator');
      if (!this.world.organizations.isDelegatedAdministrator(id, CLOUDTRAIL_SERVICE_PRINCIPAL)) {
        awsError('AccountNotRegisteredException', `Account ${id} is not registered as the CloudTrail delegated administrator.`);
      }
      this.world.organizations.deregisterDelegatedAdministrator(id, CLOUDTRAIL_SERVICE_PRINCIPAL);
      return {};
    },
  } satisfies {
    RegisterOrganizationDelegatedAdmin: OperationHandler<ct.RegisterOrganizationDelegatedAdminCommandInput, ct.RegisterOrganizationDelegatedAdminCommandOutput>;
    DeregisterOrganizationDelegatedAdmin: OperationHandler<ct.DeregisterOrganizationDelegatedAdminCommandInput, ct.DeregisterOrganizationDelegatedAdminCommandOutput>;
    CreateTrail: OperationHandler<ct.CreateTrailCommandInput, ct.CreateTrailCommandOutput>;
    UpdateTrail: OperationHandler<ct.UpdateTrailCommandInput, ct.UpdateTrailCommandOutput>;
    GetTrail: OperationHandler<ct.GetTrailCommandInput, ct.GetTrailCommandOutput>;
    DescribeTrails: OperationHandler<ct.DescribeTrailsCommandInput, ct.DescribeTrailsCommandOutput>;
    GetTrailStatus: OperationHandler<ct.GetTrailStatusCommandInput, ct.GetTrailStatusCommandOutput>;
    StartLogging: OperationHandler<ct.StartLoggingCommandInput, ct.StartLoggingCommandOutput>;
    StopLogging: OperationHandler<ct.StopLoggingCommandInput, ct.StopLoggingCommandOutput>;
    DeleteTrail: OperationHandler<ct.DeleteTrailCommandInput, ct.DeleteTrailCommandOutput>;
    GetEventSelectors: OperationHandler<ct.GetEventSelectorsCommandInput, ct.GetEventSelectorsCommandOutput>;
    PutEventSelectors: OperationHandler<ct.PutEventSelectorsCommandInput, ct.PutEventSelectorsCommandOutput>;
    ListTags: OperationHandler<ct.ListTagsCommandInput, ct.ListTagsCommandOutput>;
    AddTags: OperationHandler<ct.AddTagsCommandInput, ct.AddTagsCommandOutput>;
    RemoveTags: OperationHandler<ct.RemoveTagsCommandInput, ct.RemoveTagsCommandOutput>;
  };
}
