/**
 * CloudTrail's deliveries on the world's clock (local/sim/delivery.ts): log files about every 5
 * minutes while logging, a digest file every hour with log file validation, each decided under the
 * bucket and key policies in force at its time, and GetTrailStatus reporting them as CloudTrail does.
 */
import { GetTrailStatusCommand, StartLoggingCommand, StopLoggingCommand, UpdateTrailCommand, type CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DeleteBucketPolicyCommand } from '@aws-sdk/client-s3';
import { DIGEST_DELIVERY_INTERVAL_MS, LOG_DELIVERY_INTERVAL_MS } from '../../../local/sim/delivery';
import { exportWorld, importWorld } from '../../../local/sim/persistence';
import { manualClock, plusMinutes, type ManualClock } from './clock';
import { DEMO, demoWorld, type TestWorld } from './helpers';
import { deliveryStatement, keyStatements, logArchive, onboardTrails, trailArnOf } from './trail-setup';

const [member, other] = DEMO.memberAccountIds;
const status = (ct: CloudTrailClient) => ct.send(new GetTrailStatusCommand({ Name: DEMO.trailName }));

describe('CloudTrail deliveries on the simulated clock', () => {
  let t: TestWorld;
  let clock: ManualClock;
  let ct: CloudTrailClient;
  let start: Date;

  beforeEach(async () => {
    clock = manualClock();
    t = demoWorld({ clock });
    ct = (await onboardTrails(t, [member]))[member];
    start = clock();
  });
  afterEach(() => t.dispose());

  it('delivers the first log file 5 minutes after StartLogging and one every 5 minutes, named as CloudTrail names them', async () => {
    // prepare
    clock.advance({ minutes: 4 });
    const early = await t.world.cloudtrail.deliveredFiles({ accountId: member, kind: 'log' });

    // act
    clock.advance({ minutes: 16 });
    const logs = await t.world.cloudtrail.deliveredFiles({ accountId: member, kind: 'log' });

    // assert
    expect(early).toEqual([]);
    expect(logs.map((f) => f.deliveredAt)).toEqual([5, 10, 15, 20].map((m) => plusMinutes(start, m)));
    expect(logs[0]).toMatchObject({ bucket: DEMO.bucketName, trailArn: trailArnOf(member), region: DEMO.region });
    expect(logs[0].key).toMatch(new RegExp(`^cloudtrail/AWSLogs/${member}/CloudTrail/eu-west-1/2025/03/01/${member}_CloudTrail_eu-west-1_20250301T0005Z_[A-Za-z0-9]{16}\\.json\\.gz$`));
    expect(new Set(logs.map((f) => f.key)).size).toBe(4);
    // The objects are in the bucket, encrypted with the trail's key.
    expect(t.world.s3.listObjects(DEMO.bucketName, `cloudtrail/AWSLogs/${member}/CloudTrail/`)[0]).toMatchObject({ key: logs[0].key, sseKmsKeyId: DEMO.keyArn, sourceArn: trailArnOf(member) });
  });

  it('GetTrailStatus reports the deliveries made by the time it is called: LatestDeliveryTime and LatestDigestDeliveryTime advance with the clock', async () => {
    // prepare
    const before = await status(ct);

    // act
    clock.advance({ minutes: 62 });
    const after = await status(ct);

    // assert
    expect(before).toMatchObject({ IsLogging: true, StartLoggingTime: start });
    expect(before.LatestDeliveryTime).toBeUndefined();
    expect(before.LatestDigestDeliveryTime).toBeUndefined();
    expect(after.LatestDeliveryTime).toEqual(plusMinutes(start, 60));
    expect(after.LatestDigestDeliveryTime).toEqual(plusMinutes(start, 60));
    expect(after.LatestDeliveryError).toBeUndefined();
    expect(after.LatestDigestDeliveryError).toBeUndefined();
  });

  it('delivers a digest file every hour, under CloudTrail-Digest/, also for an idle account that has no log file to deliver', async () => {
    // prepare
    t.world.cloudtrail.setIdle(member);

    // act
    clock.advance({ hours: 3 });
    const files = await t.world.cloudtrail.deliveredFiles({ accountId: member });
    const s = await status(ct);

    // assert
    expect(files.filter((f) => f.kind === 'log')).toEqual([]);
    const digests = files.filter((f) => f.kind === 'digest');
    expect(digests.map((f) => f.deliveredAt)).toEqual([60, 120, 180].map((m) => plusMinutes(start, m)));
    expect(digests[0].key).toBe(`cloudtrail/AWSLogs/${member}/CloudTrail-Digest/eu-west-1/2025/03/01/${member}_CloudTrail-Digest_eu-west-1_${DEMO.trailName}_eu-west-1_20250301T010000Z.json.gz`);
    expect(s.LatestDeliveryTime).toBeUndefined();
    expect(s.LatestDigestDeliveryTime).toEqual(plusMinutes(start, 180));
  });

  it('a trail without log file validation delivers log files and no digest', async () => {
    // prepare
    await ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, EnableLogFileValidation: false }));

    // act
    clock.advance({ hours: 3 });
    const files = await t.world.cloudtrail.deliveredFiles({ accountId: member });

    // assert: the chain ends with one more digest ("broken after one hour").
    expect(files.filter((f) => f.kind === 'digest').map((f) => f.deliveredAt)).toEqual([plusMinutes(start, 60)]);
    expect(files.filter((f) => f.kind === 'log')).toHaveLength(36);
  });

  it('a bucket policy without the service statement fails every delivery from then on with AccessDenied; earlier ones stay delivered', async () => {
    // prepare: an hour of deliveries nobody has looked at yet
    clock.advance({ minutes: 62 });
    const archive = logArchive(t);

    // act: the policy is overwritten (only its foreign statements), then time passes
    await archive.bucketPolicy([], ['CloudTrailOnboardingDelivery']);
    clock.advance({ hours: 2 });
    const s = await status(ct);

    // assert
    expect(s.LatestDeliveryError).toBe('AccessDenied');
    expect(s.LatestDigestDeliveryError).toBe('AccessDenied');
    expect(s.LatestDeliveryTime).toEqual(plusMinutes(start, 60));
    expect(s.LatestDigestDeliveryTime).toEqual(plusMinutes(start, 60));
    expect((await t.world.cloudtrail.deliveredFiles({ accountId: member, kind: 'log' })).at(-1)?.deliveredAt).toEqual(plusMinutes(start, 60));
  });

  it('a deleted bucket policy makes the deliveries fail with AccessDenied too', async () => {
    // prepare
    const archive = logArchive(t);
    await t.world.cloudtrail.deliver();

    // act
    await archive.s3.send(new DeleteBucketPolicyCommand({ Bucket: DEMO.bucketName }));
    clock.advance({ minutes: 10 });

    // assert
    expect((await status(ct)).LatestDeliveryError).toBe('AccessDenied');
  });

  it('once the policy is repaired, the next delivery succeeds, clears the error and brings the files that waited (CloudTrail retries for 30 days)', async () => {
    // prepare: 30 minutes of failed deliveries (6 log files wait)
    const archive = logArchive(t);
    await archive.bucketPolicy([], ['CloudTrailOnboardingDelivery']);
    clock.advance({ minutes: 30 });
    expect((await status(ct)).LatestDeliveryError).toBe('AccessDenied');

    // act
    await archive.bucketPolicy([deliveryStatement([member])]);
    clock.advance({ minutes: 5 });
    const s = await status(ct);
    const logs = await t.world.cloudtrail.deliveredFiles({ accountId: member, kind: 'log' });

    // assert
    expect(s.LatestDeliveryError).toBeUndefined();
    expect(s.LatestDeliveryTime).toEqual(plusMinutes(start, 35));
    expect(logs).toHaveLength(7);
    expect(new Set(logs.map((f) => f.deliveredAt.getTime()))).toEqual(new Set([plusMinutes(start, 35).getTime()]));
  });

  it('files that waited more than 30 days are not delivered', async () => {
    // prepare
    const archive = logArchive(t);
    await archive.bucketPolicy([], ['CloudTrailOnboardingDelivery']);
    clock.advance({ days: 31 });
    await status(ct);

    // act
    await archive.bucketPolicy([deliveryStatement([member])]);
    clock.advance({ minutes: 5 });
    await status(ct);

    // assert: 30 days of 5-minute files (and the new one), not 31
    const logs = await t.world.cloudtrail.deliveredFiles({ accountId: member, kind: 'log' });
    expect(logs.length).toBeLessThanOrEqual((30 * 24 * 60 * 60 * 1000) / LOG_DELIVERY_INTERVAL_MS + 2);
    expect(logs.length).toBeGreaterThan((29 * 24 * 60 * 60 * 1000) / LOG_DELIVERY_INTERVAL_MS);
  });

  it('a key policy without the Encrypt statement fails log and digest deliveries with KMS.AccessDeniedException', async () => {
    // prepare
    const archive = logArchive(t);

    // act
    await archive.keyPolicy([], ['CloudTrailOnboardingEncrypt']);
    clock.advance({ hours: 1 });
    const s = await status(ct);

    // assert
    expect(s.LatestDeliveryError).toBe('KMS.AccessDeniedException');
    expect(s.LatestDigestDeliveryError).toBe('KMS.AccessDeniedException');
    expect(s.LatestDeliveryTime).toBeUndefined();
  });

  it('the key grant of one account does not let another account deliver', async () => {
    // prepare: both trails exist, the key statement lists only the first account
    const clients: Record<string, CloudTrailClient> = { [member]: ct, ...(await onboardTrails(t, [other], { grant: [member, other] })) };
    await logArchive(t).keyPolicy(keyStatements([member]));

    // act
    clock.advance({ minutes: 10 });

    // assert
    expect((await status(clients[member])).LatestDeliveryError).toBeUndefined();
    expect((await status(clients[other])).LatestDeliveryError).toBe('KMS.AccessDeniedException');
  });

  it('StopLogging stops log files at once and digest files after one more; StartLogging starts both again', async () => {
    // prepare
    clock.advance({ minutes: 90 });

    // act
    await ct.send(new StopLoggingCommand({ Name: DEMO.trailName }));
    clock.advance({ hours: 3 });
    const stopped = await status(ct);
    await ct.send(new StartLoggingCommand({ Name: DEMO.trailName }));
    clock.advance({ hours: 1 });
    const restarted = await status(ct);

    // assert
    expect(stopped).toMatchObject({ IsLogging: false, StopLoggingTime: plusMinutes(start, 90) });
    expect(stopped.LatestDeliveryTime).toEqual(plusMinutes(start, 90));
    expect(stopped.LatestDigestDeliveryTime).toEqual(plusMinutes(start, 120));
    expect(restarted.IsLogging).toBe(true);
    expect(restarted.LatestDeliveryTime).toEqual(plusMinutes(start, 330));
    expect(restarted.LatestDigestDeliveryTime).toEqual(plusMinutes(start, 330));
  });

  it('a trail pointed at another prefix delivers there from then on; the bucket policy decides again', async () => {
    // prepare: the bucket grants the new prefix as well
    const archive = logArchive(t);
    const statement = deliveryStatement([member]);
    await archive.bucketPolicy([{ ...statement, Resource: [...statement.Resource, `arn:aws:s3:::${DEMO.bucketName}/elsewhere/AWSLogs/\${aws:SourceAccount}/*`] }]);
    clock.advance({ minutes: 10 });

    // act
    await ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, S3KeyPrefix: 'elsewhere' }));
    clock.advance({ minutes: 10 });
    const logs = await t.world.cloudtrail.deliveredFiles({ accountId: member, kind: 'log' });

    // assert
    expect(logs.map((f) => f.key.split('/')[0])).toEqual(['cloudtrail', 'cloudtrail', 'elsewhere', 'elsewhere']);
  });

  it('deliveries are the same whether looked at every 5 minutes or once', async () => {
    // prepare: a second world on the same clock schedule, looked at once
    const clock2 = manualClock(start);
    const t2 = demoWorld({ clock: clock2 });
    await onboardTrails(t2, [member]);

    // act
    for (let i = 0; i < 24; i += 1) {
      clock.advance({ minutes: 5 });
      await status(ct);
    }
    clock2.advance({ hours: 2 });
    const once = await t2.world.cloudtrail.deliveredFiles();
    const often = await t.world.cloudtrail.deliveredFiles();
    await t2.dispose();

    // assert
    expect(often.map((f) => [f.key, f.deliveredAt])).toEqual(once.map((f) => [f.key, f.deliveredAt]));
  });

  it('deliver() returns what it delivered, and refuses a time later than the world', async () => {
    // act
    clock.advance({ minutes: 10 });
    const first = await t.world.cloudtrail.deliver(plusMinutes(start, 5));
    const second = await t.world.cloudtrail.deliver();
    const nothing = await t.world.cloudtrail.deliver();

    // assert
    expect(first.map((f) => f.deliveredAt)).toEqual([plusMinutes(start, 5)]);
    expect(second.map((f) => f.deliveredAt)).toEqual([plusMinutes(start, 10)]);
    expect(nothing).toEqual([]);
    await expect(t.world.cloudtrail.deliver(plusMinutes(start, 11))).rejects.toThrow(/later than the world's time/);
  });

  it('exportWorld keeps the schedule, the latest outcomes, the waiting files and the delivered objects; importWorld goes on from there', async () => {
    // prepare: 40 minutes of deliveries, then 20 minutes under a policy without the grant, not looked at yet
    clock.advance({ minutes: 40 });
    await status(ct);
    const granting = t.world.s3.getBucket(DEMO.bucketName)?.policy;
    await logArchive(t).bucketPolicy([], ['CloudTrailOnboardingDelivery']);
    clock.advance({ minutes: 20 });
    const saved = JSON.parse(JSON.stringify(exportWorld(t.world)));

    // act
    const restored = importWorld(saved, { clock });
    const failing = await restored.cloudtrail.deliveryStatus(trailArnOf(member));
    // A direct change (as seeding or the simulated CloudFormation makes) tells CloudTrail first.
    restored.cloudtrail.beforeChange({ bucket: DEMO.bucketName });
    restored.s3.getBucket(DEMO.bucketName)!.policy = granting;
    clock.advance({ minutes: 5 });
    const repaired = await restored.cloudtrail.deliveryStatus(trailArnOf(member));
    const logs = await restored.cloudtrail.deliveredFiles({ accountId: member, kind: 'log' });
    const digests = await restored.cloudtrail.deliveredFiles({ accountId: member, kind: 'digest' });

    // assert
    expect(saved.cloudtrail.deliveries.trails[trailArnOf(member)]).toBeDefined();
    expect(saved.s3.objects[DEMO.bucketName]).toHaveLength(8);
    expect(failing).toEqual({ latestDeliveryTime: plusMinutes(start, 40), latestDeliveryError: 'AccessDenied', latestDigestDeliveryError: 'AccessDenied' });
    // the log files go at once; the digest is tried again with the next one, an hour later
    expect(repaired).toEqual({ latestDeliveryTime: plusMinutes(start, 65), latestDigestDeliveryError: 'AccessDenied' });
    // 8 before, the 4 that waited and the new one at 65 minutes
    expect(logs).toHaveLength(13);
    expect(digests).toEqual([]);
    clock.advance({ minutes: 55 });
    expect(await restored.cloudtrail.deliveryStatus(trailArnOf(member))).toMatchObject({ latestDigestDeliveryTime: plusMinutes(start, 120) });
    // the digest of the first hour, delivered late, keeps its name (the end of the hour it covers)
    const late = await restored.cloudtrail.deliveredFiles({ accountId: member, kind: 'digest' });
    expect(late.map((f) => [f.key.slice(-24), f.deliveredAt.getTime() - start.getTime()])).toEqual([
      ['20250301T010000Z.json.gz', 2 * DIGEST_DELIVERY_INTERVAL_MS],
      ['20250301T020000Z.json.gz', 2 * DIGEST_DELIVERY_INTERVAL_MS],
    ]);
  });
});
