/** Lambda entry of the EnsureKeyPolicy step: wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureKeyPolicy } from '../steps/ensure-shared-policies';
import { keyPolicy, keyState, resolveKeyArn } from '../wiring/kms';
import { bucketPolicy } from '../wiring/s3';
import { stepDeps, type PortFactories } from '../wiring/core';

/** The ports EnsureKeyPolicy uses (its step in handlers/steps); any other fails by name (StepNotWired). */
export const PORTS = { bucketPolicy, keyPolicy, keyState, resolveKeyArn } satisfies PortFactories;
const deps = stepDeps('EnsureKeyPolicy', loadRuntimeConfig(), PORTS);

/** The lease owner is the execution, so a retry of this step by the same execution can take it back. */
export const handler = stepHandler('EnsureKeyPolicy', parseStepInput, (input) =>
  ensureKeyPolicy(deps, input.accountId, `${input.executionArn}#EnsureKeyPolicy`, input.mode),
);
