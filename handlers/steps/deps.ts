/**
 * What the steps need from the outside world, as interfaces: the step logic is tested against these
 * with fakes, and handlers/shared/aws-deps.ts builds the real ones from the adapters.
 */
import type { ChangeRuleSpec, ObservedChangeRule } from '../domain/change-rules';
import type { DriftItem, Health } from '../domain/drift';
import type { ObservedRole, ObservedTrail, OrgAccount, RoleInput, Tag, TrailInput } from '../adapters/types';
import type { RuntimeConfig } from '../shared/config';
import type { AccountStatusItem, OffboardedResult, OnboardedResult } from '../adapters/status-store';
import type { LeaseOptions } from '../adapters/lease-lock';

/** IAM operations on one account's roles. */
export interface RolePort {
  /**
   * The role with its policies and tags, or undefined. `tagsFromGetRole`: take the tags GetRole
   * returns instead of paging ListRoleTags (for a role the caller may only read with GetRole and the
   * policy listings: the shared reader role).
   */
  getRole(name: string, options?: { readonly tagsFromGetRole?: boolean }): Promise<ObservedRole | undefined>;
  /** DeleteRole (its policies must be gone); a role already gone counts as deleted. */
  deleteRole(name: string): Promise<void>;
  createRole(input: RoleInput): Promise<string>;
  updateAssumeRolePolicy(name: string, policyText: string): Promise<void>;
  updateRole(name: string, description: string, maxSessionDuration: number): Promise<void>;
  attachPolicy(name: string, policyArn: string): Promise<void>;
  detachPolicy(name: string, policyArn: string): Promise<void>;
  putInlinePolicy(name: string, policyName: string, policyText: string): Promise<void>;
  deleteInlinePolicy(name: string, policyName: string): Promise<void>;
  tagRole(name: string, tags: Tag[]): Promise<void>;
  putPermissionsBoundary(name: string, policyArn: string): Promise<void>;
}

/** CloudTrail operations in one account's home region. */
export interface TrailPort {
  get(name: string): Promise<ObservedTrail | undefined>;
  create(input: TrailInput): Promise<string>;
  update(input: TrailInput): Promise<void>;
  startLogging(name: string): Promise<void>;
  isLogging(name: string): Promise<boolean>;
  /** PutEventSelectors with the default selector (every management event, read and write). */
  putDefaultEventSelectors(name: string): Promise<void>;
  /** DeleteTrail (migrateAccountTrails); a trail already gone counts as deleted. */
  delete(name: string): Promise<void>;
}

/** Delivered log files in the central bucket (handlers/adapters/s3.ts LogFileAdapter). */
export interface LogFilesPort {
  /** The first log file under `prefix`, or undefined. */
  first(prefix: string): Promise<{ key: string; lastModified?: Date } | undefined>;
}

/** The organization, as seen from the management account (AWS Organizations). */
export interface OrganizationPort {
  /** DescribeOrganization: id, feature set (`ALL` or `CONSOLIDATED_BILLING`), management account. */
  describe(): Promise<{ id: string; featureSet: string; managementAccountId: string }>;
  /** ListAWSServiceAccessForOrganization: the service principals with trusted access. */
  trustedServicePrincipals(): Promise<string[]>;
  /** EnableAWSServiceAccess. */
  enableTrustedAccess(servicePrincipal: string): Promise<void>;
}

/** The central key's state (KMS DescribeKey, CancelKeyDeletion, EnableKey). */
export interface KeyStatePort {
  state(): Promise<{ keyState: string; deletionDate?: Date }>;
  cancelDeletion(): Promise<void>;
  enable(): Promise<void>;
}

/** Read and write one resource policy (the bucket's or the key's). */
export interface PolicyPort {
  get(): Promise<string | undefined>;
  put(text: string): Promise<void>;
}

/** The central bucket: its policy, and whether it encrypts with an S3 Bucket Key (GetBucketEncryption). */
export interface BucketPolicyPort extends PolicyPort {
  bucketKeyEnabled(): Promise<boolean>;
}

