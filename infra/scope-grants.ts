/**
 * Reading an account's place in the OU tree for the configured scope (handlers/adapters/organizations.ts
 * `accountPath`: ListParents from the account up to the root), which ValidateRequest and StartFromEvent do
 * only when the scope names OUs (handlers/domain/scope.ts `scopeNeedsPath`): the statement, for the
 * functions' own roles (orchestrator in the management account) or for the management account's
 * `CloudTrailOnboarding-OrganizationsRead` role (a dedicated orchestrator).
 *
 * Resources, from the Service Authorization Reference for AWS Organizations: ListParents takes the child,
 * an `account` (`arn:<p>:organizations::<management>:account/<org id>/<account id>`) or an
 * `organizationalunit` (`arn:<p>:organizations::<management>:ou/<org id>/<ou id>`); it has no condition
 * keys. So the grant is ListParents on this one organization's accounts and OUs.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { scopeNeedsPath } from '../handlers/domain/scope';
import type { ScopeRuntime } from '../handlers/shared/config';
import { acknowledge, wildcardResourceFinding } from './nag';
import type { OrganizationRef } from './organizations-listing';

/** The organization whose tree is read, and the configured scope. */
export interface ScopeOrganization extends OrganizationRef {
  readonly scope: ScopeRuntime;
}

/** The children ListParents is asked about: the organization's accounts and OUs. */
export function accountPathResources(org: ScopeOrganization): string[] {
  const base = `arn:${org.partition}:organizations::${org.managementAccountId}`;
  return [`${base}:account/${org.organizationId}/*`, `${base}:ou/${org.organizationId}/*`];
}

/** The ListParents statement when the scope names OUs; none otherwise (nothing reads the tree then). */
export function accountPathStatements(org: ScopeOrganization): iam.PolicyStatement[] {
  if (!scopeNeedsPath(org.scope)) return [];
  return [new iam.PolicyStatement({ sid: 'ReadAccountPath', actions: ['organizations:ListParents'], resources: accountPathResources(org) })];
}

/** Adds {@link accountPathStatements} to `role`, acknowledging their wildcards with the reason. */
export function grantAccountPath(role: iam.Role, org: ScopeOrganization): void {
  const statements = accountPathStatements(org);
  for (const s of statements) role.addToPolicy(s);
  if (statements.length) acknowledgeAccountPath(role, org);
}

/** Acknowledges the wildcard findings of {@link accountPathStatements} on `scope`. */
export function acknowledgeAccountPath(scope: IConstruct, org: ScopeOrganization): void {
  for (const arn of accountPathResources(org)) {
    acknowledge(
      scope,
      wildcardResourceFinding(scope, arn),
      'The scope check reads the OU path of the account being onboarded (ListParents, one call per level up to the root): the account and its OUs are known at run time only; limited to ListParents on this one organization.',
    );
  }
}
