/**
 * `trailMode` `organization`, in place of EnsureTrail: the organization is ready for an organization
 * trail, the trail exists as configured and logs, and it covers the account being onboarded.
 *
 * Order, each a read first and a write only when something differs (a re-run writes nothing); the
 * reads of 1-4 are sent at once, and a failed one fails the step before anything is written:
 * 1. DescribeOrganization: all features, or `OrganizationFeaturesNotEnabled` naming the command to
 *    run (never run by the service: every member must approve). Nothing is written before this.
 * 2. Trusted access for cloudtrail.amazonaws.com (ListAWSServiceAccessForOrganization), enabled when
 *    missing (EnableAWSServiceAccess, seed 003), except for an existing trail, which needs it already.
 * 3. The trail. The service's own: created (all regions, global service events, log file validation,
 *    SSE-KMS with the central key, the prefix, IsOrganizationTrail) from the management account or the
 *    delegated administrator, updated back where it differs, started, confirmed logging. An existing
 *    one (`organizationTrail.arn`): read and verified only (`OrganizationTrailConflict` when it cannot
 *    serve); never written.
 * 4. The account: an ACTIVE member of this organization, which an organization trail logs.
 * 5. `migrateAccountTrails`: the account's per-account trail of the service, deleted once the
 *    organization trail has delivered a log file of the account; kept until then
 *    (handlers/domain/trail-migration.ts). Read only when migrating: GetTrail in the account, and one
 *    ListObjectsV2 of its organization prefix when the trail is there.
 * CreateTrail runs after SharedPolicies in the workflow: CloudTrail checks the bucket and key policies
 * when the trail is created (InsufficientS3BucketPolicy/InsufficientEncryptionPolicy otherwise).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
 */
import { trailDrift, type DriftItem, type RunMode } from '../domain/drift';
import { organizationTrailArn } from '../domain/arns';
import {
  CLOUDTRAIL_SERVICE_PRINCIPAL,
  desiredOrganizationTrail,
  ENABLE_ALL_FEATURES_COMMAND,
  existingOrganizationTrailProblems,
  hasAllFeatures,
  planOrganizationTrail,
} from '../domain/organization-trail';
import { deliveryVerdict, needsStartLogging } from '../domain/trail';
import { decideTrailMigration, foreignTrailReason, organizationLogFilesPrefix, type MigrationOutcome } from '../domain/trail-migration';
import { AccountNotActive, AccountNotFound, ConfigurationError, OrganizationFeaturesNotEnabled, OrganizationTrailConflict, TrailNotLoggingYet } from '../shared/errors';
import { resolvedConfig, type StepDeps } from './deps';
import { NO_MIGRATION, type TrailResult } from './ensure-trail';
import { retireAccountTrailGrants } from './ensure-shared-policies';

/** Result of the organization-trail step: the trail result EnsureTrail gives, for RecordResult. */
export interface OrganizationTrailResult extends TrailResult {
  /** Whether trusted access was enabled by this run. */
  readonly trustedAccessEnabled: boolean;
}

/** The region of a trail ARN (`arn:aws:cloudtrail:<region>:...`). */
function regionOfArn(arn: string): string {
  return arn.split(':')[3] ?? '';
}

