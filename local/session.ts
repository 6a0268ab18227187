/**
 * A local session: the simulated organization (local/sim) and the local Step Functions runner
 * (local/runner.ts), kept in a directory so that it outlives the process. The operator CLI's
 * `--local` mode opens one per invocation: `onboard start 444455556666 --local` in one process,
 * `onboard status 444455556666 --local` in the next sees what the first did.
 *
 * ```ts
 * const session = await openLocalSession({ config });        // .onboard-local/ in the working directory
 * try {
 *   // SDK clients made with createClient now talk to the simulated AWS (the runner set the
 *   // environment the step functions have in Lambda: configuration, STATE_MACHINE_ARN, credentials).
 * } finally {
 *   await session.close();                                   // waits for running executions, saves
 * }
 * ```
 *
 * The directory:
 * ```
 * <dir>/world.json     the simulated world (local/sim/persistence.ts), written atomically
 * <dir>/dynamo/        dynalite's LevelDB data: the status table
 * <dir>/session.lock   pid of the process that has the session open (one process at a time)
 * ```
 * world.json and dynamo/ belong together: without world.json the session starts a new world
 * (`createDemoWorld()`) and drops dynamo/ too, so deleting world.json (or the directory, or
 * `fresh: true`) resets everything.
 *
 * Executions run in this process. `close()` waits until every running execution has settled, then
 * saves: a command that returns at once (the CLI's `--no-wait`) prints the execution, and the
 * process then finishes it before it exits. The world is also saved shortly after each execution
 * starts and ends, so a process killed mid-run loses little: an execution saved while RUNNING comes
 * back ABORTED (redrivable) in the next session.
 *
 * One session per process at a time. Handler modules are loaded once per process and keep the SDK
 * clients they made; every client is attached to one forwarding hook that sends requests to the
 * world of the session open now, and the issued credentials carry over from one session to the
 * next in the same process, so a second session (same configuration, e.g. in a test) serves those
 * clients too.
 */
import './polyfills';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AppConfig } from '../infra/config';
import { LocalStepFunctions, type HistoryEvent, type LocalExecution, type RunnerWorld } from './runner';
import { createDemoWorld } from './sim/demo-world';
import type { PersistedCredentials } from './sim/identity';
import { createSimulationHook, type SimDispatcher } from './sim/middleware';
import { exportWorld, loadWorldFile, writeWorldFile } from './sim/persistence';
import type { SimWorld } from './sim/world';

/** Default directory of the local session (relative to the working directory). */
export const DEFAULT_LOCAL_DIR = '.onboard-local';

/** The files of a session directory. */
export interface LocalSessionPaths {
  /** The directory, absolute. */
  readonly dir: string;
  /** `<dir>/world.json`: the saved world. */
  readonly world: string;
  /** `<dir>/dynamo`: dynalite's data (the status table). */
  readonly dynamo: string;
  /** `<dir>/session.lock`: the pid of the process that has the session open. */
  readonly lock: string;
}

/** The files of the session directory `dir`. */
export function localSessionPaths(dir: string = DEFAULT_LOCAL_DIR): LocalSessionPaths {
  const abs = path.resolve(dir);
  return { dir: abs, world: path.join(abs, 'world.json'), dynamo: path.join(abs, 'dynamo'), lock: path.join(abs, 'session.lock') };
}

/** Options of {@link openLocalSession}. */
export interface LocalSessionOptions {
  /** The session directory. Default `.onboard-local` in the working directory. */
  readonly dir?: string;
  /** The deployment configuration the local state machine is synthesized from. */
  readonly config: AppConfig;
  /** Start a new world: deletes what the directory holds first. */
  readonly fresh?: boolean;
  /** Milliseconds a Retry waits locally (the runner's `retryDelayMs`; default 5). */
  readonly retryDelayMs?: number;
  /** Every history event of every execution (progress output). */
  readonly onEvent?: (executionName: string, event: HistoryEvent) => void;
  /** Who code outside a function (the CLI) acts as. Default: the orchestrator account's Administrator role. */
  readonly principalArn?: string;
  /**
   * On SIGINT/SIGTERM: abort the running executions, close (save) and exit with 128 + the signal
   * number; a second signal exits at once. Default false (the process's own handling applies).
   */
  readonly handleSignals?: boolean;
}

