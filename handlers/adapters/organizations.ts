/**
 * AWS Organizations: is the account part of the organization, and in which state.
 * `Account.Status` is being retired; only `Account.State` is read.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_Account.html
 */
import {
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  EnableAWSServiceAccessCommand,
  ListParentsCommand,
  paginateListAWSServiceAccessForOrganization,
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
} from '@aws-sdk/client-organizations';
import { ConfigurationError } from '../shared/errors';
import { type AwsCall, describeCall, isAwsError, mapAwsError, toOnboardingError } from './aws-errors';
import type { OrgAccount } from './types';

/** The organization as DescribeOrganization describes it. */
export interface OrganizationFacts {
  readonly id: string;
  /** `ALL` or `CONSOLIDATED_BILLING`. */
  readonly featureSet: string;
  readonly managementAccountId: string;
}

/**
 * DescribeOrganization: the organization's id, feature set and management account.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html
 */
export async function describeOrganization(client: OrganizationsClient): Promise<OrganizationFacts> {
  const call: AwsCall = { service: 'Organizations', operation: 'DescribeOrganization' };
  let org;
  try {
    org = (await client.send(new DescribeOrganizationCommand({}))).Organization;
  } catch (e) {
    if (isAwsError(e, 'AWSOrganizationsNotInUseException')) {
      throw mapAwsError(ConfigurationError, `${describeCall(call)}: the calling account is not a member of an organization. Check organizationId and organizationsRoleArn.`, e, call);
    }
    throw toOnboardingError(e, call);
  }
  return {
    id: org?.Id ?? '',
    // An organization without the field answers as the older API did: consolidated billing is never "all features".
    featureSet: org?.FeatureSet ?? 'UNKNOWN',
    managementAccountId: org?.MasterAccountId ?? '',
  };
}

/**
 * The service principals with trusted access in the organization (ListAWSServiceAccessForOrganization, every page).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAWSServiceAccessForOrganization.html
 */
export async function trustedServicePrincipals(client: OrganizationsClient): Promise<string[]> {
  return (
    await collect(paginateListAWSServiceAccessForOrganization({ client }, {}), (p) => p.EnabledServicePrincipals ?? [], {
      service: 'Organizations',
      operation: 'ListAWSServiceAccessForOrganization',
    })
  )
    .map((s) => s.ServicePrincipal ?? '')
    .filter((s) => s !== '');
}

/**
 * Enables trusted access for a service principal (EnableAWSServiceAccess; idempotent on AWS's side).
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnableAWSServiceAccess.html
 */
export async function enableServiceAccess(client: OrganizationsClient, servicePrincipal: string): Promise<void> {
  const call: AwsCall = { service: 'Organizations', operation: 'EnableAWSServiceAccess', target: servicePrincipal };
  try {
    await client.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: servicePrincipal }));
  } catch (e) {
    throw toOnboardingError(e, call);
  }
}

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

/**
 * The account's parents, root first (`['r-ab12', 'ou-ab12-aaaaaaaa', 'ou-ab12-bbbbbbbb']`): ListParents
 * from the account up to the root, one call per level (an account or OU has exactly one parent).
 * `null` when the organization does not know the account.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html
 */
export async function accountPath(client: OrganizationsClient, accountId: string): Promise<string[] | null> {
  const path: string[] = [];
  let child = accountId;
  // The OU tree is at most five OUs deep under the root (Organizations quotas), so six levels at most.
  // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
  for (let depth = 0; depth < 7; depth++) {
    const call: AwsCall = { service: 'Organizations', operation: 'ListParents', target: child };
    let parents;
    try {
      parents = (await client.send(new ListParentsCommand({ ChildId: child }))).Parents ?? [];
    } catch (e) {
      if (child === accountId && (isAwsError(e, 'ChildNotFoundException') || isAwsError(e, 'AccountNotFoundException'))) return null;
      throw toOnboardingError(e, call);
    }
    const parent = parents[0];
    if (!parent?.Id) return null;
    path.unshift(parent.Id);
    if (parent.Type === 'ROOT') return path;
    child = parent.Id;
  }
  throw new ConfigurationError(`Organizations returned a parent chain deeper than AWS allows for account ${accountId}: ${path.join(' / ')}`);
}

/** An account of the organization, with its place in the OU tree. */
export interface OrganizationMember {
  readonly id: string;
  readonly name?: string;
  readonly state: string;
  /** Parents, root first. */
  readonly path: readonly string[];
}

/**
 * Every account of the organization with its OU path, by walking the tree from the roots
 * (ListRoots, then per parent ListOrganizationalUnitsForParent and ListAccountsForParent, every page):
 * two paginated calls per OU instead of one ListParents chain per account, which matters at thousands
 * of accounts under Organizations' request-rate limits. `under` limits the walk to those roots or OUs
 * (their whole subtrees); the path is always from the root.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html
 */
export async function listOrganizationMembers(client: OrganizationsClient, under?: readonly string[]): Promise<OrganizationMember[]> {
  const roots = await collect(paginateListRoots({ client }, {}), (p) => p.Roots ?? [], { service: 'Organizations', operation: 'ListRoots' });
  const members = new Map<string, OrganizationMember>();
  const wanted = under && under.length ? new Set(under) : undefined;
  const visit = async (parentId: string, pathToHere: string[], inside: boolean): Promise<void> => {
    const path = [...pathToHere, parentId];
    const here = inside || !wanted || wanted.has(parentId);
    if (here) {
      const accounts = await collect(paginateListAccountsForParent({ client }, { ParentId: parentId }), (p) => p.Accounts ?? [], {
        service: 'Organizations',
        operation: 'ListAccountsForParent',
        target: parentId,
      });
      for (const a of accounts) {
        if (!a.Id) continue;
        members.set(a.Id, { id: a.Id, ...(a.Name !== undefined ? { name: a.Name } : {}), state: a.State ?? 'UNKNOWN', path });
      }
    }
    const ous = await collect(paginateListOrganizationalUnitsForParent({ client }, { ParentId: parentId }), (p) => p.OrganizationalUnits ?? [], {
      service: 'Organizations',
      operation: 'ListOrganizationalUnitsForParent',
      target: parentId,
    });
    for (const ou of ous) if (ou.Id) await visit(ou.Id, path, here);
  };
  for (const root of roots) if (root.Id) await visit(root.Id, [], false);
  return [...members.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Every item of every page, with the adapters' error mapping. */
async function collect<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[], call: AwsCall): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const page of pages) out.push(...items(page));
  } catch (e) {
    throw toOnboardingError(e, call);
  }
  return out;
}
