/** The CloudTrail ports: the member account's trails, and where the organization trail is managed. */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { TrailAdapter } from '../adapters/cloudtrail';
import { DelegatedAdministratorTrails } from '../adapters/delegated-administrator-trails';
import { organizationTrailArn } from '../domain/arns';
import type { PortFactory } from './core';
import { sessionsOf } from './sessions';

export const memberTrails: PortFactory<'memberTrails'> = (w) => async (accountId) =>
  new TrailAdapter(w.clients.get(CloudTrailClient, w.region, await sessionsOf(w).member(accountId)));

/**
 * The organization trail is managed from the delegated administrator (through its member-access role)
 * when one is configured, naming the trail by its ARN there (the management account owns it:
 * adapters/delegated-administrator-trails.ts), else from the management account (with the
 * Organizations credentials: the function's own there, or organizationsRoleArn).
 */
export const organizationTrails: PortFactory<'organizationTrails'> = (w) => async (region = w.region) => {
  const { config } = w;
  const delegated = config.organizationTrail.delegatedAdministratorAccountId;
  if (delegated) {
    return new DelegatedAdministratorTrails(w.clients.get(CloudTrailClient, region, await sessionsOf(w).member(delegated)), {
      accountId: delegated,
      trailName: config.organizationTrail.name,
      trailArn: organizationTrailArn(config),
    });
  }
  return new TrailAdapter(w.clients.get(CloudTrailClient, region, sessionsOf(w).management));
};
