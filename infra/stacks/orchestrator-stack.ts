/**
 * Orchestrator stack (orchestrator account, home region): the state machine, its step functions and
 * status table, and the three ways in -- the REST API (register or retry an account), the
 * Organizations CreateAccountResult event (forwarded to this stack's event bus), and the state
 * machine itself -- plus notifications, alarms and a dashboard.
 *
 * Construct ids below are a stable contract (renaming one replaces the resource); the step
 * functions' ids are their state names (statemachine/steps.ts).
 */
import * as path from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FLEET_BACKFILL_KEY, FLEET_SWEEP_KEY } from '../../handlers/adapters/fleet-sweep';
import { ACCOUNT_KEY_PREFIX, MEMBERS_KEY, lockKey, STATUS_INDEX_NAME } from '../../handlers/adapters/status-table';
import { SHARED_READER_LEASE } from '../../handlers/domain/reader-revocation';
import { scopeNeedsPath } from '../../handlers/domain/scope';
import { grantAccountPath } from '../scope-grants';
import { ACCOUNTS_NOT_HEALTHY_METRIC } from '../../handlers/domain/drift';
import { CONFIG_ENV, STEP_FUNCTION_TIMEOUT_SECONDS } from '../../handlers/shared/config';
import { FLEET_CONTINUE_EVERY_MINUTES, FLEET_FUNCTION_TIMEOUT_SECONDS, type FleetAction } from '../../handlers/start/fleet';
import { OnboardingWorkflow } from '../../statemachine/onboarding-workflow';
import { STEP_ENV, STEP_NAMES, STEPS, StepName } from '../../statemachine/steps';
import { LAMBDA_BUNDLING } from '../bundling';
import { addOrganizationTrailChangeRule, organizationTrailChangeRuleStack } from '../change-forwarding';
import { aliasOfKeyArn, AppConfig, effectiveOrganizationsRoleArn, logArchiveAccessRoleArn, migratesAccountTrails, operatorReadRoleArn, organizationTrailArnOf, runtimeConfigOf } from '../config';
import { denyGrantsNotForAwsResources, GUARD_RULES } from '../guard';
import { acknowledge, suppressGuardRule, wildcardResourceFinding } from '../nag';
import { acknowledgeOrganizationsListing, organizationsListingStatements } from '../organizations-listing';
import { notificationsTopic } from '../notifications-topic';
import {
  ACCOUNT_DEPARTED_PATTERN,
  ACCOUNT_JOINED_PATTERN,
  ACCOUNT_MOVED_PATTERN,
  ACCOUNT_REMOVED_OR_CLOSED_PATTERN,
  MANAGED_ACCOUNT_CREATED_PATTERN,
  CHANGE_EVENT_PATTERN,
  CREATE_ACCOUNT_SUCCEEDED_PATTERN,
  CREATED_ACCOUNT_ID_PATH,
  ONBOARDING_BUS_NAME,
  OPERATOR_READ_ONLY_POLICY_NAME,
  ROLE_NAME_PREFIX,
  STATE_MACHINE_ARN_ENV,
  STATE_MACHINE_NAME,
  ORCHESTRATOR_OUTPUTS,
} from '../names';

export { ORCHESTRATOR_OUTPUTS };

/** Properties of {@link OrchestratorStack}. */
export interface OrchestratorStackProps extends StackProps {
  /** The validated deployment configuration. */
  readonly config: AppConfig;
}

/** DynamoDB item actions a function may be granted on the status table. */
type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';


/** What each step may do. Table access is limited to the actions and the items (partition keys) it uses. */
interface StepAccess {
  /** Item actions on the status table, and the partition keys they may touch (`dynamodb:LeadingKeys`). */
  readonly table?: { readonly actions: readonly TableAction[]; readonly keys: readonly string[] };
  /** Assume the member-access role in member accounts. */
  readonly member?: boolean;
  /** Assume the log-archive access role: always, or only when the key must be resolved from its alias. */
  readonly logArchive?: 'always' | 'keyAlias';
  /** Read the account in AWS Organizations (when an organization is configured). */
  readonly organizations?: boolean;
  /** `trailMode` `organization`: the organization trail, trusted access and the feature set (organizationTrailGrants). */
  readonly organizationTrail?: boolean;
  /**
   * `migrateAccountTrails`: the member-access role (the account's per-account trail, deleted), the
   * log-archive access role (the organization prefix of the account, listed for a delivered log file;
   * the shared policies, the account's per-account grants removed) and the shared-policy leases.
   */
  readonly trailMigration?: boolean;
  /** `readerAccess.mode` `shared`: the lease of the shared reader role's deny list (handlers/domain/reader-revocation.ts). */
  readonly sharedReaderDenyList?: boolean;
}

/** Status items of accounts (`ACCOUNT#<id>`). */
const ACCOUNT_ITEMS = { actions: ['GetItem', 'UpdateItem'], keys: [`${ACCOUNT_KEY_PREFIX}*`] } as const;
/** The shared-policy member set and the policy leases (docs/DESIGN.md "Shared-policy write protocol"). */
const SHARED_POLICY_ITEMS = { actions: ['GetItem', 'UpdateItem', 'PutItem', 'DeleteItem'], keys: [MEMBERS_KEY, lockKey('*')] } as const;
/** The lease of the shared reader role's deny list (handlers/adapters/lease-lock.ts: a conditional put, a read, a delete). */
const SHARED_READER_LEASE_ITEM = { actions: ['GetItem', 'PutItem', 'DeleteItem'], keys: [lockKey(SHARED_READER_LEASE)] } as const;

const STEP_ACCESS: Record<StepName, StepAccess> = {
  ValidateRequest: { table: ACCOUNT_ITEMS, organizations: true },
  EnsureSwitchRole: { member: true },
  EnsureBucketPolicy: { table: SHARED_POLICY_ITEMS, logArchive: 'always' },
  EnsureKeyPolicy: { table: SHARED_POLICY_ITEMS, logArchive: 'always' },
  // The trail names the key by its key ARN: when the configuration gives an alias, the step resolves it
  // (DescribeKey) through the log-archive role.
  EnsureTrail: { member: true, logArchive: 'keyAlias' },
  // trailMode organization only (in account mode the function has no grant beyond its logs): it also
  // checks the account is an ACTIVE member (DescribeAccount), and resolves a key alias like EnsureTrail.
  // With migrateAccountTrails it also retires the account's per-account trail (trailMigration).
  EnsureOrganizationTrail: { organizations: true, organizationTrail: true, logArchive: 'keyAlias', trailMigration: true },
  // In shared mode an account onboarded again is taken off the shared reader role's deny list, under its lease.
  EnsureReaderRole: { logArchive: 'always', sharedReaderDenyList: true },
  EnsureChangeRules: { member: true },
  RecordResult: { table: ACCOUNT_ITEMS },
  RecordFailure: { table: ACCOUNT_ITEMS },
  // Offboarding: the account's resources (member access), the shared policies and the reader role (log
  // archive), the member set, the leases and the account's status item.
  OffboardAccount: { member: true, logArchive: 'always', table: { actions: ['GetItem', 'UpdateItem', 'PutItem', 'DeleteItem'], keys: [`${ACCOUNT_KEY_PREFIX}*`, MEMBERS_KEY, lockKey('*')] } },
};

