/**
 * SimWorld: a stateful simulated AWS organization put behind the real SDK clients.
 *
 * ```ts
 * const world = createDemoWorld();
 * const unregister = registerClientHook(world.hook);
 * const iam = createClient(IAMClient, { region: 'eu-west-1', credentials: world.credentialsFor(arn) });
 * ```
 * The caller of every request is identified by its access key id (issued by `credentialsFor` or by
 * the simulated STS). Identity-based permissions of callers are assumed to allow what they call;
 * resource-based policies (trust, bucket and key policies) are enforced with iam-simulate.
 */
import { currentInvocation } from '../invocation-context';
import type { FinalizeHandlerOutput } from '@aws-sdk/types';
import { AccountRegistry, type AccountSpec, type OrganizationSpec, type SimAccount } from './accounts';
import { copyInput, isWriteOperation, type CallRecord } from './calls';
import { canAccessLogs, canAssumeRole, canCloudTrailDeliver, type LogAccessAction, type LogAccessOptions } from './checks';
import { CloudTrailSim } from './cloudtrail';
import { DynamoServer, type DynamoStartOptions } from './dynamo';
import { awsError, SimAwsError, toSdkException, type SimService } from './errors';
import { EventsSim } from './events';
import { FaultInjector } from './faults';
import { IamSim, type SimRole } from './iam';
import { CredentialStore, parseCallerArn, parseRoleArn, roleArn, type PersistedCredentials, type Principal, type SessionTag, type SimCredentials } from './identity';
import { KmsSim } from './kms';
import { createSimulationHook, type RoutedService, type SdkAnswer, type SdkRequest, type SimDispatcher } from './middleware';
import { OrganizationsSim } from './organizations';
import { awsPrincipalsOf, readPolicy, type PolicyDocument } from './policy-doc';
import { evaluate, type EvaluationResult, type RequestContext } from './policy-eval';
import { S3Sim } from './s3';
import { SfnSim, SfnSimError, toSfnException, type StepFunctionsBackend } from './sfn';
import { seedLogArchive, seedMember, type LogArchiveSeed, type LogArchiveSpec, type MemberSeedOptions } from './seeds';
import type { AuthorizationRequest, SimCall, SimServiceImpl } from './service';
import { AUTHORIZERS, stepFunctionsAuthorization } from './authorization';
import { StackDeployments, type StackDeployment } from './cloudformation';
import { awsManagedPolicyDocument } from './managed-policies';
import { snapshotOf, type WorldSnapshot } from './snapshot';
import { StsSim } from './sts';
import type { ClientHook } from '../../handlers/shared/clients';

const ADMINISTRATOR_ACCESS_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** The access key id of the environment credentials (world.environmentCredentials). */
const ENVIRONMENT_CREDENTIALS: SimCredentials = {
  accessKeyId: 'ASIASIMENVIRONMENT00',
  secretAccessKey: 'simulated/environment',
  sessionToken: 'simulated-environment-session',
};

/** Options of a world. */
export interface SimWorldOptions {
  /** Partition of every ARN. Default `aws` (the only one modelled). */
  readonly partition?: 'aws';
  /** The organization; without one, every account is standalone. */
  readonly organization?: OrganizationSpec;
  /** Default IAM page size when a List call gives no MaxItems (AWS: 100). Lower it to force pages. */
  readonly iamPageSize?: number;
  /** Clock of the world (dates of roles, sessions, logging). Default: the real clock. */
  readonly clock?: () => Date;
  /**
   * IAM roles an account may have (IAM's "Roles per account" quota: 1,000 by default, raisable to
   * 5,000; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Default 1,000.
   */
  readonly iamRolesPerAccount?: number;
}

const UNKNOWN_KEY: Record<RoutedService, [string, string]> = {
  iam: ['InvalidClientTokenId', 'The security token included in the request is invalid.'],
  sts: ['InvalidClientTokenId', 'The security token included in the request is invalid.'],
  s3: ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
  kms: ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
  cloudtrail: ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
  organizations: ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
  dynamodb: ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
  sfn: ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
  events: ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
};

