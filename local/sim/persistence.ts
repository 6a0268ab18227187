/**
 * The simulated world as plain JSON, so that it outlives the process (the operator CLI's `--local`
 * mode keeps it in `.onboard-local/world.json`, see local/session.ts).
 *
 * `exportWorld` writes everything a later request can read: accounts (state, organization
 * membership), IAM roles (every field: id, creation date, path, trust policy text, description,
 * session duration, tags, attached and inline policies), buckets and their policies, the objects
 * CloudTrail delivered into them, KMS keys (policy, state, deletion date, aliases), trails (settings,
 * tags, event selectors, logging status and times) and CloudTrail's delivery schedule and latest
 * delivery outcomes (local/sim/delivery.ts), the Step Functions
 * executions with their history, and the switches that are still pending (injected faults, accounts
 * not ready yet, KMS propagation delays), EventBridge's buses, bus policies, rules and targets
 * (with the `dropNext` switches not spent yet), Organizations' OU tree, each account's parent, SCPs and
 * delegated administrators. Dates are ISO strings; policy documents are kept as the
 * exact text the service stores. Left out: the call log (`world.calls`, one process's requests) and,
 * unless asked for, the issued credentials (a new process issues its own).
 *
 * `importWorld` builds a `SimWorld` in that state. An execution saved while RUNNING cannot go on (its
 * run lived in the process that saved it): it comes back ABORTED, with an `ExecutionAborted` event,
 * and can be redriven like any aborted execution.
 *
 * The format is versioned (`version: 1`); another version is refused with an error that names the
 * file to delete. The DynamoDB status table is not part of it: dynalite keeps it in its own data
 * directory (`SimWorld.startDynamo({ path })`).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { PersistedAccount } from './accounts';
import type { PersistedTrail } from './cloudtrail';
import type { PersistedDeliveries } from './delivery';
import type { PersistedEvents } from './events';
import type { FaultSpec } from './faults';
import type { PersistedIam } from './iam';
import type { PersistedOrganizations } from './organizations';
import type { PersistedStacks } from './cloudformation';
import type { PersistedCredentials } from './identity';
import type { PersistedKms } from './kms';
import type { PersistedObject, SimBucket } from './s3';
import type { LogArchiveSeed } from './seeds';
import type { PersistedStepFunctions } from './sfn';
import { SimWorld } from './world';

/** The format version this code writes and reads. */
export const WORLD_STATE_VERSION = 1;

/** A saved world (format version 1). Plain JSON. */
export interface WorldState {
  readonly version: typeof WORLD_STATE_VERSION;
  /** When it was exported (ISO). */
  readonly savedAt: string;
  readonly partition: 'aws';
  readonly organization?: { readonly id: string; readonly managementAccountId: string };
  readonly iamPageSize: number;
  /** The seeded log archive (`world.logArchive`), the default of `canAccessLogs`. */
  readonly logArchive?: LogArchiveSeed;
  /** Every account, sorted by id, with `inOrganization`. */
  readonly accounts: PersistedAccount[];
  readonly iam: PersistedIam;
  readonly s3: {
    readonly buckets: SimBucket[];
    /** Bucket name -> objects CloudTrail delivered (absent in files written before deliveries were modelled). */
    readonly objects?: Record<string, PersistedObject[]>;
  };
  readonly kms: PersistedKms;
  readonly cloudtrail: {
    readonly trails: PersistedTrail[];
    /** Delivery schedules and outcomes (absent in files written before deliveries were modelled). */
    readonly deliveries?: PersistedDeliveries;
  };
  /** AssumeRole calls per account that still fail as "not ready yet" (`setAccountReadyAfter`). */
  readonly sts: { readonly notReady: Record<string, number> };
  /** Injected faults not yet spent (`times` = what is left). */
  readonly faults: FaultSpec[];
  readonly stepFunctions: PersistedStepFunctions;
  /** Attached SCPs, the OU tree and each account's OU (absent in files written before they were modelled; the tree absent: every account in the root). */
  readonly organizations?: PersistedOrganizations;
  /** Stacks deployed into the world (absent in files written before deploys were modelled). */
  readonly stacks?: PersistedStacks;
  /** EventBridge buses, rules and targets (absent in files written before EventBridge was modelled). */
  readonly events?: PersistedEvents;
  /** Only with `exportWorld(world, { includeCredentials: true })`: the unexpired issued keys. */
  readonly credentials?: PersistedCredentials;
}

/** Options of {@link exportWorld}. */
export interface ExportWorldOptions {
  /** Also export the issued credentials that have not expired (default false: a new process issues its own). */
  readonly includeCredentials?: boolean;
}

/** Options of {@link importWorld}. */
export interface ImportWorldOptions {
  /** Clock of the new world (default: the real clock). */
  readonly clock?: () => Date;
  /** Where the state was read from, named in errors (default `world state`). */
  readonly source?: string;
}