/** The steps whose roles assume the log-archive access role (its trust names exactly these). */
export function stepsUsingLogArchiveRole(cfg: Pick<AppConfig, 'keyArn'> & Partial<Pick<AppConfig, 'trailMode' | 'migrateAccountTrails'>>): StepName[] {
  const keyIsAlias = aliasOfKeyArn(cfg.keyArn) !== undefined;
  // Each mode runs one of the two trail steps (the TrailByMode choice): only that one is trusted.
  const idle: StepName = cfg.trailMode === 'organization' ? 'EnsureTrail' : 'EnsureOrganizationTrail';
  const migrating = migratesAccountTrails({ trailMode: cfg.trailMode ?? 'account', migrateAccountTrails: cfg.migrateAccountTrails ?? false });
  return STEP_NAMES.filter(
    (n) =>
      n !== idle &&
      (STEP_ACCESS[n].logArchive === 'always' || (STEP_ACCESS[n].logArchive === 'keyAlias' && keyIsAlias) || (STEP_ACCESS[n].trailMigration === true && migrating)),
  );
}

/**
 * The state machine's log group: `/aws/vendedlogs/states/<stack name>/<state machine name>`, the prefix
 * Step Functions asks for (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html).
 */
function stateMachineLogGroupName(stackName: string): string {
  return `/aws/vendedlogs/states/${stackName}/${STATE_MACHINE_NAME}`;
}

const HANDLERS_DIR = path.join(__dirname, '..', '..', 'handlers');

/** Entry points that start executions (the other engineer's handlers). */
const ENTRIES = {
  Api: path.join(HANDLERS_DIR, 'api', 'index.ts'),
  StartFromEvent: path.join(HANDLERS_DIR, 'start-from-event', 'index.ts'),
  ReconcileFleet: path.join(HANDLERS_DIR, 'reconcile-fleet', 'index.ts'),
  StartFromChange: path.join(HANDLERS_DIR, 'start-from-change', 'index.ts'),
} as const;

/** Name of the backfill's schedule (with `fleetStart.schedule`; default schedule group). */
export const FLEET_START_SCHEDULE_NAME = 'cloudtrail-onboarding-fleet-start';

/** Names of the fleet reconcile's schedules (default schedule group). */
export const FLEET_RECONCILE_SCHEDULE_NAMES = {
  start: 'cloudtrail-onboarding-fleet-reconcile',
  continue: 'cloudtrail-onboarding-fleet-reconcile-continue',
} as const;

/**
 * Timeout of the Api function. API Gateway's REST integration waits at most 29 s (the default
 * integration timeout, for Lambda proxy integrations too) and then answers 504 itself. That 29 s also
 * covers a cold start, whose Init phase Lambda limits to 10 s (then retries it within the invocation's
 * timeout): 10 s + 15 s leaves room below 29 s. The handler answers shortly before this timeout on its
 * own (handlers/api/deadline.ts), and every SDK attempt it makes is time-limited.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
export const API_FUNCTION_TIMEOUT = Duration.seconds(15);

/** Lambda runtime of every function: the latest Node.js Lambda offers (cdk-nag AwsSolutions-L1). */
const RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * X-Ray's write actions support no resource-level permissions, so they need Resource "*".
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
 */
const XRAY_REASON =
  'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions and require Resource "*". Nothing else in this role has a wildcard resource.';

/** The orchestrator: state machine, step functions, status table, API, events, notifications. */
export class OrchestratorStack extends Stack {
  /** The onboarding state machine. */
  public readonly workflow: OnboardingWorkflow;
  /** Status table. */
  public readonly table: dynamodb.Table;
  /** Step functions by state name. */
  public readonly functions: Record<StepName, nodejs.NodejsFunction>;
  /** The function behind the REST API. */
  public readonly apiFunction: nodejs.NodejsFunction;
  /** The REST API. */
  public readonly api: apigw.RestApi;
  /** The onboarding event bus. */
  public readonly bus: events.EventBus;
  /** The function the Organizations event starts an execution with (when an organization is configured). */
  public readonly startFromEventFunction?: nodejs.NodejsFunction;
  /** Where failed and finished onboardings are announced. */
  public readonly topic: sns.Topic;
  /** The fleet reconcile's function (both schedules invoke it). */
  public readonly reconcileFleetFunction: nodejs.NodejsFunction;

  private readonly config: AppConfig;
  /** The key of every log group of this stack, made with the first one ({@link logsKey}). */
  private logsKeyInstance?: kms.Key;
  /** ARNs of the alarms and rules that publish to the notifications topic ({@link allowTopicPublisher}). */