const EXPIRED: Record<RoutedService, string> = {
  iam: 'ExpiredToken',
  sts: 'ExpiredTokenException',
  s3: 'ExpiredToken',
  kms: 'ExpiredTokenException',
  cloudtrail: 'ExpiredTokenException',
  organizations: 'ExpiredTokenException',
  dynamodb: 'ExpiredTokenException',
  sfn: 'ExpiredTokenException',
  events: 'ExpiredTokenException',
};

/** A simulated AWS organization. */
export class SimWorld implements SimDispatcher {
  readonly partition: string;
  /** The organization, when the world has one. */
  readonly organization?: { readonly id: string; readonly managementAccountId: string };
  readonly accounts = new AccountRegistry();
  readonly iam: IamSim;
  readonly s3: S3Sim;
  readonly kms: KmsSim;
  readonly cloudtrail: CloudTrailSim;
  readonly sts: StsSim;
  readonly organizations: OrganizationsSim;
  /** EventBridge: buses, rules, targets, PutEvents, the events AWS services send (events.ts). */
  readonly events: EventsSim;
  /** Stacks deployed into the world (a simulated CloudFormation: see cloudformation.ts). */
  readonly stacks: StackDeployments;
  /**
   * Step Functions, answered by the local runner once one is attached (`attachStepFunctions`); its
   * calls and faults are its own (`stepFunctions.calls`, `stepFunctions.inject`).
   */
  readonly stepFunctions: SfnSim;
  /** Fault injection (`world.faults.inject({...})`, `world.faults.clear()`). */
  readonly faults = new FaultInjector();
  /** Every request in order, including SDK retries and failures. */
  readonly calls: CallRecord[] = [];
  /** Register with `registerClientHook(world.hook)`. */
  readonly hook: ClientHook;
  /** IAM page size when MaxItems is not given. */
  iamPageSize: number;
  /** IAM's roles-per-account quota (CreateRole past it fails with LimitExceeded). */
  iamRolesPerAccount: number;
  /** The log archive set up by `seedLogArchive`, used as default by `canAccessLogs`. */
  logArchive?: LogArchiveSeed;

  private readonly services: Record<SimService, SimServiceImpl | undefined>;
  private readonly credentials = new CredentialStore();
  private readonly dynamo = new DynamoServer();
  private readonly clock: () => Date;
  private requestCounter = 0;
  private ambientPrincipal?: string;

  constructor(options: SimWorldOptions = {}) {
    this.partition = options.partition ?? 'aws';
    this.iamPageSize = options.iamPageSize ?? 100;
    this.iamRolesPerAccount = options.iamRolesPerAccount ?? 1000;
    this.clock = options.clock ?? (() => new Date());
    this.iam = new IamSim(this);
    this.s3 = new S3Sim(this);
    this.kms = new KmsSim(this);
    this.cloudtrail = new CloudTrailSim(this);
    this.sts = new StsSim(this);
    this.organizations = new OrganizationsSim(this);
    this.events = new EventsSim(this);
    this.stacks = new StackDeployments(this);
    this.stepFunctions = new SfnSim(() => this.now(), (event) => this.events.emitAwsEvent(event));
    this.services = { iam: this.iam, s3: this.s3, kms: this.kms, cloudtrail: this.cloudtrail, sts: this.sts, organizations: this.organizations, dynamodb: undefined, events: this.events };
    this.hook = createSimulationHook(this);
    const org = options.organization;
    if (org) {
      this.organization = { id: org.id, managementAccountId: org.managementAccountId };
      if (org.featureSet) this.organizations.setFeatureSet(org.featureSet);
      for (const p of org.enabledServicePrincipals ?? []) this.organizations.enableServiceAccess(p);
      this.organizations.createOrganizationalUnits(org.organizationalUnits ?? []);
      this.addMemberAccounts(org.accounts);
      if (!this.accounts.has(org.managementAccountId)) {
        this.accounts.add({ id: org.managementAccountId, name: 'management', state: 'ACTIVE' }, true, this.now());
      }
    }
  }

  /** The world's current time. */
  now(): Date {
    return this.clock();
  }

  // ------------------------------------------------------------------ accounts and callers

  /**
   * Adds a member account of the organization, in `spec.parentId` (default: the root). For seeding
   * and tests: no event (`organizations.createAccount` / `inviteAccount` emit what AWS records).
   */
  addMemberAccount(spec: AccountSpec): SimAccount {
    return this.addMemberAccounts([spec])[0];
  }