/** An open local session. */
export interface LocalSession {
  readonly world: SimWorld;
  readonly runner: LocalStepFunctions;
  /** The session directory, absolute. */
  readonly dir: string;
  readonly paths: LocalSessionPaths;
  /** True when this session started a new world (no world.json, or `fresh`). */
  readonly created: boolean;
  /** Writes world.json now (atomically). */
  save(): Promise<void>;
  /** Aborts every running execution (they settle ABORTED, redrivable); returns how many. */
  abortRunning(): number;
  /**
   * Waits until no execution is running, saves world.json, stops dynalite and releases the
   * directory. Idempotent. The session cannot be used afterwards.
   */
  close(): Promise<void>;
}

/** The session directory is in use, or a session is already open in this process. */
export class LocalSessionBusyError extends Error {
  override readonly name = 'LocalSessionBusyError';
}

// ---------------------------------------------------------------------------- process-wide state

/** The world of the session open now: what the forwarding hook sends requests to. */
let currentWorld: SimWorld | undefined;
/** The directory of the session open (or opening) in this process. */
let openDir: string | undefined;
/** Credentials issued by the last closed session of this process (clients may have cached them). */
let carriedCredentials: PersistedCredentials | undefined;

const forwarder: SimDispatcher = {
  dispatch(request) {
    if (!currentWorld) throw new Error('No local session is open: the simulated AWS has been closed (openLocalSession first)');
    return currentWorld.dispatch(request);
  },
  dynamoEndpoint() {
    return currentWorld?.dynamoEndpoint();
  },
};

/** The one hook every SDK client of the process is attached to by a session (through the runner). */
const forwardingHook = createSimulationHook(forwarder);

// ---------------------------------------------------------------------------- open

/**
 * Opens the session in `dir`: loads `<dir>/world.json` (or starts `createDemoWorld()`), starts the
 * local runner with the status table in `<dir>/dynamo`, and takes the directory's lock. Throws
 * `LocalSessionBusyError` when another process has it open, and the persistence's
 * `WorldStateError` (naming the file to delete) for a world.json it cannot read.
 */
