/**
 * Log-archive stack (log-archive account, home region): the central bucket and KMS key when the
 * configuration asks to create them, and always the role the orchestrator assumes to edit the bucket
 * policy, the key policy and the reader roles.
 *
 * Why the bucket policy's and key policy's CloudTrail statements are not in this stack: the service
 * owns them and rewrites them at run time (one statement set for every onboarded account, Sid prefix
 * `CloudTrailOnboarding`). CloudFormation replaces a whole policy document whenever the resource that
 * holds it changes, so if those statements (or the member accounts) were in the template, a later
 * deploy that changed the key's or the bucket policy's properties would overwrite what the service
 * wrote and cut every trail's delivery. The template therefore holds only what is stable: the key's
 * root delegation and administrators, the bucket's TLS-only statement. If a deploy ever does change
 * one of them (e.g. a new key administrator), re-run one onboarding afterwards: it re-renders the
 * statements of every member from the member set in the status table. (A deploy that does so is also
 * seen: the stack's change rules forward PutBucketPolicy, PutKeyPolicy, DisableKey and
 * ScheduleKeyDeletion to the orchestrator, which reconciles; infra/change-forwarding.ts.)
 */
import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { accessLogsBucketNameOf, aliasOfKeyArn, AppConfig, migratesAccountTrails, orchestratorAccount, organizationTrailArnOf, PARTITION, readerRoleBoundaryArn } from '../config';
import { addSharedChangeRules } from '../change-forwarding';
import { denyGrantsNotForAwsResources, GUARD_RULES } from '../guard';
import { acknowledge, suppressGuardRule, wildcardResourceFinding } from '../nag';
import { OWNERSHIP } from '../../handlers/shared/config';
import { OPERATOR_READ_ROLE_NAME, READER_BOUNDARY_POLICY_NAME, ROLE_NAME_PREFIX, SHARED_READER_ROLE_NAME } from '../names';
import { logObjectPrefix } from '../../handlers/domain/arns';
import { desiredSharedReaderRole, READER_POLICY_NAME, type SharedReaderKey } from '../../handlers/domain/roles';
import { stepsUsingLogArchiveRole } from './orchestrator-stack';
import { AUDIT_READER_MAX_SESSION_SECONDS, AUDIT_READER_POLICY_NAME, auditReaderDescription, auditReaderPolicy, auditReaderRoleName, auditReaderTrustPolicy, auditedLogObjectsArn } from '../audit-readers';

/**
 * Removal policy of what this stack keeps when it is deleted or a resource is replaced: the buckets, their
 * policies and the key. CloudFormation's `RetainExceptOnCreate` (CDK `RETAIN_ON_UPDATE_OR_DELETE`) retains
 * them like `Retain` in every stack operation except the one that created them: when that operation rolls
 * back, they are deleted. With plain `Retain`, a failed first create kept the fixed-name buckets, and every
 * retry failed on "bucket already exists". The UpdateReplacePolicy stays `Retain`.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.RemovalPolicy.html
 */
const RETAIN_EXCEPT_ON_CREATE = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

/** Properties of {@link LogArchiveStack}. */
export interface LogArchiveStackProps extends StackProps {
  /** The validated deployment configuration. */
  readonly config: AppConfig;
}

/**
 * What a key administrator may do: manage the key, never use it for cryptography.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators
 */
const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:Create*',
  'kms:Delete*',
  'kms:Describe*',
  'kms:Disable*',
  'kms:Enable*',
  'kms:Get*',
  'kms:List*',
  'kms:Put*',
  'kms:Revoke*',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:Update*',
];

/** What the service reads of the reader roles `<readerRoleNamePrefix><account>` (handlers/adapters/iam.ts). */
const READER_ROLE_READ_ACTIONS = ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:ListRoleTags'];

/**
 * What EnsureReaderRole reads of the shared reader role to verify it (`readerAccess.mode` `shared`):
 * GetRole (trust, settings, boundary and tags) and its policies; nothing else, and no write.
 */
