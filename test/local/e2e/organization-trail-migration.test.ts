/**
 * From per-account trails to the organization trail, end to end on the simulated clock, over three
 * deployments of the app into the same world (each the previous one's state, as the CLI's local mode
 * keeps it, and the status table as it left it):
 * 1. `trailMode` `account`: accounts A and B onboarded, each with its per-account trail delivering.
 * 2. `trailMode` `organization` with `migrateAccountTrails: true`, right after the switch: the first runs
 *    create the organization trail and keep both per-account trails (the organization trail has
 *    delivered nothing yet: `waiting`); ten minutes later A's run finds A's files under the organization
 *    prefix and deletes A's trail (`removed`).
 * 3. `migrateAccountTrails: false` again: B's run leaves B's per-account trail as it is, although the
 *    organization trail delivers B's logs too.
 * Throughout, every account's log files keep arriving: from its first file to the end, never more
 * than CloudTrail's delivery interval between two (from either trail).
 *
 * The handler modules read their configuration once, at load (as in a Lambda container), so the first
 * two deployments run in isolated module registries of their own.
 */
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { parsePolicy } from '../../../handlers/domain/policy-document';
import { createClient } from '../../../handlers/shared/clients';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import sample from '../../../config/onboarding.sample.json';
import { LOG_DELIVERY_INTERVAL_MS } from '../../../local/sim/delivery';
import { importWorld, type WorldState } from '../../../local/sim/persistence';
import type { SimWorld } from '../../../local/sim/world';
import { DEMO, startLocal, type Local } from '../harness';

