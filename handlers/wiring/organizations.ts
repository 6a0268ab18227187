/** The Organizations ports: an account, its OU path, and the organization (trailMode organization). */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { accountPath as pathOf, describeAccount as describe, describeOrganization, enableServiceAccess, trustedServicePrincipals } from '../adapters/organizations';
import type { PortFactory, Wiring } from './core';
import { sessionsOf } from './sessions';

/**
 * Organizations is a global service whose endpoint lives in us-east-1 (aws partition).
 * https://docs.aws.amazon.com/general/latest/gr/ao.html
 */
const ORGANIZATIONS_REGION = 'us-east-1';

/** The management account's Organizations client (kept for the container's life). */
function organizations(w: Wiring): OrganizationsClient {
  return w.clients.get(OrganizationsClient, ORGANIZATIONS_REGION, sessionsOf(w).management);
}

export const describeAccount: PortFactory<'describeAccount'> = (w) => (accountId) => describe(organizations(w), accountId);

export const accountPath: PortFactory<'accountPath'> = (w) => (accountId) => pathOf(organizations(w), accountId);

export const organization: PortFactory<'organization'> = (w) => async () => ({
  describe: () => describeOrganization(organizations(w)),
  trustedServicePrincipals: () => trustedServicePrincipals(organizations(w)),
  enableTrustedAccess: (principal) => enableServiceAccess(organizations(w), principal),
});
