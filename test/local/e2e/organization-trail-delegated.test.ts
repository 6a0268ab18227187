/**
 * trailMode "organization" with `organizationTrail.delegatedAdministratorAccountId`, end to end on the
 * simulated deployment (the synthesized stacks' grants decide every call). The security-tooling
 * account is made CloudTrail delegated administrator the way AWS requires it -- all features and
 * trusted access (the demo organization has both), then RegisterOrganizationDelegatedAdmin from the
 * management account (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-add-delegated-administrator.html)
 * -- and the service manages the organization trail from there, through that account's member-access role.
 *
 * AWS: "The management account remains the owner of any CloudTrail organization resources the delegated
 * administrator creates" (cloudtrail-delegated-administrator.html), and for aws:SourceArn "The trail ARN
 * must use the account ID of the management account" (creating-an-organizational-trail-prepare.html):
 * the trail the delegated administrator creates is arn:aws:cloudtrail:<home>:<management>:trail/<name>,
 * and the bucket and key statements are pinned to that ARN.
 *
 * In order, on one world (the handlers read their configuration once per file):
 * 1. Before the registration: onboarding fails with DelegatedAdministratorNotRegistered and no trail exists.
 * 2. After RegisterOrganizationDelegatedAdmin: onboarding creates the trail from the delegated
 *    administrator, with the management account's ARN, started and logging; the member's logs are
 *    delivered under the organization prefix and its reader role reads them.
 * 3. A re-run writes nothing.
 */
import { CloudTrailClient, RegisterOrganizationDelegatedAdminCommand } from '@aws-sdk/client-cloudtrail';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createClient } from '../../../handlers/shared/clients';
import { awsWrites, DEMO, startLocal, type Local } from '../harness';
import { assumeRole, outcome, principalCredentials } from './reader-access';

const MGMT = DEMO.managementAccountId;
const DELEGATED = DEMO.securityToolingAccountId;
const [A] = DEMO.memberAccountIds;
const ORG = 'o-a1b2c3d4e5';
const TRAIL_NAME = 'cloudtrail-onboarding-org';
/** The management account's ARN, whoever created the trail. */
const ORG_TRAIL = `arn:aws:cloudtrail:${DEMO.region}:${MGMT}:trail/${TRAIL_NAME}`;
/** What the ARN would be if the delegated administrator owned the trail (it does not). */
const NOT_ORG_TRAIL = `arn:aws:cloudtrail:${DEMO.region}:${DELEGATED}:trail/${TRAIL_NAME}`;
const orgPrefix = (account: string) => `${DEMO.logPrefix}/AWSLogs/${ORG}/${account}/`;
const DELEGATED_SESSION = `arn:aws:sts::${DELEGATED}:assumed-role/OrganizationAccountAccessRole/cloudtrail-onboarding`;

interface Statement {
  readonly Sid?: string;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The aws:SourceArn values of the service's organization statements in a policy document. */
function organizationSourceArns(policy: string | undefined): unknown[] {
  const statements = (JSON.parse(policy ?? '{"Statement":[]}') as { Statement: Statement[] }).Statement;
  return statements.filter((s) => s.Sid?.startsWith('CloudTrailOnboardingOrganization')).map((s) => s.Condition?.StringEquals?.['aws:SourceArn']);
}

/** RegisterOrganizationDelegatedAdmin for `accountId`, from the management account (only it may). */
async function registerDelegatedAdministrator(local: Local, accountId: string): Promise<void> {
  const ct = createClient(CloudTrailClient, { region: DEMO.region, credentials: principalCredentials(local.world, DEMO.operatorPrincipalArn) });
  try {
    await ct.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: accountId }));
  } finally {
    ct.destroy();
  }
}