/** Ensures the organization trail (see the module comment) and that it covers `accountId`. */
export async function ensureOrganizationTrail(
  deps: StepDeps,
  accountId: string,
  mode: RunMode = 'apply',
  /** Who holds the shared-policy leases when a migration retires the account's per-account grants. */
  owner = `EnsureOrganizationTrail#${accountId}`,
): Promise<OrganizationTrailResult> {
  const config = await resolvedConfig(deps);
  if (config.trailMode !== 'organization' || !config.organizationId) {
    throw new ConfigurationError('EnsureOrganizationTrail runs only with trailMode "organization" and organizationId.');
  }
  const drift: DriftItem[] = [];
  let changed = false;

  // The reads of 1-4 are independent, so they are sent at once (the trail's own, GetTrail and its
  // shadow lookup, in sequence), and all answered before anything is decided or written. Their
  // outcomes are taken in the order of the steps; a failed read fails the step before any write.
  const existingArn = config.organizationTrail.arn;
  const organization = await deps.organization();
  const reads = {
    org: organization.describe(),
    trusted: organization.trustedServicePrincipals(),
    trail: (async () => {
      const trails = existingArn ? await deps.organizationTrails(regionOfArn(existingArn)) : await deps.organizationTrails();
      return { trails, observed: await trails.get(existingArn ?? desiredOrganizationTrail(config).name) };
    })(),
    account: deps.describeAccount(accountId),
  };
  await Promise.allSettled(Object.values(reads));

  // 1. All features: organization trails need them, and only the member accounts can agree to them.
  const org = await reads.org;
  if (org.id !== config.organizationId) {
    throw new ConfigurationError(`The management account's organization is ${org.id}, not organizationId ${config.organizationId}.`, { organizationId: org.id });
  }
  if (!hasAllFeatures(org.featureSet)) {
    throw new OrganizationFeaturesNotEnabled(
      `Organization ${org.id} has feature set ${org.featureSet}, and an organization trail needs all features. Enable them from the management account ` +
        `${org.managementAccountId} with \`${ENABLE_ALL_FEATURES_COMMAND}\` (every member account must approve the change; this service never makes it), ` +
        'then re-run the onboarding. Nothing was written.',
      { organizationId: org.id, featureSet: org.featureSet, command: ENABLE_ALL_FEATURES_COMMAND },
    );
  }

  // A read that failed fails the step here, before anything is written (in the order of the steps).
  for (const read of [reads.trusted, reads.trail, reads.account]) await read;

  // 2. Trusted access for CloudTrail.
  let trustedAccessEnabled = false;
  const trusted = (await reads.trusted).includes(CLOUDTRAIL_SERVICE_PRINCIPAL);
  if (!trusted) {
    drift.push({ resource: 'trail', code: 'TrustedAccessMissing', detail: `Trusted access for ${CLOUDTRAIL_SERVICE_PRINCIPAL} is not enabled in ${org.id}.` });
    // A verification reports it (drift), a run that applies cannot go on: the service never sets up a trail it was given.
    if (existingArn && mode === 'apply') {
      throw new OrganizationTrailConflict(
        `Organization ${org.id} has no trusted access for ${CLOUDTRAIL_SERVICE_PRINCIPAL}, so the existing organization trail ${existingArn} logs no member account. ` +
          'Its owner must set it up again (the service never changes a trail it was given by ARN).',
        { trailArn: existingArn },
      );
    }
    if (mode === 'apply' && !existingArn) {
      await organization.enableTrustedAccess(CLOUDTRAIL_SERVICE_PRINCIPAL);
      trustedAccessEnabled = true;
      changed = true;
    }
  }

  // 3. The trail.
  let result: TrailResult;
  if (existingArn) {
    const { observed } = await reads.trail;
    const problems = existingOrganizationTrailProblems(observed, config);
    // Reporting (a verification, a change event's run for a trail the service never writes): the problems are
    // drift, so the account stays ONBOARDED and shows DRIFTED, instead of a failed run recording it FAILED.
    if (problems.length && mode === 'report') {
      drift.push(...problems.map((detail) => ({ resource: 'trail' as const, code: 'OrganizationTrailUnusable', detail })));
    } else if (problems.length) {
      throw new OrganizationTrailConflict(
        `The organization trail given by organizationTrail.arn cannot be used as it is: ${problems.join(' ')} The service never changes it: ` +
          'have its owner fix it, or configure another trail. Then re-run.',
        { trailArn: existingArn, problems },
      );
    }
    const delivery = deliveryVerdict(observed, deps.now());
    result = { trailArn: existingArn, changed: false, isLogging: observed?.isLogging ?? false, drift: [], delivery: delivery.verdict, deliveryDetail: delivery.detail, ...NO_MIGRATION };
  } else {
    const desired = desiredOrganizationTrail(config);
    const { trails, observed } = await reads.trail;
    const plan = planOrganizationTrail(observed, desired);
    drift.push(...trailDrift(plan, desired.name, observed?.isLogging));
    const delivery = deliveryVerdict(observed, deps.now());
    const deliveryOf = { delivery: delivery.verdict, deliveryDetail: delivery.detail, ...NO_MIGRATION };
    if (plan.action === 'conflict') {
      throw new OrganizationTrailConflict(`The management account already has a trail named ${desired.name} that this service cannot take as its own: ${plan.reason}`, {
        trailName: desired.name,
        ...(observed ? { trailArn: observed.trailArn } : {}),
      });
    }
    if (mode === 'report') {
      const reported = { trailArn: observed?.trailArn ?? '', changed: false, isLogging: observed?.isLogging ?? false, drift, ...deliveryOf, trustedAccessEnabled };
      if (!config.migrateAccountTrails) return reported;
      return withMigration(reported, await migrateAccountTrail(deps, { ...config, organizationId: org.id }, accountId, mode, owner));
    }
    let trailArn = observed?.trailArn;
    if (plan.action === 'create') {
      trailArn = await trails.create(desired);
      changed = true;
    } else if (plan.action === 'update') {
      if (plan.fields.some((f) => f !== 'eventSelectors')) await trails.update(desired);
      if (plan.fields.includes('eventSelectors')) await trails.putDefaultEventSelectors(desired.name);
      changed = true;
    }
    if (plan.action === 'create' || (observed && needsStartLogging(observed))) {
      await trails.startLogging(desired.name);
      changed = true;
    }
    const isLogging = plan.action === 'none' && !changed ? observed!.isLogging : await trails.isLogging(desired.name);
    if (!isLogging) {
      throw new TrailNotLoggingYet(`Organization trail ${trailArn} does not report IsLogging yet after StartLogging.`, { trailArn });
    }
    result = { trailArn: trailArn ?? organizationTrailArn(config), changed, isLogging: true, drift: [], ...deliveryOf };
  }

  // 4. The account: an organization trail logs every ACTIVE member of its organization.
  const account = await reads.account;
  if (!account) throw new AccountNotFound(`Account ${accountId} is not a member of organization ${org.id}: the organization trail does not log it.`, { accountId });
  if (account.state !== 'ACTIVE') {
    throw new AccountNotActive(`Account ${accountId} is ${account.state}, not ACTIVE: the organization trail logs only active members.`, { accountId, state: account.state });
  }

  // 5. The per-account trail, migrated.
  const done = { ...result, changed, drift, trustedAccessEnabled };
  if (!config.migrateAccountTrails) return done;
  return withMigration(done, await migrateAccountTrail(deps, { ...config, organizationId: org.id }, accountId, mode, owner));
}