  /** Adds many member accounts at once, each in its `parentId` (default: the root); O(n). */
  addMemberAccounts(specs: readonly AccountSpec[]): SimAccount[] {
    if (!this.organization) throw new Error('addMemberAccounts: the world has no organization');
    // Organization trails log a new member from now on, not before (what was due is delivered first).
    if (specs.length > 0) this.cloudtrail.beforeChange({ organizationTrails: true });
    const now = this.now();
    return specs.map((spec) => {
      const account = this.accounts.add(spec, true, now);
      if (spec.parentId !== undefined) this.organizations.placeAccount(spec.id, spec.parentId);
      return account;
    });
  }

  /** Adds an account outside the organization (a standalone account). */
  addAccount(id: string, spec: Partial<Omit<AccountSpec, 'id'>> = {}): SimAccount {
    return this.accounts.add({ id, name: spec.name ?? `standalone-${id}`, state: spec.state ?? 'ACTIVE', ...(spec.email ? { email: spec.email } : {}) }, false, this.now());
  }

  /**
   * Static credentials for a caller: an assumed-role session ARN such as
   * `arn:aws:sts::111122223333:assumed-role/OnboardingStepRole/lambda`, a root or user ARN, or a
   * role ARN (shorthand for a session named `simulated`). The account must exist in the world.
   */
  credentialsFor(principalArn: string): SimCredentials {
    const principal = parseCallerArn(principalArn);
    this.accounts.require(principal.accountId);
    return this.credentials.issue(principal);
  }

  /** Issues session credentials (the simulated STS). */
  issueCredentials(principalArn: string, expiration: Date, session: { sessionTags?: readonly SessionTag[]; transitiveTagKeys?: readonly string[] } = {}): SimCredentials {
    const principal = parseCallerArn(principalArn);
    const tags = session.sessionTags ?? [];
    const transitive = session.transitiveTagKeys ?? [];
    return this.credentials.issue(
      { ...principal, ...(tags.length ? { sessionTags: tags.map((t) => ({ ...t })) } : {}), ...(transitive.length ? { transitiveTagKeys: [...transitive] } : {}) },
      expiration,
    );
  }

  /** The credentials issued so far (expired ones left out), as plain JSON (local/sim/persistence.ts). */
  exportCredentials(): PersistedCredentials {
    return this.credentials.exportState(this.now());
  }

  /**
   * Makes credentials issued by another world (of the same process) valid here: SDK clients that
   * cached them keep working. Call before this world issues any credentials.
   */
  importCredentials(state: PersistedCredentials): void {
    this.credentials.importState(state);
  }

  /** The organization id of an account, when it is a member. */
  orgIdOf(accountId: string): string | undefined {
    return this.organization && this.accounts.get(accountId)?.inOrganization ? this.organization.id : undefined;
  }

  /** `aws:PrincipalArn` of a caller: a session's role ARN (with its path), else the caller ARN. */
  principalArnOf(caller: Principal): string {
    if (caller.kind !== 'assumed-role' || !caller.roleName) return caller.arn;
    return this.iam.getRole(caller.accountId, caller.roleName)?.arn ?? roleArn(this.partition, caller.accountId, caller.roleName);
  }

  /** The global condition keys AWS adds to every request of this caller. */
  principalContext(caller: Principal): RequestContext {
    const orgId = this.orgIdOf(caller.accountId);
    const role = caller.kind === 'assumed-role' && caller.roleName ? this.iam.getRole(caller.accountId, caller.roleName) : undefined;
    return {
      'aws:PrincipalArn': this.principalArnOf(caller),
      'aws:PrincipalAccount': caller.accountId,
      ...(orgId ? { 'aws:PrincipalOrgID': orgId } : {}),
      ...principalTagContext(role?.tags ?? [], caller.sessionTags ?? []),
      'aws:SecureTransport': 'true',
    };
  }

  /** `UserId` of GetCallerIdentity. */
  userIdOf(caller: Principal): string {
    if (caller.kind === 'root') return caller.accountId;
    if (caller.kind === 'assumed-role' && caller.roleName) {
      const role = this.iam.getRole(caller.accountId, caller.roleName);
      return `${role?.roleId ?? 'AROASIMULATEDUNKNOWN0'}:${caller.sessionName}`;
    }
    return `AIDASIM${caller.arn.length.toString().padStart(14, '0')}`;
  }

