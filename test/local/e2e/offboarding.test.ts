/**
 * Offboarding, end to end on the simulated deployment (the synthesized stacks' grants decide every
 * call): an onboarded account leaves -- its trail, switch role, change rules and reader role deleted,
 * its grant withdrawn from both shared policies (its trail could no longer deliver: evaluated), every
 * other account's grant and every foreign statement unchanged, OFFBOARDED recorded with why; a re-run
 * writes nothing; an account that cannot be reached still loses its grants, and the record lists what
 * stayed; bad input is refused by name and writes nothing; an offboarded account can be onboarded again.
 */
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { isOwnedStatement, parsePolicy, type PolicyDocument } from '../../../handlers/domain/policy-document';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import { checkDelivery } from '../../../local/sim/delivery';
import type { SimWorld } from '../../../local/sim/world';
import sample from '../../../config/onboarding.sample.json';
import { DEMO, startLocal, writes, type Local } from '../harness';

const [A, B, C] = DEMO.memberAccountIds;
const LA = DEMO.logArchiveAccountId;
const trailArnOf = (account: string) => `arn:aws:cloudtrail:eu-west-1:${account}:trail/org-member-trail`;
const dest = logDestinationFromConfig(parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sample, 'test'), 'onboarding-status')));
/** A statement another team keeps in each shared policy. */
const FOREIGN = { Sid: 'OtherTeamReadsInventory', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${LA}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${DEMO.bucketName}/inventory/*` };

const bucketPolicy = (world: SimWorld): PolicyDocument => parsePolicy(world.s3.getBucket(DEMO.bucketName)?.policy, 'bucket policy');
const keyPolicy = (world: SimWorld): PolicyDocument => parsePolicy(world.kms.resolve(DEMO.keyArn, LA, DEMO.region)?.policy, 'key policy');
const granted = (world: SimWorld) => ({ bucket: accountsInBucketPolicy(bucketPolicy(world), dest), key: accountsInKeyPolicy(keyPolicy(world), dest) });
const foreign = (doc: PolicyDocument) => doc.Statement.filter((s) => !isOwnedStatement(s));

let local: Local;
/** Each account's trail as it was while onboarded (for evaluating a delivery after it is gone). */
const trails = new Map<string, NonNullable<ReturnType<SimWorld['cloudtrail']['getTrail']>>>();

beforeAll(async () => {
  local = await startLocal({
    loseApiCallEvents: true,
    prepareWorld: (w) => {
      const bucket = w.s3.getBucket(DEMO.bucketName)!;
      const doc = parsePolicy(bucket.policy, 'bucket policy');
      bucket.policy = JSON.stringify({ ...doc, Statement: [...doc.Statement, FOREIGN] });
    },
  });
  for (const id of [A, B, C]) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ${id}: ${r.status} ${r.error} ${r.cause}`);
    trails.set(id, structuredClone(local.world.cloudtrail.getTrail(trailArnOf(id))!));
  }
}, 120_000);
afterAll(() => local?.stop());

describe('offboarding an onboarded account', () => {
  let before: { bucketForeign: unknown; keyForeign: unknown };
  it('removes its trail, switch role, change rules and reader role, withdraws its grants, records OFFBOARDED with why', async () => {
    before = { bucketForeign: foreign(bucketPolicy(local.world)), keyForeign: foreign(keyPolicy(local.world)) };
    expect(granted(local.world)).toEqual({ bucket: [A, B, C].sort(), key: [A, B, C].sort() });
    local.world.resetCalls();

    const r = await local.run({ accountId: A, action: 'offboard', reason: 'RemoveAccountFromOrganization' }, `offboard-${A}-1`);

    expect({ status: r.status, error: r.error, cause: r.cause }).toMatchObject({ status: 'SUCCEEDED' });
    expect(local.world.cloudtrail.list().filter((t) => t.accountId === A)).toEqual([]);
    expect(local.world.iam.rolesOf(A).map((role) => role.name)).not.toEqual(expect.arrayContaining(['SecurityAuditFromLogArchive']));
    expect(local.world.iam.rolesOf(A).map((role) => role.name).filter((n) => n.startsWith('CloudTrailOnboarding'))).toEqual([]);
    expect(local.world.iam.roleByArn(`arn:aws:iam::${LA}:role/CloudTrailLogReader-${A}`)).toBeUndefined();
    expect(granted(local.world)).toEqual({ bucket: [B, C].sort(), key: [B, C].sort() });
    const record = await local.status.getAccount(A);
    expect(record).toMatchObject({
      status: 'OFFBOARDED',
      offboarding: { reason: 'RemoveAccountFromOrganization', removed: expect.arrayContaining(['trail', 'switchRole', 'changeRules', 'bucketPolicy', 'keyPolicy', 'readerRole']), leftBehind: [] },
    });
    // The trail went before its grants: no delivery was left failing.
    const order = local.world.writeCalls().map((c) => c.operation);
    expect(order.indexOf('DeleteTrail')).toBeLessThan(order.indexOf('PutBucketPolicy'));
  });

  it("its trail could no longer deliver or encrypt (evaluated); the others' still can", async () => {
    expect(await checkDelivery(local.world, trails.get(A)!)).toMatchObject({ bucket: 'denied', key: 'denied' });
    expect(await local.world.canCloudTrailDeliver(trailArnOf(B))).toEqual({ bucket: true, key: true });
  });

  it('every foreign statement is unchanged and in place', () => {
    expect(foreign(bucketPolicy(local.world))).toEqual(before.bucketForeign);
    expect(foreign(keyPolicy(local.world))).toEqual(before.keyForeign);
    expect(foreign(bucketPolicy(local.world))).toContainEqual(FOREIGN);
  });

  it('a re-run writes nothing', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: A, action: 'offboard', reason: 'RemoveAccountFromOrganization' }, `offboard-${A}-2`);
    expect(r.status).toBe('SUCCEEDED');
    // Not even the status table: the record stays as the first run left it.
    expect(writes(local.world)).toEqual([]);
    expect((await local.status.getAccount(A))?.offboarding?.executionArn).toMatch(new RegExp(`:offboard-${A}-1$`));
  });
});

describe('an account that cannot be reached', () => {
  it('still loses its shared grants, and the record lists what stayed in it', async () => {
    local.world.accounts.get(C)!.state = 'SUSPENDED';
    local.world.resetCalls();
    const r = await local.run({ accountId: C, action: 'offboard', reason: 'CloseAccount' }, `offboard-${C}-1`);
    local.world.accounts.get(C)!.state = 'ACTIVE';

    expect({ status: r.status, error: r.error, cause: r.cause }).toMatchObject({ status: 'SUCCEEDED' });
    expect(granted(local.world)).toEqual({ bucket: [B], key: [B] });
    const record = await local.status.getAccount(C);
    expect(record?.status).toBe('OFFBOARDED');
    expect(record?.offboarding?.leftBehind?.map((l) => l.resource)).toEqual(['trail', 'switchRole', 'changeRules']);
    expect(record?.offboarding?.leftBehind?.[0]?.reason).toMatch(/cannot be reached/);
    // What is in the account stays; what is in the log-archive account is gone.
    expect(local.world.cloudtrail.getTrail(trailArnOf(C))).toBeDefined();
    expect(local.world.iam.roleByArn(`arn:aws:iam::${LA}:role/CloudTrailLogReader-${C}`)).toBeUndefined();
    expect(await local.world.canCloudTrailDeliver(trailArnOf(C))).toMatchObject({ bucket: false });
  });
});

describe('faults on the way out', () => {
  it('throttling on a member-account delete and on the bucket policy write: retried, the offboarding completes', async () => {
    const [, , , D] = DEMO.memberAccountIds;
    expect((await local.run({ accountId: D }, `onboard-${D}`)).status).toBe('SUCCEEDED');
    local.world.faults.inject({ service: 'iam', operation: 'DeleteRole', accountId: D, error: 'Throttling', times: 1 });
    local.world.faults.inject({ service: 's3', operation: 'PutBucketPolicy', error: 'ServiceUnavailable', times: 1 });

    const r = await local.run({ accountId: D, action: 'offboard', reason: 'faults' }, `offboard-${D}-faults`);

    expect({ status: r.status, error: r.error, cause: r.cause }).toMatchObject({ status: 'SUCCEEDED' });
    expect(granted(local.world).bucket).not.toContain(D);
    expect((await local.status.getAccount(D))?.status).toBe('OFFBOARDED');
  });

  it('a denied key-policy write fails by name with the trail already gone and the bucket grant withdrawn; a re-run finishes the rest', async () => {
    const [, , , , E] = DEMO.memberAccountIds;
    expect((await local.run({ accountId: E }, `onboard-${E}`)).status).toBe('SUCCEEDED');
    local.world.faults.inject({ service: 'kms', operation: 'PutKeyPolicy', error: 'AccessDenied', times: 100 });
    const failed = await local.run({ accountId: E, action: 'offboard', reason: 'denied' }, `offboard-${E}-denied`);
    local.world.faults.clear();

    expect({ status: failed.status, error: failed.error }).toEqual({ status: 'FAILED', error: 'AccessDenied' });
    expect(local.world.cloudtrail.getTrail(trailArnOf(E))).toBeUndefined();
    expect(granted(local.world)).toMatchObject({ bucket: expect.not.arrayContaining([E]), key: expect.arrayContaining([E]) });
    expect((await local.status.getAccount(E))?.status).toBe('FAILED');

    const again = await local.run({ accountId: E, action: 'offboard', reason: 'denied' }, `offboard-${E}-again`);
    expect(again.status).toBe('SUCCEEDED');
    expect(granted(local.world).key).not.toContain(E);
    expect(await local.status.getAccount(E)).toMatchObject({ status: 'OFFBOARDED', offboarding: { reason: 'denied' } });
  });
});

describe('bad input', () => {
  it.each([
    ['an unknown action', { accountId: B, action: 'leave' }, 'InvalidRequest', /action is "leave"; it must be one of "onboard", "offboard"/],
    ['a reason without offboarding', { accountId: B, reason: 'x' }, 'InvalidRequest', /reason is given only with "action": "offboard"/],
    ['a report-mode offboarding', { accountId: B, action: 'offboard', mode: 'report' }, 'InvalidRequest', /remove mode/],
    ['a bad id', { accountId: '4444', action: 'offboard' }, 'InvalidAccountId', /has 4 digits/],
    ['an account never onboarded', { accountId: '123412341234', action: 'offboard' }, 'NothingToOffboard', /was never onboarded/],
  ])('%s is refused by name and writes nothing', async (_what, input, error, cause) => {
    local.world.resetCalls();
    const r = await local.run(input, undefined);
    expect({ status: r.status, error: r.error }).toEqual({ status: 'FAILED', error });
    expect(r.cause).toMatch(cause);
    expect(writes(local.world)).toEqual([]);
  });
});

describe('onboarded again', () => {
  it('an offboarded account is onboarded afresh: every resource and both grants back', async () => {
    const r = await local.run({ accountId: A }, `onboard-${A}-again`);
    expect({ status: r.status, error: r.error, cause: r.cause }).toMatchObject({ status: 'SUCCEEDED' });
    expect(granted(local.world)).toEqual({ bucket: [A, B].sort(), key: [A, B].sort() });
    expect(await local.world.canCloudTrailDeliver(trailArnOf(A))).toEqual({ bucket: true, key: true });
    expect(await local.status.getAccount(A)).toMatchObject({ status: 'ONBOARDED' });
  });
});
