/**
 * `auditReaders` end to end on the simulated deployment (seed 004, scenario 2): the LogArchive stack's
 * auditor roles, deployed from the synthesized template, assumed through the real STS client by a third
 * party (with its ExternalId) and by the organization's own audit team (`withinOrganization`). Two
 * accounts are onboarded, their trails deliver on the world's clock, and the auditor lists, reads and
 * decrypts every onboarded account's log files -- and may not write, delete, read outside the log
 * prefix, or decrypt with KMS directly; without the ExternalId, with another one, or from a principal not
 * in its trust, AssumeRole is denied. An account onboarded later is readable with no change to the role.
 * (Organization trail mode: auditor-access-organization.test.ts.)
 */
import { DEMO, startLocal, type Local } from '../harness';
import {
  addThirdParty,
  ANALYZER,
  auditorRoleArn,
  auditorSession,
  auditReadersConfig,
  bucketAllows,
  EXTERNAL_ID,
  INTRUDER,
  keyAllows,
  LA,
  logsClient,
  sessionOf,
  THIRD_PARTY_ACCOUNT,
} from './auditor-access';
import { outcome } from './reader-access';
import type { DeliveredFile } from '../../../local/sim/delivery';

const [A, B, C, D] = DEMO.memberAccountIds;
const LOGS = `${DEMO.logPrefix}/AWSLogs/`;
const admin = (accountId: string) => `arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/admin`;
const laAdmin = `arn:aws:sts::${LA}:assumed-role/Administrator/admin`;
const analyzer = sessionOf(ANALYZER, 'analysis');

let local: Local;
/** The world's clock runs ahead of real time by this much (deliveries are due on it). */
let offsetMs = 0;
let delivered: DeliveredFile[] = [];
/** Objects that are not the onboarded accounts' log files. */
const planted = {
  notes: `${DEMO.logPrefix}/notes/readme.txt`,
  otherPrefix: `other/AWSLogs/${A}/CloudTrail/eu-west-1/2026/12/01/x.json.gz`,
  bucketRoot: `AWSLogs/${A}/CloudTrail/eu-west-1/2026/12/01/y.json.gz`,
  /** Under the log prefix, but encrypted by S3 itself (no CloudTrail encryption context). */
  notCloudTrail: `${LOGS}${A}/planted.json`,
};

/** Onboards `accounts`, then lets 15 minutes pass and the trails deliver; returns the files delivered. */
async function onboardAndDeliver(...accounts: string[]): Promise<DeliveredFile[]> {
  for (const id of accounts) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ${id}: ${r.status} ${r.error} ${r.cause}`);
  }
  offsetMs += 15 * 60 * 1000;
  return local.world.cloudtrail.deliver();
}

beforeAll(async () => {
  local = await startLocal({
    config: { auditReaders: auditReadersConfig(C) },
    clock: () => new Date(Date.now() + offsetMs),
    prepareWorld: addThirdParty,
    loseApiCallEvents: true,
  });
  delivered = await onboardAndDeliver(A, B);
  const now = local.world.now();
  for (const key of [planted.notes, planted.otherPrefix, planted.bucketRoot]) local.world.s3.putObject(DEMO.bucketName, { key, lastModified: now, sseKmsKeyId: DEMO.keyArn });
  local.world.s3.putObject(DEMO.bucketName, {
    key: planted.notCloudTrail,
    lastModified: now,
    sseKmsKeyId: DEMO.keyArn,
    encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::${DEMO.bucketName}/${planted.notCloudTrail}` },
  });
});
afterAll(() => local?.stop());

/** The delivered files of one account. */
const filesOf = (accountId: string, files = delivered) => files.filter((f) => f.accountId === accountId);

