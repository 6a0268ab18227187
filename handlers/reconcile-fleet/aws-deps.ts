/**
 * Builds the real {@link BackfillDeps} (the fleet reconcile's {@link FleetDeps} and what the backfill
 * adds): the state machine's executions (SFNClient in its region), the status table (account items,
 * the sweeps' records), and, with an organization, Organizations (in us-east-1; through
 * `organizationsRoleArn` when the orchestrator is not the management account), through `createClient`
 * so that the local simulation can stand in for AWS. Built once per Lambda container.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FLEET_BACKFILL_KEY, FleetSweepStore } from '../adapters/fleet-sweep';
import { listOrganizationMembers } from '../adapters/organizations';
import { StepFunctionsAdapter } from '../adapters/sfn';
import { StatusStore } from '../adapters/status-store';
import { roleSession, SessionCache } from '../adapters/sts';
import { createClient } from '../shared/clients';
import type { RuntimeConfig } from '../shared/config';
import { ConfigurationError } from '../shared/errors';
import { regionOfStateMachine } from '../start/aws-deps';
import type { FleetDeps } from '../start/fleet';
import type { BackfillDeps } from '../start/fleet-start';

/**
 * Organizations is a global service whose endpoint lives in us-east-1 (aws partition).
 * https://docs.aws.amazon.com/general/latest/gr/ao.html
 */
const ORGANIZATIONS_REGION = 'us-east-1';

/** The fleet reconcile's and the backfill's dependencies for `config` and the onboarding state machine. */
export function createFleetDeps(config: RuntimeConfig, stateMachineArn: string, now: () => Date = () => new Date()): BackfillDeps {
  const executions = new StepFunctionsAdapter(createClient(SFNClient, { region: regionOfStateMachine(stateMachineArn) }), stateMachineArn);
  const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const status = new StatusStore(doc, config.tableName, now);
  // A role-chained session lasts at most an hour: the provider renews it (handlers/shared/aws-deps.ts).
  let organizations: OrganizationsClient | undefined;
  const organizationsClient = (): OrganizationsClient => {
    if (!config.organizationId) throw new ConfigurationError('A backfill lists the organization\'s accounts: organizationId is not configured.');
    const roleArn = config.organizationsRoleArn;
    const sts = roleArn ? createClient(STSClient, { region: config.homeRegion }) : undefined;
    const sessions = new SessionCache(now);
    return (organizations ??= createClient(OrganizationsClient, {
      region: ORGANIZATIONS_REGION,
      ...(roleArn && sts ? { credentials: () => roleSession(sts, roleArn, { cache: sessions }) } : {}),
    }));
  };
  const fleet: FleetDeps = {
    start: { executions, status },
    running: executions,
    accounts: status,
    sweeps: new FleetSweepStore(doc, config.tableName, now),
    now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  return {
    ...fleet,
    backfillSweeps: new FleetSweepStore(doc, config.tableName, now, FLEET_BACKFILL_KEY),
    members: (under) => listOrganizationMembers(organizationsClient(), under),
  };
}
