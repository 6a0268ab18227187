/**
 * Delivery health on the simulated clock: CloudTrail delivers log files about every 5 minutes and a
 * digest every hour (local/sim/delivery.ts); a run reads GetTrailStatus and reports DELIVERY_FAILING
 * with the error CloudTrail reports, or DELIVERY_STALE when digests stop arriving. Only Date is faked:
 * the simulation, the SDK and the handlers move in time together.
 */
import { fakeDateOnly } from '../fake-date';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { createClient } from '../../../handlers/shared/clients';
import type { PolicyStatement } from '../../../handlers/domain/policy-document';
import { DEMO, startLocal, type Local } from '../harness';

const MEMBER = DEMO.memberAccountIds[0];
const minutes = (n: number) => jest.setSystemTime(Date.now() + n * 60_000);
let local: Local;

beforeAll(async () => {
  fakeDateOnly();
  local = await startLocal();
  const r = await local.run({ accountId: MEMBER }, `onboard-${MEMBER}`);
  if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ended ${r.status}`);
});
afterAll(async () => {
  await local.stop();
  jest.useRealTimers();
});

it('an account whose trail delivers is HEALTHY', async () => {
  minutes(70); // log files and the first digest
  await local.run({ accountId: MEMBER, mode: 'report' }, `reconcile-${MEMBER}-report-1`);
  expect(await local.status.getAccount(MEMBER)).toMatchObject({ health: 'HEALTHY', drift: [] });
});

it('a foreign Deny that blocks CloudTrail\'s writes is no drift of the service\'s, but the run reports DELIVERY_FAILING with CloudTrail\'s error', async () => {
  const s3 = createClient(S3Client, { region: DEMO.region, credentials: local.world.credentialsFor(`arn:aws:sts::${DEMO.logArchiveAccountId}:assumed-role/Administrator/admin`) });
  const current = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }))).Policy!) as { Statement: PolicyStatement[] };
  const deny = { Sid: 'QuarantineWrites', Effect: 'Deny', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${DEMO.bucketName}/*` };
  await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: JSON.stringify({ ...current, Statement: [...current.Statement, deny] }) }));
  s3.destroy();
  minutes(10);
  await local.run({ accountId: MEMBER, mode: 'report' }, `reconcile-${MEMBER}-report-2`);
  const item = await local.status.getAccount(MEMBER);
  expect(item?.health).toBe('DELIVERY_FAILING');
  expect(item?.drift).toEqual([{ resource: 'trail', code: 'DeliveryFailing', detail: 'CloudTrail reports: log files AccessDenied' }]);
});
