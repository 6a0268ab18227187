/**
 * The organization trail (trailMode "organization", issue 12) in the ways in: a change to it starts one
 * run of the lowest ONBOARDED account (handlers/start/changes.ts), and the fleet reconcile runs the
 * first account of a shared trail alone before the others (handlers/start/fleet.ts). Fakes only.
 */
import type { FleetSweep, SweepLease } from '../../../handlers/adapters/fleet-sweep';
import type { ExecutionStatus } from '../../../handlers/adapters/sfn';
import type { AccountStatusItem } from '../../../handlers/adapters/status-store';
import { parseRuntimeConfig, type RuntimeConfigInput } from '../../../handlers/shared/config';
import { startFromChange, type ChangeStartDeps } from '../../../handlers/start/changes';
import { reconcileFleet, sharedTrailFirstAccount, type FleetDeps, type FleetResult } from '../../../handlers/start/fleet';
import { changeReconcileFor } from '../../../handlers/start/reconcile';
import { cloudTrailApiEvents } from '../../fixtures';
import { BASE_CONFIG } from '../steps/fakes';
import { FakeExecutions } from './fake-executions';

const MGMT = '111122223333';
const [A, B, C] = ['444455556666', '555566667777', '666677778888'];
const ORG_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/cloudtrail-onboarding-org`;
const CT_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/aws-controltower-BaselineCloudTrail`;
const configOf = (over: Partial<RuntimeConfigInput> = {}) => parseRuntimeConfig({ ...BASE_CONFIG, trailMode: 'organization', ...over });

const item = (accountId: string, status: AccountStatusItem['status'] = 'ONBOARDED', trailArn = ORG_TRAIL): AccountStatusItem => ({
  pk: `ACCOUNT#${accountId}`,
  accountId,
  status,
  executionArn: '',
  startedAt: '',
  updatedAt: '',
  trailArn,
});

/** The management account's administrator stops `name` at `eventTime`. */
function stopLogging(name: string, eventTime: string) {
  const e = structuredClone(cloudTrailApiEvents().stopLogging);
  e.account = MGMT;
  e.detail.userIdentity = { ...e.detail.userIdentity, arn: `arn:aws:sts::${MGMT}:assumed-role/Administrator/alice`, accountId: MGMT };
  e.detail.requestParameters = { name };
  e.detail.eventTime = eventTime;
  return e;
}

/** Change-start deps over a FakeExecutions, with these status items (the member set is left empty: not what decides here). */
function changeDeps(fake: FakeExecutions, items: AccountStatusItem[]): ChangeStartDeps {
  for (const i of items) fake.items.set(i.accountId, i);
  return {
    ...fake.deps(),
    status: {
      getAccount: async (id) => fake.items.get(id),
      members: async () => [],
      listAccounts: async (filter) => items.filter((i) => !filter?.status || i.status === filter.status),
    },
  };
}

const NOW = new Date('2026-12-01T13:47:40Z');

