/**
 * The one configuration model of the CDK app, validated before any construct is made.
 * Each bad key is reported with what was given and what is expected; every problem is reported at
 * once (shape first, then the checks across keys).
 *
 * Examples: config/onboarding.sample.json (existing bucket and key, the local simulation's) and
 * config/onboarding.create-resources.sample.json (the app creates the bucket and the key).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AccountIdSchema, DEFAULT_ORGANIZATION_TRAIL_NAME, FLEET_RECONCILE_DEFAULTS, TRAIL_ARN, FLEET_START_DEFAULTS, RuntimeConfigInput, TrailNameSchema, RuntimeConfigSchema, STEP_FUNCTION_TIMEOUT_SECONDS } from '../handlers/shared/config';
import { organizationTrailArn } from '../handlers/domain/arns';
import { FLEET_CONTINUE_EVERY_MINUTES } from '../handlers/start/fleet';
import { measure, POLICY_LIMITS } from '../handlers/domain/limits';
import { serializePolicy } from '../handlers/domain/policy-document';
import { AUDIT_READER_NAME_MAX_LENGTH, auditReaderRoleName, auditReaderTrustPolicy } from './audit-readers';
import { AUDIT_READER_ROLE_NAME_PREFIX } from './names';
import { ONBOARDING_BUS_NAME, ORGANIZATIONS_READ_ROLE_NAME, READER_BOUNDARY_POLICY_NAME, OPERATOR_READ_ROLE_NAME, SHARED_READER_ROLE_NAME } from './names';

/** Name of the service control policy the ManagementEvents stack creates with `prevention`. */
export const PREVENTION_POLICY_NAME = 'CloudTrailOnboarding-ProtectTrailAndSwitchRole';

const runtime = RuntimeConfigSchema.shape;

/** Partition of every ARN the app writes (cdk.json targets the `aws` partition only). */
export const PARTITION = 'aws';

/**
 * Objects (and noncurrent versions) in a created log bucket expire after this many days by default:
 * 2557 days, about seven years, a common retention for audit logs.
 */
export const DEFAULT_EXPIRE_AFTER_DAYS = 2557;

/** Alias of a created log key by default. */
export const DEFAULT_KEY_ALIAS = 'alias/cloudtrail-onboarding';

/** Name of the role in the log-archive account the orchestrator assumes, by default. */
export const DEFAULT_LOG_ARCHIVE_ACCESS_ROLE_NAME = 'OnboardingLogArchiveAccess';

/** The role Organizations creates in every account it creates (trusting the management account). */
export const ORGANIZATION_ACCESS_ROLE_NAME = 'OrganizationAccountAccessRole';

/** The member-access role name the MemberAccess stack deploys when the orchestrator is not the management account. */
export const DEFAULT_MEMBER_ACCESS_ROLE_NAME = 'CloudTrailOnboardingMemberAccess';

/**
 * Name of the JSON Schema annotation (in `.meta()`) that documents a default the app computes, where
 * zod's `.default()` cannot hold it (e.g. "the management account"). scripts/config-reference.ts puts
 * it in the README table and folds it into the key's description in config/onboarding.schema.json.
 */
export const COMPUTED_DEFAULT = 'x-default';

/**
 * The documentation of one key: what it means and, when the app computes it, its default. The
 * descriptions are the reference (config/onboarding.schema.json and the README table are generated
 * from them); a default zod fills in (`.default()`) is shown from the schema itself.
 */
function doc(description: string, computedDefault?: string): { description: string; [COMPUTED_DEFAULT]?: string } {
  return computedDefault === undefined ? { description } : { description, [COMPUTED_DEFAULT]: computedDefault };
}

/**
 * S3 bucket name rules (general purpose buckets): 3-63 characters of lower-case letters, digits, dots
 * and hyphens, starting and ending with a letter or digit, no `..`, not an IP address.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
const BucketNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name (3-63 of [a-z0-9.-], starting and ending with a letter or digit)')
  .refine((s) => !s.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(s), 'must be a valid S3 bucket name (no "..", not an IP address)')
  // The refinement in JSON Schema (zod cannot translate a function).
  .meta({ not: { anyOf: [{ pattern: '\\.\\.' }, { pattern: '^\\d+\\.\\d+\\.\\d+\\.\\d+$' }] } });

/**
 * A KMS alias name: `alias/` then 1-250 of [A-Za-z0-9/_-]; `alias/aws/` is reserved for AWS managed keys.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
 */
const AliasNameSchema = z
  .string()
  .regex(/^alias\/[A-Za-z0-9/_-]{1,250}$/, 'must be a KMS alias name such as alias/cloudtrail-onboarding')
  .refine((s) => !s.startsWith('alias/aws/'), 'must not start with alias/aws/ (reserved for AWS managed keys)')
  // The refinement in JSON Schema (zod cannot translate a function).
  .meta({ not: { pattern: '^alias/aws/' } });

