/** Lambda entry of the EnsureReaderRole step: wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureReaderRole } from '../steps/ensure-reader-role';
import { logArchiveRoles } from '../wiring/iam';
import { resolveKeyArn } from '../wiring/kms';
import { stepDeps, type PortFactories } from '../wiring/core';

/** The ports EnsureReaderRole uses (its step in handlers/steps); any other fails by name (StepNotWired). */
export const PORTS = { logArchiveRoles, resolveKeyArn } satisfies PortFactories;
const deps = stepDeps('EnsureReaderRole', loadRuntimeConfig(), PORTS);

export const handler = stepHandler('EnsureReaderRole', parseStepInput, (input) => ensureReaderRole(deps, input.accountId, input.mode, `${input.executionArn}#EnsureReaderRole`));
