/**
 * The configured scope, end to end with the deployed IAM: a direct request (the API's POST /accounts)
 * for an account outside the scope is rejected with AccountOutOfScope and recorded REJECTED, with nothing
 * written in AWS; one inside onboards. The other ways in -- an invitation (AccountJoinedOrganization), a
 * move (MoveAccount), Control Tower's CreateManagedAccount -- delivered to the management account's
 * default bus in us-east-1 in the fixtures' shapes, start onboarding through the ManagementEvents
 * forwarders, the onboarding bus's rules and StartFromEvent; an out-of-scope account ends SKIPPED with no
 * alarm (no execution, no failed delivery, nothing in a dead-letter queue).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { organizationsEvents } from '../../fixtures';
import { startLocal, writes, type Local } from '../harness';

const ROOT = 'r-a1b2';
const WORKLOADS = 'ou-a1b2-workload1';
const SANDBOX = 'ou-a1b2-sandbox01'; // under WORKLOADS: excluded although its parent is included
const OTHER = 'ou-a1b2-otherou01'; // beside WORKLOADS: not included

const IN_SCOPE = '100000000001';
const IN_EXCLUDED_OU = '100000000002';
const UNDER_NO_INCLUDED_OU = '100000000003';
const LISTED = '100000000004';
const INVITED = '100000000010';
const MOVED = '100000000011';
const VENDED = '100000000012';
const VENDED_TO_SANDBOX = '100000000013';

const fixtures = organizationsEvents() as unknown as Record<string, { detail: Record<string, any> }>;
let local: Local;

beforeAll(async () => {
  local = await startLocal({
    config: { scope: { includeOus: [WORKLOADS], excludeOus: [SANDBOX], excludeAccounts: [LISTED] } },
    prepareWorld: (world) => {
      world.organizations.createOrganizationalUnit(ROOT, 'Workloads', WORKLOADS);
      world.organizations.createOrganizationalUnit(WORKLOADS, 'Sandbox', SANDBOX);
      world.organizations.createOrganizationalUnit(ROOT, 'Other', OTHER);
      const place: [string, string][] = [
        [IN_SCOPE, WORKLOADS],
        [IN_EXCLUDED_OU, SANDBOX],
        [UNDER_NO_INCLUDED_OU, OTHER],
        [LISTED, WORKLOADS],
        [MOVED, OTHER],
      ];
      for (const [id, parentId] of place) {
        world.addMemberAccount({ id, name: `member-${id}`, state: 'ACTIVE', parentId });
        world.seedMember(id);
      }
    },
  });
}, 120_000);
afterAll(() => local.stop());

/** POST /accounts {"accountId": id} through the deployed Api function, as its own role. */
async function post(accountId: string): Promise<{ statusCode: number; body: Record<string, any> }> {
  const event: Partial<APIGatewayProxyEvent> = {
    httpMethod: 'POST',
    resource: '/accounts',
    path: '/accounts',
    pathParameters: null,
    body: JSON.stringify({ accountId }),
    isBase64Encoded: false,
    headers: { 'Content-Type': 'application/json' },
    requestContext: { requestId: `scope-${accountId}` } as never,
  };
  const r = (await local.sfn.invokeFunction('Api', event)) as { statusCode: number; body: string };
  return { statusCode: r.statusCode, body: JSON.parse(r.body) };
}

/** The fixture event `key` with its account (and destination) replaced, onto the management account's default bus in us-east-1. */
async function deliver(key: string, change: (detail: Record<string, any>) => void): Promise<void> {
  const event = structuredClone(fixtures[key]);
  change(event.detail);
  expect(local.world.events.emitAwsEvent(event as never)).toBe('received');
  await local.world.settle();
}

const executionsOf = (id: string) => local.world.stepFunctions.list().filter((x) => x.name.startsWith(`onboard-${id}`));
/** Failed deliveries but the notifications' (not modelled targets). */
const failedDeliveries = () => local.world.events.failedDeliveries().filter((f) => !/Notifications|states/.test(JSON.stringify(f)));