const [A, B] = DEMO.memberAccountIds;
const ORG = 'o-a1b2c3d4e5';
const MGMT = DEMO.managementAccountId;
const ORG_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/cloudtrail-onboarding-org`;
const accountTrail = (account: string) => `arn:aws:cloudtrail:eu-west-1:${account}:trail/org-member-trail`;
const MINUTE = 60_000;
const LA = DEMO.logArchiveAccountId;

/** The world's clock runs ahead of real time by this much; every phase moves it on. */
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

/** What a deployment left: the world's state and the status table's items. */
interface Left {
  readonly state: WorldState;
  readonly items: Record<string, unknown>[];
}

/** What the phases saw, for the tests below. */
const seen: Record<string, unknown> = {};

/** The status table's items (read with the management account's credentials: the orchestrator's account). */
async function tableItems(world: SimWorld): Promise<Record<string, unknown>[]> {
  const ddb = createClient(DynamoDBClient, { region: DEMO.region, credentials: world.credentialsFor(`arn:aws:iam::${MGMT}:root`) });
  try {
    return (await ddb.send(new ScanCommand({ TableName: 'onboarding-status' }))).Items ?? [];
  } finally {
    ddb.destroy();
  }
}

/** Runs one account and fails the phase unless it succeeds. */
async function onboard(local: Pick<Local, 'run'>, account: string, name: string): Promise<void> {
  const r = await local.run({ accountId: account }, name);
  if (r.status !== 'SUCCEEDED') throw new Error(`${name}: ${r.status} ${r.error} ${r.cause}`);
}

/** Which trails exist in an account (by ARN). */
function trailsIn(world: SimWorld, account: string): string[] {
  return world.cloudtrail.list().filter((t) => t.accountId === account).map((t) => t.arn);
}

/** The accounts the service's per-account statements of both shared policies list (the management account is the organization trail's). */
function perAccountGrants(world: SimWorld): { bucket: string[]; key: string[] } {
  const config = parseRuntimeConfig(runtimeConfigOf(parseAppConfig({ ...sample, trailMode: 'organization' }, 'test'), 'onboarding-status'));
  const dest = logDestinationFromConfig(config);
  const members = (ids: string[]) => ids.filter((id) => id !== MGMT);
  return {
    bucket: members(accountsInBucketPolicy(parsePolicy(world.s3.getBucket(DEMO.bucketName)?.policy, 'bucket policy'), dest)),
    key: members(accountsInKeyPolicy(parsePolicy(world.kms.resolve(DEMO.keyArn, LA, DEMO.region)?.policy, 'key policy'), dest)),
  };
}

/** Deploys the app with `config` into `from` (a new demo world when absent) in an isolated module registry; `act` runs there. */
async function isolatedDeployment(config: Record<string, unknown>, from: Left | undefined, act: (local: Local) => Promise<void>): Promise<Left> {
  let left: Left | undefined;
  await jest.isolateModulesAsync(async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const h = require('../harness') as typeof import('../harness');
    const persistence = require('../../../local/sim/persistence') as typeof import('../../../local/sim/persistence');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const local = await h.startLocal({ config, clock, loseApiCallEvents: true, ...(from ? { world: persistence.importWorld(from.state, { clock }) } : {}) });
    try {
      if (from) await restoreItems(local.world, from.items);
      await act(local);
      await local.world.cloudtrail.deliver();
      left = { state: JSON.parse(JSON.stringify(persistence.exportWorld(local.world))) as WorldState, items: await tableItems(local.world) };
    } finally {
      await local.stop();
    }
  });
  return left!;
}

/** Puts the status table's items back, as the previous deployment left them. */
async function restoreItems(world: SimWorld, items: Record<string, unknown>[]): Promise<void> {
  const ddb = createClient(DynamoDBClient, { region: DEMO.region, credentials: world.credentialsFor(`arn:aws:iam::${MGMT}:root`) });
  try {
    for (const Item of items) await ddb.send(new PutItemCommand({ TableName: 'onboarding-status', Item: Item as never }));
  } finally {
    ddb.destroy();
  }
}

let local: Local;

beforeAll(async () => {
  // ---- 1. account mode: A and B with their per-account trails, delivering.
  const accountMode = await isolatedDeployment({}, undefined, async (l) => {
    await onboard(l, A, `onboard-${A}`);
    await onboard(l, B, `onboard-${B}`);
    offsetMs += 12 * MINUTE;
  });

  // ---- 2. organization mode, migrating: right after the switch, and ten minutes later.
  const migrating = await isolatedDeployment({ trailMode: 'organization', migrateAccountTrails: true }, accountMode, async (l) => {
    await onboard(l, A, `switch-${A}`);
    await onboard(l, B, `switch-${B}`);
    seen.afterSwitch = {
      trails: { A: trailsIn(l.world, A), B: trailsIn(l.world, B) },
      organizationTrails: l.world.cloudtrail.organizationTrails().map((t) => t.arn),
      records: { A: (await l.status.getAccount(A))?.accountTrail?.migration, B: (await l.status.getAccount(B))?.accountTrail?.migration },
    };
    l.world.resetCalls();
    await onboard(l, A, `rerun-${A}`);
    seen.rerunBeforeDelivery = l.world.writeCalls().filter((c) => c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}`);

    offsetMs += 10 * MINUTE;
    l.world.resetCalls();
    await onboard(l, A, `migrate-${A}`);
    seen.migrated = {
      writes: l.world.writeCalls().filter((c) => c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}:${c.accountId}`),
      trails: { A: trailsIn(l.world, A), B: trailsIn(l.world, B) },
      record: (await l.status.getAccount(A))?.accountTrail,
      perAccountGrants: perAccountGrants(l.world),
    };
    l.world.resetCalls();
    await onboard(l, A, `again-${A}`);
    seen.againWrites = l.world.writeCalls().map((c) => `${c.service}:${c.operation}`);
    offsetMs += 10 * MINUTE;
  });

  // ---- 3. migrateAccountTrails false: B's per-account trail stays.
  local = await startLocal({ config: { trailMode: 'organization' }, clock, loseApiCallEvents: true, world: importWorld(migrating.state, { clock }) });
  await restoreItems(local.world, migrating.items);
  local.world.resetCalls();
  await onboard(local, B, `keep-${B}`);
  seen.keepWrites = local.world.writeCalls().filter((c) => c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}`);
  seen.keepCallsInB = local.world.calls.filter((c) => c.service === 'cloudtrail' && c.accountId === B).map((c) => c.operation);
  offsetMs += 15 * MINUTE;
  await local.world.cloudtrail.deliver();
}, 180_000);
afterAll(() => local?.stop());