  // ------------------------------------------------------------------ authorization

  /**
   * Evaluates `action` by `caller` on a resource as IAM does: the caller's identity-based policies
   * (a role's inline and attached managed policies; an account's root user may do anything in its
   * account), its permissions boundary, the service control policies of its account, and the
   * resource's policy when it has one; an explicit deny wins, and a cross-account request needs both
   * sides. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
   */
  authorize(caller: Principal, action: string, resource: { arn: string; accountId: string; policy?: PolicyDocument }, context: RequestContext = {}): Promise<EvaluationResult> {
    const identity = this.identityOf(caller);
    return evaluate({
      principal: caller.arn,
      action,
      resourceArn: resource.arn,
      resourceAccount: resource.accountId,
      context: { ...this.principalContext(caller), ...this.resourceContext(resource.accountId), ...context },
      identityPolicies: identity.policies,
      ...(identity.boundary ? { permissionsBoundary: identity.boundary } : {}),
      serviceControlPolicies: this.organizations.scpLevelsFor(caller.accountId),
      resourcePolicy: resource.policy,
    });
  }

  /** The identity-based policies and boundary of a caller (a deleted role's session has none). */
  identityOf(caller: Principal): { policies: { name: string; policy: unknown }[]; boundary?: { name: string; policy: unknown } } {
    if (caller.kind === 'root') return { policies: [{ name: 'RootUser', policy: awsManagedPolicyDocument(ADMINISTRATOR_ACCESS_ARN) }] };
    const role = caller.kind === 'assumed-role' && caller.roleName ? this.iam.getRole(caller.accountId, caller.roleName) : undefined;
    if (!role) return { policies: [] };
    const boundary = this.iam.boundaryOf(role);
    return { policies: this.iam.identityPoliciesOf(role), ...(boundary ? { boundary } : {}) };
  }

  /** `aws:ResourceAccount` and, for a member, `aws:ResourceOrgID`. */
  private resourceContext(accountId: string): RequestContext {
    const orgId = this.orgIdOf(accountId);
    return { 'aws:ResourceAccount': accountId, ...(orgId ? { 'aws:ResourceOrgID': orgId } : {}) };
  }

