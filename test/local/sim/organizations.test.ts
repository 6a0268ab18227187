/**
 * The simulated Organizations (local/sim/organizations.ts) through the real SDK client: the OU tree
 * and its List/Describe operations with AWS's pagination and errors, MoveAccount, who may call,
 * SCPs evaluated along the OU path, persistence of the tree, a large organization, and the events
 * of the ways an account joins or moves compared with test/fixtures/organizations-events.json.
 */
import {
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListChildren,
  type Account,
} from '@aws-sdk/client-organizations';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { organizationsEvents } from '../../fixtures';
import type { SimEvent } from '../../../local/sim/events';
import { memberAccountSpecs, type AccountSpec, type OrganizationalUnitSpec } from '../../../local/sim/accounts';
import { exportWorld, importWorld } from '../../../local/sim/persistence';
import { SimWorld } from '../../../local/sim/world';
import { createClient, registerClientHook } from '../../../handlers/shared/clients';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';
import { onboardTrails } from './trail-setup';

const ROOT = 'r-a1b2';
const MGMT = DEMO.managementAccountId;
const [M1, M2, M3, M4, M5] = DEMO.memberAccountIds;
const WORKLOADS = 'ou-a1b2-workload';
const PROD = 'ou-a1b2-prod0001';
const SANDBOX = 'ou-a1b2-sandbox1';

/** Workloads/Prod and Sandbox under the root, parents first. */
const TREE: OrganizationalUnitSpec[] = [
  { id: WORKLOADS, name: 'Workloads', parentId: ROOT },
  { id: PROD, name: 'Prod', parentId: WORKLOADS },
  { id: SANDBOX, name: 'Sandbox', parentId: ROOT },
];

/** A world of the demo organization's ids with these accounts and OUs (as an organization spec seeds them). */
function treeWorld(accounts: AccountSpec[], organizationalUnits: OrganizationalUnitSpec[] = TREE): SimWorld {
  return new SimWorld({ organization: { id: DEMO.organizationId, managementAccountId: MGMT, organizationalUnits, accounts } });
}

/** The demo organization with Workloads/Prod (M1, M2) and Sandbox (M3) under the root. */
function withTree(t: TestWorld): void {
  const o = t.world.organizations;
  o.createOrganizationalUnit(ROOT, 'Workloads', WORKLOADS);
  o.createOrganizationalUnit(WORKLOADS, 'Prod', PROD);
  o.createOrganizationalUnit(ROOT, 'Sandbox', SANDBOX);
  o.placeAccount(M1, PROD);
  o.placeAccount(M2, PROD);
  o.placeAccount(M3, SANDBOX);
}

