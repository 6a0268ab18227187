/**
 * Reading the organization's OU tree (handlers/adapters/organizations.ts `listOrganizationMembers`:
 * ListRoots, then ListOrganizationalUnitsForParent and ListAccountsForParent per parent), which the
 * backfill (handlers/start/fleet-start.ts) does from the ReconcileFleet function: the statements, for
 * the function's own role (orchestrator in the management account) or for the management account's
 * `CloudTrailOnboarding-OrganizationsRead` role (a dedicated orchestrator).
 *
 * Resources, from the Service Authorization Reference for AWS Organizations: ListRoots has no resource
 * type (`*`); ListOrganizationalUnitsForParent and ListAccountsForParent take the parent, a root
 * (`arn:<p>:organizations::<management>:root/<org id>/<root id>`) or an OU
 * (`arn:<p>:organizations::<management>:ou/<org id>/<ou id>`), so they are limited to this organization's.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from './nag';

/** The organization whose tree is read. */
export interface OrganizationRef {
  readonly partition: string;
  readonly managementAccountId: string;
  readonly organizationId: string;
}

/** The parents (roots and OUs) of one organization, as resource ARNs. */
export function organizationParentArns(org: OrganizationRef): string[] {
  const base = `arn:${org.partition}:organizations::${org.managementAccountId}`;
  return [`${base}:root/${org.organizationId}/*`, `${base}:ou/${org.organizationId}/*`];
}

/** The statements that let a role walk the organization's OU tree, and nothing else. */
export function organizationsListingStatements(org: OrganizationRef): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'ListOrganizationRoots', actions: ['organizations:ListRoots'], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'ListOrganizationTree',
      actions: ['organizations:ListOrganizationalUnitsForParent', 'organizations:ListAccountsForParent'],
      resources: organizationParentArns(org),
    }),
  ];
}

/** Acknowledges the wildcard findings of {@link organizationsListingStatements} on `scope`, with their reasons. */
export function acknowledgeOrganizationsListing(scope: IConstruct, org: OrganizationRef): void {
  acknowledge(scope, 'AwsSolutions-IAM5[Resource::*]', 'organizations:ListRoots supports no resource-level permissions (Service Authorization Reference): it lists the one organization\'s roots.');
  for (const arn of organizationParentArns(org)) {
    acknowledge(
      scope,
      wildcardResourceFinding(scope, arn),
      'The backfill walks every root and OU of the organization (which are not known at deploy time); limited to listing the children of this one organization\'s parents.',
    );
  }
}
