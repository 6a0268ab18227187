/**
 * The accounts of the simulated world: members of the organization, and standalone accounts.
 */

/** Organizations account states (`Account.State`). */
export type AccountState = 'ACTIVE' | 'SUSPENDED' | 'CLOSED' | 'PENDING_CLOSURE' | 'PENDING_ACTIVATION';

/** An account as given to the world. */
export interface AccountSpec {
  readonly id: string;
  readonly name: string;
  readonly email?: string;
  readonly state: AccountState;
}

/** The organization the world models (all features enabled). */
export interface OrganizationSpec {
  readonly id: string;
  readonly managementAccountId: string;
  readonly accounts: readonly AccountSpec[];
}

/** An account known to the world. */
export interface SimAccount {
  readonly id: string;
  name: string;
  email: string;
  state: AccountState;
  /** True when the account is a member (or the management account) of the organization. */
  readonly inOrganization: boolean;
  readonly joinedTimestamp: Date;
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
}

/** Registry of the world's accounts. */
export class AccountRegistry {
  private readonly byId = new Map<string, SimAccount>();

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
    };
    this.byId.set(spec.id, account);
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
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Every account as plain JSON (persistence.ts). */
  exportState(): PersistedAccount[] {
    return this.list().map((a) => ({ ...a, joinedTimestamp: a.joinedTimestamp.toISOString() }));
  }

  /** Replaces every account with the persisted ones (persistence.ts). */
  importState(accounts: readonly PersistedAccount[]): void {
    this.byId.clear();
    for (const a of accounts) this.add({ id: a.id, name: a.name, email: a.email, state: a.state }, a.inOrganization, new Date(a.joinedTimestamp));
  }
}
