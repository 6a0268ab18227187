/** Lambda entry of the EnsureTrail step: wiring only (see handlers/steps). */
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureTrail } from '../steps/ensure-trail';

const deps = createAwsDeps(loadRuntimeConfig());

export const handler = stepHandler('EnsureTrail', parseStepInput, (input) => ensureTrail(deps, input.accountId, input.mode));