const KMS_KEY_ARN = /^arn:[a-z-]+:kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;
const KMS_ALIAS_ARN = /^arn:[a-z-]+:kms:([a-z0-9-]+):(\d{12}):(alias\/[A-Za-z0-9/_-]+)$/;
/** Either of the two (one pattern, so that the JSON Schema carries it). */
const KMS_KEY_OR_ALIAS_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)$/;
const IAM_PRINCIPAL_ARN = /^arn:[a-z-]+:iam::(\d{12}):(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/;
const IAM_ROLE_ARN = /^arn:[a-z-]+:iam::(\d{12}):role\/[\w+=,.@/-]+$/;
const MANAGED_POLICY_ARN = /^arn:[a-z-]+:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;

/**
 * What an SCP can be attached to: the root (`r-` and 4-32 of [0-9a-z]), an OU (`ou-<root part>-<8-32 of
 * [a-z0-9]>`) or an account (12 digits), as AttachPolicy's TargetId pattern says.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html
 */
const SCP_TARGET_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$/;

const IamPrincipalArnSchema = z.string().regex(IAM_PRINCIPAL_ARN, 'must be an IAM principal ARN (arn:aws:iam::<account>:root|role/...|user/...)');

const logBucketName = BucketNameSchema.describe('Name of the bucket, owned by the log-archive account, in the home region.');

/** The central log bucket: created by the app, or an existing one (imported by name). */
const LogBucketSchema = z
  .discriminatedUnion(
    'create',
    [
      z
        .strictObject({
          create: z.literal(true).describe('`true`: the app creates the bucket (and its access-logs bucket).'),
          name: logBucketName,
          expireAfterDays: z
            .number()
            .int('must be a whole number of days')
            .min(1)
            .max(36500)
            .default(DEFAULT_EXPIRE_AFTER_DAYS)
            .describe('Objects and noncurrent versions expire after this many days (2557: about seven years, a common retention for audit logs).'),
          accessLogsBucketName: BucketNameSchema.optional().meta(
            doc('Name of the bucket the app creates for the S3 server access logs of the log bucket.', '`<name>-access-logs`'),
          ),
        })
        .describe('A bucket the app creates.'),
      z
        .strictObject({
          create: z.literal(false).describe('`false`: an existing bucket, imported by name.'),
          name: logBucketName,
        })
        .describe('An existing bucket.'),
    ],
    { error: (iss) => (iss.code === 'invalid_union' ? 'must say "create": true (the app creates the bucket) or false (an existing bucket)' : undefined) },
  )
  .describe('The central log bucket: created by the app, or an existing one.');

/** The central KMS key: created by the app, or an existing one (imported by key or alias ARN). */
const LogKeySchema = z
  .discriminatedUnion(
    'create',
    [
      z
        .strictObject({
          create: z.literal(true).describe('`true`: the app creates the key.'),
          alias: AliasNameSchema.default(DEFAULT_KEY_ALIAS).describe('Alias of the created key; the runtime finds the key through it.'),
          administratorArns: z
            .array(IamPrincipalArnSchema)
            .default([])
            .describe(
              'Principals allowed to administer the key (not to use it); with none, the log-archive account administers it through IAM. ' +
                'Each must exist when the key is created: KMS rejects a key policy that names a principal it cannot find.',
            ),
        })
        .describe('A key the app creates.'),
      z
        .strictObject({
          create: z.literal(false).describe('`false`: an existing key, imported by key or alias ARN.'),
          arn: z
            .string()
            .regex(KMS_KEY_OR_ALIAS_ARN, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or alias ARN (...:alias/<name>)')
            .describe('ARN of the existing key, in the log-archive account and the home region: `arn:aws:kms:<homeRegion>:<logArchive>:key/<id>` or `...:alias/<name>`.'),
        })
        .describe('An existing key.'),
    ],
    { error: (iss) => (iss.code === 'invalid_union' ? 'must say "create": true (the app creates the key) or false (an existing key)' : undefined) },
  )
  .describe('The central KMS key the trails encrypt with: created by the app, or an existing one.');

const SwitchRoleSchema = runtime.switchRole
  .extend({
    name: runtime.switchRole.shape.name.describe('Name of the switch role (must differ from `memberAccessRoleName`).'),
    trustedPrincipalArns: z
      .array(IamPrincipalArnSchema)
      .min(1, 'must name at least one principal')
      .describe('Principals trusted to assume it: IAM principal ARNs (`arn:aws:iam::<security>:root` or a role ARN).'),
    managedPolicyArns: z
      .array(z.string().regex(MANAGED_POLICY_ARN, 'must be a managed policy ARN (arn:aws:iam::aws:policy/<name> or arn:aws:iam::<account>:policy/<name>)'))
      .default(['arn:aws:iam::aws:policy/SecurityAudit'])
      .describe('Managed policies attached to the switch role.'),
    maxSessionDuration: runtime.switchRole.shape.maxSessionDuration.describe('Maximum session duration of the switch role, seconds.'),
  })
  .describe('The switch role created in every member account for the security account.');

/** When the fleet reconcile begins a sweep over every ONBOARDED account, by default: once a day. */
export const DEFAULT_FLEET_RECONCILE_SCHEDULE = 'rate(1 day)';

/**
 * A recurring EventBridge Scheduler expression: `rate(<n> <unit>)` (minute, hour or day; singular for
 * 1, plural above) or `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`, in UTC.
 * A one-time `at(...)` schedule is refused: a fleet check that runs once is not a schedule.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
const ScheduleExpressionSchema = z
  .string()
  .regex(
    /^(rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)|cron\(\S+ \S+ \S+ \S+ \S+ \S+\))$/,
    'must be a recurring EventBridge Scheduler expression such as rate(1 day), rate(12 hours) or cron(0 3 * * ? *)',
  );

const fleetRuntime = RuntimeConfigSchema.shape.fleetReconcile.unwrap().shape;

/** The fleet reconcile: when a sweep begins, and how fast it goes (handlers/start/fleet.ts). */
const FleetReconcileSchema = z
  .strictObject({
    schedule: ScheduleExpressionSchema.default(DEFAULT_FLEET_RECONCILE_SCHEDULE).meta(
      doc(
        'When a sweep over every ONBOARDED account begins (an EventBridge Scheduler expression, UTC). A sweep the function cannot finish in one ' +
          `invocation goes on every ${FLEET_CONTINUE_EVERY_MINUTES} minutes until every account has been started; a sweep still unfinished at the next tick is continued, not restarted.`,
      ),
    ),
    maxConcurrent: fleetRuntime.maxConcurrent.meta(
      doc(
        'Reconcile runs open at once, at most: the sweep starts no run while this many reconcile runs (its own and any other, e.g. a repair after ' +
          'an event) are RUNNING.',
      ),
    ),
    maxStartsPerSecond: fleetRuntime.maxStartsPerSecond.meta(
      doc(
        'Reconcile runs the sweep starts per second, at most. Each run reads one member account and the shared policies: the rate bounds the calls ' +
          'per second the fleet makes on the log-archive account, STS and the status table; each member account sees one run per sweep.',
      ),
    ),
  })
  .default({ schedule: DEFAULT_FLEET_RECONCILE_SCHEDULE, ...FLEET_RECONCILE_DEFAULTS })
  .meta(doc('The fleet reconcile: a reconcile run of every ONBOARDED account on a schedule, catching the drift events miss (README "Fleet reconcile").'));

const fleetStartRuntime = RuntimeConfigSchema.shape.fleetStart.unwrap().shape;

/** Pacing of a fleet start (`onboard start --all`, the orchestrator's backfill: handlers/start/fleet.ts). */
const FleetStartSchema = z
  .strictObject({
    schedule: ScheduleExpressionSchema.optional().meta(
      doc(
        'When a backfill begins on its own (an EventBridge Scheduler expression, UTC): the onboarding of every in-scope, ACTIVE account that is not ' +
          `ONBOARDED, continued every ${FLEET_CONTINUE_EVERY_MINUTES} minutes until each has been started. Absent: only \`onboard start --all\`, ` +
          '`POST /fleet/onboard` or an invocation with `{"action": "backfill"}` begins one (e.g. `rate(1 day)` also catches accounts no event announced).',
      ),
    ),
    maxConcurrent: fleetStartRuntime.maxConcurrent.meta(
      doc('Onboardings open at once, at most, while a fleet start runs (`onboard start --all --max-concurrent` overrides it for one CLI run).'),
    ),
    maxStartsPerSecond: fleetStartRuntime.maxStartsPerSecond.meta(
      doc('Onboardings a fleet start begins per second, at most (Step Functions throttles StartExecution well above this).'),
    ),
  })
  .default({ ...FLEET_START_DEFAULTS })
  .meta(doc('Pacing of a fleet start: onboarding the accounts that already exist (README "Fleet start").'));

const scopeRuntime = RuntimeConfigSchema.shape.scope.unwrap().shape;

/** Which accounts of the organization are onboarded (handlers/domain/scope.ts). */
const ScopeSchema = z
  .strictObject({
    includeOus: scopeRuntime.includeOus.meta(
      doc('Roots and OUs (`r-xxxx`, `ou-xxxx-yyyyyyyy`) whose accounts, at any depth, are onboarded; empty: the whole organization.'),
    ),
    excludeOus: scopeRuntime.excludeOus.meta(doc('OUs whose accounts, at any depth, are never onboarded (wins over `includeOus`).')),
    excludeAccounts: scopeRuntime.excludeAccounts.meta(doc('Accounts never onboarded, wherever they are.')),
  })
  .default({ includeOus: [], excludeOus: [], excludeAccounts: [] })
  .meta(
    doc(
      'With `organizationId`: which accounts the service onboards. An account-created, joined or moved event for an account outside is ' +
        'recorded SKIPPED with the reason (no alarm); a direct request for one is rejected (AccountOutOfScope). The default is the whole organization.',
    ),
  );

const readerAccessRuntime = RuntimeConfigSchema.shape.readerAccess.unwrap().shape;
const offboardingRuntime = RuntimeConfigSchema.shape.offboarding.unwrap().shape;

/** What offboarding keeps (handlers/steps/offboard-account.ts). */
const OffboardingSchema = z
  .strictObject({
    keepReaderRoleDays: offboardingRuntime.keepReaderRoleDays.meta(
      doc(
        'Days an offboarded account\'s per-account reader role is kept, so its people can still read its logs (0: deleted with the rest). ' +
          'The fleet reconcile deletes it once the days are over (it starts the account\'s offboarding again; so does `onboard offboard <id>`).',
      ),
    ),
  })
  .default({ keepReaderRoleDays: 0 })
  .meta(doc('Offboarding: what is kept when an account leaves (README "Offboarding").'));

/** How member accounts read their own logs (handlers/domain/roles.ts). */
const ReaderAccessSchema = z
  .strictObject({
    mode: readerAccessRuntime.mode.meta(
      doc(
        '`per-account`: a role `<readerRoleNamePrefix><accountId>` per account in the log-archive account (IAM allows 1,000 roles per account ' +
          `by default, at most 5,000). \`shared\` (needs \`organizationId\`): one role, \`${SHARED_READER_ROLE_NAME}\`, that each account of the organization ` +
          'assumes with a session tag naming itself, and whose permissions reach only the tagged account\'s logs.',
      ),
    ),
    removePerAccountRoles: readerAccessRuntime.removePerAccountRoles.meta(
      doc('With `shared`: delete an account\'s per-account reader role once its access through the shared role is confirmed (otherwise it is left, unmanaged).'),
    ),
  })
  .default({ mode: 'per-account', removePerAccountRoles: false })
  .meta(doc('How member accounts read their own logs (README "Reader access").'));

/**
 * An auditor's name: the end of its role name `CloudTrailOnboarding-Auditor-<name>`, of the characters
 * IAM allows in a role name, which has at most 64 characters.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
 */
const AUDIT_READER_NAME = new RegExp(`^[\\w+=,.@-]{1,${AUDIT_READER_NAME_MAX_LENGTH}}$`);

/**
 * Whom an auditor role may trust: an account (its root ARN: any principal that account's IAM policies
 * allow to assume the role) or a role, with an optional path; a role name has at most 64 characters.
 * No user, no wildcard: a trust policy's principals are exact.
 */
const AUDIT_PRINCIPAL_ARN = /^arn:[a-z-]+:iam::(\d{12}):(root|role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64})$/;

/**
 * STS AssumeRole's ExternalId: 2-1224 characters of `[\w+=,.@:/-]`.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** One auditor role of the LogArchive stack (infra/audit-readers.ts). */
const AuditReaderSchema = z
  .strictObject({
    name: z
      .string()
      .regex(AUDIT_READER_NAME, `must be 1-${AUDIT_READER_NAME_MAX_LENGTH} of [A-Za-z0-9+=,.@_-] (the role name ${AUDIT_READER_ROLE_NAME_PREFIX}<name> has at most 64 characters)`)
      .describe(`The auditor's role is \`${AUDIT_READER_ROLE_NAME_PREFIX}<name>\` in the log-archive account; names are unique regardless of case, as IAM role names are.`),
    trustedPrincipalArns: z
      .array(z.string().regex(AUDIT_PRINCIPAL_ARN, 'must be an account root ARN (arn:aws:iam::<account>:root) or a role ARN (arn:aws:iam::<account>:role/<name>)'))
      .min(1, 'must name at least one principal')
      .refine((arns) => new Set(arns).size === arns.length, 'must not name a principal twice')
      .describe(
        'Who may assume the role: account root ARNs (then any principal that account\'s IAM policies allow) or role ARNs. A role must exist when the ' +
          'LogArchive stack is deployed: IAM refuses a trust policy naming a role it cannot find.',
      ),
    externalId: z
      .string()
      .regex(EXTERNAL_ID, 'must be 2-1224 of [A-Za-z0-9_+=,.@:/-] (STS AssumeRole\'s ExternalId)')
      .optional()
      .meta(
        doc(
          'The ExternalId the auditor must pass to AssumeRole (`sts:ExternalId` in the trust policy), the confused-deputy guard AWS recommends for a ' +
            'third party. Required unless every trusted principal is in the management, log-archive or orchestrator account, or `withinOrganization` ' +
            'is true. Agree it with the third party (AWS does not treat it as a secret: it is in the template).',
          'none',
        ),
      ),
    withinOrganization: z
      .boolean()
      .default(false)
      .describe(
        'The trusted principals are the organization\'s own (e.g. an audit account of the organization): the trust then also requires ' +
          '`aws:PrincipalOrgID` = `organizationId`, so a principal outside it is refused, and `externalId` is not required (the console\'s switch role ' +
          'cannot pass one). Needs `organizationId`.',
      ),
  })
  .describe('One auditor: a role in the log-archive account that reads the log files of every account.');

/** The auditors (seed 004, scenario 2), each reading every account's logs through its own role. */
const AuditReadersSchema = z
  .array(AuditReaderSchema)
  .default([])
  .meta(
    doc(
      'Auditors (a third party, a SIEM, a security vendor, an internal audit team), each with a role in the log-archive account that may list, ' +
        'read and decrypt the CloudTrail log files of every account under `[logPrefix/]AWSLogs/`, in both trail modes, and nothing else; ' +
        'nothing in it names an account, so it does not change when accounts join or leave. Each: `name`, `trustedPrincipalArns`, `externalId`, ' +
        '`withinOrganization` (README "Auditor access").',
    ),
  );

const organizationTrailRuntime = RuntimeConfigSchema.shape.organizationTrail.unwrap().shape;

/** The organization trail of `trailMode` `organization` (handlers/domain/organization-trail.ts). */
const OrganizationTrailSchema = z
  .strictObject({
    name: TrailNameSchema.optional().meta(
      doc('Name of the organization trail the service creates in the management account (not with `arn`).', `\`${DEFAULT_ORGANIZATION_TRAIL_NAME}\``),
    ),
    arn: organizationTrailRuntime.arn.meta(
      doc(
        'An existing organization trail (Control Tower\'s, another team\'s), owned by the management account: the service only verifies it ' +
          '(organization trail, all regions, logging, delivering to the central bucket) and never writes to it; the shared policies pin it by ARN.',
        'none (the service creates and keeps the trail `name`)',
      ),
    ),
    delegatedAdministratorAccountId: organizationTrailRuntime.delegatedAdministratorAccountId.meta(
      doc(
        'The CloudTrail delegated administrator account to create the trail from, instead of the management account (not with `arn`). ' +
          'The trail is still owned by the management account.',
        'none (the management account)',
      ),
    ),
  })
  .optional()
  .meta(doc('With `trailMode` `organization`: the organization trail.', `the service's own trail \`${DEFAULT_ORGANIZATION_TRAIL_NAME}\`, created from the management account`));

/** The deployment configuration as written (a JSON file; see config/onboarding.sample.json). */
export const AppConfigSchema = z
  .strictObject({
    // Accepted so that a file can name its JSON Schema (editors validate and complete with it); dropped by parseAppConfig.
    $schema: z.string().optional().describe('The JSON Schema of the file, for editors: `./onboarding.schema.json` (relative to the file). Ignored by the app.'),
    homeRegion: runtime.homeRegion.describe("Region of the bucket, the key, the trails' home region and the orchestrator."),
    managementAccountId: runtime.managementAccountId.describe('Organizations management account (where account-creation events happen).'),
    logArchiveAccountId: runtime.logArchiveAccountId.describe('Security (log-archive) account: owns the bucket, the key and the reader roles.'),
    orchestratorAccountId: AccountIdSchema.optional().meta(
      doc('Account the state machine and the step functions run in (not the log-archive account).', 'the management account (`managementAccountId`)'),
    ),
    organizationId: runtime.organizationId.meta(
      doc(
        'When set, accounts are checked in AWS Organizations and new accounts are onboarded from the CreateAccountResult event. ' +
          'Without it accounts are registered by API only, and the member-access role is one each account owner created.',
        'none (no Organizations)',
      ),
    ),
    organizationsRoleArn: z
      .string()
      .regex(IAM_ROLE_ARN, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)')
      .optional()
      .meta(
        doc(
          'Role in the management account to read Organizations through (only with `organizationId`).',
          `the orchestrator's own role when it runs in the management account; else the read-only role \`${ORGANIZATIONS_READ_ROLE_NAME}\` the ManagementEvents stack creates there`,
        ),
      ),
    allowManagementAccount: runtime.allowManagementAccount.describe('Allow onboarding the management account itself.'),
    allowLogArchiveAccount: runtime.allowLogArchiveAccount.describe('Allow onboarding the log-archive account itself.'),
    logBucket: LogBucketSchema,
    logKey: LogKeySchema,
    logPrefix: runtime.logPrefix.meta(doc('S3 key prefix for every trail, without slashes at either end.', 'none (logs under `AWSLogs/` at the bucket root)')),
    trailName: runtime.trailName.describe(
      'Name of the trail created in each member account (`trailMode` `account`; with `organization`, the per-account trail migrated from).',
    ),
    trailMode: runtime.trailMode.meta(
      doc(
        '`account`: a trail of the service in each member account. `organization` (needs `organizationId`): one organization trail of the ' +
          'management account logs every member account into `[logPrefix/]AWSLogs/<organizationId>/<accountId>/`; no per-account trail, ' +
          'no per-account statements in the shared policies.',
      ),
    ),
    organizationTrail: OrganizationTrailSchema,
    migrateAccountTrails: runtime.migrateAccountTrails.meta(
      doc(
        'With `trailMode` `organization`: delete an account\'s per-account trail of the service once the organization trail is confirmed to ' +
          'deliver that account\'s logs (a log file of the account under the organization prefix); until then, and always with `false`, the ' +
          'per-account trail is left as it is, still logging (and billed: a second copy of management events). Checked on every run of the account: ' +
          'a run before the first delivery keeps the trail, a later one (the fleet reconcile, a re-run) removes it.',
      ),
    ),
    switchRole: SwitchRoleSchema,
    readerRoleNamePrefix: runtime.readerRoleNamePrefix.describe('Reader roles in the log-archive account, one per member account, are named `<prefix><accountId>`.'),
    memberAccessRoleName: runtime.memberAccessRoleName.describe(
      `Role the orchestrator assumes in each member account. \`${ORGANIZATION_ACCESS_ROLE_NAME}\` trusts only the management account: ` +
        `with a dedicated orchestrator, name the role the MemberAccess stack deploys (e.g. \`${DEFAULT_MEMBER_ACCESS_ROLE_NAME}\`).`,
    ),
    logArchiveAccessRoleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, 'must be a valid IAM role name (1-64 of [A-Za-z0-9+=,.@_-])')
      .default(DEFAULT_LOG_ARCHIVE_ACCESS_ROLE_NAME)
      .describe(
        'Name of the role in the log-archive account the orchestrator assumes to edit the shared policies and the reader roles (must not start with `readerRoleNamePrefix`).',
      ),
    lockLeaseSeconds: runtime.lockLeaseSeconds.describe(
      `Lease length of a shared-policy lock, seconds. Must be longer than the step functions' timeout of ${STEP_FUNCTION_TIMEOUT_SECONDS} s, ` +
        'so that a lease can only expire when its holder is gone.',
    ),
    policyBatchWindowMs: runtime.policyBatchWindowMs.describe(
      'How long the holder of a shared-policy lease waits, when a burst is under way (other accounts admitted and not granted yet), ' +
        'before it renders, and again while each window admits someone new (at most 8 windows, 30 s in all): the burst then coalesces into few writes. A lone onboarding never waits. Milliseconds.',
    ),
    driftResponse: runtime.driftResponse.meta(
      doc(
        'What a reconcile the service starts on its own (the fleet reconcile) does with drift it finds: `repair` runs it in mode `apply` ' +
          '(changes back what differs, health REPAIRED), `report` in mode `report` (records the drift, health DRIFTED, writes nothing in AWS).',
      ),
    ),
    fleetReconcile: FleetReconcileSchema,
    fleetStart: FleetStartSchema,
    scope: ScopeSchema,
    readerAccess: ReaderAccessSchema,
    offboarding: OffboardingSchema,
    auditReaders: AuditReadersSchema,
    operatorPrincipalArns: z
      .array(IamPrincipalArnSchema)
      .optional()
      .meta(
        doc(
          'Principals allowed to assume the read-only operator role in the log-archive account (what `onboard plan` reads the shared policies through), ' +
            "e.g. an SSO permission set's role ARN.",
          "the orchestrator account, i.e. whoever that account's IAM policies allow to assume it",
        ),
      ),
    prevention: z
      .strictObject({
        targets: z
          .array(z.string().regex(SCP_TARGET_ID, 'must be an Organizations root id (r-xxxx), OU id (ou-xxxx-yyyyyyyy) or 12-digit account id'))
          .min(1, 'must name at least one root, OU or account')
          .refine((ids) => new Set(ids).size === ids.length, 'must not name a target twice')
          .describe(
            'Roots, OUs and accounts the service control policy is attached to (`r-xxxx`, `ou-xxxx-yyyyyyyy`, 12-digit account ids). ' +
              'It applies to every member account under them; SCPs never restrict the management account.',
          ),
      })
      .optional()
      .meta(
        doc(
          `With \`organizationId\`: the ManagementEvents stack creates a service control policy (\`${PREVENTION_POLICY_NAME}\`) that denies ` +
            "every change to the service's trail and switch role (stop logging, delete, update, event and insight selectors, tag removal; " +
            'trust, policies, boundary, tags, deletion) to every principal of the targeted member accounts except the member-access role ' +
            '(`memberAccessRoleName`), which the service works through.',
          'none (no service control policy)',
        ),
      ),
    notifications: z
      .strictObject({
        emails: z.array(z.email('must be an e-mail address')).default([]).describe('E-mail addresses subscribed to the notifications topic (each confirms its subscription).'),
      })
      .optional()
      .describe('Who hears about finished onboardings and alarms (SNS e-mail subscriptions); without it, no one is subscribed.'),
  })
  .meta({
    title: 'CloudTrail account onboarding: deployment configuration',
    description: 'The configuration `cdk deploy` and the operator CLI read (README "Configuration reference").',
  });