describe('organization mode through a CloudTrail delegated administrator', () => {
  let local: Local;
  /** The world's clock runs ahead of real time by this much (deliveries are due on it). */
  let offsetMs = 0;
  beforeAll(async () => {
    local = await startLocal({
      config: { trailMode: 'organization', organizationTrail: { delegatedAdministratorAccountId: DELEGATED } },
      clock: () => new Date(Date.now() + offsetMs),
      // The security-tooling account is a member like the others: Organizations created its OrganizationAccountAccessRole.
      prepareWorld: (w) => w.seedMember(DELEGATED),
      loseApiCallEvents: true,
    });
  });
  afterAll(() => local?.stop());

  it('an account that is not a registered delegated administrator: DelegatedAdministratorNotRegistered, and no trail', async () => {
    const r = await local.run({ accountId: A }, `onboard-${A}-not-delegated`);

    expect({ status: r.status, error: r.error }).toEqual({ status: 'FAILED', error: 'DelegatedAdministratorNotRegistered' });
    expect(r.cause).toContain(DELEGATED);
    expect(r.cause).toContain('register-organization-delegated-admin');
    expect(local.world.cloudtrail.organizationTrails()).toEqual([]);
    expect(local.world.cloudtrail.list()).toEqual([]);
    // The one trail write tried was refused by CloudTrail, in the configured account.
    const trailWrites = local.world.writeCalls().filter((c) => c.service === 'cloudtrail');
    expect(trailWrites.map((c) => [c.operation, c.accountId, c.error])).toEqual([['CreateTrail', DELEGATED, 'NotOrganizationMasterAccountException']]);
  });

  it('once registered: the trail is created in the delegated administrator, owned by the management account, started and logging', async () => {
    await registerDelegatedAdministrator(local, DELEGATED);
    local.world.resetCalls();

    const r = await local.run({ accountId: A }, `onboard-${A}`);

    expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: "SUCCEEDED", error: undefined, cause: undefined });
    const trailWrites = local.world.writeCalls().filter((c) => c.service === 'cloudtrail');
    expect(trailWrites.map((c) => [c.operation, c.accountId, c.principalArn, c.error])).toEqual([
      ['CreateTrail', DELEGATED, DELEGATED_SESSION, undefined],
      ['StartLogging', DELEGATED, DELEGATED_SESSION, undefined],
    ]);
    expect(local.world.cloudtrail.organizationTrails().map((t) => t.arn)).toEqual([ORG_TRAIL]);
    expect(local.world.cloudtrail.getTrail(ORG_TRAIL)).toMatchObject({ accountId: MGMT, isOrganizationTrail: true, isMultiRegionTrail: true, isLogging: true });
    expect(local.world.cloudtrail.organizationTrailCovers(ORG_TRAIL, A)).toBe(true);
    expect(await local.status.getAccount(A)).toMatchObject({ status: 'ONBOARDED', trailArn: ORG_TRAIL });
  });

  it("the bucket and key statements pin the management account's trail ARN (aws:SourceArn), not the delegated administrator's", () => {
    const bucketArns = organizationSourceArns(local.world.s3.getBucket(DEMO.bucketName)?.policy);
    const keyArns = organizationSourceArns(local.world.kms.resolve(DEMO.keyArn, DEMO.logArchiveAccountId, DEMO.region)?.policy);
    expect({ bucketArns: new Set(bucketArns), keyArns: new Set(keyArns) }).toEqual({ bucketArns: new Set([ORG_TRAIL]), keyArns: new Set([ORG_TRAIL]) });
    expect(JSON.stringify({ bucketArns, keyArns })).not.toContain(NOT_ORG_TRAIL);
  });

  it("the member's logs are delivered under its organization prefix and its reader role reads them", async () => {
    offsetMs += 15 * 60 * 1000;
    const files = await local.world.cloudtrail.deliver();
    const own = files.find((f) => f.accountId === A && f.kind === 'log' && f.trailArn === ORG_TRAIL);
    expect(own?.key.startsWith(orgPrefix(A))).toBe(true);

    const reader = await assumeRole(principalCredentials(local.world, `arn:aws:sts::${A}:assumed-role/OrganizationAccountAccessRole/admin`), {
      RoleArn: `arn:aws:iam::${DEMO.logArchiveAccountId}:role/CloudTrailLogReader-${A}`,
    });
    const s3 = createClient(S3Client, { region: DEMO.region, credentials: reader });
    try {
      expect(await outcome(() => s3.send(new GetObjectCommand({ Bucket: DEMO.bucketName, Key: own!.key })))).toBe('ok');
    } finally {
      s3.destroy();
    }
  });

  it('a re-run writes nothing', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: A }, `onboard-${A}-again`);
    expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: "SUCCEEDED", error: undefined, cause: undefined });
    expect(awsWrites(local.world)).toEqual([]);
  });
});
