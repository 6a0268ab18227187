/**
 * `trailMode` `organization` for the fault and abort matrices (fault-matrix-organization.test.ts,
 * abort-organization.test.ts, and the call derivation of fault-matrix.calls.ts): the organization as
 * it is before the service set it up (no trusted access for CloudTrail, no organization trail), how
 * to bring it back to that state between cases that share one simulation, and the organization-wide
 * state a case is compared on.
 *
 * The set-up calls (EnableAWSServiceAccess, CreateTrail, StartLogging of the organization trail) are
 * made only by the first onboarding of an organization; every case of a matrix onboards a fresh
 * account, so each case first undoes the set-up (`undoOrganizationSetUp`) and its onboarding makes
 * them again, as the first onboarding of that organization does.
 */
import { CloudTrailClient, DeleteTrailCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CLOUDTRAIL_SERVICE_PRINCIPAL } from '../../../handlers/domain/organization-trail';
import { type LogDestination, logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { createClient } from '../../../handlers/shared/clients';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import type { SimWorld } from '../../../local/sim';
import sample from '../../../config/onboarding.sample.json';
import { DEMO, type Local, type StartLocalOptions } from '../harness';

/** The configuration keys of organization mode over config/onboarding.sample.json (as organization-trail.test.ts runs it). */
export const ORGANIZATION_MODE_CONFIG = { trailMode: 'organization' } as const;

/** The two modes the matrices run in. */
export type TrailMode = 'account' | 'organization';

/** The shared-policy destination of a mode (the organization trail's statements in organization mode). */
export function destinationOf(mode: TrailMode): LogDestination {
  const config = mode === 'organization' ? { ...sample, ...ORGANIZATION_MODE_CONFIG } : sample;
  return logDestinationFromConfig(parseRuntimeConfig(runtimeConfigOf(parseAppConfig(config), 'status')));
}

/** ARN of the service's organization trail (management account, home region). */
export const ORGANIZATION_TRAIL_ARN = destinationOf('organization').organizationTrail!.arn;

/**
 * What `startLocal` needs to run a mode. Organization mode: the configuration above, an
 * organization without trusted access for CloudTrail, and every "AWS API Call via CloudTrail" event
 * lost: the organization trail records the onboarding's own writes in every member, whose change
 * rules would otherwise start reconcile runs of their own in the middle of a case (the matrices
 * count and fault the calls of the runs they start).
 */
export function startOptionsOf(mode: TrailMode): Pick<StartLocalOptions, 'config' | 'prepareWorld' | 'loseApiCallEvents'> {
  if (mode === 'account') return {};
  return {
    config: ORGANIZATION_MODE_CONFIG,
    prepareWorld: (world) => world.organizations.disableServiceAccess(CLOUDTRAIL_SERVICE_PRINCIPAL),
    loseApiCallEvents: true,
  };
}

/**
 * Brings the organization back to before the service set it up: the organization trail deleted (by
 * the management account's administrator, through CloudTrail) and trusted access for CloudTrail
 * disabled. What the shared policies, roles and the status table hold is left as it is.
 */
export async function undoOrganizationSetUp(world: SimWorld): Promise<void> {
  if (world.cloudtrail.getTrail(ORGANIZATION_TRAIL_ARN)) {
    const credentials = world.credentialsFor(`arn:aws:sts::${DEMO.managementAccountId}:assumed-role/Administrator/undo-set-up`);
    const cloudtrail = createClient(CloudTrailClient, { region: DEMO.region, credentials });
    try {
      await cloudtrail.send(new DeleteTrailCommand({ Name: ORGANIZATION_TRAIL_ARN }));
    } finally {
      cloudtrail.destroy();
    }
  }
  world.organizations.disableServiceAccess(CLOUDTRAIL_SERVICE_PRINCIPAL);
}

/**
 * The organization is set up as `clean` (what a clean onboarding left, `organizationSetUp`), its
 * trail covers `account`, and the account has no trail of its own.
 */
export function expectOrganizationLikeClean(world: SimWorld, account: string, clean: unknown): void {
  expect(organizationSetUp(world)).toEqual(clean);
  expect(world.cloudtrail.organizationTrailCovers(ORGANIZATION_TRAIL_ARN, account)).toBe(true);
  expect(world.cloudtrail.list().filter((t) => t.accountId === account)).toEqual([]);
}

/** The organization-wide state the service sets up: trusted access, and the organization trail as configured (snapshot) and whether it is one. */
export function organizationSetUp(world: SimWorld): unknown {
  const trail = world.snapshot().trails[ORGANIZATION_TRAIL_ARN];
  return {
    trustedAccess: world.organizations.isServiceAccessEnabled(CLOUDTRAIL_SERVICE_PRINCIPAL),
    organizationTrail: trail ? { ...trail, isOrganizationTrail: world.cloudtrail.getTrail(ORGANIZATION_TRAIL_ARN)?.isOrganizationTrail } : undefined,
    organizationTrails: world.cloudtrail.organizationTrails().map((t) => t.arn),
  };
}

/** Where a test's observation of a change begins: the executions and event deliveries before it are left out. */
export interface ChangeMarks {
  readonly runsFrom: number;
  readonly notesFrom: number;
}

/**
 * The organization-trail drift tests' set-up: onboards `members` (each must succeed), lets the world
 * settle, moves the faked clock past the onboardings' minute, then has `adminArn` stop the trail
 * `trailName` through the SDK (the simulated CloudTrail emits its event) and lets that settle too.
 * Needs `fakeDateOnly()` (test/local/fake-date.ts) in force. Returns where the change's runs and
 * notifications begin; the world's calls are reset just before the stop.
 */
export async function onboardThenStopTrail(local: Local, members: readonly string[], adminArn: string, trailName: string): Promise<ChangeMarks> {
  for (const id of members) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding of ${id} ended ${r.status}: ${r.error}`);
  }
  await local.world.settle();
  jest.setSystemTime(Date.now() + 120_000);
  const marks = { runsFrom: local.world.stepFunctions.list().length, notesFrom: local.world.events.invocations().length };
  local.world.resetCalls();
  const ct = createClient(CloudTrailClient, { region: DEMO.region, credentials: local.world.credentialsFor(adminArn) });
  try {
    await ct.send(new StopLoggingCommand({ Name: trailName }));
  } finally {
    ct.destroy();
  }
  await local.world.settle();
  return marks;
}
