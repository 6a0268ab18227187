/**
 * The Lambda entry module of every function the local runner invokes, each behind a static `require`
 * run on first use: loaded as Lambda loads an entry file (its module-level code, configuration and
 * clients, runs once), and visible to a bundler, so a bundle of the CLI holds them (bin/onboard.js).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type { StepName } from '../statemachine/steps';

/** What an entry module exports: its Lambda handler. */
export interface EntryModule {
  readonly handler?: (event: unknown, context?: unknown) => Promise<unknown>;
}

/** The entry of each step function (handlers/<STEPS[step]>/index.ts). */
export const STEP_ENTRIES: Record<StepName, () => EntryModule> = {
  ValidateRequest: () => require('../handlers/validate-request/index'),
  EnsureSwitchRole: () => require('../handlers/ensure-switch-role/index'),
  EnsureBucketPolicy: () => require('../handlers/ensure-bucket-policy/index'),
  EnsureKeyPolicy: () => require('../handlers/ensure-key-policy/index'),
  EnsureTrail: () => require('../handlers/ensure-trail/index'),
  EnsureOrganizationTrail: () => require('../handlers/ensure-organization-trail/index'),
  EnsureReaderRole: () => require('../handlers/ensure-reader-role/index'),
  EnsureChangeRules: () => require('../handlers/ensure-change-rules/index'),
  RecordResult: () => require('../handlers/record-result/index'),
  RecordFailure: () => require('../handlers/record-failure/index'),
  OffboardAccount: () => require('../handlers/offboard-account/index'),
};

/** The entries of the functions that are not steps, by the logical-id prefix of their function. */
export const FUNCTION_ENTRIES = {
  Api: () => require('../handlers/api/index') as EntryModule,
  StartFromEvent: () => require('../handlers/start-from-event/index') as EntryModule,
  ReconcileFleet: () => require('../handlers/reconcile-fleet/index') as EntryModule,
  StartFromChange: () => require('../handlers/start-from-change/index') as EntryModule,
} as const;
