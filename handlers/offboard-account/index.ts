/** Lambda entry of the OffboardAccount step (`"action": "offboard"`): wiring only (see handlers/steps). */
import { z } from 'zod';
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { InvalidRequest } from '../shared/errors';
import { stepHandler } from '../shared/step-handler';
import { offboardAccount } from '../steps/offboard-account';

const deps = createAwsDeps(loadRuntimeConfig());

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