describe('a direct request', () => {
  it.each<[string, string, RegExp]>([
    ['in an excluded OU', IN_EXCLUDED_OU, new RegExp(`under ${SANDBOX}, which scope.excludeOus excludes`)],
    ['under no included OU', UNDER_NO_INCLUDED_OU, new RegExp(`none of scope.includeOus \\(${WORKLOADS}\\)`)],
    ['listed in excludeAccounts', LISTED, /listed in scope.excludeAccounts/],
  ])('for an account %s is rejected with AccountOutOfScope, recorded REJECTED, and nothing is written in AWS', async (_label, id, reason) => {
    // prepare
    local.world.resetCalls();

    // act
    const answer = await post(id);
    await local.world.settle();

    // assert: the execution was rejected at validation with the named error and a cause naming the rule
    expect(answer.statusCode).toBe(202);
    const [run] = executionsOf(id);
    expect(run).toMatchObject({ status: 'FAILED', error: 'AccountOutOfScope' });
    expect(run.cause).toMatch(reason);
    expect(run.cause).toMatch(/Change scope in the configuration to onboard it/);
    // ... recorded for operators; no write in AWS besides the status item
    expect(await local.status.getAccount(id)).toMatchObject({ status: 'REJECTED', error: { name: 'AccountOutOfScope', step: 'ValidateRequest', cause: expect.stringMatching(reason) } });
    expect(writes(local.world)).toEqual(['dynamodb:UpdateItem']);
    // ValidateRequest read the path as its own role (ListParents up to the root), nothing else of Organizations;
    // an account of excludeAccounts is decided without its path
    const orgCalls = local.world.calls.filter((c) => c.service === 'organizations').map((c) => c.operation);
    expect(new Set(orgCalls)).toEqual(new Set(id === LISTED ? ['DescribeAccount'] : ['DescribeAccount', 'ListParents']));
  });

  it('for an account in an included OU onboards it', async () => {
    const answer = await post(IN_SCOPE);
    await local.world.settle();
    expect(answer.statusCode).toBe(202);
    expect(executionsOf(IN_SCOPE).map((x) => x.status)).toEqual(['SUCCEEDED']);
    expect(await local.status.getAccount(IN_SCOPE)).toMatchObject({ status: 'ONBOARDED' });
  });
});

