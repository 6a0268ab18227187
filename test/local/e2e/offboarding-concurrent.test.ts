/**
 * 50 offboardings and 50 onboardings started at the same moment (issue 13, "Must show"): the shared
 * policies end granting exactly the onboarded accounts -- no offboarded account kept or put back by
 * a concurrent onboarding's render, no onboarded account lost -- with every foreign statement unchanged
 * and in place, no lease left held, and every account recorded as it should be.
 *
 * @slow (test/sequencer.js: first on a machine with no timings yet)
 */
import { accountsInBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy } from '../../../handlers/domain/key-policy';
import { logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { isOwnedStatement, parsePolicy, type PolicyDocument } from '../../../handlers/domain/policy-document';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import sample from '../../../config/onboarding.sample.json';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeaseLock } from '../../../handlers/adapters/lease-lock';
import { createClient } from '../../../handlers/shared/clients';
import { POLICY_LEASES } from '../../../handlers/steps/ensure-shared-policies';
import { LOCAL_TABLE_NAME } from '../../../local/runner';
import { DEMO, startLocal, type Local } from '../harness';

const EACH = 50;
/** Distinct ids outside the demo organization's: `7100000000nn` leave, `7200000000nn` join. */
const ids = (prefix: string) => Array.from({ length: EACH }, (_, i) => `${prefix}${String(i).padStart(8, '0')}`);
const LEAVING = ids('7100');
const JOINING = ids('7200');
const LA = DEMO.logArchiveAccountId;
const dest = logDestinationFromConfig(parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sample, 'test'), 'onboarding-status')));

let local: Local;
let foreignBefore: { bucket: unknown[]; key: unknown[] };
let results: { id: string; status: string; error?: string; cause?: string }[];

const bucketPolicy = (): PolicyDocument => parsePolicy(local.world.s3.getBucket(DEMO.bucketName)?.policy, 'bucket policy');
const keyPolicy = (): PolicyDocument => parsePolicy(local.world.kms.resolve(DEMO.keyArn, LA, DEMO.region)?.policy, 'key policy');
const foreign = (doc: PolicyDocument) => doc.Statement.filter((s) => !isOwnedStatement(s));

beforeAll(async () => {
  local = await startLocal({ extraMembers: [...LEAVING, ...JOINING], loseApiCallEvents: true });
  const onboarded = await Promise.all(LEAVING.map((id) => local.run({ accountId: id }, `onboard-${id}`)));
  const failed = onboarded.filter((r) => r.status !== 'SUCCEEDED');
  if (failed.length) throw new Error(`set-up onboardings failed: ${failed.map((r) => `${r.error} ${r.cause}`).join('; ')}`);
  foreignBefore = { bucket: foreign(bucketPolicy()), key: foreign(keyPolicy()) };

  // ---- all at once
  results = await Promise.all([
    ...LEAVING.map(async (id) => ({ id, ...(await local.run({ accountId: id, action: 'offboard', reason: 'concurrency test' }, `offboard-${id}`)) })),
    ...JOINING.map(async (id) => ({ id, ...(await local.run({ accountId: id }, `onboard-${id}`)) })),
  ]);
}, 300_000);
afterAll(() => local?.stop());

describe('50 offboardings and 50 onboardings at once', () => {
  it('every execution succeeds', () => {
    expect(results.filter((r) => r.status !== 'SUCCEEDED').map((r) => `${r.id} ${r.status} ${r.error} ${r.cause}`)).toEqual([]);
  });

  it('both shared policies grant exactly the onboarded accounts', () => {
    expect(accountsInBucketPolicy(bucketPolicy(), dest)).toEqual([...JOINING].sort());
    expect(accountsInKeyPolicy(keyPolicy(), dest)).toEqual([...JOINING].sort());
  });

  it('the foreign statements are unchanged and in place', () => {
    expect(foreign(bucketPolicy())).toEqual(foreignBefore.bucket);
    expect(foreign(keyPolicy())).toEqual(foreignBefore.key);
  });

  it('every account is recorded: the leaving OFFBOARDED, the joining ONBOARDED; the member set is the joining', async () => {
    for (const id of LEAVING) expect((await local.status.getAccount(id))?.status).toBe('OFFBOARDED');
    for (const id of JOINING) expect((await local.status.getAccount(id))?.status).toBe('ONBOARDED');
    expect(await local.status.membership()).toEqual({ members: [...JOINING].sort(), leaving: [...LEAVING].sort() });
  });

  it('no lease is left held', async () => {
    const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: DEMO.region }));
    const lock = new LeaseLock(doc, LOCAL_TABLE_NAME);
    expect(await lock.holder(POLICY_LEASES.bucket)).toBeUndefined();
    expect(await lock.holder(POLICY_LEASES.key)).toBeUndefined();
    doc.destroy();
  });
});