/** The configuration as written (defaults may be omitted). */
export type AppConfigInput = z.input<typeof AppConfigSchema>;

/** Values derived from the configuration, used by the stacks and the runtime configuration. */
export interface DerivedConfig {
  /** Name of the central bucket (`logBucket.name`). */
  readonly bucketName: string;
  /**
   * What the steps are given as `keyArn`: the key ARN of an existing key, or the ALIAS ARN of a created
   * one (its key id is not known before deploy; the steps resolve it with DescribeKey).
   */
  readonly keyArn: string;
}

/** Validated deployment configuration, with its derived values. */
export type AppConfig = Omit<z.infer<typeof AppConfigSchema>, '$schema'> & DerivedConfig;

/** A configuration that failed validation; `problems` has one line per bad key. */
export class InvalidConfiguration extends Error {
  override readonly name = 'InvalidConfiguration' as const;
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration in ${source}:\n  - ${problems.join('\n  - ')}`);
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function describeReceived(raw: unknown, path: readonly PropertyKey[]): string {
  const v = valueAt(raw, path);
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** Keys of `logBucket` / `logKey` that belong to one value of `create` only. */
const CREATE_VARIANT_KEYS: Record<string, Record<string, boolean>> = {
  logBucket: { expireAfterDays: true, accessLogsBucketName: true },
  logKey: { alias: true, administratorArns: true, arn: false },
};

/**
 * The keys the model allows in the object at `path` of `raw` (for a union of objects, in the option
 * `raw` selects by its discriminator); undefined when `path` does not lead to one object.
 */
export function allowedKeysAt(schema: z.core.$ZodType, raw: unknown, path: readonly PropertyKey[]): string[] | undefined {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
      return allowedKeysAt(def.innerType as z.core.$ZodType, raw, path);
    case 'pipe':
      return allowedKeysAt(def.in as z.core.$ZodType, raw, path);
    case 'union': {
      const disc = def.discriminator as string | undefined;
      const value = disc === undefined ? undefined : valueAt(raw, [disc]);
      const options = (def.options as z.core.$ZodType[]).filter((o) => disc === undefined || (o._zod.propValues?.[disc]?.has(value as z.core.util.Primitive) ?? false));
      return options.length === 1 ? allowedKeysAt(options[0], raw, path) : undefined;
    }
    case 'object': {
      const shape = def.shape as Record<string, z.core.$ZodType>;
      if (path.length === 0) return Object.keys(shape);
      const [head, ...rest] = path;
      const child = shape[String(head)];
      return child && allowedKeysAt(child, valueAt(raw, [head]), rest);
    }
    case 'array': {
      if (path.length === 0) return undefined;
      const [head, ...rest] = path;
      return allowedKeysAt(def.element as z.core.$ZodType, valueAt(raw, [head]), rest);
    }
    default:
      return undefined;
  }
}

/**
 * Edit distance between two strings (optimal string alignment: insertions, deletions,
 * substitutions and swaps of two adjacent characters each count 1).
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The key someone who wrote `key` most likely meant, among `candidates`: one that differs only in
 * case, else the nearest within an edit distance of 2 (and of half the longer key, so that a short
 * key is not "near" everything); of keys equally near, the first. Undefined when none is near.
 */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: { key: string; distance: number } | undefined;
  for (const c of candidates) {
    const distance = editDistance(lower, c.toLowerCase());
    const limit = Math.min(2, Math.floor(Math.max(key.length, c.length) / 2));
    if (distance <= limit && (!best || distance < best.distance)) best = { key: c, distance };
  }
  return best?.key;
}

function formatIssues(raw: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') {
      // One line per unknown key, named by its full path, with the key it most likely meant.
      const present = valueAt(raw, i.path);
      const candidates = (allowedKeysAt(AppConfigSchema, raw, i.path) ?? []).filter((c) => !(present && typeof present === 'object' && c in present));
      return i.keys.map((k) => {
        const key = [...i.path, k].join('.');
        const variant = i.path.length === 1 ? CREATE_VARIANT_KEYS[String(i.path[0])]?.[k] : undefined;
        const hint = variant === undefined ? '' : ` (only with "create": ${variant})`;
        const meant = variant === undefined ? nearestKey(k, candidates) : undefined;
        const suggestion = meant === undefined ? '' : `; did you mean ${[...i.path, meant].join('.')}?`;
        return `${key}: is not a configuration key here${hint} (received ${describeReceived(raw, [...i.path, k])})${suggestion}`;
      });
    }
    const key = i.path.join('.') || '(root)';
    return [`${key}: ${i.message} (received ${describeReceived(raw, i.path)})`];
  });
}

/** The checks across keys (the shape is valid). Returns one line per problem. */
function crossKeyProblems(cfg: Omit<z.infer<typeof AppConfigSchema>, '$schema'>): string[] {
  const problems: string[] = [];
  if (cfg.lockLeaseSeconds <= STEP_FUNCTION_TIMEOUT_SECONDS) {
    // A lease that can expire while its holder still runs would let two writers in at once.
    problems.push(
      `lockLeaseSeconds: must be longer than the step functions' timeout of ${STEP_FUNCTION_TIMEOUT_SECONDS} s (received ${cfg.lockLeaseSeconds})`,
    );
  }
  const { managementAccountId: mgmt, logArchiveAccountId: logArchive, homeRegion } = cfg;
  const orchestrator = cfg.orchestratorAccountId ?? mgmt;

  if (mgmt === logArchive) {
    problems.push(`logArchiveAccountId: must differ from managementAccountId (both are ${mgmt})`);
  }
  // (When management = log-archive, that is the one problem to fix first.)
  if (orchestrator === logArchive && mgmt !== logArchive) {
    problems.push(
      `orchestratorAccountId: must not be the log-archive account ${logArchive}: the orchestrator edits the log-archive ` +
        `account's policies through a role there and should not run beside the logs (received ${JSON.stringify(cfg.orchestratorAccountId ?? mgmt)}${cfg.orchestratorAccountId ? '' : ', the default: managementAccountId'})`,
    );
  }

  if (!cfg.logKey.create) {
    const m = KMS_KEY_ARN.exec(cfg.logKey.arn) ?? KMS_ALIAS_ARN.exec(cfg.logKey.arn);
    if (m && m[2] !== logArchive) {
      problems.push(`logKey.arn: the key must be in the log-archive account ${logArchive} (received ${cfg.logKey.arn})`);
    }
    if (m && m[1] !== homeRegion) {
      problems.push(`logKey.arn: the key must be in the home region ${homeRegion} (received ${cfg.logKey.arn})`);
    }
  }

  if (cfg.logBucket.create) {
    const accessLogs = accessLogsBucketNameOf(cfg.logBucket);
    if (accessLogs === cfg.logBucket.name) {
      problems.push(`logBucket.accessLogsBucketName: must differ from logBucket.name (received ${JSON.stringify(accessLogs)})`);
    } else if (!cfg.logBucket.accessLogsBucketName && accessLogs.length > 63) {
      problems.push(
        `logBucket.accessLogsBucketName: the default "<name>-access-logs" is longer than 63 characters; set a name ` +
          `(received nothing, logBucket.name ${JSON.stringify(cfg.logBucket.name)})`,
      );
    }
  }

  if (orchestrator !== mgmt && orchestrator !== logArchive && cfg.memberAccessRoleName === ORGANIZATION_ACCESS_ROLE_NAME) {
    // Organizations creates OrganizationAccountAccessRole trusting the management account only.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html
    problems.push(
      `memberAccessRoleName: ${ORGANIZATION_ACCESS_ROLE_NAME} trusts only the management account ${mgmt}, but the orchestrator runs in ` +
        `${orchestrator} (orchestratorAccountId): set memberAccessRoleName to the role the MemberAccess stack deploys to every account ` +
        `(e.g. "${DEFAULT_MEMBER_ACCESS_ROLE_NAME}", deployed with a StackSet), or run the orchestrator in the management account ` +
        `(received ${JSON.stringify(cfg.memberAccessRoleName)})`,
    );
  }

  if (cfg.organizationsRoleArn) {
    if (!cfg.organizationId) {
      problems.push(`organizationsRoleArn: is used only with organizationId, which is not set (received ${JSON.stringify(cfg.organizationsRoleArn)})`);
    }
    const account = IAM_ROLE_ARN.exec(cfg.organizationsRoleArn)?.[1];
    if (account && account !== mgmt) {
      problems.push(`organizationsRoleArn: must be a role in the management account ${mgmt} (received ${cfg.organizationsRoleArn})`);
    }
  }

  if (cfg.prevention) {
    if (!cfg.organizationId) {
      // An SCP is a policy of an organization, created in its management account by the ManagementEvents
      // stack, which exists only with organizationId.
      problems.push(
        `prevention: a service control policy needs an organization, and organizationId is not set (received ${JSON.stringify(cfg.prevention)})`,
      );
    }
    if (cfg.prevention.targets.includes(mgmt)) {
      // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
      problems.push(
        `prevention.targets: service control policies do not affect the management account ${mgmt}; leave it out (received ${JSON.stringify(cfg.prevention.targets)})`,
      );
    }
  }

  const { includeOus, excludeOus, excludeAccounts } = cfg.scope;
  if (!cfg.organizationId && (includeOus.length || excludeOus.length || excludeAccounts.length)) {
    problems.push(`scope: OUs and exclusions are read in AWS Organizations, and organizationId is not set (received ${JSON.stringify(cfg.scope)})`);
  }
  for (const [key, ids] of [['includeOus', includeOus], ['excludeOus', excludeOus], ['excludeAccounts', excludeAccounts]] as const) {
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (twice.length) problems.push(`scope.${key}: names ${[...new Set(twice)].join(', ')} more than once`);
  }
  const both = includeOus.filter((id) => excludeOus.includes(id));
  if (both.length) problems.push(`scope.excludeOus: ${both.join(', ')} is also in scope.includeOus; name it in one of them`);
  const rootExcluded = excludeOus.filter((id) => id.startsWith('r-'));
  if (rootExcluded.length) problems.push(`scope.excludeOus: excluding the root ${rootExcluded.join(', ')} excludes every account; name OUs`);
  if (cfg.readerAccess.mode === 'shared' && !cfg.organizationId) {
    problems.push(
      'readerAccess.mode: "shared" trusts the accounts of the organization (aws:PrincipalOrgID), and organizationId is not set; ' +
        'use "per-account" without Organizations',
    );
  }
  if (cfg.readerAccess.removePerAccountRoles && cfg.readerAccess.mode !== 'shared') {
    problems.push('readerAccess.removePerAccountRoles: only with readerAccess.mode "shared" (the per-account roles are the access otherwise)');
  }

  problems.push(...trailModeProblems(cfg));
  problems.push(...auditReaderProblems(cfg));

  if (cfg.logArchiveAccessRoleName.startsWith(cfg.readerRoleNamePrefix)) {
    problems.push(
      `logArchiveAccessRoleName: must not start with readerRoleNamePrefix ${JSON.stringify(cfg.readerRoleNamePrefix)}, ` +
        `or the role could rewrite its own permissions (received ${JSON.stringify(cfg.logArchiveAccessRoleName)})`,
    );
  }
  if (cfg.switchRole.name === cfg.memberAccessRoleName) {
    problems.push(
      `switchRole.name: must differ from memberAccessRoleName, the role the orchestrator itself uses in each member account ` +
        `(received ${JSON.stringify(cfg.switchRole.name)})`,
    );
  }
  return problems;
}

