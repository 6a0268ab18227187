/**
 * Issue 9, defect 6: an existing key whose policy does not delegate to the log-archive account's IAM
 * (`arn:aws:iam::<log-archive>:root`). KMS then ignores every IAM policy of that account ("unless the
 * key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key"), so the
 * access role is denied GetKeyPolicy whatever the LogArchive stack grants it. The failure says so.
 */
import { DEMO, startLocal, type Local } from '../harness';

const MEMBER = DEMO.memberAccountIds[0];
let local: Local;
beforeAll(async () => {
  local = await startLocal({
    prepareWorld: (world) => {
      const key = world.kms.resolve(DEMO.keyArn, DEMO.logArchiveAccountId, DEMO.region)!;
      const policy = JSON.parse(key.policy) as { Statement: { Principal?: { AWS?: string } }[] };
      policy.Statement = policy.Statement.filter((s) => s.Principal?.AWS !== `arn:aws:iam::${DEMO.logArchiveAccountId}:root`);
      key.policy = JSON.stringify(policy);
    },
  });
});
afterAll(() => local.stop());

it('FAILED with AccessDenied whose cause names the missing root delegation of the key policy; nothing is written to the key', async () => {
  const r = await local.run({ accountId: MEMBER }, `onboard-${MEMBER}`);
  expect({ status: r.status, error: r.error }).toEqual({ status: 'FAILED', error: 'AccessDenied' });
  expect(r.cause).toMatch(/^EnsureKeyPolicy: KMS (DescribeKey|GetKeyPolicy) .* was denied .*KMS counts IAM policies only when the key policy allows it: add to the key policy of arn:aws:kms:eu-west-1:222233334444:key\/\S+ the statement of AWS's default key policy that allows arn:aws:iam::222233334444:root kms:\*/);
  expect(local.world.calls.filter((c) => c.operation === 'PutKeyPolicy')).toEqual([]);
});