  /**
   * Whether the role's trust policy (and, across accounts, the caller's own policies) let the caller
   * assume it. With session tags (or transitive tag keys) the request also needs `sts:TagSession`, and
   * both actions are evaluated with `aws:RequestTag/<key>`, `aws:TagKeys` and `sts:TransitiveTagKeys`
   * in the context (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required).
   */
  async evaluateTrust(
    caller: Principal,
    role: SimRole,
    options: { externalId?: string; sessionName?: string; tags?: readonly SessionTag[]; transitiveTagKeys?: readonly string[] } = {},
  ): Promise<boolean> {
    const trust = readPolicy(role.trustPolicy);
    if (!trust) return false;
    const tags = options.tags ?? [];
    const transitive = options.transitiveTagKeys ?? [];
    const context: RequestContext = {
      ...(options.externalId !== undefined ? { 'sts:ExternalId': options.externalId } : {}),
      ...(options.sessionName !== undefined ? { 'sts:RoleSessionName': options.sessionName } : {}),
      ...(tags.length ? { 'aws:TagKeys': tags.map((t) => t.Key) } : {}),
      ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])),
      ...(transitive.length ? { 'sts:TransitiveTagKeys': [...transitive] } : {}),
    };
    const resource = { arn: role.arn, accountId: role.accountId, policy: trust };
    const actions = tags.length || transitive.length ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'];
    for (const action of actions) {
      if (!(await this.authorize(caller, action, resource, context)).allowed) return false;
    }
    return true;
  }

  /**
   * The first `AWS` principal of a document that IAM would not accept, or undefined: a role ARN in
   * an account of the world where no such role exists, a unique id (`AROA...`: how a deleted role
   * is shown; IAM, S3 and KMS take principals by ARN only and reject a document naming one), or a
   * value that is no principal at all. Accounts the world does not know cannot be checked and are accepted.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
   */
  findInvalidPrincipal(doc: PolicyDocument): string | undefined {
    for (const value of awsPrincipalsOf(doc)) {
      if (value === '*' || /^\d{12}$/.test(value)) continue;
      if (/^arn:[a-z-]+:(iam::\d{12}:(root|user\/.+)|sts::\d{12}:assumed-role\/.+)$/.test(value)) continue;
      const role = parseRoleArn(value);
      if (role && (!this.accounts.has(role.accountId) || this.iam.roleByArn(value))) continue;
      return value;
    }
    return undefined;
  }

  /** After a role is deleted, IAM, S3 and KMS show it in policies by its unique id. */
  replacePrincipalEverywhere(from: string, to: string): void {
    this.iam.replaceInTrustPolicies(from, to);
    this.s3.replaceInPolicies(from, to);
    this.kms.replaceInPolicies(from, to);
  }

  /**
   * Credentials that stand for "the environment's own": the local runner puts them in the process
   * environment, where Lambda puts each function's role credentials. See `environmentCallerOf`.
   */
  environmentCredentials(): SimCredentials {
    return { ...ENVIRONMENT_CREDENTIALS };
  }

  /** Who code outside any function invocation acts as with the environment credentials (e.g. the operator CLI). */
  setAmbientPrincipal(principalArn: string | undefined): void {
    if (principalArn) this.accounts.require(parseCallerArn(principalArn).accountId);
    this.ambientPrincipal = principalArn;
  }

  private environmentCaller(): Principal {
    return environmentCallerOf(this.ambientPrincipal);
  }

  // ------------------------------------------------------------------ switches

  /** The first `calls` AssumeRole calls into the account fail with AccessDenied (a new account's role is not assumable yet). */
  setAccountReadyAfter(accountId: string, calls: number): void {
    this.sts.setAccountReadyAfter(accountId, calls);
  }

  /** The first `calls` PutKeyPolicy calls naming `roleArn` fail as "invalid principals" (IAM propagation). */
  kmsPrincipalDelay(roleArn: string, calls: number): void {
    this.kms.delayPrincipal(roleArn, calls);
  }

  /** True once any PutKeyPolicy asked to bypass the lockout safety check. */
  get bypassPolicyLockoutSafetyCheckUsed(): boolean {
    return this.kms.bypassLockoutCheckUsed;
  }

  // ------------------------------------------------------------------ call log

  /** Calls that mutate (or tried to). */
  writeCalls(): CallRecord[] {
    return this.calls.filter((c) => c.write);
  }

  /** Empties the call log. */
  resetCalls(): void {
    this.calls.length = 0;
  }

  // ------------------------------------------------------------------ Step Functions

  /** Runs Step Functions executions on the local runner (called by `LocalStepFunctions.start`). */
  attachStepFunctions(backend: StepFunctionsBackend): void {
    this.stepFunctions.attach(backend);
  }

  // ------------------------------------------------------------------ DynamoDB

  /**
   * Starts dynalite; DynamoDB clients of this world are sent there. With `path`, its data lives in
   * that directory and outlives the process (one process at a time).
   */
  startDynamo(options: DynamoStartOptions = {}): Promise<{ endpoint: string }> {
    return this.dynamo.start(options);
  }

  /** Stops dynalite (a data directory is closed and kept). */
  stop(): Promise<void> {
    return this.dynamo.stop();
  }

  dynamoEndpoint(): URL | undefined {
    return this.dynamo.endpoint();
  }

  // ------------------------------------------------------------------ checks, snapshot, seeds

  /** Whether CloudTrail could deliver this trail's logs now (bucket policy; key policy, true without a key). */
  canCloudTrailDeliver(trailArn: string): Promise<{ bucket: boolean; key: boolean }> {
    return canCloudTrailDeliver(this, trailArn);
  }

  /** Whether the caller could assume the role now (role exists, account active, trust allows). */
  canAssumeRole(callerPrincipalArn: string, roleArn: string): Promise<boolean> {
    return canAssumeRole(this, callerPrincipalArn, roleArn);
  }

  /** Whether a role (or session) can read CloudTrail logs: its own policies combined with the bucket/key policy. */
  canAccessLogs(principalArn: string, action: LogAccessAction, options: LogAccessOptions = {}): Promise<boolean> {
    return canAccessLogs(this, principalArn, action, options);
  }

  /**
   * Resolves when no event delivery and no execution is under way. Each waits for the other: a
   * delivery may start an execution (a Lambda target), and an execution's end is an event.
   */
  async settle(): Promise<void> {
    do {
      await this.events.drain();
      await this.stepFunctions.idle();
    } while (this.events.busy || this.stepFunctions.busy);
  }

  /** Deterministic, JSON-serializable view of all state. */
  snapshot(): WorldSnapshot {
    return snapshotOf(this);
  }

  /** Creates the log-archive bucket, key and access role (see seeds.ts). */
  seedLogArchive(spec: LogArchiveSpec): LogArchiveSeed {
    this.logArchive = seedLogArchive(this, spec);
    return this.logArchive;
  }

  /** Registers where EventBridge rules deliver to Lambda targets (events.ts); returns its removal. */
  onLambdaTarget(handler: (functionArn: string, input: unknown) => Promise<void>): () => void {
    return this.events.onLambdaTarget(handler);
  }

  /** Deploys a stack's template into an account (cloudformation.ts). */
  deployStack(deployment: StackDeployment): void {
    this.stacks.deploy(deployment);
  }

  /** The active member accounts of the organization, the management account excluded (where a service-managed StackSet deploys). */
  organizationMemberAccounts(): string[] {
    const mgmt = this.organization?.managementAccountId;
    return this.accounts
      .list()
      .filter((a) => a.inOrganization && a.id !== mgmt && a.state === 'ACTIVE')
      .map((a) => a.id);
  }

  /** Creates OrganizationAccountAccessRole in a member account. */
  seedMember(accountId: string, options: MemberSeedOptions = {}): SimRole {
    return seedMember(this, accountId, options);
  }

  // ------------------------------------------------------------------ dispatch

  /** Handles one SDK request (called by the middleware). */
  async dispatch(request: SdkRequest): Promise<SdkAnswer | FinalizeHandlerOutput<object>> {
    this.requestCounter += 1;
    const requestId = `00000000-0000-4000-8000-${this.requestCounter.toString(16).padStart(12, '0')}`;
    if (request.service === 'sfn') return this.dispatchStepFunctions(request, requestId);
    const record: CallRecord = {
      seq: this.calls.length + 1,
      service: request.service,
      operation: request.operation,
      accountId: '',
      region: request.region,
      principalArn: `unknown-access-key:${request.accessKeyId}`,
      input: copyInput(request.input),
      write: isWriteOperation(request.operation),
      ...invocationOf(),
    };
    this.calls.push(record);
    try {
      const caller = this.callerOf(request);
      record.principalArn = caller.arn;
      const service = this.services[request.service];
      record.accountId = service ? service.targetAccount(request.operation, request.input, caller) : caller.accountId;
      this.faults.check({ service: request.service, operation: request.operation, accountId: record.accountId, principalArn: caller.arn });
      const call: SimCall = { operation: request.operation, input: request.input, caller, region: request.region, accountId: record.accountId };
      await this.authorizeCall(request.service, call);
      if (request.passThrough) return await request.passThrough();
      const handler = service?.operations[request.operation];
      if (!handler) throw new Error(`The simulated AWS does not implement ${request.service}:${request.operation}`);
      const apiCall = this.events.beforeApiCall(request.service, call, request.accessKeyId);
      const output = await (handler as (call: object) => Promise<object> | object)(call);
      // A successful write produces its "AWS API Call via CloudTrail" event where a trail records it.
      apiCall?.recorded(output, requestId);
      const statusCode = request.service === 's3' && request.operation.startsWith('Delete') ? 204 : 200;
      return { output: { ...output, $metadata: { httpStatusCode: statusCode, requestId } }, statusCode };
    } catch (e) {
      if (e instanceof SimAwsError) {
        record.error = e.errorName;
        throw toSdkException(request.service, e, requestId);
      }
      record.error = (e as Error).name ?? 'Error';
      throw e;
    }
  }

  /**
   * Authorizes a request by the caller's identity-based policies (authorization.ts); services that
   * evaluate a resource policy do so in their operations instead.
   */
  private async authorizeCall(service: RoutedService, call: SimCall): Promise<void> {
    const wanted = AUTHORIZERS[service]?.(this, call);
    for (const req of wanted === undefined ? [] : Array.isArray(wanted) ? wanted : [wanted as AuthorizationRequest]) {
      const resourceAccount = req.resourceAccount ?? call.accountId;
      const result = await this.authorize(call.caller, req.action, { arn: req.resource, accountId: resourceAccount }, req.context ?? {});
      if (!result.allowed) awsError(ACCESS_DENIED[service] ?? 'AccessDeniedException', denialMessage(call.caller, req.action, req.resource, result));
    }
  }

  /**
   * A Step Functions request: the caller is checked like any other, then the local runner's service
   * answers (sfn.ts). Its calls and faults are kept by `stepFunctions` (the call log and the fault
   * injector know the simulated services only).
   */
  private async dispatchStepFunctions(request: SdkRequest, requestId: string): Promise<SdkAnswer> {
    try {
      const caller = this.callerOf(request);
      const req = stepFunctionsAuthorization(request.operation, request.input);
      const result = await this.authorize(caller, req.action, { arn: req.resource, accountId: req.resourceAccount ?? caller.accountId });
      if (!result.allowed) throw new SfnSimError('AccessDeniedException', denialMessage(caller, req.action, req.resource, result));
      const output = await this.stepFunctions.handle({ operation: request.operation, input: request.input, caller, region: request.region });
      return { output: { ...output, $metadata: { httpStatusCode: 200, requestId } }, statusCode: 200 };
    } catch (e) {
      if (e instanceof SfnSimError) throw toSfnException(e, requestId);
      if (e instanceof SimAwsError) throw toSfnException(new SfnSimError(e.errorName, e.message), requestId);
      throw e;
    }
  }

  /** The principal behind an access key, or the service's "invalid token" error. */
  private callerOf(request: SdkRequest): Principal {
    if (request.accessKeyId === ENVIRONMENT_CREDENTIALS.accessKeyId) return this.environmentCaller();
    const issued = this.credentials.lookup(request.accessKeyId);
    if (!issued) {
      const [name, message] = UNKNOWN_KEY[request.service];
      awsError(name, message);
    }
    const expiration = issued.credentials.expiration;
    if (expiration && expiration.getTime() <= this.now().getTime()) {
      awsError(EXPIRED[request.service], 'The security token included in the request is expired');
    }
    return issued.principal;
  }
}

