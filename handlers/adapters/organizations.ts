/**
 * AWS Organizations: is the account part of the organization, and in which state.
 * `Account.Status` is being retired; only `Account.State` is read.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_Account.html
 */
import { DescribeAccountCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { ConfigurationError } from '../shared/errors';
import { type AwsCall, describeCall, isAwsError, mapAwsError, toOnboardingError } from './aws-errors';
import type { OrgAccount } from './types';

/**
 * The account as Organizations describes it, or `null` when the organization does not know it.
 * The caller not being in an organization at all -> `ConfigurationError` (organizationId is set but
 * the orchestrator's Organizations access points elsewhere).
 */
export async function describeAccount(client: OrganizationsClient, accountId: string): Promise<OrgAccount | null> {
  const call: AwsCall = { service: 'Organizations', operation: 'DescribeAccount', target: accountId };
  let account;
  try {
    account = (await client.send(new DescribeAccountCommand({ AccountId: accountId }))).Account;
  } catch (e) {
    if (isAwsError(e, 'AccountNotFoundException')) return null;
    if (isAwsError(e, 'AWSOrganizationsNotInUseException')) {
      throw mapAwsError(
        ConfigurationError,
        `${describeCall(call)}: the calling account is not a member of an organization. Check organizationId ` +
          'and organizationsRoleArn in the configuration.',
        e,
        call,
      );
    }
    throw toOnboardingError(e, call);
  }
  if (!account) return null;
  return {
    id: account.Id ?? accountId,
    ...(account.Name !== undefined ? { name: account.Name } : {}),
    // State is always present in current responses; 'UNKNOWN' is never ACTIVE, so it fails safe.
    state: account.State ?? 'UNKNOWN',
  };
}
