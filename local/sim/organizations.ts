/**
 * Simulated AWS Organizations: the organization's root and OU tree, where each member account sits,
 * the read operations on it (ListRoots, ListOrganizationalUnitsForParent, ListChildren, ListAccounts,
 * ListAccountsForParent, ListParents, DescribeOrganizationalUnit, DescribeAccount,
 * DescribeOrganization), MoveAccount, service control policies along the OU path, and the events of
 * the ways an account joins or moves (invitation, Control Tower Account Factory, MoveAccount) and of
 * the ways it leaves (RemoveAccountFromOrganization, LeaveOrganization, CloseAccount: see "Leaving").
 *
 * Who may call. "This operation can be called only from the organization's management account or by
 * a member account that is a delegated administrator for an AWS service" (the List and Describe
 * operations); MoveAccount "can be called only from the organization's management account". Another
 * member gets AccessDeniedException, an account outside any organization
 * AWSOrganizationsNotInUseException. Each request is first authorized by the caller's identity
 * policies (authorization.ts, `actionFor` below).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_MoveAccount.html
 *
 * Pagination. Every List operation takes MaxResults 1-20 and an opaque NextToken; "Organizations
 * might return fewer results than the maximum even when there are more results available" and "can
 * occasionally return an empty set of results even when there are more results available. The
 * NextToken response parameter value is null only when there are no more results" (`pageLimit`,
 * `returnEmptyPages` model both). A token the service did not issue for that operation and parent is
 * InvalidInputException (Reason INVALID_NEXT_TOKEN); MaxResults out of range is InvalidInputException
 * (MIN_VALUE_EXCEEDED / MAX_VALUE_EXCEEDED). The default page size when MaxResults is absent is "a
 * value that is specific to the operation" and not documented: 20 here.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListChildren.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_InvalidInputException.html
 *
 * Throttling. TooManyRequestsException exists ("You have sent too many requests in too short a period
 * of time"), but neither the API reference nor the quotas page
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html) gives a
 * request rate, so none is enforced; inject it with `world.faults` (kind Throttling).
 *
 * The tree. One root (`r-` and four characters of the organization id); OU ids are
 * `ou-<the root's suffix>-<8-32 lowercase letters or digits>`; OUs nest at most five levels under the
 * root; an organization holds at most 2,000 OUs (quotas page). An account not placed anywhere sits in
 * the root.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateOrganizationalUnit.html
 *
 * Feature set and trusted access. DescribeOrganization returns the FeatureSet (`setFeatureSet`; default
 * ALL) and AvailablePolicyTypes (deprecated by AWS, "doesn't provide complete information": the SCP type
 * ENABLED with all features, none with consolidated billing only, as SCPs need all features).
 * EnableAWSServiceAccess / DisableAWSServiceAccess "can only [be called] from the organization's
 * management account and only if the organization has enabled all features": another account gets
 * AccessDeniedException; without all features ConstraintViolationException, Reason
 * ORGANIZATION_NOT_IN_ALL_FEATURES_MODE; a ServicePrincipal that is not an AWS service principal
 * InvalidInputException, Reason UNRECOGNIZED_SERVICE_PRINCIPAL (the simulation recognizes any
 * `<name>.amazonaws.com`, not only the services that integrate). ListAWSServiceAccessForOrganization
 * "from the management account or a member account that is a delegated administrator", paginated.
 * Disabling trusted access for CloudTrail turns its organization trails into trails of the management
 * account only (what Landing Zone Accelerator's maintainers reported AWS Support confirming:
 * https://github.com/aws-samples/landing-zone-accelerator-on-aws-for-tse-se/issues/13).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnableAWSServiceAccess.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_DisableAWSServiceAccess.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAWSServiceAccessForOrganization.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html
 *
 * Delegated administrators: registered by a service (CloudTrail's RegisterOrganizationDelegatedAdmin,
 * cloudtrail.ts) or by `registerDelegatedAdministrator`; ListDelegatedAdministrators (optionally for one
 * ServicePrincipal, paginated) shows each account with its DelegationEnabledDate.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListDelegatedAdministrators.html
 *
 * Leaving. RemoveAccountFromOrganization ("You can only call this operation from the management account")
 * and the member's own LeaveOrganization ("You can only call from operation from a member account") make
 * the account standalone: out of the tree, its delegated-administrator registrations gone, organization
 * trails no longer logging it (its roles stay: OrganizationAccountAccessRole still trusts the management
 * account). Both refuse, with ConstraintViolationException, an account that lacks what a standalone
 * account needs (an account created in the organization does, until its root user provides it:
 * `provideStandaloneInformation`; Reason ACCOUNT_CANNOT_LEAVE_WITHOUT_PHONE_VERIFICATION) and a delegated
 * administrator (CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG). Removing the management account is
 * ConstraintViolationException ACCOUNT_CANNOT_LEAVE_ORGANIZATION; the management account calling
 * LeaveOrganization is MasterCannotLeaveOrganizationException (AWS lists both for those cases without
 * saying which it answers). Either way Organizations logs "an AccountDepartedOrganization event with
 * departureMethod:REMOVED [LEFT] and departureTime ... available only in the management account's event
 * history": a service event on the management account's default bus in us-east-1 (`accountDepartedEvent`,
 * the layout of AccountJoinedOrganization's); the API calls themselves are recorded, like any write, in
 * the caller's account while a trail logs there.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_RemoveAccountFromOrganization.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_LeaveOrganization.html
 *
 * Closing. CloseAccount (management account, all features) puts a member in PENDING_CLOSURE; "You need
 * to wait a few minutes before the account is fully closed" (here {@link CLOSURE_COMPLETES_AFTER_MS}),
 * then it is SUSPENDED, and stays in the organization so for 90 days, after which it is permanently
 * closed, leaves the organization, and Organizations logs AccountDepartedOrganization with
 * departureMethod:CLEANED ({@link POST_CLOSURE_PERIOD_MS}; applied on the next request after the time has
 * come, or by `advanceClosures`). No role can be assumed in a closing or closed account (sts.ts). Errors:
 * the management account is ConstraintViolationException CANNOT_CLOSE_MANAGEMENT_ACCOUNT; an account
 * closing already ConflictException ("conflicts with the current state of the specified resource"), a
 * closed one AccountAlreadyClosedException; more closures in a rolling 30 days than "the higher of either
 * 250 or 20% of the member accounts in your organization, up to a maximum of 1,000" (the SDK's current
 * text; older versions said 10%) ConstraintViolationException CLOSE_ACCOUNT_QUOTA_EXCEEDED
 * (`closeAccountQuota` lowers it). Not modelled: CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED (how many "at a
 * time" is not documented), ORGANIZATION_MEMBERSHIP_CHANGE_RATE_LIMIT_EXCEEDED (no rate is given), the
 * CloseAccountResult event ("published after the account closes successfully": AWS documents no record
 * of it), account tags (deleted when an account leaves).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_close.html
 */
import { randomUUID } from 'node:crypto';
import type * as org from '@aws-sdk/client-organizations';
import type { AccountSpec, AccountState, FeatureSet, JoinedMethod, OrganizationalUnitSpec, SimAccount } from './accounts';
import { awsTimestamp, type SimEvent } from './api-call-events';
import { awsError } from './errors';
import { parseCallerArn, rootArn, type Principal } from './identity';
import { sharedDocument } from './policy-doc';
import type { OperationHandler, SimCall, SimServiceImpl } from './service';
import type { SimWorld } from './world';

/** The retired `Account.Status` for each `Account.State` (Status knows ACTIVE, SUSPENDED, PENDING_CLOSURE). */
const LEGACY_STATUS: Record<AccountState, org.AccountStatus> = {
  ACTIVE: 'ACTIVE',
  PENDING_ACTIVATION: 'ACTIVE',
  SUSPENDED: 'SUSPENDED',
  CLOSED: 'SUSPENDED',
  PENDING_CLOSURE: 'PENDING_CLOSURE',
};

/** Id patterns of the API reference (ParentId, ChildId, OrganizationalUnitId, AccountId). */
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-([0-9a-z]{4,32})-[a-z0-9]{8,32}$/;
const ACCOUNT_ID = /^\d{12}$/;

/** MaxResults of every Organizations List operation: "Valid Range: Minimum value of 1. Maximum value of 20." */
export const MAX_RESULTS = 20;
/** "OU maximum nesting in a root: Five levels of OUs deep under a root." (quotas page) */
export const MAX_OU_DEPTH = 5;
/** "Number of OUs in an organization: 2000" (quotas page). */
export const MAX_ORGANIZATIONAL_UNITS = 2000;
/** OU Name: "Length Constraints: Minimum length of 1. Maximum length of 128." (CreateOrganizationalUnit) */
const OU_NAME_MAX = 128;

/** How long a closing account stays PENDING_CLOSURE ("a few minutes" in the CloseAccount reference: the simulation's choice). */
export const CLOSURE_COMPLETES_AFTER_MS = 5 * 60_000;
/** A closed account stays in the organization, SUSPENDED, for 90 days, then is permanently closed and leaves (CLEANED). */
export const POST_CLOSURE_PERIOD_MS = 90 * 24 * 3600_000;
/** CloseAccount's quota counts the closures of a rolling 30 days. */
export const CLOSE_ACCOUNT_QUOTA_WINDOW_MS = 30 * 24 * 3600_000;