  constructor(scope: Construct, id: string, props: OrchestratorStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    this.config = cfg;

    this.table = new dynamodb.Table(this, 'StatusTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Kept when the stack is deleted (it holds every account's status and the shared-policy member set),
      // but deleted when the operation that created it rolls back (CloudFormation RetainExceptOnCreate):
      // a failed first deploy leaves no orphaned empty table behind.
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // `onboard list --status` and the fleet reconcile read one status through this index (a Query), not the
    // whole table (a Scan). Sparse: only account items have a status. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html
    this.table.addGlobalSecondaryIndex({
      indexName: STATUS_INDEX_NAME,
      partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'accountId', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    const runtimeConfig = this.toJsonString(runtimeConfigOf(cfg, this.table.tableName));

    // ---- the step functions, one role each
    const fns = {} as Record<StepName, nodejs.NodejsFunction>;
    for (const name of STEP_NAMES) {
      const access = STEP_ACCESS[name];
      const fn = this.nodeFunction(name, path.join(HANDLERS_DIR, STEPS[name], 'index.ts'), {
        [CONFIG_ENV]: runtimeConfig,
        [STEP_ENV]: name,
      });
      const role = fn.role as iam.Role;
      // A migration retires the account's per-account grants under the shared-policy leases.
      const table =
        access.table ??
        (access.trailMigration && migratesAccountTrails(cfg) ? SHARED_POLICY_ITEMS : undefined) ??
        (access.sharedReaderDenyList && cfg.readerAccess.mode === 'shared' ? SHARED_READER_LEASE_ITEM : undefined);
      if (table) {
        role.addToPolicy(
          new iam.PolicyStatement({
            sid: 'StatusTable',
            actions: table.actions.map((a) => `dynamodb:${a}`),
            resources: [this.table.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...table.keys] } },
          }),
        );
      }
      if (access.member || (access.trailMigration && migratesAccountTrails(cfg))) {
        const memberRoles = `arn:${this.partition}:iam::*:role/${cfg.memberAccessRoleName}`;
        // Only accounts of the organization (when there is one), and never the log-archive or the
        // management account unless the configuration allows onboarding them.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceorgid
        role.addToPolicy(
          new iam.PolicyStatement({
            sid: 'MemberAccess',
            actions: ['sts:AssumeRole'],
            resources: [memberRoles],
            ...(cfg.organizationId ? { conditions: { StringEquals: { 'aws:ResourceOrgID': cfg.organizationId } } } : {}),
          }),
        );
        const excluded = [
          ...(cfg.allowLogArchiveAccount ? [] : [cfg.logArchiveAccountId]),
          ...(cfg.allowManagementAccount ? [] : [cfg.managementAccountId]),
        ];
        if (excluded.length) {
          role.addToPolicy(
            new iam.PolicyStatement({
              sid: 'NoMemberAccessToExcludedAccounts',
              effect: iam.Effect.DENY,
              actions: ['sts:AssumeRole'],
              resources: excluded.map((a) => `arn:${this.partition}:iam::${a}:role/${cfg.memberAccessRoleName}`),
            }),
          );
        }
        acknowledge(
          role,
          wildcardResourceFinding(role, memberRoles),
          'Member accounts are not known at deploy time (any account may be onboarded); the grant is limited to the one member-access role name, which each member account must trust.',
        );
      }
      if (stepsUsingLogArchiveRole(cfg).includes(name)) {
        role.addToPolicy(
          new iam.PolicyStatement({ sid: 'LogArchiveAccess', actions: ['sts:AssumeRole'], resources: [logArchiveAccessRoleArn(cfg)] }),
        );
      }
      if (access.organizationTrail && cfg.trailMode === 'organization' && cfg.organizationId) {
        this.grantOrganizationTrail(role, cfg);
      }
      if (access.organizations && cfg.organizationId && (!access.organizationTrail || cfg.trailMode === 'organization')) {
        const organizationsRole = effectiveOrganizationsRoleArn(cfg);
        if (organizationsRole) {
          role.addToPolicy(new iam.PolicyStatement({ sid: 'Organizations', actions: ['sts:AssumeRole'], resources: [organizationsRole] }));
        } else {
          const orgAccounts = `arn:${this.partition}:organizations::${cfg.managementAccountId}:account/${cfg.organizationId}/*`;
          role.addToPolicy(
            new iam.PolicyStatement({ sid: 'Organizations', actions: ['organizations:DescribeAccount'], resources: [orgAccounts] }),
          );
          // The scope check's OU path (ListParents), only when the scope names OUs.
          grantAccountPath(role, { partition: this.partition, managementAccountId: cfg.managementAccountId, organizationId: cfg.organizationId, scope: cfg.scope });
          acknowledge(
            role,
            wildcardResourceFinding(role, orgAccounts),
            'ValidateRequest describes the account being onboarded, which is not known at deploy time; the grant is limited to DescribeAccount on accounts of this one organization.',
          );
        }
      }
      fns[name] = fn;
    }
    this.functions = fns;

    // ---- the state machine
    // Step Functions adds the log group it logs to to the account's CloudWatch Logs resource policy, which
    // is limited to 5,120 characters (reached in an account with many log deliveries, such as the
    // management account); near that limit CloudWatch Logs enables the log groups under /aws/vendedlogs/
    // as a whole, so a name there keeps working. One name per stack: stable, never shared by two stacks.
    // It stays within the logs key's condition (any log group of this account and region).
    // https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html
    const sfnLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      logGroupName: stateMachineLogGroupName(this.stackName),
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: this.logsKey(),
    });
    this.workflow = new OnboardingWorkflow(this, 'Onboarding', { functions: fns, logGroup: sfnLogs });
    const stateMachine = this.workflow.stateMachine;
    // A fixed name: the API and the event starter are given its ARN, and their grants name its executions.
    (stateMachine.node.defaultChild as sfn.CfnStateMachine).stateMachineName = STATE_MACHINE_NAME;
    this.acknowledgeStateMachineRole(stateMachine, fns);

    const stateMachineArn = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: STATE_MACHINE_NAME,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const executionsArn = this.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${STATE_MACHINE_NAME}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const starterEnv = { [CONFIG_ENV]: runtimeConfig, [STATE_MACHINE_ARN_ENV]: stateMachineArn };
    /**
     * What a function that starts onboardings may do: start and list executions of this state machine,
     * read their status (redrive only for the API's retry route), and read account items of the status
     * table -- never the member set or the leases.
     */
    const grantStarter = (fn: nodejs.NodejsFunction, opts: { redrive: boolean }) => {
      const role = fn.role as iam.Role;
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'StartAndListExecutions',
          actions: ['states:StartExecution', 'states:ListExecutions'],
          resources: [stateMachineArn],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: opts.redrive ? 'ReadAndRedriveExecutions' : 'ReadExecutions',
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory', ...(opts.redrive ? ['states:RedriveExecution'] : [])],
          resources: [executionsArn],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadStatusTable',
          actions: ['dynamodb:GetItem'],
          resources: [this.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ACCOUNT_KEY_PREFIX}*`] } },
        }),
      );
      acknowledge(
        role,
        wildcardResourceFinding(role, executionsArn),
        'Executions are named at run time; the grant is limited to executions of this one state machine.',
      );
    };

    // ---- notifications topic (execution outcomes and alarms)
    const notifications = notificationsTopic(this, {
      ids: { key: 'NotificationsKey', topic: 'Notifications' },
      alias: 'alias/cloudtrail-onboarding-notifications',
      displayName: 'CloudTrail onboarding',
      description: 'the CloudTrail onboarding notifications topic',
      emails: this.config.notifications?.emails ?? [],
      eventBridge: true,
    });
    this.topic = notifications.topic;
    const alarmAction = notifications.alarmAction();

    // ---- way in 1: the REST API (IAM-authorized)
    this.apiFunction = this.nodeFunction('Api', ENTRIES.Api, starterEnv, API_FUNCTION_TIMEOUT);
    grantStarter(this.apiFunction, { redrive: true });
    // POST /fleet/onboard records a requested backfill, which the fleet function's continuation tick runs.
    this.apiFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RequestBackfill',
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [FLEET_BACKFILL_KEY] } },
      }),
    );
    this.api = this.restApi(this.apiFunction);

    // What the operator CLI reads (cli/context.ts) to find the state machine and the status table.
    new CfnOutput(this, ORCHESTRATOR_OUTPUTS.stateMachineArn, { value: stateMachine.stateMachineArn, description: 'Onboarding state machine' });
    new CfnOutput(this, ORCHESTRATOR_OUTPUTS.tableName, { value: this.table.tableName, description: 'Account status table' });
    new CfnOutput(this, ORCHESTRATOR_OUTPUTS.apiUrl, { value: this.api.url, description: 'Onboarding API (IAM authorization)' });

    // ---- the event bus: Organizations events come in (from the management account), outcomes go out
    this.bus = new events.EventBus(this, 'OnboardingBus', { eventBusName: ONBOARDING_BUS_NAME });
    // The policy is a property of the bus itself (not a separate AWS::Events::EventBusPolicy), so it
    // names the bus by its formatted ARN rather than a reference to itself.
    // Who may put events here: the management account (the Organizations event), the log-archive account
    // (its stacks' change rules) and, with an organization, its accounts (their change rules, which send
    // with a role: an organization grant admits no rule without one). An account can only forward its
    // own API calls (sources `aws.*` cannot be put), so at most it starts a reconcile of itself.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html
    const busArn = this.formatArn({ service: 'events', resource: 'event-bus', resourceName: ONBOARDING_BUS_NAME });
    (this.bus.node.defaultChild as events.CfnEventBus).policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'ManagementAccountPutEvents',
          principals: [new iam.AccountPrincipal(cfg.managementAccountId)],
          actions: ['events:PutEvents'],
          resources: [busArn],
        }),
        ...(cfg.logArchiveAccountId !== cfg.managementAccountId
          ? [new iam.PolicyStatement({ sid: 'LogArchiveAccountPutEvents', principals: [new iam.AccountPrincipal(cfg.logArchiveAccountId)], actions: ['events:PutEvents'], resources: [busArn] })]
          : []),
        ...(cfg.organizationId
          ? [
              new iam.PolicyStatement({
                sid: 'OrganizationPutEvents',
                principals: [new iam.AnyPrincipal()],
                actions: ['events:PutEvents'],
                resources: [busArn],
                conditions: { StringEquals: { 'aws:PrincipalOrgID': cfg.organizationId } },
              }),
            ]
          : []),
      ],
    });

    // ---- way in 2: a new account in the organization (only with Organizations)
    if (cfg.organizationId) {
      const fn = this.nodeFunction('StartFromEvent', ENTRIES.StartFromEvent, starterEnv);
      grantStarter(fn, { redrive: false });
      this.grantScopeCheck(fn.role as iam.Role);
      const dlq = this.queue('StartFromEventDeadLetters');
      // Errors inside the function (after its own two retries) land in the same queue as events
      // EventBridge could not deliver.
      fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new destinations.SqsDestination(dlq) });
      new events.Rule(this, 'AccountCreatedRule', {
        eventBus: this.bus,
        description: 'A new account was created in the organization (CreateAccountResult SUCCEEDED): onboard it.',
        eventPattern: CREATE_ACCOUNT_SUCCEEDED_PATTERN,
        targets: [
          new targets.LambdaFunction(fn, {
            event: events.RuleTargetInput.fromObject({ accountId: events.EventField.fromPath(CREATED_ACCOUNT_ID_PATH) }),
            deadLetterQueue: dlq,
            retryAttempts: 8,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
      // The other ways in: an account joined (invitation), moved (MoveAccount), or was vended by Control Tower.
      // The event is delivered whole: StartFromEvent reads which one it is (handlers/start-from-event/event.ts).
      for (const [ruleId, what, eventPattern] of [
        ['AccountJoinedRule', 'An account joined the organization (AccountJoinedOrganization)', ACCOUNT_JOINED_PATTERN],
        ['AccountMovedRule', 'An account was moved to another OU (MoveAccount)', ACCOUNT_MOVED_PATTERN],
        ['ManagedAccountCreatedRule', "Control Tower's Account Factory created an account (CreateManagedAccount SUCCEEDED)", MANAGED_ACCOUNT_CREATED_PATTERN],
      ] as const) {
        new events.Rule(this, ruleId, {
          eventBus: this.bus,
          description: `${what}: onboard it if it is in scope, else record it SKIPPED.`,
          eventPattern,
          targets: [new targets.LambdaFunction(fn, { deadLetterQueue: dlq, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
        });
      }
      // The ways out: an account removed, closing or departed starts its offboarding (handlers/domain/departure-event.ts).
      for (const [ruleId, what, eventPattern] of [
        ['AccountDepartedRule', 'An account departed the organization (AccountDepartedOrganization: removed, left, or closed and terminated)', ACCOUNT_DEPARTED_PATTERN],
        ['AccountRemovedOrClosedRule', 'The management account removed or closed an account (RemoveAccountFromOrganization, CloseAccount)', ACCOUNT_REMOVED_OR_CLOSED_PATTERN],
      ] as const) {
        new events.Rule(this, ruleId, {
          eventBus: this.bus,
          description: `${what}: offboard it if the service onboarded it.`,
          eventPattern,
          targets: [new targets.LambdaFunction(fn, { deadLetterQueue: dlq, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
        });
      }
      this.startFromEventFunction = fn;
      this.deadLettersAlarm('StartFromEventDeadLettersAlarm', dlq, 'An Organizations account event could not start an onboarding or an offboarding (see the dead-letter queue).', alarmAction);
    }

    // ---- way in 3: a change to an onboarded account's resources or the shared ones, by event
    this.startFromChange(starterEnv, grantStarter, alarmAction);
    // trailMode organization: the organization trail's changes, from this (the management) account's default bus.
    if (organizationTrailChangeRuleStack(cfg) === 'orchestrator') addOrganizationTrailChangeRule(this, cfg, this.bus);

    // ---- way in 4: the fleet reconcile, on a schedule (handlers/start/fleet.ts)
    this.reconcileFleetFunction = this.reconcileFleet(stateMachineArn, executionsArn, starterEnv, alarmAction);

    // ---- every finished execution, and alarms
    new events.Rule(this, 'ExecutionFinishedRule', {
      description: 'An onboarding execution finished: announce it on the onboarding bus and the notifications topic.',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [stateMachineArn], status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [
        new targets.EventBus(this.bus),
        notifications.ruleTarget(
          events.RuleTargetInput.fromText(
            `CloudTrail onboarding ${events.EventField.fromPath('$.detail.status')}: ` +
              `execution ${events.EventField.fromPath('$.detail.name')} (${events.EventField.fromPath('$.detail.executionArn')}). ` +
              'The status table names the account, the error and the cause. ' +
              // A reconcile run's output names its health and the drift it found or repaired.
              `Output: ${events.EventField.fromPath('$.detail.output')}`,
          ),
        ),
      ],
    });
    const notHealthy = new cloudwatch.Metric({
      namespace: 'CloudTrailOnboarding',
      metricName: ACCOUNTS_NOT_HEALTHY_METRIC,
      dimensionsMap: { service: 'cloudtrail-onboarding' },
    });
    const driftAlarm = new cloudwatch.Alarm(this, 'AccountsNotHealthyAlarm', {
      alarmDescription:
        'A run found an onboarded account changed behind the service\'s back (DRIFTED, or REPAIRED). `onboard health` lists them with the drift items; the execution notification names what was found and what was done.',
      metric: notHealthy.with({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    driftAlarm.addAlarmAction(alarmAction);
    const alarms = [
      { id: 'ExecutionsFailedAlarm', metric: stateMachine.metricFailed(), what: 'failed' },
      { id: 'ExecutionsTimedOutAlarm', metric: stateMachine.metricTimedOut(), what: 'timed out' },
      { id: 'ExecutionsAbortedAlarm', metric: stateMachine.metricAborted(), what: 'was aborted' },
    ];
    for (const a of alarms) {
      const alarm = new cloudwatch.Alarm(this, a.id, {
        alarmDescription: `An onboarding execution ${a.what}. Its account's status item names the error; fix the cause and retry.`,
        metric: a.metric.with({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
    }

    this.operatorReadOnlyPolicy(stateMachineArn, executionsArn);
    this.dashboard(stateMachine, fns);
  }

  /**
   * `trailMode` `organization` (EnsureOrganizationTrail, orchestrator in the management account: the
   * configuration refuses other layouts for now). Least privilege, from what the step calls and what
   * CloudTrail requires of whoever creates an organization trail
   * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-an-organizational-trail-prepare.html):
   * - Organizations: DescribeOrganization (feature set) and ListAWSServiceAccessForOrganization, which
   *   support no resource-level permissions (Resource `*`); EnableAWSServiceAccess only for
   *   `organizations:ServicePrincipal` = cloudtrail.amazonaws.com
   *   (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html);
   * - CloudTrail on the one organization trail: reads (GetTrail, GetTrailStatus, GetEventSelectors,
   *   ListTags; DescribeTrails has no resource), and, for the service's own trail only, the writes
   *   (CreateTrail, UpdateTrail, StartLogging, PutEventSelectors, AddTags); an existing trail given by
   *   ARN gets no write grant at all;
   * - IAM: CloudTrail's service-linked role, which an organization trail needs (GetRole, and
   *   CreateServiceLinkedRole only with `iam:AWSServiceName` = cloudtrail.amazonaws.com).
   * With `organizationTrail.delegatedAdministratorAccountId`: `sts:AssumeRole` on that account's
   * member-access role instead of the CloudTrail and IAM grants (RegisterOrganizationDelegatedAdmin
   * creates CloudTrail's service-linked role in the management account:
   * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html).
   */
  private grantOrganizationTrail(role: iam.Role, cfg: AppConfig): void {
    const trailArn = organizationTrailArnOf(cfg)!;
    const own = !cfg.organizationTrail?.arn;
    const delegated = cfg.organizationTrail?.delegatedAdministratorAccountId;
    if (delegated) {
      // The trail is managed from the delegated administrator, through its member-access role.
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'DelegatedAdministratorAccess',
          actions: ['sts:AssumeRole'],
          resources: [`arn:${this.partition}:iam::${delegated}:role/${cfg.memberAccessRoleName}`],
        }),
      );
    }
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationFeatures',
        actions: ['organizations:DescribeOrganization', 'organizations:ListAWSServiceAccessForOrganization'],
        resources: ['*'],
      }),
    );
    if (own) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'CloudTrailTrustedAccess',
          actions: ['organizations:EnableAWSServiceAccess'],
          resources: ['*'],
          conditions: { StringEquals: { 'organizations:ServicePrincipal': 'cloudtrail.amazonaws.com' } },
        }),
      );
    }
    // With a delegated administrator every CloudTrail call is made there, through its member-access role
    // (which holds those grants: member-access-stack.ts delegatedAdministratorStatements): none here.
    if (!delegated) this.grantOrganizationTrailCalls(role, cfg, trailArn, own);
    acknowledge(
      role,
      wildcardResourceFinding(role, '*'),
      'DescribeOrganization, ListAWSServiceAccessForOrganization, EnableAWSServiceAccess (limited by organizations:ServicePrincipal) and DescribeTrails support no resource-level permissions.',
    );
  }

  /** The CloudTrail and IAM grants of {@link grantOrganizationTrail} when the trail is managed from the management account. */
  private grantOrganizationTrailCalls(role: iam.Role, cfg: AppConfig, trailArn: string, own: boolean): void {
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOrganizationTrail',
        actions: ['cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'cloudtrail:ListTags'],
        resources: [trailArn],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ sid: 'FindOrganizationTrail', actions: ['cloudtrail:DescribeTrails'], resources: ['*'] }));
    if (!own) return;
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOrganizationTrail',
        actions: ['cloudtrail:CreateTrail', 'cloudtrail:UpdateTrail', 'cloudtrail:StartLogging', 'cloudtrail:PutEventSelectors', 'cloudtrail:AddTags'],
        resources: [trailArn],
      }),
    );
    const slr = `arn:${this.partition}:iam::${cfg.managementAccountId}:role/aws-service-role/cloudtrail.amazonaws.com/AWSServiceRoleForCloudTrail`;
    role.addToPolicy(new iam.PolicyStatement({ sid: 'CloudTrailServiceLinkedRole', actions: ['iam:GetRole'], resources: [slr] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CreateCloudTrailServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [slr],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'cloudtrail.amazonaws.com' } },
      }),
    );
  }

  /**
   * A Node.js function with its own (encrypted) log group and its own role `CloudTrailOnboarding-<id>`.
   * Timeout: `timeout`, default the step functions' (STEP_FUNCTION_TIMEOUT_SECONDS).
   */
  private nodeFunction(id: string, entry: string, environment: Record<string, string>, timeout = Duration.seconds(STEP_FUNCTION_TIMEOUT_SECONDS)): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: this.logsKey(),
    });
    const role = new iam.Role(this, `${id}Role`, {
      roleName: `${ROLE_NAME_PREFIX}${id}`,
      description: `CloudTrail onboarding: the ${id} function.`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    // Basic logging into the function's own log group only (instead of AWSLambdaBasicExecutionRole,
    // which may write to every log group of the account).
    logGroup.grantWrite(role);
    const fn = new nodejs.NodejsFunction(this, id, {
      entry,
      handler: 'handler',
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout,
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      environment: {
        ...environment,
        POWERTOOLS_SERVICE_NAME: 'cloudtrail-onboarding',
        POWERTOOLS_METRICS_NAMESPACE: 'CloudTrailOnboarding',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: LAMBDA_BUNDLING,
    });
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', XRAY_REASON);
    // [CT.LAMBDA.PR.3] https://docs.aws.amazon.com/controltower/latest/controlreference/lambda-rules.html
    suppressGuardRule(
      fn,
      GUARD_RULES.lambdaInsideVpc,
      'The functions call only AWS service APIs (STS, IAM, S3, KMS, CloudTrail, Organizations, DynamoDB, Step Functions, EventBridge) over TLS with SigV4 ' +
        'and reach no private resource. In a VPC they would need a NAT gateway or an interface endpoint per service and Availability Zone: cost and ' +
        'failure points without any resource to protect.',
    );
    return fn;
  }

  /**
   * StartFromChange: the onboarding bus's rule on forwarded "AWS API Call via CloudTrail" events (the
   * member accounts' change rules, handlers/domain/change-rules.ts; the LogArchive stacks' rules)
   * invokes it, and it starts a reconcile run (handlers/start/changes.ts). It may do what the other
   * starters do, and read the shared-policy member set (which account's run re-renders the shared
   * policies). Undeliverable events and failed invocations land in one dead-letter queue, alarmed on.
   */
  private startFromChange(
    env: Record<string, string>,
    grantStarter: (fn: nodejs.NodejsFunction, opts: { redrive: boolean }) => void,
    alarmAction: cloudwatch.IAlarmAction,
  ): nodejs.NodejsFunction {
    const fn = this.nodeFunction('StartFromChange', ENTRIES.StartFromChange, env);
    grantStarter(fn, { redrive: false });
    (fn.role as iam.Role).addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadMemberSet',
        actions: ['dynamodb:GetItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [MEMBERS_KEY] } },
      }),
    );
    // A change to the organization trail is reconciled by the lowest ONBOARDED account (handlers/start/changes.ts).
    if (this.config.trailMode === 'organization') {
      (fn.role as iam.Role).addToPolicy(
        new iam.PolicyStatement({ sid: 'ListOnboardedAccounts', actions: ['dynamodb:Query'], resources: [`${this.table.tableArn}/index/${STATUS_INDEX_NAME}`] }),
      );
    }
    const dlq = this.queue('StartFromChangeDeadLetters');
    fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new destinations.SqsDestination(dlq) });
    new events.Rule(this, 'ChangeDetectedRule', {
      eventBus: this.bus,
      description: 'A change to an onboarded account\'s trail or roles, or to the central bucket policy or key, forwarded by a change rule: reconcile.',
      eventPattern: CHANGE_EVENT_PATTERN,
      targets: [new targets.LambdaFunction(fn, { deadLetterQueue: dlq, retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
    this.deadLettersAlarm('StartFromChangeDeadLettersAlarm', dlq, 'A forwarded change could not start a reconcile (see the dead-letter queue); the fleet reconcile will find it, later.', alarmAction);
    return fn;
  }

  /** An alarm as soon as a message is in a dead-letter queue. */
  private deadLettersAlarm(id: string, dlq: sqs.Queue, description: string, alarmAction: cloudwatch.IAlarmAction): void {
    new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
  }

  /**
   * The fleet reconcile: the ReconcileFleet function and the two EventBridge Scheduler schedules that
   * invoke it, one beginning a sweep on `fleetReconcile.schedule`, one continuing an unfinished sweep
   * every FLEET_CONTINUE_EVERY_MINUTES minutes (handlers/start/fleet.ts says why a sweep spans
   * invocations). The function may start, list and describe executions of this state machine, scan
   * the status table for the account items and update its own sweep item; the schedules' role may
   * only invoke the function.
   */
  private reconcileFleet(stateMachineArn: string, executionsArn: string, env: Record<string, string>, alarmAction: cloudwatch.IAlarmAction): nodejs.NodejsFunction {
    const fn = this.nodeFunction('ReconcileFleet', ENTRIES.ReconcileFleet, env, Duration.seconds(FLEET_FUNCTION_TIMEOUT_SECONDS));
    const role = fn.role as iam.Role;
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'StartAndListExecutions', actions: ['states:StartExecution', 'states:ListExecutions'], resources: [stateMachineArn] }),
    );
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadExecutions', actions: ['states:DescribeExecution'], resources: [executionsArn] }));
    acknowledge(
      role,
      wildcardResourceFinding(role, executionsArn),
      'Executions are named at run time (reconcile-<account>-<mode>-<minute>); the grant is DescribeExecution only, on executions of this one state machine.',
    );
    // Scan is the only way to list the account items (the table has one key and no index). It cannot be
    // narrowed by dynamodb:LeadingKeys, which applies to item operations and Query only, so the function
    // may read every item of the table (the member set and the leases too): none of them holds a secret,
    // and the function writes none of them.
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ListAccounts', actions: ['dynamodb:Scan'], resources: [this.table.tableArn] }));
    // The ONBOARDED accounts of a sweep come from the status index (a Query of that status alone).
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ListOnboardedAccounts', actions: ['dynamodb:Query'], resources: [`${this.table.tableArn}/index/${STATUS_INDEX_NAME}`] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'FleetSweep',
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [FLEET_SWEEP_KEY, FLEET_BACKFILL_KEY] } },
      }),
    );
    // The backfill's startOnboarding reads the status item of an account whose onboarding has ended.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'BackfillAccountItems',
        actions: ['dynamodb:GetItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ACCOUNT_KEY_PREFIX}*`] } },
      }),
    );
    this.grantBackfillListing(role);

    // Scheduler assumes this role to invoke the function; the trust is limited to schedules of this
    // account's default group (confused-deputy protection), the policy to invoking this one function.
    // https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
    const scheduleRole = new iam.Role(this, 'ReconcileFleetScheduleRole', {
      roleName: `${ROLE_NAME_PREFIX}ReconcileFleetSchedule`,
      description: 'CloudTrail onboarding: EventBridge Scheduler invokes the ReconcileFleet function.',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: {
          'aws:SourceAccount': this.account,
          'aws:SourceArn': this.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
        },
      }),
    });
    scheduleRole.addToPolicy(new iam.PolicyStatement({ sid: 'InvokeReconcileFleet', actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    // The target names the function itself (no version or alias), so the grant needs no `<arn>:*`
    // (what LambdaInvoke's grantInvoke would add).
    // Delivery to Lambda is retried by Scheduler: a sweep's start for up to 6 hours (a lost one would
    // skip a day: the continuation tick never begins a sweep), a continuation tick only within its own
    // period (the next one comes anyway).
    // https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-retry-policy.html
    const target = (action: FleetAction, maximumEventAgeInSeconds: number): scheduler.IScheduleTarget => ({
      bind: () => ({
        arn: fn.functionArn,
        role: scheduleRole,
        input: scheduler.ScheduleTargetInput.fromObject({ action }),
        retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds },
      }),
    });
    new scheduler.Schedule(this, 'ReconcileFleetSchedule', {
      scheduleName: FLEET_RECONCILE_SCHEDULE_NAMES.start,
      description: 'CloudTrail onboarding: begin a fleet reconcile (a reconcile run of every ONBOARDED account).',
      schedule: scheduler.ScheduleExpression.expression(this.config.fleetReconcile.schedule),
      target: target('start', Duration.hours(6).toSeconds()),
    });
    new scheduler.Schedule(this, 'ReconcileFleetContinueSchedule', {
      scheduleName: FLEET_RECONCILE_SCHEDULE_NAMES.continue,
      description: 'CloudTrail onboarding: continue an unfinished fleet reconcile (does nothing when none is open).',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(FLEET_CONTINUE_EVERY_MINUTES)),
      target: target('continue', Duration.minutes(FLEET_CONTINUE_EVERY_MINUTES).toSeconds()),
    });
    // Optional: a backfill (the fleet start, handlers/start/fleet-start.ts) on its own schedule; the same tick continues it.
    if (this.config.fleetStart.schedule && this.config.organizationId) {
      new scheduler.Schedule(this, 'FleetStartSchedule', {
        scheduleName: FLEET_START_SCHEDULE_NAME,
        description: 'CloudTrail onboarding: begin a backfill (onboard every in-scope, ACTIVE account that is not ONBOARDED).',
        schedule: scheduler.ScheduleExpression.expression(this.config.fleetStart.schedule),
        target: target('backfill', Duration.hours(6).toSeconds()),
      });
    }
    // Scheduler invokes the function asynchronously, and Lambda's defaults for that stay: a failed
    // invocation is retried twice (a passing DynamoDB or Step Functions fault before the sweep was
    // recorded would otherwise lose a day's start); a retry that overlaps a tick is harmless (the
    // lease), and failures are alarmed on.
    // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
    new cloudwatch.Alarm(this, 'ReconcileFleetErrorsAlarm', {
      alarmDescription: 'The fleet reconcile failed (see the ReconcileFleet function\'s log): accounts are not being verified on schedule.',
      metric: fn.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
    return fn;
  }

  /**
   * The backfill (handlers/start/fleet-start.ts) lists the organization's OU tree: directly in the
   * management account, else through the ManagementEvents stack's OrganizationsRead role (or the
   * configured `organizationsRoleArn`), which trusts this function's role for it (infra/organizations-listing.ts).
   */
  private grantBackfillListing(role: iam.Role): void {
    const cfg = this.config;
    if (!cfg.organizationId) return;
    const organizationsRole = effectiveOrganizationsRoleArn(cfg);
    if (organizationsRole) {
      role.addToPolicy(new iam.PolicyStatement({ sid: 'Organizations', actions: ['sts:AssumeRole'], resources: [organizationsRole] }));
      return;
    }
    const org = { partition: this.partition, managementAccountId: cfg.managementAccountId, organizationId: cfg.organizationId };
    for (const statement of organizationsListingStatements(org)) role.addToPolicy(statement);
    acknowledgeOrganizationsListing(role, org);
  }

  /**
   * StartFromEvent checks the scope before it starts anything: it reads the account's OU path when the
   * scope names OUs (directly in the management account, else through `organizationsRoleArn`, whose trust
   * admits it: the ManagementEvents stack's OrganizationsRead role does), and records an out-of-scope
   * account SKIPPED (UpdateItem on account items only).
   */
  private grantScopeCheck(role: iam.Role): void {
    const cfg = this.config;
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RecordSkipped',
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ACCOUNT_KEY_PREFIX}*`] } },
      }),
    );
    if (!cfg.organizationId || !scopeNeedsPath(cfg.scope)) return;
    const organizationsRole = effectiveOrganizationsRoleArn(cfg);
    if (organizationsRole) {
      role.addToPolicy(new iam.PolicyStatement({ sid: 'Organizations', actions: ['sts:AssumeRole'], resources: [organizationsRole] }));
      return;
    }
    grantAccountPath(role, { partition: this.partition, managementAccountId: cfg.managementAccountId, organizationId: cfg.organizationId, scope: cfg.scope });
  }

  /** The state machine's own role: invoke the step functions, log delivery, X-Ray. */
  private acknowledgeStateMachineRole(stateMachine: sfn.StateMachine, fns: Record<StepName, lambda.IFunction>): void {
    acknowledge(
      stateMachine,
      'AwsSolutions-IAM5[Resource::*]',
      'Step Functions logging to CloudWatch Logs uses the log-delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, ' +
        'DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and tracing uses the X-Ray ' +
        'write/sampling actions; none of them supports resource-level permissions, so they require Resource "*".',
    );
    for (const fn of Object.values(fns)) {
      acknowledge(
        stateMachine,
        wildcardResourceFinding(stateMachine, `${fn.functionArn}:*`),
        'CDK grants lambda:InvokeFunction on the step function and its versions/aliases (<arn>:*); it is one function.',
      );
    }
  }

  /**
   * The REST API: IAM authorization on every method, validated input, access and execution logs,
   * tracing, throttling.
   *
   * Stage logging (access logs included) needs API Gateway's CloudWatch role, which is a setting of the
   * account and region (`AWS::ApiGateway::Account`), not of the API: in an account and region where it
   * is not set, the stage fails to deploy. The stack sets it (`cloudWatchRole`), with a role that has
   * AWS's managed policy for it, so every REST API of the account and region logs through that role.
   * AWS advises one such resource per account and region: where another stack already manages the
   * setting, the last deploy wins. Deleting this stack keeps the role and the setting (`RETAIN`):
   * API Gateway goes on using the role, and the account's other APIs go on logging.
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-account.html
   */
  private restApi(fn: lambda.IFunction): apigw.RestApi {
    const stageName = 'v1';
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: this.logsKey(),
    });
    const api = new apigw.RestApi(this, 'RestApi', {
      restApiName: 'cloudtrail-onboarding',
      description: 'CloudTrail account onboarding: register an account, read its status, retry it, offboard it.',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      deployOptions: {
        stageName,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        tracingEnabled: true,
        metricsEnabled: true,
        // Execution logs of failed requests ([CT.APIGATEWAY.PR.1], AwsSolutions-APIG6); data tracing (full
        // requests and responses in the log) stays off. The access log already records every request.
        // https://docs.aws.amazon.com/controltower/latest/controlreference/apigateway-rules.html
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: 10,
        throttlingBurstLimit: 20,
      },
    });
    // API Gateway writes execution logs to a log group named after the API and the stage, and creates it
    // itself (unencrypted, kept forever) unless it exists: the stack creates it first, encrypted and expiring.
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
    const executionLogs = new logs.LogGroup(this, 'ApiExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${stageName}`,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: this.logsKey(),
    });
    api.deploymentStage.node.addDependency(executionLogs);
    acknowledge(
      api.node.findChild('CloudWatchRole'),
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'API Gateway\'s CloudWatch role is one per account and region, used by every REST API there; AmazonAPIGatewayPushToCloudWatchLogs is the policy ' +
        'AWS documents for it, and a policy limited to this API\'s log groups would stop the logging of the account\'s other APIs.',
    );
    acknowledge(
      api,
      'AwsSolutions-APIG3',
      'An operator API with IAM (SigV4) authorization on every method and stage throttling; callers are IAM principals of this account, so a WAF web ACL would add cost without adding an authentication boundary.',
    );
    acknowledge(
      api,
      'AwsSolutions-COG4',
      'Callers are AWS principals (operators, automation) authorized by IAM (AuthorizationType AWS_IAM on every method), not end users of a Cognito user pool.',
    );

    const accountRequest = api.addModel('AccountRequest', {
      contentType: 'application/json',
      modelName: 'AccountRequest',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        title: 'AccountRequest',
        type: apigw.JsonSchemaType.OBJECT,
        required: ['accountId'],
        additionalProperties: false,
        properties: { accountId: { type: apigw.JsonSchemaType.STRING, pattern: '^\\d{12}$' } },
      },
    });
    const bodyValidator = api.addRequestValidator('BodyValidator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const parameterValidator = api.addRequestValidator('ParameterValidator', {
      requestValidatorName: 'parameters',
      validateRequestParameters: true,
    });
    const integration = new apigw.LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });
    // API Gateway checks that the path parameter is present; its 12-digit form is checked by the handler.
    const accountIdParameter = { 'method.request.path.accountId': true };

    const accounts = api.root.addResource('accounts');
    accounts.addMethod('POST', integration, {
      requestModels: { 'application/json': accountRequest },
      requestValidator: bodyValidator,
    });
    const account = accounts.addResource('{accountId}');
    account.addMethod('GET', integration, { requestParameters: accountIdParameter, requestValidator: parameterValidator });
    // Offboarding (handlers/api/offboard.ts): the reason is an optional query string, never a body. The Api
    // function's starter grants cover it (the account's item, then DescribeExecution / StartExecution).
    account.addMethod('DELETE', integration, {
      requestParameters: { ...accountIdParameter, 'method.request.querystring.reason': false },
      requestValidator: parameterValidator,
    });
    account
      .addResource('retry')
      .addMethod('POST', integration, { requestParameters: accountIdParameter, requestValidator: parameterValidator });
    // No body: the backfill covers the configured scope (README "Fleet start").
    api.root.addResource('fleet').addResource('onboard').addMethod('POST', integration);
    // [CT.LAMBDA.PR.2] https://docs.aws.amazon.com/controltower/latest/controlreference/lambda-rules.html
    for (const permission of api.node.findAll()) {
      if (!(permission instanceof lambda.CfnPermission) || permission.principal !== 'apigateway.amazonaws.com') continue;
      suppressGuardRule(
        permission,
        GUARD_RULES.lambdaPermissionSource,
        'The permission has a SourceArn: this API\'s method ARN (execute-api:<region>:<this account>:<API id>/<stage>/<method>/<path>), so only this ' +
          'API can invoke the function. The control reads a SourceArn only when it is a literal or a plain reference, and the ARN is built with ' +
          'Fn::Join from the API id. A SourceAccount would satisfy the rule, but AWS documents it for API Gateway invocations nowhere; a key the ' +
          'request lacks would fail every invocation.',
      );
    }
    return api;
  }

  /** An SQS dead-letter queue for messages that could not be processed: encrypted, TLS only, kept 14 days. */
  private queue(id: string): sqs.Queue {
    const q = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks the queue as a dead-letter queue ([CT.SQS.PR.1]: every queue has a DLQ or is one). allowAll
      // is SQS's behaviour when a queue has no redrive-allow policy, made explicit; EventBridge and Lambda
      // write to it directly, no source queue redrives into it.
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
      // https://docs.aws.amazon.com/controltower/latest/controlreference/sqs-rules.html
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    acknowledge(q, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue; it is alarmed on and read by an operator.');
    return q;
  }

  /**
   * The key of every log group of this stack ([CT.CLOUDWATCH.PR.3]), made with the first one. CloudWatch
   * Logs may use it only for log groups of this account and region (the encryption context names the log
   * group); whoever writes to a log group needs no permission on the key.
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
   * https://docs.aws.amazon.com/controltower/latest/controlreference/cloudwatch-rules.html
   */
  private logsKey(): kms.Key {
    if (this.logsKeyInstance) return this.logsKeyInstance;
    const key = new kms.Key(this, 'LogsKey', {
      alias: 'alias/cloudtrail-onboarding-logs',
      description: 'Encrypts the log groups of the CloudTrail onboarding service (functions, state machine, API).',
      enableKeyRotation: true,
      // The log groups are deleted with the stack; the key follows after its waiting period.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          },
        },
      }),
    );
    key.addToResourcePolicy(denyGrantsNotForAwsResources());
    this.logsKeyInstance = key;
    return key;
  }

  /**
   * What an operator needs for the CLI's read-only commands against AWS (`status`, `watch`, `list`,
   * `plan`): the stack's outputs, the executions, the account status items, and the LogArchive stack's
   * read-only role for the shared policies. Attach it to an operator's role or reference it by name
   * from an IAM Identity Center permission set (a customer managed policy reference).
   */
  private operatorReadOnlyPolicy(stateMachineArn: string, executionsArn: string): iam.ManagedPolicy {
    const policy = new iam.ManagedPolicy(this, 'OperatorReadOnly', {
      managedPolicyName: OPERATOR_READ_ONLY_POLICY_NAME,
      description: 'Read-only use of the CloudTrail onboarding service: onboard status, watch, list and plan.',
      statements: [
        new iam.PolicyStatement({ sid: 'StackOutputs', actions: ['cloudformation:DescribeStacks'], resources: [this.stackId] }),
        new iam.PolicyStatement({ sid: 'Executions', actions: ['states:ListExecutions'], resources: [stateMachineArn] }),
        new iam.PolicyStatement({ sid: 'ExecutionDetails', actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resources: [executionsArn] }),
        new iam.PolicyStatement({
          sid: 'AccountStatus',
          actions: ['dynamodb:GetItem', 'dynamodb:Scan'],
          resources: [this.table.tableArn],
        }),
        // `onboard list --status`: the status index only.
        new iam.PolicyStatement({ sid: 'AccountsByStatus', actions: ['dynamodb:Query'], resources: [`${this.table.tableArn}/index/${STATUS_INDEX_NAME}`] }),
        new iam.PolicyStatement({ sid: 'SharedPolicies', actions: ['sts:AssumeRole'], resources: [operatorReadRoleArn(this.config)] }),
      ],
    });
    acknowledge(
      policy,
      wildcardResourceFinding(policy, executionsArn),
      'Executions are named at run time; read-only, limited to executions of this one state machine.',
    );
    return policy;
  }

  /** Executions started/succeeded/failed; errors and duration of every step function. */
  private dashboard(stateMachine: sfn.StateMachine, fns: Record<StepName, lambda.IFunction>): void {
    const period = Duration.minutes(5);
    new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: 'CloudTrailOnboarding',
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Executions',
            width: 24,
            left: [
              stateMachine.metricStarted({ period, statistic: 'Sum', label: 'started' }),
              stateMachine.metricSucceeded({ period, statistic: 'Sum', label: 'succeeded' }),
              stateMachine.metricFailed({ period, statistic: 'Sum', label: 'failed' }),
              stateMachine.metricTimedOut({ period, statistic: 'Sum', label: 'timed out' }),
              stateMachine.metricAborted({ period, statistic: 'Sum', label: 'aborted' }),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Step errors',
            width: 12,
            left: STEP_NAMES.map((n) => fns[n].metricErrors({ period, statistic: 'Sum', label: n })),
          }),
          new cloudwatch.GraphWidget({
            title: 'Step duration (p90)',
            width: 12,
            left: STEP_NAMES.map((n) => fns[n].metricDuration({ period, statistic: 'p90', label: n })),
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Accounts found drifted or repaired (runs)',
            width: 24,
            left: [
              new cloudwatch.Metric({
                namespace: 'CloudTrailOnboarding',
                metricName: ACCOUNTS_NOT_HEALTHY_METRIC,
                dimensionsMap: { service: 'cloudtrail-onboarding' },
                period,
                statistic: 'Sum',
                label: 'not healthy',
              }),
            ],
          }),
        ],
      ],
    });
  }
}
