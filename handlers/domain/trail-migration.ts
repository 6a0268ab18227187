/**
 * `migrateAccountTrails`: from per-account trails to the organization trail without a gap. An
 * account onboarded in `trailMode` `account` has the service's trail in its home region, delivering to
 * `[prefix/]AWSLogs/<account>/`; the organization trail delivers the same account's logs to
 * `[prefix/]AWSLogs/<org-id>/<account>/`. The per-account trail is deleted only when both hold:
 * - it is the service's own (its name and ownership tag, homed in the home region: the checks of
 *   `planTrail`); a trail of that name that is not ours is never touched;
 * - the organization trail has delivered a log file of this account (the first object under its
 *   organization prefix). Only the organization trail writes there: the bucket policy's organization
 *   statements are pinned to its ARN (`aws:SourceArn`).
 * Until then the per-account trail keeps logging, and its statements stay in the shared policies
 * (renderOrganizationTrailPolicy keeps them), so at every moment at least one trail delivers. A run
 * before the organization trail's first delivery (about 5 minutes after it starts logging) keeps the
 * trail; a later run of the account (the fleet reconcile, a re-run) deletes it.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
 */
import { organizationLogObjectPrefix } from './arns';
import { desiredTrail, planTrail, type ObservedTrail } from './trail';
import type { RuntimeConfig } from '../shared/config';
import type { RunMode } from './drift';

/**
 * What became of the account's per-account trail in this run:
 * - `none`: the account has no trail of that name (never had, or already migrated);
 * - `foreign`: a trail of that name that is not the service's (left alone);
 * - `waiting`: ours, and the organization trail has not delivered this account's logs yet (kept);
 * - `due`: ours, delivered, and the run only reports (`report` mode): the next applying run deletes it;
 * - `removed`: deleted by this run.
 */
export const ACCOUNT_TRAIL_MIGRATIONS = ['none', 'foreign', 'waiting', 'due', 'removed'] as const;
export type AccountTrailMigration = (typeof ACCOUNT_TRAIL_MIGRATIONS)[number];

/** The outcome, with a sentence for a person. */
export interface MigrationOutcome {
  readonly migration: AccountTrailMigration;
  readonly detail: string;
}

/** What to do about it (pure): the inputs are what the step read. */
export interface MigrationDecision extends MigrationOutcome {
  /** Delete the per-account trail now. */
  readonly delete: boolean;
}

/** Where the organization trail delivers `accountId`'s log files (not its digest files). */
export function organizationLogFilesPrefix(config: Pick<RuntimeConfig, 'logPrefix'> & { organizationId: string }, accountId: string): string {
  return `${organizationLogObjectPrefix(config.logPrefix, config.organizationId, accountId)}CloudTrail/`;
}

/** Why the account's trail of `trailName` is not the service's to delete (`planTrail`'s conflict), or undefined when it is. */
export function foreignTrailReason(config: RuntimeConfig, observed: ObservedTrail): string | undefined {
  const plan = planTrail(observed, desiredTrail(config));
  return plan.action === 'conflict' ? plan.reason : undefined;
}

/**
 * Decides the migration of `accountId`'s per-account trail.
 * @param observed the trail of `config.trailName` in the account (undefined: none);
 * @param delivered the key of a log file the organization trail delivered for the account (undefined:
 *   none yet); the step reads it only for a trail of ours.
 */
export function decideTrailMigration(
  config: RuntimeConfig,
  accountId: string,
  observed: ObservedTrail | undefined,
  delivered: string | undefined,
  mode: RunMode,
): MigrationDecision {
  const name = config.trailName;
  if (!observed) return { migration: 'none', delete: false, detail: `Account ${accountId} has no trail ${name}.` };
  const foreign = foreignTrailReason(config, observed);
  if (foreign !== undefined) {
    return { migration: 'foreign', delete: false, detail: `Trail ${observed.trailArn} is not the service's (${foreign}); it is left as it is.` };
  }
  if (delivered === undefined) {
    return {
      migration: 'waiting',
      delete: false,
      detail:
        `The per-account trail ${observed.trailArn} is kept: the organization trail has delivered no log file of account ${accountId} yet. ` +
        'A later run of the account (the fleet reconcile, a re-run) deletes it once one has arrived.',
    };
  }
  if (mode === 'report') {
    return { migration: 'due', delete: false, detail: `The per-account trail ${observed.trailArn} is due for deletion: the organization trail delivers the account's logs (${delivered}).` };
  }
  return { migration: 'removed', delete: true, detail: `The per-account trail ${observed.trailArn} was deleted: the organization trail delivers the account's logs (${delivered}).` };
}
