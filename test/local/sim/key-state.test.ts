/**
 * KMS key state (DisableKey, EnableKey, ScheduleKeyDeletion, CancelKeyDeletion) as the KMS API
 * reference and the key-state table document it, and what it does to CloudTrail: trails refused on
 * CreateTrail/UpdateTrail, deliveries failing with the KMS error.
 */
import { CloudTrailClient, CreateTrailCommand, GetTrailStatusCommand, KmsException, UpdateTrailCommand } from '@aws-sdk/client-cloudtrail';
import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  KMSInvalidStateException,
  NotFoundException,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { isWriteOperation } from '../../../local/sim/calls';
import { exportWorld, importWorld } from '../../../local/sim/persistence';
import { manualClock, plusMinutes, type ManualClock } from './clock';
import { caught, DEMO, demoWorld, type TestWorld } from './helpers';
import { asLogArchiveAdmin, asMemberAdmin, onboardTrails } from './trail-setup';

const member = DEMO.memberAccountIds[0];
const DAY = 24 * 60;

describe('simulated KMS key state', () => {
  let t: TestWorld;
  let clock: ManualClock;
  let kms: KMSClient;
  const describe_ = async () => (await kms.send(new DescribeKeyCommand({ KeyId: DEMO.keyArn }))).KeyMetadata;

  beforeEach(() => {
    clock = manualClock();
    t = demoWorld({ clock });
    kms = t.client(KMSClient, asLogArchiveAdmin);
  });
  afterEach(() => t.dispose());

  it('DisableKey and EnableKey switch the key between Disabled and Enabled, each as often as asked', async () => {
    // act
    await kms.send(new DisableKeyCommand({ KeyId: DEMO.keyId }));
    await kms.send(new DisableKeyCommand({ KeyId: DEMO.keyArn }));
    const disabled = await describe_();
    await kms.send(new EnableKeyCommand({ KeyId: DEMO.keyArn }));
    const enabled = await describe_();

    // assert
    expect(disabled).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(enabled).toMatchObject({ KeyState: 'Enabled', Enabled: true });
    expect(t.world.snapshot().keys[DEMO.keyArn].keyState).toBe('Enabled');
  });

  it('ScheduleKeyDeletion makes the key PendingDeletion, 30 days by default, and DescribeKey shows the DeletionDate', async () => {
    // act
    const out = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyId }));
    const meta = await describe_();

    // assert
    const deletion = plusMinutes(clock(), 30 * DAY);
    expect(out).toMatchObject({ KeyId: DEMO.keyArn, KeyState: 'PendingDeletion', PendingWindowInDays: 30, DeletionDate: deletion });
    expect(meta).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false, DeletionDate: deletion });
  });

  it.each([6, 31, 0])('refuses a waiting period of %i days (7 to 30) with ValidationException', async (days) => {
    // act
    const err = await caught(() => kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: days })));

    // assert
    expect(err.name).toBe('ValidationException');
    expect((await describe_())?.KeyState).toBe('Enabled');
  });

  it('takes 7 and 30 days', async () => {
    // act
    const seven = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 7 }));
    await kms.send(new CancelKeyDeletionCommand({ KeyId: DEMO.keyArn }));
    const thirty = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 30 }));

    // assert
    expect(seven.DeletionDate).toEqual(plusMinutes(clock(), 7 * DAY));
    expect(thirty.DeletionDate).toEqual(plusMinutes(clock(), 30 * DAY));
  });

  it('on a key pending deletion, DisableKey, EnableKey and ScheduleKeyDeletion fail with KMSInvalidStateException; CancelKeyDeletion leaves it Disabled', async () => {
    // prepare
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 7 }));

    // act
    const errors = await Promise.all([
      caught(() => kms.send(new DisableKeyCommand({ KeyId: DEMO.keyArn }))),
      caught(() => kms.send(new EnableKeyCommand({ KeyId: DEMO.keyArn }))),
      caught(() => kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn }))),
    ]);
    const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: DEMO.keyArn }));
    const cancelled = await kms.send(new CancelKeyDeletionCommand({ KeyId: DEMO.keyArn }));
    const meta = await describe_();
    const again = await caught(() => kms.send(new CancelKeyDeletionCommand({ KeyId: DEMO.keyArn })));

    // assert
    for (const err of errors) {
      expect(err).toBeInstanceOf(KMSInvalidStateException);
      expect(err.message).toBe(`${DEMO.keyArn} is pending deletion.`);
    }
    expect(policy.Policy).toBeDefined();
    expect(cancelled).toMatchObject({ KeyId: DEMO.keyArn });
    expect(meta).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(meta?.DeletionDate).toBeUndefined();
    expect(again).toBeInstanceOf(KMSInvalidStateException);
    expect(again.message).toBe(`${DEMO.keyArn} is not pending deletion.`);
  });

  it('deletes the key and its aliases when the waiting period ends', async () => {
    // prepare
    const alias = t.world.kms.addAlias(DEMO.keyArn, 'alias/cloudtrail');
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 7 }));
    clock.advance({ days: 6, hours: 23 });
    expect((await describe_())?.KeyState).toBe('PendingDeletion');

    // act
    clock.advance({ hours: 1 });
    const gone = await caught(() => describe_());
    const aliasGone = await caught(() => kms.send(new DescribeKeyCommand({ KeyId: alias })));

    // assert
    expect(gone).toBeInstanceOf(NotFoundException);
    expect(aliasGone).toBeInstanceOf(NotFoundException);
    expect(t.world.snapshot().keys[DEMO.keyArn]).toBeUndefined();
  });

  it('none of the four works from another account, even its management account', async () => {
    // prepare
    const fromManagement = t.client(KMSClient, DEMO.operatorPrincipalArn);

    // act
    const errors = await Promise.all([
      caught(() => fromManagement.send(new DisableKeyCommand({ KeyId: DEMO.keyArn }))),
      caught(() => fromManagement.send(new EnableKeyCommand({ KeyId: DEMO.keyArn }))),
      caught(() => fromManagement.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn }))),
      caught(() => fromManagement.send(new CancelKeyDeletionCommand({ KeyId: DEMO.keyArn }))),
    ]);

    // assert
    expect(errors.map((e) => e.name)).toEqual(Array(4).fill('AccessDeniedException'));
    expect(errors[0].message).toContain(`is not authorized to perform: kms:DisableKey on resource: ${DEMO.keyArn}`);
    expect((await describe_())?.KeyState).toBe('Enabled');
  });

  it('the key policy decides, its kms:ScheduleKeyDeletionPendingWindowInDays condition included', async () => {
    // prepare: the key's owners deny deleting it with less than 30 days to react
    const doc = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: DEMO.keyArn }))).Policy ?? '{}') as { Statement: object[] };
    doc.Statement.push({
      Sid: 'NoQuickDeletion',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:ScheduleKeyDeletion',
      Resource: '*',
      Condition: { NumericLessThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '30' } },
    });
    await kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: JSON.stringify(doc) }));

    // act
    const quick = await caught(() => kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 7 })));
    const slow = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 30 }));

    // assert
    expect(quick.name).toBe('AccessDeniedException');
    expect(slow.KeyState).toBe('PendingDeletion');
  });

  it('the four are write operations in the call log, and faults can be injected into them', async () => {
    // prepare
    t.world.faults.inject({ service: 'kms', operation: 'DisableKey', error: 'AccessDenied' });

    // act
    const denied = await caught(() => kms.send(new DisableKeyCommand({ KeyId: DEMO.keyArn })));

    // assert
    expect(denied.name).toBe('AccessDeniedException');
    expect((await describe_())?.KeyState).toBe('Enabled');
    expect(['DisableKey', 'EnableKey', 'ScheduleKeyDeletion', 'CancelKeyDeletion', 'PutEventSelectors'].every(isWriteOperation)).toBe(true);
    expect(isWriteOperation('GetEventSelectors')).toBe(false);
    expect(t.world.calls.find((c) => c.operation === 'DisableKey')).toMatchObject({ service: 'kms', write: true, error: 'AccessDeniedException' });
  });

  it('keeps the key state and deletion date through exportWorld and importWorld', async () => {
    // prepare
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 10 }));

    // act
    const restored = importWorld(JSON.parse(JSON.stringify(exportWorld(t.world))), { clock });

    // assert
    const key = restored.kms.resolve(DEMO.keyArn, DEMO.logArchiveAccountId, DEMO.region);
    expect(key).toMatchObject({ keyState: 'PendingDeletion', deletionDate: plusMinutes(clock(), 10 * DAY) });
  });

  describe('and CloudTrail', () => {
    let ct: CloudTrailClient;
    let start: Date;
    const status = () => ct.send(new GetTrailStatusCommand({ Name: DEMO.trailName }));

    beforeEach(async () => {
      ct = (await onboardTrails(t, [member]))[member];
      start = clock();
    });

    it('CreateTrail and UpdateTrail refuse a disabled key, or one pending deletion, with KmsException', async () => {
      // prepare
      const [, other, third] = DEMO.memberAccountIds;
      await onboardTrails(t, [other], { logging: false, grant: [member, other, third], trail: { KmsKeyId: '' } });
      const otherCt = t.client(CloudTrailClient, asMemberAdmin(other));
      await kms.send(new DisableKeyCommand({ KeyId: DEMO.keyArn }));

      // act
      const update = await caught(() => otherCt.send(new UpdateTrailCommand({ Name: DEMO.trailName, KmsKeyId: DEMO.keyArn })));
      await kms.send(new EnableKeyCommand({ KeyId: DEMO.keyArn }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn }));
      const create = await caught(() =>
        t.client(CloudTrailClient, asMemberAdmin(third)).send(new CreateTrailCommand({ Name: DEMO.trailName, S3BucketName: DEMO.bucketName, S3KeyPrefix: DEMO.logPrefix, KmsKeyId: DEMO.keyArn })),
      );

      // assert
      expect(update).toBeInstanceOf(KmsException);
      expect(update.message).toBe(`KMS key ${DEMO.keyArn} is not enabled.`);
      expect(create).toBeInstanceOf(KmsException);
      expect(create.message).toBe(`KMS key ${DEMO.keyArn} is pending deletion.`);
    });

    it('a disabled key fails deliveries with KMS.DisabledException until it is enabled again', async () => {
      // prepare
      clock.advance({ minutes: 10 });

      // act
      await kms.send(new DisableKeyCommand({ KeyId: DEMO.keyArn }));
      clock.advance({ hours: 1 });
      const disabled = await status();
      await kms.send(new EnableKeyCommand({ KeyId: DEMO.keyArn }));
      clock.advance({ minutes: 5 });
      const enabled = await status();

      // assert
      expect(disabled).toMatchObject({ LatestDeliveryError: 'KMS.DisabledException', LatestDeliveryTime: plusMinutes(start, 10), LatestDigestDeliveryError: 'KMS.DisabledException' });
      expect(enabled.LatestDeliveryError).toBeUndefined();
      expect(enabled.LatestDeliveryTime).toEqual(plusMinutes(start, 75));
    });

    it('a key pending deletion fails them with KMS.KMSInvalidStateException, a deleted one with KMS.NotFoundException', async () => {
      // act
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 7 }));
      clock.advance({ hours: 1 });
      const pending = await status();
      clock.advance({ days: 7 });
      const deleted = await status();

      // assert
      expect(pending).toMatchObject({ LatestDeliveryError: 'KMS.KMSInvalidStateException', LatestDigestDeliveryError: 'KMS.KMSInvalidStateException' });
      expect(pending.LatestDeliveryTime).toBeUndefined();
      expect(deleted).toMatchObject({ LatestDeliveryError: 'KMS.NotFoundException', LatestDigestDeliveryError: 'KMS.NotFoundException' });
    });

    it('a key deleted while nobody looked: the deletion happens on its date, deliveries fail with KMS.NotFoundException', async () => {
      // prepare
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO.keyArn, PendingWindowInDays: 7 }));

      // act
      clock.advance({ days: 8 });
      await t.world.cloudtrail.deliver();

      // assert
      expect((await status()).LatestDeliveryError).toBe('KMS.NotFoundException');
      expect(t.world.kms.list().map((k) => k.arn)).not.toContain(DEMO.keyArn);
    });
  });
});
