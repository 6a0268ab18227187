/**
 * Detection by event (issue 10, point 3), through the deployed wiring only: each change is made the
 * way an administrator would make it (the real SDK, the account's own administrator session); the
 * simulation emits the "AWS API Call via CloudTrail" event in the account and region of the call
 * (IAM: us-east-1) while a trail logs there; the member account's change rules (installed by
 * onboarding) or the log-archive account's (LogArchive stacks) forward it with their role to the
 * orchestrator's bus, whose policy admits the organization; StartFromChange starts one reconcile run.
 * That run repairs exactly the change: the world's snapshot is what it was before the change, and
 * the notification that leaves through the topic names the drift.
 *
 * The log-archive account's calls are recorded by its own trail (into a bucket of its own), created
 * here by its administrator: without a trail logging there, they would reach no event bus.
 *
 * Time: Date is faked and moved two minutes before each change, so each change has its own minute
 * (runs are named per account and minute of the change).
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { DeleteRoleCommand, DeleteRolePolicyCommand, IAMClient, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { DisableKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { READER_POLICY_NAME } from '../../../handlers/domain/roles';
import { isOwnedStatement, type PolicyStatement } from '../../../handlers/domain/policy-document';
import { createClient, type SdkClient } from '../../../handlers/shared/clients';
import { seedTrailBucket } from '../../../local/sim/seeds';
import type { WorldSnapshot } from '../../../local/sim/snapshot';
import { fakeDateOnly } from '../fake-date';
import { DEMO, startLocal, type Local } from '../harness';

const MEMBER = DEMO.memberAccountIds[0];
const OTHER = DEMO.memberAccountIds[1];
const TRAIL = DEMO.trailName;
const SWITCH_ROLE = 'SecurityAuditFromLogArchive';
const readerRole = (accountId: string) => `CloudTrailLogReader-${accountId}`;
let local: Local;

const admin = (accountId: string) =>
  local.world.credentialsFor(
    accountId === DEMO.logArchiveAccountId || accountId === DEMO.managementAccountId
      ? `arn:aws:sts::${accountId}:assumed-role/Administrator/alice`
      : `arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/alice`,
  );
/** Runs `fn` with a client of `Ctor` signed as the account's administrator. */
async function as<C extends SdkClient, Cfg extends object>(Ctor: new (config: Cfg) => C, accountId: string, fn: (c: C) => Promise<void>, region: string = DEMO.region) {
  const c = createClient(Ctor, { region, credentials: admin(accountId) });
  try {
    await fn(c);
  } finally {
    c.destroy();
  }
}


/** The snapshot without what a repair cannot give back: nothing of it is left out today. */
const snapshot = (): WorldSnapshot => local.world.snapshot();

const codes = (drift: readonly { resource: string; code: string }[] | undefined) => (drift ?? []).map((d) => `${d.resource}:${d.code}`).sort();

/** The reconcile runs started by change events since `since` (execution count). */
const changeRuns = (since: number) =>
  local.world.stepFunctions
    .list()
    .slice(since)
    .filter((x) => x.name.startsWith('reconcile-') && x.name.endsWith('-event'));

/** The notifications the topic was sent since `since` (invocation count), as text. */
const notifications = (since: number) =>
  local.world.events
    .invocations()
    .slice(since)
    .filter((i) => /:sns:/.test(i.targetArn))
    .map((i) => String(i.input));

const SECURITY_TRAIL_BUCKET = `security-account-trail-${DEMO.logArchiveAccountId}`;
const ELSEWHERE = 'somebody-elses-bucket';

