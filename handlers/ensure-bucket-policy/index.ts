/** Lambda entry of the EnsureBucketPolicy step: wiring only (see handlers/steps). */
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureBucketPolicy } from '../steps/ensure-shared-policies';

const deps = createAwsDeps(loadRuntimeConfig());

/** The lease owner is the execution, so a retry of this step by the same execution can take it back. */
export const handler = stepHandler('EnsureBucketPolicy', parseStepInput, (input) =>
  ensureBucketPolicy(deps, input.accountId, `${input.executionArn}#EnsureBucketPolicy`, input.mode),
);
