/** Lambda entry of the EnsureOrganizationTrail step (trailMode organization): wiring only (see handlers/steps). */
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureOrganizationTrail } from '../steps/ensure-organization-trail';

const deps = createAwsDeps(loadRuntimeConfig());

export const handler = stepHandler('EnsureOrganizationTrail', parseStepInput, (input) =>
  ensureOrganizationTrail(deps, input.accountId, input.mode, `${input.executionArn}#EnsureOrganizationTrail`),
);