/**
 * CloseAccount's quota for an organization of `memberAccounts` members: "Within a rolling 30 day period
 * you can close the higher of either 250 or 20% of the member accounts in your organization, up to a
 * maximum of 1,000" (API_CloseAccount.html, as the installed SDK documents it).
 */
export function closeAccountQuotaFor(memberAccounts: number): number {
  return Math.min(1000, Math.max(250, Math.floor(memberAccounts * 0.2)));
}

/** How an account departed (`departureMethod` of AccountDepartedOrganization, spelled as the API reference spells it). */
export type DepartureMethod = 'REMOVED' | 'LEFT' | 'CLEANED';

/** The region CloudTrail records Organizations' events in, and where EventBridge receives them. */
const ORGANIZATIONS_REGION = 'us-east-1';
const SERVICE_EVENT = 'AWS Service Event via CloudTrail';

/** A service control policy as attached. */
export interface SimScp {
  readonly name: string;
  readonly policy: unknown;
}

/** An organizational unit. */
export interface SimOrganizationalUnit {
  readonly id: string;
  name: string;
  parentId: string;
}

/** Organizations' persisted state (the fields after `scps` are absent in files written before the OU tree was modelled). */
export interface PersistedOrganizations {
  /** SCPs besides FullAWSAccess by target: the root id, an OU id or an account id. */
  readonly scps: Record<string, SimScp[]>;
  /** The OU tree, parents before children. */
  readonly organizationalUnits?: SimOrganizationalUnit[];
  /** Account id -> its OU, for the accounts not directly under the root. */
  readonly parents?: Record<string, string>;
  /** Delegated administrator account -> the service principals it is registered for. */
  readonly delegatedAdministrators?: Record<string, string[]>;
  /** The Control Tower home region (`controlTowerHomeRegion`). */
  readonly controlTowerHomeRegion?: string;
  /** `pageLimit`, when set. */
  readonly pageLimit?: number;
  /** `returnEmptyPages` not spent yet. */
  readonly emptyPages?: number;
  /** The feature set (absent in files written before it was modelled: ALL). */
  readonly featureSet?: FeatureSet;
  /** Service principals with trusted access -> when it was enabled (ISO). */
  readonly enabledServicePrincipals?: Record<string, string>;
  /** Delegated administrator account -> service principal -> when it was registered (ISO). */
  readonly delegationDates?: Record<string, Record<string, string>>;
  /** Account -> when CloseAccount closed it (ISO). */
  readonly closures?: Record<string, string>;
  /** Accounts created in the organization that have since been given what a standalone account needs. */
  readonly standaloneReady?: string[];
  /** `closeAccountQuota`, when set. */
  readonly closeAccountQuota?: number;
}

/** CloudTrail's service principal, whose trusted access organization trails need. */
export const CLOUDTRAIL_SERVICE_PRINCIPAL = 'cloudtrail.amazonaws.com';

/** What the simulation takes for an AWS service principal (EnableAWSServiceAccess' ServicePrincipal). */
const SERVICE_PRINCIPAL = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com$/;

/** An event a world helper emitted, and what EventBridge did with it (`dropped`: lost by a `dropNext` switch). */
export interface EmittedEvent {
  readonly event: SimEvent;
  readonly outcome: 'received' | 'dropped' | 'not recorded';
}

/** Options of {@link OrganizationsSim.inviteAccount}. */
export interface InviteAccountOptions {
  /** Who sends InviteAccountToOrganization (a principal of the management account). Default: its root user. */
  readonly invitedBy?: string;
  /** Who calls AcceptHandshake (a principal of the invited account). Default: its root user. */
  readonly acceptedBy?: string;
  /** The invitation's Notes. */
  readonly notes?: string;
}

/** What {@link OrganizationsSim.inviteAccount} did. */
export interface InviteAccountResult {
  readonly account: SimAccount;
  readonly handshakeId: string;
  /** InviteAccountToOrganization, AcceptHandshake (API calls: `not recorded` when no trail logs them) and AccountJoinedOrganization, in order. */
  readonly events: EmittedEvent[];
}

/** Options of {@link OrganizationsSim.createManagedAccount}. */
export interface ManagedAccountSpec {
  readonly accountId: string;
  readonly accountName: string;
  readonly email?: string;
  /** The OU Account Factory places the account in (must exist). */
  readonly organizationalUnitId: string;
  /** The lifecycle event's state. Default SUCCEEDED. */
  readonly state?: 'SUCCEEDED' | 'FAILED';
  /**
   * FAILED only: whether the account exists anyway ("If there's an error during the process, it
   * usually occurs after the account has been created but is not fully provisioned"). Default true.
   */
  readonly accountCreated?: boolean;
  /**
   * Also emit what Organizations records for the account Account Factory creates (CreateAccountResult
   * and AccountJoinedOrganization, management account, us-east-1). Default true.
   */
  readonly organizationsEvents?: boolean;
  /** When Account Factory was asked (requestedTimestamp). Default: now. */
  readonly requestedAt?: Date;
}

/** What {@link OrganizationsSim.createManagedAccount} and `updateManagedAccount` did. */
export interface ManagedAccountResult {
  readonly account?: SimAccount;
  /** In order: CreateAccountResult and AccountJoinedOrganization (when created and asked for), then the lifecycle event. */
  readonly events: EmittedEvent[];
}

/**
 * AWS's default SCP, attached to every root, OU and account while SCPs are enabled.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
 */
export const FULL_AWS_ACCESS: SimScp = {
  name: 'FullAWSAccess',
  policy: sharedDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
};

/** The operations member accounts may call as delegated administrators (the read-only ones). */
const READ_OPERATIONS = new Set([
  'ListAWSServiceAccessForOrganization',
  'ListDelegatedAdministrators',
  'DescribeAccount',
  'DescribeOrganizationalUnit',
  'ListAccounts',
  'ListAccountsForParent',
  'ListChildren',
  'ListOrganizationalUnitsForParent',
  'ListParents',
  'ListRoots',
]);

/** Access key id the events of world helpers name in userIdentity (no SDK request made them). */
const HELPER_ACCESS_KEY = 'ASIASIMULATEDHELPER0';

/** Organizations of the world (global service: the client region is only recorded). */
export class OrganizationsSim implements SimServiceImpl {
  /** Attached SCPs besides FullAWSAccess, by target: the root id, an OU id or an account id. */
  private readonly scps = new Map<string, SimScp[]>();
  private readonly ous = new Map<string, SimOrganizationalUnit>();
  /** OU id -> the ids of the accounts in it (accounts of the root are not listed anywhere). */
  private readonly accountsIn = new Map<string, Set<string>>();
  /** Account id -> its OU (absent: the root). */
  private readonly parents = new Map<string, string>();
  private readonly delegated = new Map<string, Set<string>>();
  /** `<account> <service principal>` -> when it was registered. */
  private readonly delegationDates = new Map<string, Date>();
  /** Service principals with trusted access -> when it was enabled. */
  private readonly serviceAccess = new Map<string, Date>();
  private features: FeatureSet = 'ALL';
  private ouSequence = 0;
  private emptyPages = 0;
  /** Accounts closed by CloseAccount -> when it was asked (the quota counts them; the state follows the clock). */
  private readonly closures = new Map<string, Date>();
  /** Accounts created in the organization that have what a standalone account needs (`provideStandaloneInformation`). */
  private readonly standaloneReady = new Set<string>();
  /** Lowers CloseAccount's quota (closures per rolling 30 days) below AWS's {@link closeAccountQuotaFor}. */
  closeAccountQuota?: number;
  /**
   * Pages hold at most this many items, whatever MaxResults says (AWS "might return fewer results than
   * the maximum"): lower it to make callers page. Default: none.
   */
  pageLimit?: number;
  /**
   * The region Control Tower's lifecycle events arrive in ("AWS Control Tower home region").
   * https://docs.aws.amazon.com/controltower/latest/userguide/lifecycle-events.html
   */
  controlTowerHomeRegion = 'us-east-1';

  constructor(private readonly world: SimWorld) {}

  // ---------------------------------------------------------------- the tree (seeding and tests)

  /** The organization root's id (`r-` and the organization id's suffix). */
  rootId(): string | undefined {
    const id = this.world.organization?.id;
    return id ? `r-${id.slice(2, 6)}` : undefined;
  }

  /**
   * Creates an OU under the root or another OU (seeding; what CreateOrganizationalUnit does). `id`
   * must look like AWS's (`ou-<root suffix>-<8-32 chars>`); without one, an id is generated. Throws a
   * plain Error for a malformed seed: unknown parent, bad id or name, duplicate id or name under the
   * same parent, nesting deeper than five levels, more than 2,000 OUs.
   */
  createOrganizationalUnit(parentId: string, name: string, id?: string): SimOrganizationalUnit {
    const root = this.rootId();
    if (!root) throw new Error('createOrganizationalUnit: the world has no organization');
    if (!this.isParent(parentId)) throw new Error(`createOrganizationalUnit(${JSON.stringify(parentId)}, ${JSON.stringify(name)}): the parent is neither the root ${root} nor an existing OU`);
    if (typeof name !== 'string' || name.length < 1 || name.length > OU_NAME_MAX) throw new Error(`OU name must have 1-${OU_NAME_MAX} characters: ${JSON.stringify(name)}`);
    const ouId = id ?? this.nextOuId(root);
    const m = OU_ID.exec(ouId);
    if (!m || m[1] !== root.slice(2)) {
      throw new Error(`OU id ${JSON.stringify(ouId)} does not look like AWS's: expected ou-${root.slice(2)}-<8-32 lowercase letters or digits> (the root is ${root})`);
    }
    if (this.ous.has(ouId)) throw new Error(`OU ${ouId} already exists`);
    if ([...this.ous.values()].some((o) => o.parentId === parentId && o.name === name)) throw new Error(`An OU named ${JSON.stringify(name)} already exists under ${parentId}`);
    if (this.depthOf(parentId) + 1 > MAX_OU_DEPTH) throw new Error(`OU ${ouId} would be nested ${this.depthOf(parentId) + 1} levels deep: AWS allows ${MAX_OU_DEPTH}`);
    if (this.ous.size >= MAX_ORGANIZATIONAL_UNITS) throw new Error(`An organization holds at most ${MAX_ORGANIZATIONAL_UNITS} OUs`);
    const ou: SimOrganizationalUnit = { id: ouId, name, parentId };
    this.ous.set(ouId, ou);
    return ou;
  }

