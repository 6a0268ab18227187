/**
 * CloudTrail event selectors (GetEventSelectors, PutEventSelectors) as the API reference documents
 * them: the default selector, basic or advanced selectors but not both, the home region only, and
 * InvalidEventSelectorsException for what CloudTrail does not take.
 */
import {
  CloudTrailClient,
  GetEventSelectorsCommand,
  GetTrailCommand,
  InvalidEventSelectorsException,
  PutEventSelectorsCommand,
  type AdvancedEventSelector,
  type AdvancedFieldSelector,
  type EventSelector,
  type PutEventSelectorsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { manualClock, type ManualClock } from './clock';
import { caught, DEMO, demoWorld, type TestWorld } from './helpers';
import { asMemberAdmin, onboardTrails, trailArnOf } from './trail-setup';

const member = DEMO.memberAccountIds[0];
const trailArn = trailArnOf(member);
const defaultSelector: EventSelector = { ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] };
const management = (extra: AdvancedFieldSelector[] = []): AdvancedEventSelector => ({ Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, ...extra] });

describe('simulated CloudTrail event selectors', () => {
  let t: TestWorld;
  let ct: CloudTrailClient;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = manualClock();
    t = demoWorld({ clock });
    ct = (await onboardTrails(t, [member]))[member];
  });
  afterEach(() => t.dispose());

  const put = (input: Omit<PutEventSelectorsCommandInput, 'TrailName'>) => ct.send(new PutEventSelectorsCommand({ TrailName: DEMO.trailName, ...input }));
  const get = () => ct.send(new GetEventSelectorsCommand({ TrailName: DEMO.trailName }));

  it('a new trail has the default selector: all read and write management events, no data events', async () => {
    // act
    const out = await get();
    const { Trail } = await ct.send(new GetTrailCommand({ Name: DEMO.trailName }));

    // assert
    expect(out.TrailARN).toBe(trailArn);
    expect(out.EventSelectors).toEqual([defaultSelector]);
    expect(out.AdvancedEventSelectors).toBeUndefined();
    expect(Trail?.HasCustomEventSelectors).toBe(false);
    expect(t.world.snapshot().trails[trailArn].eventSelectors).toEqual([defaultSelector]);
  });

  it('PutEventSelectors stores basic selectors with their defaults filled in, as GetEventSelectors returns them', async () => {
    // act
    const out = await put({ EventSelectors: [{ ReadWriteType: 'WriteOnly' }] });
    const read = await get();
    const { Trail } = await ct.send(new GetTrailCommand({ Name: DEMO.trailName }));

    // assert
    const writeOnly = { ...defaultSelector, ReadWriteType: 'WriteOnly' };
    expect(out).toMatchObject({ TrailARN: trailArn, EventSelectors: [writeOnly] });
    expect(read.EventSelectors).toEqual([writeOnly]);
    expect(Trail?.HasCustomEventSelectors).toBe(true);
    expect(t.world.snapshot().trails[trailArn].eventSelectors).toEqual([writeOnly]);
    expect(t.world.calls.filter((c) => c.operation.endsWith('EventSelectors')).map((c) => [c.operation, c.write])).toEqual([
      ['PutEventSelectors', true],
      ['GetEventSelectors', false],
    ]);
  });

  it('putting the default selector back gives the same snapshot as never changing it', async () => {
    // prepare
    const clean = t.world.snapshot().trails[trailArn];

    // act
    await put({ EventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: false, ExcludeManagementEventSources: ['kms.amazonaws.com'] }] });
    await put({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] });

    // assert
    expect(t.world.snapshot().trails[trailArn]).toEqual(clean);
  });

  it('advanced selectors replace the basic ones, and back', async () => {
    // act
    await put({ EventSelectors: [{ ReadWriteType: 'WriteOnly' }] });
    await put({ AdvancedEventSelectors: [management([{ Field: 'readOnly', Equals: ['false'] }])] });
    const advanced = await get();
    await put({ EventSelectors: [defaultSelector] });
    const basic = await get();

    // assert
    expect(advanced.EventSelectors).toBeUndefined();
    expect(advanced.AdvancedEventSelectors).toEqual([management([{ Field: 'readOnly', Equals: ['false'] }])]);
    expect(basic.AdvancedEventSelectors).toBeUndefined();
    expect(basic.EventSelectors).toEqual([defaultSelector]);
  });

  it.each<[string, Omit<PutEventSelectorsCommandInput, 'TrailName'>]>([
    ['both kinds at once', { EventSelectors: [defaultSelector], AdvancedEventSelectors: [management()] }],
    ['neither kind', {}],
    ['no selector', { EventSelectors: [] }],
    ['six selectors', { EventSelectors: Array.from({ length: 6 }, () => ({ ReadWriteType: 'All' as const })) }],
    ['ReadWriteType read-only', { EventSelectors: [{ ReadWriteType: 'read-only' as never }] }],
    ['excluding a source other than KMS or RDS Data API', { EventSelectors: [{ ExcludeManagementEventSources: ['s3.amazonaws.com'] }] }],
    ['a data resource type basic selectors do not take', { EventSelectors: [{ DataResources: [{ Type: 'AWS::EC2::Snapshot', Values: ['arn:aws:ec2'] }] }] }],
    ['a data resource without values', { EventSelectors: [{ DataResources: [{ Type: 'AWS::S3::Object', Values: [] }] }] }],
    ['251 data resources', { EventSelectors: [{ DataResources: [{ Type: 'AWS::S3::Object', Values: Array.from({ length: 251 }, (_, i) => `arn:aws:s3:::bucket-${i}/`) }] }] }],
    ['an advanced selector without eventCategory', { AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'readOnly', Equals: ['true'] }] }] }],
    ['an advanced management selector on eventName', { AdvancedEventSelectors: [management([{ Field: 'eventName', Equals: ['StopLogging'] }])] }],
    ['an advanced management selector on eventSource Equals', { AdvancedEventSelectors: [management([{ Field: 'eventSource', Equals: ['kms.amazonaws.com'] }])] }],
    ['readOnly other than true or false', { AdvancedEventSelectors: [management([{ Field: 'readOnly', Equals: ['yes'] }])] }],
    ['a data selector without resources.type', { AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }] }],
    [
      'more than 500 values',
      {
        AdvancedEventSelectors: [
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
              { Field: 'resources.ARN', StartsWith: Array.from({ length: 499 }, (_, i) => `arn:aws:s3:::bucket-${i}/`) },
            ],
          },
        ],
      },
    ],
  ])('refuses %s with InvalidEventSelectorsException and keeps the selectors', async (_label, input) => {
    // act
    const err = await caught(() => put(input));

    // assert
    expect(err).toBeInstanceOf(InvalidEventSelectorsException);
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect((await get()).EventSelectors).toEqual([defaultSelector]);
  });

  it('takes 500 values in all, and data events in basic selectors', async () => {
    // act
    const values = Array.from({ length: 498 }, (_, i) => `arn:aws:s3:::bucket-${i}/`);
    await put({
      AdvancedEventSelectors: [
        { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }, { Field: 'resources.ARN', StartsWith: values }] },
      ],
    });
    await put({ EventSelectors: [{ DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::bucket/'] }] }, { ReadWriteType: 'ReadOnly' }] });

    // assert
    expect((await get()).EventSelectors).toHaveLength(2);
  });

  it('is changed only from the home region (by ARN elsewhere: InvalidHomeRegionException), and read by ARN from any region', async () => {
    // prepare
    const elsewhere = t.client(CloudTrailClient, asMemberAdmin(member), 'us-east-1');

    // act
    const putElsewhere = await caught(() => elsewhere.send(new PutEventSelectorsCommand({ TrailName: trailArn, EventSelectors: [defaultSelector] })));
    const byNameElsewhere = await caught(() => elsewhere.send(new GetEventSelectorsCommand({ TrailName: DEMO.trailName })));
    const byArnElsewhere = await elsewhere.send(new GetEventSelectorsCommand({ TrailName: trailArn }));
    const byArnHome = await ct.send(new PutEventSelectorsCommand({ TrailName: trailArn, EventSelectors: [{ ReadWriteType: 'WriteOnly' }] }));

    // assert
    expect(putElsewhere.name).toBe('InvalidHomeRegionException');
    expect(byNameElsewhere.name).toBe('TrailNotFoundException');
    expect(byArnElsewhere.EventSelectors).toEqual([defaultSelector]);
    expect(byArnHome.EventSelectors?.[0].ReadWriteType).toBe('WriteOnly');
  });

  it('is authorized as cloudtrail:PutEventSelectors on the trail', async () => {
    // prepare: a member role allowed to read the trail only
    const reader = t.world.iam.createRole(member, {
      name: 'TrailReader',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${member}:root` }, Action: 'sts:AssumeRole' }] },
      inlinePolicies: { Read: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['cloudtrail:GetEventSelectors'], Resource: trailArn }] } },
    });
    const asReader = t.client(CloudTrailClient, `arn:aws:sts::${member}:assumed-role/${reader.name}/test`);

    // act
    const read = await asReader.send(new GetEventSelectorsCommand({ TrailName: DEMO.trailName }));
    const write = await caught(() => asReader.send(new PutEventSelectorsCommand({ TrailName: DEMO.trailName, EventSelectors: [defaultSelector] })));

    // assert
    expect(read.EventSelectors).toEqual([defaultSelector]);
    expect(write.name).toBe('AccessDeniedException');
    expect(write.message).toContain(`is not authorized to perform: cloudtrail:PutEventSelectors on resource: ${trailArn}`);
  });

  it('a trail that selects no event writes no log files, and still a digest every hour', async () => {
    // prepare
    const start = clock();
    await put({ EventSelectors: [{ IncludeManagementEvents: false }] });

    // act
    clock.advance({ hours: 2 });
    const files = await t.world.cloudtrail.deliveredFiles({ accountId: member });

    // assert
    expect(files.map((f) => [f.kind, (f.deliveredAt.getTime() - start.getTime()) / 60_000])).toEqual([
      ['digest', 60],
      ['digest', 120],
    ]);
  });

  it('a write-only trail still writes log files', async () => {
    // prepare
    await put({ EventSelectors: [{ ReadWriteType: 'WriteOnly' }] });

    // act
    clock.advance({ minutes: 10 });

    // assert
    expect(await t.world.cloudtrail.deliveredFiles({ accountId: member, kind: 'log' })).toHaveLength(2);
  });
});
