/**
 * The runtime configuration every step reads: one JSON document in the `ONBOARDING_CONFIG`
 * environment variable, written by the CDK app from its validated model and validated again here.
 */
import { validate as isArn } from '@aws-sdk/util-arn-parser';
import * as z from 'zod';
import { ConfigurationError } from './errors';

/** A 12-digit AWS account id. */
export const AccountIdSchema = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

const ArnSchema = z.string().refine((s) => isArn(s) && s.split(':').length >= 6, 'must be an ARN (arn:partition:service:region:account:resource)');
const RoleNameSchema = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be a valid IAM role name (1-64 of [A-Za-z0-9+=,.@_-])');

/** How the service answers drift it finds on its own: change it back, or only report it. */
export const DRIFT_RESPONSES = ['repair', 'report'] as const;
/** One of {@link DRIFT_RESPONSES}. */
export type DriftResponse = (typeof DRIFT_RESPONSES)[number];

/** Defaults of the fleet reconcile's pacing. */
export const FLEET_RECONCILE_DEFAULTS = { maxConcurrent: 10, maxStartsPerSecond: 2 } as const;

/**
 * Pacing of the fleet reconcile. `maxConcurrent`: reconcile runs open at once (1-1000; default 10).
 * `maxStartsPerSecond`: reconcile runs started per second (0.01-50; default 2). Each run reads one
 * member account and the shared policies, so the start rate bounds the calls per second the fleet
 * makes on the log-archive account, STS and the status table, and the open runs bound the Lambda
 * and Step Functions concurrency it takes.
 */
export const FleetReconcileRuntimeSchema = z.strictObject({
  maxConcurrent: z.number().int().min(1).max(1000).default(FLEET_RECONCILE_DEFAULTS.maxConcurrent),
  maxStartsPerSecond: z.number().min(0.01).max(50).default(FLEET_RECONCILE_DEFAULTS.maxStartsPerSecond),
});
/** Validated fleet pacing. */
export type FleetReconcileRuntime = z.infer<typeof FleetReconcileRuntimeSchema>;

/** Defaults of the fleet start's pacing (`onboard start --all`, the orchestrator's backfill). */
export const FLEET_START_DEFAULTS = { maxConcurrent: 20, maxStartsPerSecond: 2 } as const;

/**
 * Pacing of a fleet start: the onboardings of many existing accounts (`onboard start --all`, the
 * orchestrator's backfill). Same bounds as the fleet reconcile's; a fresh onboarding writes both shared
 * policies, which the lease serializes and coalesces, so more open runs mostly wait for the lease.
 */
export const FleetStartRuntimeSchema = z.strictObject({
  maxConcurrent: z.number().int().min(1).max(1000).default(FLEET_START_DEFAULTS.maxConcurrent),
  maxStartsPerSecond: z.number().min(0.01).max(50).default(FLEET_START_DEFAULTS.maxStartsPerSecond),
});
/** Validated fleet-start pacing. */
export type FleetStartRuntime = z.infer<typeof FleetStartRuntimeSchema>;

/**
 * An Organizations root id (`r-` + 4-32 lower-case letters or digits) or OU id
 * (`ou-` + 4-32 of the root's characters + `-` + 8-32 lower-case letters or digits).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html
 */
export const OU_OR_ROOT_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const OuOrRootIdSchema = z.string().regex(OU_OR_ROOT_ID, 'must be an Organizations root id (r-xxxx) or OU id (ou-xxxx-yyyyyyyy)');

/**
 * Which accounts of the organization the service onboards: those under one of `includeOus` (a root
 * or OU id; empty: the whole organization), not under one of `excludeOus`, and not in
 * `excludeAccounts`. "Under" is the account's whole parent path, so an OU nested in an excluded one
 * is excluded too (handlers/domain/scope.ts).
 */