  /** Creates the OUs of an organization spec, parents first whatever their order in the list. */
  createOrganizationalUnits(specs: readonly OrganizationalUnitSpec[]): void {
    let pending = [...specs];
    while (pending.length > 0) {
      const ready = pending.filter((s) => this.isParent(s.parentId));
      if (ready.length === 0) {
        throw new Error(`OUs ${pending.map((s) => s.id).join(', ')}: their parents (${[...new Set(pending.map((s) => s.parentId))].join(', ')}) are neither the root ${this.rootId() ?? '(none)'} nor OUs of the spec`);
      }
      for (const s of ready) this.createOrganizationalUnit(s.parentId, s.name, s.id);
      pending = pending.filter((s) => !ready.includes(s));
    }
  }

  /** The OU, or undefined. */
  getOrganizationalUnit(id: string): SimOrganizationalUnit | undefined {
    return this.ous.get(id);
  }

  /** Every OU, sorted by id. */
  listOrganizationalUnits(): SimOrganizationalUnit[] {
    return [...this.ous.values()].sort(byId);
  }

  /** The root or OU a member account sits in; undefined for an account outside the organization. */
  parentOf(accountId: string): string | undefined {
    if (!this.world.accounts.get(accountId)?.inOrganization) return undefined;
    return this.parents.get(accountId) ?? this.rootId();
  }

  /** The ids from the root down to the account's parent (`[root, ou-1, ou-2]`); empty outside the organization. */
  pathOf(accountId: string): string[] {
    const parent = this.parentOf(accountId);
    return parent ? this.pathTo(parent) : [];
  }

  /**
   * Puts a member account in the root or an OU (seeding; MoveAccount without its checks and event).
   * Throws a plain Error when the account is not a member or the parent does not exist.
   */
  placeAccount(accountId: string, parentId: string): void {
    if (!this.world.accounts.get(accountId)?.inOrganization) throw new Error(`placeAccount: ${accountId} is not a member of the organization`);
    if (!this.isParent(parentId)) throw new Error(`placeAccount(${accountId}, ${JSON.stringify(parentId)}): the parent is neither the root ${this.rootId() ?? '(none)'} nor an existing OU`);
    const previous = this.parents.get(accountId);
    if (previous) this.accountsIn.get(previous)?.delete(accountId);
    if (parentId === this.rootId()) {
      this.parents.delete(accountId);
      return;
    }
    this.parents.set(accountId, parentId);
    let set = this.accountsIn.get(parentId);
    if (!set) this.accountsIn.set(parentId, (set = new Set()));
    set.add(accountId);
  }

  /**
   * Registers a member account as delegated administrator for a service (RegisterDelegatedAdministrator):
   * it may then call the read-only List and Describe operations.
   */
  registerDelegatedAdministrator(accountId: string, servicePrincipal: string): void {
    if (!this.world.accounts.get(accountId)?.inOrganization || accountId === this.world.organization?.managementAccountId) {
      throw new Error(`registerDelegatedAdministrator: ${accountId} is not a member account of the organization`);
    }
    let set = this.delegated.get(accountId);
    if (!set) this.delegated.set(accountId, (set = new Set()));
    if (!set.has(servicePrincipal)) this.delegationDates.set(`${accountId} ${servicePrincipal}`, this.world.now());
    set.add(servicePrincipal);
  }

  /** Removes an account's registration as delegated administrator for a service (DeregisterDelegatedAdministrator). */
  deregisterDelegatedAdministrator(accountId: string, servicePrincipal: string): void {
    this.delegated.get(accountId)?.delete(servicePrincipal);
    this.delegationDates.delete(`${accountId} ${servicePrincipal}`);
  }

  /** Whether an account is a registered delegated administrator for the service. */
  isDelegatedAdministrator(accountId: string, servicePrincipal: string): boolean {
    return this.delegated.get(accountId)?.has(servicePrincipal) === true && this.world.accounts.get(accountId)?.inOrganization === true;
  }

  /** The accounts registered as delegated administrators for a service, sorted. */
  delegatedAdministratorsFor(servicePrincipal: string): string[] {
    return [...this.delegated].filter(([id, set]) => set.has(servicePrincipal) && this.world.accounts.get(id)?.inOrganization).map(([id]) => id).sort();
  }

  /** The organization's feature set. */
  get featureSet(): FeatureSet {
    return this.features;
  }

  /** Sets the feature set (seeding: what EnableAllFeatures and every member's approval would do, or an organization that never did). */
  setFeatureSet(featureSet: FeatureSet): void {
    this.world.cloudtrail.beforeChange({ organizationTrails: true });
    this.features = featureSet;
  }

  /** Enables trusted access for a service principal (seeding; EnableAWSServiceAccess without its checks and event). */
  enableServiceAccess(servicePrincipal: string): void {
    if (!this.serviceAccess.has(servicePrincipal)) this.serviceAccess.set(servicePrincipal, this.world.now());
  }

  /** Disables trusted access (seeding; DisableAWSServiceAccess without its checks and event, with its effect on organization trails). */
  disableServiceAccess(servicePrincipal: string): void {
    if (!this.serviceAccess.delete(servicePrincipal)) return;
    if (servicePrincipal === CLOUDTRAIL_SERVICE_PRINCIPAL) this.world.cloudtrail.trustedAccessDisabled();
  }

  /** Whether a service principal has trusted access. */
  isServiceAccessEnabled(servicePrincipal: string): boolean {
    return this.serviceAccess.has(servicePrincipal);
  }

  /**
   * A member account leaves the organization (what RemoveAccountFromOrganization or the member's
   * LeaveOrganization does; seeding: no checks, no event): it is standalone from now on, its place in
   * the tree and its delegated-administrator registrations are gone, and organization trails stop
   * logging it (what they delivered until now is delivered first).
   * https://docs.aws.amazon.com/organizations/latest/APIReference/API_RemoveAccountFromOrganization.html
   */
  removeAccount(accountId: string): void {
    const account = this.world.accounts.get(accountId);
    if (!account?.inOrganization || accountId === this.world.organization?.managementAccountId) {
      throw new Error(`removeAccount: ${accountId} is not a member account of the organization`);
    }
    this.detach(account);
  }

  /**
   * Gives an account created in the organization what a standalone account needs (what its root user
   * does in the console: support plan, contact information, payment method), so it may leave.
   * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_account-before-remove.html
   */
  provideStandaloneInformation(accountId: string): void {
    if (!this.world.accounts.get(accountId)) throw new Error(`provideStandaloneInformation: ${accountId} is not an account of the world`);
    this.standaloneReady.add(accountId);
  }

  /** Whether the account could exist standalone: it was standalone before it was invited, or it was given what it needs. */
  hasStandaloneInformation(accountId: string): boolean {
    const account = this.world.accounts.get(accountId);
    return account !== undefined && (account.joinedMethod !== 'CREATED' || this.standaloneReady.has(accountId));
  }

  /** When CloseAccount closed the account; undefined if it did not. */
  closureOf(accountId: string): Date | undefined {
    return this.closures.get(accountId);
  }

  /**
   * Applies what the clock has brought to closed accounts: PENDING_CLOSURE becomes SUSPENDED once the
   * closure completes; a SUSPENDED account whose 90 days are over leaves the organization (state CLOSED),
   * with the AccountDepartedOrganization CLEANED event. Every request to the service runs it first.
   */
  advanceClosures(): EmittedEvent[] {
    const now = this.world.now().getTime();
    const events: EmittedEvent[] = [];
    for (const [id, requestedAt] of this.closures) {
      const account = this.world.accounts.get(id);
      if (!account?.inOrganization) continue;
      const closedAt = requestedAt.getTime() + CLOSURE_COMPLETES_AFTER_MS;
      if (account.state === 'PENDING_CLOSURE' && now >= closedAt) account.state = 'SUSPENDED';
      const terminatedAt = closedAt + POST_CLOSURE_PERIOD_MS;
      if (account.state === 'SUSPENDED' && now >= terminatedAt) {
        this.detach(account);
        account.state = 'CLOSED';
        events.push(this.emitService(this.accountDepartedEvent(id, 'CLEANED', new Date(terminatedAt))));
      }
    }
    return events;
  }

  /** The account leaves: standalone, out of the tree and of the delegated administrators; organization trails stop logging it. */
  private detach(account: SimAccount): void {
    const accountId = account.id;
    this.world.cloudtrail.beforeChange({ organizationTrails: true });
    const parent = this.parents.get(accountId);
    if (parent) this.accountsIn.get(parent)?.delete(accountId);
    this.parents.delete(accountId);
    for (const p of this.delegated.get(accountId) ?? []) this.delegationDates.delete(`${accountId} ${p}`);
    this.delegated.delete(accountId);
    account.inOrganization = false;
  }

