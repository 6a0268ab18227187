/**
 * `auditReaders` in `trailMode` `organization`, end to end on the simulated deployment: the same
 * auditor role (its policy names no trail mode) lists, reads and decrypts the organization trail's
 * files of every member under `[prefix/]AWSLogs/<org-id>/<account>/` and the per-account files written
 * before a migration under `[prefix/]AWSLogs/<account>/`, and still cannot decrypt with KMS directly.
 * (Account mode, writes, trust and ExternalId: auditor-access.test.ts.)
 */
import { DEMO, startLocal, type Local } from '../harness';
import { addThirdParty, ANALYZER, auditorSession, auditReadersConfig, EXTERNAL_ID, logsClient, sessionOf } from './auditor-access';
import type { DeliveredFile } from '../../../local/sim/delivery';

const MGMT = DEMO.managementAccountId;
const [A, B, C] = DEMO.memberAccountIds;
const ORG = DEMO.organizationId;
const LOGS = `${DEMO.logPrefix}/AWSLogs/`;
const ORG_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/cloudtrail-onboarding-org`;
const analyzer = sessionOf(ANALYZER, 'analysis');

let local: Local;
let offsetMs = 0;
let delivered: DeliveredFile[] = [];
/** A's file from its per-account trail, before the switch to the organization trail. */
const beforeMigration = `${LOGS}${A}/CloudTrail/eu-west-1/2026/11/30/${A}_CloudTrail_eu-west-1_20261130T2355Z_old.json.gz`;

beforeAll(async () => {
  local = await startLocal({
    config: { trailMode: 'organization', auditReaders: auditReadersConfig(C) },
    clock: () => new Date(Date.now() + offsetMs),
    prepareWorld: addThirdParty,
    loseApiCallEvents: true,
  });
  for (const id of [A, B]) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ${id}: ${r.status} ${r.error} ${r.cause}`);
  }
  offsetMs += 15 * 60 * 1000;
  delivered = (await local.world.cloudtrail.deliver()).filter((f) => f.trailArn === ORG_TRAIL);
  local.world.s3.putObject(DEMO.bucketName, {
    key: beforeMigration,
    lastModified: local.world.now(),
    sseKmsKeyId: DEMO.keyArn,
    sourceArn: `arn:aws:cloudtrail:eu-west-1:${A}:trail/${DEMO.trailName}`,
    encryptionContext: { 'aws:cloudtrail:arn': `arn:aws:cloudtrail:eu-west-1:${A}:trail/${DEMO.trailName}`, 'aws:s3:arn': `arn:aws:s3:::${DEMO.bucketName}/${beforeMigration}` },
  });
});
afterAll(() => local?.stop());

describe('an auditor in organization mode', () => {
  it('the organization trail delivered files of both onboarded members under the organization prefix', () => {
    for (const id of [A, B]) {
      const files = delivered.filter((f) => f.accountId === id && f.kind === 'log');
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(f.key.startsWith(`${LOGS}${ORG}/${id}/`)).toBe(true);
    }
  });

  it('lists the organization prefix and reads and decrypts every member\'s files (through S3)', async () => {
    const logs = logsClient(local.world, await auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID));
    try {
      const listed = await logs.list(`${LOGS}${ORG}/`);
      expect(listed.outcome).toBe('ok');
      expect(listed.keys).toEqual(expect.arrayContaining(delivered.map((f) => f.key)));
      expect([...new Set(delivered.map((f) => f.accountId))]).toEqual(expect.arrayContaining([A, B]));
      expect(await Promise.all(delivered.map((f) => logs.get(f.key)))).toEqual(delivered.map(() => 'ok'));
    } finally {
      logs.destroy();
    }
  });

  it('still reads a file the per-account trail wrote before the migration', async () => {
    const logs = logsClient(local.world, await auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID));
    try {
      expect((await logs.list(`${LOGS}${A}/`)).keys).toContain(beforeMigration);
      expect(await logs.get(beforeMigration)).toBe('ok');
    } finally {
      logs.destroy();
    }
  });

  it('may not decrypt an organization trail file\'s ciphertext with KMS directly', async () => {
    const file = delivered.find((f) => f.accountId === B && f.kind === 'log')!;
    const logs = logsClient(local.world, await auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID));
    try {
      expect(file.encryptionContext).toEqual({ 'aws:cloudtrail:arn': ORG_TRAIL, 'aws:s3:arn': `arn:aws:s3:::${DEMO.bucketName}/${file.key}` });
      expect(await logs.decryptDirectly(file.encryptionContext!)).toBe('AccessDeniedException');
    } finally {
      logs.destroy();
    }
  });
});
