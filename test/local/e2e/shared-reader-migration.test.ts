/**
 * From per-account reader roles to the shared one, end to end. First deployment (per-account mode):
 * the account is onboarded and reads its logs with its own role; IAM's role quota refuses the next
 * reader role with LimitExceeded. Then the configuration is switched to readerAccess "shared" with
 * removePerAccountRoles and the app deployed again over the same world (the first deployment's state,
 * read back as the CLI's local mode keeps it), and the account re-run: it can read at every point
 * (before, after the shared role is verified and before its own role goes, after), its role is gone at
 * the end, and a second run writes nothing.
 *
 * The handler modules read their configuration once, at load (as in a Lambda container), so the first
 * deployment runs in an isolated module registry of its own.
 */
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createClient } from '../../../handlers/shared/clients';
import { importWorld, type WorldState } from '../../../local/sim/persistence';
import { DEMO, startLocal, type Local } from '../harness';
import { assumeRole, logReader, ownTag, principalCredentials, sharedRoleArn, type SessionCredentials } from './reader-access';

const LA = DEMO.logArchiveAccountId;
const [M, Q] = DEMO.memberAccountIds;
const KEY = DEMO.keyArn;
const perAccountRole = `arn:aws:iam::${LA}:role/CloudTrailLogReader-${M}`;
const ADMIN_M = `arn:aws:sts::${M}:assumed-role/OrganizationAccountAccessRole/admin`;

type Can = { list: string; get: string; decrypt: string };
const READS: Can = { list: 'ok', get: 'ok', decrypt: 'ok' };

/** What the first deployment left, and what was seen there. */
let before: { state: WorldState; items: Record<string, unknown>[]; object: string; readsWithOwnRole: Can; quota: { status: string; error?: string; cause?: string } };
let local: Local;

/** Can the account's administrator read its logs through this role (with its own tag for the shared one)? */
async function canRead(l: Local, roleArn: string, object: string): Promise<Can | string> {
  let session: SessionCredentials;
  try {
    session = await assumeRole(principalCredentials(l.world, ADMIN_M), { RoleArn: roleArn, ...(roleArn === sharedRoleArn ? { Tags: ownTag(M) } : {}) });
  } catch (e) {
    return `AssumeRole: ${(e as Error).name}`;
  }
  const reader = logReader(l.world, session, KEY);
  try {
    return await reader.can(M, object);
  } finally {
    reader.destroy();
  }
}

beforeAll(async () => {
  // ---- the first deployment: per-account reader roles
  await jest.isolateModulesAsync(async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const h = require('../harness') as typeof import('../harness');
    const access = require('./reader-access') as typeof import('./reader-access');
    const persistence = require('../../../local/sim/persistence') as typeof import('../../../local/sim/persistence');
    const clients = require('../../../handlers/shared/clients') as typeof import('../../../handlers/shared/clients');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const first = await h.startLocal({ loseApiCallEvents: true });
    try {
      const r = await first.run({ accountId: M }, `onboard-${M}`);
      if (r.status !== 'SUCCEEDED') throw new Error(`first onboarding: ${r.status} ${r.error} ${r.cause}`);
      const object = access.putLogFile(first.world, M, KEY);
      const session = await access.assumeRole(access.principalCredentials(first.world, ADMIN_M), { RoleArn: perAccountRole });
      const reader = access.logReader(first.world, session, KEY);
      const readsWithOwnRole = await reader.can(M, object);
      reader.destroy();
      // IAM's quota: one role more than the account has now is one too many.
      first.world.iamRolesPerAccount = first.world.iam.rolesOf(LA).length;
      const refused = await first.run({ accountId: Q }, `onboard-${Q}`);
      first.world.iamRolesPerAccount = 1000;
      const ddb = clients.createClient(DynamoDBClient, { region: DEMO.region, credentials: first.world.credentialsFor(`arn:aws:iam::${DEMO.managementAccountId}:root`) });
      const items = (await ddb.send(new ScanCommand({ TableName: 'onboarding-status' }))).Items ?? [];
      ddb.destroy();
      before = {
        state: JSON.parse(JSON.stringify(persistence.exportWorld(first.world))) as WorldState,
        items,
        object,
        readsWithOwnRole,
        quota: { status: refused.status, ...(refused.error ? { error: refused.error } : {}), ...(refused.cause ? { cause: refused.cause } : {}) },
      };
    } finally {
      await first.stop();
    }
  });

  // ---- the configuration switched, the app deployed again over the same accounts
  local = await startLocal({
    world: importWorld(before.state),
    config: { readerAccess: { mode: 'shared', removePerAccountRoles: true } },
    loseApiCallEvents: true,
  });
  // The status table as the first deployment left it.
  const ddb = createClient(DynamoDBClient, { region: DEMO.region, credentials: local.world.credentialsFor(`arn:aws:iam::${DEMO.managementAccountId}:root`) });
  for (const Item of before.items) await ddb.send(new PutItemCommand({ TableName: 'onboarding-status', Item: Item as never }));
  ddb.destroy();
}, 120_000);
afterAll(() => local?.stop());

