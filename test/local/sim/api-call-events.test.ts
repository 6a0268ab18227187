/**
 * "AWS API Call via CloudTrail" events of the simulation (local/sim/api-call-events.ts, emitted by
 * world.ts after a successful write): their shape, compared with the samples in
 * ../shared/fixtures/cloudtrail-api-events.json, and when EventBridge gets one at all: in the account
 * and region of the call only, only while a trail there records it (IAM: us-east-1), best effort.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudTrailClient, CreateTrailCommand, GetTrailCommand, PutEventSelectorsCommand, StartLoggingCommand, StopLoggingCommand, UpdateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import type { SimEvent } from '../../../local/sim/events';
import { caught, DEMO, demoWorld, type TestWorld } from './helpers';
import { asLogArchiveAdmin, asMemberAdmin, logArchive, onboardTrails, trailArnOf } from './trail-setup';

const SHARED = path.join(__dirname, '../../../../shared/fixtures/cloudtrail-api-events.json');
const COPY = path.join(__dirname, '../../fixtures/cloudtrail-api-events.json');
/** The samples: the shared file when it is there (the source of truth), else the copy in test/fixtures. */
const samples = JSON.parse(readFileSync(existsSync(SHARED) ? SHARED : COPY, 'utf8')) as Record<string, SimEvent & { detail: Record<string, unknown> }>;

