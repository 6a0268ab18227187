/** Lambda entry of the EnsureOrganizationTrail step (trailMode organization): wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureOrganizationTrail } from '../steps/ensure-organization-trail';
import { memberTrails, organizationTrails } from '../wiring/cloudtrail';
import { keyPolicy, resolveKeyArn } from '../wiring/kms';
import { describeAccount, organization } from '../wiring/organizations';
import { bucketPolicy, logFiles } from '../wiring/s3';
import { stepDeps, type PortFactories } from '../wiring/core';

/** The ports EnsureOrganizationTrail uses (its step in handlers/steps); any other fails by name (StepNotWired). */
export const PORTS = { bucketPolicy, describeAccount, keyPolicy, logFiles, memberTrails, organization, organizationTrails, resolveKeyArn } satisfies PortFactories;
const deps = stepDeps('EnsureOrganizationTrail', loadRuntimeConfig(), PORTS);

export const handler = stepHandler('EnsureOrganizationTrail', parseStepInput, (input) =>
  ensureOrganizationTrail(deps, input.accountId, input.mode, `${input.executionArn}#EnsureOrganizationTrail`),
);