export const ScopeRuntimeSchema = z.strictObject({
  includeOus: z.array(OuOrRootIdSchema).default([]),
  excludeOus: z.array(OuOrRootIdSchema).default([]),
  excludeAccounts: z.array(AccountIdSchema).default([]),
});
/** Validated scope. */
export type ScopeRuntime = z.infer<typeof ScopeRuntimeSchema>;
/** The whole organization. */
export const SCOPE_DEFAULTS: ScopeRuntime = { includeOus: [], excludeOus: [], excludeAccounts: [] };

/** How member accounts read their own logs: one role per account, or one role the organization shares. */
export const READER_ACCESS_MODES = ['per-account', 'shared'] as const;
/** One of {@link READER_ACCESS_MODES}. */
export type ReaderAccessMode = (typeof READER_ACCESS_MODES)[number];

/**
 * Reader access. `per-account`: a role `<readerRoleNamePrefix><accountId>` per account in the
 * log-archive account (IAM's role quota bounds the fleet). `shared` (needs `organizationId`): one
 * role of the LogArchive stack that every organization account assumes with a session tag naming
 * itself, its permissions scoped by that tag (handlers/domain/roles.ts). `removePerAccountRoles`:
 * in `shared` mode, delete an account's per-account role once the shared role is confirmed (else
 * it is left as it is, no longer managed).
 */
export const ReaderAccessRuntimeSchema = z.strictObject({
  mode: z.enum(READER_ACCESS_MODES).default('per-account'),
  removePerAccountRoles: z.boolean().default(false),
});
/** Validated reader access. */
export type ReaderAccessRuntime = z.infer<typeof ReaderAccessRuntimeSchema>;
/** Per-account roles, none removed. */
export const READER_ACCESS_DEFAULTS: ReaderAccessRuntime = { mode: 'per-account', removePerAccountRoles: false };

/**
 * Offboarding (handlers/steps/offboard-account.ts): `keepReaderRoleDays`, how long an offboarded
 * account's reader role is kept (0: deleted with the rest; at most ten years).
 */
export const OffboardingRuntimeSchema = z.strictObject({
  keepReaderRoleDays: z.number().int().min(0).max(3650).default(0),
});
export type OffboardingRuntime = z.infer<typeof OffboardingRuntimeSchema>;

/**
 * Where the member accounts' logs come from: `account` (default), a trail of the service's in each
 * member account; `organization`, one organization trail of the management account that logs every
 * member into `[prefix/]AWSLogs/<org-id>/<account-id>/` (needs `organizationId`).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
 */
export const TRAIL_MODES = ['account', 'organization'] as const;
/** One of {@link TRAIL_MODES}. */
export type TrailMode = (typeof TRAIL_MODES)[number];

/** Name of the organization trail the service creates, unless configured. */
export const DEFAULT_ORGANIZATION_TRAIL_NAME = 'cloudtrail-onboarding-org';

/** A trail name: 3-128 of [A-Za-z0-9._-], starting with a letter or digit. */
export const TrailNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$/, 'must be a valid trail name (3-128 of [A-Za-z0-9._-])');

/** `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`. */
export const TRAIL_ARN = /^arn:[a-z-]+:cloudtrail:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):trail\/([A-Za-z0-9][A-Za-z0-9._-]{2,127})$/;

/**
 * The organization trail of `trailMode` `organization`. `name`: the trail the service creates and
 * keeps (default {@link DEFAULT_ORGANIZATION_TRAIL_NAME}). `arn`: an existing organization trail
 * (Control Tower's, another team's), used read-only: verified on every run, never written to.
 * `delegatedAdministratorAccountId`: the CloudTrail delegated administrator the service creates the
 * trail from instead of the management account (the trail is still owned by the management account:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html).
 */
export const OrganizationTrailRuntimeSchema = z.strictObject({
  name: TrailNameSchema.default(DEFAULT_ORGANIZATION_TRAIL_NAME),
  arn: z.string().regex(TRAIL_ARN, 'must be a trail ARN (arn:aws:cloudtrail:<region>:<management account>:trail/<name>)').optional(),
  delegatedAdministratorAccountId: AccountIdSchema.optional(),
});
/** Validated organization trail settings. */
export type OrganizationTrailRuntime = z.infer<typeof OrganizationTrailRuntimeSchema>;
/** The service's own organization trail, created from the management account. */
export const ORGANIZATION_TRAIL_DEFAULTS: OrganizationTrailRuntime = { name: DEFAULT_ORGANIZATION_TRAIL_NAME };