describe('per-account reader roles (the first deployment)', () => {
  it('the account reads its own logs with its own role', () => {
    expect(before.readsWithOwnRole).toEqual(READS);
  });

  it('past the account\'s role quota, IAM refuses the next reader role with LimitExceeded, and the onboarding fails naming the quota', () => {
    expect(before.quota.status).toBe('FAILED');
    expect(before.quota.error).toBe('PolicyTooLarge');
    expect(before.quota.cause).toMatch(/CreateRole.*Cannot exceed quota for RolesPerAccount/);
  });
});

describe('switching to the shared reader role with removePerAccountRoles', () => {
  let atDeletion: { own: Can | string; shared: Can | string } | undefined;

  it('the account still reads with its own role after the redeploy, before any run; the shared role works too', async () => {
    expect(local.world.iam.roleByArn(perAccountRole)).toBeDefined();
    expect(await canRead(local, perAccountRole, before.object)).toEqual(READS);
    expect(await canRead(local, sharedRoleArn, before.object)).toEqual(READS);
    expect((await local.status.getAccount(M))?.readerRoleArn).toBe(perAccountRole);
  });

  it('a re-run verifies the shared role, only then deletes the per-account role, and records the shared role', async () => {
    // At the first deletion call, see what the account can read (the deletion has not happened yet).
    const ops = local.world.iam.operations as unknown as Record<string, (call: unknown) => unknown>;
    const original = ops.DeleteRolePolicy!;
    ops.DeleteRolePolicy = async (call: unknown) => {
      atDeletion ??= { own: await canRead(local, perAccountRole, before.object), shared: await canRead(local, sharedRoleArn, before.object) };
      return original(call);
    };
    local.world.resetCalls();
    let r;
    try {
      r = await local.run({ accountId: M }, `reconcile-${M}-apply-migrate`);
    } finally {
      ops.DeleteRolePolicy = original;
    }
    expect({ status: r.status, error: r.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(atDeletion).toEqual({ own: READS, shared: READS });

    const iamInLogArchive = local.world.calls.filter((c) => c.service === 'iam' && c.accountId === LA && c.step === 'EnsureReaderRole').map((c) => `${c.operation} ${String((c.input as { RoleName?: string }).RoleName)}`);
    const firstDeletion = iamInLogArchive.findIndex((c) => c.startsWith('Delete'));
    expect(iamInLogArchive.slice(0, firstDeletion)).toEqual(expect.arrayContaining(['GetRole CloudTrailOnboarding-LogReader', 'GetRolePolicy CloudTrailOnboarding-LogReader']));
    expect(iamInLogArchive.slice(firstDeletion)).toEqual([`DeleteRolePolicy CloudTrailLogReader-${M}`, `DeleteRole CloudTrailLogReader-${M}`]);

    expect(local.world.iam.roleByArn(perAccountRole)).toBeUndefined();
    expect((await local.status.getAccount(M))?.readerRoleArn).toBe(sharedRoleArn);
  });

  it('afterwards the account reads through the shared role; its own role is gone', async () => {
    expect(await canRead(local, sharedRoleArn, before.object)).toEqual(READS);
    expect(await canRead(local, perAccountRole, before.object)).toBe('AssumeRole: AccessDenied');
  });

  it('a second run writes nothing', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: M }, `reconcile-${M}-apply-again`);
    expect(r.status).toBe('SUCCEEDED');
    expect(local.world.writeCalls().map((c) => `${c.service}:${c.operation}`)).toEqual([]);
  });
});
