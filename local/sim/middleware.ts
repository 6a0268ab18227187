/**
 * The SDK middleware that puts the simulated AWS behind every real SDK client.
 *
 * It sits in the `finalizeRequest` step after the SDK's retry middleware and before its signer: the SDK
 * resolves the endpoint and the caller's identity, serializes, retries and classifies errors exactly as
 * against AWS, and only signing and the transport are replaced. The caller is the identity the SDK
 * selected to sign with (what AWS authenticates); a signature would add nothing the simulation reads,
 * and SigV4 was 7 % of a simulated burst's CPU. It returns the operation's output directly (no
 * deserialization) or throws the exception the SDK's deserializer would have produced. DynamoDB
 * requests continue, signed, to dynalite.
 */
import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  FinalizeHandlerOutput,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  MiddlewareStack,
  Pluggable,
} from '@aws-sdk/types';
import type { ClientHook } from '../../handlers/shared/clients';
import type { SimService } from './errors';

/**
 * What the middleware routes: the simulated services (errors.ts) and Step Functions, which the world
 * answers with the local runner (sfn.ts).
 */
export type RoutedService = SimService | 'sfn';

/** One SDK request handed to the simulated AWS. */
export interface SdkRequest {
  readonly service: RoutedService;
  /** Operation name without `Command`. */
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly accessKeyId: string;
  readonly region: string;
  /** DynamoDB only: sends the request on to dynalite. */
  readonly passThrough?: () => Promise<FinalizeHandlerOutput<object>>;
}

/** The answer to a non-pass-through request. */
export interface SdkAnswer {
  readonly output: object;
  readonly statusCode: number;
}

/** What the middleware needs from the world. */
export interface SimDispatcher {
  /** Handles one request; throws the SDK exception of a failed call. */
  dispatch(request: SdkRequest): Promise<SdkAnswer | FinalizeHandlerOutput<object>>;
  /** Where DynamoDB requests are sent (dynalite), or undefined when it is not running. */
  dynamoEndpoint(): URL | undefined;
}

const BY_CLIENT_NAME: Record<string, RoutedService> = {
  IAMClient: 'iam',
  S3Client: 's3',
  KMSClient: 'kms',
  CloudTrailClient: 'cloudtrail',
  STSClient: 'sts',
  OrganizationsClient: 'organizations',
  DynamoDBClient: 'dynamodb',
  DynamoDBDocumentClient: 'dynamodb',
  SFNClient: 'sfn',
  EventBridgeClient: 'events',
};

const BY_SERVICE_ID: Record<string, RoutedService> = {
  IAM: 'iam',
  S3: 's3',
  KMS: 'kms',
  CloudTrail: 'cloudtrail',
  STS: 'sts',
  Organizations: 'organizations',
  DynamoDB: 'dynamodb',
  SFN: 'sfn',
  EventBridge: 'events',
};

/** The resolved client configuration the middleware reads. */
interface ResolvedConfig {
  credentials?: () => Promise<{ accessKeyId: string }>;
  region?: string | (() => Promise<string>);
  serviceId?: string;
}

/** Middleware name; registering twice on one client replaces the first. */
export const MIDDLEWARE_NAME = 'simulatedAws';

/** The SDK's signer (@smithy/core `httpSigningMiddleware`, in `finalizeRequest` right after `retryMiddleware`). */
const SIGNING_MIDDLEWARE = 'httpSigningMiddleware';

/** The identity the SDK selected to sign this request with (its auth scheme middleware, in `serialize`). */
function signingIdentity(context: HandlerExecutionContext): { accessKeyId: string } | undefined {
  const smithy = (context as { '__smithy_context'?: { selectedHttpAuthScheme?: { identity?: { accessKeyId?: unknown } } } }).__smithy_context;
  const id = smithy?.selectedHttpAuthScheme?.identity?.accessKeyId;
  return typeof id === 'string' ? { accessKeyId: id } : undefined;
}

/** Builds the ClientHook that attaches the simulated AWS to every client created afterwards. */
export function createSimulationHook(dispatcher: SimDispatcher): ClientHook {
  return (client) => {
    const config = client.config as ResolvedConfig;
    widenDynamoSockets(client);
    const middleware: FinalizeRequestMiddleware<object, object> =
      (next: FinalizeHandler<object, object>, context: HandlerExecutionContext) =>
      async (args: FinalizeHandlerArguments<object>): Promise<FinalizeHandlerOutput<object>> => {
        const service = BY_CLIENT_NAME[context.clientName ?? ''] ?? BY_SERVICE_ID[config.serviceId ?? ''];
        // Never let a request of an unsimulated service leave the process.
        if (!service) throw new Error(`The simulated AWS does not implement ${context.clientName ?? config.serviceId ?? 'this client'}`);
        const credentials = signingIdentity(context) ?? (config.credentials ? await config.credentials() : undefined);
        const region = typeof config.region === 'function' ? await config.region() : (config.region ?? '');
        const request: SdkRequest = {
          service,
          operation: (context.commandName ?? 'UnknownCommand').replace(/Command$/, ''),
          input: (args.input ?? {}) as Record<string, unknown>,
          accessKeyId: credentials?.accessKeyId ?? '',
          region,
          ...(service === 'dynamodb' ? { passThrough: () => next(redirectToDynalite(args, dispatcher.dynamoEndpoint())) } : {}),
        };
        const answer = await dispatcher.dispatch(request);
        if ('statusCode' in answer && !('response' in answer)) {
          return { output: answer.output, response: { statusCode: answer.statusCode, headers: {}, body: undefined } };
        }
        return answer as FinalizeHandlerOutput<object>;
      };
    const plugin: Pluggable<object, object> = {
      applyToStack(stack: MiddlewareStack<object, object>) {
        stack.addRelativeTo(middleware, { relation: 'before', toMiddleware: SIGNING_MIDDLEWARE, name: MIDDLEWARE_NAME, override: true });
      },
    };
    client.middlewareStack.use(plugin);
  };
}

/** Sockets one local DynamoDB client may open (the SDK's default is 50). */
const LOCAL_DYNAMO_MAX_SOCKETS = 1024;

/**
 * DynamoDB requests really go over HTTP, to dynalite. In AWS each Lambda container has its own client
 * and its own 50 sockets; in the simulation one process stands for every container, and one module's
 * client serves them all, so the SDK's default cap queues requests that AWS would send at once (and
 * warns "socket usage at capacity=50"). The client gets a handler of the same class with a larger pool.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html
 */
function widenDynamoSockets(client: { config: unknown }): void {
  type Handler = { constructor: new (options: object) => Handler };
  const config = client.config as { serviceId?: string; requestHandler?: Handler };
  if (config.serviceId !== 'DynamoDB' || !config.requestHandler) return;
  config.requestHandler = new config.requestHandler.constructor({ httpAgent: { maxSockets: LOCAL_DYNAMO_MAX_SOCKETS } });
}

/** Points a signed DynamoDB request at dynalite (the signature is not checked there). */
function redirectToDynalite(args: FinalizeHandlerArguments<object>, endpoint: URL | undefined): FinalizeHandlerArguments<object> {
  if (!endpoint) throw new Error('DynamoDB is not running in the simulated world: call world.startDynamo() first');
  const request = args.request as { protocol?: string; hostname?: string; port?: number };
  request.protocol = endpoint.protocol;
  request.hostname = endpoint.hostname;
  request.port = Number(endpoint.port);
  return args;
}