  /** The next `n` List calls that still have results return an empty page with a NextToken (AWS may do that). */
  returnEmptyPages(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new Error(`returnEmptyPages(${n}): give a number of pages`);
    this.emptyPages = n;
  }

  // ---------------------------------------------------------------- SCPs

  /** Attaches an SCP to the root, an OU or an account (seeding, and what a stack with an AWS::Organizations::Policy does). */
  attachScp(targetId: string, scp: SimScp): void {
    const list = this.scps.get(targetId) ?? [];
    this.scps.set(targetId, [...list.filter((p) => p.name !== scp.name), scp]);
  }

  /**
   * The SCP levels that apply to a principal of `accountId`: none for the management account or an
   * account outside the organization (SCPs never restrict them), else the root's, each OU's on the
   * way down to the account, then the account's, each with FullAWSAccess: every level must allow.
   * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
   */
  scpLevelsFor(accountId: string): { orgIdentifier: string; policies: SimScp[] }[] {
    const organization = this.world.organization;
    if (!organization || !this.rootId() || accountId === organization.managementAccountId || !this.world.accounts.get(accountId)?.inOrganization) return [];
    return [...this.pathOf(accountId), accountId].map((id) => ({ orgIdentifier: id, policies: [FULL_AWS_ACCESS, ...(this.scps.get(id) ?? [])] }));
  }

  // ---------------------------------------------------------------- persistence

  exportState(): PersistedOrganizations {
    const delegated = [...this.delegated].filter(([, s]) => s.size > 0).sort(([a], [b]) => a.localeCompare(b));
    return {
      scps: Object.fromEntries([...this.scps].sort(([a], [b]) => a.localeCompare(b))),
      organizationalUnits: this.pathOrdered().map((o) => ({ ...o })),
      parents: Object.fromEntries([...this.parents].sort(([a], [b]) => a.localeCompare(b))),
      ...(delegated.length > 0 ? { delegatedAdministrators: Object.fromEntries(delegated.map(([a, s]) => [a, [...s].sort()])) } : {}),
      controlTowerHomeRegion: this.controlTowerHomeRegion,
      ...(this.pageLimit !== undefined ? { pageLimit: this.pageLimit } : {}),
      ...(this.emptyPages > 0 ? { emptyPages: this.emptyPages } : {}),
      featureSet: this.features,
      enabledServicePrincipals: Object.fromEntries([...this.serviceAccess].sort(([a], [b]) => a.localeCompare(b)).map(([p, d]) => [p, d.toISOString()])),
      delegationDates: Object.fromEntries(
        delegated.map(([a, set]) => [a, Object.fromEntries([...set].sort().map((p) => [p, (this.delegationDates.get(`${a} ${p}`) ?? new Date(0)).toISOString()]))]),
      ),
      closures: Object.fromEntries([...this.closures].sort(([a], [b]) => a.localeCompare(b)).map(([a, d]) => [a, d.toISOString()])),
      standaloneReady: [...this.standaloneReady].sort(),
      ...(this.closeAccountQuota !== undefined ? { closeAccountQuota: this.closeAccountQuota } : {}),
    };
  }

  /**
   * Replaces the SCPs with the persisted ones; the tree, the delegated administrators and the
   * switches too when the state has them (a state with SCPs only, as cloudformation.ts writes to
   * detach a policy, leaves them as they are).
   */
  importState(state: PersistedOrganizations | undefined): void {
    this.scps.clear();
    for (const [target, list] of Object.entries(state?.scps ?? {})) this.scps.set(target, list.map((p) => ({ ...p })));
    if (state?.organizationalUnits) {
      this.ous.clear();
      this.parents.clear();
      this.accountsIn.clear();
      this.createOrganizationalUnits(state.organizationalUnits);
      for (const [accountId, parentId] of Object.entries(state.parents ?? {})) this.placeAccount(accountId, parentId);
    }
    if (state?.delegatedAdministrators) {
      this.delegated.clear();
      this.delegationDates.clear();
      for (const [accountId, services] of Object.entries(state.delegatedAdministrators)) {
        this.delegated.set(accountId, new Set(services));
        for (const p of services) {
          const at = state.delegationDates?.[accountId]?.[p];
          if (at) this.delegationDates.set(`${accountId} ${p}`, new Date(at));
        }
      }
    }
    if (state?.featureSet) this.features = state.featureSet;
    if (state?.enabledServicePrincipals) {
      this.serviceAccess.clear();
      for (const [p, at] of Object.entries(state.enabledServicePrincipals)) this.serviceAccess.set(p, new Date(at));
    }
    if (state?.controlTowerHomeRegion) this.controlTowerHomeRegion = state.controlTowerHomeRegion;
    if (state?.pageLimit !== undefined) this.pageLimit = state.pageLimit;
    if (state?.emptyPages !== undefined) this.emptyPages = state.emptyPages;
    if (state?.closures) {
      this.closures.clear();
      for (const [accountId, at] of Object.entries(state.closures)) this.closures.set(accountId, new Date(at));
    }
    if (state?.standaloneReady) {
      this.standaloneReady.clear();
      for (const id of state.standaloneReady) this.standaloneReady.add(id);
    }
    if (state?.closeAccountQuota !== undefined) this.closeAccountQuota = state.closeAccountQuota;
  }

  // ---------------------------------------------------------------- authorization

  /**
   * IAM authorization of each operation: the action and the resource it names, per the Service
   * Authorization Reference's resource types (account, organizationalunit, root; none: `*`).
   * MoveAccount also names its source and destination parents: the operation authorizes those.
   * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html
   */
  actionFor(operation: string, input: Record<string, unknown>): { action: string; resource: string; context?: Record<string, string> } {
    const action = `organizations:${operation}`;
    switch (operation) {
      // No resource type; the condition key organizations:ServicePrincipal (list_awsorganizations.html).
      case 'EnableAWSServiceAccess':
      case 'DisableAWSServiceAccess':
        return { action, resource: '*', context: { 'organizations:ServicePrincipal': String(input.ServicePrincipal ?? '') } };
      case 'ListDelegatedAdministrators':
        return { action, resource: '*', ...(input.ServicePrincipal ? { context: { 'organizations:ServicePrincipal': String(input.ServicePrincipal) } } : {}) };
      case 'DescribeAccount':
      case 'MoveAccount':
      case 'RemoveAccountFromOrganization':
      case 'CloseAccount':
        return { action, resource: this.arnOf(String(input.AccountId)) };
      case 'DescribeOrganizationalUnit':
        return { action, resource: this.arnOf(String(input.OrganizationalUnitId)) };
      case 'ListAccountsForParent':
      case 'ListChildren':
      case 'ListOrganizationalUnitsForParent':
        return { action, resource: this.arnOf(String(input.ParentId)) };
      case 'ListParents':
        return { action, resource: this.arnOf(String(input.ChildId)) };
      default:
        return { action, resource: '*' };
    }
  }

  /** The ARN of an account, OU or root id (`*` for anything else). */
  arnOf(id: string): string {
    const o = this.world.organization;
    const base = `arn:${this.world.partition}:organizations::${o?.managementAccountId ?? ''}`;
    const orgId = o?.id ?? 'o-none';
    if (ACCOUNT_ID.test(id)) return `${base}:account/${orgId}/${id}`;
    if (OU_ID.test(id)) return `${base}:ou/${orgId}/${id}`;
    if (ROOT_ID.test(id)) return `${base}:root/${orgId}/${id}`;
    return '*';
  }

  targetAccount(_operation: string, _input: Record<string, unknown>, caller: Principal): string {
    return caller.accountId;
  }

  // ---------------------------------------------------------------- operations