describe('the third party, with its ExternalId', () => {
  it('the trails delivered log files of both onboarded accounts under the prefix, encrypted under CloudTrail\'s context', () => {
    for (const id of [A, B]) {
      const files = filesOf(id).filter((f) => f.kind === 'log');
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        expect(f.key.startsWith(`${LOGS}${id}/CloudTrail/`)).toBe(true);
        expect(f.encryptionContext).toEqual({ 'aws:cloudtrail:arn': f.trailArn, 'aws:s3:arn': `arn:aws:s3:::${DEMO.bucketName}/${f.key}` });
      }
    }
  });

  it('lists every onboarded account\'s log files, from AWSLogs/ down to one account', async () => {
    const logs = logsClient(local.world, await auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID));
    try {
      const all = await logs.list(LOGS);
      expect(all.outcome).toBe('ok');
      expect(all.keys).toEqual(expect.arrayContaining([...filesOf(A), ...filesOf(B)].map((f) => f.key)));
      const one = await logs.list(`${LOGS}${B}/`);
      expect({ outcome: one.outcome, keys: one.keys.sort() }).toEqual({ outcome: 'ok', keys: filesOf(B).map((f) => f.key).sort() });
    } finally {
      logs.destroy();
    }
  });

  it('reads and decrypts (GetObject, through S3) every file of both accounts', async () => {
    const logs = logsClient(local.world, await auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID));
    try {
      const files = [...filesOf(A), ...filesOf(B)];
      const outcomes = await Promise.all(files.map(async (f) => [f.key, await logs.get(f.key)]));
      expect(Object.fromEntries(outcomes)).toEqual(Object.fromEntries(files.map((f) => [f.key, 'ok'])));
    } finally {
      logs.destroy();
    }
  });

  it('may not decrypt with KMS directly, not even a log file\'s own ciphertext (the log-archive administrator may)', async () => {
    const file = filesOf(A).find((f) => f.kind === 'log')!;
    const logs = logsClient(local.world, await auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID));
    const administrator = logsClient(local.world, local.world.credentialsFor(laAdmin));
    try {
      expect(await logs.decryptDirectly(file.encryptionContext!)).toBe('AccessDeniedException');
      expect(await administrator.decryptDirectly(file.encryptionContext!)).toBe('ok');
    } finally {
      logs.destroy();
      administrator.destroy();
    }
  });

  it('may not read or list outside [prefix/]AWSLogs/, nor decrypt an object under it that CloudTrail did not encrypt', async () => {
    const logs = logsClient(local.world, await auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID));
    try {
      expect({
        notes: await logs.get(planted.notes),
        otherPrefix: await logs.get(planted.otherPrefix),
        bucketRoot: await logs.get(planted.bucketRoot),
        notCloudTrail: await logs.get(planted.notCloudTrail),
      }).toEqual({ notes: 'AccessDenied', otherPrefix: 'AccessDenied', bucketRoot: 'AccessDenied', notCloudTrail: 'AccessDenied' });
      // The planted object is listed (S3 allows its path): its GetObject fails on the decrypt alone.
      expect((await logs.list(`${LOGS}${A}/`)).keys).toContain(planted.notCloudTrail);
      const listings = await Promise.all([undefined, '', `${DEMO.logPrefix}/`, `${DEMO.logPrefix}/notes/`, 'other/', 'AWSLogs/', `${DEMO.logPrefix}/AWSLogs`].map(async (p) => [String(p), (await logs.list(p)).outcome]));
      expect(Object.fromEntries(listings)).toEqual(Object.fromEntries(listings.map(([p]) => [p, 'AccessDenied'])));
    } finally {
      logs.destroy();
    }
  });

  it('may not put, overwrite or delete a log file, nor change the bucket or the key (evaluated on the deployed policies)', async () => {
    const logs = logsClient(local.world, await auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID));
    try {
      const session = await logs.arn();
      expect(session).toBe(`arn:aws:sts::${LA}:assumed-role/CloudTrailOnboarding-Auditor-ExampleCorp/audit`);
      const file = filesOf(A)[0]!.key;
      const s3 = Object.fromEntries(
        await Promise.all(
          ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectAcl', 's3:PutObjectRetention', 's3:RestoreObject'].map(async (a) => [a, await bucketAllows(local.world, session, a, file)]),
        ),
      );
      expect(s3).toEqual({
        's3:GetObject': true,
        's3:PutObject': false,
        's3:DeleteObject': false,
        's3:DeleteObjectVersion': false,
        's3:PutObjectAcl': false,
        's3:PutObjectRetention': false,
        's3:RestoreObject': false,
      });
      expect(await bucketAllows(local.world, session, 's3:PutObject', `${LOGS}${C}/CloudTrail/new.json.gz`)).toBe(false);
      expect(await bucketAllows(local.world, session, 's3:PutLifecycleConfiguration')).toBe(false);
      expect(await logs.putBucketPolicy()).toBe('AccessDenied');
      // Even with the context S3 would send for a log file, KMS allows the auditor nothing but Decrypt.
      const context = { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', ...Object.fromEntries(Object.entries(filesOf(A)[0]!.encryptionContext!).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])) };
      const kms = Object.fromEntries(
        await Promise.all(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:CreateGrant'].map(async (a) => [a, await keyAllows(local.world, session, a, context)])),
      );
      expect(kms).toEqual({
        'kms:Decrypt': true,
        'kms:Encrypt': false,
        'kms:GenerateDataKey': false,
        'kms:ReEncryptFrom': false,
        'kms:PutKeyPolicy': false,
        'kms:ScheduleKeyDeletion': false,
        'kms:CreateGrant': false,
      });
    } finally {
      logs.destroy();
    }
  });
});