const SHARED_READER_ROLE_READ_ACTIONS = ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'];

/** What removing a per-account reader role takes (`removePerAccountRoles`): its policies, then the role. */
const READER_ROLE_DELETE_ACTIONS = ['iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy'];

/**
 * Why the buckets have no event notifications ([CT.S3.PR.4]): nothing in the service consumes object
 * events, and a bucket has one notification configuration, which a log consumer may need to own.
 */
const BUCKET_NOTIFICATIONS_REASON =
  'Nothing in this service consumes object events (delivery is checked through the trails\' status). A bucket has a single notification ' +
  'configuration: owned by this template, it would overwrite (and be overwritten by) the one a log consumer, such as SIEM ingestion, sets up.';

/** An existing key, by key ARN or alias ARN (S3 default encryption accepts either). */
function importedKey(scope: Construct, arn: string): kms.IKey {
  const alias = aliasOfKeyArn(arn);
  return alias ? kms.Alias.fromAliasName(scope, 'ImportedLogKeyAlias', alias) : kms.Key.fromKeyArn(scope, 'ImportedLogKey', arn);
}

/** The central bucket and key (when created) and the orchestrator's access role. */
export class LogArchiveStack extends Stack {
  /** The central bucket (created, or imported by name). */
  public readonly bucket: s3.IBucket;
  /** The created key, when the configuration creates one. */
  public readonly key?: kms.Key;
  /** The role the orchestrator assumes. */
  public readonly accessRole: iam.Role;
  /** The read-only role operators assume (`onboard plan`). */
  public readonly operatorReadRole: iam.Role;
  /** The shared reader role (`readerAccess.mode` `shared` only). */
  public readonly sharedReaderRole?: iam.CfnRole;
  /** The auditors' roles (`auditReaders`), by auditor name. */
  public readonly auditReaderRoles: Record<string, iam.CfnRole> = {};

