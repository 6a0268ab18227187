/** Lambda entry of the EnsureSwitchRole step: wiring only (see handlers/steps). */
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureSwitchRole } from '../steps/ensure-switch-role';

const deps = createAwsDeps(loadRuntimeConfig());

export const handler = stepHandler('EnsureSwitchRole', parseStepInput, (input) => ensureSwitchRole(deps, input.accountId, input.mode));