/** The status table. */
export interface StatusPort {
  /** `read`: the account's item as the step has just read it (`getAccount`; null: none), not read again. */
  markInProgress(accountId: string, executionArn: string, read?: AccountItem | null): Promise<void>;
  /** `read`: as for markInProgress. */
  markOnboarded(accountId: string, result: OnboardedResult, read?: AccountItem | null): Promise<void>;
  /** Records a verification's health and drift (no status change). */
  recordVerification(accountId: string, result: { executionArn: string; health: Health; drift: DriftItem[] }): Promise<void>;
  /** The account's status item (its status decides whether applied drift was a repair). */
  getAccount(accountId: string): Promise<AccountItem | undefined>;
  markFailed(accountId: string, failure: { executionArn: string; error: { name: string; cause: string; step?: string } }): Promise<void>;
  /** Records a rejection at validation: REJECTED, or a notice on an ONBOARDED account (handlers/adapters/status-store.ts). */
  markRejected(accountId: string, rejection: { executionArn: string; error: { name: string; cause: string; step?: string } }): Promise<unknown>;
  members(): Promise<string[]>;
  /** The member set and the accounts leaving it (offboarded), in one read. */
  membership(): Promise<{ members: string[]; leaving: string[] }>;
  /** Admits the account (and takes it out of the leaving set). */
  addMember(accountId: string): Promise<void>;
  /** Offboarding: out of the member set, into the leaving set. */
  removeMember(accountId: string): Promise<void>;
  /** Offboarding begins (false: the account has no item, nothing was written). */
  markOffboarding(accountId: string, executionArn: string, reason: string): Promise<boolean>;
  /** Offboarding done. */
  markOffboarded(accountId: string, result: OffboardedResult): Promise<void>;
}

/** EventBridge rules on one account's default bus in one region (handlers/adapters/events.ts). */
export interface ChangeRulesPort {
  get(name: string): Promise<ObservedChangeRule | undefined>;
  putRule(spec: ChangeRuleSpec, opts: { tag: boolean }): Promise<void>;
  putTarget(spec: ChangeRuleSpec): Promise<void>;
  removeTargets(name: string, ids: readonly string[]): Promise<void>;
  /** DeleteRule (offboarding); a rule already gone counts as deleted. */
  deleteRule(name: string): Promise<void>;
}

/** An account's status item as a step sees it (handlers/adapters/status-store.ts AccountStatusItem). */
export type AccountItem = { readonly status: string } & Partial<Omit<AccountStatusItem, 'status'>>;

/** The shared-policy lease. */
export interface LockPort {
  withLease<T>(name: string, owner: string, leaseSeconds: number, fn: () => Promise<T>, options?: LeaseOptions): Promise<T>;
}

/** The configuration with `keyArn` resolved to the key's own ARN (what CloudTrail and the policies name). */
export async function resolvedConfig(deps: StepDeps): Promise<RuntimeConfig> {
  return { ...deps.config, keyArn: await deps.resolveKeyArn() };
}

/** Everything a step may use. Member-account ports are opened per account (assumed role). */
export interface StepDeps {
  readonly config: RuntimeConfig;
  describeAccount(accountId: string): Promise<OrgAccount | null>;
  /** The account's OU path in Organizations, root first; null when the organization does not know it. */
  accountPath(accountId: string): Promise<string[] | null>;
  memberRoles(accountId: string): Promise<RolePort>;
  memberTrails(accountId: string): Promise<TrailPort>;
  /** The member account's rules in `region` (through the member-access role). */
  memberChangeRules(accountId: string, region: string): Promise<ChangeRulesPort>;
  logArchiveRoles(): Promise<RolePort>;
  /** `trailMode` `organization`: AWS Organizations of the management account. */
  organization(): Promise<OrganizationPort>;
  /**
   * `trailMode` `organization`: CloudTrail where the organization trail is managed -- the management
   * account or the configured delegated administrator -- in `region` (default the home region; an
   * existing trail is read in its own home region).
   */
  organizationTrails(region?: string): Promise<TrailPort>;
  bucketPolicy(): Promise<BucketPolicyPort>;
  /** The central bucket's log files, listed through the log-archive access role (migrateAccountTrails). */
  logFiles(): Promise<LogFilesPort>;
  keyPolicy(): Promise<PolicyPort>;
  /** The central key's state: read, and brought back (cancel a scheduled deletion, enable). */
  keyState(): Promise<KeyStatePort>;
  /** The central key's ARN (config `keyArn` may name it by alias ARN); resolved once per container. */
  resolveKeyArn(): Promise<string>;
  readonly status: StatusPort;
  /** The clock (delivery ages). */
  now(): Date;
  readonly lock: LockPort;
  /** Waits (a timer in Lambda; instant in tests). */
  sleep(ms: number): Promise<void>;
}
