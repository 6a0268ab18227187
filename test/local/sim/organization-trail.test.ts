/**
 * Organization trails in the simulation (local/sim/cloudtrail.ts, delivery.ts, organizations.ts):
 * feature set and trusted access, the CloudTrail delegated administrator, organization trails created
 * from the management account or the delegated administrator (and refused otherwise), visible but
 * unchangeable in member accounts, delivering every account's files to the organization prefix with
 * CloudTrail's encryption context on the simulated clock. Through the real SDK clients.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  DeregisterOrganizationDelegatedAdminCommand,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  RegisterOrganizationDelegatedAdminCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  DescribeOrganizationCommand,
  DisableAWSServiceAccessCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DEMO, type DemoWorldOptions } from '../../../local/sim/demo-world';
import { exportWorld, importWorld } from '../../../local/sim/persistence';
import { seedAdministrator, seedOrganizationTrail } from '../../../local/sim/seeds';
import type { SimWorld } from '../../../local/sim/world';
import { manualClock, type ManualClock } from './clock';
import { caught, demoWorld, session, type TestWorld } from './helpers';

const MGMT = DEMO.managementAccountId;
const ORG = DEMO.organizationId;
const [M1, M2, M3] = DEMO.memberAccountIds;
const CT = 'cloudtrail.amazonaws.com';
const TRAIL = 'org-trail';
const TRAIL_ARN = DEMO.organizationTrailArn;
const asAdmin = (accountId: string) => session(accountId, 'Administrator');
const asMember = (accountId: string) => session(accountId, 'OrganizationAccountAccessRole');

/** The demo organization with createDemoWorld's options (feature set, trusted access) behind the SDK. */
const world = (options: DemoWorldOptions = {}): TestWorld => demoWorld(options);

/** The key statements an organization trail needs (the bucket's come with the demo: another team's, pinned to DEMO.organizationTrailArn). */
function grantKey(w: SimWorld, trailArn = TRAIL_ARN): void {
  const key = w.kms.resolve(DEMO.keyArn, DEMO.logArchiveAccountId, DEMO.region);
  if (!key) throw new Error('no demo key');
  const doc = JSON.parse(key.policy) as { Statement: object[] };
  doc.Statement.push(
    {
      Sid: 'OrgTrailEncrypt',
      Effect: 'Allow',
      Principal: { Service: CT },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': trailArn }, StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArn } },
    },
    { Sid: 'OrgTrailDescribe', Effect: 'Allow', Principal: { Service: CT }, Action: 'kms:DescribeKey', Resource: '*' },
  );
  w.cloudtrail.beforeChange({ keyArn: key.arn });
  key.policy = JSON.stringify(doc);
}

const orgTrailInput = { Name: TRAIL, S3BucketName: DEMO.bucketName, KmsKeyId: DEMO.keyArn, IsOrganizationTrail: true, IsMultiRegionTrail: true, EnableLogFileValidation: true };

