/** Lambda entry of the ValidateRequest step: wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import { InvalidRequest } from '../shared/errors';
import { stepHandler } from '../shared/step-handler';
import { validateRequest } from '../steps/validate-request';
import { accountPath, describeAccount } from '../wiring/organizations';
import { stepDeps, type PortFactories } from '../wiring/core';

/** The ports ValidateRequest uses (its step in handlers/steps); any other fails by name (StepNotWired). */
export const PORTS = { accountPath, describeAccount } satisfies PortFactories;
const deps = stepDeps('ValidateRequest', loadRuntimeConfig(), PORTS);

/** The state machine passes the raw execution input as `request`, plus the execution ARN. */
function parse(event: unknown): { request: unknown; executionArn: string } {
  const e = event as { request?: unknown; executionArn?: unknown } | null;
  if (!e || typeof e !== 'object' || typeof e.executionArn !== 'string') {
    throw new InvalidRequest('ValidateRequest expects { request, executionArn } from the state machine.');
  }
  return { request: e.request, executionArn: e.executionArn };
}

export const handler = stepHandler('ValidateRequest', parse, (input) => validateRequest(deps, input.request, input.executionArn));