/** A saved world this code cannot read: another format version, or not a saved world at all. */
export class WorldStateError extends Error {
  override readonly name = 'WorldStateError';
  constructor(
    /** The file (or description) the state came from. */
    readonly source: string,
    message: string,
  ) {
    super(message);
  }
}

/** The world's state as plain JSON (`JSON.stringify` it as it is). */
export function exportWorld(world: SimWorld, options: ExportWorldOptions = {}): WorldState {
  return {
    version: WORLD_STATE_VERSION,
    savedAt: world.now().toISOString(),
    partition: world.partition as 'aws',
    ...(world.organization ? { organization: { id: world.organization.id, managementAccountId: world.organization.managementAccountId } } : {}),
    iamPageSize: world.iamPageSize,
    ...(world.logArchive ? { logArchive: { ...world.logArchive } } : {}),
    accounts: world.accounts.exportState(),
    iam: world.iam.exportState(),
    s3: { buckets: world.s3.exportState(), objects: world.s3.exportObjects() },
    kms: world.kms.exportState(),
    cloudtrail: { trails: world.cloudtrail.exportState(), deliveries: world.cloudtrail.exportDeliveries() },
    sts: world.sts.exportState(),
    faults: world.faults.exportState(),
    stepFunctions: world.stepFunctions.exportState(),
    organizations: world.organizations.exportState(),
    stacks: world.stacks.exportState(),
    events: world.events.exportState(),
    ...(options.includeCredentials ? { credentials: world.exportCredentials() } : {}),
  };
}

/**
 * A world in the saved state (parsed JSON of {@link exportWorld}). Throws {@link WorldStateError}
 * for another format version or something that is not a saved world.
 */
export function importWorld(state: unknown, options: ImportWorldOptions = {}): SimWorld {
  const source = options.source ?? 'world state';
  const s = checkWorldState(state, source);
  const world = new SimWorld({
    partition: s.partition,
    iamPageSize: s.iamPageSize,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(s.organization ? { organization: { ...s.organization, accounts: [] } } : {}),
  });
  world.accounts.importState(s.accounts);
  world.iam.importState(s.iam);
  world.s3.importState(s.s3.buckets, s.s3.objects);
  world.kms.importState(s.kms);
  world.cloudtrail.importState(s.cloudtrail.trails, s.cloudtrail.deliveries);
  world.sts.importState(s.sts);
  world.faults.importState(s.faults);
  world.stepFunctions.importState(s.stepFunctions, world.now());
  world.organizations.importState(s.organizations);
  world.stacks.importState(s.stacks);
  world.events.importState(s.events);
  if (s.logArchive) world.logArchive = { ...s.logArchive };
  if (s.credentials) world.importCredentials(s.credentials);
  return world;
}

/** Parses the text of a saved world (see {@link importWorld} for the errors). */
export function parseWorldState(text: string, source: string): WorldState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new WorldStateError(source, `${source} is not a saved local world (${(e as Error).message}). Delete ${source} to start a new simulated world.`);
  }
  return checkWorldState(parsed, source);
}

/** Reads and imports a saved world file. */
export function loadWorldFile(file: string, options: Omit<ImportWorldOptions, 'source'> = {}): SimWorld {
  return importWorld(parseWorldState(readFileSync(file, 'utf8'), file), { ...options, source: file });
}

/**
 * Writes a saved world atomically: to a temporary file next to it, then renamed over it, so a
 * reader (or a crash) never sees half a file.
 */
export function writeWorldFile(file: string, state: WorldState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function checkWorldState(state: unknown, source: string): WorldState {
  const s = state as Partial<WorldState> | null;
  const again = `Delete ${source} to start a new simulated world.`;
  if (!s || typeof s !== 'object' || Array.isArray(s)) {
    throw new WorldStateError(source, `${source} is not a saved local world (not a JSON object). ${again}`);
  }
  if (s.version !== WORLD_STATE_VERSION) {
    throw new WorldStateError(
      source,
      `${source} was saved in local world format version ${JSON.stringify(s.version ?? null)}; this version of the ` +
        `simulation reads version ${WORLD_STATE_VERSION} only. ${again}`,
    );
  }
  const missing = (['accounts', 'iam', 's3', 'kms', 'cloudtrail', 'sts', 'faults', 'stepFunctions'] as const).filter(
    (k) => !s[k] || typeof s[k] !== 'object',
  );
  if (missing.length > 0 || s.partition !== 'aws' || typeof s.iamPageSize !== 'number') {
    const what = missing.length > 0 ? `missing ${missing.join(', ')}` : 'invalid partition or iamPageSize';
    throw new WorldStateError(source, `${source} is not a complete saved local world (${what}). ${again}`);
  }
  return s as WorldState;
}