describe('Organizations: feature set and trusted access', () => {
  let t: TestWorld;
  afterEach(() => t.dispose());

  it('DescribeOrganization returns the feature set and, with all features, the SCP policy type', async () => {
    t = world();
    const org = t.client(OrganizationsClient);
    expect((await org.send(new DescribeOrganizationCommand({}))).Organization).toMatchObject({ FeatureSet: 'ALL', AvailablePolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] });
    t.world.organizations.setFeatureSet('CONSOLIDATED_BILLING');
    expect((await org.send(new DescribeOrganizationCommand({}))).Organization).toMatchObject({ FeatureSet: 'CONSOLIDATED_BILLING', AvailablePolicyTypes: [] });
  });

  it('EnableAWSServiceAccess from the management account is listed with its date, page by page; DisableAWSServiceAccess removes it', async () => {
    const clock = manualClock();
    t = world({ enabledServicePrincipals: [], clock });
    const org = t.client(OrganizationsClient);
    expect((await org.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals).toEqual([]);
    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: CT }));
    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'config.amazonaws.com' }));
    const first = await org.send(new ListAWSServiceAccessForOrganizationCommand({ MaxResults: 1 }));
    const second = await org.send(new ListAWSServiceAccessForOrganizationCommand({ MaxResults: 1, NextToken: first.NextToken }));
    expect([...(first.EnabledServicePrincipals ?? []), ...(second.EnabledServicePrincipals ?? [])]).toEqual([
      { ServicePrincipal: CT, DateEnabled: clock() },
      { ServicePrincipal: 'config.amazonaws.com', DateEnabled: clock() },
    ]);
    expect(second.NextToken).toBeUndefined();
    await org.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: 'config.amazonaws.com' }));
    expect(t.world.organizations.isServiceAccessEnabled('config.amazonaws.com')).toBe(false);
  });

  it.each([
    ['from a member account', {}, asMember(M1), CT, 'AccessDeniedException', undefined],
    ['for a principal that is no service principal', {}, DEMO.operatorPrincipalArn, 'not a principal', 'InvalidInputException', 'UNRECOGNIZED_SERVICE_PRINCIPAL'],
    ['without all features', { featureSet: 'CONSOLIDATED_BILLING' as const }, DEMO.operatorPrincipalArn, CT, 'ConstraintViolationException', 'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE'],
  ])('EnableAWSServiceAccess %s is refused with a named error, nothing enabled', async (_case, options, caller, principal, name, reason) => {
    t = world({ enabledServicePrincipals: [], ...options });
    const error = (await caught(() => t.client(OrganizationsClient, caller).send(new EnableAWSServiceAccessCommand({ ServicePrincipal: principal })))) as Error & { Reason?: string };
    expect({ name: error.name, reason: error.Reason }).toEqual({ name, reason });
    expect(t.world.organizations.isServiceAccessEnabled(CT)).toBe(false);
  });

  it('a call that changes trusted access is an API call event while a trail logs it', async () => {
    t = world({ enabledServicePrincipals: [] });
    seedOrganizationTrail(t.world, { name: 'aws-controltower-BaselineCloudTrail', bucket: DEMO.bucketName, region: DEMO.region });
    t.world.organizations.disableServiceAccess(CT);
    // Disabling trusted access made the organization trail a trail of the management account only; it still logs there.
    t.world.events.resetLogs();
    await t.client(OrganizationsClient).send(new EnableAWSServiceAccessCommand({ ServicePrincipal: CT }));
    expect(t.world.events.received().map((r) => (r.event.detail as { eventName?: string }).eventName)).toEqual(['EnableAWSServiceAccess']);
  });
});

describe('CloudTrail delegated administrator', () => {
  let t: TestWorld;
  afterEach(() => t.dispose());

  it('RegisterOrganizationDelegatedAdmin shows in ListDelegatedAdministrators for cloudtrail.amazonaws.com; Deregister removes it', async () => {
    const clock = manualClock();
    t = world({ clock });
    const ct = t.client(CloudTrailClient);
    await ct.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: DEMO.securityToolingAccountId }));
    const listed = await t.client(OrganizationsClient).send(new ListDelegatedAdministratorsCommand({ ServicePrincipal: CT }));
    expect(listed.DelegatedAdministrators).toEqual([expect.objectContaining({ Id: DEMO.securityToolingAccountId, DelegationEnabledDate: clock(), State: 'ACTIVE' })]);
    await ct.send(new DeregisterOrganizationDelegatedAdminCommand({ DelegatedAdminAccountId: DEMO.securityToolingAccountId }));
    expect((await t.client(OrganizationsClient).send(new ListDelegatedAdministratorsCommand({}))).DelegatedAdministrators).toEqual([]);
    expect((await caught(() => ct.send(new DeregisterOrganizationDelegatedAdminCommand({ DelegatedAdminAccountId: DEMO.securityToolingAccountId })))).name).toBe('AccountNotRegisteredException');
  });

  it.each([
    ['from a member account', {}, asAdmin(DEMO.securityToolingAccountId), DEMO.securityToolingAccountId, 'NotOrganizationManagementAccountException'],
    ['for the management account', {}, DEMO.operatorPrincipalArn, MGMT, 'CannotDelegateManagementAccountException'],
    ['for an account outside the organization', {}, DEMO.operatorPrincipalArn, '123412341234', 'AccountNotFoundException'],
    ['without trusted access', { enabledServicePrincipals: [] }, DEMO.operatorPrincipalArn, DEMO.securityToolingAccountId, 'CloudTrailAccessNotEnabledException'],
    ['without all features', { featureSet: 'CONSOLIDATED_BILLING' as const }, DEMO.operatorPrincipalArn, DEMO.securityToolingAccountId, 'OrganizationNotInAllFeaturesModeException'],
  ])('RegisterOrganizationDelegatedAdmin %s is refused with a named error', async (_case, options, caller, member, name) => {
    t = world(options);
    const error = await caught(() => t.client(CloudTrailClient, caller).send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: member })));
    expect(error.name).toBe(name);
    expect(t.world.organizations.delegatedAdministratorsFor(CT)).toEqual([]);
  });

  it('registering twice is AccountRegisteredException', async () => {
    t = world();
    const ct = t.client(CloudTrailClient);
    await ct.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: M1 }));
    expect((await caught(() => ct.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: M1 })))).name).toBe('AccountRegisteredException');
  });
});

