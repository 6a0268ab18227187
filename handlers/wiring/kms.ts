/** The KMS ports: the central key's policy and state, and its ARN (config `keyArn` may be an alias ARN). */
import { KMSClient } from '@aws-sdk/client-kms';
import { KeyPolicyAdapter } from '../adapters/kms';
import { parseArn } from '../domain/arns';
import type { PortFactory, Wiring } from './core';
import { sessionsOf } from './sessions';

/** `arn` when it is a KMS key ARN (`...:key/<id>`), undefined for an alias ARN. */
function keyArnOf(arn: string): string | undefined {
  const a = parseArn(arn);
  return a?.service === 'kms' && a.resource.startsWith('key/') ? arn : undefined;
}

/** The log-archive account's KMS client (the key is in the home region). */
async function kms(w: Wiring): Promise<KMSClient> {
  return w.clients.get(KMSClient, w.region, await sessionsOf(w).logArchive());
}

const resolvers = new WeakMap<Wiring, () => Promise<string>>();

/** The key's ARN, resolved once per wiring (a failed resolution is tried again on the next call). */
function resolverOf(w: Wiring): () => Promise<string> {
  let resolve = resolvers.get(w);
  if (resolve) return resolve;
  // A key ARN is used as it is; only an alias is resolved, through the log-archive role.
  const configured = keyArnOf(w.config.keyArn);
  let pending: Promise<string> | undefined;
  resolve = () =>
    configured
      ? Promise.resolve(configured)
      : (pending ??= (async () => new KeyPolicyAdapter(await kms(w), w.config.keyArn).resolveKeyArn())().catch((e) => {
          pending = undefined;
          throw e;
        }));
  resolvers.set(w, resolve);
  return resolve;
}

export const resolveKeyArn: PortFactory<'resolveKeyArn'> = (w) => resolverOf(w);

export const keyPolicy: PortFactory<'keyPolicy'> = (w) => async () => new KeyPolicyAdapter(await kms(w), await resolverOf(w)());

export const keyState: PortFactory<'keyState'> = (w) => async () => new KeyPolicyAdapter(await kms(w), await resolverOf(w)());