describe('a change to the organization trail', () => {
  it('starts one run of the lowest ONBOARDED account (FAILED and IN_PROGRESS ones passed over), named for the organization trail, in the configured mode', async () => {
    // prepare
    const fake = new FakeExecutions();
    const deps = changeDeps(fake, [item(C), item(A, 'FAILED'), item(B), item('333344445555', 'IN_PROGRESS')]);
    // act
    const r = await startFromChange(deps, configOf(), stopLogging('cloudtrail-onboarding-org', '2026-12-01T13:47:12Z'), NOW);
    // assert
    expect(r).toMatchObject({
      outcome: 'started',
      scope: 'organizationTrail',
      drifted: `organization trail ${ORG_TRAIL}`,
      run: { accountId: B, mode: 'apply', executionName: `reconcile-${B}-apply-20261201T1347-organization-trail-event`, alreadyStarted: false },
    });
    expect([...fake.executions.values()].map((x) => JSON.parse(x.input))).toEqual([{ accountId: B, mode: 'apply', notBefore: '2026-12-01T13:48:10Z' }]);
  });

  it('a second change of the same minute finds that run; one of the next minute gets the next run', async () => {
    const fake = new FakeExecutions();
    const deps = changeDeps(fake, [item(A), item(B)]);
    await startFromChange(deps, configOf(), stopLogging('cloudtrail-onboarding-org', '2026-12-01T13:47:12Z'), NOW);
    const same = await startFromChange(deps, configOf(), stopLogging(ORG_TRAIL, '2026-12-01T13:47:55Z'), NOW);
    const next = await startFromChange(deps, configOf(), stopLogging(ORG_TRAIL, '2026-12-01T13:48:01Z'), NOW);
    expect(fake.started()).toEqual([`reconcile-${A}-apply-20261201T1347-organization-trail-event`, `reconcile-${A}-apply-20261201T1348-organization-trail-event`]);
    expect(same).toMatchObject({ outcome: 'started', run: { executionName: `reconcile-${A}-apply-20261201T1347-organization-trail-event` } });
    expect(next).toMatchObject({ outcome: 'started', run: { executionName: `reconcile-${A}-apply-20261201T1348-organization-trail-event` } });
  });

  it('driftResponse report: a report run', async () => {
    const fake = new FakeExecutions();
    const r = await startFromChange(changeDeps(fake, [item(A)]), configOf({ driftResponse: 'report' }), stopLogging('cloudtrail-onboarding-org', '2026-12-01T13:47:12Z'), NOW);
    expect(r).toMatchObject({ outcome: 'started', run: { mode: 'report', executionName: `reconcile-${A}-report-20261201T1347-organization-trail-event` } });
  });

  it('a trail given by organizationTrail.arn: a report run, even with driftResponse repair', async () => {
    const fake = new FakeExecutions();
    const config = configOf({ organizationTrail: { name: 'cloudtrail-onboarding-org', arn: CT_TRAIL }, driftResponse: 'repair' });
    const r = await startFromChange(changeDeps(fake, [item(A, 'ONBOARDED', CT_TRAIL)]), config, stopLogging('aws-controltower-BaselineCloudTrail', '2026-12-01T13:47:12Z'), NOW);
    expect(r).toMatchObject({ outcome: 'started', scope: 'organizationTrail', drifted: `organization trail ${CT_TRAIL}`, run: { mode: 'report', accountId: A } });
  });

  it('with no account ONBOARDED, starts nothing and says why', async () => {
    const fake = new FakeExecutions();
    const r = await startFromChange(changeDeps(fake, [item(A, 'FAILED')]), configOf(), stopLogging('cloudtrail-onboarding-org', '2026-12-01T13:47:12Z'), NOW);
    expect(r).toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/no account is ONBOARDED/) });
    expect(fake.started()).toEqual([]);
  });

  it('the run names stay within Step Functions\' 80 characters', () => {
    expect(changeReconcileFor(A, 'report', NOW, 'organization-trail').name.length).toBeLessThanOrEqual(80);
  });
});

