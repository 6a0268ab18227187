/**
 * Where the CLI's commands run: against AWS (the standard credential chain, `--profile`, `--region`,
 * the deployment configuration file and the orchestrator stack's outputs) or against the local
 * simulation (`--local`: a persistent simulated organization in `.onboard-local/`).
 * Both give the same ports, so every command is the same code in both places.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toOnboardingError } from '../handlers/adapters/aws-errors';
import { StatusStore } from '../handlers/adapters/status-store';
import { createClient } from '../handlers/shared/clients';
import { loadRuntimeConfig, parseRuntimeConfig, type RuntimeConfig } from '../handlers/shared/config';
import { ConfigurationError } from '../handlers/shared/errors';
import { createAwsDeps } from '../handlers/shared/aws-deps';
import { createStartDeps, STATE_MACHINE_ARN_ENV, type StartDeps } from '../handlers/start';
import type { RunningExecutionsPort } from '../handlers/start/fleet';
import type { StepDeps } from '../handlers/steps/deps';
import { STACK_IDS } from '../infra/names';
import { loadAppConfig, operatorReadRoleArn, orchestratorAccount, runtimeConfigOf, type AppConfig } from '../infra/config';
import { ORCHESTRATOR_OUTPUTS } from '../infra/names';

/** Global options every command takes. */
export interface GlobalOptions {
  readonly local?: boolean;
  readonly profile?: string;
  readonly region?: string;
  /** The deployment configuration file (the one `cdk deploy` used). Required unless `local`: see configFileOf. */
  readonly config?: string;
  readonly stateMachineArn?: string;
  readonly tableName?: string;
  /** Directory of the local simulation's state. */
  readonly stateDir?: string;
  /** With `local`: the role of the orchestrator account the CLI acts as (default its `Administrator`). */
  readonly as?: string;
}

/** What the commands use. */
export interface Backend {
  readonly mode: 'aws' | 'local';
  readonly config: RuntimeConfig;
  readonly start: StartDeps;
  readonly status: StatusStore;
  /** The steps' ports (reading the shared policies for `plan`). */
  stepDeps(): StepDeps;
  /** How often to poll a running execution. */
  readonly pollMs: number;
  /** Open executions by name prefix (the fleet start's concurrency cap). */
  readonly running: RunningExecutionsPort;
  /**
   * Organizations, for listing the organization (`start --all`, `plan --all`): in us-east-1, as the CLI's
   * credentials; locally as an administrator of the management account.
   */
  organizations(): OrganizationsClient;
  /** Finishes (local: waits for running executions, saves the simulation). */
  close(): Promise<void>;
}

/** The configuration file of the local simulation, which `--local` uses unless `--config` names another. */
export const LOCAL_DEFAULT_CONFIG = 'config/onboarding.sample.json';

/**
 * The configuration file the options name: `--config`; with `--local` and no `--config`, the sample.
 * Undefined against AWS without `--config`: there is no default there, since the sample would point a
 * real run at the sample's accounts, bucket and key.
 */
export function configFileOf(opts: Pick<GlobalOptions, 'local' | 'config'>): string | undefined {
  return opts.config ?? (opts.local ? LOCAL_DEFAULT_CONFIG : undefined);
}

/** Opens the backend the options name. */
export async function openBackend(opts: GlobalOptions): Promise<Backend> {
  const file = configFileOf(opts);
  if (file === undefined) throw new ConfigurationError('No deployment configuration: pass --config <file> (the file cdk deploy used).');
  const appConfig = loadAppConfig(file);
  return opts.local ? openLocal(opts, appConfig) : openAws(opts, appConfig);
}

/**
 * The steps' ports for reading only (`plan`): the log-archive account through the operators'
 * read-only role, which the LogArchive stack creates (the access role trusts only the steps' roles).
 */
function readOnlyStepDeps(config: RuntimeConfig, appConfig: AppConfig): StepDeps {
  return createAwsDeps({ ...config, logArchiveAccessRoleArn: operatorReadRoleArn(appConfig) });
}

function statusStore(config: RuntimeConfig): StatusStore {
  const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return new StatusStore(doc, config.tableName, () => new Date());
}

