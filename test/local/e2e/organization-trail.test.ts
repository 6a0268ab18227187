/**
 * trailMode "organization", end to end on the simulated deployment (the synthesized stacks' grants
 * decide every call): from an organization without trusted access for CloudTrail, one account
 * onboarded -- trusted access enabled, the organization trail created from the management account,
 * started, logging, the shared policies holding only the organization trail's statements, no trail in
 * the member account; a re-run writes nothing. (Without all features, and a Control Tower-style trail
 * by ARN: organization-trail-features.test.ts and organization-trail-existing.test.ts, one simulated
 * world per file.)
 */
import { CLOUDTRAIL_SERVICE_PRINCIPAL } from '../../../handlers/domain/organization-trail';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createClient } from '../../../handlers/shared/clients';
import { awsWrites, DEMO, startLocal, type Local } from '../harness';
import { assumeRole, outcome, principalCredentials } from './reader-access';

const MGMT = DEMO.managementAccountId;
const [A, B] = DEMO.memberAccountIds;
const ORG = 'o-a1b2c3d4e5';
const orgPrefix = (account: string) => `${DEMO.logPrefix}/AWSLogs/${ORG}/${account}/`;
const ORG_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/cloudtrail-onboarding-org`;
const ORG_MODE = { trailMode: 'organization' };

const nonTableWrites = (local: Local) => awsWrites(local.world);

describe('organization mode, from an organization without trusted access', () => {
  let local: Local;
  /** The world's clock runs ahead of real time by this much (deliveries are due on it). */
  let offsetMs = 0;
  /** Key of a log file the organization trail delivered for A. */
  let ownFile = '';
  beforeAll(async () => {
    local = await startLocal({ config: ORG_MODE, clock: () => new Date(Date.now() + offsetMs), prepareWorld: (w) => w.organizations.disableServiceAccess(CLOUDTRAIL_SERVICE_PRINCIPAL), loseApiCallEvents: true });
  });
  afterAll(() => local?.stop());

  it('onboards one account: trusted access enabled, the organization trail created and logging, no per-account trail', async () => {
    const r = await local.run({ accountId: A }, `onboard-${A}`);

    expect({ status: r.status, error: r.error, cause: r.cause }).toMatchObject({ status: 'SUCCEEDED' });
    const writes = nonTableWrites(local);
    expect(writes).toEqual(expect.arrayContaining(['organizations:EnableAWSServiceAccess', 'cloudtrail:CreateTrail', 'cloudtrail:StartLogging']));
    expect(local.world.cloudtrail.organizationTrails().map((t) => t.arn)).toEqual([ORG_TRAIL]);
    expect(local.world.cloudtrail.organizationTrailCovers(ORG_TRAIL, A)).toBe(true);
    // No trail in the member account; the switch role as in account mode.
    expect(local.world.writeCalls().filter((c) => c.service === 'cloudtrail' && c.accountId === A)).toEqual([]);
    expect(local.world.iam.rolesOf(A).map((role) => role.name)).toContain('SecurityAuditFromLogArchive');
    const record = await local.status.getAccount(A);
    expect(record).toMatchObject({ status: 'ONBOARDED', trailArn: ORG_TRAIL });
  });

  it('the shared policies hold the organization trail\'s statements and name no account', () => {
    const bucketPolicy = local.world.s3.getBucket(DEMO.bucketName)?.policy ?? '';
    expect(bucketPolicy).toContain('CloudTrailOnboardingOrganizationWrite');
    expect(bucketPolicy).not.toContain(A);
  });

  it("the account's reader lists only its own organization prefix and cannot read another member's files", async () => {
    // The organization trail delivers every member's files (deliveries due in the next minutes).
    offsetMs += 15 * 60 * 1000;
    const files = await local.world.cloudtrail.deliver();
    const fileOf = (account: string) => files.find((f) => f.accountId === account && f.kind === 'log' && f.trailArn === ORG_TRAIL)!;
    expect(fileOf(A).key.startsWith(orgPrefix(A))).toBe(true);
    expect(fileOf(B)).toBeDefined();

    const reader = await assumeRole(principalCredentials(local.world, `arn:aws:sts::${A}:assumed-role/OrganizationAccountAccessRole/admin`), {
      RoleArn: `arn:aws:iam::${DEMO.logArchiveAccountId}:role/CloudTrailLogReader-${A}`,
    });
    const s3 = createClient(S3Client, { region: DEMO.region, credentials: reader });
    try {
      const list = (prefix: string) => outcome(() => s3.send(new ListObjectsV2Command({ Bucket: DEMO.bucketName, Prefix: prefix })));
      const get = (key: string) => outcome(() => s3.send(new GetObjectCommand({ Bucket: DEMO.bucketName, Key: key })));
      expect({ ownList: await list(orgPrefix(A)), otherList: await list(orgPrefix(B)), orgList: await list(`${DEMO.logPrefix}/AWSLogs/${ORG}/`) }).toEqual({
        ownList: 'ok',
        otherList: 'AccessDenied',
        orgList: 'AccessDenied',
      });
      // Another member's file: denied by S3 (the reader's GetObject reaches only its own prefix).
      expect(await get(fileOf(B).key)).toBe('AccessDenied');
      ownFile = fileOf(A).key;
    } finally {
      s3.destroy();
    }
  });

  // GetObject of an SSE-KMS file is also the decrypt: S3 asks KMS on the reader's behalf, with the file's
  // encryption context and kms:ViaService s3.<region>.amazonaws.com, which the reader's decrypt requires
  // (handlers/domain/roles.ts organizationDecryptCondition; local/sim/s3.ts passes both).
  it("the account's reader reads and decrypts its own organization-prefix log file (through S3: kms:ViaService)", async () => {
    const reader = await assumeRole(principalCredentials(local.world, `arn:aws:sts::${A}:assumed-role/OrganizationAccountAccessRole/admin`), {
      RoleArn: `arn:aws:iam::${DEMO.logArchiveAccountId}:role/CloudTrailLogReader-${A}`,
    });
    const s3 = createClient(S3Client, { region: DEMO.region, credentials: reader });
    try {
      expect(await outcome(() => s3.send(new GetObjectCommand({ Bucket: DEMO.bucketName, Key: ownFile })))).toBe('ok');
    } finally {
      s3.destroy();
    }
  });

  it('a re-run writes nothing', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: A }, `onboard-${A}-again`);
    expect(r.status).toBe('SUCCEEDED');
    expect(nonTableWrites(local)).toEqual([]);
  });
});