describe('the fleet reconcile and a shared trail', () => {
  it.each([
    ['organization mode: every item names the organization trail', [item(C), item(A), item(B)], A],
    ['account mode: a trail each', [item(A, 'ONBOARDED', 'arn:a'), item(B, 'ONBOARDED', 'arn:b')], undefined],
    ['two accounts share one trail, the others not', [item(A, 'ONBOARDED', 'arn:a'), item(C, 'ONBOARDED', 'arn:s'), item(B, 'ONBOARDED', 'arn:s')], B],
    ['no trail recorded', [{ ...item(A), trailArn: undefined }, { ...item(B), trailArn: undefined }], undefined],
  ])('the account run alone first: %s', (_n, items, expected) => {
    expect(sharedTrailFirstAccount(items)).toBe(expected);
  });

  /** Step Functions, the status table and the sweep record; runs stay RUNNING until closed. */
  class Fleet {
    readonly runs = new Map<string, ExecutionStatus>();
    sweep?: FleetSweep;
    constructor(readonly items: AccountStatusItem[]) {}
    closeAll(): void {
      for (const name of this.runs.keys()) this.runs.set(name, 'SUCCEEDED');
    }
    deps(): FleetDeps {
      const arnOf = (name: string) => `arn:aws:states:eu-west-1:${MGMT}:execution:CloudTrailOnboarding:${name}`;
      const describe = async (arn: string) => {
        const name = arn.split(':').pop()!;
        const status = this.runs.get(name);
        return status ? { executionArn: arn, name, status, startDate: NOW, input: '' } : undefined;
      };
      return {
        now: () => NOW,
        sleep: async () => undefined,
        start: {
          status: { getAccount: async () => undefined },
          executions: {
            executionArnFor: arnOf,
            startExecution: async (name) => {
              const open = this.runs.get(name) === 'RUNNING';
              if (!this.runs.has(name)) this.runs.set(name, 'RUNNING');
              return { executionArn: arnOf(name), alreadyStarted: !open && this.runs.get(name) !== 'RUNNING' };
            },
            describeExecution: describe,
            redriveExecution: async () => ({ redriven: false, reason: 'not used' }),
            executionHistory: async () => [],
            listExecutionsByPrefix: async () => [],
          },
        },
        running: { listRunningExecutionsByPrefix: async () => [] },
        accounts: { listAccounts: async (f) => this.items.filter((i) => !f?.status || i.status === f.status) },
        sweeps: {
          acquire: async (): Promise<SweepLease> => (this.sweep ? { acquired: true, sweep: structuredClone(this.sweep) } : { acquired: true }),
          save: async (_o, s) => ((this.sweep = structuredClone(s)), true),
          release: async (_o, s) => ((this.sweep = s ? structuredClone(s) : this.sweep), true),
        },
      };
    }
    invoke(trigger: 'start' | 'continue'): Promise<FleetResult> {
      return reconcileFleet(this.deps(), { trigger, mode: 'apply', limits: { maxConcurrent: 10, maxStartsPerSecond: 50 }, owner: 'o', deadline: NOW.getTime() + 600_000, leaseMs: 960_000 });
    }
    started(): string[] {
      return [...this.runs.keys()].map((n) => n.split('-')[1]);
    }
  }

  it('starts the first account alone and stops; a continuation while its run is open starts nothing; once closed, the others', async () => {
    // prepare
    const fleet = new Fleet([item(C), item(A), item(B)]);
    // act + assert: the sweep begins with A alone
    expect(await fleet.invoke('start')).toMatchObject({ outcome: 'continuing', stoppedBy: 'sharedTrail', remaining: 2, sweep: { started: 1 } });
    expect(fleet.started()).toEqual([A]);
    // A's run still open: the continuation holds
    expect(await fleet.invoke('continue')).toMatchObject({ outcome: 'continuing', stoppedBy: 'sharedTrail', remaining: 2 });
    expect(fleet.started()).toEqual([A]);
    // A's run closed: the rest
    fleet.closeAll();
    expect(await fleet.invoke('continue')).toMatchObject({ outcome: 'finished', remaining: 0, sweep: { started: 3 } });
    expect(fleet.started()).toEqual([A, B, C]);
  });

  it('account mode: no trail is shared, every run starts in one invocation', async () => {
    const fleet = new Fleet([item(A, 'ONBOARDED', 'arn:a'), item(B, 'ONBOARDED', 'arn:b'), item(C, 'ONBOARDED', 'arn:c')]);
    expect(await fleet.invoke('start')).toMatchObject({ outcome: 'finished', sweep: { started: 3 } });
    expect(fleet.started()).toEqual([A, B, C]);
  });
});