describe('switching to the organization trail with migrateAccountTrails', () => {
  it('right after the switch, the organization trail exists and both per-account trails are kept: it has delivered nothing yet', () => {
    expect(seen.afterSwitch).toEqual({
      trails: { A: [accountTrail(A)], B: [accountTrail(B)] },
      organizationTrails: [ORG_TRAIL],
      records: { A: 'waiting', B: 'waiting' },
    });
  });

  it('a re-run before the first delivery writes nothing', () => {
    expect(seen.rerunBeforeDelivery).toEqual([]);
  });

  it("once A's files arrive under the organization prefix, A's run deletes A's trail, then A's per-account grants, and records it", () => {
    expect(seen.migrated).toEqual({
      // The trail first, then its grants: no delivery is left failing.
      writes: [`cloudtrail:DeleteTrail:${A}`, `s3:PutBucketPolicy:${LA}`, `kms:PutKeyPolicy:${LA}`],
      trails: { A: [], B: [accountTrail(B)] },
      perAccountGrants: { bucket: [B], key: [B] },
      record: { migration: 'removed', detail: expect.stringMatching(new RegExp(`^The per-account trail ${accountTrail(A)} was deleted: the organization trail delivers the account's logs \\(cloudtrail/AWSLogs/${ORG}/${A}/CloudTrail/`)) },
    });
  });

  it('a run after the removal writes nothing, not even the status item', () => {
    expect(seen.againWrites).toEqual([]);
  });
});

describe('without migrateAccountTrails', () => {
  it("B's run leaves B's per-account trail as it is, and does not even read it", async () => {
    expect(seen.keepWrites).toEqual([]);
    expect(seen.keepCallsInB).toEqual([]);
    expect(trailsIn(local.world, B)).toEqual([accountTrail(B)]);
    // No migration any more: the status item no longer says one is waiting.
    expect(await local.status.getAccount(B)).toMatchObject({ status: 'ONBOARDED', trailArn: ORG_TRAIL });
    expect((await local.status.getAccount(B))?.accountTrail).toBeUndefined();
  });
});

describe('through every switch', () => {
  it.each([
    ['A', A],
    ['B', B],
  ])("%s's log files keep arriving: never more than the delivery interval between two, from the first to the end", async (_name, account) => {
    const files = await local.world.cloudtrail.deliveredFiles({ accountId: account, kind: 'log' });
    const times = files.map((f) => f.deliveredAt.getTime());
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(LOG_DELIVERY_INTERVAL_MS);
    expect(local.world.now().getTime() - times[times.length - 1]!).toBeLessThanOrEqual(LOG_DELIVERY_INTERVAL_MS);
    // Both trails delivered the account's files at some point.
    expect(new Set(files.map((f) => f.trailArn))).toEqual(new Set([accountTrail(account), ORG_TRAIL]));
  });

  it("A's per-account trail delivered nothing after its deletion; B's still delivers", async () => {
    const last = async (account: string) =>
      (await local.world.cloudtrail.deliveredFiles({ accountId: account, kind: 'log', trailArn: accountTrail(account) })).at(-1)!.deliveredAt.getTime();
    expect(local.world.now().getTime() - (await last(A))).toBeGreaterThan(20 * MINUTE);
    expect(local.world.now().getTime() - (await last(B))).toBeLessThanOrEqual(LOG_DELIVERY_INTERVAL_MS);
  });
});
