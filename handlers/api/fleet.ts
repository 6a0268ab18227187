/**
 * `POST /fleet/onboard`: begin a backfill, the orchestrator's fleet start (handlers/start/fleet-start.ts).
 * The request is recorded in the status table (`FLEET#backfill`); the ReconcileFleet function's
 * continuation tick, every few minutes, runs it. Pure: the answer only.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { FLEET_CONTINUE_EVERY_MINUTES } from '../start/fleet';
import type { BackfillRequest } from '../start/fleet-start';
import { json } from './http';

/** The answer to POST /fleet/onboard: 202 requested, 200 when a backfill is already open or under way. */
export function backfillResponse(r: BackfillRequest, requestId: string): APIGatewayProxyResult {
  if (r.outcome === 'requested') {
    return json(
      202,
      {
        outcome: r.outcome,
        requestedAt: r.requestedAt,
        message:
          `A backfill was requested: within ${FLEET_CONTINUE_EVERY_MINUTES} minutes the fleet function starts the onboarding of every in-scope, ` +
          'ACTIVE account of the organization that is not ONBOARDED, paced by fleetStart. GET /accounts/{accountId} shows each one.',
      },
      requestId,
    );
  }
  return json(200, { outcome: r.outcome, message: 'A backfill is already open or under way; nothing new was requested.' }, requestId);
}