export async function openLocalSession(options: LocalSessionOptions): Promise<LocalSession> {
  const paths = localSessionPaths(options.dir ?? DEFAULT_LOCAL_DIR);
  if (openDir !== undefined) {
    throw new LocalSessionBusyError(`A local session (${openDir}) is already open in this process; close it before opening ${paths.dir}.`);
  }
  openDir = paths.dir;
  let world: SimWorld | undefined;
  let runner: LocalStepFunctions | undefined;
  let locked = false;
  try {
    mkdirSync(paths.dir, { recursive: true });
    acquireLock(paths);
    locked = true;
    if (options.fresh) {
      for (const entry of readdirSync(paths.dir)) if (entry !== path.basename(paths.lock)) rmSync(path.join(paths.dir, entry), { recursive: true, force: true });
    }
    const created = !existsSync(paths.world);
    if (created) {
      // The status table belongs to the world of world.json: a new world starts with a new table.
      rmSync(paths.dynamo, { recursive: true, force: true });
      world = createDemoWorld({ existingLogArchive: !options.config.logBucket.create });
    } else {
      world = loadWorldFile(paths.world);
    }
    // Before this world issues any key: clients of an earlier session of this process keep theirs.
    if (carriedCredentials) world.importCredentials(carriedCredentials);
    currentWorld = world;
    const w = world;
    const runnerWorld: RunnerWorld = {
      hook: forwardingHook,
      credentialsFor: (arn) => w.credentialsFor(arn),
      environmentCredentials: () => w.environmentCredentials(),
      setAmbientPrincipal: (arn) => w.setAmbientPrincipal(arn),
      deployStack: (d) => w.deployStack(d),
      organizationMemberAccounts: () => w.organizationMemberAccounts(),
      onLambdaTarget: (h) => w.onLambdaTarget(h),
      startDynamo: (o) => w.startDynamo(o),
      stop: () => w.stop(),
      attachStepFunctions: (backend) => w.attachStepFunctions(backend),
    };
    runner = await LocalStepFunctions.start({
      world: runnerWorld,
      config: options.config,
      ...(options.principalArn ? { principalArn: options.principalArn } : {}),
      dynamoPath: paths.dynamo,
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const session = new Session(world, runner, paths, created);
    if (created) await session.save(); // world.json and dynamo/ exist together from now on
    if (options.handleSignals) session.handleSignals();
    return session;
  } catch (e) {
    if (world && currentWorld === world) currentWorld = undefined;
    await (runner ?? world)?.stop().catch(() => undefined);
    if (locked) releaseLock(paths);
    openDir = undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------- the session

/** Autosaves are coalesced: at most one per this many milliseconds. */
const AUTOSAVE_DELAY_MS = 100;

class Session implements LocalSession {
  readonly dir: string;
  private readonly runs = new Set<LocalExecution>();
  private autosaveTimer?: NodeJS.Timeout;
  private closing?: Promise<void>;
  private removeSignalHandlers?: () => void;

  constructor(
    readonly world: SimWorld,
    readonly runner: LocalStepFunctions,
    readonly paths: LocalSessionPaths,
    readonly created: boolean,
  ) {
    this.dir = paths.dir;
    // Registered after the world's own listener: the execution is recorded when this one runs.
    runner.onExecutionStarted((run) => {
      this.runs.add(run);
      this.scheduleSave();
      const done = () => {
        this.runs.delete(run);
        this.scheduleSave();
      };
      run.result.then(done, done);
    });
  }

  async save(): Promise<void> {
    this.saveNow();
  }

  abortRunning(): number {
    let n = 0;
    for (const run of this.runs) {
      if (this.world.stepFunctions.get(run.executionArn)?.status !== 'RUNNING') continue;
      run.abort();
      n += 1;
    }
    return n;
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  /** See `LocalSessionOptions.handleSignals`. */
  handleSignals(): void {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      const code = 128 + (signal === 'SIGINT' ? 2 : 15);
      if (signalled) process.exit(code);
      signalled = true;
      this.abortRunning();
      this.close().then(
        () => process.exit(code),
        () => process.exit(code),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    this.removeSignalHandlers = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }

  private async doClose(): Promise<void> {
    try {
      // A redrive started while waiting runs too: wait until nothing runs.
      while (this.world.stepFunctions.list().some((x) => x.status === 'RUNNING')) await this.world.stepFunctions.idle();
      // Invocations abandoned by a failed Parallel still finish (and release their leases) first.
      await this.runner.drain();
      this.saveNow();
    } finally {
      clearTimeout(this.autosaveTimer);
      this.autosaveTimer = undefined;
      carriedCredentials = this.world.exportCredentials();
      try {
        await this.runner.stop();
      } finally {
        if (currentWorld === this.world) currentWorld = undefined;
        this.removeSignalHandlers?.();
        releaseLock(this.paths);
        if (openDir === this.paths.dir) openDir = undefined;
      }
    }
  }

  private saveNow(): void {
    writeWorldFile(this.paths.world, exportWorld(this.world));
  }

  /** Saves soon (coalesced); a failure is left to the next save (close saves and throws). */
  private scheduleSave(): void {
    if (this.closing || this.autosaveTimer) return;
    this.autosaveTimer = setTimeout(() => {
      this.autosaveTimer = undefined;
      if (this.closing) return;
      try {
        this.saveNow();
      } catch {
        // close() saves again and reports a lasting failure.
      }
    }, AUTOSAVE_DELAY_MS);
    this.autosaveTimer.unref();
  }
}

// ---------------------------------------------------------------------------- the directory lock

/** Takes `<dir>/session.lock` (created exclusively); a lock whose process is gone is taken over. */
function acquireLock(paths: LocalSessionPaths): void {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(paths.lock, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }) + '\n', { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = lockHolder(paths.lock);
    if (holder !== undefined && holder !== process.pid && processAlive(holder)) {
      throw new LocalSessionBusyError(
        `The local session in ${paths.dir} is in use by process ${holder} (an onboarding started there may still be running). ` +
          `Wait for it to finish, or stop it, and try again.`,
      );
    }
    // Left by a process that is gone (or by this one, with no session open): stale.
    rmSync(paths.lock, { force: true });
  }
  throw new LocalSessionBusyError(`Could not take the lock ${paths.lock}; try again.`);
}

function releaseLock(paths: LocalSessionPaths): void {
  if (lockHolder(paths.lock) === process.pid) rmSync(paths.lock, { force: true });
}

function lockHolder(file: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
