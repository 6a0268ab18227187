/**
 * The steps of the onboarding workflow. A step's state name, its construct id and its handler
 * folder share one name (`EnsureTrail` / `handlers/ensure-trail`): that link is a stable contract
 * used by the CDK app, the local runner and the docs.
 */
export const STEPS = {
  ValidateRequest: 'validate-request',
  EnsureSwitchRole: 'ensure-switch-role',
  EnsureBucketPolicy: 'ensure-bucket-policy',
  EnsureKeyPolicy: 'ensure-key-policy',
  EnsureTrail: 'ensure-trail',
  EnsureOrganizationTrail: 'ensure-organization-trail',
  EnsureReaderRole: 'ensure-reader-role',
  EnsureChangeRules: 'ensure-change-rules',
  RecordResult: 'record-result',
  RecordFailure: 'record-failure',
  OffboardAccount: 'offboard-account',
} as const;

/** A step's state name. */
export type StepName = keyof typeof STEPS;

/** All step names in a stable order. */
export const STEP_NAMES = Object.keys(STEPS) as StepName[];

/** Environment variable through which each function knows its step (the local runner reads it too). */
export const STEP_ENV = 'ONBOARDING_STEP';

/** Human description of each step, shown by the demo and the docs. */
export const STEP_TITLES: Record<StepName, string> = {
  ValidateRequest: 'validate the request',
  EnsureSwitchRole: 'switch role in the member account',
  EnsureBucketPolicy: 'central bucket policy',
  EnsureKeyPolicy: 'central KMS key policy',
  EnsureTrail: 'trail in the member account',
  EnsureOrganizationTrail: 'organization trail (trailMode organization)',
  EnsureReaderRole: 'read-only log access role',
  EnsureChangeRules: 'change rules in the member account',
  RecordResult: 'record ONBOARDED',
  RecordFailure: 'record FAILED',
  OffboardAccount: 'offboard: trail, roles and grants removed, OFFBOARDED',
};
