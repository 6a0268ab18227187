/**
 * `npm run sim`: tampering as a person would. Sends one operation to the local simulation (the
 * session `onboard --local` keeps in `.onboard-local/`) through the real SDK client of the service,
 * signed with the credentials of an account's administrator, and prints the operation's output:
 *
 * ```
 * npm run -s sim -- --as 444455556666 cloudtrail StopLogging '{"Name":"org-member-trail"}'
 * ```
 *
 * The request takes the path every other request of the simulation takes (createClient, the
 * simulation's middleware, world.dispatch): identity policies, SCPs and resource policies are
 * evaluated, the call is logged, and the change is saved with the session.
 *
 * Exit codes: 0 the operation succeeded; 1 AWS refused it (its error name and message are printed)
 * or the session could not be used; 2 bad usage (an unknown service, operation or account, input
 * that is not a JSON object, an operation the simulation does not implement).
 */
import { Command, CommanderError, Option } from 'commander';
import type { Io } from '../cli/format';
import { configFileOf, LOCAL_DEFAULT_CONFIG } from '../cli/context';
import { createClient, type SdkClient } from '../handlers/shared/clients';
import { isOnboardingError, ErrorKind } from '../handlers/shared/errors';
import { InvalidConfiguration, loadAppConfig } from '../infra/config';
import { DEFAULT_LOCAL_DIR, openLocalSession } from './session';
import { ADMINISTRATOR_ROLE, ORGANIZATION_ACCESS_ROLE } from './sim/seeds';
import type { SimServiceImpl } from './sim/service';
import type { SimWorld } from './sim/world';

/** Exit codes (the same as the operator CLI's). */
export const SIM_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Session name of the administrator's credentials (the last part of the assumed-role ARN). */
export const SIM_SESSION_NAME = 'sim';

/** An SDK module: the client class and one `<Operation>Command` class per operation. */
type SdkModule = Record<string, unknown>;

/** A simulated service: its client package and class, and how to load it (only when used). */
interface ServiceEntry {
  readonly packageName: string;
  readonly clientName: string;
  readonly load: () => Promise<SdkModule>;
  /** The world's implementation of the service. */
  readonly impl: (world: SimWorld) => SimServiceImpl;
}

/** The services the simulation implements, by the short name the command takes. */
export const SIM_SERVICES = {
  iam: { packageName: '@aws-sdk/client-iam', clientName: 'IAMClient', load: () => import('@aws-sdk/client-iam'), impl: (w) => w.iam },
  s3: { packageName: '@aws-sdk/client-s3', clientName: 'S3Client', load: () => import('@aws-sdk/client-s3'), impl: (w) => w.s3 },
  kms: { packageName: '@aws-sdk/client-kms', clientName: 'KMSClient', load: () => import('@aws-sdk/client-kms'), impl: (w) => w.kms },
  cloudtrail: { packageName: '@aws-sdk/client-cloudtrail', clientName: 'CloudTrailClient', load: () => import('@aws-sdk/client-cloudtrail'), impl: (w) => w.cloudtrail },
  sts: { packageName: '@aws-sdk/client-sts', clientName: 'STSClient', load: () => import('@aws-sdk/client-sts'), impl: (w) => w.sts },
  organizations: {
    packageName: '@aws-sdk/client-organizations',
    clientName: 'OrganizationsClient',
    load: () => import('@aws-sdk/client-organizations'),
    impl: (w) => w.organizations,
  },
  events: { packageName: '@aws-sdk/client-eventbridge', clientName: 'EventBridgeClient', load: () => import('@aws-sdk/client-eventbridge'), impl: (w) => w.events },
} as const satisfies Record<string, ServiceEntry>;

/** A short service name the command takes. */
export type SimServiceName = keyof typeof SIM_SERVICES;

/** Names of the usage errors (exit 2). */
export const SIM_USAGE_ERRORS = {
  unknownService: 'UnknownService',
  unknownOperation: 'UnknownOperation',
  invalidInput: 'InvalidInput',
  invalidAccountId: 'InvalidAccountId',
  unknownAccount: 'UnknownAccount',
  invalidRoleName: 'InvalidRoleName',
  noAdministratorRole: 'NoAdministratorRole',
  operationNotSimulated: 'OperationNotSimulated',
} as const;

/** The command was used wrongly: printed as `error: <name>: <message>`, exit 2. */
export class SimUsageError extends Error {
  constructor(
    override readonly name: (typeof SIM_USAGE_ERRORS)[keyof typeof SIM_USAGE_ERRORS],
    message: string,
  ) {
    super(message);
  }
}

/** Options of the command. */
interface SimOptions {
  readonly as: string;
  readonly role?: string;
  readonly region?: string;
  readonly config?: string;
  readonly stateDir: string;
}