/**
 * The checks of `auditReaders` across keys:
 * - a third party must give an ExternalId. The configuration cannot tell which accounts belong to the
 *   organization (members are read at run time), so an auditor counts as a third party unless every
 *   principal it trusts is in the management, log-archive or orchestrator account, or it says
 *   `withinOrganization` (then the trust requires `aws:PrincipalOrgID`, checked by IAM at AssumeRole);
 * - `withinOrganization` needs the organization;
 * - role names: unique regardless of case (IAM role names are), not starting with
 *   `readerRoleNamePrefix` (the access role may rewrite those), not the access role's;
 * - the trust policy fits IAM's 2,048 characters.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
 */
function auditReaderProblems(cfg: Omit<z.infer<typeof AppConfigSchema>, '$schema'>): string[] {
  const ownAccounts = [...new Set([cfg.managementAccountId, cfg.logArchiveAccountId, orchestratorAccount(cfg)])];
  return cfg.auditReaders.flatMap((reader, i) => {
    const key = `auditReaders.${i}`;
    const earlier = cfg.auditReaders.slice(0, i).findIndex((r) => r.name.toLowerCase() === reader.name.toLowerCase());
    return [
      ...thirdPartyProblems(cfg, reader, key, ownAccounts),
      ...(earlier >= 0 ? [`${key}.name: ${JSON.stringify(reader.name)} names the same role as auditReaders.${earlier}.name (IAM role names are unique regardless of case)`] : []),
      ...auditRoleNameProblems(cfg, reader.name, key),
      ...auditTrustSizeProblems(cfg, reader, key),
    ];
  });
}

