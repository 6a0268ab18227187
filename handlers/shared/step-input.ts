/** The input every step after validation receives from the state machine. */
import * as z from 'zod';
import { RUN_MODES } from '../domain/drift';
import { InvalidRequest } from './errors';

const StepInputSchema = z.strictObject({
  accountId: z.string().regex(/^\d{12}$/),
  executionArn: z.string().min(1),
  /** `apply` (onboarding, repair) or `report` (verification only). */
  mode: z.enum(RUN_MODES),
});

/** `{ accountId, executionArn, mode }`, as the state machine passes it. */
export type StepInput = z.infer<typeof StepInputSchema>;

/** Parses a step's input; a mismatch means the definition and the handler disagree. */
export function parseStepInput(event: unknown): StepInput {
  const r = StepInputSchema.safeParse(event);
  if (!r.success) {
    throw new InvalidRequest(`Step input must be { accountId, executionArn, mode } as the state machine sends it: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}
