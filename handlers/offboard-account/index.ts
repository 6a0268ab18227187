/** Lambda entry of the OffboardAccount step (`"action": "offboard"`): wiring only (see handlers/steps). */
import * as z from 'zod';
import { loadRuntimeConfig } from '../shared/config';
import { InvalidRequest } from '../shared/errors';
import { stepHandler } from '../shared/step-handler';
import { offboardAccount } from '../steps/offboard-account';
import { memberTrails } from '../wiring/cloudtrail';
import { memberChangeRules } from '../wiring/events';
import { logArchiveRoles, memberRoles } from '../wiring/iam';
import { keyPolicy, resolveKeyArn } from '../wiring/kms';
import { bucketPolicy } from '../wiring/s3';
import { stepDeps, type PortFactories } from '../wiring/core';

/** The ports OffboardAccount uses (its step in handlers/steps); any other fails by name (StepNotWired). */
export const PORTS = { bucketPolicy, keyPolicy, logArchiveRoles, memberChangeRules, memberRoles, memberTrails, resolveKeyArn } satisfies PortFactories;
const deps = stepDeps('OffboardAccount', loadRuntimeConfig(), PORTS);

const Input = z.strictObject({
  accountId: z.string().regex(/^\d{12}$/),
  executionArn: z.string().min(1),
  reason: z.string().min(1),
});

function parse(event: unknown): z.infer<typeof Input> {
  const r = Input.safeParse(event);
  if (!r.success) throw new InvalidRequest(`OffboardAccount input must be { accountId, executionArn, reason } as the state machine sends it: ${r.error.message}`);
  return r.data;
}

export const handler = stepHandler('OffboardAccount', parse, (input) => offboardAccount(deps, input.accountId, input.executionArn, input.reason));