type AuditReaderConfig = z.infer<typeof AuditReaderSchema>;

/** An auditor taken for a third party without an ExternalId; `withinOrganization` without an organization. */
function thirdPartyProblems(cfg: Pick<AppConfig, 'organizationId'>, reader: AuditReaderConfig, key: string, ownAccounts: readonly string[]): string[] {
  if (reader.withinOrganization) {
    return cfg.organizationId ? [] : [`${key}.withinOrganization: the trust would require aws:PrincipalOrgID, and organizationId is not set (received true)`];
  }
  const outsiders = reader.trustedPrincipalArns.filter((arn) => !ownAccounts.includes(AUDIT_PRINCIPAL_ARN.exec(arn)?.[1] ?? ''));
  if (reader.externalId !== undefined || !outsiders.length) return [];
  return [
    `${key}.externalId: required: ${outsiders.join(', ')} ${outsiders.length === 1 ? 'is' : 'are'} not in the management, log-archive or orchestrator ` +
      `account (${ownAccounts.join(', ')}), so the auditor is taken for a third party, which must pass an ExternalId (the confused-deputy guard); ` +
      'set externalId to the value agreed with it, or, for principals of the organization, withinOrganization: true',
  ];
}

/** The auditor's role name against the roles the orchestrator's access role may write, and the access role itself. */
function auditRoleNameProblems(cfg: Pick<AppConfig, 'readerRoleNamePrefix' | 'logArchiveAccessRoleName'>, name: string, key: string): string[] {
  const role = auditReaderRoleName(name);
  const problems: string[] = [];
  if (role.startsWith(cfg.readerRoleNamePrefix)) {
    problems.push(
      `${key}.name: the role ${role} starts with readerRoleNamePrefix ${JSON.stringify(cfg.readerRoleNamePrefix)}, whose roles the orchestrator's ` +
        'access role may rewrite; choose another readerRoleNamePrefix',
    );
  }
  if (role.toLowerCase() === cfg.logArchiveAccessRoleName.toLowerCase()) problems.push(`${key}.name: the role ${role} is logArchiveAccessRoleName; choose another name`);
  return problems;
}