beforeAll(async () => {
  fakeDateOnly();
  local = await startLocal({
    prepareWorld: (world) => {
      seedTrailBucket(world, { name: SECURITY_TRAIL_BUCKET, ownerAccountId: DEMO.logArchiveAccountId, trailAccountId: DEMO.logArchiveAccountId, region: DEMO.region });
      seedTrailBucket(world, { name: ELSEWHERE, ownerAccountId: MEMBER, trailAccountId: MEMBER, region: DEMO.region });
    },
  });
  for (const id of [MEMBER, OTHER]) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding of ${id} ended ${r.status}: ${r.error}`);
  }
  // The security account's own trail: without a trail logging there, its calls reach no event bus.
  await as(CloudTrailClient, DEMO.logArchiveAccountId, async (ct) => {
    await ct.send(new CreateTrailCommand({ Name: 'security-account-trail', S3BucketName: SECURITY_TRAIL_BUCKET, IsMultiRegionTrail: true }));
    await ct.send(new StartLoggingCommand({ Name: 'security-account-trail' }));
  });
  await local.world.settle();
}, 60_000);
afterAll(async () => {
  await local.stop();
  jest.useRealTimers();
});

describe('onboarding installs the change rules', () => {
  it('in the member account: the trail rule in the home region and the role rule in us-east-1, both to the onboarding bus with the forwarder role', () => {
    const rules = local.world.snapshot().eventRules;
    const bus = `arn:aws:events:${DEMO.region}:${DEMO.managementAccountId}:event-bus/cloudtrail-onboarding`;
    const role = `arn:aws:iam::${MEMBER}:role/CloudTrailOnboarding-ChangeForwarder`;
    for (const arn of [`arn:aws:events:${DEMO.region}:${MEMBER}:rule/cloudtrail-onboarding-trail-changes`, `arn:aws:events:us-east-1:${MEMBER}:rule/cloudtrail-onboarding-role-changes`]) {
      expect(rules[arn]).toMatchObject({ state: 'ENABLED', targets: [{ Id: 'onboarding-bus', Arn: bus, RoleArn: role }] });
    }
  });

  it('the service\'s own writes are forwarded but start nothing (no run repairs a repair)', () => {
    expect(local.world.stepFunctions.list().filter((x) => x.name.endsWith('-event'))).toEqual([]);
    expect(local.world.events.failedDeliveries()).toEqual([]);
  });
});

interface ChangeCase {
  readonly title: string;
  /** The account whose run repairs it (shared changes: the lowest onboarded id). */
  readonly runAccount: string;
  readonly change: () => Promise<void>;
  readonly drift: string[];
}

const bucketPolicyForeignOnly = async () =>
  as(S3Client, DEMO.logArchiveAccountId, async (s3) => {
    const current = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }))).Policy!) as { Statement: PolicyStatement[] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: JSON.stringify({ ...current, Statement: current.Statement.filter((st) => !isOwnedStatement(st)) }) }));
  });

const CASES: ChangeCase[] = [
  {
    title: 'stop logging',
    runAccount: MEMBER,
    change: () => as(CloudTrailClient, MEMBER, async (ct) => void (await ct.send(new StopLoggingCommand({ Name: `arn:aws:cloudtrail:${DEMO.region}:${MEMBER}:trail/${TRAIL}` })))),
    drift: ['trail:TrailNotLogging'],
  },
  {
    title: 'delete the trail',
    runAccount: MEMBER,
    change: () => as(CloudTrailClient, MEMBER, async (ct) => void (await ct.send(new DeleteTrailCommand({ Name: TRAIL })))),
    drift: ['trail:TrailMissing'],
  },
  {
    title: 'point it at another bucket',
    runAccount: MEMBER,
    change: () => as(CloudTrailClient, MEMBER, async (ct) => void (await ct.send(new UpdateTrailCommand({ Name: TRAIL, S3BucketName: ELSEWHERE, S3KeyPrefix: '', KmsKeyId: '' })))),
    drift: ['trail:TrailBucketChanged', 'trail:TrailKeyChanged', 'trail:TrailPrefixChanged'],
  },
  {
    title: 'remove its KMS key',
    runAccount: MEMBER,
    change: () => as(CloudTrailClient, MEMBER, async (ct) => void (await ct.send(new UpdateTrailCommand({ Name: TRAIL, KmsKeyId: '' })))),
    drift: ['trail:TrailKeyChanged'],
  },
  {
    title: 'turn off log file validation',
    runAccount: MEMBER,
    change: () => as(CloudTrailClient, MEMBER, async (ct) => void (await ct.send(new UpdateTrailCommand({ Name: TRAIL, EnableLogFileValidation: false })))),
    drift: ['trail:TrailLogFileValidationOff'],
  },
  {
    title: 'restrict the event selectors to write-only',
    runAccount: MEMBER,
    change: () =>
      as(CloudTrailClient, MEMBER, async (ct) => void (await ct.send(new PutEventSelectorsCommand({ TrailName: TRAIL, EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] })))),
    drift: ['trail:TrailEventSelectorsNarrowed'],
  },
  {
    title: 'record no management events',
    runAccount: MEMBER,
    change: () =>
      as(CloudTrailClient, MEMBER, async (ct) => void (await ct.send(new PutEventSelectorsCommand({ TrailName: TRAIL, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false }] })))),
    drift: ['trail:TrailEventSelectorsNarrowed'],
  },
  {
    title: 'add a principal to the switch role\'s trust',
    runAccount: MEMBER,
    change: () =>
      as(
        IAMClient,
        MEMBER,
        async (iam) =>
          void (await iam.send(
            new UpdateAssumeRolePolicyCommand({
              RoleName: SWITCH_ROLE,
              PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::222233334444:root', 'arn:aws:iam::999999999999:root'] }, Action: 'sts:AssumeRole' }] }),
            }),
          )),
      ),
    drift: ['switchRole:RoleTrustChanged'],
  },
  {
    title: 'overwrite the bucket policy with only its foreign statements',
    runAccount: [MEMBER, OTHER].sort()[0],
    change: bucketPolicyForeignOnly,
    drift: ['bucketPolicy:GrantMissing'],
  },
  {
    title: 'remove the service\'s statements from the key policy',
    runAccount: [MEMBER, OTHER].sort()[0],
    change: () =>
      as(KMSClient, DEMO.logArchiveAccountId, async (kms) => {
        const doc = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: DEMO.keyArn, PolicyName: 'default' }))).Policy!) as { Statement: PolicyStatement[] };
        await kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, PolicyName: 'default', Policy: JSON.stringify({ ...doc, Statement: doc.Statement.filter((st) => !isOwnedStatement(st)) }) }));
      }),
    drift: ['keyPolicy:GrantMissing'],
  },
  {
    title: 'disable the central key',
    runAccount: [MEMBER, OTHER].sort()[0],
    change: () => as(KMSClient, DEMO.logArchiveAccountId, async (kms) => void (await kms.send(new DisableKeyCommand({ KeyId: DEMO.keyArn })))),
    drift: ['key:KeyDisabled'],
  },
  {
    title: 'widen the reader role\'s policy',
    runAccount: OTHER,
    change: () =>
      as(
        IAMClient,
        DEMO.logArchiveAccountId,
        async (iam) =>
          void (await iam.send(
            new PutRolePolicyCommand({
              RoleName: readerRole(OTHER),
              PolicyName: READER_POLICY_NAME,
              PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
            }),
          )),
      ),
    drift: ['readerRole:RoleInlinePolicyChanged'],
  },
  {
    title: 'delete the reader role',
    runAccount: OTHER,
    change: () =>
      as(IAMClient, DEMO.logArchiveAccountId, async (iam) => {
        await iam.send(new DeleteRolePolicyCommand({ RoleName: readerRole(OTHER), PolicyName: READER_POLICY_NAME }));
        await iam.send(new DeleteRoleCommand({ RoleName: readerRole(OTHER) }));
      }),
    drift: ['readerRole:RoleMissing'],
  },
];

describe.each(CASES)('$title', ({ runAccount, change, drift }) => {
  let before: WorldSnapshot;
  let runsFrom = 0;
  let notesFrom = 0;

  beforeAll(async () => {
    jest.setSystemTime(Date.now() + 120_000);
    await local.world.settle();
    before = snapshot();
    runsFrom = local.world.stepFunctions.list().length;
    notesFrom = local.world.events.invocations().length;
    await change();
    await local.world.settle();
  });

  it('is detected by its event: one reconcile run of the right account, which ends SUCCEEDED', () => {
    const runs = changeRuns(runsFrom);
    expect(runs.map((x) => [x.status, JSON.parse(x.input).accountId, JSON.parse(x.input).mode])).toEqual([['SUCCEEDED', runAccount, 'apply']]);
  });

  it('is repaired by that run and recorded REPAIRED, naming the change', async () => {
    const item = await local.status.getAccount(runAccount);
    expect(item?.health).toBe('REPAIRED');
    expect(codes(item?.drift)).toEqual(drift);
  });

  it('nothing else changes: the world is as it was before the change', () => {
    expect(snapshot()).toEqual(before);
  });

  it('the notification names what was found and done', () => {
    const notes = notifications(notesFrom);
    expect(notes.length).toBeGreaterThanOrEqual(1);
    const code = drift[0].split(':')[1];
    expect(notes.some((n) => n.includes('SUCCEEDED') && n.includes(code) && n.includes('REPAIRED'))).toBe(true);
  });
});

describe.each(CASES)('$title, with its event lost', ({ runAccount, change, drift }) => {
  let before: WorldSnapshot;
  let runsFrom = 0;

  beforeAll(async () => {
    jest.setSystemTime(Date.now() + 120_000);
    await local.world.settle();
    before = snapshot();
    runsFrom = local.world.stepFunctions.list().length;
    // EventBridge delivers API-call events on a best-effort basis: these never arrive.
    local.world.events.dropNext(100, { detailType: 'AWS API Call via CloudTrail' });
    await change();
    local.world.events.stopDropping();
    expect(local.world.events.dropped().length).toBeGreaterThan(0);
    await local.world.settle();
  });

  it('starts no run by event', () => {
    expect(changeRuns(runsFrom)).toEqual([]);
  });

  it('is found and repaired by the fleet reconcile; the world is as it was before the change', async () => {
    let result = (await local.sfn.invokeFunction('ReconcileFleet', { action: 'start' })) as { done?: boolean };
    for (let i = 0; i < 10 && !result.done; i++) result = (await local.sfn.invokeFunction('ReconcileFleet', { action: 'continue' })) as { done?: boolean };
    await local.world.settle();
    // The fleet runs every account at once. A shared change (the bucket policy, the key) is every account's
    // drift: each run that read it before the first repair names it, a later one finds it repaired.
    const shared = /^(bucketPolicy|keyPolicy|key):/.test(drift[0]);
    const repaired = (await Promise.all([MEMBER, OTHER].map(async (id) => [id, await local.status.getAccount(id)] as const))).filter(([, item]) => item?.health === 'REPAIRED');
    if (shared) expect(repaired.map(([id]) => id)).toContain(runAccount);
    else expect(repaired.map(([id]) => id)).toEqual([runAccount]);
    for (const [, item] of repaired) expect(codes(item?.drift)).toEqual(drift);
    expect(snapshot()).toEqual(before);
  });
});
