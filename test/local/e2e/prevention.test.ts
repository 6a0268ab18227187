/**
 * Prevention (issue 10, item 5), end to end: with `prevention` the ManagementEvents stack's service
 * control policy is deployed into the simulated organization with every other stack, and the world
 * evaluates it for every call of a targeted member account. The service keeps working there through
 * the member-access role; the account's own administrator can no longer stop, change or delete the
 * trail, nor change the switch role; an account the policy does not target is unaffected.
 */
import { CloudTrailClient, DeleteTrailCommand, GetTrailStatusCommand, PutEventSelectorsCommand, StopLoggingCommand, UpdateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { AttachRolePolicyCommand, DeleteRoleCommand, GetRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { createClient, type SdkClient } from '../../../handlers/shared/clients';
import { PREVENTION_POLICY_NAME } from '../../../infra/config';
import { PROTECTED_ROLE_ACTIONS, PROTECTED_TRAIL_ACTIONS } from '../../../infra/stacks/management-events-stack';
import { accountResources, DEMO, startLocal, type Local } from '../harness';

/** Targeted by the policy. */
const MEMBER = DEMO.memberAccountIds[0];
/** Not targeted. */
const OTHER = DEMO.memberAccountIds[1];
const TRAIL = DEMO.trailName;
const SWITCH_ROLE = 'SecurityAuditFromLogArchive';
const MEMBER_ACCESS_ROLE = 'OrganizationAccountAccessRole';
const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';
const PROTECTED = new Set<string>([...PROTECTED_TRAIL_ACTIONS, ...PROTECTED_ROLE_ACTIONS].map((a) => a.split(':')[1]));

let local: Local;
const clients: SdkClient[] = [];

/** A client signed as a session of `role` in `account`: the SDK path an administrator would take. */
function as<C extends SdkClient>(Ctor: new (config: never) => C, account: string, role = 'Administrator'): C {
  const client = createClient(Ctor, { region: DEMO.region, credentials: local.world.credentialsFor(`arn:aws:sts::${account}:assumed-role/${role}/admin`) });
  clients.push(client);
  return client;
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string } | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
}

const isLogging = async (account: string) => (await as(CloudTrailClient, account).send(new GetTrailStatusCommand({ Name: TRAIL }))).IsLogging;

beforeAll(async () => {
  local = await startLocal({ config: { prevention: { targets: [MEMBER] } } });
  // The member accounts' own administrators: OrganizationAccountAccessRole is the member-access role
  // of this configuration (exempt), so a person of the account signs in with another admin role.
  for (const account of [MEMBER, OTHER]) {
    local.world.iam.createRole(account, {
      name: 'Administrator',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }] },
      managedPolicyArns: [ADMINISTRATOR_ACCESS],
    });
  }
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await local.stop();
});

describe('the deployed service control policy', () => {
  it('is attached to the targeted member account only', () => {
    const scps = local.world.organizations.exportState().scps;
    expect(scps[MEMBER]?.map((p) => p.name)).toEqual([PREVENTION_POLICY_NAME]);
    expect(scps[OTHER]).toBeUndefined();
    expect(scps[local.world.organizations.rootId()!]).toBeUndefined();
  });
});

describe('the service in the targeted account', () => {
  it('onboards it through the member-access role, making the very writes the policy denies to everyone else', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: MEMBER }, `onboard-${MEMBER}`);
    expect(r.status).toBe('SUCCEEDED');
    const guarded = local.world.calls.filter((c) => c.accountId === MEMBER && c.write && PROTECTED.has(c.operation));
    expect(guarded.length).toBeGreaterThan(0);
    expect(guarded.filter((c) => c.error)).toEqual([]);
    expect(new Set(guarded.map((c) => c.principalArn.split('/')[1]))).toEqual(new Set([MEMBER_ACCESS_ROLE]));
    expect(await isLogging(MEMBER)).toBe(true);
  });
});

