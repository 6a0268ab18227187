/**
 * trailMode "organization" with a Control Tower-style organization trail that exists already, given
 * by ARN (organizationTrail.arn): the onboarding uses it -- verified, recorded as the account's trail --
 * and never writes to it (no CloudTrail write at all, no trusted-access change).
 */
import { seedOrganizationTrail } from '../../../local/sim/seeds';
import { DEMO, startLocal, type Local } from '../harness';

const MGMT = DEMO.managementAccountId;
const [A] = DEMO.memberAccountIds;
const CT_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/aws-controltower-BaselineCloudTrail`;

let local: Local;
beforeAll(async () => {
  local = await startLocal({
    config: { trailMode: 'organization', organizationTrail: { arn: CT_TRAIL } },
    prepareWorld: (w) => {
      seedOrganizationTrail(w, { name: 'aws-controltower-BaselineCloudTrail', bucket: DEMO.bucketName, keyArn: DEMO.keyArn, prefix: 'cloudtrail' });
    },
    loseApiCallEvents: true,
  });
});
afterAll(() => local?.stop());

it('onboards an account with the existing organization trail and writes nothing to any trail', async () => {
  const trailBefore = JSON.stringify(local.world.cloudtrail.organizationTrails());

  const r = await local.run({ accountId: A }, `onboard-${A}`);

  expect({ status: r.status, error: r.error, cause: r.cause }).toMatchObject({ status: 'SUCCEEDED' });
  expect(local.world.writeCalls().filter((c) => c.service === 'cloudtrail' || c.service === 'organizations')).toEqual([]);
  expect(JSON.stringify(local.world.cloudtrail.organizationTrails())).toBe(trailBefore);
  expect(await local.status.getAccount(A)).toMatchObject({ status: 'ONBOARDED', trailArn: CT_TRAIL });
});

it('a re-run writes nothing', async () => {
  local.world.resetCalls();
  const r = await local.run({ accountId: A }, `onboard-${A}-again`);
  expect(r.status).toBe('SUCCEEDED');
  expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb')).toEqual([]);
});
