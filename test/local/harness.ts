/**
 * Starts the local service for an end-to-end test file: the demo organization, the synthesized state
 * machine and the real handlers. One per test file (handler modules read their configuration once,
 * as in a Lambda container).
 */
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StatusStore } from '../../handlers/adapters/status-store';
import { createClient } from '../../handlers/shared/clients';
import { parseAppConfig } from '../../infra/config';
import { LOCAL_TABLE_NAME, LocalStepFunctions } from '../../local/runner';
import { createDemoWorld, DEMO, type SimWorld } from '../../local/sim';
import sample from '../../config/onboarding.sample.json';

export { DEMO };

/** A running local service. */
export interface Local {
  readonly world: SimWorld;
  readonly sfn: LocalStepFunctions;
  readonly status: StatusStore;
  /** Starts an execution and waits for its end. */
  run(input: unknown, name?: string): ReturnType<LocalStepFunctions['startExecution']>['result'];
  stop(): Promise<void>;
}

/** Options of {@link startLocal}. */
export interface StartLocalOptions {
  /** Member accounts added to the demo organization (with OrganizationAccountAccessRole). */
  readonly extraMembers?: string[];
  /** Keys that replace the base configuration's. */
  readonly config?: Record<string, unknown>;
  /** The base configuration. Default config/onboarding.sample.json. */
  readonly baseConfig?: Record<string, unknown>;
  /** Changes the synthesized templates before they are deployed into the world. */
  readonly transformTemplates?: (templates: Record<string, Record<string, unknown>>) => void;
  /** The world's clock. */
  readonly clock?: () => Date;
  /** Changes the world before anything is deployed into it (a key policy another team left, ...). */
  readonly prepareWorld?: (world: SimWorld) => void;
  /**
   * Lose every "AWS API Call via CloudTrail" event (EventBridge's best effort at its worst), so no
   * change starts a reconcile run by itself: for tests that start their runs themselves.
   */
  readonly loseApiCallEvents?: boolean;
  /**
   * The world to deploy into instead of a new demo organization (e.g. one a previous deployment left,
   * read back with local/sim/persistence.ts importWorld): the stacks are deployed over what it holds.
   */
  readonly world?: SimWorld;
}

/** Starts the demo organization with optional extra member accounts and config overrides. */
export async function startLocal(opts: StartLocalOptions = {}): Promise<Local> {
  const config = parseAppConfig({ ...(opts.baseConfig ?? sample), ...opts.config }, 'test configuration');
  const world = opts.world ?? createDemoWorld({ existingLogArchive: !config.logBucket.create, ...(opts.clock ? { clock: opts.clock } : {}) });
  for (const id of opts.extraMembers ?? []) {
    world.accounts.add({ id, name: `member-${id}`, state: 'ACTIVE' }, true, world.now());
    world.seedMember(id);
  }
  opts.prepareWorld?.(world);
  const sfn = await LocalStepFunctions.start({
    world,
    config,
    retryDelayMs: 1,
    ...(opts.transformTemplates ? { transformTemplates: opts.transformTemplates } : {}),
  });
  const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion }));
  const status = new StatusStore(doc, LOCAL_TABLE_NAME, () => new Date());
  world.resetCalls();
  if (opts.loseApiCallEvents) world.events.dropNext(Number.MAX_SAFE_INTEGER, { detailType: 'AWS API Call via CloudTrail' });
  return {
    world,
    sfn,
    status,
    run: (input, name) => sfn.startExecution(input, name).result,
    stop: () => sfn.stop(),
  };
}

/** Write calls to AWS services and to the status table since the last reset. */
export function writes(world: SimWorld): string[] {
  return world.writeCalls().map((c) => `${c.service}:${c.operation}`);
}

/** Write calls to AWS services since the last reset, the status table left out. */
export function awsWrites(world: SimWorld): string[] {
  return world
    .writeCalls()
    .filter((c) => c.service !== 'dynamodb')
    .map((c) => `${c.service}:${c.operation}`);
}

/** The resources of one account in a snapshot, with the account id replaced, for comparisons. */
export function accountResources(world: SimWorld, accountId: string): unknown {
  const snap = world.snapshot();
  const mine = (arn: string) => arn.includes(accountId);
  const pick = <T>(rec: Record<string, T>) => Object.fromEntries(Object.entries(rec).filter(([k]) => mine(k)));
  const text = JSON.stringify({ roles: pick(snap.roles), trails: pick(snap.trails) });
  return JSON.parse(text.split(accountId).join('<account>'));
}

export const SAMPLE_CONFIG_PATH = path.join(__dirname, '../../config/onboarding.sample.json');
