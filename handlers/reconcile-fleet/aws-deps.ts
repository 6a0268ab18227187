/**
 * Builds the real {@link FleetDeps}: the state machine's executions (SFNClient in its region), the
 * status table (account items, the sweep's record), through `createClient` so that the local
 * simulation can stand in for AWS. Built once per Lambda container.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FleetSweepStore } from '../adapters/fleet-sweep';
import { StepFunctionsAdapter } from '../adapters/sfn';
import { StatusStore } from '../adapters/status-store';
import { createClient } from '../shared/clients';
import type { RuntimeConfig } from '../shared/config';
import { regionOfStateMachine } from '../start/aws-deps';
import type { FleetDeps } from '../start/fleet';

/** The fleet reconcile's dependencies for `config` and the onboarding state machine. */
export function createFleetDeps(config: RuntimeConfig, stateMachineArn: string, now: () => Date = () => new Date()): FleetDeps {
  const executions = new StepFunctionsAdapter(createClient(SFNClient, { region: regionOfStateMachine(stateMachineArn) }), stateMachineArn);
  const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const status = new StatusStore(doc, config.tableName, now);
  return {
    start: { executions, status },
    running: executions,
    accounts: status,
    sweeps: new FleetSweepStore(doc, config.tableName, now),
    now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
