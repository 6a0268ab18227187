/** Lambda entry of the RecordFailure step: wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import { InvalidRequest } from '../shared/errors';
import { stepHandler } from '../shared/step-handler';
import { recordFailure } from '../steps/record';
import { stepDeps, type PortFactories } from '../wiring/core';

/** No port: RecordFailure uses only the status table, which every step has; any port fails by name (StepNotWired). */
export const PORTS = {} satisfies PortFactories;
const deps = stepDeps('RecordFailure', loadRuntimeConfig(), PORTS);

function parse(event: unknown): { state: unknown; executionArn: string } {
  const e = event as { state?: unknown; executionArn?: unknown } | null;
  if (!e || typeof e !== 'object' || typeof e.executionArn !== 'string') {
    throw new InvalidRequest('RecordFailure expects { state, executionArn } from the state machine.');
  }
  return { state: e.state, executionArn: e.executionArn };
}

export const handler = stepHandler('RecordFailure', parse, (input) => recordFailure(deps, input.state, input.executionArn));
