/**
 * Builds the real {@link StepDeps} with every port wired, for callers that may use any of them (the
 * CLI, handlers/start-from-event). A step function's entry wires only the ports its step uses
 * (handlers/wiring/core.ts `stepDeps`), so its bundle holds only those SDK clients. Clients are made
 * through `createClient` (so the local simulation can stand in for AWS) and kept per container
 * (handlers/wiring/client-cache.ts); sessions in other accounts through STS (handlers/wiring/sessions.ts).
 */
import type { StepDeps } from '../steps/deps';
import { ALL_PORTS } from '../wiring/all-ports';
import { stepDeps } from '../wiring/core';
import type { RuntimeConfig } from './config';

/** Creates the dependencies of every step for `config`. */
export function createAwsDeps(config: RuntimeConfig, now: () => Date = () => new Date()): StepDeps {
  return stepDeps('every step', config, ALL_PORTS, { now });
}