/** The structure of a JSON value: member names with the types of their values. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  return typeof value;
}

const member = DEMO.memberAccountIds[0];
const defaultBus = (account: string, region: string) => `arn:aws:events:${region}:${account}:event-bus/default`;
type Detail = { eventName: string; eventSource: string; awsRegion: string; requestParameters: Record<string, unknown> | null; responseElements: Record<string, unknown> | null; [k: string]: unknown };

describe('AWS API Call via CloudTrail events', () => {
  let t: TestWorld;

  beforeEach(() => {
    t = demoWorld();
  });
  afterEach(() => t.dispose());

  /** Events that reached default buses, as [account, region, source, eventName]. */
  const arrived = () => t.world.events.received().map((r) => [r.event.account, r.event.region, r.event.source, (r.event.detail as Detail).eventName]);
  const eventsNamed = (name: string) => t.world.events.received().filter((r) => (r.event.detail as Detail).eventName === name).map((r) => r.event);

  it('an emitted StopLogging event has exactly the structure of the fixture sample, with the call and the caller as its values', async () => {
    // prepare
    const ct = (await onboardTrails(t, [member]))[member];

    // act
    await ct.send(new StopLoggingCommand({ Name: trailArnOf(member) }));

    // assert
    const [event, ...more] = eventsNamed('StopLogging');
    expect(more).toEqual([]);
    expect(shape(event)).toEqual(shape(samples.stopLogging));
    const detail = event.detail as Detail;
    expect(event).toMatchObject({ version: '0', source: 'aws.cloudtrail', 'detail-type': 'AWS API Call via CloudTrail', account: member, region: DEMO.region, resources: [] });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(detail).toMatchObject({
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      awsRegion: DEMO.region,
      requestParameters: { name: trailArnOf(member) },
      responseElements: null,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: member,
      eventCategory: 'Management',
      userIdentity: {
        type: 'AssumedRole',
        arn: asMemberAdmin(member),
        accountId: member,
        sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${member}:role/OrganizationAccountAccessRole`, accountId: member, userName: 'OrganizationAccountAccessRole' } },
      },
    });
    const issuer = (detail.userIdentity as { principalId: string; sessionContext: { sessionIssuer: { principalId: string } } });
    expect(issuer.principalId).toBe(`${issuer.sessionContext.sessionIssuer.principalId}:test`);
    expect(detail.requestID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('UpdateTrail and PutEventSelectors carry the request and the response with lowerCamelCase names, as the samples do', async () => {
    // prepare
    const ct = (await onboardTrails(t, [member]))[member];

    // act
    await ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, EnableLogFileValidation: true }));
    await ct.send(new PutEventSelectorsCommand({ TrailName: DEMO.trailName, EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }] }));

    // assert
    const update = eventsNamed('UpdateTrail')[0].detail as Detail;
    expect(Object.keys(update.responseElements ?? {})).toEqual(expect.arrayContaining(Object.keys(samples.updateTrailBucket.detail.responseElements as object)));
    expect(update.requestParameters).toEqual({ name: DEMO.trailName, enableLogFileValidation: true });
    const selectors = eventsNamed('PutEventSelectors')[0].detail as Detail;
    expect(shape(selectors.requestParameters)).toEqual(shape(samples.putEventSelectorsWriteOnly.detail.requestParameters));
    expect(shape(selectors.responseElements)).toEqual(shape(samples.putEventSelectorsWriteOnly.detail.responseElements));
    expect(selectors.responseElements).toEqual(samples.putEventSelectorsWriteOnly.detail.responseElements);
  });

  it("PutBucketPolicy and PutKeyPolicy events go to the log-archive account (the resource's), with the samples' request structure and the key under resources", async () => {
    // prepare: a trail of the log-archive account records its calls
    const archive = logArchive(t);
    await onboardTrails(t, [], { grant: [DEMO.logArchiveAccountId] });
    const ct = t.client(CloudTrailClient, asLogArchiveAdmin);
    await ct.send(new CreateTrailCommand({ Name: DEMO.trailName, S3BucketName: DEMO.bucketName, S3KeyPrefix: DEMO.logPrefix, KmsKeyId: DEMO.keyArn, IsMultiRegionTrail: true }));
    await ct.send(new StartLoggingCommand({ Name: DEMO.trailName }));

    // act
    await archive.bucketPolicy([]);
    await archive.keyPolicy([]);

    // assert
    const [bucket] = eventsNamed('PutBucketPolicy');
    const bucketDetail = bucket.detail as Detail;
    expect(bucket).toMatchObject({ source: 'aws.s3', account: DEMO.logArchiveAccountId, region: DEMO.region });
    expect(Object.keys(bucketDetail.requestParameters ?? {}).sort()).toEqual(Object.keys(samples.putBucketPolicy.detail.requestParameters as object).sort());
    const { Policy } = await archive.s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }));
    expect(bucketDetail.requestParameters).toEqual({ bucketName: DEMO.bucketName, Host: `s3.${DEMO.region}.amazonaws.com`, bucketPolicy: JSON.parse(Policy ?? ''), policy: '' });
    const [key] = eventsNamed('PutKeyPolicy');
    const keyDetail = key.detail as Detail;
    expect(key).toMatchObject({ source: 'aws.kms', account: DEMO.logArchiveAccountId, region: DEMO.region });
    expect(keyDetail.resources).toEqual(samples.putKeyPolicy.detail.resources);
    expect(Object.keys(keyDetail.requestParameters ?? {})).toEqual(expect.arrayContaining(['keyId', 'policy']));
    expect(Object.keys(samples.putKeyPolicy.detail.requestParameters as object)).toEqual(expect.arrayContaining(Object.keys(keyDetail.requestParameters ?? {})));
  });

  it('no event while no trail records: before any trail exists, while the trail is not logging, and after it stopped', async () => {
    // prepare / act: policies written and the trail created, not started
    const ct = (await onboardTrails(t, [member], { logging: false }))[member];
    await ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, EnableLogFileValidation: false }));
    const beforeLogging = arrived();
    await ct.send(new StartLoggingCommand({ Name: DEMO.trailName }));
    await ct.send(new StopLoggingCommand({ Name: DEMO.trailName }));
    await ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, EnableLogFileValidation: true }));

    // assert: StartLogging is recorded by the trail it starts, StopLogging by the trail it stops, nothing after
    expect(beforeLogging).toEqual([]);
    expect(arrived()).toEqual([
      [member, DEMO.region, 'aws.cloudtrail', 'StartLogging'],
      [member, DEMO.region, 'aws.cloudtrail', 'StopLogging'],
    ]);
  });

  it("an organization trail of the management account records the member accounts' calls", async () => {
    // prepare: an organization trail of the management account; no trail of the member's own
    await onboardTrails(t, [], { grant: [DEMO.managementAccountId] });
    const ct = t.client(CloudTrailClient, DEMO.operatorPrincipalArn);
    await ct.send(new CreateTrailCommand({ Name: DEMO.trailName, S3BucketName: DEMO.bucketName, S3KeyPrefix: DEMO.logPrefix, KmsKeyId: DEMO.keyArn, IsOrganizationTrail: true, IsMultiRegionTrail: true }));
    await ct.send(new StartLoggingCommand({ Name: DEMO.trailName }));
    const iam = t.client(IAMClient, asMemberAdmin(member));

    // act
    await iam.send(new PutRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'Extra', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }));

    // assert
    expect(arrived()).toEqual([
      [DEMO.managementAccountId, DEMO.region, 'aws.cloudtrail', 'StartLogging'],
      [member, 'us-east-1', 'aws.iam', 'PutRolePolicy'],
    ]);
  });

  it('read calls and failed calls produce no event', async () => {
    // prepare
    const ct = (await onboardTrails(t, [member]))[member];
    t.world.events.resetLogs();

    // act
    await ct.send(new GetTrailCommand({ Name: DEMO.trailName }));
    await caught(() => ct.send(new StopLoggingCommand({ Name: 'no-such-trail' })));

    // assert
    expect(arrived()).toEqual([]);
  });

  it('IAM calls arrive in us-east-1 only, whatever the client region, and only rules there see them', async () => {
    // prepare
    await onboardTrails(t, [member]);
    const iam = t.client(IAMClient, asMemberAdmin(member), DEMO.region);
    const seen: string[] = [];
    t.world.events.onLambdaTarget(async (fn) => {
      seen.push(fn);
    });
    for (const region of [DEMO.region, 'us-east-1']) {
      const events = t.client(EventBridgeClient, asMemberAdmin(member), region);
      await events.send(new PutRuleCommand({ Name: 'IamChanges', EventPattern: JSON.stringify({ source: ['aws.iam'] }) }));
      await events.send(new PutTargetsCommand({ Rule: 'IamChanges', Targets: [{ Id: 'Fn', Arn: `arn:aws:lambda:${region}:${member}:function:Watch` }] }));
    }

    // act
    await iam.send(new PutRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'Extra', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }));
    await iam.send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }));
    await t.world.events.drain();

    // assert
    const [event, ...more] = eventsNamed('PutRolePolicy');
    expect(more).toEqual([]);
    expect(event).toMatchObject({ source: 'aws.iam', account: member, region: 'us-east-1', detail: { eventSource: 'iam.amazonaws.com', awsRegion: 'us-east-1', requestParameters: { roleName: 'OrganizationAccountAccessRole', policyName: 'Extra' } } });
    expect(shape((event.detail as Detail).requestParameters)).toEqual(shape(samples.putRolePolicyReaderRole.detail.requestParameters));
    expect(t.world.events.received(defaultBus(member, DEMO.region)).filter((r) => r.event.source === 'aws.iam')).toEqual([]);
    expect(seen).toEqual([`arn:aws:lambda:us-east-1:${member}:function:Watch`]);
  });

  it("a single-region trail records its region's calls, not IAM's (recorded in us-east-1)", async () => {
    // prepare
    const ct = (await onboardTrails(t, [member], { trail: { IsMultiRegionTrail: false } }))[member];
    const iam = t.client(IAMClient, asMemberAdmin(member));
    t.world.events.resetLogs();

    // act
    await iam.send(new PutRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'Extra', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }));
    await ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, EnableLogFileValidation: false }));

    // assert
    expect(arrived()).toEqual([[member, DEMO.region, 'aws.cloudtrail', 'UpdateTrail']]);
  });

  it.each<[string, Parameters<typeof putSelectors>[1], string[]]>([
    ['read-only management events record no write', { EventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }] }, []],
    ['no management events record nothing', { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }] }, []],
    ['excluding kms.amazonaws.com drops the KMS events only', { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'] }] }, ['aws.cloudtrail']],
    ['write-only management events record writes', { EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] }, ['aws.kms', 'aws.cloudtrail']],
    ['advanced selectors with readOnly true record no write', { AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['true'] }] }] }, []],
    ['advanced selectors for management events record every source', { AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }] }, ['aws.kms', 'aws.cloudtrail']],
  ])('event selectors decide: %s', async (_name, selectors, sources) => {
    // prepare: the log-archive account's own trail, so that both its KMS and CloudTrail calls can be recorded
    await onboardTrails(t, [], { grant: [DEMO.logArchiveAccountId] });
    const ct = t.client(CloudTrailClient, asLogArchiveAdmin);
    await ct.send(new CreateTrailCommand({ Name: DEMO.trailName, S3BucketName: DEMO.bucketName, S3KeyPrefix: DEMO.logPrefix, KmsKeyId: DEMO.keyArn, IsMultiRegionTrail: true }));
    await ct.send(new StartLoggingCommand({ Name: DEMO.trailName }));
    await putSelectors(ct, selectors);
    t.world.events.resetLogs();

    // act
    await t.client(KMSClient, asLogArchiveAdmin).send(new EnableKeyCommand({ KeyId: DEMO.keyArn }));
    await ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, EnableLogFileValidation: true }));

    // assert
    expect(t.world.events.received().map((r) => r.event.source)).toEqual(sources);
  });

  it('dropNext loses the next events AWS sends (only those matching its filter), later ones arrive', async () => {
    // prepare
    const ct = (await onboardTrails(t, [member]))[member];
    t.world.events.resetLogs();
    t.world.events.dropNext(1);

    // act
    await ct.send(new StopLoggingCommand({ Name: DEMO.trailName }));
    await ct.send(new StartLoggingCommand({ Name: DEMO.trailName }));
    t.world.events.dropNext(5, { eventName: 'UpdateTrail' });
    await ct.send(new UpdateTrailCommand({ Name: DEMO.trailName, EnableLogFileValidation: true }));
    await ct.send(new StopLoggingCommand({ Name: DEMO.trailName }));

    // assert
    expect(t.world.events.dropped().map((e) => (e.detail as Detail).eventName)).toEqual(['StopLogging', 'UpdateTrail']);
    expect(arrived().map((a) => a[3])).toEqual(['StartLogging', 'StopLogging']);
    expect(t.world.events.exportState().drops).toEqual([{ remaining: 4, filter: { eventName: 'UpdateTrail' } }]);
  });

  it('a dropped event is never delivered to a rule that would have matched it', async () => {
    // prepare
    const ct = (await onboardTrails(t, [member]))[member];
    const events = t.client(EventBridgeClient, asMemberAdmin(member));
    await events.send(new PutRuleCommand({ Name: 'TrailStopped', EventPattern: JSON.stringify({ source: ['aws.cloudtrail'], detail: { eventName: ['StopLogging'] } }) }));
    await events.send(new PutTargetsCommand({ Rule: 'TrailStopped', Targets: [{ Id: 'Fn', Arn: `arn:aws:lambda:${DEMO.region}:${member}:function:Watch` }] }));
    const seen: unknown[] = [];
    t.world.events.onLambdaTarget(async (_fn, input) => {
      seen.push(input);
    });
    t.world.events.dropNext(1, { eventName: 'StopLogging' });

    // act
    await ct.send(new StopLoggingCommand({ Name: DEMO.trailName }));
    await t.world.events.drain();

    // assert
    expect(seen).toEqual([]);
    expect(t.world.events.invocations()).toEqual([]);
    expect(t.world.events.dropped()).toHaveLength(1);
  });
});

/** PutEventSelectors on the log-archive trail. */
function putSelectors(ct: CloudTrailClient, selectors: { EventSelectors?: never[] | object[]; AdvancedEventSelectors?: object[] }) {
  return ct.send(new PutEventSelectorsCommand({ TrailName: DEMO.trailName, ...(selectors as object) }));
}