/** The structure of a JSON value: member names with the types of their values. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  return typeof value;
}

const fixtures = organizationsEvents();
type Detail = { eventName: string; requestParameters: Record<string, unknown> | null; serviceEventDetails?: Record<string, unknown>; [k: string]: unknown };
const detailOf = (e: SimEvent) => e.detail as Detail;

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

describe('simulated Organizations', () => {
  let t: TestWorld;
  beforeEach(() => {
    t = demoWorld();
  });
  afterEach(() => t.dispose());

  it('describes member accounts to the management account, with State and the legacy Status', async () => {
    const org = t.client(OrganizationsClient);
    const { Account } = await org.send(new DescribeAccountCommand({ AccountId: DEMO.suspendedAccountId }));
    expect(Account).toMatchObject({
      Id: DEMO.suspendedAccountId,
      Arn: `arn:aws:organizations::${DEMO.managementAccountId}:account/${DEMO.organizationId}/${DEMO.suspendedAccountId}`,
      State: 'SUSPENDED',
      Status: 'SUSPENDED',
    });
    expect(Account?.JoinedTimestamp).toBeInstanceOf(Date);
    const missing = await caught(() => org.send(new DescribeAccountCommand({ AccountId: '123456789012' })));
    expect(missing.name).toBe('AccountNotFoundException');
  });

  it('denies member accounts, and answers NotInUse outside the organization', async () => {
    const member = DEMO.memberAccountIds[0];
    const fromMember = t.client(OrganizationsClient, session(member, 'OrganizationAccountAccessRole'));
    expect((await caught(() => fromMember.send(new DescribeAccountCommand({ AccountId: member })))).name).toBe('AccessDeniedException');
    t.world.addAccount('123456789012');
    const outsider = t.client(OrganizationsClient, 'arn:aws:iam::123456789012:root');
    expect((await caught(() => outsider.send(new DescribeAccountCommand({ AccountId: member })))).name).toBe('AWSOrganizationsNotInUseException');
  });

  it("JoinedMethod is each account's: CREATED for the management account, the seeded value, INVITED by default", async () => {
    t.world.addMemberAccount({ id: '123456789012', name: 'vended', state: 'ACTIVE', joinedMethod: 'CREATED' });
    const org = t.client(OrganizationsClient);
    const method = async (id: string) => (await org.send(new DescribeAccountCommand({ AccountId: id }))).Account?.JoinedMethod;
    expect([await method(MGMT), await method('123456789012'), await method(M1)]).toEqual(['CREATED', 'CREATED', 'INVITED']);
  });

  describe('the OU tree', () => {
    it('ListRoots names the one root, with its ARN and SCPs enabled', async () => {
      const { Roots, NextToken } = await t.client(OrganizationsClient).send(new ListRootsCommand({}));
      expect(NextToken).toBeUndefined();
      expect(Roots).toEqual([{ Id: ROOT, Arn: `arn:aws:organizations::${MGMT}:root/${DEMO.organizationId}/${ROOT}`, Name: 'Root', PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] }]);
    });

    it('children, OUs and accounts of each parent, and ListParents up to the root', async () => {
      withTree(t);
      const org = t.client(OrganizationsClient);
      const ous = async (parent: string) => (await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent }))).OrganizationalUnits?.map((o) => o.Id);
      expect(await ous(ROOT)).toEqual([SANDBOX, WORKLOADS]);
      expect(await ous(WORKLOADS)).toEqual([PROD]);
      expect(await ous(PROD)).toEqual([]);
      const accounts = async (parent: string) => (await org.send(new ListAccountsForParentCommand({ ParentId: parent }))).Accounts?.map((a) => a.Id);
      expect(await accounts(PROD)).toEqual([M1, M2]);
      expect(await accounts(WORKLOADS)).toEqual([]);
      expect(await accounts(ROOT)).not.toEqual(expect.arrayContaining([M1]));
      expect(await accounts(ROOT)).toEqual(expect.arrayContaining([MGMT, M4, M5]));
      const children = await org.send(new ListChildrenCommand({ ParentId: WORKLOADS, ChildType: 'ORGANIZATIONAL_UNIT' }));
      expect(children.Children).toEqual([{ Id: PROD, Type: 'ORGANIZATIONAL_UNIT' }]);
      expect((await org.send(new ListChildrenCommand({ ParentId: SANDBOX, ChildType: 'ACCOUNT' }))).Children).toEqual([{ Id: M3, Type: 'ACCOUNT' }]);

      // Walk up from the account to the root, as a scope check would.
      const path: string[] = [];
      for (let child: string = M1; ; ) {
        const { Parents } = await org.send(new ListParentsCommand({ ChildId: child }));
        const [p] = Parents ?? [];
        path.unshift(`${p.Type}:${p.Id}`);
        if (p.Type === 'ROOT') break;
        child = String(p.Id);
      }
      expect(path).toEqual([`ROOT:${ROOT}`, `ORGANIZATIONAL_UNIT:${WORKLOADS}`, `ORGANIZATIONAL_UNIT:${PROD}`]);
      expect(t.world.organizations.pathOf(M1)).toEqual([ROOT, WORKLOADS, PROD]);
      expect(t.world.organizations.parentOf(M4)).toBe(ROOT);

      const { OrganizationalUnit } = await org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: PROD }));
      expect(OrganizationalUnit).toEqual({ Id: PROD, Name: 'Prod', Arn: `arn:aws:organizations::${MGMT}:ou/${DEMO.organizationId}/${PROD}` });
    });

    it('unknown ids are the not-found error of each operation, malformed ones InvalidInputException', async () => {
      withTree(t);
      const org = t.client(OrganizationsClient);
      const unknownOu = 'ou-a1b2-00000000';
      const failure = async (fn: () => Promise<unknown>) => {
        const e = (await caught(fn)) as Error & { Reason?: string };
        return e.name === 'InvalidInputException' ? `${e.name}:${e.Reason}` : e.name;
      };
      expect(await failure(() => org.send(new ListAccountsForParentCommand({ ParentId: unknownOu })))).toBe('ParentNotFoundException');
      expect(await failure(() => org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-zzzz' })))).toBe('ParentNotFoundException');
      expect(await failure(() => org.send(new ListChildrenCommand({ ParentId: unknownOu, ChildType: 'ACCOUNT' })))).toBe('ParentNotFoundException');
      expect(await failure(() => org.send(new ListChildrenCommand({ ParentId: ROOT, ChildType: 'POLICY' as never })))).toBe('InvalidInputException:INVALID_ENUM');
      expect(await failure(() => org.send(new ListParentsCommand({ ChildId: '123456789012' })))).toBe('ChildNotFoundException');
      expect(await failure(() => org.send(new ListParentsCommand({ ChildId: unknownOu })))).toBe('ChildNotFoundException');
      expect(await failure(() => org.send(new ListParentsCommand({ ChildId: 'not-an-id' })))).toBe('InvalidInputException:INVALID_PATTERN');
      expect(await failure(() => org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: unknownOu })))).toBe('OrganizationalUnitNotFoundException');
      expect(await failure(() => org.send(new ListAccountsForParentCommand({ ParentId: 'Prod' })))).toBe('InvalidInputException:INVALID_PATTERN');
    });

    it('a seed with a malformed OU throws a plain Error naming it', () => {
      const o = t.world.organizations;
      expect(() => o.createOrganizationalUnit(ROOT, 'x', 'ou-zzzz-12345678')).toThrow(/ou-a1b2-/);
      expect(() => o.createOrganizationalUnit(ROOT, 'x', 'ou-a1b2-short')).toThrow(/does not look like AWS's/);
      expect(() => o.createOrganizationalUnit('ou-a1b2-00000000', 'x')).toThrow(/parent/);
      expect(() => o.createOrganizationalUnit(ROOT, '')).toThrow(/name/);
      let parent = ROOT;
      for (let level = 1; level <= 5; level += 1) parent = o.createOrganizationalUnit(parent, `level-${level}`).id;
      expect(() => o.createOrganizationalUnit(parent, 'level-6')).toThrow(/five|5/);
      expect(() => new SimWorld({ organization: { id: DEMO.organizationId, managementAccountId: MGMT, accounts: [{ id: M1, name: 'a', state: 'ACTIVE', parentId: 'ou-a1b2-missing0' }] } })).toThrow(/parent/);
    });

    it('an organization spec seeds the tree, children listed before their parents included', () => {
      const world = treeWorld(
        [
          { id: M1, name: 'a', state: 'ACTIVE', parentId: PROD },
          { id: M2, name: 'b', state: 'ACTIVE' },
        ],
        [...TREE].reverse(),
      );
      expect(world.organizations.pathOf(M1)).toEqual([ROOT, WORKLOADS, PROD]);
      expect(world.organizations.parentOf(M2)).toBe(ROOT);
      expect(world.organizations.parentOf('999999999999')).toBeUndefined();
    });
  });

  describe('pagination', () => {
    beforeEach(() => {
      t.world.addMemberAccounts(memberAccountSpecs(30, { firstId: '200000000000', parentIds: [ROOT] }));
    });

    it('ListAccounts pages by 20 at most; the SDK paginator gets every account once', async () => {
      const org = t.client(OrganizationsClient);
      const first = await org.send(new ListAccountsCommand({}));
      expect(first.Accounts).toHaveLength(20);
      expect(first.NextToken).toEqual(expect.any(String));
      const pages = await all(paginateListAccounts({ client: org, pageSize: 7 }, {}));
      const ids = pages.flatMap((p) => (p.Accounts ?? []).map((a: Account) => a.Id));
      expect(pages.map((p) => p.Accounts?.length)).toEqual([7, 7, 7, 7, 7, 4]);
      expect(ids).toHaveLength(39);
      expect(new Set(ids).size).toBe(39);
      expect(pages.at(-1)?.NextToken).toBeUndefined();
    });

    it('MaxResults out of 1-20 and a NextToken not from this operation and parent are InvalidInputException with its reason', async () => {
      const org = t.client(OrganizationsClient);
      const reason = async (fn: () => Promise<unknown>) => {
        const e = (await caught(fn)) as Error & { Reason?: string };
        return `${e.name}:${e.Reason}`;
      };
      expect(await reason(() => org.send(new ListAccountsCommand({ MaxResults: 21 })))).toBe('InvalidInputException:MAX_VALUE_EXCEEDED');
      expect(await reason(() => org.send(new ListAccountsCommand({ MaxResults: 0 })))).toBe('InvalidInputException:MIN_VALUE_EXCEEDED');
      expect(await reason(() => org.send(new ListAccountsCommand({ NextToken: 'bm90LWEtdG9rZW4=' })))).toBe('InvalidInputException:INVALID_NEXT_TOKEN');
      const { NextToken } = await org.send(new ListAccountsForParentCommand({ ParentId: ROOT, MaxResults: 2 }));
      withTree(t);
      expect(await reason(() => org.send(new ListAccountsForParentCommand({ ParentId: PROD, NextToken })))).toBe('InvalidInputException:INVALID_NEXT_TOKEN');
      expect(await reason(() => org.send(new ListAccountsCommand({ NextToken })))).toBe('InvalidInputException:INVALID_NEXT_TOKEN');
    });

    it('short and empty pages with a NextToken (as AWS may return) still add up to every account with the paginator', async () => {
      t.world.organizations.pageLimit = 3;
      t.world.organizations.returnEmptyPages(2);
      const org = t.client(OrganizationsClient);
      const pages = await all(paginateListAccountsForParent({ client: org }, { ParentId: ROOT }));
      expect(pages.slice(0, 2).map((p) => [p.Accounts?.length, typeof p.NextToken])).toEqual([
        [0, 'string'],
        [0, 'string'],
      ]);
      expect(pages.flatMap((p) => p.Accounts ?? [])).toHaveLength(39);
      expect(Math.max(...pages.map((p) => p.Accounts?.length ?? 0))).toBe(3);
    });

    it('an account added between pages is neither repeated nor skipped', async () => {
      const org = t.client(OrganizationsClient);
      const first = await org.send(new ListChildrenCommand({ ParentId: ROOT, ChildType: 'ACCOUNT', MaxResults: 10 }));
      t.world.addMemberAccount({ id: '000000000001', name: 'early', state: 'ACTIVE' });
      t.world.addMemberAccount({ id: '999999999998', name: 'late', state: 'ACTIVE' });
      const rest = await all(paginateListChildren({ client: org, startingToken: first.NextToken }, { ParentId: ROOT, ChildType: 'ACCOUNT' }));
      const ids = [...(first.Children ?? []), ...rest.flatMap((p) => p.Children ?? [])].map((c) => c.Id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toContain('999999999998');
      expect(ids).toHaveLength(40);
    });
  });

  describe('MoveAccount', () => {
    beforeEach(() => withTree(t));

    it('moves an account between parents; ListParents and the SCP path follow', async () => {
      const org = t.client(OrganizationsClient);
      await org.send(new MoveAccountCommand({ AccountId: M4, SourceParentId: ROOT, DestinationParentId: SANDBOX }));
      await org.send(new MoveAccountCommand({ AccountId: M1, SourceParentId: PROD, DestinationParentId: ROOT }));
      expect((await org.send(new ListParentsCommand({ ChildId: M4 }))).Parents).toEqual([{ Id: SANDBOX, Type: 'ORGANIZATIONAL_UNIT' }]);
      expect(t.world.organizations.pathOf(M1)).toEqual([ROOT]);
      expect((await org.send(new ListAccountsForParentCommand({ ParentId: SANDBOX }))).Accounts?.map((a) => a.Id)).toEqual([M3, M4]);
      expect((await org.send(new ListAccountsForParentCommand({ ParentId: ROOT }))).Accounts?.map((a) => a.Id)).toContain(M1);
    });

    it("errors: wrong or unknown source, unknown destination, already there, not a member, malformed", async () => {
      const org = t.client(OrganizationsClient);
      const move = async (AccountId: string, SourceParentId: string, DestinationParentId: string) =>
        (await caught(() => org.send(new MoveAccountCommand({ AccountId, SourceParentId, DestinationParentId })))).name;
      expect(await move(M1, ROOT, SANDBOX)).toBe('AccountNotFoundException');
      expect(await move(M1, 'ou-a1b2-00000000', SANDBOX)).toBe('SourceParentNotFoundException');
      expect(await move(M1, PROD, 'ou-a1b2-00000000')).toBe('DestinationParentNotFoundException');
      expect(await move(M1, PROD, PROD)).toBe('DuplicateAccountException');
      expect(await move('123456789012', ROOT, SANDBOX)).toBe('AccountNotFoundException');
      expect(await move(M1, PROD, 'Sandbox')).toBe('InvalidInputException');
      expect(t.world.organizations.parentOf(M1)).toBe(PROD);
    });

    it('a member account gets AccessDeniedException for every operation; a delegated administrator may read, not move', async () => {
      const fromMember = t.client(OrganizationsClient, session(M5, 'OrganizationAccountAccessRole'));
      const calls = [
        new ListRootsCommand({}),
        new ListAccountsCommand({}),
        new ListAccountsForParentCommand({ ParentId: ROOT }),
        new ListOrganizationalUnitsForParentCommand({ ParentId: ROOT }),
        new ListChildrenCommand({ ParentId: ROOT, ChildType: 'ACCOUNT' }),
        new ListParentsCommand({ ChildId: M1 }),
        new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: PROD }),
        new MoveAccountCommand({ AccountId: M1, SourceParentId: PROD, DestinationParentId: ROOT }),
      ];
      for (const c of calls) expect([c.constructor.name, (await caught(() => fromMember.send(c as never))).name]).toEqual([c.constructor.name, 'AccessDeniedException']);
      t.world.organizations.registerDelegatedAdministrator(M5, 'cloudtrail.amazonaws.com');
      for (const c of calls.slice(0, -1)) await expect(fromMember.send(c as never)).resolves.toBeDefined();
      expect((await caught(() => fromMember.send(calls.at(-1) as never))).name).toBe('AccessDeniedException');
    });

    it("the caller's identity policy must allow the action on the account and on both parents (Service Authorization Reference)", async () => {
      const iam = t.client(IAMClient, DEMO.operatorPrincipalArn);
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MGMT}:root` }, Action: 'sts:AssumeRole' }] });
      await iam.send(new CreateRoleCommand({ RoleName: 'Mover', AssumeRolePolicyDocument: trust }));
      const arn = (kind: string, id: string) => `arn:aws:organizations::${MGMT}:${kind}/${DEMO.organizationId}/${id}`;
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'Mover',
          PolicyName: 'MoveIntoSandbox',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'organizations:MoveAccount', Resource: [arn('account', M4), arn('root', ROOT), arn('ou', SANDBOX)] },
              { Effect: 'Allow', Action: 'organizations:ListParents', Resource: arn('account', M4) },
            ],
          }),
        }),
      );
      const mover = t.client(OrganizationsClient, session(MGMT, 'Mover'));
      expect((await caught(() => mover.send(new MoveAccountCommand({ AccountId: M4, SourceParentId: ROOT, DestinationParentId: PROD })))).name).toBe('AccessDeniedException');
      expect((await caught(() => mover.send(new MoveAccountCommand({ AccountId: M5, SourceParentId: ROOT, DestinationParentId: SANDBOX })))).name).toBe('AccessDeniedException');
      expect((await caught(() => mover.send(new ListAccountsCommand({})))).name).toBe('AccessDeniedException');
      await mover.send(new MoveAccountCommand({ AccountId: M4, SourceParentId: ROOT, DestinationParentId: SANDBOX }));
      expect((await mover.send(new ListParentsCommand({ ChildId: M4 }))).Parents?.[0]?.Id).toBe(SANDBOX);
      expect((await caught(() => mover.send(new ListParentsCommand({ ChildId: M3 })))).name).toBe('AccessDeniedException');
    });
  });

  describe('service control policies along the OU path', () => {
    const DENY_CREATE_ROLE = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:CreateRole', Resource: '*' }] };
    const ALLOW_ONLY_S3 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };

    async function mayCreateRole(accountId: string): Promise<boolean> {
      const iam = t.client(IAMClient, session(accountId, 'OrganizationAccountAccessRole'));
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }] });
      try {
        await iam.send(new CreateRoleCommand({ RoleName: `Probe${Math.random().toString(36).slice(2, 8)}`, AssumeRolePolicyDocument: trust }));
        return true;
      } catch (e) {
        if ((e as Error).name === 'AccessDenied') return false;
        throw e;
      }
    }

    beforeEach(() => withTree(t));

    it('levels are the root, each OU on the path, then the account', () => {
      expect(t.world.organizations.scpLevelsFor(M1).map((l) => l.orgIdentifier)).toEqual([ROOT, WORKLOADS, PROD, M1]);
      expect(t.world.organizations.scpLevelsFor(M4).map((l) => l.orgIdentifier)).toEqual([ROOT, M4]);
      expect(t.world.organizations.scpLevelsFor(MGMT)).toEqual([]);
    });

    it("an SCP on an OU denies its accounts and those of its child OUs, not the others'", async () => {
      t.world.organizations.attachScp(WORKLOADS, { name: 'DenyCreateRole', policy: DENY_CREATE_ROLE });
      expect([await mayCreateRole(M1), await mayCreateRole(M2), await mayCreateRole(M3), await mayCreateRole(M4)]).toEqual([false, false, true, true]);
    });

    it('an OU-level deny of all but S3 denies IAM to the accounts below it only', async () => {
      t.world.organizations.attachScp(SANDBOX, { name: 'OnlyS3', policy: { ...ALLOW_ONLY_S3, Statement: [...ALLOW_ONLY_S3.Statement, { Effect: 'Deny', NotAction: 's3:*', Resource: '*' }] } });
      expect([await mayCreateRole(M3), await mayCreateRole(M1)]).toEqual([false, true]);
    });

    it('moving an account out of the OU lifts the OU’s SCP', async () => {
      t.world.organizations.attachScp(PROD, { name: 'DenyCreateRole', policy: DENY_CREATE_ROLE });
      expect(await mayCreateRole(M2)).toBe(false);
      await t.client(OrganizationsClient).send(new MoveAccountCommand({ AccountId: M2, SourceParentId: PROD, DestinationParentId: SANDBOX }));
      expect(await mayCreateRole(M2)).toBe(true);
    });
  });

  describe('persistence', () => {
    it('the tree, the parents, SCPs on OUs and delegated administrators survive export and import (through JSON)', async () => {
      withTree(t);
      t.world.organizations.attachScp(PROD, { name: 'DenyCreateRole', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:CreateRole', Resource: '*' }] } });
      t.world.organizations.registerDelegatedAdministrator(M5, 'cloudtrail.amazonaws.com');
      t.world.addMemberAccount({ id: '123456789012', name: 'vended', state: 'ACTIVE', joinedMethod: 'CREATED', parentId: SANDBOX });
      const state = JSON.parse(JSON.stringify(exportWorld(t.world)));

      const copy = importWorld(state);
      expect(copy.organizations.listOrganizationalUnits()).toEqual(t.world.organizations.listOrganizationalUnits());
      for (const id of [M1, M2, M3, M4, '123456789012']) expect(copy.organizations.pathOf(id)).toEqual(t.world.organizations.pathOf(id));
      expect(copy.organizations.scpLevelsFor(M1)).toEqual(t.world.organizations.scpLevelsFor(M1));
      expect(copy.organizations.exportState()).toEqual(t.world.organizations.exportState());
      expect(copy.accounts.get('123456789012')?.joinedMethod).toBe('CREATED');

      const unregister = registerClientHook(copy.hook);
      try {
        const org = createClient(OrganizationsClient, { region: DEMO.region, credentials: copy.credentialsFor(session(M5, 'OrganizationAccountAccessRole')) });
        expect((await org.send(new ListAccountsForParentCommand({ ParentId: SANDBOX }))).Accounts?.map((a) => [a.Id, a.JoinedMethod])).toEqual([
          ['123456789012', 'CREATED'],
          [M3, 'INVITED'],
        ]);
        org.destroy();
      } finally {
        unregister();
      }
    });

    it('a state file written before the tree was modelled imports with every account in the root', () => {
      const state = JSON.parse(JSON.stringify(exportWorld(t.world))) as { organizations: Record<string, unknown>; accounts: Record<string, unknown>[] };
      state.organizations = { scps: {} };
      for (const a of state.accounts) delete a.joinedMethod;
      const copy = importWorld(state);
      expect(copy.organizations.listOrganizationalUnits()).toEqual([]);
      expect(copy.organizations.pathOf(M1)).toEqual([ROOT]);
    });
  });

  describe('events of the ways in', () => {
    /** [account, region, source, detail-type, eventName] of every event that reached a bus. */
    const arrived = () => t.world.events.received().map((r) => [r.event.account, r.event.region, r.event.source, r.event['detail-type'], detailOf(r.event).eventName]);
    const named = (name: string) => t.world.events.received().map((r) => r.event).filter((e) => detailOf(e).eventName === name);

    /** An organization trail of the management account (multi-region, global service events): it records the management account's Organizations calls in us-east-1. */
    async function organizationTrail(ownTrails: string[] = []): Promise<void> {
      await onboardTrails(t, ownTrails, { grant: [MGMT, ...ownTrails] });
      const ct = t.client(CloudTrailClient, DEMO.operatorPrincipalArn);
      await ct.send(new CreateTrailCommand({ Name: DEMO.trailName, S3BucketName: DEMO.bucketName, S3KeyPrefix: DEMO.logPrefix, KmsKeyId: DEMO.keyArn, IsOrganizationTrail: true, IsMultiRegionTrail: true }));
      await ct.send(new StartLoggingCommand({ Name: DEMO.trailName }));
      t.world.events.resetLogs();
    }

    it("MoveAccount: an 'AWS API Call via CloudTrail' event of the management account in us-east-1, shaped as the fixture, while a trail logs", async () => {
      // prepare
      withTree(t);
      const org = t.client(OrganizationsClient);
      await org.send(new MoveAccountCommand({ AccountId: M4, SourceParentId: ROOT, DestinationParentId: SANDBOX }));
      expect(arrived()).toEqual([]);
      await organizationTrail();

      // act
      await org.send(new MoveAccountCommand({ AccountId: M4, SourceParentId: SANDBOX, DestinationParentId: PROD }));

      // assert
      expect(arrived()).toEqual([[MGMT, 'us-east-1', 'aws.organizations', 'AWS API Call via CloudTrail', 'MoveAccount']]);
      const [event] = named('MoveAccount');
      expect(shape(event)).toEqual(shape(fixtures.moveAccount));
      expect(detailOf(event)).toMatchObject({ requestParameters: { accountId: M4, sourceParentId: SANDBOX, destinationParentId: PROD }, responseElements: null, recipientAccountId: MGMT, awsRegion: 'us-east-1', readOnly: false });
      expect(t.world.writeCalls().map((c) => c.operation)).not.toContain('ListParents');
    });

    it('inviteAccount without any trail: only AccountJoinedOrganization (a service event) reaches the management account, in us-east-1; the account is an INVITED member in the root', async () => {
      // prepare
      t.world.addAccount('123456789012', { name: 'acquired' });

      // act
      const result = t.world.organizations.inviteAccount('123456789012', { notes: 'Join the organization.' });

      // assert
      expect(result.events.map((e) => [detailOf(e.event).eventName, e.outcome])).toEqual([
        ['InviteAccountToOrganization', 'not recorded'],
        ['AcceptHandshake', 'not recorded'],
        ['AccountJoinedOrganization', 'received'],
      ]);
      expect(arrived()).toEqual([[MGMT, 'us-east-1', 'aws.organizations', 'AWS Service Event via CloudTrail', 'AccountJoinedOrganization']]);
      const [joined] = named('AccountJoinedOrganization');
      expect(shape(joined)).toEqual(shape(fixtures.accountJoinedOrganizationInvited));
      expect(detailOf(joined).serviceEventDetails).toEqual({ accountId: '123456789012', joinedMethod: 'Invited', joinedTime: expect.stringMatching(/Z$/) });
      const { Account } = await t.client(OrganizationsClient).send(new DescribeAccountCommand({ AccountId: '123456789012' }));
      expect(Account).toMatchObject({ JoinedMethod: 'INVITED', Name: 'acquired', State: 'ACTIVE' });
      expect(t.world.organizations.parentOf('123456789012')).toBe(ROOT);
      expect(t.world.orgIdOf('123456789012')).toBe(DEMO.organizationId);
      expect(() => t.world.organizations.inviteAccount('123456789012')).toThrow(/already a member/);
    });

    it('inviteAccount with trails: InviteAccountToOrganization in the management account, AcceptHandshake in the invited account (its own trail: it is no member yet when it accepts), shaped as the fixtures', async () => {
      // prepare: the standalone account has a trail of its own (through a role its owner created)
      t.world.addAccount('123456789012', { name: 'acquired' });
      t.world.seedMember('123456789012');
      await organizationTrail(['123456789012']);

      // act
      const result = t.world.organizations.inviteAccount('123456789012', { invitedBy: DEMO.operatorPrincipalArn, notes: 'Join the organization.' });

      // assert
      expect(arrived()).toEqual([
        [MGMT, 'us-east-1', 'aws.organizations', 'AWS API Call via CloudTrail', 'InviteAccountToOrganization'],
        ['123456789012', 'us-east-1', 'aws.organizations', 'AWS API Call via CloudTrail', 'AcceptHandshake'],
        [MGMT, 'us-east-1', 'aws.organizations', 'AWS Service Event via CloudTrail', 'AccountJoinedOrganization'],
      ]);
      const [invite] = named('InviteAccountToOrganization');
      expect(shape(invite)).toEqual(shape(fixtures.inviteAccountToOrganization));
      expect(detailOf(invite).requestParameters).toEqual({ target: { type: 'ACCOUNT', id: '123456789012' }, notes: 'Join the organization.' });
      const [accept] = named('AcceptHandshake');
      expect(shape(accept)).toEqual(shape(fixtures.acceptHandshake));
      expect(detailOf(accept).requestParameters).toEqual({ handshakeId: result.handshakeId });
      expect(result.handshakeId).toMatch(/^h-[0-9a-z]{8,32}$/);
    });

    it("the management account's organization trail does not record the AcceptHandshake of an account that was not a member yet", async () => {
      await organizationTrail();
      const result = t.world.organizations.inviteAccount({ id: '123456789012', name: 'acquired', state: 'ACTIVE' });
      expect(result.events.map((e) => [detailOf(e.event).eventName, e.outcome])).toEqual([
        ['InviteAccountToOrganization', 'received'],
        ['AcceptHandshake', 'not recorded'],
        ['AccountJoinedOrganization', 'received'],
      ]);
    });

    it('createManagedAccount: CreateAccountResult and AccountJoinedOrganization in us-east-1, then CreateManagedAccount on the default bus of the Control Tower home region, where a rule sees it', async () => {
      // prepare
      withTree(t);
      t.world.organizations.controlTowerHomeRegion = DEMO.region;
      const seen: unknown[] = [];
      t.world.onLambdaTarget(async (_fn, input) => {
        seen.push(input);
      });
      const events = t.client(EventBridgeClient, DEMO.operatorPrincipalArn, DEMO.region);
      await events.send(new PutRuleCommand({ Name: 'AccountFactory', EventPattern: JSON.stringify({ source: ['aws.controltower'], 'detail-type': ['AWS Service Event via CloudTrail'], detail: { eventName: ['CreateManagedAccount'], serviceEventDetails: { createManagedAccountStatus: { state: ['SUCCEEDED'] } } } }) }));
      await events.send(new PutTargetsCommand({ Rule: 'AccountFactory', Targets: [{ Id: 'Fn', Arn: `arn:aws:lambda:${DEMO.region}:${MGMT}:function:Start`, InputPath: '$.detail.serviceEventDetails.createManagedAccountStatus.account' }] }));

      // act
      const result = t.world.organizations.createManagedAccount({ accountId: '123456789012', accountName: 'vended-1', organizationalUnitId: PROD });
      await t.world.settle();

      // assert
      expect(arrived()).toEqual([
        [MGMT, 'us-east-1', 'aws.organizations', 'AWS Service Event via CloudTrail', 'CreateAccountResult'],
        [MGMT, 'us-east-1', 'aws.organizations', 'AWS Service Event via CloudTrail', 'AccountJoinedOrganization'],
        [MGMT, DEMO.region, 'aws.controltower', 'AWS Service Event via CloudTrail', 'CreateManagedAccount'],
      ]);
      expect(seen).toEqual([{ accountName: 'vended-1', accountId: '123456789012' }]);
      const [created, joined, managed] = result.events.map((e) => e.event);
      expect(shape(created)).toEqual(shape(fixtures.createAccountResultSucceeded));
      expect(shape(joined)).toEqual(shape(fixtures.accountJoinedOrganizationInvited));
      expect(shape(managed)).toEqual(shape(fixtures.createManagedAccountSucceeded));
      expect(detailOf(managed).serviceEventDetails).toEqual({
        createManagedAccountStatus: {
          organizationalUnit: { organizationalUnitName: 'Prod', organizationalUnitId: PROD },
          account: { accountName: 'vended-1', accountId: '123456789012' },
          state: 'SUCCEEDED',
          message: 'AWS Control Tower successfully created a managed account.',
          requestedTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/),
          completedTimestamp: expect.stringMatching(/\+0000$/),
        },
      });
      expect(managed).toMatchObject({ account: MGMT, region: DEMO.region, detail: { awsRegion: DEMO.region } });
      expect(detailOf(joined).serviceEventDetails).toMatchObject({ joinedMethod: 'Created' });
      expect(t.world.organizations.pathOf('123456789012')).toEqual([ROOT, WORKLOADS, PROD]);
      expect(result.account?.joinedMethod).toBe('CREATED');
    });

    it('a FAILED CreateManagedAccount is shaped as its fixture; the account exists unless told otherwise; only the lifecycle event then', () => {
      withTree(t);
      const failed = t.world.organizations.createManagedAccount({ accountId: '123456789012', accountName: 'vended-1', organizationalUnitId: SANDBOX, state: 'FAILED', organizationsEvents: false });
      expect(failed.events).toHaveLength(1);
      expect(shape(failed.events[0].event)).toEqual(shape(fixtures.createManagedAccountFailed));
      expect(t.world.organizations.parentOf('123456789012')).toBe(SANDBOX);
      const none = t.world.organizations.createManagedAccount({ accountId: '123456789013', accountName: 'vended-2', organizationalUnitId: SANDBOX, state: 'FAILED', accountCreated: false });
      expect(none.events.map((e) => detailOf(e.event).eventName)).toEqual(['CreateManagedAccount']);
      expect(t.world.accounts.get('123456789013')).toBeUndefined();
    });

    it('updateManagedAccount moves the account to the OU it names, with the UpdateManagedAccount event of the fixture', () => {
      withTree(t);
      const result = t.world.organizations.updateManagedAccount({ accountId: M1, organizationalUnitId: SANDBOX });
      expect(t.world.organizations.parentOf(M1)).toBe(SANDBOX);
      expect(shape(result.events[0].event)).toEqual(shape(fixtures.updateManagedAccount));
      expect(detailOf(result.events[0].event).serviceEventDetails).toMatchObject({ updateManagedAccountStatus: { organizationalUnit: { organizationalUnitId: SANDBOX }, account: { accountId: M1 } } });
    });

    it('a dropNext switch loses a service event too (best effort delivery)', () => {
      t.world.events.dropNext(1, { eventName: 'AccountJoinedOrganization' });
      const result = t.world.organizations.inviteAccount({ id: '123456789012', name: 'acquired', state: 'ACTIVE' });
      expect(result.events.at(-1)?.outcome).toBe('dropped');
      expect(arrived()).toEqual([]);
    });
  });

  it("organizationsEvents() has the shared file's keys and this project's copy's extra ones", () => {
    expect(Object.keys(fixtures)).toEqual(expect.arrayContaining(['createAccountResultSucceeded', 'createAccountResultFailed', 'createAccountInProgress', 'moveAccount', 'acceptHandshake', 'accountJoinedOrganizationInvited', 'createManagedAccountSucceeded', 'createManagedAccountFailed', 'updateManagedAccount']));
  });

  it('an organization of 2,000 accounts across a few OUs is built in well under a second, and listed in full', async () => {
    // prepare / act
    const started = performance.now();
    const world = treeWorld(memberAccountSpecs(2000, { parentIds: [ROOT, WORKLOADS, PROD, SANDBOX] }));
    const built = performance.now() - started;

    // assert
    expect(built).toBeLessThan(500);
    expect(world.organizations.pathOf('100000000002')).toEqual([ROOT, WORKLOADS, PROD]);
    const unregister = registerClientHook(world.hook);
    try {
      const org = createClient(OrganizationsClient, { region: DEMO.region, credentials: world.credentialsFor(`arn:aws:iam::${MGMT}:root`) });
      const accounts = (await all(paginateListAccountsForParent({ client: org }, { ParentId: PROD }))).flatMap((p) => p.Accounts ?? []);
      expect(accounts).toHaveLength(500);
      const everyone = (await all(paginateListAccounts({ client: org }, {}))).flatMap((p) => p.Accounts ?? []);
      expect(everyone).toHaveLength(2001);
      org.destroy();
    } finally {
      unregister();
    }
  });
});