async function openAws(opts: GlobalOptions, appConfig: AppConfig): Promise<Backend> {
  // The SDK's standard credential chain reads AWS_PROFILE; --region overrides the home region.
  if (opts.profile) process.env.AWS_PROFILE = opts.profile;
  const region = opts.region ?? appConfig.homeRegion;
  let { stateMachineArn, tableName } = opts;
  if (!stateMachineArn || !tableName) {
    const outputs = await stackOutputs(region, STACK_IDS.orchestrator);
    stateMachineArn ??= outputs[ORCHESTRATOR_OUTPUTS.stateMachineArn];
    tableName ??= outputs[ORCHESTRATOR_OUTPUTS.tableName];
  }
  if (!stateMachineArn || !tableName) {
    throw new ConfigurationError(
      `Cannot find the state machine and the status table: stack ${STACK_IDS.orchestrator} in ${region} has no outputs ` +
        `${ORCHESTRATOR_OUTPUTS.stateMachineArn} / ${ORCHESTRATOR_OUTPUTS.tableName}. Deploy it, or pass --state-machine-arn and --table-name.`,
    );
  }
  const config = parseRuntimeConfig({ ...runtimeConfigOf(appConfig, tableName), homeRegion: region });
  const start = createStartDeps(config, stateMachineArn);
  return {
    mode: 'aws',
    config,
    start,
    status: statusStore(config),
    stepDeps: () => readOnlyStepDeps(config, appConfig),
    pollMs: 2000,
    running: start.executions,
    organizations: lazyOrganizations(),
    close: async () => undefined,
  };
}

/**
 * One Organizations client, made on first use. Organizations is a global service whose endpoint lives in
 * us-east-1 (https://docs.aws.amazon.com/general/latest/gr/ao.html).
 */
function lazyOrganizations(credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): () => OrganizationsClient {
  let client: OrganizationsClient | undefined;
  return () => (client ??= createClient(OrganizationsClient, { region: 'us-east-1', ...(credentials ? { credentials } : {}) }));
}

/**
 * Who the CLI acts as against the backend (STS GetCallerIdentity's ARN; for a role, the session's), for
 * the record of what it asks for (`offboard`'s reason). GetCallerIdentity needs no permission ("No
 * permissions are required to perform this operation"), so a read-only operator can run it too.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export async function callerArnOf(backend: Pick<Backend, 'config'>): Promise<string> {
  const sts = createClient(STSClient, { region: backend.config.homeRegion });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn) throw new ConfigurationError('STS GetCallerIdentity returned no ARN for the CLI\'s credentials.');
    return out.Arn;
  } catch (e) {
    throw toOnboardingError(e, { service: 'STS', operation: 'GetCallerIdentity', target: 'the CLI credentials' });
  } finally {
    sts.destroy();
  }
}

/** Outputs of a CloudFormation stack, by name. */
async function stackOutputs(region: string, stackName: string): Promise<Record<string, string>> {
  const cfn = createClient(CloudFormationClient, { region });
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (e) {
    throw toOnboardingError(e, { service: 'CloudFormation', operation: 'DescribeStacks', target: stackName });
  } finally {
    cfn.destroy();
  }
}

async function openLocal(opts: GlobalOptions, appConfig: AppConfig): Promise<Backend> {
  // Loaded only in local mode: the simulation and its dependencies are development tools.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openLocalSession } = require('../local/session') as typeof import('../local/session');
  if (opts.as !== undefined && !/^[\w+=,.@-]{1,64}$/.test(opts.as)) {
    throw new ConfigurationError(`--as: must be a role name of the orchestrator account (received ${JSON.stringify(opts.as)})`);
  }
  const session = await openLocalSession({
    dir: opts.stateDir ?? '.onboard-local',
    config: appConfig,
    ...(opts.as ? { principalArn: `arn:aws:sts::${orchestratorAccount(appConfig)}:assumed-role/${opts.as}/cli` } : {}),
  });
  // The session sets the environment the step functions have in Lambda (configuration, state machine).
  const config = loadRuntimeConfig();
  const stateMachineArn = process.env[STATE_MACHINE_ARN_ENV];
  if (!stateMachineArn) throw new ConfigurationError('The local session did not set STATE_MACHINE_ARN.');
  const start = createStartDeps(config, stateMachineArn);
  // The orchestrator's Administrator lists the organization when the orchestrator is the management
  // account; otherwise an administrator of the management account does (Organizations answers there only).
  const management = appConfig.managementAccountId;
  const orgCredentials =
    orchestratorAccount(appConfig) === management ? undefined : session.world.credentialsFor(`arn:aws:sts::${management}:assumed-role/Administrator/operator`);
  return {
    mode: 'local',
    config,
    start,
    status: statusStore(config),
    stepDeps: () => readOnlyStepDeps(config, appConfig),
    pollMs: 50,
    running: start.executions,
    organizations: lazyOrganizations(orgCredentials),
    close: () => session.close(),
  };
}