const HELP_AFTER = `
The account's administrator: its ${ADMINISTRATOR_ROLE} role when the account has one (the
management, log-archive and security-tooling accounts of the demo organization), else its
${ORGANIZATION_ACCESS_ROLE} (every member account). --role names another role of the account.
The request is signed with a session of that role (assumed-role/<role>/${SIM_SESSION_NAME}) and authorized
as any other request of the simulation.

Services (client packages):
${Object.entries(SIM_SERVICES)
  .map(([k, v]) => `  ${k.padEnd(14)}${v.packageName}`)
  .join('\n')}
The input has the SDK's shape (a policy is a JSON string inside it); the output is the SDK's
output without $metadata, as JSON (dates in ISO 8601, binary fields in base64).

Example:
  npm run -s sim -- --as 444455556666 cloudtrail StopLogging '{"Name":"org-member-trail"}'`;

/** Runs `sim` with `argv` (without `node` and the script). Returns the exit code. */
export async function runSim(argv: readonly string[], io: Io): Promise<number> {
  let code: number = SIM_EXIT.ok;
  const program = new Command('sim')
    .description('Send one AWS operation to the local simulation as an account administrator would, through the real SDK client.')
    .argument('<service>', `one of ${Object.keys(SIM_SERVICES).join(', ')}`)
    .argument('<operation>', 'the SDK operation, e.g. StopLogging (the client package exports <operation>Command)')
    .argument('[input]', 'the operation input as a JSON object', '{}')
    .requiredOption('--as <account-id>', "act as this account's administrator (see below)")
    .option('--role <name>', "act as this role of the account instead of its administrator")
    .option('--region <region>', 'region of the client (default: the configuration home region)')
    .option('--config <file>', `deployment configuration file (default: ${LOCAL_DEFAULT_CONFIG})`)
    .addOption(new Option('--state-dir <dir>', 'directory of the local simulation state (the one onboard --local uses)').default(DEFAULT_LOCAL_DIR))
    .addHelpText('after', HELP_AFTER)
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .showHelpAfterError()
    .action(async (service: string, operation: string, inputText: string, o: SimOptions) => {
      code = await send(service, operation, inputText, o, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    code = exitCodeOf(e, io);
  }
  return code;
}

/** Checks what can be checked without the session, opens it, sends the request, prints the answer. */
async function send(serviceName: string, operation: string, inputText: string, o: SimOptions, io: Io): Promise<number> {
  const service = serviceEntry(serviceName);
  const sdk = await service.load();
  const Command = commandClass(sdk, serviceName, operation);
  const input = parseInput(inputText);
  const accountId = o.as;
  if (!/^\d{12}$/.test(accountId)) throw new SimUsageError(SIM_USAGE_ERRORS.invalidAccountId, `--as: an account id has 12 digits (received ${JSON.stringify(accountId)})`);
  if (o.role !== undefined && !/^[\w+=,.@-]{1,64}$/.test(o.role)) {
    throw new SimUsageError(SIM_USAGE_ERRORS.invalidRoleName, `--role: must be a role name (received ${JSON.stringify(o.role)})`);
  }
  const appConfig = loadAppConfig(configFileOf({ local: true, ...(o.config !== undefined ? { config: o.config } : {}) })!);
  const region = o.region ?? appConfig.homeRegion;

  // Opening the session synthesizes the app and starts the local runner: usage is checked before.
  const session = await openLocalSession({ dir: o.stateDir, config: appConfig });
  let client: SdkClient | undefined;
  try {
    const world = session.world;
    const role = administratorRole(world, accountId, o.role);
    const simulated = service.impl(world).operations;
    if (!Object.prototype.hasOwnProperty.call(simulated, operation)) {
      throw new SimUsageError(
        SIM_USAGE_ERRORS.operationNotSimulated,
        `The local simulation does not implement ${serviceName} ${operation} (it implements ${Object.keys(simulated).sort().join(', ')}).`,
      );
    }
    const credentials = world.credentialsFor(`arn:${world.partition}:sts::${accountId}:assumed-role/${role}/${SIM_SESSION_NAME}`);
    const Client = sdk[service.clientName] as new (config: object) => SdkClient & { send(command: unknown): Promise<Record<string, unknown>> };
    const c = createClient(Client, { region, credentials });
    client = c;
    let output: Record<string, unknown>;
    try {
      output = await c.send(new Command(input));
    } catch (e) {
      if (!isAwsError(e)) throw e;
      io.err(`error: ${e.name}: ${e.message}`);
      return SIM_EXIT.failed;
    }
    const { $metadata: _metadata, ...rest } = output;
    io.out(JSON.stringify(rest, jsonReplacer, 2));
    return SIM_EXIT.ok;
  } finally {
    client?.destroy();
    await session.close();
  }
}

/** The service of a short name, or UnknownService. */
function serviceEntry(name: string): ServiceEntry {
  if (Object.prototype.hasOwnProperty.call(SIM_SERVICES, name)) return SIM_SERVICES[name as SimServiceName];
  const lower = name.toLowerCase();
  const hint = Object.prototype.hasOwnProperty.call(SIM_SERVICES, lower) ? ` Did you mean ${lower}?` : '';
  throw new SimUsageError(SIM_USAGE_ERRORS.unknownService, `Unknown service ${JSON.stringify(name)}: one of ${Object.keys(SIM_SERVICES).join(', ')}.${hint}`);
}

/** The `<operation>Command` class the client package exports, or UnknownOperation (naming a near spelling). */
function commandClass(sdk: SdkModule, serviceName: string, operation: string): new (input: object) => unknown {
  const exportName = `${operation}Command`;
  const found = /^[A-Z][A-Za-z0-9]*$/.test(operation) && Object.prototype.hasOwnProperty.call(sdk, exportName) ? sdk[exportName] : undefined;
  if (typeof found === 'function') return found as new (input: object) => unknown;
  const key = (s: string) => s.replace(/[-_\s]/g, '').toLowerCase();
  const near = Object.keys(sdk).find((k) => k.endsWith('Command') && k !== 'Command' && key(k.slice(0, -'Command'.length)) === key(operation));
  const hint = near ? ` Did you mean ${near.slice(0, -'Command'.length)}?` : '';
  throw new SimUsageError(SIM_USAGE_ERRORS.unknownOperation, `Unknown ${serviceName} operation ${JSON.stringify(operation)}: ${SIM_SERVICES[serviceName as SimServiceName].packageName} has no ${exportName}.${hint}`);
}

/** The operation input: a JSON object, or InvalidInput. */
function parseInput(text: string): object {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SimUsageError(SIM_USAGE_ERRORS.invalidInput, `The input is not JSON (${(e as Error).message}): ${text}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SimUsageError(SIM_USAGE_ERRORS.invalidInput, `The input must be a JSON object of the operation's parameters (received ${text})`);
  }
  return value;
}

/**
 * The role that stands for the account's administrator: `Administrator` where the account has one
 * (the accounts people sign in to directly), else `OrganizationAccountAccessRole` (what an
 * administrator of the management account uses in a member account); `--role` names another.
 */
function administratorRole(world: SimWorld, accountId: string, requested: string | undefined): string {
  if (!world.accounts.has(accountId)) {
    throw new SimUsageError(
      SIM_USAGE_ERRORS.unknownAccount,
      `--as: account ${accountId} is not in the local simulation (its accounts: ${world.accounts.list().map((a) => a.id).join(', ')}).`,
    );
  }
  const candidates = requested !== undefined ? [requested] : [ADMINISTRATOR_ROLE, ORGANIZATION_ACCESS_ROLE];
  const role = candidates.find((name) => world.iam.getRole(accountId, name) !== undefined);
  if (role === undefined) {
    throw new SimUsageError(SIM_USAGE_ERRORS.noAdministratorRole, `Account ${accountId} has no role ${candidates.join(' or ')} to act as${requested === undefined ? ' (name one with --role)' : ''}.`);
  }
  return role;
}

/** An exception the SDK produced for an AWS error response (the simulation throws the same classes). */
function isAwsError(e: unknown): e is Error & { $metadata: object } {
  return e instanceof Error && typeof (e as { $metadata?: unknown }).$metadata === 'object' && '$fault' in e;
}

/** JSON of an SDK output: binary fields as base64 (as the AWS CLI prints them); dates become ISO strings by themselves. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}

/** Prints an error and gives its exit code. */
function exitCodeOf(e: unknown, io: Io): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? SIM_EXIT.ok : SIM_EXIT.usage;
  if (e instanceof SimUsageError || e instanceof InvalidConfiguration) {
    io.err(`error: ${e.name}: ${e.message}`);
    return SIM_EXIT.usage;
  }
  if (isOnboardingError(e)) {
    io.err(`error: ${e.name}: ${e.message}`);
    return e.kind === ErrorKind.Validation ? SIM_EXIT.usage : SIM_EXIT.failed;
  }
  const err = e as Error;
  io.err(`error: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`);
  return SIM_EXIT.failed;
}

/** The binary: runs the command on the process's arguments and sets the exit code. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  runSim(argv, { out: (s) => console.log(s), err: (s) => console.error(s) }).then(
    (c) => {
      process.exitCode = c;
    },
    (e) => {
      console.error(e);
      process.exitCode = SIM_EXIT.failed;
    },
  );
}
