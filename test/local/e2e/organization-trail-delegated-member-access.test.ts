/**
 * The CloudTrail delegated administrator (organization-trail-delegated.test.ts) with the service's own
 * member-access role (the MemberAccess stack, as a StackSet deploys it to every member) instead of
 * OrganizationAccountAccessRole: the role's synthesized grants must let EnsureOrganizationTrail create,
 * start and read the organization trail in the delegated administrator, and nothing of it anywhere else.
 */
import { CloudTrailClient, GetTrailCommand, RegisterOrganizationDelegatedAdminCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { createClient } from '../../../handlers/shared/clients';
import { awsWrites, DEMO, startLocal, type Local } from '../harness';
import { outcome, principalCredentials } from './reader-access';

const MGMT = DEMO.managementAccountId;
const DELEGATED = DEMO.securityToolingAccountId;
const [A, B] = DEMO.memberAccountIds;
const ROLE = 'CloudTrailOnboardingMemberAccess';
const ORG_TRAIL = `arn:aws:cloudtrail:${DEMO.region}:${MGMT}:trail/cloudtrail-onboarding-org`;
const sessionIn = (accountId: string) => `arn:aws:sts::${accountId}:assumed-role/${ROLE}/cloudtrail-onboarding`;

/** A CloudTrail client signed as `principalArn`. */
function cloudTrailAs(local: Local, principalArn: string): CloudTrailClient {
  return createClient(CloudTrailClient, { region: DEMO.region, credentials: principalCredentials(local.world, principalArn) });
}

describe('a CloudTrail delegated administrator through the MemberAccess stack\'s role', () => {
  let local: Local;
  beforeAll(async () => {
    local = await startLocal({
      config: { trailMode: 'organization', memberAccessRoleName: ROLE, organizationTrail: { delegatedAdministratorAccountId: DELEGATED } },
      loseApiCallEvents: true,
    });
    const ct = cloudTrailAs(local, DEMO.operatorPrincipalArn);
    try {
      await ct.send(new RegisterOrganizationDelegatedAdminCommand({ MemberAccountId: DELEGATED }));
    } finally {
      ct.destroy();
    }
    local.world.resetCalls();
  });
  afterAll(() => local?.stop());

  it('onboards an account: the trail created and started in the delegated administrator by the member-access role, logging', async () => {
    const r = await local.run({ accountId: A }, `onboard-${A}`);

    expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    const trailCalls = local.world.calls.filter((c) => c.service === 'cloudtrail');
    expect(new Set(trailCalls.map((c) => c.principalArn))).toEqual(new Set([sessionIn(DELEGATED)]));
    // The one refusal: the trail does not exist yet when first read (no AccessDenied anywhere).
    expect(trailCalls.filter((c) => c.error).map((c) => [c.operation, c.error])).toEqual([['GetTrail', 'TrailNotFoundException']]);
    expect(local.world.writeCalls().filter((c) => c.service === 'cloudtrail').map((c) => c.operation)).toEqual(['CreateTrail', 'StartLogging']);
    expect(local.world.cloudtrail.getTrail(ORG_TRAIL)).toMatchObject({ accountId: MGMT, isOrganizationTrail: true, isLogging: true });
  });

  it('a re-run writes nothing', async () => {
    local.world.resetCalls();
    const r = await local.run({ accountId: A }, `onboard-${A}-again`);
    expect(r.status).toBe('SUCCEEDED');
    expect(awsWrites(local.world)).toEqual([]);
  });

  it("the same role in another member account may not touch the organization trail (the grant is the delegated administrator's only)", async () => {
    const inDelegated = cloudTrailAs(local, sessionIn(DELEGATED));
    const inMember = cloudTrailAs(local, sessionIn(B));
    try {
      expect(await outcome(() => inDelegated.send(new GetTrailCommand({ Name: ORG_TRAIL })))).toBe('ok');
      expect(await outcome(() => inMember.send(new GetTrailCommand({ Name: ORG_TRAIL })))).toBe('AccessDeniedException');
      expect(await outcome(() => inMember.send(new StartLoggingCommand({ Name: ORG_TRAIL })))).toBe('AccessDeniedException');
      // Nor does the delegated administrator's role get more than the step uses.
      expect(await outcome(() => inDelegated.send(new StopLoggingCommand({ Name: ORG_TRAIL })))).toBe('AccessDeniedException');
    } finally {
      inDelegated.destroy();
      inMember.destroy();
    }
  });
});
