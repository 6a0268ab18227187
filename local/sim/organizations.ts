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

/** Organizations of the world (global service: the client region is only recorded). */
export class OrganizationsSim implements SimServiceImpl {
  constructor(private readonly world: SimWorld) {}

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