  constructor(scope: Construct, id: string, props: LogArchiveStackProps) {
    super(scope, id, props);
    // Server access logs are delivered under a bucket policy (the access-logs bucket enforces bucket
    // ownership, so the legacy log-delivery ACL cannot be used). Set before any bucket is made.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const cfg = props.config;

    // ---- the key
    let keyResource: { arns: string[]; conditions?: Record<string, unknown> };
    if (cfg.logKey.create) {
      const key = new kms.Key(this, 'LogKey', {
        alias: cfg.logKey.alias,
        description:
          'Encrypts the CloudTrail logs of every onboarded account. The CloudTrail statements of its key policy are ' +
          'written at run time by the onboarding service.',
        enableKeyRotation: true,
        // The default key policy: `arn:aws:iam::<this account>:root` may use kms:* -- the delegation to IAM
        // that the reader roles (authorized by their own IAM policies) and this stack's access role rely on.
        removalPolicy: RETAIN_EXCEPT_ON_CREATE,
        pendingWindow: Duration.days(30),
      });
      if (cfg.logKey.administratorArns.length) {
        key.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'KeyAdministrators',
            principals: cfg.logKey.administratorArns.map((arn) => new iam.ArnPrincipal(arn)),
            actions: KEY_ADMIN_ACTIONS,
            resources: ['*'],
          }),
        );
      }
      // [CT.KMS.PR.3]: grants only for AWS services. The service writes the key policy at run time and
      // keeps every statement it does not own, this one included.
      key.addToResourcePolicy(denyGrantsNotForAwsResources());
      this.key = key;
      keyResource = { arns: [key.keyArn] };
    } else {
      const alias = aliasOfKeyArn(cfg.logKey.arn);
      // IAM names a key only by its key ARN; an alias ARN is matched through kms:ResourceAliases.
      // https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html
      keyResource = alias
        ? {
            arns: [`arn:${this.partition}:kms:${cfg.homeRegion}:${cfg.logArchiveAccountId}:key/*`],
            conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [alias] } },
          }
        : { arns: [cfg.logKey.arn] };
    }

    // ---- the bucket
    if (cfg.logBucket.create) {
      const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
        bucketName: accessLogsBucketNameOf(cfg.logBucket),
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        // S3 server access logs can only be delivered to a bucket with SSE-S3 default encryption.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
        encryption: s3.BucketEncryption.S3_MANAGED,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned: true,
        lifecycleRules: [
          { id: 'ExpireAccessLogs', expiration: Duration.days(cfg.logBucket.expireAfterDays) },
          { id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: Duration.days(cfg.logBucket.expireAfterDays) },
          { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        ],
        removalPolicy: RETAIN_EXCEPT_ON_CREATE,
      });
      acknowledge(
        accessLogs,
        'AwsSolutions-S1',
        'This is the server access log bucket of the CloudTrail bucket; logging it into itself or a third bucket would only log the log delivery.',
      );
      // Control Tower's S3 controls: https://docs.aws.amazon.com/controltower/latest/controlreference/s3-rules.html
      suppressGuardRule(
        accessLogs,
        GUARD_RULES.s3AccessLogging,
        'This is the server access log bucket of the CloudTrail bucket; logging it into itself or a third bucket would only log the log delivery.',
      );
      suppressGuardRule(
        accessLogs,
        GUARD_RULES.s3KmsEncryption,
        'S3 delivers server access logs only to a bucket with SSE-S3 default encryption, not SSE-KMS ' +
          '(https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).',
      );
      suppressGuardRule(
        accessLogs,
        GUARD_RULES.s3ObjectLock,
        'S3 delivers server access logs only to a bucket without an Object Lock default retention ' +
          '(https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html); the logs expire by lifecycle.',
      );
      suppressGuardRule(accessLogs, GUARD_RULES.s3EventNotifications, BUCKET_NOTIFICATIONS_REASON);

      this.bucket = new s3.Bucket(this, 'LogBucket', {
        bucketName: cfg.logBucket.name,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        // A TLS-only Deny statement: the one bucket policy statement the template owns (see the top of this file).
        enforceSSL: true,
        versioned: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: cfg.logKey.create ? this.key : importedKey(this, cfg.logKey.arn),
        // No S3 Bucket Key: it would change the encryption context of objects, and reader roles decrypt
        // only under the CloudTrail context of their own account's trails.
        bucketKeyEnabled: false,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: 'log-bucket/',
        lifecycleRules: [
          { id: 'ExpireLogs', expiration: Duration.days(cfg.logBucket.expireAfterDays) },
          { id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: Duration.days(cfg.logBucket.expireAfterDays) },
          { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        ],
        removalPolicy: RETAIN_EXCEPT_ON_CREATE,
      });
      // Deleting the policy resource would delete the statements the service wrote: keep it with the bucket.
      (this.bucket as s3.Bucket).policy?.applyRemovalPolicy(RETAIN_EXCEPT_ON_CREATE);
      // The access-logs bucket is kept too, and receives the log bucket's server access logs only under its
      // policy (the logging service's grant): keep that with it.
      accessLogs.policy?.applyRemovalPolicy(RETAIN_EXCEPT_ON_CREATE);
      suppressGuardRule(this.bucket, GUARD_RULES.s3EventNotifications, BUCKET_NOTIFICATIONS_REASON);
      suppressGuardRule(
        this.bucket,
        GUARD_RULES.s3ObjectLock,
        'Object Lock retention (mode and period; a compliance-mode period cannot be shortened, not even by the root user) is the organization\'s ' +
          'log-retention decision, not part of this configuration; the logs expire by lifecycle after logBucket.expireAfterDays, and the trails\' ' +
          'log file integrity validation (hourly digest files) detects any log file modified or deleted.',
      );
    } else {
      this.bucket = s3.Bucket.fromBucketName(this, 'LogBucket', cfg.logBucket.name);
    }

    // ---- the reader roles' permissions boundary: whatever the access role writes into a reader
    // role, it can never grant more than reading and decrypting the logs.
    const bucketArn = this.bucket.bucketArn;
    const logObjects = `${bucketArn}/${cfg.logPrefix ? `${cfg.logPrefix}/` : ''}AWSLogs/*`;
    const boundary = new iam.ManagedPolicy(this, 'ReaderBoundary', {
      managedPolicyName: READER_BOUNDARY_POLICY_NAME,
      description: 'Permissions boundary of every CloudTrail log reader role: read the log files and decrypt them, nothing else.',
      statements: [
        new iam.PolicyStatement({ sid: 'ReadLogFiles', actions: ['s3:GetObject'], resources: [logObjects] }),
        new iam.PolicyStatement({ sid: 'ListLogFiles', actions: ['s3:ListBucket'], resources: [bucketArn] }),
        new iam.PolicyStatement({
          sid: 'DecryptLogFiles',
          actions: ['kms:Decrypt'],
          resources: keyResource.arns,
          ...(keyResource.conditions ? { conditions: keyResource.conditions } : {}),
        }),
      ],
    });
    acknowledge(
      boundary,
      wildcardResourceFinding(boundary, logObjects),
      'A permissions boundary (a ceiling, granting nothing by itself) over every account\'s log files; each reader role\'s own policy names its account\'s prefix.',
    );
    if (keyResource.conditions) {
      acknowledge(boundary, wildcardResourceFinding(boundary, keyResource.arns[0]), 'The key is configured by alias; narrowed by kms:ResourceAliases to the one alias.');
    }

    // ---- the role the orchestrator assumes
    const readerRoles = `arn:${this.partition}:iam::${cfg.logArchiveAccountId}:role/${cfg.readerRoleNamePrefix}*`;
    const orchestrator = orchestratorAccount(cfg);
    const owned = { [`aws:ResourceTag/${OWNERSHIP.tagKey}`]: OWNERSHIP.tagValue };
    const withBoundary = { 'iam:PermissionsBoundary': boundary.managedPolicyArn };
    // ---- readerAccess.mode shared: one reader role for the whole organization (see desiredSharedReaderRole)
    const shared = cfg.readerAccess.mode === 'shared';
    if (shared) this.sharedReaderRole = this.addSharedReaderRole(cfg, boundary, keyResource);
    // ---- auditReaders: one role per auditor, reading every account's logs (infra/audit-readers.ts)
    for (const reader of cfg.auditReaders) this.auditReaderRoles[reader.name] = this.addAuditReaderRole(cfg, reader, boundary, keyResource);
    const sharedReaderRoleArn = `arn:${this.partition}:iam::${cfg.logArchiveAccountId}:role/${SHARED_READER_ROLE_NAME}`;
    const perAccountWrites = [
      // A reader role is created only with the boundary and the ownership tag...
      new iam.PolicyStatement({
        sid: 'CreateReaderRoles',
        actions: ['iam:CreateRole'],
        resources: [readerRoles],
        conditions: { StringEquals: { ...withBoundary, [`aws:RequestTag/${OWNERSHIP.tagKey}`]: OWNERSHIP.tagValue } },
      }),
      new iam.PolicyStatement({ sid: 'TagReaderRoles', actions: ['iam:TagRole'], resources: [readerRoles], conditions: { StringEquals: owned } }),
      // ...its permissions change only while it has the boundary...
      new iam.PolicyStatement({
        sid: 'WriteReaderRolePolicies',
        actions: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:PutRolePermissionsBoundary'],
        resources: [readerRoles],
        conditions: { StringEquals: { ...withBoundary, ...owned } },
      }),
      // ...and only roles the service owns have their trust or settings changed.
      new iam.PolicyStatement({
        sid: 'UpdateReaderRoles',
        actions: ['iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'iam:UpdateRoleDescription'],
        resources: [readerRoles],
        conditions: { StringEquals: owned },
      }),
      // Offboarding deletes the account's reader role (its policies first), only one of ours.
      new iam.PolicyStatement({ sid: 'DeleteReaderRoles', actions: READER_ROLE_DELETE_ACTIONS, resources: [readerRoles], conditions: { StringEquals: owned } }),
    ];
    // Shared mode writes no reader role: it reads the shared one, writes its deny list of offboarded
    // accounts (handlers/domain/reader-revocation.ts), and (removePerAccountRoles) deletes the
    // per-account roles of ours, nothing else.
    const sharedModeAccess = [
      new iam.PolicyStatement({ sid: 'ReadSharedReaderRole', actions: SHARED_READER_ROLE_READ_ACTIONS, resources: [sharedReaderRoleArn] }),
      // The deny list, CloudTrailOnboarding-Offboarded. IAM has no condition key for an inline policy's
      // name (PutRolePolicy and DeleteRolePolicy take iam:PermissionsBoundary only:
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html),
      // so this grant also reaches the stack's own ReadOwnCloudTrailLogs; the role's boundary caps any
      // such policy at reading the logs, and EnsureReaderRole reports a changed one (SharedReaderRoleNotDeployed).
      new iam.PolicyStatement({
        sid: 'WriteSharedReaderDenyList',
        actions: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
        resources: [sharedReaderRoleArn],
        conditions: { StringEquals: { ...withBoundary, ...owned } },
      }),
      ...(cfg.readerAccess.removePerAccountRoles
        ? [new iam.PolicyStatement({ sid: 'DeletePerAccountReaderRoles', actions: READER_ROLE_DELETE_ACTIONS, resources: [readerRoles], conditions: { StringEquals: owned } })]
        : []),
    ];
    this.accessRole = new iam.Role(this, 'LogArchiveAccessRole', {
      roleName: cfg.logArchiveAccessRoleName,
      description:
        'Assumed by the CloudTrail onboarding service to edit the central bucket and key policies and the per-account reader roles.',
      // Only the roles of the steps that use it (their names are fixed). A principal ARN condition
      // (rather than the roles as principals) lets this stack deploy before the orchestrator's roles exist:
      // IAM refuses a trust policy naming a role that does not exist yet.
      assumedBy: new iam.AccountPrincipal(orchestrator).withConditions({
        ArnEquals: { 'aws:PrincipalArn': stepsUsingLogArchiveRole(cfg).map((step) => `arn:${this.partition}:iam::${orchestrator}:role/${ROLE_NAME_PREFIX}${step}`) },
      }),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        LogArchiveAccess: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'BucketPolicy',
              actions: ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:GetEncryptionConfiguration'],
              resources: [this.bucket.bucketArn],
            }),
            new iam.PolicyStatement({
              sid: 'KeyPolicy',
              actions: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'],
              resources: keyResource.arns,
              conditions: keyResource.conditions,
            }),
            // Drift repair of the key itself: a scheduled deletion cancelled, the key enabled again.
            new iam.PolicyStatement({
              sid: 'KeyState',
              actions: ['kms:CancelKeyDeletion', 'kms:EnableKey'],
              resources: keyResource.arns,
              conditions: keyResource.conditions,
            }),
            new iam.PolicyStatement({ sid: 'ReadReaderRoles', actions: READER_ROLE_READ_ACTIONS, resources: [readerRoles] }),
            ...(shared ? sharedModeAccess : perAccountWrites),
            // migrateAccountTrails: whether the organization trail has delivered an account's logs yet (a
            // ListObjectsV2 of its organization prefix, before its per-account trail is deleted); list only,
            // under the organization's prefix only.
            ...(migratesAccountTrails(cfg) && cfg.organizationId
              ? [
                  new iam.PolicyStatement({
                    sid: 'FindOrganizationTrailLogs',
                    actions: ['s3:ListBucket'],
                    resources: [this.bucket.bucketArn],
                    conditions: { StringLike: { 's3:prefix': `${logObjectPrefix(cfg.logPrefix, cfg.organizationId)}*` } },
                  }),
                ]
              : []),
          ],
        }),
      },
    });

    // ---- what operators read through (onboard plan): the shared policies and the reader roles, read-only.
    const operators = cfg.operatorPrincipalArns?.length
      ? cfg.operatorPrincipalArns.map((arn) => new iam.ArnPrincipal(arn))
      : [new iam.AccountPrincipal(orchestrator)];
    this.operatorReadRole = new iam.Role(this, 'OperatorReadRole', {
      roleName: OPERATOR_READ_ROLE_NAME,
      description: 'Read-only view of the CloudTrail onboarding service\'s shared policies and reader roles, for its operators (onboard plan).',
      assumedBy: new iam.CompositePrincipal(...operators),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        ReadOnboardingState: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ sid: 'BucketPolicy', actions: ['s3:GetBucketPolicy', 's3:GetEncryptionConfiguration'], resources: [this.bucket.bucketArn] }),
            new iam.PolicyStatement({ sid: 'KeyPolicy', actions: ['kms:DescribeKey', 'kms:GetKeyPolicy'], resources: keyResource.arns, conditions: keyResource.conditions }),
            new iam.PolicyStatement({ sid: 'ReaderRoles', actions: READER_ROLE_READ_ACTIONS, resources: [readerRoles] }),
            ...(shared ? [new iam.PolicyStatement({ sid: 'SharedReaderRole', actions: SHARED_READER_ROLE_READ_ACTIONS, resources: [sharedReaderRoleArn] })] : []),
          ],
        }),
      },
    });
    for (const role of [this.operatorReadRole]) {
      acknowledge(role, wildcardResourceFinding(role, readerRoles), 'Reader roles are created at run time, one per onboarded account; read-only, limited to that name prefix.');
      if (keyResource.conditions) {
        acknowledge(role, wildcardResourceFinding(role, keyResource.arns[0]), 'The key is configured by alias; narrowed by kms:ResourceAliases to the one alias.');
      }
    }
    acknowledge(
      this.accessRole,
      wildcardResourceFinding(this.accessRole, readerRoles),
      'Reader roles are created at run time, one per onboarded account (<prefix><accountId>); the grant is limited to that name prefix.',
    );
    if (keyResource.conditions) {
      acknowledge(
        this.accessRole,
        wildcardResourceFinding(this.accessRole, keyResource.arns[0]),
        'The key is configured by alias; IAM cannot name a key by alias, so the grant is every key of the account narrowed by the kms:ResourceAliases condition to the one alias.',
      );
    }

    // ---- changes to the bucket policy and the key reach the orchestrator by event (infra/change-forwarding.ts)
    addSharedChangeRules(this, cfg, this.bucket.bucketName, keyResource.conditions ? undefined : keyResource.arns[0]);
  }

  /**
   * The shared reader role, exactly as handlers/domain/roles.ts `desiredSharedReaderRole` writes it (a
   * CfnRole, so the template holds the very documents EnsureReaderRole compares; the L2 Role would
   * rewrite the trust policy and merge statements). See that function for every condition and why.
   */
  private addSharedReaderRole(cfg: AppConfig, boundary: iam.ManagedPolicy, keyResource: { arns: string[]; conditions?: Record<string, unknown> }): iam.CfnRole {
    const alias = keyResource.conditions ? aliasOfKeyArn(cfg.logKey.create ? '' : cfg.logKey.arn) : undefined;
    const key: SharedReaderKey = alias ? { accountKeysArn: keyResource.arns[0], alias } : { arn: keyResource.arns[0] };
    const orgTrailArn = organizationTrailArnOf(cfg);
    const spec = desiredSharedReaderRole({
      partition: PARTITION,
      // The configuration refuses shared mode without an organization (infra/config.ts).
      organizationId: cfg.organizationId ?? '',
      logArchiveAccountId: cfg.logArchiveAccountId,
      bucketName: cfg.logBucket.name,
      ...(cfg.logPrefix ? { logPrefix: cfg.logPrefix } : {}),
      readerRoleBoundaryArn: readerRoleBoundaryArn(cfg),
      roleName: SHARED_READER_ROLE_NAME,
      key,
      // trailMode organization: the organization prefix, and decrypt scoped through S3 (roles.ts organizationDecryptCondition).
      ...(orgTrailArn ? { organizationTrail: { trailArn: orgTrailArn, bucketRegion: cfg.homeRegion } } : {}),
    });
    const role = new iam.CfnRole(this, 'SharedReaderRole', {
      roleName: spec.roleName,
      path: spec.path,
      description: spec.description,
      assumeRolePolicyDocument: spec.trustPolicy,
      maxSessionDuration: spec.maxSessionDuration,
      permissionsBoundary: boundary.managedPolicyArn,
      policies: Object.entries(spec.inlinePolicies).map(([policyName, policyDocument]) => ({ policyName, policyDocument })),
      tags: spec.tags.map((t) => ({ key: t.Key, value: t.Value })),
    });
    role.node.addDependency(boundary);
    const objects = `${spec.inlinePolicies[READER_POLICY_NAME].Statement[0].Resource as string}`;
    acknowledge(
      role,
      wildcardResourceFinding(role, objects),
      'The objects under one account\'s log prefix; the account is the session tag, which the trust policy lets each organization account set only to itself.',
    );
    if (alias) {
      acknowledge(role, wildcardResourceFinding(role, keyResource.arns[0]), 'The key is configured by alias; narrowed by kms:ResourceAliases to the one alias.');
    }
    return role;
  }

  /**
   * One auditor's role, exactly as infra/audit-readers.ts builds its documents (a CfnRole, so the
   * template holds those documents unchanged), capped by the reader roles' boundary.
   */
  private addAuditReaderRole(
    cfg: AppConfig,
    reader: AppConfig['auditReaders'][number],
    boundary: iam.ManagedPolicy,
    keyResource: { arns: string[]; conditions?: Record<string, unknown> },
  ): iam.CfnRole {
    const alias = keyResource.conditions && !cfg.logKey.create ? aliasOfKeyArn(cfg.logKey.arn) : undefined;
    const key: SharedReaderKey = alias ? { accountKeysArn: keyResource.arns[0], alias } : { arn: keyResource.arns[0] };
    const policy = auditReaderPolicy({ partition: PARTITION, bucketName: cfg.logBucket.name, ...(cfg.logPrefix ? { logPrefix: cfg.logPrefix } : {}), bucketRegion: cfg.homeRegion, key });
    const role = new iam.CfnRole(this, `AuditReaderRole-${reader.name}`, {
      roleName: auditReaderRoleName(reader.name),
      path: '/',
      description: auditReaderDescription(reader.name),
      assumeRolePolicyDocument: auditReaderTrustPolicy(reader, cfg.organizationId),
      maxSessionDuration: AUDIT_READER_MAX_SESSION_SECONDS,
      permissionsBoundary: boundary.managedPolicyArn,
      policies: [{ policyName: AUDIT_READER_POLICY_NAME, policyDocument: policy }],
    });
    role.node.addDependency(boundary);
    acknowledge(
      role,
      wildcardResourceFinding(role, auditedLogObjectsArn(PARTITION, cfg.logBucket.name, cfg.logPrefix)),
      'An auditor reads the log files of every account, including accounts that join later: the objects under [prefix/]AWSLogs/ only, read-only.',
    );
    if (alias) {
      acknowledge(role, wildcardResourceFinding(role, keyResource.arns[0]), 'The key is configured by alias; narrowed by kms:ResourceAliases to the one alias.');
    }
    return role;
  }
}