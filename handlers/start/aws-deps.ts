/**
 * Builds the real {@link StartDeps}: an SFNClient in the state machine's region and the status
 * table, through `createClient` (so the local simulation can stand in for AWS). Built once per
 * Lambda container (and once per CLI run).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StepFunctionsAdapter } from '../adapters/sfn';
import { StatusStore } from '../adapters/status-store';
import { createClient, type HttpTimeouts } from '../shared/clients';
import type { RuntimeConfig } from '../shared/config';
import { ConfigurationError } from '../shared/errors';
import type { StartDeps } from './deps';

/** Environment variable that carries the onboarding state machine's ARN. */
export const STATE_MACHINE_ARN_ENV = 'STATE_MACHINE_ARN';

const STATE_MACHINE_ARN = /^arn:[a-z-]+:states:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):stateMachine:[A-Za-z0-9_-]{1,80}$/;

/** Reads and checks `STATE_MACHINE_ARN`. */
export function loadStateMachineArn(env: NodeJS.ProcessEnv = process.env): string {
  const arn = env[STATE_MACHINE_ARN_ENV];
  if (!arn) throw new ConfigurationError(`${STATE_MACHINE_ARN_ENV} is not set`);
  if (!STATE_MACHINE_ARN.test(arn)) {
    throw new ConfigurationError(
      `${STATE_MACHINE_ARN_ENV} is ${JSON.stringify(arn.slice(0, 200))}; expected arn:<partition>:states:<region>:<account>:stateMachine:<name>`,
    );
  }
  return arn;
}

/** The region in a state machine ARN (checked by `loadStateMachineArn`). */
export function regionOfStateMachine(stateMachineArn: string): string {
  const m = STATE_MACHINE_ARN.exec(stateMachineArn);
  if (!m) throw new ConfigurationError(`${stateMachineArn} is not a state machine ARN`);
  return m[1];
}

/**
 * The start paths' dependencies. The SFN client uses the state machine's own region: the
 * Organizations event arrives in us-east-1, where the event function may run, while the state
 * machine lives in the home region. `http` bounds every attempt of both clients (the API's time
 * budget); default: the SDK's limits (none).
 */
export function createStartDeps(
  config: RuntimeConfig,
  stateMachineArn: string,
  now: () => Date = () => new Date(),
  http?: HttpTimeouts,
): StartDeps & { readonly status: StatusStore; readonly executions: StepFunctionsAdapter } {
  const limits = http ? { requestHandler: http } : {};
  const sfn = createClient(SFNClient, { region: regionOfStateMachine(stateMachineArn), ...limits });
  const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion, ...limits }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    executions: new StepFunctionsAdapter(sfn, stateMachineArn),
    status: new StatusStore(doc, config.tableName, now),
  };
}
