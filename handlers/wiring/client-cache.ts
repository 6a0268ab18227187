/**
 * SDK clients kept for the life of the Lambda container: one per (client class, region, credential
 * set). Constructing a client resolves its configuration (credential and region providers, endpoint
 * rules, the middleware stack) and runs the client hooks (tracing): worth doing once, not per call.
 *
 * A credential set is named by its key: the session's access key id for the static credentials of an
 * assumed role (a renewed session has a new one, so it gets a new client), or a name the caller gives
 * a credential provider (which renews itself). The cache is bounded: beyond `max` clients the least
 * recently used one is dropped and destroyed (its sockets closed), so renewed sessions leak nothing.
 * A Lambda container runs one invocation at a time and a step uses a handful of clients in one, so
 * the dropped client is never one in use; one still referenced stays usable anyway (the SDK rebuilds
 * its handlers, the agent opens new sockets), as in the local simulation, where one module serves
 * many executions at once.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/best-practices.html (reuse clients)
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { createClient, type ClientOptions, type SdkClient } from '../shared/clients';

/** How many clients a container keeps by default. */
export const CLIENT_CACHE_SIZE = 50;

/** Credentials of a cached client: the default chain (the function's role), a session, or a named provider. */
export type CachedCredentials =
  | undefined
  | AwsCredentialIdentity
  | { readonly key: string; readonly provider: AwsCredentialIdentityProvider };

/** The cache key of a credential set. */
function credentialKey(credentials: CachedCredentials): string {
  if (credentials === undefined) return 'default';
  if ('provider' in credentials) return `provider:${credentials.key}`;
  return `session:${credentials.accessKeyId}`;
}

/** Bounded, least-recently-used cache of SDK clients. */
export class ClientCache {
  private readonly clients = new Map<string, SdkClient>();
  /** Client classes by identity (their names do not survive minification). */
  private readonly classIds = new Map<object, number>();

  constructor(
    private readonly max = CLIENT_CACHE_SIZE,
    private readonly create: <C extends SdkClient, Cfg extends object>(Ctor: new (config: Cfg) => C, options: ClientOptions) => C = createClient,
  ) {}

  /** The client of class `Ctor` in `region` with `credentials`, created on first use. */
  get<C extends SdkClient, Cfg extends object>(Ctor: new (config: Cfg) => C, region: string, credentials?: CachedCredentials): C {
    let id = this.classIds.get(Ctor);
    if (id === undefined) this.classIds.set(Ctor, (id = this.classIds.size));
    const key = `${id}|${region}|${credentialKey(credentials)}`;
    const hit = this.clients.get(key);
    if (hit) {
      // Most recently used last (a Map iterates in insertion order).
      this.clients.delete(key);
      this.clients.set(key, hit);
      return hit as C;
    }
    const client = this.create(Ctor, {
      region,
      ...(credentials === undefined ? {} : { credentials: 'provider' in credentials ? credentials.provider : credentials }),
    });
    this.clients.set(key, client);
    for (const [oldest, old] of this.clients) {
      if (this.clients.size <= this.max) break;
      this.clients.delete(oldest);
      old.destroy();
    }
    return client;
  }

  /** Clients held now. */
  get size(): number {
    return this.clients.size;
  }
}