/** The trust policy over IAM's default 2,048 characters (white space not counted). */
function auditTrustSizeProblems(cfg: Pick<AppConfig, 'organizationId'>, reader: AuditReaderConfig, key: string): string[] {
  if (reader.withinOrganization && !cfg.organizationId) return [];
  const size = measure('trustPolicy', serializePolicy(auditReaderTrustPolicy(reader, cfg.organizationId)));
  const { max, docUrl } = POLICY_LIMITS.trustPolicy;
  if (size <= max) return [];
  return [`${key}.trustedPrincipalArns: the trust policy would have ${size} characters, over IAM's ${max} (${docUrl}); trust fewer principals (e.g. an account root instead of its roles)`];
}

/** Whether the configuration migrates per-account trails to the organization trail (EnsureOrganizationTrail deletes them once delivered). */
export function migratesAccountTrails(cfg: Pick<AppConfig, 'trailMode' | 'migrateAccountTrails'>): boolean {
  return cfg.trailMode === 'organization' && cfg.migrateAccountTrails === true;
}

/** The checks of `trailMode`, `organizationTrail` and `migrateAccountTrails` across keys. */
function trailModeProblems(cfg: Omit<z.infer<typeof AppConfigSchema>, '$schema'>): string[] {
  const problems: string[] = [];
  const org = cfg.organizationTrail;
  if (cfg.trailMode !== 'organization') {
    if (org) problems.push(`organizationTrail: is used only with trailMode "organization" (received ${JSON.stringify(org)}, trailMode ${JSON.stringify(cfg.trailMode)})`);
    if (cfg.migrateAccountTrails) problems.push('migrateAccountTrails: is used only with trailMode "organization" (received true)');
    return problems;
  }
  if (!cfg.organizationId) {
    problems.push(
      'trailMode: "organization" logs every member into AWSLogs/<organizationId>/ and needs an organization, and organizationId is not set ' +
        '(received "organization")',
    );
  }
  const mgmt = cfg.managementAccountId;
  if (orchestratorAccount(cfg) !== mgmt) {
    // The organization-trail grants (trusted access, CreateTrail of an organization trail) are given to the
    // orchestrator's own step role; a role for them in the management account is not built yet.
    problems.push(
      `trailMode: "organization" runs the orchestrator in the management account ${mgmt} for now (received orchestratorAccountId ${JSON.stringify(cfg.orchestratorAccountId)})`,
    );
  }
  if (cfg.organizationsRoleArn) {
    problems.push(`organizationsRoleArn: with trailMode "organization" the orchestrator uses its own role in the management account; leave it out (received ${JSON.stringify(cfg.organizationsRoleArn)})`);
  }
  if (!org) return problems;
  if (org.arn) {
    const [, , account, name] = TRAIL_ARN.exec(org.arn) ?? [];
    if (account && account !== mgmt) {
      // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
      problems.push(`organizationTrail.arn: an organization trail is owned by the management account ${mgmt} (received ${org.arn})`);
    }
    if (org.name !== undefined && name !== undefined && org.name !== name) {
      problems.push(`organizationTrail.name: an existing trail is named by organizationTrail.arn; leave name out (received ${JSON.stringify(org.name)}, arn names ${JSON.stringify(name)})`);
    }
    if (org.delegatedAdministratorAccountId) {
      problems.push(
        `organizationTrail.delegatedAdministratorAccountId: the trail of organizationTrail.arn exists and is used read-only, nothing is created; leave it out ` +
          `(received ${JSON.stringify(org.delegatedAdministratorAccountId)})`,
      );
    }
  }
  if (org.delegatedAdministratorAccountId === mgmt) {
    problems.push(`organizationTrail.delegatedAdministratorAccountId: the management account ${mgmt} cannot be its own delegated administrator; leave it out to create the trail from it`);
  }
  const orgTrailName = org.arn ? TRAIL_ARN.exec(org.arn)?.[3] : (org.name ?? DEFAULT_ORGANIZATION_TRAIL_NAME);
  if (orgTrailName === cfg.trailName) {
    // Member accounts see the organization trail under its name: a per-account trail of that name could not be told apart during a migration.
    problems.push(`organizationTrail: the organization trail must not have the per-account trail's name trailName ${JSON.stringify(cfg.trailName)}`);
  }
  return problems;
}