  readonly operations = {
    DescribeAccount: ({ caller, input }) => {
      this.requireAccess(caller, 'DescribeAccount');
      const id = this.requirePattern(input.AccountId, 'accountId', ACCOUNT_ID);
      const account = this.world.accounts.get(id);
      if (!account?.inOrganization) awsError('AccountNotFoundException', "You specified an account that doesn't exist.");
      return { Account: this.accountOutput(account) };
    },
    DescribeOrganization: ({ caller }) => {
      this.advanceClosures();
      const organization = this.world.organization;
      const account = this.world.accounts.get(caller.accountId);
      if (!organization || !account?.inOrganization) {
        awsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
      }
      const management = this.world.accounts.require(organization.managementAccountId);
      return {
        Organization: {
          Id: organization.id,
          Arn: `arn:${this.world.partition}:organizations::${management.id}:organization/${organization.id}`,
          FeatureSet: this.features,
          MasterAccountArn: this.arnOf(management.id),
          MasterAccountId: management.id,
          MasterAccountEmail: management.email,
          AvailablePolicyTypes: this.features === 'ALL' ? [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] : [],
        },
      };
    },
    EnableAWSServiceAccess: ({ caller, input }) => {
      const principal = this.requireServiceAccessChange(caller, 'EnableAWSServiceAccess', input.ServicePrincipal);
      this.enableServiceAccess(principal);
      return {};
    },
    DisableAWSServiceAccess: ({ caller, input }) => {
      const principal = this.requireServiceAccessChange(caller, 'DisableAWSServiceAccess', input.ServicePrincipal);
      this.disableServiceAccess(principal);
      return {};
    },
    ListAWSServiceAccessForOrganization: ({ caller, input }) => {
      this.requireAccess(caller, 'ListAWSServiceAccessForOrganization');
      const page = this.page('ListAWSServiceAccessForOrganization', '', [...this.serviceAccess], ([p]) => p, input);
      return { EnabledServicePrincipals: page.items.map(([ServicePrincipal, DateEnabled]) => ({ ServicePrincipal, DateEnabled })), ...page.next };
    },
    ListDelegatedAdministrators: ({ caller, input }) => {
      this.requireAccess(caller, 'ListDelegatedAdministrators');
      const principal = input.ServicePrincipal;
      if (principal !== undefined && !SERVICE_PRINCIPAL.test(principal)) {
        awsError('InvalidInputException', `You specified an unrecognized service principal: ${principal}.`, { Reason: 'UNRECOGNIZED_SERVICE_PRINCIPAL' });
      }
      const accounts = [...this.delegated]
        .filter(([id, set]) => (principal === undefined ? set.size > 0 : set.has(principal)) && this.world.accounts.get(id)?.inOrganization)
        .map(([id, set]) => ({ account: this.world.accounts.require(id), since: Math.min(...[...set].filter((p) => principal === undefined || p === principal).map((p) => this.delegationDates.get(`${id} ${p}`)?.getTime() ?? 0)) }));
      const page = this.page('ListDelegatedAdministrators', principal ?? '', accounts, (a) => a.account.id, input);
      return { DelegatedAdministrators: page.items.map(({ account, since }) => ({ ...this.accountOutput(account), DelegationEnabledDate: new Date(since) })), ...page.next };
    },
    DescribeOrganizationalUnit: ({ caller, input }) => {
      this.requireAccess(caller, 'DescribeOrganizationalUnit');
      const id = this.requirePattern(input.OrganizationalUnitId, 'organizationalUnitId', OU_ID);
      const ou = this.ous.get(id);
      if (!ou) awsError('OrganizationalUnitNotFoundException', "We can't find an organizational unit (OU) with the OrganizationalUnitId that you specified.");
      return { OrganizationalUnit: this.ouOutput(ou) };
    },
    ListRoots: ({ caller, input }) => {
      this.requireAccess(caller, 'ListRoots');
      const root = this.rootId() as string;
      const page = this.page('ListRoots', '', [root], (r) => r, input);
      return {
        Roots: page.items.map((id) => ({ Id: id, Arn: this.arnOf(id), Name: 'Root', PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] })),
        ...page.next,
      };
    },
    ListAccounts: ({ caller, input }) => {
      this.requireAccess(caller, 'ListAccounts');
      const page = this.page('ListAccounts', '', this.members(), (a) => a.id, input);
      return { Accounts: page.items.map((a) => this.accountOutput(a)), ...page.next };
    },
    ListAccountsForParent: ({ caller, input }) => {
      this.requireAccess(caller, 'ListAccountsForParent');
      const parentId = this.requireParent(input.ParentId);
      const page = this.page('ListAccountsForParent', parentId, this.accountsUnder(parentId), (a) => a.id, input);
      return { Accounts: page.items.map((a) => this.accountOutput(a)), ...page.next };
    },
    ListOrganizationalUnitsForParent: ({ caller, input }) => {
      this.requireAccess(caller, 'ListOrganizationalUnitsForParent');
      const parentId = this.requireParent(input.ParentId);
      const page = this.page('ListOrganizationalUnitsForParent', parentId, this.ousUnder(parentId), (o) => o.id, input);
      return { OrganizationalUnits: page.items.map((o) => this.ouOutput(o)), ...page.next };
    },
    ListChildren: ({ caller, input }) => {
      this.requireAccess(caller, 'ListChildren');
      const parentId = this.requireParent(input.ParentId);
      const type = String(input.ChildType ?? '');
      if (type !== 'ACCOUNT' && type !== 'ORGANIZATIONAL_UNIT') {
        awsError('InvalidInputException', `You specified an invalid value for childType: ${type || '(none)'}; valid values are ACCOUNT, ORGANIZATIONAL_UNIT.`, { Reason: type ? 'INVALID_ENUM' : 'INPUT_REQUIRED' });
      }
      const ids = type === 'ACCOUNT' ? this.accountsUnder(parentId).map((a) => a.id) : this.ousUnder(parentId).map((o) => o.id);
      const page = this.page(`ListChildren/${type}`, parentId, ids, (id) => id, input);
      return { Children: page.items.map((Id) => ({ Id, Type: type })), ...page.next };
    },
    ListParents: ({ caller, input }) => {
      this.requireAccess(caller, 'ListParents');
      const childId = String(input.ChildId ?? '');
      if (!ACCOUNT_ID.test(childId) && !OU_ID.test(childId)) this.invalidPattern('childId');
      const parentId = ACCOUNT_ID.test(childId) ? this.parentOf(childId) : this.ous.get(childId)?.parentId;
      if (!parentId) awsError('ChildNotFoundException', "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.");
      const page = this.page('ListParents', childId, [parentId], (id) => id, input);
      return { Parents: page.items.map((Id) => ({ Id, Type: Id.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' })), ...page.next };
    },
    MoveAccount: async ({ caller, input }) => {
      this.requireAccess(caller, 'MoveAccount');
      const accountId = this.requirePattern(input.AccountId, 'accountId', ACCOUNT_ID);
      const source = this.requirePattern(input.SourceParentId, 'sourceParentId', PARENT_ID);
      const destination = this.requirePattern(input.DestinationParentId, 'destinationParentId', PARENT_ID);
      // The authorization reference lists account, organizationalunit and root for MoveAccount: the
      // caller must be allowed on the source and destination parents too (the account was checked before).
      for (const parent of [source, destination]) {
        const arn = this.arnOf(parent);
        const decision = await this.world.authorize(caller, 'organizations:MoveAccount', { arn, accountId: caller.accountId });
        if (!decision.allowed) awsError('AccessDeniedException', `User: ${caller.arn} is not authorized to perform: organizations:MoveAccount on resource: ${arn}`);
      }
      if (!this.isParent(source)) awsError('SourceParentNotFoundException', "We can't find a source root or OU with the ParentId that you specified.");
      if (!this.isParent(destination)) awsError('DestinationParentNotFoundException', "We can't find the destination container (a root or OU) with the ParentId that you specified.");
      // An account that is not in the source parent is reported as not found there.
      if (!this.world.accounts.get(accountId)?.inOrganization || this.parentOf(accountId) !== source) {
        awsError('AccountNotFoundException', "You specified an account that doesn't exist.");
      }
      if (source === destination) awsError('DuplicateAccountException', 'That account is already present in the specified destination.');
      this.placeAccount(accountId, destination);
      return {};
    },
    RemoveAccountFromOrganization: ({ caller, input }) => {
      const organization = this.requireAccess(caller, 'RemoveAccountFromOrganization');
      const account = this.requireMember(input.AccountId);
      if (account.id === organization.managementAccountId) {
        awsError('ConstraintViolationException', "You attempted to remove the management account from the organization. You can't remove the management account.", { Reason: 'ACCOUNT_CANNOT_LEAVE_ORGANIZATION' });
      }
      this.requireCanLeave(account.id);
      this.detach(account);
      this.emitService(this.accountDepartedEvent(account.id, 'REMOVED'));
      return {};
    },
    LeaveOrganization: ({ caller }) => {
      this.advanceClosures();
      const organization = this.world.organization;
      const account = this.world.accounts.get(caller.accountId);
      if (!organization || !account?.inOrganization) awsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
      if (account.id === organization.managementAccountId) {
        awsError('MasterCannotLeaveOrganizationException', "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.");
      }
      this.requireCanLeave(account.id);
      this.detach(account);
      this.emitService(this.accountDepartedEvent(account.id, 'LEFT'));
      return {};
    },
    CloseAccount: ({ caller, input }) => {
      const organization = this.requireAccess(caller, 'CloseAccount');
      const account = this.requireMember(input.AccountId);
      if (this.features !== 'ALL') awsError('ConstraintViolationException', 'This operation requires that the organization has all features enabled.', { Reason: 'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE' });
      if (account.id === organization.managementAccountId) {
        awsError('ConstraintViolationException', 'You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization.', { Reason: 'CANNOT_CLOSE_MANAGEMENT_ACCOUNT' });
      }
      if (account.state === 'PENDING_CLOSURE') awsError('ConflictException', 'The request failed because it conflicts with the current state of the specified resource: the account is being closed.');
      if (account.state === 'SUSPENDED' || account.state === 'CLOSED') awsError('AccountAlreadyClosedException', 'You attempted to close an account that is already closed.');
      this.requireCloseQuota();
      this.world.cloudtrail.beforeChange({ organizationTrails: true });
      account.state = 'PENDING_CLOSURE';
      this.closures.set(account.id, this.world.now());
      return {};
    },
  } satisfies {
    DescribeAccount: OperationHandler<org.DescribeAccountCommandInput, org.DescribeAccountCommandOutput>;
    DescribeOrganization: OperationHandler<org.DescribeOrganizationCommandInput, org.DescribeOrganizationCommandOutput>;
    EnableAWSServiceAccess: OperationHandler<org.EnableAWSServiceAccessCommandInput, org.EnableAWSServiceAccessCommandOutput>;
    DisableAWSServiceAccess: OperationHandler<org.DisableAWSServiceAccessCommandInput, org.DisableAWSServiceAccessCommandOutput>;
    ListAWSServiceAccessForOrganization: OperationHandler<org.ListAWSServiceAccessForOrganizationCommandInput, org.ListAWSServiceAccessForOrganizationCommandOutput>;
    ListDelegatedAdministrators: OperationHandler<org.ListDelegatedAdministratorsCommandInput, org.ListDelegatedAdministratorsCommandOutput>;
    DescribeOrganizationalUnit: OperationHandler<org.DescribeOrganizationalUnitCommandInput, org.DescribeOrganizationalUnitCommandOutput>;
    ListRoots: OperationHandler<org.ListRootsCommandInput, org.ListRootsCommandOutput>;
    ListAccounts: OperationHandler<org.ListAccountsCommandInput, org.ListAccountsCommandOutput>;
    ListAccountsForParent: OperationHandler<org.ListAccountsForParentCommandInput, org.ListAccountsForParentCommandOutput>;
    ListOrganizationalUnitsForParent: OperationHandler<org.ListOrganizationalUnitsForParentCommandInput, org.ListOrganizationalUnitsForParentCommandOutput>;
    ListChildren: OperationHandler<org.ListChildrenCommandInput, org.ListChildrenCommandOutput>;
    ListParents: OperationHandler<org.ListParentsCommandInput, org.ListParentsCommandOutput>;
    MoveAccount: OperationHandler<org.MoveAccountCommandInput, org.MoveAccountCommandOutput>;
    RemoveAccountFromOrganization: OperationHandler<org.RemoveAccountFromOrganizationCommandInput, org.RemoveAccountFromOrganizationCommandOutput>;
    LeaveOrganization: OperationHandler<org.LeaveOrganizationCommandInput, org.LeaveOrganizationCommandOutput>;
    CloseAccount: OperationHandler<org.CloseAccountCommandInput, org.CloseAccountCommandOutput>;
  };

  // ---------------------------------------------------------------- the ways in (world helpers)

  /**
   * Adds an account by invitation, as AWS records it: the management account's
   * InviteAccountToOrganization, the invited account's AcceptHandshake, then the account is a member
   * (JoinedMethod INVITED) directly under the root, and Organizations logs AccountJoinedOrganization.
   *
   * What AWS documents, and where each event goes here:
   * - InviteAccountToOrganization is an API call of the management account ("calls to ...
   *   InviteAccountToOrganization generate entries in the CloudTrail log files", with an example record):
   *   an "AWS API Call via CloudTrail" event on the management account's default bus in us-east-1, only
   *   while a trail logs there (api-call-events.ts).
   * - AcceptHandshake "can only be called by ... a principal from the member account": an API call of
   *   the invited account, recorded in that account (us-east-1, while a trail logs there: before it
   *   joins, only its own trail can). Nothing of it reaches the management account.
   * - "When a handshake is accepted, Organizations logs membership events in CloudTrail, available only
   *   in the management account's event history. If the account was standalone and joined a new
   *   organization, an AccountJoinedOrganization event is logged with joinedMethod:Invited and
   *   joinedTime fields" (AcceptHandshake API reference). It is not an API call but an event of the
   *   service (eventType AwsServiceEvent), which EventBridge receives as "AWS Service Event via
   *   CloudTrail" on the management account's default bus in us-east-1; service events, unlike API
   *   calls, need no trail (a trail is required only "to record events with a detail-type value of AWS
   *   API Call via CloudTrail"). The record's layout beyond those fields is not documented: the
   *   simulation puts accountId, joinedMethod and joinedTime under serviceEventDetails, in the envelope
   *   of the documented CreateAccountResult record (test/fixtures/organizations-events.json
   *   `accountJoinedOrganizationInvited`).
   * https://docs.aws.amazon.com/organizations/latest/APIReference/API_AcceptHandshake.html
   * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_security_incident-response.html
   * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
   *
   * `spec`: an account id of the world (a standalone account, `world.addAccount`) or a new account.
   */
  inviteAccount(spec: string | Pick<AccountSpec, 'id' | 'name' | 'email' | 'state'>, options: InviteAccountOptions = {}): InviteAccountResult {
    const organization = this.requireOrganization('inviteAccount');
    const id = typeof spec === 'string' ? spec : spec.id;
    const existing = this.world.accounts.get(id);
    if (existing?.inOrganization) throw new Error(`inviteAccount: ${id} is already a member of the organization (AWS: DuplicateAccountException)`);
    const account = existing ?? this.world.addAccount(id, typeof spec === 'string' ? {} : { name: spec.name, state: spec.state, ...(spec.email ? { email: spec.email } : {}) });
    const now = this.world.now();
    const management = this.world.accounts.require(organization.managementAccountId);
    const handshakeId = `h-${hex(randomUUID()).slice(0, 10)}`;
    const handshake = (state: string) => ({
      Id: handshakeId,
      Arn: `arn:${this.world.partition}:organizations::${organization.managementAccountId}:handshake/${organization.id}/invite/${handshakeId}`,
      Parties: [
        { Type: 'ORGANIZATION', Id: organization.id },
        { Type: 'ACCOUNT', Id: id },
      ],
      State: state,
      RequestedTimestamp: now,
      // "Invitation to join an organization: 15 days" (quotas page, expiration times for handshakes).
      ExpirationTimestamp: new Date(now.getTime() + 15 * 24 * 3600_000),
      Action: 'INVITE',
      Resources: [
        {
          Type: 'ORGANIZATION',
          Value: organization.id,
          Resources: [
            { Type: 'MASTER_EMAIL', Value: management.email },
            { Type: 'MASTER_NAME', Value: management.name },
            { Type: 'ORGANIZATION_FEATURE_SET', Value: this.features },
          ],
        },
        { Type: 'ACCOUNT', Value: id },
        ...(options.notes ? [{ Type: 'NOTES', Value: options.notes }] : []),
      ],
    });
    const events: EmittedEvent[] = [];
    const invitedBy = options.invitedBy ?? rootArn(this.world.partition, organization.managementAccountId);
    events.push(
      this.apiCall(invitedBy, organization.managementAccountId, 'InviteAccountToOrganization', { Target: { Type: 'ACCOUNT', Id: id }, ...(options.notes ? { Notes: options.notes } : {}) }, { Handshake: handshake('OPEN') }),
    );
    const acceptedBy = options.acceptedBy ?? rootArn(this.world.partition, id);
    const accept = this.pendingApiCall(acceptedBy, id, 'AcceptHandshake', { HandshakeId: handshakeId });
    this.world.cloudtrail.beforeChange({ organizationTrails: true });
    account.inOrganization = true;
    account.joinedTimestamp = now;
    account.joinedMethod = 'INVITED';
    events.push(accept({ Handshake: handshake('ACCEPTED') }));
    events.push(this.emitService(this.accountJoinedEvent(id, 'INVITED', now)));
    return { account, handshakeId, events };
  }

  /**
   * An account created by Organizations' CreateAccount (what the management account's automation or
   * Account Factory does): a member (JoinedMethod CREATED) in `parentId` (default: the root), with the
   * documented CreateAccountResult SUCCEEDED event ("AWS Service Event via CloudTrail", management
   * account, us-east-1) and AccountJoinedOrganization (joinedMethod Created, as the CreateAccount API
   * reference documents).
   * https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html
   */
  createAccount(spec: Pick<AccountSpec, 'id' | 'name' | 'email'> & { readonly parentId?: string }, options: { requestedAt?: Date; events?: boolean } = {}): ManagedAccountResult {
    this.requireOrganization('createAccount');
    const account = this.world.addMemberAccount({ id: spec.id, name: spec.name, state: 'ACTIVE', joinedMethod: 'CREATED', ...(spec.email ? { email: spec.email } : {}), ...(spec.parentId ? { parentId: spec.parentId } : {}) });
    if (options.events === false) return { account, events: [] };
    const now = this.world.now();
    return {
      account,
      events: [this.emitService(this.createAccountResultEvent(account, options.requestedAt ?? now, now)), this.emitService(this.accountJoinedEvent(account.id, 'CREATED', now))],
    };
  }

  /**
   * Control Tower Account Factory creates and provisions an account in an OU: the account is a member
   * (JoinedMethod CREATED) in the OU, Organizations' own events of the account it created are emitted
   * (`organizationsEvents`, see `createAccount`), then the CreateManagedAccount lifecycle event:
   * "AWS Service Event via CloudTrail", source aws.controltower, on the management account's default
   * bus in the Control Tower home region (`controlTowerHomeRegion`), with
   * serviceEventDetails.createManagedAccountStatus {organizationalUnit, account, state, message,
   * requestedTimestamp, completedTimestamp} as documented. A FAILED one leaves the account created
   * unless `accountCreated: false` (then only the lifecycle event is emitted).
   * https://docs.aws.amazon.com/controltower/latest/userguide/lifecycle-events.html
   */
  createManagedAccount(spec: ManagedAccountSpec): ManagedAccountResult {
    const organization = this.requireOrganization('createManagedAccount');
    const ou = this.ous.get(spec.organizationalUnitId);
    if (!ou) throw new Error(`createManagedAccount: OU ${spec.organizationalUnitId} does not exist (create it with createOrganizationalUnit)`);
    const state = spec.state ?? 'SUCCEEDED';
    const requestedAt = spec.requestedAt ?? this.world.now();
    const events: EmittedEvent[] = [];
    let account: SimAccount | undefined;
    if (state === 'SUCCEEDED' || spec.accountCreated !== false) {
      const created = this.createAccount(
        { id: spec.accountId, name: spec.accountName, parentId: ou.id, ...(spec.email ? { email: spec.email } : {}) },
        { requestedAt, events: spec.organizationsEvents !== false },
      );
      account = created.account;
      events.push(...created.events);
    }
    const message = state === 'SUCCEEDED' ? 'AWS Control Tower successfully created a managed account.' : 'AWS Control Tower failed to create a managed account.';
    events.push(this.emitService(this.lifecycleEvent(organization.managementAccountId, 'CreateManagedAccount', { account: { accountName: spec.accountName, accountId: spec.accountId }, organizationalUnit: ou, state, message, requestedAt })));
    return { ...(account ? { account } : {}), events };
  }

  /**
   * Account Factory updates the provisioned product of an account it manages, which can put the
   * account in another OU: the account moves there, and the UpdateManagedAccount lifecycle event
   * names "the OU in which the updated account is placed" (same envelope as CreateManagedAccount,
   * serviceEventDetails.updateManagedAccountStatus). Also what a retried CreateManagedAccount records
   * ("AWS Control Tower records the UpdateManagedAccount lifecycle event instead").
   * https://docs.aws.amazon.com/controltower/latest/userguide/lifecycle-events.html
   */
  updateManagedAccount(spec: { accountId: string; organizationalUnitId: string; state?: 'SUCCEEDED' | 'FAILED'; requestedAt?: Date }): ManagedAccountResult {
    const organization = this.requireOrganization('updateManagedAccount');
    const account = this.world.accounts.get(spec.accountId);
    if (!account?.inOrganization) throw new Error(`updateManagedAccount: ${spec.accountId} is not a member of the organization`);
    const ou = this.ous.get(spec.organizationalUnitId);
    if (!ou) throw new Error(`updateManagedAccount: OU ${spec.organizationalUnitId} does not exist`);
    const state = spec.state ?? 'SUCCEEDED';
    if (state === 'SUCCEEDED') this.placeAccount(account.id, ou.id);
    const message = state === 'SUCCEEDED' ? 'AWS Control Tower successfully updated a managed account.' : 'AWS Control Tower failed to update a managed account.';
    const event = this.lifecycleEvent(organization.managementAccountId, 'UpdateManagedAccount', {
      account: { accountName: account.name, accountId: account.id },
      organizationalUnit: ou,
      state,
      message,
      requestedAt: spec.requestedAt ?? this.world.now(),
    });
    return { account, events: [this.emitService(event)] };
  }

  // ---------------------------------------------------------------- events

  /** Organizations' AccountJoinedOrganization service event (see `inviteAccount` for what is documented). */
  accountJoinedEvent(accountId: string, method: JoinedMethod, at: Date = this.world.now()): SimEvent {
    return this.organizationsServiceEvent('AccountJoinedOrganization', at, { accountId, joinedMethod: method === 'INVITED' ? 'Invited' : 'Created', joinedTime: awsTimestamp(at) });
  }

  /**
   * Organizations' AccountDepartedOrganization service event: accountId, departureMethod and departureTime
   * under serviceEventDetails (see "Leaving" above for what is documented).
   */
  accountDepartedEvent(accountId: string, method: DepartureMethod, at: Date = this.world.now()): SimEvent {
    return this.organizationsServiceEvent('AccountDepartedOrganization', at, { accountId, departureMethod: method, departureTime: awsTimestamp(at) });
  }

  /** Organizations' CreateAccountResult service event (SUCCEEDED), in the documented shape. */
  createAccountResultEvent(account: Pick<SimAccount, 'id'>, requestedAt: Date, completedAt: Date = this.world.now()): SimEvent {
    return this.organizationsServiceEvent('CreateAccountResult', completedAt, {
      createAccountStatus: {
        id: `car-${hex(randomUUID())}`,
        state: 'SUCCEEDED',
        accountName: '****',
        accountId: account.id,
        requestedTimestamp: organizationsDate(requestedAt),
        completedTimestamp: organizationsDate(completedAt),
      },
    });
  }

  /**
   * The envelope of Organizations' service events, as the documented CreateAccountResult record:
   * management account, us-east-1, userIdentity of AWS itself, requestParameters and responseElements
   * null. https://docs.aws.amazon.com/organizations/latest/userguide/orgs_security_incident-response.html
   */
  private organizationsServiceEvent(eventName: string, at: Date, serviceEventDetails: Record<string, unknown>): SimEvent {
    const mgmt = this.requireOrganization(eventName).managementAccountId;
    const time = awsTimestamp(at);
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': SERVICE_EVENT,
      source: 'aws.organizations',
      account: mgmt,
      time,
      region: ORGANIZATIONS_REGION,
      resources: [],
      detail: {
        eventVersion: '1.08',
        userIdentity: { accountId: mgmt, invokedBy: 'AWS Internal' },
        eventTime: time,
        eventSource: 'organizations.amazonaws.com',
        awsRegion: ORGANIZATIONS_REGION,
        sourceIPAddress: 'AWS Internal',
        userAgent: 'AWS Internal',
        requestParameters: null,
        responseElements: null,
        readOnly: false,
        managementEvent: true,
        recipientAccountId: mgmt,
        eventCategory: 'Management',
        eventName,
        eventType: 'AwsServiceEvent',
        eventID: randomUUID(),
        serviceEventDetails,
      },
    };
  }

  /** A Control Tower lifecycle event, keys as the documented CreateManagedAccount example. */
  private lifecycleEvent(
    mgmt: string,
    eventName: 'CreateManagedAccount' | 'UpdateManagedAccount',
    s: { account: { accountName: string; accountId: string }; organizationalUnit: SimOrganizationalUnit; state: string; message: string; requestedAt: Date },
  ): SimEvent {
    const now = this.world.now();
    const time = awsTimestamp(now);
    const region = this.controlTowerHomeRegion;
    const status = eventName === 'CreateManagedAccount' ? 'createManagedAccountStatus' : 'updateManagedAccountStatus';
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': SERVICE_EVENT,
      source: 'aws.controltower',
      account: mgmt,
      time,
      region,
      resources: [],
      detail: {
        eventVersion: '1.08',
        userIdentity: { accountId: mgmt, invokedBy: 'AWS Internal' },
        eventTime: time,
        eventSource: 'controltower.amazonaws.com',
        eventName,
        awsRegion: region,
        sourceIPAddress: 'AWS Internal',
        userAgent: 'AWS Internal',
        eventID: randomUUID(),
        readOnly: false,
        eventType: 'AwsServiceEvent',
        serviceEventDetails: {
          [status]: {
            organizationalUnit: { organizationalUnitName: s.organizationalUnit.name, organizationalUnitId: s.organizationalUnit.id },
            account: { ...s.account },
            state: s.state,
            message: s.message,
            requestedTimestamp: controlTowerDate(s.requestedAt),
            completedTimestamp: controlTowerDate(now),
          },
        },
      },
    };
  }

  /** Puts a service event on the default bus of its account and region (no trail needed; best effort). */
  private emitService(event: SimEvent): EmittedEvent {
    return { event, outcome: this.world.events.emitAwsEvent(event) };
  }

  /** An API call a world helper stands for, recorded as a request of `principalArn` would be (api-call-events.ts). */
  private apiCall(principalArn: string, accountId: string, operation: string, input: Record<string, unknown>, output: unknown): EmittedEvent {
    return this.pendingApiCall(principalArn, accountId, operation, input)(output);
  }

  /** Notes whether a trail records the call now; the returned function completes it (emitting its event if recorded). */
  private pendingApiCall(principalArn: string, accountId: string, operation: string, input: Record<string, unknown>): (output: unknown) => EmittedEvent {
    const caller = parseCallerArn(principalArn);
    if (caller.accountId !== accountId) throw new Error(`${operation}: ${principalArn} is not a principal of ${accountId}`);
    const call: SimCall = { operation, input, caller, region: ORGANIZATIONS_REGION, accountId };
    const pending = this.world.events.beforeApiCall('organizations', call, HELPER_ACCESS_KEY);
    return (output) => {
      const emitted = pending?.recorded(output, randomUUID());
      return emitted ?? { event: this.unrecorded(call), outcome: 'not recorded' };
    };
  }

  /** What an event of a call no trail recorded would have said (for the helper's report only). */
  private unrecorded(call: SimCall): SimEvent {
    return { version: '0', id: '', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.organizations', account: call.accountId, time: awsTimestamp(this.world.now()), region: ORGANIZATIONS_REGION, resources: [], detail: { eventName: call.operation } };
  }

  // ---------------------------------------------------------------- internals

  /** The organization (throws a plain Error naming the helper when the world has none). */
  private requireOrganization(what: string): { id: string; managementAccountId: string } {
    const o = this.world.organization;
    if (!o) throw new Error(`${what}: the world has no organization`);
    return o;
  }

  /** Throws unless the caller may call the operation: the management account, or a delegated administrator for a read. */
  private requireAccess(caller: Principal, operation: string): { id: string; managementAccountId: string } {
    this.advanceClosures();
    const organization = this.world.organization;
    const account = this.world.accounts.get(caller.accountId);
    if (!organization || !account?.inOrganization) {
      awsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
    }
    if (caller.accountId === organization.managementAccountId) return organization;
    if (READ_OPERATIONS.has(operation) && (this.delegated.get(caller.accountId)?.size ?? 0) > 0) return organization;
    awsError('AccessDeniedException', "You don't have permissions to access this resource.");
  }

  /** EnableAWSServiceAccess / DisableAWSServiceAccess: the management account, a recognized principal, all features. */
  private requireServiceAccessChange(caller: Principal, operation: string, value: unknown): string {
    this.requireAccess(caller, operation);
    if (value === undefined || value === null || value === '') awsError('InvalidInputException', 'You must specify servicePrincipal.', { Reason: 'INPUT_REQUIRED' });
    const principal = String(value);
    if (!SERVICE_PRINCIPAL.test(principal)) awsError('InvalidInputException', `You specified an unrecognized service principal: ${principal}.`, { Reason: 'UNRECOGNIZED_SERVICE_PRINCIPAL' });
    if (this.features !== 'ALL') {
      awsError('ConstraintViolationException', 'This operation requires that the organization has all features enabled.', { Reason: 'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE' });
    }
    return principal;
  }

  /** The member an AccountId names: well formed (InvalidInputException), in the organization (AccountNotFoundException). */
  private requireMember(value: unknown): SimAccount {
    const id = this.requirePattern(value, 'accountId', ACCOUNT_ID);
    const account = this.world.accounts.get(id);
    if (!account?.inOrganization) awsError('AccountNotFoundException', "You specified an account that doesn't exist.");
    return account;
  }

  /** What RemoveAccountFromOrganization and LeaveOrganization require of the leaving account. */
  private requireCanLeave(accountId: string): void {
    if ((this.delegated.get(accountId)?.size ?? 0) > 0) {
      awsError('ConstraintViolationException', 'You attempted to remove an account that is registered as a delegated administrator for a service integrated with your organization. You must first deregister this account as a delegated administrator.', {
        Reason: 'CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG',
      });
    }
    if (!this.hasStandaloneInformation(accountId)) {
      awsError('ConstraintViolationException', "You attempted to remove an account from the organization that doesn't yet have enough information to exist as a standalone account.", {
        Reason: 'ACCOUNT_CANNOT_LEAVE_WITHOUT_PHONE_VERIFICATION',
      });
    }
  }

  /** CloseAccount's quota: the closures of the last 30 days against {@link closeAccountQuotaFor} (or `closeAccountQuota`). */
  private requireCloseQuota(): void {
    const since = this.world.now().getTime() - CLOSE_ACCOUNT_QUOTA_WINDOW_MS;
    const recent = [...this.closures.values()].filter((d) => d.getTime() > since).length;
    const mgmt = this.world.organization?.managementAccountId;
    const quota = this.closeAccountQuota ?? closeAccountQuotaFor(this.members().filter((a) => a.id !== mgmt).length);
    if (recent >= quota) awsError('ConstraintViolationException', 'You have exceeded close account quota for the past 30 days.', { Reason: 'CLOSE_ACCOUNT_QUOTA_EXCEEDED' });
  }

  private invalidPattern(member: string): never {
    awsError('InvalidInputException', `You provided a value that does not match the required pattern for ${member}.`, { Reason: 'INVALID_PATTERN' });
  }

  private requirePattern(value: unknown, member: string, pattern: RegExp): string {
    if (value === undefined || value === null || value === '') awsError('InvalidInputException', `You must specify ${member}.`, { Reason: 'INPUT_REQUIRED' });
    const text = String(value);
    if (!pattern.test(text)) this.invalidPattern(member);
    return text;
  }

  /** A ParentId of a List request: well formed (InvalidInputException) and existing (ParentNotFoundException). */
  private requireParent(value: unknown): string {
    const id = this.requirePattern(value, 'parentId', PARENT_ID);
    if (!this.isParent(id)) awsError('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.");
    return id;
  }

  private isParent(id: string): boolean {
    return id === this.rootId() || this.ous.has(id);
  }

  /** Levels of OUs from the root down to `parentId` (0 for the root). */
  private depthOf(parentId: string): number {
    return this.pathTo(parentId).length - 1;
  }

  /** [root, ..., id] for the root or an OU. */
  private pathTo(id: string): string[] {
    const path: string[] = [];
    for (let at: string | undefined = id; at; at = this.ous.get(at)?.parentId) {
      path.unshift(at);
      if (path.length > MAX_OU_DEPTH + 1) break;
    }
    return path;
  }

  /** OUs with every parent before its children (persistence). */
  private pathOrdered(): SimOrganizationalUnit[] {
    return this.listOrganizationalUnits().sort((a, b) => this.depthOf(a.id) - this.depthOf(b.id) || byId(a, b));
  }

  private nextOuId(root: string): string {
    for (;;) {
      this.ouSequence += 1;
      const id = `ou-${root.slice(2)}-${this.ouSequence.toString(36).padStart(8, '0')}`;
      if (!this.ous.has(id)) return id;
    }
  }

  /** The organization's accounts, sorted by id. */
  private members(): SimAccount[] {
    return this.world.accounts.list().filter((a) => a.inOrganization);
  }

  /** The accounts directly in a parent, sorted by id: for the root, every member in no OU. */
  private accountsUnder(parentId: string): SimAccount[] {
    if (parentId === this.rootId()) return this.members().filter((a) => !this.parents.has(a.id));
    return [...(this.accountsIn.get(parentId) ?? [])].sort().map((id) => this.world.accounts.require(id));
  }

  private ousUnder(parentId: string): SimOrganizationalUnit[] {
    return this.listOrganizationalUnits().filter((o) => o.parentId === parentId);
  }

  private accountOutput(account: SimAccount): org.Account {
    const mgmt = this.world.organization?.managementAccountId;
    return {
      Id: account.id,
      Arn: this.arnOf(account.id),
      Email: account.email,
      Name: account.name,
      Status: LEGACY_STATUS[account.state],
      State: account.state,
      JoinedMethod: account.joinedMethod ?? (account.id === mgmt ? 'CREATED' : 'INVITED'),
      JoinedTimestamp: account.joinedTimestamp,
    };
  }

  private ouOutput(ou: SimOrganizationalUnit): org.OrganizationalUnit {
    return { Id: ou.id, Arn: this.arnOf(ou.id), Name: ou.name };
  }

  /**
   * One page of `items` (sorted by key here): MaxResults 1-20, NextToken an opaque token of this
   * operation and scope naming the last key returned (so accounts added or moved between pages are
   * neither repeated nor skipped), `pageLimit` and `returnEmptyPages` applied.
   */
  private page<T>(operation: string, scope: string, all: readonly T[], keyOf: (item: T) => string, input: { MaxResults?: number; NextToken?: string }): { items: T[]; next: { NextToken?: string } } {
    const max = input.MaxResults;
    if (max !== undefined && max !== null) {
      if (!Number.isInteger(max) || max < 1) awsError('InvalidInputException', `MaxResults must be at least 1 (received ${max}).`, { Reason: 'MIN_VALUE_EXCEEDED' });
      if (max > MAX_RESULTS) awsError('InvalidInputException', `MaxResults must be at most ${MAX_RESULTS} (received ${max}).`, { Reason: 'MAX_VALUE_EXCEEDED' });
    }
    const items = [...all].sort((a, b) => compare(keyOf(a), keyOf(b)));
    let after: string | null = null;
    if (input.NextToken !== undefined && input.NextToken !== null) {
      const decoded = decodeToken(input.NextToken);
      if (!decoded || decoded.op !== operation || decoded.scope !== scope) {
        awsError('InvalidInputException', 'The NextToken is not valid: get it from the response to a previous call of the same operation.', { Reason: 'INVALID_NEXT_TOKEN' });
      }
      after = decoded.after;
    }
    let start = 0;
    if (after !== null) {
      let lo = 0;
      let hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compare(keyOf(items[mid]), after) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const token = (last: string | null) => ({ NextToken: encodeToken({ op: operation, scope, after: last }) });
    if (start < items.length && this.emptyPages > 0) {
      this.emptyPages -= 1;
      return { items: [], next: token(after) };
    }
    const size = Math.min(max ?? MAX_RESULTS, this.pageLimit ?? MAX_RESULTS);
    const page = items.slice(start, start + size);
    const more = start + page.length < items.length;
    return { items: page, next: more ? token(keyOf(page[page.length - 1])) : {} };
  }
}

/** ParentId: "^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$". */
const PARENT_ID = /^(?:r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byId = (a: { id: string }, b: { id: string }): number => compare(a.id, b.id);
const hex = (uuid: string): string => uuid.replace(/-/g, '');

interface PageToken {
  readonly op: string;
  readonly scope: string;
  readonly after: string | null;
}

function encodeToken(t: PageToken): string {
  return Buffer.from(JSON.stringify({ v: 1, ...t })).toString('base64');
}

function decodeToken(text: string): PageToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as Partial<PageToken> & { v?: number };
    if (t.v !== 1 || typeof t.op !== 'string' || typeof t.scope !== 'string' || (t.after !== null && typeof t.after !== 'string')) return undefined;
    return { op: t.op, scope: t.scope, after: t.after };
  } catch {
    return undefined;
  }
}

/** Organizations' timestamps in serviceEventDetails, e.g. `Nov 20, 2026 8:26:54 AM` (UTC), as in the CreateAccountResult example. */
export function organizationsDate(at: Date): string {
  const month = at.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const h = at.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${month} ${at.getUTCDate()}, ${at.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** Control Tower's timestamps in serviceEventDetails, e.g. `2019-11-15T11:45:18+0000`, as in the lifecycle-event examples. */
export function controlTowerDate(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '+0000');
}