/** The configuration model of the steps. Defaults are documented on each key. */
export const RuntimeConfigSchema = z.strictObject({
  /** AWS partition of every ARN. Default `aws`. */
  partition: z.string().default('aws'),
  /** Region of the central bucket, the key, the trails' home region and the orchestrator. */
  homeRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region such as eu-west-1'),
  /** Organizations management account. */
  managementAccountId: AccountIdSchema,
  /** Security (log-archive) account: owns the bucket, the key and the reader roles. */
  logArchiveAccountId: AccountIdSchema,
  /** When set, accounts are checked in AWS Organizations (exists, ACTIVE). */
  organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must look like o-xxxxxxxxxx').optional(),
  /** Role in the management account to read Organizations through; default: the orchestrator's own credentials. */
  organizationsRoleArn: ArnSchema.optional(),
  /** Allow onboarding the management account itself. Default false. */
  allowManagementAccount: z.boolean().default(false),
  /** Allow onboarding the log-archive account itself. Default false. */
  allowLogArchiveAccount: z.boolean().default(false),
  /** Central CloudTrail bucket (in the log-archive account). */
  bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
  /** Central KMS key ARN (in the log-archive account, home region). */
  keyArn: ArnSchema,
  /** Optional S3 key prefix for every trail, without slashes at either end. */
  logPrefix: z
    .string()
    .regex(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/, 'must be a key prefix without leading or trailing slash')
    .optional(),
  /** Name of the trail created in each member account (`trailMode` `account`; in `organization`, the trail migrated from). */
  trailName: TrailNameSchema,
  /** Per-account trails (`account`, default) or one organization trail (`organization`, needs `organizationId`). */
  trailMode: z.enum(TRAIL_MODES).default('account'),
  /** The organization trail (`trailMode` `organization`). */
  organizationTrail: OrganizationTrailRuntimeSchema.default(ORGANIZATION_TRAIL_DEFAULTS),
  /**
   * In `organization` mode: delete an account's per-account trail of ours once the organization trail
   * is confirmed to deliver that account's logs. Default false (the old trail is left as it is).
   */
  migrateAccountTrails: z.boolean().default(false),
  /** The switch role created in every member account for the security account. */
  switchRole: z.strictObject({
    name: RoleNameSchema,
    /** Principals trusted to assume it (e.g. `arn:aws:iam::<security>:root` or a role ARN). */
    trustedPrincipalArns: z.array(ArnSchema).min(1),
    /** Managed policies attached. Default: SecurityAudit. */
    managedPolicyArns: z.array(ArnSchema).default(['arn:aws:iam::aws:policy/SecurityAudit']),
    /** Maximum session duration in seconds. Default 3600. */
    maxSessionDuration: z.number().int().min(3600).max(43200).default(3600),
  }),
  /** Reader roles in the log-archive account, one per member account: `<prefix><accountId>`. */
  readerRoleNamePrefix: z.string().regex(/^[\w+=,.@-]{1,52}$/).default('CloudTrailLogReader-'),
  /** Role the orchestrator assumes in each member account. Default OrganizationAccountAccessRole. */
  memberAccessRoleName: RoleNameSchema.default('OrganizationAccountAccessRole'),
  /** Role the orchestrator assumes in the log-archive account to edit the policies and reader roles. */
  logArchiveAccessRoleArn: ArnSchema,
  /**
   * The managed policy (created by the LogArchive stack) every reader role gets as permissions
   * boundary; the access role may create or change reader roles only with it.
   */
  readerRoleBoundaryArn: ArnSchema,
  /**
   * The orchestrator's event bus (`cloudtrail-onboarding`). With an organization, onboarding installs
   * rules in each member account that forward changes to the service's trail and switch role here
   * (handlers/domain/change-rules.ts); absent: no change rules (the fleet reconcile still verifies).
   */
  onboardingBusArn: ArnSchema.optional(),
  /** DynamoDB table holding account status, the policy member set and the policy leases. */
  tableName: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/),
  /**
   * Lease length of a shared-policy lock, seconds. Must be longer than a step function's timeout
   * (STEP_FUNCTION_TIMEOUT_SECONDS), so that a lease can only expire when its holder is gone. Default 180.
   */
  lockLeaseSeconds: z.number().int().min(10).max(900).default(180),
  /**
   * How long the holder of a shared-policy lease waits, when a burst is under way (other accounts
   * admitted and not granted yet), before it renders: the burst then coalesces into few writes. A
   * lone onboarding never waits. Milliseconds; default 1000.
   */
  policyBatchWindowMs: z.number().int().min(0).max(10_000).default(1000),
  /**
   * What a reconcile the service starts by itself (the fleet reconcile) does with what differs:
   * `repair` (runs in mode `apply`) or `report` (mode `report`: record and notify, write nothing).
   * Default `repair`.
   */
  driftResponse: z.enum(DRIFT_RESPONSES).default('repair'),
  /** Pacing of the fleet reconcile (handlers/start/fleet.ts). */
  fleetReconcile: FleetReconcileRuntimeSchema.default(FLEET_RECONCILE_DEFAULTS),
  /** Pacing of a fleet start (onboarding many existing accounts). */
  fleetStart: FleetStartRuntimeSchema.default(FLEET_START_DEFAULTS),
  /** Which accounts of the organization are onboarded (only with `organizationId`). Default: all. */
  scope: ScopeRuntimeSchema.default(SCOPE_DEFAULTS),
  /** How accounts read their own logs. Default: a role per account. */
  readerAccess: ReaderAccessRuntimeSchema.default(READER_ACCESS_DEFAULTS),
  offboarding: OffboardingRuntimeSchema.default({ keepReaderRoleDays: 0 }),
  /** ARN of the shared reader role (LogArchive stack), with `readerAccess.mode` `shared`. */
  sharedReaderRoleArn: ArnSchema.optional(),
});