/**
 * The role ValidateRequest reads Organizations through: the configured one; else, when the
 * orchestrator runs outside the management account, the read-only role the ManagementEvents stack
 * creates there; else none (the orchestrator's own role, in the management account, may read it).
 */
export function effectiveOrganizationsRoleArn(cfg: Pick<AppConfig, 'organizationsRoleArn' | 'organizationId' | 'orchestratorAccountId' | 'managementAccountId'>): string | undefined {
  if (cfg.organizationsRoleArn) return cfg.organizationsRoleArn;
  if (!cfg.organizationId || orchestratorAccount(cfg) === cfg.managementAccountId) return undefined;
  return `arn:${PARTITION}:iam::${cfg.managementAccountId}:role/${ORGANIZATIONS_READ_ROLE_NAME}`;
}

/**
 * ARN of the organization trail in `trailMode` `organization` (the configured existing one, or the
 * service's own in the management account's home region); undefined in `account` mode.
 */
export function organizationTrailArnOf(cfg: Pick<AppConfig, 'trailMode' | 'organizationTrail' | 'homeRegion' | 'managementAccountId'>): string | undefined {
  if (cfg.trailMode !== 'organization') return undefined;
  const name = cfg.organizationTrail?.name ?? DEFAULT_ORGANIZATION_TRAIL_NAME;
  return organizationTrailArn({ partition: PARTITION, homeRegion: cfg.homeRegion, managementAccountId: cfg.managementAccountId, organizationTrail: { name, arn: cfg.organizationTrail?.arn } });
}

