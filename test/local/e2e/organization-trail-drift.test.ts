/**
 * Drift of the organization trail (trailMode "organization", issue 12), through the deployed wiring
 * only. A person changes the service's organization trail as an administrator of the management
 * account would (the real SDK, that account's Administrator session); the simulation emits the "AWS
 * API Call via CloudTrail" event on the management account's default bus in the home region (the
 * organization trail itself records the management account); the Orchestrator stack's rule
 * `cloudtrail-onboarding-organization-trail-changes` forwards it to the onboarding bus; StartFromChange
 * starts ONE reconcile run, of the lowest ONBOARDED account, named `...-organization-trail-event`; that
 * run repairs the trail, and the world is what it was before the change. A fleet reconcile whose events
 * were lost repairs it once too. (driftResponse "report": organization-trail-drift-report.test.ts.)
 *
 * Time: Date is faked and moved to a little after the start of a fresh minute before each change, so
 * each case has its own minute (runs are named per minute of the change) and two changes of one case
 * fall in the same minute.
 */
import { CloudTrailClient, PutEventSelectorsCommand, StopLoggingCommand, UpdateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { createClient, type SdkClient } from '../../../handlers/shared/clients';
import type { FleetResult } from '../../../handlers/start/fleet';
import type { WorldSnapshot } from '../../../local/sim/snapshot';
import { fakeDateOnly } from '../fake-date';
import { DEMO, startLocal, type Local } from '../harness';

const MGMT = DEMO.managementAccountId;
const MEMBERS = DEMO.memberAccountIds.slice(0, 3);
/** The account whose run repairs the organization trail: the lowest ONBOARDED id. */
const FIRST = [...MEMBERS].sort()[0];
const ORG_TRAIL_NAME = 'cloudtrail-onboarding-org';
const ORG_TRAIL = `arn:aws:cloudtrail:${DEMO.region}:${MGMT}:trail/${ORG_TRAIL_NAME}`;
/** A prefix another team's statement lets CloudTrail write under (so that UpdateTrail to it succeeds). */
const OTHER_PREFIX = 'elsewhere';
const BUS = `arn:aws:events:${DEMO.region}:${MGMT}:event-bus/cloudtrail-onboarding`;
const RULE = `arn:aws:events:${DEMO.region}:${MGMT}:rule/cloudtrail-onboarding-organization-trail-changes`;

let local: Local;

/** Runs `fn` with a client of `Ctor` signed as the account's administrator. */
async function as<C extends SdkClient, Cfg extends object>(Ctor: new (config: Cfg) => C, accountId: string, fn: (c: C) => Promise<void>) {
  const c = createClient(Ctor, { region: DEMO.region, credentials: local.world.credentialsFor(`arn:aws:sts::${accountId}:assumed-role/Administrator/alice`) });
  try {
    await fn(c);
  } finally {
    c.destroy();
  }
}

/** The management account's administrator changes the organization trail. */
const onOrgTrail = (fn: (ct: CloudTrailClient) => Promise<unknown>) => as(CloudTrailClient, MGMT, async (ct) => void (await fn(ct)));

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

/** Events StartFromChange was invoked with since `since`, as `<eventName> by <caller>`. */
const changesSeen = (since: number) =>
  local.world.events
    .invocations()
    .slice(since)
    .filter((i) => /:lambda:/.test(i.targetArn) && /StartFromChange/.test(i.targetArn))
    .map((i) => {
      const e = i.input as { detail: { eventName: string; userIdentity: { arn: string } } };
      return `${e.detail.eventName} by ${e.detail.userIdentity.arn.replace(/\/[^/]+$/, '/*')}`;
    });

/** The world's state, for "nothing else changed". */
const snapshot = (): WorldSnapshot => local.world.snapshot();

/** Moves the clock to 5 s after the start of a minute at least two minutes ahead: a fresh minute for a case. */
function toFreshMinute(): void {
  jest.setSystemTime(Math.ceil((Date.now() + 120_000) / 60_000) * 60_000 + 5_000);
}

/** The health each account recorded, by id. */
async function healthOf(ids: readonly string[]): Promise<Record<string, string | undefined>> {
  return Object.fromEntries(await Promise.all(ids.map(async (id) => [id, (await local.status.getAccount(id))?.health] as const)));
}

beforeAll(async () => {
  fakeDateOnly();
  // The fleet's starts paced fast (the sweep sleeps real time between starts).
  local = await startLocal({ config: { trailMode: 'organization', fleetReconcile: { maxConcurrent: 10, maxStartsPerSecond: 50 } } });
  // Another team's statement: CloudTrail may also write under `elsewhere/` (made before any trail logs, so no event).
  await as(S3Client, DEMO.logArchiveAccountId, async (s3) => {
    const doc = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }))).Policy!) as { Statement: unknown[] };
    doc.Statement.push({
      Sid: 'TeamElsewhereWrite',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${DEMO.bucketName}/${OTHER_PREFIX}/AWSLogs/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': ORG_TRAIL } },
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: JSON.stringify(doc) }));
  });
  for (const id of MEMBERS) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding of ${id} ended ${r.status}: ${r.error}`);
  }
  await local.world.settle();
}, 120_000);
afterAll(async () => {
  await local.stop();
  jest.useRealTimers();
});

describe('the organization trail\'s change rule', () => {
  it('is on the management account\'s default bus in the home region and forwards to the onboarding bus with its own role', () => {
    expect(local.world.snapshot().eventRules[RULE]).toMatchObject({
      state: 'ENABLED',
      targets: [{ Arn: BUS, RoleArn: `arn:aws:iam::${MGMT}:role/CloudTrailOnboarding-OrganizationTrailChangeForwarder` }],
    });
  });

  it('onboarding the organization starts no run by event (the service\'s own calls are told apart)', () => {
    expect(changeRuns(0)).toEqual([]);
    expect(local.world.events.failedDeliveries()).toEqual([]);
  });
});

describe('an administrator of the management account stops the organization trail', () => {
  let before: WorldSnapshot;
  let runsFrom = 0;
  let notesFrom = 0;
  let healthBefore: Record<string, string | undefined>;

  beforeAll(async () => {
    toFreshMinute();
    await local.world.settle();
    before = snapshot();
    healthBefore = await healthOf(MEMBERS);
    runsFrom = local.world.stepFunctions.list().length;
    notesFrom = local.world.events.invocations().length;
    await onOrgTrail((ct) => ct.send(new StopLoggingCommand({ Name: ORG_TRAIL_NAME })));
    await local.world.settle();
  });

  it('its event reaches StartFromChange, which starts one run of the lowest ONBOARDED account, named for the organization trail', () => {
    expect(changesSeen(notesFrom)).toEqual([`StopLogging by arn:aws:sts::${MGMT}:assumed-role/Administrator/*`]);
    const runs = changeRuns(runsFrom);
    expect(runs.map((x) => ({ name: x.name, status: x.status, input: JSON.parse(x.input) }))).toEqual([
      {
        name: expect.stringMatching(new RegExp(`^reconcile-${FIRST}-apply-\\d{8}T\\d{4}-organization-trail-event$`)),
        status: 'SUCCEEDED',
        input: { accountId: FIRST, mode: 'apply', notBefore: expect.any(String) },
      },
    ]);
  });

  it('that run starts the trail again: it logs, and the world is as it was before the change', () => {
    expect(local.world.cloudtrail.getTrail(ORG_TRAIL)?.isLogging).toBe(true);
    expect(snapshot()).toEqual(before);
  });

  it('the drift is recorded once, on the run\'s account (REPAIRED, TrailNotLogging); the other accounts keep their health', async () => {
    const item = await local.status.getAccount(FIRST);
    expect({ health: item?.health, drift: codes(item?.drift) }).toEqual({ health: 'REPAIRED', drift: ['trail:TrailNotLogging'] });
    const others = MEMBERS.filter((id) => id !== FIRST);
    expect(await healthOf(others)).toEqual(Object.fromEntries(others.map((id) => [id, healthBefore[id]])));
  });

  it('the notification names the organization trail\'s run, what was found and what was done', () => {
    const notes = notifications(notesFrom);
    expect(notes.filter((n) => n.includes('-organization-trail-event') && n.includes('TrailNotLogging') && n.includes('REPAIRED') && n.includes(ORG_TRAIL_NAME))).toHaveLength(1);
  });
});

describe('an administrator of the management account moves the organization trail to another prefix and narrows it, in one minute', () => {
  let before: WorldSnapshot;
  let runsFrom = 0;
  let notesFrom = 0;

  beforeAll(async () => {
    toFreshMinute();
    await local.world.settle();
    before = snapshot();
    runsFrom = local.world.stepFunctions.list().length;
    notesFrom = local.world.events.invocations().length;
    await onOrgTrail((ct) => ct.send(new UpdateTrailCommand({ Name: ORG_TRAIL, S3KeyPrefix: OTHER_PREFIX })));
    await onOrgTrail((ct) => ct.send(new PutEventSelectorsCommand({ TrailName: ORG_TRAIL_NAME, EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] })));
    // The repair happens two minutes later than the changes (the local runner does not wait for the end of
    // their minute): were its own calls taken for a person's, they would start a run of that later minute.
    jest.setSystemTime(Date.now() + 120_000);
    await local.world.settle();
  });

  it('both events start the same one run (same name, same input), which ends SUCCEEDED', () => {
    expect(changesSeen(notesFrom).filter((c) => !c.includes('CloudTrailOnboarding-'))).toEqual([
      `UpdateTrail by arn:aws:sts::${MGMT}:assumed-role/Administrator/*`,
      `PutEventSelectors by arn:aws:sts::${MGMT}:assumed-role/Administrator/*`,
    ]);
    expect(changeRuns(runsFrom).map((x) => [x.status, JSON.parse(x.input).accountId, x.name.endsWith('-organization-trail-event')])).toEqual([['SUCCEEDED', FIRST, true]]);
  });

  it('that run puts the prefix and the event selectors back (the world is as it was before the change) and records both', async () => {
    expect(local.world.cloudtrail.getTrail(ORG_TRAIL)).toMatchObject({ s3KeyPrefix: DEMO.logPrefix, isLogging: true });
    expect(snapshot()).toEqual(before);
    const item = await local.status.getAccount(FIRST);
    expect({ health: item?.health, drift: codes(item?.drift) }).toEqual({ health: 'REPAIRED', drift: ['trail:TrailEventSelectorsNarrowed', 'trail:TrailPrefixChanged'] });
  });

  it('the repair\'s own UpdateTrail and PutEventSelectors (EnsureOrganizationTrail\'s role) are forwarded too, and start nothing', () => {
    expect(changesSeen(notesFrom).filter((c) => c.includes('CloudTrailOnboarding-'))).toEqual(
      expect.arrayContaining([`UpdateTrail by arn:aws:sts::${MGMT}:assumed-role/CloudTrailOnboarding-EnsureOrganizationTrail/*`]),
    );
    expect(changeRuns(runsFrom)).toHaveLength(1);
    expect(notifications(notesFrom).filter((n) => n.includes('-organization-trail-event'))).toHaveLength(1);
  });
});

describe('the organization trail stopped with its event lost, then the fleet reconcile', () => {
  let runsFrom = 0;
  let first: FleetResult;
  let second: FleetResult;

  beforeAll(async () => {
    toFreshMinute();
    await local.world.settle();
    runsFrom = local.world.stepFunctions.list().length;
    // EventBridge delivers API-call events on a best-effort basis: this one never arrives.
    local.world.events.dropNext(1, { detailType: 'AWS API Call via CloudTrail' });
    await onOrgTrail((ct) => ct.send(new StopLoggingCommand({ Name: ORG_TRAIL })));
    local.world.events.stopDropping();
    await local.world.settle();
    local.world.resetCalls();
    first = (await local.sfn.invokeFunction('ReconcileFleet', {})) as FleetResult;
    await local.world.settle();
    second = (await local.sfn.invokeFunction('ReconcileFleet', { action: 'continue' })) as FleetResult;
    await local.world.settle();
  });

  it('starts no run by event', () => {
    expect(changeRuns(runsFrom)).toEqual([]);
  });

  it('the sweep starts the first account alone (the trail all share), and the others at the next invocation, once that run closed', () => {
    expect(first).toMatchObject({ outcome: 'continuing', stoppedBy: 'sharedTrail', began: true, remaining: MEMBERS.length - 1, executionArns: [expect.stringContaining(`:reconcile-${FIRST}-apply-`)] });
    expect(second).toMatchObject({ outcome: 'finished', began: false, remaining: 0, sweep: { started: MEMBERS.length, skipped: 0 } });
  });

  it('repairs the organization trail once: one StartLogging, recorded on the first account only; the others stay HEALTHY, as onboarding left them', async () => {
    expect(local.world.cloudtrail.getTrail(ORG_TRAIL)?.isLogging).toBe(true);
    expect(local.world.writeCalls().filter((c) => c.service === 'cloudtrail').map((c) => `${c.accountId} ${c.operation}`)).toEqual([`${MGMT} StartLogging`]);
    const item = await local.status.getAccount(FIRST);
    expect({ health: item?.health, drift: codes(item?.drift) }).toEqual({ health: 'REPAIRED', drift: ['trail:TrailNotLogging'] });
    expect(await healthOf(MEMBERS.filter((id) => id !== FIRST))).toEqual(Object.fromEntries(MEMBERS.filter((id) => id !== FIRST).map((id) => [id, 'HEALTHY'])));
  });
});
