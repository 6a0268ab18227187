/**
 * The one place SDK clients are constructed. In Lambda this is plain `new XClient(config)` with low
 * SDK retries (the state machine owns retrying, so the two must not multiply). The local simulation
 * registers a hook here that attaches its middleware to every client: the adapters and handlers are
 * the same code in both places, only the client's transport differs.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

/** Anything with a middleware stack, i.e. every SDK v3 client. */
export interface SdkClient {
  middlewareStack: { use(plugin: unknown): void };
  config: unknown;
  destroy(): void;
}

/** Called with each new client; the local simulation uses it to attach its middleware. */
export type ClientHook = (client: SdkClient) => void;

const hooks: ClientHook[] = [];

/** Registers a hook applied to every client created afterwards. Used only by local/. */
export function registerClientHook(hook: ClientHook): () => void {
  hooks.push(hook);
  return () => {
    const i = hooks.indexOf(hook);
    if (i >= 0) hooks.splice(i, 1);
  };
}

/**
 * SDK-level attempts per call. Two: one quick retry of a dropped connection or a throttle inside the
 * Lambda invocation; anything longer is the state machine's Retry with back-off and jitter.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const SDK_MAX_ATTEMPTS = 2;

/**
 * Time limits of each HTTP attempt, given to the client as its `requestHandler` options (the SDK's
 * Node.js handler, @smithy/node-http-handler). Both default to 0, no limit: an attempt on a stalled
 * connection waits until the invocation ends. Without `throwOnRequestTimeout` a breached
 * `requestTimeout` is only logged; with it the attempt fails with `TimeoutError`, which the SDK retries
 * (within {@link SDK_MAX_ATTEMPTS}).
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html (the options shorthand)
 * https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-smithy-node-http-handler
 */
export interface HttpTimeouts {
  /** Milliseconds to establish the connection. */
  readonly connectionTimeout: number;
  /** Milliseconds for the whole request and response. */
  readonly requestTimeout: number;
  readonly throwOnRequestTimeout: true;
}

/** Options common to every client. */
export interface ClientOptions {
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Time limits of each attempt; default: the SDK's (none). */
  requestHandler?: HttpTimeouts;
}

/** Builds a client of the given class with our defaults and any registered hooks. */
export function createClient<C extends SdkClient, Cfg extends object>(
  Ctor: new (config: Cfg) => C,
  options: ClientOptions,
): C {
  const client = new Ctor({ maxAttempts: SDK_MAX_ATTEMPTS, ...options } as unknown as Cfg);
  for (const hook of hooks) hook(client);
  return client;
}