describe("the targeted account's administrator", () => {
  let before: unknown;
  beforeAll(() => {
    before = accountResources(local.world, MEMBER);
  });

  it.each<[string, (ct: CloudTrailClient) => Promise<unknown>]>([
    ['StopLogging', (ct) => ct.send(new StopLoggingCommand({ Name: TRAIL }))],
    ['DeleteTrail', (ct) => ct.send(new DeleteTrailCommand({ Name: TRAIL }))],
    ['UpdateTrail', (ct) => ct.send(new UpdateTrailCommand({ Name: TRAIL, EnableLogFileValidation: false }))],
    ['PutEventSelectors', (ct) => ct.send(new PutEventSelectorsCommand({ TrailName: TRAIL, EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] }))],
  ])('is denied %s of the trail by the service control policy (AccessDeniedException), and the trail keeps logging', async (operation, send) => {
    const error = await errorOf(send(as(CloudTrailClient, MEMBER)));
    expect(error?.name).toBe('AccessDeniedException');
    expect(error?.message).toMatch(new RegExp(`not authorized to perform: cloudtrail:${operation} .*with an explicit deny`));
    expect(await isLogging(MEMBER)).toBe(true);
  });

  it.each<[string, (iam: IAMClient) => Promise<unknown>]>([
    [
      'UpdateAssumeRolePolicy',
      (iam) =>
        iam.send(
          new UpdateAssumeRolePolicyCommand({
            RoleName: SWITCH_ROLE,
            PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MEMBER}:root` }, Action: 'sts:AssumeRole' }] }),
          }),
        ),
    ],
    ['AttachRolePolicy', (iam) => iam.send(new AttachRolePolicyCommand({ RoleName: SWITCH_ROLE, PolicyArn: ADMINISTRATOR_ACCESS }))],
    ['DeleteRole', (iam) => iam.send(new DeleteRoleCommand({ RoleName: SWITCH_ROLE }))],
  ])('is denied %s of the switch role (AccessDenied)', async (operation, send) => {
    const error = await errorOf(send(as(IAMClient, MEMBER)));
    expect(error?.name).toBe('AccessDenied');
    expect(error?.message).toMatch(new RegExp(`not authorized to perform: iam:${operation} .*with an explicit deny`));
  });

  it('changed nothing of the trail or the switch role', () => {
    expect(accountResources(local.world, MEMBER)).toEqual(before);
  });

  it('still reads the trail and the role (only changes are denied)', async () => {
    await expect(as(CloudTrailClient, MEMBER).send(new GetTrailStatusCommand({ Name: TRAIL }))).resolves.toMatchObject({ IsLogging: true });
    await expect(as(IAMClient, MEMBER).send(new GetRoleCommand({ RoleName: SWITCH_ROLE }))).resolves.toMatchObject({ Role: { RoleName: SWITCH_ROLE } });
  });
});

describe('the member-access role in the targeted account', () => {
  it('is exempt: a change through it is allowed, and the service repairs it through the same role', async () => {
    await expect(as(CloudTrailClient, MEMBER, MEMBER_ACCESS_ROLE).send(new StopLoggingCommand({ Name: TRAIL }))).resolves.toBeDefined();
    expect(await isLogging(MEMBER)).toBe(false);
    local.world.resetCalls();
    const r = await local.run({ accountId: MEMBER, mode: 'apply' }, `reconcile-${MEMBER}-apply-1`);
    expect(r.status).toBe('SUCCEEDED');
    expect(local.world.calls.filter((c) => c.operation === 'StartLogging').map((c) => [c.accountId, c.error])).toEqual([[MEMBER, undefined]]);
    expect(await isLogging(MEMBER)).toBe(true);
  });
});

describe('an account the policy does not target', () => {
  beforeAll(async () => {
    const r = await local.run({ accountId: OTHER }, `onboard-${OTHER}`);
    if (r.status !== 'SUCCEEDED') throw new Error(`onboarding ended ${r.status}: ${r.error}`);
  });

  it("lets its administrator stop the trail and change the switch role's trust, as without prevention", async () => {
    await expect(as(CloudTrailClient, OTHER).send(new StopLoggingCommand({ Name: TRAIL }))).resolves.toBeDefined();
    expect(await isLogging(OTHER)).toBe(false);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'sts:AssumeRole' }] };
    await expect(as(IAMClient, OTHER).send(new UpdateAssumeRolePolicyCommand({ RoleName: SWITCH_ROLE, PolicyDocument: JSON.stringify(trust) }))).resolves.toBeDefined();
  });
});
