/** Lambda entry of the RecordResult step: wiring only (see handlers/steps). */
import { loadRuntimeConfig } from '../shared/config';
import * as z from 'zod';
import { RUN_MODES } from '../domain/drift';
import { InvalidRequest } from '../shared/errors';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ACCOUNTS_NOT_HEALTHY_METRIC } from '../domain/drift';
import { metrics, stepHandler } from '../shared/step-handler';
import { recordResult } from '../steps/record';
import { ACCOUNT_TRAIL_MIGRATIONS } from '../domain/trail-migration';
import { stepDeps, type PortFactories } from '../wiring/core';

/** No port: RecordResult uses only the status table, which every step has; any port fails by name (StepNotWired). */
export const PORTS = {} satisfies PortFactories;
const deps = stepDeps('RecordResult', loadRuntimeConfig(), PORTS);

const DriftList = z.array(z.strictObject({ resource: z.string(), code: z.string(), detail: z.string() }));
const Input = z.strictObject({
  accountId: z.string().regex(/^\d{12}$/),
  executionArn: z.string().min(1),
  mode: z.enum(RUN_MODES),
  resources: z.strictObject({
    switchRoleArn: z.string(),
    trailArn: z.string(),
    readerRoleArn: z.string(),
    delivery: z.enum(['OK', 'DELIVERY_FAILING', 'DELIVERY_STALE']).optional(),
    deliveryDetail: z.string().optional(),
    drift: z.record(z.string(), DriftList).optional(),
    accountTrail: z.strictObject({ migration: z.enum(ACCOUNT_TRAIL_MIGRATIONS), detail: z.string() }).optional(),
  }),
});

function parse(event: unknown): z.infer<typeof Input> {
  const r = Input.safeParse(event);
  if (!r.success) throw new InvalidRequest(`RecordResult input does not match the state machine's: ${r.error.message}`);
  return r.data;
}

export const handler = stepHandler('RecordResult', parse, async (input) => {
  const r = await recordResult(deps, input.accountId, input.executionArn, input.mode, input.resources as Parameters<typeof recordResult>[4]);
  // One data point per run: the alarm on accounts not healthy (infra) sums these.
  metrics.addMetric(ACCOUNTS_NOT_HEALTHY_METRIC, MetricUnit.Count, r.health === 'HEALTHY' ? 0 : 1);
  return r;
});
