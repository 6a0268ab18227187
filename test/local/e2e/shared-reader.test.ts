/**
 * readerAccess.mode "shared", end to end on the simulated deployment: the LogArchive stack's shared
 * reader role, assumed through the real STS client with session tags by each account's own
 * administrator, then S3 ListObjectsV2 / GetObject and KMS Decrypt with the session: each account
 * lists, reads and decrypts only its own logs, whatever tags it asks for or chains it builds. And the
 * onboardings create no IAM role in the log-archive account.
 */
import { IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { createClient } from '../../../handlers/shared/clients';
import { SHARED_READER_SESSION_TAG } from '../../../handlers/domain/roles';
import { DEMO, startLocal, type Local } from '../harness';
import { assumeRole, logReader, outcome, ownTag, prefixOf, principalCredentials, putLogFile, sharedRoleArn, trailOf } from './reader-access';

const LA = DEMO.logArchiveAccountId;
const MGMT = DEMO.managementAccountId;
const [A, B, C] = DEMO.memberAccountIds;
const KEY = DEMO.keyArn;
const admin = (accountId: string) => `arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/admin`;

let local: Local;
let rolesBefore: string[];
const objects: Record<string, string> = {};

beforeAll(async () => {
  local = await startLocal({ config: { readerAccess: { mode: 'shared', removePerAccountRoles: false } }, loseApiCallEvents: true });
  rolesBefore = local.world.iam.rolesOf(LA).map((r) => r.name);
  for (const id of [A, B, C]) {
    const r = await local.run({ accountId: id }, `onboard-${id}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ${id}: ${r.status} ${r.error} ${r.cause}`);
  }
  // Administrators of the management and log-archive accounts are seeded; members get OrganizationAccountAccessRole.
  for (const id of [A, B, C, MGMT]) objects[id] = putLogFile(local.world, id, KEY);
  objects.elsewhere = `other/AWSLogs/${A}/x.json.gz`;
  local.world.s3.putObject(DEMO.bucketName, { key: objects.elsewhere, lastModified: local.world.now() });
});
afterAll(() => local?.stop());

/** The shared role's session for `accountId`'s administrator, tagged with `tags` (default: its own). */
const sharedSession = (accountId: string, tags = ownTag(accountId)) =>
  assumeRole(principalCredentials(local.world, admin(accountId)), { RoleArn: sharedRoleArn, Tags: tags });

describe('onboarding in shared mode', () => {
  it('creates no IAM role in the log-archive account, and records the shared role as each account\'s reader role', async () => {
    expect(local.world.iam.rolesOf(LA).map((r) => r.name)).toEqual(rolesBefore);
    expect(rolesBefore).toContain('CloudTrailOnboarding-LogReader');
    for (const id of [A, B, C]) expect((await local.status.getAccount(id))?.readerRoleArn).toBe(sharedRoleArn);
    expect(local.world.iam.rolesOf(LA).filter((r) => r.name.startsWith('CloudTrailLogReader-'))).toEqual([]);
  });

  it('so 5,000 accounts need no more roles there than now: the step writes nothing in IAM of the log-archive account', () => {
    const iamWrites = local.world.writeCalls().filter((c) => c.service === 'iam' && c.accountId === LA);
    expect(iamWrites.map((c) => c.operation)).toEqual([]);
  });

  it('a re-run writes nothing', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: A }, `onboard-${A}-again`);
    expect(r.status).toBe('SUCCEEDED');
    expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}`)).toEqual([]);
  });
});

describe('the shared role: each account lists, reads and decrypts only its own logs', () => {
  it.each([A, B, C])('account %s, with its own tag', async (id) => {
    const reader = logReader(local.world, await sharedSession(id), KEY);
    try {
      expect(await reader.can(id, objects[id])).toEqual({ list: 'ok', get: 'ok', decrypt: 'ok' });
      const listed = await reader.list(prefixOf(id));
      expect(listed.Contents?.map((o) => o.Key)).toEqual([objects[id]]);
      for (const other of [A, B, C, MGMT].filter((o) => o !== id)) {
        expect(await reader.can(other, objects[other])).toEqual({ list: 'AccessDenied', get: 'AccessDenied', decrypt: 'AccessDeniedException' });
      }
      // Not the whole bucket, nor the AWSLogs folder, nor the account id under another prefix.
      expect(await outcome(() => reader.list())).toBe('AccessDenied');
      expect(await outcome(() => reader.list(`${DEMO.logPrefix}/AWSLogs/`))).toBe('AccessDenied');
      expect(await outcome(() => reader.get(objects.elsewhere))).toBe('AccessDenied');
    } finally {
      reader.destroy();
    }
  });

  it('decrypting under another account\'s trail context is denied, even with the own object\'s key', async () => {
    const reader = logReader(local.world, await sharedSession(A), KEY);
    try {
      expect(await outcome(() => reader.decrypt(trailOf(A)))).toBe('ok');
      expect(await outcome(() => reader.decrypt(trailOf(B)))).toBe('AccessDeniedException');
      expect(await outcome(() => reader.decrypt(`arn:aws:cloudtrail:us-east-1:${B}:trail/another-trail`))).toBe('AccessDeniedException');
    } finally {
      reader.destroy();
    }
  });

  it('the management account reads only its own prefix too (SCPs do not apply to it; nothing relies on them)', async () => {
    const mgmtAdmin = `arn:aws:sts::${MGMT}:assumed-role/Administrator/admin`;
    const creds = principalCredentials(local.world, mgmtAdmin);
    expect(await outcome(() => assumeRole(creds, { RoleArn: sharedRoleArn, Tags: ownTag(A) }))).toBe('AccessDenied');
    const reader = logReader(local.world, await assumeRole(creds, { RoleArn: sharedRoleArn, Tags: ownTag(MGMT) }), KEY);
    try {
      expect(await reader.can(MGMT, objects[MGMT])).toEqual({ list: 'ok', get: 'ok', decrypt: 'ok' });
      expect(await reader.can(A, objects[A])).toEqual({ list: 'AccessDenied', get: 'AccessDenied', decrypt: 'AccessDeniedException' });
    } finally {
      reader.destroy();
    }
  });
});

describe('no session of the shared role can name another account', () => {
  const denied = async (fn: () => Promise<unknown>) => expect(await outcome(fn)).toBe('AccessDenied');

  it('asking for another account\'s tag is denied at AssumeRole', () => denied(() => sharedSession(A, ownTag(B))));
  it('no tag is denied', () => denied(() => sharedSession(A, [])));
  it('an extra tag key is denied', () => denied(() => sharedSession(A, [...ownTag(A), { Key: 'Team', Value: 'x' }])));
  it('the key in another case is denied', () => denied(() => sharedSession(A, [{ Key: SHARED_READER_SESSION_TAG.toLowerCase(), Value: A }])));

  it('a transitive tag from an earlier session cannot produce another account\'s session', async () => {
    // Account A's own hop role, which lets A's administrator tag its session with anything, transitively.
    local.world.iam.createRole(A, {
      name: 'Hop',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] },
      managedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    });
    const hop = await assumeRole(principalCredentials(local.world, admin(A)), {
      RoleArn: `arn:aws:iam::${A}:role/Hop`,
      Tags: ownTag(B),
      TransitiveTagKeys: [SHARED_READER_SESSION_TAG],
    });
    // With the inherited tag naming B: no request tag, its own tag (cannot override), B's tag: all refused.
    expect(await outcome(() => assumeRole(hop, { RoleArn: sharedRoleArn }))).toBe('AccessDenied');
    expect(await outcome(() => assumeRole(hop, { RoleArn: sharedRoleArn, Tags: ownTag(A) }))).toBe('InvalidParameterValue');
    expect(await outcome(() => assumeRole(hop, { RoleArn: sharedRoleArn, Tags: ownTag(B) }))).toBe('InvalidParameterValue');
    // Even with the inherited tag naming A itself: the caller already carries the key.
    const hopOwn = await assumeRole(principalCredentials(local.world, admin(A)), { RoleArn: `arn:aws:iam::${A}:role/Hop`, Tags: ownTag(A), TransitiveTagKeys: [SHARED_READER_SESSION_TAG] });
    expect(await outcome(() => assumeRole(hopOwn, { RoleArn: sharedRoleArn }))).toBe('AccessDenied');
  });

  it('an IAM tag of that key on the caller\'s own role is refused too (in any case)', async () => {
    for (const key of [SHARED_READER_SESSION_TAG, SHARED_READER_SESSION_TAG.toUpperCase()]) {
      const name = `Tagged-${key.length}-${key === SHARED_READER_SESSION_TAG ? 'a' : 'b'}`;
      local.world.iam.createRole(A, {
        name,
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }] },
        managedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
        tags: [{ Key: key, Value: B }],
      });
      const tagged = await assumeRole(principalCredentials(local.world, admin(A)), { RoleArn: `arn:aws:iam::${A}:role/${name}` });
      expect(await outcome(() => assumeRole(tagged, { RoleArn: sharedRoleArn, Tags: ownTag(A) }))).toBe('AccessDenied');
    }
  });

  it('chaining from the shared role into itself is denied, whatever the tag', async () => {
    const first = await sharedSession(A);
    for (const tags of [ownTag(A), ownTag(LA), ownTag(B), []]) {
      expect(await outcome(() => assumeRole(first, { RoleArn: sharedRoleArn, Tags: tags }))).toMatch(/^(AccessDenied|InvalidParameterValue)$/);
    }
  });

  it('the log-archive account\'s own principals cannot use it (they read with their own IAM policies)', async () => {
    const creds = principalCredentials(local.world, `arn:aws:sts::${LA}:assumed-role/Administrator/admin`);
    expect(await outcome(() => assumeRole(creds, { RoleArn: sharedRoleArn, Tags: ownTag(LA) }))).toBe('AccessDenied');
  });

  it('an account outside the organization is denied', async () => {
    const outsider = '123412341234';
    local.world.addAccount(outsider);
    local.world.iam.createRole(outsider, {
      name: 'Administrator',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${outsider}:root` }, Action: 'sts:AssumeRole' }] },
      managedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    });
    const creds = principalCredentials(local.world, `arn:aws:sts::${outsider}:assumed-role/Administrator/admin`);
    expect(await outcome(() => assumeRole(creds, { RoleArn: sharedRoleArn, Tags: ownTag(outsider) }))).toBe('AccessDenied');
  });
});

