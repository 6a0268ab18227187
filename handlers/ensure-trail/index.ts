/** Lambda entry of the EnsureTrail step: wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureTrail } from '../steps/ensure-trail';
import { memberTrails } from '../wiring/cloudtrail';
import { resolveKeyArn } from '../wiring/kms';
import { stepDeps, type PortFactories } from '../wiring/core';

/** The ports EnsureTrail uses (its step in handlers/steps); any other fails by name (StepNotWired). */
export const PORTS = { memberTrails, resolveKeyArn } satisfies PortFactories;
const deps = stepDeps('EnsureTrail', loadRuntimeConfig(), PORTS);

export const handler = stepHandler('EnsureTrail', parseStepInput, (input) => ensureTrail(deps, input.accountId, input.mode));