/** Validated runtime configuration. */
export type RuntimeConfig = z.infer<typeof RuntimeConfigSchema>;
/** Runtime configuration as written (defaults may be omitted). */
export type RuntimeConfigInput = z.input<typeof RuntimeConfigSchema>;

/** Timeout of every step function (infra sets it; the lease must outlast it). */
export const STEP_FUNCTION_TIMEOUT_SECONDS = 120;

/** Name of the environment variable that carries the configuration. */
export const CONFIG_ENV = 'ONBOARDING_CONFIG';

/** Parses and validates a configuration object, naming each bad key. */
export function parseRuntimeConfig(raw: unknown): RuntimeConfig {
  const result = RuntimeConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigurationError(`Invalid onboarding configuration: ${problems.join('; ')}`, { problems });
  }
  // The one check across keys the steps cannot do without: the organization trail logs into
  // AWSLogs/<org-id>/, so organization mode cannot work without the organization's id.
  if (result.data.trailMode === 'organization' && result.data.organizationId === undefined) {
    const problems = ['trailMode: "organization" needs organizationId'];
    throw new ConfigurationError(`Invalid onboarding configuration: ${problems.join('; ')}`, { problems });
  }
  return result.data;
}

/** Reads the configuration from the environment (once per Lambda container). */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const text = env[CONFIG_ENV];
  if (!text) throw new ConfigurationError(`${CONFIG_ENV} is not set`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigurationError(`${CONFIG_ENV} is not valid JSON: ${(e as Error).message}`);
  }
  return parseRuntimeConfig(raw);
}

/** Fixed markers by which the service recognises what it owns. Never configurable: changing them orphans resources. */
export const OWNERSHIP = {
  /** Sid prefix of every bucket- and key-policy statement the service owns. */
  sidPrefix: 'CloudTrailOnboarding',
  /** Tag put on every role and trail the service creates. */
  tagKey: 'managed-by',
  tagValue: 'cloudtrail-onboarding',
} as const;