describe('drift of the shared role', () => {
  const laAdmin = () => createClient(IAMClient, { region: DEMO.region, credentials: principalCredentials(local.world, `arn:aws:sts::${LA}:assumed-role/Administrator/admin`) });

  it('a changed trust is reported by a report run and fails an apply run with SharedReaderRoleNotDeployed, without any write, until the role is as the template has it', async () => {
    const iam = laAdmin();
    try {
      await iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: 'CloudTrailOnboarding-LogReader',
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] }),
        }),
      );
    } finally {
      iam.destroy();
    }
    local.world.resetCalls();
    const report = await local.run({ accountId: A, mode: 'report' }, `reconcile-${A}-report-shared`);
    expect(report.status).toBe('SUCCEEDED');
    const item = await local.status.getAccount(A);
    expect(item?.health).toBe('DRIFTED');
    expect(item?.drift).toEqual(expect.arrayContaining([expect.objectContaining({ resource: 'readerRole', code: 'RoleTrustChanged' })]));
    expect(local.world.writeCalls().filter((c) => c.service !== 'dynamodb')).toEqual([]);

    const apply = await local.run({ accountId: A, mode: 'apply' }, `reconcile-${A}-apply-shared`);
    expect(apply.status).toBe('FAILED');
    expect(apply.error).toBe('SharedReaderRoleNotDeployed');
    expect(apply.cause).toMatch(/deploy the CloudTrailOnboarding-LogArchive stack/);
    // The service never wrote the role.
    expect(local.world.writeCalls().filter((c) => c.service === 'iam' && c.accountId === LA)).toEqual([]);

    // Like CloudFormation, a deploy of the unchanged template leaves the change in place...
    local.sfn.redeployStack('CloudTrailOnboarding-LogArchive');
    expect((await local.run({ accountId: A, mode: 'apply' }, `reconcile-${A}-apply-shared-1`)).error).toBe('SharedReaderRoleNotDeployed');
    // ...so the operator restores the trust policy the template has (what drift detection shows).
    const stack = local.sfn.synthesized.stacks.find((s) => s.stackName === 'CloudTrailOnboarding-LogArchive')!;
    const resources = stack.template.Resources as Record<string, { Type: string; Properties: { RoleName?: string; AssumeRolePolicyDocument?: unknown } }>;
    const templateTrust = Object.values(resources).find((r) => r.Properties?.RoleName === 'CloudTrailOnboarding-LogReader')!.Properties.AssumeRolePolicyDocument;
    const fix = laAdmin();
    try {
      await fix.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'CloudTrailOnboarding-LogReader', PolicyDocument: JSON.stringify(templateTrust) }));
    } finally {
      fix.destroy();
    }
    const again = await local.run({ accountId: A, mode: 'apply' }, `reconcile-${A}-apply-shared-2`);
    expect({ status: again.status, error: again.error, cause: again.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    const reader = logReader(local.world, await sharedSession(A), KEY);
    try {
      expect(await reader.can(A, objects[A])).toEqual({ list: 'ok', get: 'ok', decrypt: 'ok' });
    } finally {
      reader.destroy();
    }
  });
});
