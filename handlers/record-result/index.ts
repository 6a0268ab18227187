/** Lambda entry of the RecordResult step: wiring only (see handlers/steps). */
import { createAwsDeps } from '../shared/aws-deps';
import { loadRuntimeConfig } from '../shared/config';
import { z } from 'zod';
import { InvalidRequest } from '../shared/errors';
import { stepHandler } from '../shared/step-handler';
import { recordResult } from '../steps/record';

const deps = createAwsDeps(loadRuntimeConfig());

const Input = z.strictObject({
  accountId: z.string().regex(/^\d{12}$/),
  executionArn: z.string().min(1),
  resources: z.strictObject({ switchRoleArn: z.string(), trailArn: z.string(), readerRoleArn: z.string() }),
});

function parse(event: unknown): z.infer<typeof Input> {
  const r = Input.safeParse(event);
  if (!r.success) throw new InvalidRequest(`RecordResult input does not match the state machine's: ${r.error.message}`);
  return r.data;
}

export const handler = stepHandler('RecordResult', parse, (input) => recordResult(deps, input.accountId, input.executionArn, input.resources));
