/**
 * Simulated AWS Organizations: the management account may describe the organization's accounts.
 * A member account gets AccessDeniedException; an account outside any organization gets
 * AWSOrganizationsNotInUseException (DescribeAccount API reference).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeAccount.html
 */
import type * as org from '@aws-sdk/client-organizations';
import type { AccountState } from './accounts';
import { awsError } from './errors';
import type { Principal } from './identity';
import type { OperationHandler, SimServiceImpl } from './service';
import type { SimWorld } from './world';

/** The retired `Account.Status` for each `Account.State` (Status knows ACTIVE, SUSPENDED, PENDING_CLOSURE). */
const LEGACY_STATUS: Record<AccountState, org.AccountStatus> = {
  ACTIVE: 'ACTIVE',
  PENDING_ACTIVATION: 'ACTIVE',
  SUSPENDED: 'SUSPENDED',
  CLOSED: 'SUSPENDED',
  PENDING_CLOSURE: 'PENDING_CLOSURE',
};

/** A service control policy as attached. */
export interface SimScp {
  readonly name: string;
  readonly policy: unknown;
}

/** Organizations' persisted state: SCPs by target (root id or account id). */
export interface PersistedOrganizations {
  readonly scps: Record<string, SimScp[]>;
}

/**
 * AWS's default SCP, attached to every root, OU and account while SCPs are enabled.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
 */
export const FULL_AWS_ACCESS: SimScp = {
  name: 'FullAWSAccess',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

/** Organizations of the world (global service: the client region is only recorded). */
export class OrganizationsSim implements SimServiceImpl {
  /** Attached SCPs besides FullAWSAccess, by target: the root id or an account id. */
  private readonly scps = new Map<string, SimScp[]>();

  constructor(private readonly world: SimWorld) {}

  /** The organization root's id (`r-` and the organization id's suffix). */
  rootId(): string | undefined {
    const id = this.world.organization?.id;
    return id ? `r-${id.slice(2, 6)}` : undefined;
  }

  /** Attaches an SCP to the root or an account (seeding, and what a stack with an AWS::Organizations::Policy does). */
  attachScp(targetId: string, scp: SimScp): void {
    const list = this.scps.get(targetId) ?? [];
    this.scps.set(targetId, [...list.filter((p) => p.name !== scp.name), scp]);
  }

  /**
   * The SCP levels that apply to a principal of `accountId`: none for the management account or an
   * account outside the organization (SCPs never restrict them), else the root's then the account's,
   * each with FullAWSAccess. OUs are not modelled: an account sits directly under the root.
   * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
   */
  scpLevelsFor(accountId: string): { orgIdentifier: string; policies: SimScp[] }[] {
    const org = this.world.organization;
    const root = this.rootId();
    if (!org || !root || accountId === org.managementAccountId || !this.world.accounts.get(accountId)?.inOrganization) return [];
    return [
      { orgIdentifier: root, policies: [FULL_AWS_ACCESS, ...(this.scps.get(root) ?? [])] },
      { orgIdentifier: accountId, policies: [FULL_AWS_ACCESS, ...(this.scps.get(accountId) ?? [])] },
    ];
  }

  exportState(): PersistedOrganizations {
    return { scps: Object.fromEntries([...this.scps].sort(([a], [b]) => a.localeCompare(b))) };
  }

  importState(state: PersistedOrganizations | undefined): void {
    this.scps.clear();
    for (const [target, list] of Object.entries(state?.scps ?? {})) this.scps.set(target, list.map((p) => ({ ...p })));
  }

  /** IAM authorization of each operation: the action and the resource it names. */
  actionFor(operation: string, input: Record<string, unknown>): { action: string; resource: string } {
    const org = this.world.organization;
    const mgmt = org?.managementAccountId ?? '';
    const p = this.world.partition;
    switch (operation) {
      case 'DescribeAccount':
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html (resource type account)
        return { action: 'organizations:DescribeAccount', resource: `arn:${p}:organizations::${mgmt}:account/${org?.id ?? 'o-none'}/${String(input.AccountId)}` };
      default:
        return { action: `organizations:${operation}`, resource: '*' };
    }
  }

  targetAccount(_operation: string, _input: Record<string, unknown>, caller: Principal): string {
    return caller.accountId;
  }

  /** Throws unless the caller is in the management account. */
  private requireManagement(caller: Principal): { id: string; managementAccountId: string } {
    const organization = this.world.organization;
    const account = this.world.accounts.get(caller.accountId);
    if (!organization || !account?.inOrganization) {
      awsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
    }
    if (caller.accountId !== organization.managementAccountId) {
      awsError('AccessDeniedException', 'You don\'t have permissions to access this resource.');
    }
    return organization;
  }

  readonly operations = {
    DescribeAccount: ({ caller, input }) => {
      const organization = this.requireManagement(caller);
      const id = String(input.AccountId);
      if (!/^\d{12}$/.test(id)) {
        awsError('InvalidInputException', 'You provided a value that does not match the required pattern.');
      }
      const account = this.world.accounts.get(id);
      if (!account?.inOrganization) awsError('AccountNotFoundException', 'You specified an account that doesn\'t exist.');
      return {
        Account: {
          Id: account.id,
          Arn: `arn:${this.world.partition}:organizations::${organization.managementAccountId}:account/${organization.id}/${account.id}`,
          Email: account.email,
          Name: account.name,
          Status: LEGACY_STATUS[account.state],
          State: account.state,
          JoinedMethod: account.id === organization.managementAccountId ? 'CREATED' : 'INVITED',
          JoinedTimestamp: account.joinedTimestamp,
        },
      };
    },
    DescribeOrganization: ({ caller }) => {
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
          FeatureSet: 'ALL',
          MasterAccountArn: `arn:${this.world.partition}:organizations::${management.id}:account/${organization.id}/${management.id}`,
          MasterAccountId: management.id,
          MasterAccountEmail: management.email,
        },
      };
    },
  } satisfies {
    DescribeAccount: OperationHandler<org.DescribeAccountCommandInput, org.DescribeAccountCommandOutput>;
    DescribeOrganization: OperationHandler<org.DescribeOrganizationCommandInput, org.DescribeOrganizationCommandOutput>;
  };
}
