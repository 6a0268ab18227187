/** Lambda entry of the EnsureReaderRole step: wiring only (see handlers/steps). */
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureReaderRole } from '../steps/ensure-reader-role';

const deps = createAwsDeps(loadRuntimeConfig());

export const handler = stepHandler('EnsureReaderRole', parseStepInput, (input) => ensureReaderRole(deps, input.accountId, input.mode, `${input.executionArn}#EnsureReaderRole`));
