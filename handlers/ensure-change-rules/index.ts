/** Lambda entry of the EnsureChangeRules step: wiring only (see handlers/steps). */
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureChangeRules } from '../steps/ensure-change-rules';

const deps = createAwsDeps(loadRuntimeConfig());

export const handler = stepHandler('EnsureChangeRules', parseStepInput, (input) => ensureChangeRules(deps, input.accountId, input.mode));