describe('who may assume the third party\'s role', () => {
  it('without the ExternalId, or with another one, AssumeRole is denied', async () => {
    expect(await outcome(() => auditorSession(local.world, analyzer, 'ExampleCorp'))).toBe('AccessDenied');
    expect(await outcome(() => auditorSession(local.world, analyzer, 'ExampleCorp', 'example-corp:00000000'))).toBe('AccessDenied');
    expect(await outcome(() => auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID))).toBe('ok');
  });

  it('a principal not in its trust is denied, even with the ExternalId: another role of the third party, a member account, the log-archive administrator', async () => {
    for (const caller of [sessionOf(INTRUDER), admin(A), `arn:aws:iam::${THIRD_PARTY_ACCOUNT}:root`, laAdmin]) {
      expect({ caller, outcome: await outcome(() => auditorSession(local.world, caller, 'ExampleCorp', EXTERNAL_ID)) }).toEqual({ caller, outcome: 'AccessDenied' });
    }
  });
});

describe('the organization\'s own audit team (withinOrganization)', () => {
  it('assumes its role from its account without an ExternalId, and reads every onboarded account\'s files', async () => {
    const logs = logsClient(local.world, await auditorSession(local.world, admin(C), 'InternalAudit'));
    try {
      const files = [...filesOf(A), ...filesOf(B)];
      expect((await logs.list(LOGS)).outcome).toBe('ok');
      expect(await Promise.all(files.map((f) => logs.get(f.key)))).toEqual(files.map(() => 'ok'));
      expect(await logs.get(planted.notes)).toBe('AccessDenied');
    } finally {
      logs.destroy();
    }
  });

  it('a principal outside the organization is refused though its account is named in the trust (aws:PrincipalOrgID)', async () => {
    expect(await outcome(() => auditorSession(local.world, sessionOf(INTRUDER), 'InternalAudit'))).toBe('AccessDenied');
    expect(await outcome(() => auditorSession(local.world, sessionOf(INTRUDER), 'InternalAudit', EXTERNAL_ID))).toBe('AccessDenied');
    // A member of the organization not in the trust is refused too.
    expect(await outcome(() => auditorSession(local.world, admin(B), 'InternalAudit'))).toBe('AccessDenied');
  });
});

describe('accounts that join later', () => {
  it('are readable by the auditor with no change to its role: onboarding writes nothing to it', async () => {
    const role = () => {
      const r = local.world.iam.roleByArn(auditorRoleArn('ExampleCorp'))!;
      return JSON.stringify({ trust: r.trustPolicy, policies: local.world.iam.identityPoliciesOf(r) });
    };
    const before = role();
    local.world.resetCalls();
    const joined = await onboardAndDeliver(D);
    expect(local.world.writeCalls().filter((c) => c.service === 'iam' && c.accountId === LA && JSON.stringify(c.input ?? {}).includes('Auditor'))).toEqual([]);
    expect(role()).toBe(before);
    const files = filesOf(D, joined);
    expect(files.length).toBeGreaterThan(0);
    const logs = logsClient(local.world, await auditorSession(local.world, analyzer, 'ExampleCorp', EXTERNAL_ID));
    try {
      expect((await logs.list(`${LOGS}${D}/`)).keys.sort()).toEqual(files.map((f) => f.key).sort());
      expect(await Promise.all(files.map((f) => logs.get(f.key)))).toEqual(files.map(() => 'ok'));
    } finally {
      logs.destroy();
    }
  });
});
