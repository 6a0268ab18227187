/** Lambda entry of the EnsureChangeRules step: wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureChangeRules } from '../steps/ensure-change-rules';
import { memberChangeRules } from '../wiring/events';
import { memberRoles } from '../wiring/iam';
import { stepDeps, type PortFactories } from '../wiring/core';

/** The ports EnsureChangeRules uses (its step in handlers/steps); any other fails by name (StepNotWired). */
export const PORTS = { memberChangeRules, memberRoles } satisfies PortFactories;
const deps = stepDeps('EnsureChangeRules', loadRuntimeConfig(), PORTS);

export const handler = stepHandler('EnsureChangeRules', parseStepInput, (input) => ensureChangeRules(deps, input.accountId, input.mode));
