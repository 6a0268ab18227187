/** Lambda entry of the ValidateRequest step: wiring only (see handlers/steps). */
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { InvalidRequest } from '../shared/errors';
import { stepHandler } from '../shared/step-handler';
import { validateRequest } from '../steps/validate-request';

const deps = createAwsDeps(loadRuntimeConfig());

/** The state machine passes the raw execution input as `request`, plus the execution ARN. */
function parse(event: unknown): { request: unknown; executionArn: string } {
  const e = event as { request?: unknown; executionArn?: unknown } | null;
  if (!e || typeof e !== 'object' || typeof e.executionArn !== 'string') {
    throw new InvalidRequest('ValidateRequest expects { request, executionArn } from the state machine.');
  }
  return { request: e.request, executionArn: e.executionArn };
}

export const handler = stepHandler('ValidateRequest', parse, (input) => validateRequest(deps, input.request, input.executionArn));
