/**
 * The accounts of the simulated world: members of the organization, and standalone accounts.
 */

/** Organizations account states (`Account.State`). */
export type AccountState = 'ACTIVE' | 'SUSPENDED' | 'CLOSED' | 'PENDING_CLOSURE' | 'PENDING_ACTIVATION';

/**
 * How an account joined its organization (`Account.JoinedMethod`: INVITED | CREATED).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_Account.html
 */
export type JoinedMethod = 'INVITED' | 'CREATED';

/** An account as given to the world. */
export interface AccountSpec {
  readonly id: string;
  readonly name: string;
  readonly email?: string;
  readonly state: AccountState;
  /**
   * The root or OU the account sits in (members only). Default: the root
   * (`OrganizationsSim.rootId()`).
   */
  readonly parentId?: string;
  /** DescribeAccount's JoinedMethod (members only). Default: CREATED for the management account, INVITED otherwise. */
  readonly joinedMethod?: JoinedMethod;
}

/** An organizational unit as given to the world: its id must look like AWS's (`ou-<root suffix>-<8-32 chars>`). */
export interface OrganizationalUnitSpec {
  readonly id: string;
  readonly name: string;
  /** The root id or the id of another OU (listed before this one, or anywhere in the list). */
  readonly parentId: string;
}

/**
 * The organization's feature set (`Organization.FeatureSet`): all features, or consolidated billing
 * only. https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html
 */
export type FeatureSet = 'ALL' | 'CONSOLIDATED_BILLING';

/** The organization the world models. */
export interface OrganizationSpec {
  readonly id: string;
  readonly managementAccountId: string;
  readonly accounts: readonly AccountSpec[];
  /** The OU tree below the root. Default: none (every account directly under the root). */
  readonly organizationalUnits?: readonly OrganizationalUnitSpec[];
  /** Default ALL. */
  readonly featureSet?: FeatureSet;
  /** Service principals with trusted access (EnableAWSServiceAccess) from the start. Default: none. */
  readonly enabledServicePrincipals?: readonly string[];
}

/** An account known to the world. */
export interface SimAccount {
  readonly id: string;
  name: string;
  email: string;
  state: AccountState;
  /** True when the account is a member (or the management account) of the organization (an invitation makes a standalone account one). */
  inOrganization: boolean;
  joinedTimestamp: Date;
  /** How it joined (members); undefined: the default (CREATED for the management account, INVITED otherwise). */
  joinedMethod?: JoinedMethod;
}

const ACCOUNT_ID = /^\d{12}$/;

/** An account as persisted (local/sim/persistence.ts): plain JSON, dates as ISO strings. */
export interface PersistedAccount {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly state: AccountState;
  readonly inOrganization: boolean;
  readonly joinedTimestamp: string;
  /** Absent in files written before it was modelled (and when it is the default). */
  readonly joinedMethod?: JoinedMethod;
}

/** Registry of the world's accounts. */
export class AccountRegistry {
  private readonly byId = new Map<string, SimAccount>();
  /** `list()`'s result, kept until the next add (an organization of thousands is listed page by page). */
  private sorted?: SimAccount[];

  /** Adds an account; the id must be 12 digits and new. */
  add(spec: AccountSpec, inOrganization: boolean, joined: Date): SimAccount {
    if (!ACCOUNT_ID.test(spec.id)) throw new Error(`Account id must be 12 digits: ${spec.id}`);
    if (this.byId.has(spec.id)) throw new Error(`Account ${spec.id} already exists in the world`);
    const account: SimAccount = {
      id: spec.id,
      name: spec.name,
      email: spec.email ?? `aws+${spec.id}@example.com`,
      state: spec.state,
      inOrganization,
      joinedTimestamp: joined,
      ...(spec.joinedMethod ? { joinedMethod: spec.joinedMethod } : {}),
    };
    this.byId.set(spec.id, account);
    this.sorted = undefined;
    return account;
  }

  /** The account, or undefined when the world does not know it. */
  get(id: string): SimAccount | undefined {
    return this.byId.get(id);
  }

  /** True when the world knows the account (principals in unknown accounts cannot be checked). */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The account; throws when unknown (a mistake in the test's setup, not an AWS error). */
  require(id: string): SimAccount {
    const account = this.byId.get(id);
    if (!account) throw new Error(`Account ${id} is not part of the simulated world; add it first`);
    return account;
  }

  /** All accounts, sorted by id. */
  list(): SimAccount[] {
    this.sorted ??= [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return [...this.sorted];
  }

  /** Number of accounts. */
  get size(): number {
    return this.byId.size;
  }

  /** Every account as plain JSON (persistence.ts). */
  exportState(): PersistedAccount[] {
    return this.list().map(({ joinedMethod, ...a }) => ({ ...a, joinedTimestamp: a.joinedTimestamp.toISOString(), ...(joinedMethod ? { joinedMethod } : {}) }));
  }

  /** Replaces every account with the persisted ones (persistence.ts). */
  importState(accounts: readonly PersistedAccount[]): void {
    this.byId.clear();
    this.sorted = undefined;
    for (const a of accounts) {
      this.add({ id: a.id, name: a.name, email: a.email, state: a.state, ...(a.joinedMethod ? { joinedMethod: a.joinedMethod } : {}) }, a.inOrganization, new Date(a.joinedTimestamp));
    }
  }
}

/**
 * `count` member-account specs with consecutive 12-digit ids from `firstId`, spread round-robin over
 * `parentIds` (default: all under the root), named `<namePrefix>-<n>`: seeds for a large organization
 * (`SimWorld.addMemberAccounts`).
 */
export function memberAccountSpecs(count: number, options: { firstId?: string; parentIds?: readonly string[]; namePrefix?: string; state?: AccountState } = {}): AccountSpec[] {
  const first = BigInt(options.firstId ?? '100000000000');
  const parents = options.parentIds ?? [];
  const out: AccountSpec[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = (first + BigInt(i)).toString().padStart(12, '0');
    const parentId = parents.length > 0 ? parents[i % parents.length] : undefined;
    out.push({ id, name: `${options.namePrefix ?? 'member'}-${i + 1}`, state: options.state ?? 'ACTIVE', ...(parentId ? { parentId } : {}) });
  }
  return out;
}
