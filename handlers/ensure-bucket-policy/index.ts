/** Lambda entry of the EnsureBucketPolicy step: wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import { stepHandler } from '../shared/step-handler';
import { parseStepInput } from '../shared/step-input';
import { ensureBucketPolicy } from '../steps/ensure-shared-policies';
import { resolveKeyArn } from '../wiring/kms';
import { bucketPolicy } from '../wiring/s3';
import { stepDeps, type PortFactories } from '../wiring/core';

/** The ports EnsureBucketPolicy uses (its step in handlers/steps); any other fails by name (StepNotWired). */
export const PORTS = { bucketPolicy, resolveKeyArn } satisfies PortFactories;
const deps = stepDeps('EnsureBucketPolicy', loadRuntimeConfig(), PORTS);

/** The lease owner is the execution, so a retry of this step by the same execution can take it back. */
export const handler = stepHandler('EnsureBucketPolicy', parseStepInput, (input) =>
  ensureBucketPolicy(deps, input.accountId, `${input.executionArn}#EnsureBucketPolicy`, input.mode),
);