describe('creating an organization trail', () => {
  let t: TestWorld;
  afterEach(() => t.dispose());

  it('from the management account: its ARN, IsOrganizationTrail true', async () => {
    t = world();
    grantKey(t.world);
    const out = await t.client(CloudTrailClient).send(new CreateTrailCommand(orgTrailInput));
    expect(out).toMatchObject({ TrailARN: TRAIL_ARN, IsOrganizationTrail: true, IsMultiRegionTrail: true });
  });

  it('from the CloudTrail delegated administrator: owned by the management account (its ARN, found by ARN only from the delegated administrator)', async () => {
    t = world();
    grantKey(t.world);
    await t.client(CloudTrailClient).send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: DEMO.securityToolingAccountId }));
    const ct = t.client(CloudTrailClient, asAdmin(DEMO.securityToolingAccountId));
    const out = await ct.send(new CreateTrailCommand(orgTrailInput));
    expect(out.TrailARN).toBe(TRAIL_ARN);
    expect((await caught(() => ct.send(new StartLoggingCommand({ Name: TRAIL })))).name).toBe('TrailNotFoundException');
    await ct.send(new StartLoggingCommand({ Name: TRAIL_ARN }));
    expect(t.world.cloudtrail.getTrail(TRAIL_ARN)).toMatchObject({ accountId: MGMT, isLogging: true });
    // The name is taken in the management account.
    expect((await caught(() => ct.send(new CreateTrailCommand(orgTrailInput)))).message).toContain(MGMT);
  });

  it.each([
    ['from a member account', {}, asMember(M1), 'NotOrganizationMasterAccountException'],
    ['without all features', { featureSet: 'CONSOLIDATED_BILLING' as const }, DEMO.operatorPrincipalArn, 'OrganizationNotInAllFeaturesModeException'],
    ['without trusted access', { enabledServicePrincipals: [] }, DEMO.operatorPrincipalArn, 'CloudTrailAccessNotEnabledException'],
  ])('%s is refused with a named error, nothing created', async (_case, options, caller, name) => {
    t = world(options);
    grantKey(t.world);
    expect((await caught(() => t.client(CloudTrailClient, caller).send(new CreateTrailCommand(orgTrailInput)))).name).toBe(name);
    expect(t.world.cloudtrail.list()).toEqual([]);
  });

  it('from an account outside the organization is OrganizationsNotInUseException', async () => {
    t = world();
    t.world.addAccount('123412341234');
    seedAdministrator(t.world, '123412341234');
    expect((await caught(() => t.client(CloudTrailClient, asAdmin('123412341234')).send(new CreateTrailCommand(orgTrailInput)))).name).toBe('OrganizationsNotInUseException');
  });

  it('a bucket policy that does not let CloudTrail write is InsufficientS3BucketPolicyException, a key policy InsufficientEncryptionPolicyException', async () => {
    t = world();
    const ct = t.client(CloudTrailClient);
    expect((await caught(() => ct.send(new CreateTrailCommand({ ...orgTrailInput, Name: 'other-trail' })))).name).toBe('InsufficientS3BucketPolicyException');
    expect((await caught(() => ct.send(new CreateTrailCommand(orgTrailInput)))).name).toBe('InsufficientEncryptionPolicyException');
    expect(t.world.cloudtrail.list()).toEqual([]);
  });

  it("UpdateTrail turns an organization trail into a trail of the management account (which needs the account's own prefix), and back", async () => {
    t = world();
    grantKey(t.world);
    const ct = t.client(CloudTrailClient);
    await ct.send(new CreateTrailCommand(orgTrailInput));
    // The demo bucket grants only AWSLogs/<org-id>/*: a trail of the management account alone cannot write there.
    expect((await caught(() => ct.send(new UpdateTrailCommand({ Name: TRAIL, IsOrganizationTrail: false })))).name).toBe('InsufficientS3BucketPolicyException');
    const bucket = t.world.s3.getBucket(DEMO.bucketName);
    if (!bucket) throw new Error('no bucket');
    const doc = JSON.parse(bucket.policy ?? '{}') as { Statement: object[] };
    doc.Statement.push({ Effect: 'Allow', Principal: { Service: CT }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${DEMO.bucketName}/AWSLogs/${MGMT}/*` });
    bucket.policy = JSON.stringify(doc);
    expect((await ct.send(new UpdateTrailCommand({ Name: TRAIL, IsOrganizationTrail: false }))).IsOrganizationTrail).toBe(false);
    expect((await ct.send(new UpdateTrailCommand({ Name: TRAIL, IsOrganizationTrail: true }))).IsOrganizationTrail).toBe(true);
  });
});

describe('an organization trail in a member account', () => {
  let t: TestWorld;
  afterEach(() => t.dispose());

  beforeEach(async () => {
    t = world();
    grantKey(t.world);
    const ct = t.client(CloudTrailClient);
    await ct.send(new CreateTrailCommand(orgTrailInput));
    await ct.send(new StartLoggingCommand({ Name: TRAIL }));
  });

  it('is visible: DescribeTrails lists it with the management account ARN; GetTrailStatus works by ARN', async () => {
    const ct = t.client(CloudTrailClient, asMember(M1));
    expect((await ct.send(new DescribeTrailsCommand({}))).trailList).toEqual([expect.objectContaining({ TrailARN: TRAIL_ARN, IsOrganizationTrail: true, HomeRegion: DEMO.region })]);
    expect((await ct.send(new GetTrailStatusCommand({ Name: TRAIL_ARN }))).IsLogging).toBe(true);
  });

  it.each([
    ['StopLogging', (c: CloudTrailClient) => c.send(new StopLoggingCommand({ Name: TRAIL_ARN }))],
    ['DeleteTrail', (c: CloudTrailClient) => c.send(new DeleteTrailCommand({ Name: TRAIL_ARN }))],
    ['UpdateTrail', (c: CloudTrailClient) => c.send(new UpdateTrailCommand({ Name: TRAIL_ARN, EnableLogFileValidation: false }))],
  ])('cannot be changed there: %s is NotOrganizationMasterAccountException', async (_op, call) => {
    const error = await caught(() => call(t.client(CloudTrailClient, asMember(M1))));
    expect(error.name).toBe('NotOrganizationMasterAccountException');
    expect(t.world.cloudtrail.getTrail(TRAIL_ARN)).toMatchObject({ isLogging: true, logFileValidationEnabled: true });
  });

  it("counts against neither the member's 5 trails nor its trail names", async () => {
    expect(t.world.cloudtrail.list().filter((tr) => tr.accountId === M1)).toEqual([]);
    // The member's own trail of the same name is its own (its own ARN).
    const bucket = `${M1}-own-trail`;
    t.world.s3.addBucket({
      name: bucket,
      ownerAccountId: M1,
      region: DEMO.region,
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: CT }, Action: ['s3:GetBucketAcl', 's3:PutObject'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }] },
    });
    const out = await t.client(CloudTrailClient, asMember(M1)).send(new CreateTrailCommand({ Name: TRAIL, S3BucketName: bucket }));
    expect(out.TrailARN).toBe(`arn:aws:cloudtrail:${DEMO.region}:${M1}:trail/${TRAIL}`);
  });
});

describe("an organization trail's deliveries", () => {
  let t: TestWorld;
  let clock: ManualClock;
  afterEach(() => t.dispose());

  beforeEach(async () => {
    clock = manualClock();
    t = world({ clock });
    grantKey(t.world);
    const ct = t.client(CloudTrailClient);
    await ct.send(new CreateTrailCommand({ ...orgTrailInput, S3KeyPrefix: undefined }));
    await ct.send(new StartLoggingCommand({ Name: TRAIL }));
  });

  const logsOf = async (accountId: string) => (await t.world.cloudtrail.deliveredFiles({ trailArn: TRAIL_ARN, accountId, kind: 'log' })).map((f) => f.key);

  it("puts every account's log files under AWSLogs/<org-id>/<account>/, encrypted with the organization trail's ARN and the object's ARN as context", async () => {
    clock.advance({ minutes: 5 });
    const files = await t.world.cloudtrail.deliveredFiles({ trailArn: TRAIL_ARN, kind: 'log' });
    const member = files.find((f) => f.accountId === M1);
    const mgmt = files.find((f) => f.accountId === MGMT);
    expect(member?.key).toMatch(new RegExp(`^AWSLogs/${ORG}/${M1}/CloudTrail/${DEMO.region}/2025/03/01/${M1}_CloudTrail_${DEMO.region}_20250301T0005Z_[A-Za-z0-9]{16}\\.json\\.gz$`));
    expect(mgmt?.key).toMatch(new RegExp(`^AWSLogs/${ORG}/${MGMT}/CloudTrail/`));
    expect(member?.encryptionContext).toEqual({ 'aws:cloudtrail:arn': TRAIL_ARN, 'aws:s3:arn': `arn:aws:s3:::${DEMO.bucketName}/${member?.key}` });
    // The suspended account is not covered.
    expect(files.some((f) => f.accountId === DEMO.suspendedAccountId)).toBe(false);
    expect(t.world.cloudtrail.organizationTrailCovers(TRAIL_ARN, M1)).toBe(true);
    // Reading it through S3 decrypts with that context (the log-archive administrator: the key's root delegation).
    const got = await t.client(S3Client, session(DEMO.logArchiveAccountId, 'Administrator')).send(new GetObjectCommand({ Bucket: DEMO.bucketName, Key: member?.key }));
    expect(got.SSEKMSKeyId).toBe(DEMO.keyArn);
  });

  it('digest files too, per account, hourly', async () => {
    clock.advance({ minutes: 60 });
    const digests = await t.world.cloudtrail.deliveredFiles({ trailArn: TRAIL_ARN, accountId: M2, kind: 'digest' });
    expect(digests.map((f) => f.key)).toEqual([`AWSLogs/${ORG}/${M2}/CloudTrail-Digest/${DEMO.region}/2025/03/01/${M2}_CloudTrail-Digest_${DEMO.region}_${TRAIL}_${DEMO.region}_20250301T010000Z.json.gz`]);
  });

  it('covers a member added later from then on, and stops for a member that left', async () => {
    clock.advance({ minutes: 5 });
    const late = '121212121212';
    t.world.addMemberAccount({ id: late, name: 'late', state: 'ACTIVE' });
    expect(await logsOf(late)).toEqual([]);
    t.world.organizations.removeAccount(M3);
    const m3Before = (await logsOf(M3)).length;
    clock.advance({ minutes: 5 });
    expect(await logsOf(late)).toHaveLength(1);
    expect(await logsOf(M3)).toHaveLength(m3Before);
    expect(t.world.cloudtrail.organizationTrailCovers(TRAIL_ARN, M3)).toBe(false);
  });

  it("a bucket policy that stops granting the organization prefix fails the delivery afterwards: AccessDenied, no file", async () => {
    clock.advance({ minutes: 5 });
    const bucket = t.world.s3.getBucket(DEMO.bucketName);
    if (!bucket) throw new Error('no bucket');
    t.world.cloudtrail.beforeChange({ bucket: bucket.name });
    bucket.policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    const before = (await logsOf(M1)).length;
    clock.advance({ minutes: 5 });
    expect((await t.client(CloudTrailClient).send(new GetTrailStatusCommand({ Name: TRAIL }))).LatestDeliveryError).toBe('AccessDenied');
    expect(await logsOf(M1)).toHaveLength(before);
  });

  it('survives a persistence round trip: feature set, trusted access, delegated administrators, the trail and the files with their encryption context', async () => {
    t.world.organizations.registerDelegatedAdministrator(DEMO.securityToolingAccountId, CT);
    clock.advance({ minutes: 5 });
    await t.world.cloudtrail.deliver();
    const copy = importWorld(JSON.parse(JSON.stringify(exportWorld(t.world))), { clock });
    expect(copy.organizations.featureSet).toBe('ALL');
    expect(copy.organizations.isServiceAccessEnabled(CT)).toBe(true);
    expect(copy.organizations.delegatedAdministratorsFor(CT)).toEqual([DEMO.securityToolingAccountId]);
    expect(copy.cloudtrail.getTrail(TRAIL_ARN)).toMatchObject({ isOrganizationTrail: true, isLogging: true });
    expect(await copy.cloudtrail.deliveredFiles({ trailArn: TRAIL_ARN })).toEqual(await t.world.cloudtrail.deliveredFiles({ trailArn: TRAIL_ARN }));
    clock.advance({ minutes: 5 });
    expect((await copy.cloudtrail.deliveredFiles({ trailArn: TRAIL_ARN, accountId: M1, kind: 'log' })).length).toBe(2);
  });
});

describe('seedOrganizationTrail (a Control Tower-style existing organization trail)', () => {
  let t: TestWorld;
  afterEach(() => t.dispose());

  it('created by a delegated administrator: owned by the management account, with its own bucket and key statements, delivering', async () => {
    const clock = manualClock();
    t = world({ enabledServicePrincipals: [], clock });
    const trail = seedOrganizationTrail(t.world, { name: 'aws-controltower-BaselineCloudTrail', bucket: DEMO.bucketName, keyArn: DEMO.keyArn, prefix: 'ct', createdBy: DEMO.securityToolingAccountId });
    expect(trail.arn).toBe(`arn:aws:cloudtrail:${DEMO.region}:${MGMT}:trail/aws-controltower-BaselineCloudTrail`);
    expect(t.world.organizations.isServiceAccessEnabled(CT)).toBe(true);
    expect(t.world.organizations.isDelegatedAdministrator(DEMO.securityToolingAccountId, CT)).toBe(true);
    expect(await t.world.canCloudTrailDeliver(trail.arn)).toEqual({ bucket: true, key: true });
    clock.advance({ minutes: 5 });
    const files = await t.world.cloudtrail.deliveredFiles({ trailArn: trail.arn, accountId: M1, kind: 'log' });
    expect(files.map((f) => f.key)).toEqual([expect.stringMatching(new RegExp(`^ct/AWSLogs/${ORG}/${M1}/CloudTrail/`))]);
    expect((await t.client(CloudTrailClient, asMember(M1)).send(new DescribeTrailsCommand({}))).trailList?.map((x) => x.TrailARN)).toEqual([trail.arn]);
  });

  it('refuses an organization without all features (no such trail can exist)', () => {
    t = world({ featureSet: 'CONSOLIDATED_BILLING' });
    expect(() => seedOrganizationTrail(t.world, { name: 'x-trail', bucket: DEMO.bucketName })).toThrow(/all features/);
  });
});