describe('the other ways in, forwarded from the management account', () => {
  it('an invitation into the root (outside scope) ends SKIPPED with the reason, no execution and no alarm', async () => {
    // act: the account accepts the invitation (the simulation emits AccountJoinedOrganization as the fixture)
    local.world.organizations.inviteAccount({ id: INVITED, name: 'invited', state: 'ACTIVE' });
    local.world.seedMember(INVITED);
    await local.world.settle();

    // assert
    expect(await local.status.getAccount(INVITED)).toMatchObject({
      status: 'SKIPPED',
      trigger: 'AccountJoinedOrganization',
      error: { name: 'AccountOutOfScope', cause: expect.stringMatching(/none of scope.includeOus/) },
    });
    expect(executionsOf(INVITED)).toEqual([]);
    expect(failedDeliveries()).toEqual([]);
  });

  it('the invited account moved into an included OU (MoveAccount) is onboarded', async () => {
    // act: the move, then its event in the fixture's shape
    local.world.organizations.placeAccount(INVITED, WORKLOADS);
    await deliver('moveAccount', (d) => Object.assign(d.requestParameters, { accountId: INVITED, sourceParentId: ROOT, destinationParentId: WORKLOADS }));

    // assert
    expect(executionsOf(INVITED).map((x) => [x.name, x.status, JSON.parse(x.input)])).toEqual([[`onboard-${INVITED}`, 'SUCCEEDED', { accountId: INVITED }]]);
    expect(await local.status.getAccount(INVITED)).toMatchObject({ status: 'ONBOARDED' });
    expect(failedDeliveries()).toEqual([]);
  });

  it('an account REJECTED as out of scope and then moved in is retried by the move event, and onboarded', async () => {
    // prepare: rejected earlier (a direct request while it was in OTHER)
    await post(MOVED);
    await local.world.settle();
    expect(await local.status.getAccount(MOVED)).toMatchObject({ status: 'REJECTED' });

    // act
    local.world.organizations.placeAccount(MOVED, WORKLOADS);
    await deliver('moveAccount', (d) => Object.assign(d.requestParameters, { accountId: MOVED, sourceParentId: OTHER, destinationParentId: WORKLOADS }));

    // assert
    expect(executionsOf(MOVED).map((x) => [x.name, x.status])).toEqual([
      [`onboard-${MOVED}`, 'FAILED'],
      [`onboard-${MOVED}-retry-1`, 'SUCCEEDED'],
    ]);
    expect(await local.status.getAccount(MOVED)).toMatchObject({ status: 'ONBOARDED' });
  });

  it("Control Tower's CreateManagedAccount in an included OU onboards the vended account (one execution for its three events)", async () => {
    // act: Account Factory vends the account (CreateAccountResult, AccountJoinedOrganization, CreateManagedAccount, as the fixtures)
    local.world.organizations.createManagedAccount({ accountId: VENDED, accountName: 'vended', organizationalUnitId: WORKLOADS });
    local.world.seedMember(VENDED);
    await local.world.settle();

    // assert
    expect(executionsOf(VENDED).map((x) => [x.name, x.status])).toEqual([[`onboard-${VENDED}`, 'SUCCEEDED']]);
    expect(await local.status.getAccount(VENDED)).toMatchObject({ status: 'ONBOARDED' });
  });

  it('the CreateManagedAccount fixture itself, for an account vended into an excluded OU, ends SKIPPED without an alarm', async () => {
    // prepare: the account exists in the sandbox OU (Organizations' own events not sent)
    local.world.addMemberAccount({ id: VENDED_TO_SANDBOX, name: 'sandbox-vended', state: 'ACTIVE', parentId: SANDBOX });

    // act
    await deliver('createManagedAccountSucceeded', (d) => {
      d.serviceEventDetails.createManagedAccountStatus.account.accountId = VENDED_TO_SANDBOX;
      d.serviceEventDetails.createManagedAccountStatus.organizationalUnit.organizationalUnitId = SANDBOX;
    });

    // assert
    expect(await local.status.getAccount(VENDED_TO_SANDBOX)).toMatchObject({ status: 'SKIPPED', trigger: 'CreateManagedAccount', error: { cause: expect.stringMatching(/scope.excludeOus/) } });
    expect(executionsOf(VENDED_TO_SANDBOX)).toEqual([]);
    expect(failedDeliveries()).toEqual([]);
  });

  it('a move of an onboarded account between included OUs starts nothing and fails nothing', async () => {
    const before = local.world.stepFunctions.list().length;
    await deliver('moveAccount', (d) => Object.assign(d.requestParameters, { accountId: IN_SCOPE, sourceParentId: WORKLOADS, destinationParentId: WORKLOADS }));
    expect(local.world.stepFunctions.list().length).toBe(before);
    expect(await local.status.getAccount(IN_SCOPE)).toMatchObject({ status: 'ONBOARDED' });
    expect(failedDeliveries()).toEqual([]);
  });

  it('a move of an onboarded account out of scope keeps it ONBOARDED (no offboarding) and notes the skip', async () => {
    // act
    local.world.organizations.placeAccount(IN_SCOPE, SANDBOX);
    const before = local.world.stepFunctions.list().length;
    await deliver('moveAccount', (d) => Object.assign(d.requestParameters, { accountId: IN_SCOPE, sourceParentId: WORKLOADS, destinationParentId: SANDBOX }));

    // assert
    expect(local.world.stepFunctions.list().length).toBe(before);
    const item = await local.status.getAccount(IN_SCOPE);
    expect(item).toMatchObject({ status: 'ONBOARDED', notice: { status: 'SKIPPED', name: 'AccountOutOfScope', trigger: 'MoveAccount', cause: expect.stringMatching(/scope.excludeOus/) } });
    expect(item?.trailArn).toBeDefined();
    expect(failedDeliveries()).toEqual([]);
  });

  it('no execution an event started failed (no failed-execution alarm)', () => {
    const byEvents = local.world.stepFunctions.list().filter((x) => [INVITED, VENDED, VENDED_TO_SANDBOX].some((id) => x.name.startsWith(`onboard-${id}`)));
    expect(byEvents.every((x) => x.status === 'SUCCEEDED')).toBe(true);
  });
});