/** Whether the app deploys the member-access role (a StackSet template): any role other than OrganizationAccountAccessRole. */
export function deploysMemberAccessRole(cfg: Pick<AppConfig, 'memberAccessRoleName'>): boolean {
  return cfg.memberAccessRoleName !== ORGANIZATION_ACCESS_ROLE_NAME;
}

/** The orchestrator's event bus (`cloudtrail-onboarding`, orchestrator account, home region). */
export function onboardingBusArn(cfg: Pick<AppConfig, 'homeRegion' | 'managementAccountId' | 'orchestratorAccountId'>): string {
  return `arn:${PARTITION}:events:${cfg.homeRegion}:${orchestratorAccount(cfg)}:event-bus/${ONBOARDING_BUS_NAME}`;
}

/** ARN of the reader roles' permissions boundary (LogArchive stack). */
export function readerRoleBoundaryArn(cfg: Pick<AppConfig, 'logArchiveAccountId'>): string {
  return `arn:${PARTITION}:iam::${cfg.logArchiveAccountId}:policy/${READER_BOUNDARY_POLICY_NAME}`;
}

/** ARN of the shared reader role (LogArchive stack, `readerAccess.mode` `shared`). */
export function sharedReaderRoleArn(cfg: Pick<AppConfig, 'logArchiveAccountId'>): string {
  return `arn:${PARTITION}:iam::${cfg.logArchiveAccountId}:role/${SHARED_READER_ROLE_NAME}`;
}

/** ARN of the operators' read-only role in the log-archive account (LogArchive stack). */
export function operatorReadRoleArn(cfg: Pick<AppConfig, 'logArchiveAccountId'>): string {
  return `arn:${PARTITION}:iam::${cfg.logArchiveAccountId}:role/${OPERATOR_READ_ROLE_NAME}`;
}

/** Name of the access-logs bucket of a created log bucket. */
export function accessLogsBucketNameOf(bucket: { name: string; accessLogsBucketName?: string }): string {
  return bucket.accessLogsBucketName ?? `${bucket.name}-access-logs`;
}

/** ARN of the alias of a created key: `arn:aws:kms:<homeRegion>:<logArchive>:alias/<name>`. */
export function keyAliasArn(cfg: Pick<AppConfig, 'homeRegion' | 'logArchiveAccountId'>, alias: string): string {
  return `arn:${PARTITION}:kms:${cfg.homeRegion}:${cfg.logArchiveAccountId}:${alias}`;
}

/** The alias name (`alias/...`) an imported key ARN names, if it is an alias ARN. */
export function aliasOfKeyArn(arn: string): string | undefined {
  return KMS_ALIAS_ARN.exec(arn)?.[3];
}

/** Validates a configuration object. */
export function parseAppConfig(raw: unknown, source = 'configuration'): AppConfig {
  const result = AppConfigSchema.safeParse(raw);
  if (!result.success) throw new InvalidConfiguration(source, formatIssues(raw, result.error.issues));
  const { $schema: _schema, ...cfg } = result.data;
  const problems = crossKeyProblems(cfg);
  if (problems.length) throw new InvalidConfiguration(source, problems);
  return {
    ...cfg,
    bucketName: cfg.logBucket.name,
    keyArn: cfg.logKey.create ? keyAliasArn(cfg, cfg.logKey.alias) : cfg.logKey.arn,
  };
}

/** Reads and validates a configuration file. */
export function loadAppConfig(file: string): AppConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InvalidConfiguration(file, [`cannot read JSON: ${(e as Error).message}`]);
  }
  return parseAppConfig(raw, file);
}

/** The account the orchestrator runs in. */
export function orchestratorAccount(cfg: Pick<AppConfig, 'orchestratorAccountId' | 'managementAccountId'>): string {
  return cfg.orchestratorAccountId ?? cfg.managementAccountId;
}

/** ARN of the role in the log-archive account the orchestrator assumes. */
export function logArchiveAccessRoleArn(cfg: Pick<AppConfig, 'logArchiveAccountId' | 'logArchiveAccessRoleName'>): string {
  return `arn:${PARTITION}:iam::${cfg.logArchiveAccountId}:role/${cfg.logArchiveAccessRoleName}`;
}

/**
 * The runtime configuration handed to every step function (handlers/shared/config.ts), with the
 * table name resolved at deploy time. `keyArn` is the key ARN of an existing key or the alias ARN of
 * a created one.
 */
export function runtimeConfigOf(cfg: AppConfig, tableName: string): RuntimeConfigInput {
  return {
    partition: PARTITION,
    homeRegion: cfg.homeRegion,
    managementAccountId: cfg.managementAccountId,
    logArchiveAccountId: cfg.logArchiveAccountId,
    organizationId: cfg.organizationId,
    organizationsRoleArn: effectiveOrganizationsRoleArn(cfg),
    allowManagementAccount: cfg.allowManagementAccount,
    allowLogArchiveAccount: cfg.allowLogArchiveAccount,
    bucketName: cfg.bucketName,
    keyArn: cfg.keyArn,
    logPrefix: cfg.logPrefix,
    trailName: cfg.trailName,
    trailMode: cfg.trailMode,
    ...(cfg.organizationTrail ? { organizationTrail: { ...cfg.organizationTrail } } : {}),
    migrateAccountTrails: cfg.migrateAccountTrails,
    switchRole: cfg.switchRole,
    readerRoleNamePrefix: cfg.readerRoleNamePrefix,
    memberAccessRoleName: cfg.memberAccessRoleName,
    logArchiveAccessRoleArn: logArchiveAccessRoleArn(cfg),
    readerRoleBoundaryArn: readerRoleBoundaryArn(cfg),
    onboardingBusArn: onboardingBusArn(cfg),
    tableName,
    lockLeaseSeconds: cfg.lockLeaseSeconds,
    policyBatchWindowMs: cfg.policyBatchWindowMs,
    driftResponse: cfg.driftResponse,
    fleetReconcile: { maxConcurrent: cfg.fleetReconcile.maxConcurrent, maxStartsPerSecond: cfg.fleetReconcile.maxStartsPerSecond },
    fleetStart: { maxConcurrent: cfg.fleetStart.maxConcurrent, maxStartsPerSecond: cfg.fleetStart.maxStartsPerSecond },
    scope: { includeOus: [...cfg.scope.includeOus], excludeOus: [...cfg.scope.excludeOus], excludeAccounts: [...cfg.scope.excludeAccounts] },
    readerAccess: { ...cfg.readerAccess },
    offboarding: { ...cfg.offboarding },
    ...(cfg.readerAccess.mode === 'shared' ? { sharedReaderRoleArn: sharedReaderRoleArn(cfg) } : {}),
  };
}
