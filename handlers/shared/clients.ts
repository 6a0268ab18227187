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

/** Options common to every client. */
export interface ClientOptions {
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
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
