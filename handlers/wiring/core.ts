/**
 * The dependencies of one step function, composed from what that step uses (issue 15): every entry
 * (handlers/<step>/index.ts) names its ports, and each port's factory (handlers/wiring/<service>.ts)
 * imports only its own SDK client, so a step's bundle holds only the clients it calls. What every step
 * has: the configuration, the status table and its leases (DynamoDB), the clock and the timer.
 *
 * A port the entry does not name fails when it is called, by name ({@link StepNotWired}), never by
 * doing something else: a step that starts using a port its entry does not wire fails its first run
 * (the local end-to-end tests run the real entries), not silently.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeaseLock } from '../adapters/lease-lock';
import { StatusStore } from '../adapters/status-store';
import { createClient } from '../shared/clients';
import type { RuntimeConfig } from '../shared/config';
import type { StepDeps } from '../steps/deps';
import { ClientCache } from './client-cache';

/** The ports a step function wires for itself: every member of {@link StepDeps} but those every step has. */
export type PortName = Exclude<keyof StepDeps, 'config' | 'status' | 'lock' | 'now' | 'sleep'>;

/** Every port, once (the compiler checks the list against {@link StepDeps}). */
const PORTS: Record<PortName, true> = {
  describeAccount: true,
  accountPath: true,
  memberRoles: true,
  memberTrails: true,
  memberChangeRules: true,
  logArchiveRoles: true,
  organization: true,
  organizationTrails: true,
  bucketPolicy: true,
  logFiles: true,
  keyPolicy: true,
  keyState: true,
  resolveKeyArn: true,
};

/** Every port name. */
export const PORT_NAMES = Object.keys(PORTS) as PortName[];

/** What a port's factory is given: one per step function, i.e. per Lambda container. */
export interface Wiring {
  readonly config: RuntimeConfig;
  /** The home region (the region of every client but Organizations' and a trail read in its own home region). */
  readonly region: string;
  readonly now: () => Date;
  /** The container's SDK clients (handlers/wiring/client-cache.ts). */
  readonly clients: ClientCache;
}

/** Builds one port from the wiring. */
export type PortFactory<K extends PortName> = (w: Wiring) => StepDeps[K];

/** The ports an entry wires, by name. */
export type PortFactories = { readonly [K in PortName]?: PortFactory<K> };

/**
 * A port the step function does not wire was called: its entry (handlers/<step>/index.ts) must name
 * it. A deployment defect, not a condition of the account: no retry helps.
 */
export class StepNotWired extends Error {
  override readonly name = 'StepNotWired' as const;

  constructor(
    readonly port: string,
    readonly step: string,
  ) {
    super(`${step} called the ${port} port, which its Lambda entry does not wire: add ${port} to the ports its handlers/<step>/index.ts passes to stepDeps.`);
  }
}

/** A port that throws {@link StepNotWired} when called. */
function notWired(port: PortName, step: string): () => Promise<never> {
  return async () => {
    throw new StepNotWired(port, step);
  };
}

/** Every port but `wired`, each failing by name when called. */
export function unwiredPorts(step: string, wired: readonly string[]): Partial<Pick<StepDeps, PortName>> {
  return Object.fromEntries(PORT_NAMES.filter((name) => !wired.includes(name)).map((name) => [name, notWired(name, step)]));
}

/** Options of {@link stepDeps} (tests and the local simulation use the defaults). */
export interface StepDepsOptions {
  readonly now?: () => Date;
  readonly clients?: ClientCache;
}

/**
 * The dependencies of `step`: the common part, the ports in `ports`, and every other port failing by
 * name. Built once per container (module scope of the entry).
 */
export function stepDeps(step: string, config: RuntimeConfig, ports: PortFactories, options: StepDepsOptions = {}): StepDeps {
  const now = options.now ?? (() => new Date());
  const w: Wiring = { config, region: config.homeRegion, now, clients: options.clients ?? new ClientCache() };
  // Held for the container's life (outside the bounded cache, which would otherwise evict it in a step that does not use it).
  const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: w.region }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const named = Object.entries(ports).filter(([, factory]) => factory !== undefined) as [PortName, PortFactory<PortName>][];
  const wired = Object.fromEntries(named.map(([name, factory]) => [name, factory(w)]));
  return {
    ...(unwiredPorts(step, named.map(([name]) => name)) as Pick<StepDeps, PortName>),
    ...wired,
    config,
    status: new StatusStore(doc, config.tableName, now),
    lock: new LeaseLock(doc, config.tableName, now),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now,
  };
}
