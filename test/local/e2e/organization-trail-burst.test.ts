/**
 * trailMode "organization": 200 onboardings started at once write each shared policy at most once --
 * the organization trail's statements do not depend on the account, so whoever holds the lease first
 * writes them, and every other run finds them in place under the lease -- and create one organization
 * trail; every account ends ONBOARDED with that trail.
 *
 * @slow (test/sequencer.js: first on a machine with no timings yet)
 */
import { LocalStepFunctions, type ExecutionResult } from '../../../local/runner';
import { createDemoWorld, DEMO, type SimWorld } from '../../../local/sim';
import { parseAppConfig } from '../../../infra/config';
import sample from '../../../config/onboarding.sample.json';

const BURST = 200;
const ORG_TRAIL = `arn:aws:cloudtrail:eu-west-1:${DEMO.managementAccountId}:trail/cloudtrail-onboarding-org`;
/** 200 member ids that no other account of the demo world has. */
const ACCOUNTS = Array.from({ length: BURST }, (_, i) => String(410000000000 + i * 7919));

let world: SimWorld;
let sfn: LocalStepFunctions;
let results: ExecutionResult[];

beforeAll(async () => {
  world = createDemoWorld();
  for (const id of ACCOUNTS) {
    world.accounts.add({ id, name: `member-${id}`, state: 'ACTIVE' }, true, world.now());
    world.seedMember(id);
  }
  const config = parseAppConfig({ ...sample, trailMode: 'organization' }, 'test configuration');
  sfn = await LocalStepFunctions.start({ world, config, principalArn: DEMO.operatorPrincipalArn, retryDelayMs: 1 });
  world.resetCalls();
  const runs = ACCOUNTS.map((a) => sfn.startExecution({ accountId: a }, `onboard-${a}`));
  results = await Promise.all(runs.map((r) => r.result));
  await sfn.drain();
}, 180_000);
afterAll(() => sfn?.stop());

describe(`${BURST} onboardings in organization mode started at once`, () => {
  it('all succeed', () => {
    const failed = results.filter((r) => r.status !== 'SUCCEEDED').map((r) => `${r.status} ${r.error ?? ''} ${r.cause ?? ''}`.slice(0, 300));
    expect(failed).toEqual([]);
  });

  it('write the bucket policy and the key policy at most once each, and create one organization trail', () => {
    const count = (op: string) => world.writeCalls().filter((c) => c.operation === op).length;
    expect({ bucket: count('PutBucketPolicy'), key: count('PutKeyPolicy') }).toEqual({ bucket: 1, key: 1 });
    expect(world.cloudtrail.organizationTrails().map((t) => t.arn)).toEqual([ORG_TRAIL]);
    // Several runs may call CreateTrail before the first one's trail exists (AWS answers the later ones
    // TrailAlreadyExistsException: ConcurrentModification, retried, re-read); one trail results.
  });
});