/** The result with the migration's outcome (a removal is a change). */
function withMigration(result: OrganizationTrailResult, outcome: MigrationOutcome): OrganizationTrailResult {
  return { ...result, changed: result.changed || outcome.migration === 'removed', migration: outcome.migration, migrationDetail: outcome.detail };
}

/**
 * `migrateAccountTrails`: reads the account's trail of `trailName`; when it is ours, whether the
 * organization trail has delivered a log file of the account; deletes it when so (see
 * handlers/domain/trail-migration.ts), then removes the account from the service's per-account
 * statements of both shared policies. The deletion needs no StopLogging first: DeleteTrail ends
 * delivery. An account without the trail has its grants retired too (a run that deleted the trail
 * and stopped before the policies, or an account whose trail someone else deleted): they grant a
 * trail that no longer exists.
 */
async function migrateAccountTrail(
  deps: StepDeps,
  config: Awaited<ReturnType<typeof resolvedConfig>> & { organizationId: string },
  accountId: string,
  mode: RunMode,
  owner: string,
): Promise<MigrationOutcome> {
  const trails = await deps.memberTrails(accountId);
  const observed = await trails.get(config.trailName);
  const ours = observed !== undefined && foreignTrailReason(config, observed) === undefined;
  const delivered = ours ? (await (await deps.logFiles()).first(organizationLogFilesPrefix(config, accountId)))?.key : undefined;
  const decision = decideTrailMigration(config, accountId, observed, delivered, mode);
  if (decision.delete) await trails.delete(config.trailName);
  if (decision.delete || decision.migration === 'none') {
    const retired = await retireAccountTrailGrants(deps, accountId, owner, mode);
    if (decision.migration === 'none' && (retired.bucketPolicy || retired.keyPolicy)) {
      return { migration: 'removed', detail: `Account ${accountId} has no per-account trail any more; its per-account grants were removed from the shared policies.` };
    }
  }
  return { migration: decision.migration, detail: decision.detail };
}