/**
 * What a request signed with the process environment's credentials was made by: inside a function
 * invocation of the local runner, that function's execution role (each Lambda function gets its own
 * role's credentials in its environment); outside one, the principal of whoever runs the code (an
 * operator at a terminal: `setAmbientPrincipal`).
 */
function environmentCallerOf(ambient: string | undefined): Principal {
  const inv = currentInvocation();
  const arn = inv?.principalArn ?? ambient;
  if (!arn) throw new Error('A request used the environment credentials outside any function invocation, and no ambient principal is set (world.setAmbientPrincipal)');
  return parseCallerArn(arn);
}

/**
 * `aws:PrincipalTag/<key>` of a session: its role's tags, and its session tags over them (a session tag
 * overrides a role tag of the same key, compared without regard to case, as IAM stores tag keys).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
 */
function principalTagContext(roleTags: readonly { Key?: string; Value?: string }[], sessionTags: readonly SessionTag[]): RequestContext {
  const overridden = new Set(sessionTags.map((t) => t.Key.toLowerCase()));
  return Object.fromEntries([
    ...roleTags.filter((t) => !overridden.has(String(t.Key).toLowerCase())).map((t) => [`aws:PrincipalTag/${t.Key}`, t.Value ?? '']),
    ...sessionTags.map((t) => [`aws:PrincipalTag/${t.Key}`, t.Value]),
  ]);
}

/** Error name of an identity-based denial, by service. */
const ACCESS_DENIED: Partial<Record<RoutedService, string>> = { iam: 'AccessDenied', sts: 'AccessDenied', s3: 'AccessDenied' };

/** AWS's wording of an authorization failure. */
function denialMessage(caller: Principal, action: string, resource: string, result: EvaluationResult): string {
  const why = result.result === 'ExplicitlyDenied' ? 'with an explicit deny in a policy' : `because no identity-based policy allows the ${action} action`;
  return `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

/** The step and execution of the current local invocation (local/invocation-context.ts), if any. */
function invocationOf(): { step?: string; executionName?: string } {
  const inv = currentInvocation();
  return inv ? { step: inv.step, executionName: inv.executionName } : {};
}
