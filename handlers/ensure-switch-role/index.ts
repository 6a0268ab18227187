/** Lambda entry of the EnsureSwitchRole step: wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureSwitchRole } from '../steps/ensure-switch-role';
import { memberRoles } from '../wiring/iam';
import { stepDeps, type PortFactories } from '../wiring/core';

/** The ports EnsureSwitchRole uses (its step in handlers/steps); any other fails by name (StepNotWired). */
export const PORTS = { memberRoles } satisfies PortFactories;
const deps = stepDeps('EnsureSwitchRole', loadRuntimeConfig(), PORTS);

export const handler = stepHandler('EnsureSwitchRole', parseStepInput, (input) => ensureSwitchRole(deps, input.accountId, input.mode));
