/**
 * The local session outlives the process: the world is saved to `<dir>/world.json`
 * (local/sim/persistence.ts) and the status table lives in `<dir>/dynamo`. Two sessions in one
 * directory here stand for two CLI invocations (same configuration; the handler modules, loaded
 * once per process, keep their SDK clients and reach the second session's world).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StatusStore } from '../../handlers/adapters/status-store';
import { createClient } from '../../handlers/shared/clients';
import { parseAppConfig } from '../../infra/config';
import { LOCAL_TABLE_NAME } from '../../local/runner';
import { LocalSessionBusyError, localSessionPaths, openLocalSession, type LocalSession } from '../../local/session';
import { createDemoWorld, DEMO, type SimWorld, type WorldSnapshot } from '../../local/sim';
import { exportWorld, importWorld, parseWorldState, WorldStateError, type WorldState } from '../../local/sim/persistence';
import sample from '../../config/onboarding.sample.json';

jest.setTimeout(120_000);

const ACCOUNT = DEMO.memberAccountIds[0];
const config = parseAppConfig(sample, 'test configuration');
const switchRoleArn = `arn:aws:iam::${ACCOUNT}:role/SecurityAuditFromLogArchive`;
const readerRoleArn = `arn:aws:iam::${DEMO.logArchiveAccountId}:role/CloudTrailLogReader-${ACCOUNT}`;
const trailArn = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/org-member-trail`;

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onboard-local-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** A JSON round trip, as through world.json. */
const throughJson = (state: WorldState): unknown => JSON.parse(JSON.stringify(state));

describe('exportWorld / importWorld', () => {
  function variedWorld(): SimWorld {
    const world = createDemoWorld();
    world.addAccount('123456789012', { name: 'standalone' });
    world.kms.addAlias(DEMO.keyArn, 'alias/cloudtrail-logs');
    world.iam.createRole(DEMO.memberAccountIds[1], {
      name: 'Tagged',
      path: '/team/',
      description: 'a role with everything',
      maxSessionDuration: 7200,
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: DEMO.managementAccountId }, Action: 'sts:AssumeRole' }] },
      tags: [{ Key: 'team', Value: 'security' }, { Key: 'managed-by', Value: 'someone-else' }],
      managedPolicyArns: ['arn:aws:iam::aws:policy/SecurityAudit'],
      // Inline policies in an order that is not sorted, one named like a number, one with white space kept.
      inlinePolicies: {
        ZetaReadLogs: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
        AlphaDecrypt: '{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*" } ] }',
        '42': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] },
      },
    });
    world.setAccountReadyAfter(DEMO.memberAccountIds[2], 2);
    world.kmsPrincipalDelay(switchRoleArn, 1);
    world.faults.inject({ service: 'iam', operation: 'GetRoleCommand', error: 'Throttling', times: 3 });
    world.stepFunctions.inject({ operation: 'StartExecution', error: 'ThrottlingException' });
    return world;
  }

  it('gives the same snapshot and the same state, every field included', () => {
    const world = variedWorld();
    const copy = importWorld(throughJson(exportWorld(world)));
    expect(copy.snapshot()).toEqual(world.snapshot());
    expect(exportWorld(copy)).toEqual({ ...exportWorld(world), savedAt: expect.any(String) });

    const role = world.iam.getRole(DEMO.memberAccountIds[1], 'Tagged')!;
    const copied = copy.iam.getRole(DEMO.memberAccountIds[1], 'Tagged')!;
    expect(copied).toEqual(role); // role id, creation date, path, trust text, tags, inline policies in order
    expect([...copied.inline.keys()]).toEqual([...role.inline.keys()]);
    expect([...copied.inline.keys()]).toEqual(['42', 'ZetaReadLogs', 'AlphaDecrypt']);
    expect(copied.inline.get('AlphaDecrypt')).toBe(role.inline.get('AlphaDecrypt'));
    expect(copy.accounts.get('123456789012')).toEqual(world.accounts.get('123456789012'));
    expect(copy.organization).toEqual(world.organization);
    expect(copy.logArchive).toEqual(world.logArchive);
    expect(copy.faults.pending()).toEqual([expect.objectContaining({ service: 'iam', operation: 'GetRole', error: 'Throttling', times: 3 })]);
  });

  it('issues new role ids after the imported ones', () => {
    const world = variedWorld();
    const copy = importWorld(throughJson(exportWorld(world)));
    const ids = new Set(copy.iam.accountsWithRoles().flatMap((a) => copy.iam.rolesOf(a).map((r) => r.roleId)));
    const fresh = copy.iam.createRole(DEMO.memberAccountIds[3], {
      name: 'New',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: DEMO.managementAccountId }, Action: 'sts:AssumeRole' }] },
    });
    expect(ids.has(fresh.roleId)).toBe(false);
  });

  it('refuses another format version with an error naming the file to delete', () => {
    const state = { ...exportWorld(createDemoWorld()), version: 2 };
    const attempt = () => importWorld(state, { source: '/somewhere/world.json' });
    expect(attempt).toThrow(WorldStateError);
    expect(attempt).toThrow('/somewhere/world.json was saved in local world format version 2; this version of the simulation reads version 1 only. Delete /somewhere/world.json');
    expect(() => parseWorldState('{"version": 1', 'w.json')).toThrow(/^w\.json is not a saved local world .*Delete w\.json/);
    expect(() => parseWorldState('{"version": 1}', 'w.json')).toThrow(/w\.json is not a complete saved local world \(missing accounts, iam/);
  });
});

describe('a local session in a directory, across sessions', () => {
  const dir = tmpDir();
  const paths = localSessionPaths(dir);
  let first: LocalSession;
  let second: LocalSession | undefined;
  let third: LocalSession | undefined;
  /** An SFN client made in the first session (as a handler module's would be). */
  let firstSfn: SFNClient;
  let executionArn: string;
  let firstSnapshot: WorldSnapshot;
  let firstState: WorldState;
  let firstEvents: HistoryEvent[];

  afterAll(async () => {
    await second?.close();
    await third?.close();
  });

  it('first session: onboards an account; close() waits for the execution it did not wait for, then saves', async () => {
    first = await openLocalSession({ dir, config, fresh: true, retryDelayMs: 1 });
    expect(first.created).toBe(true);
    expect(existsSync(paths.world)).toBe(true);
    expect(existsSync(paths.lock)).toBe(true);

    // What the CLI does (its default credentials are the ones the runner put in the environment).
    firstSfn = createClient(SFNClient, { region: config.homeRegion });
    const started = await firstSfn.send(
      new StartExecutionCommand({ stateMachineArn: first.runner.stateMachineArn, name: `onboard-${ACCOUNT}`, input: JSON.stringify({ accountId: ACCOUNT }) }),
    );
    executionArn = started.executionArn!;
    expect(first.world.stepFunctions.get(executionArn)?.status).toBe('RUNNING');

    await first.close(); // "--no-wait": the process finishes the execution before it exits
    const x = first.world.stepFunctions.get(executionArn)!;
    expect(x.status).toBe('SUCCEEDED');
    expect(existsSync(paths.lock)).toBe(false);

    firstSnapshot = first.world.snapshot();
    firstState = exportWorld(first.world);
    firstEvents = structuredClone(x.events);
    const saved = parseWorldState(readFileSync(paths.world, 'utf8'), paths.world);
    expect(saved).toEqual({ ...firstState, savedAt: expect.any(String) });
    expect(saved.stepFunctions.executions).toEqual([expect.objectContaining({ executionArn, status: 'SUCCEEDED', redriveCount: 0 })]);
  });

  it('an execution saved while RUNNING comes back ABORTED (redrivable), its history closed', () => {
    const state = structuredClone(firstState) as unknown as { stepFunctions: { executions: Record<string, unknown>[] } };
    const saved = state.stepFunctions.executions[0];
    saved.status = 'RUNNING';
    delete saved.stopDate;
    delete saved.output;
    const events = saved.events as { id: number }[];
    saved.events = events.slice(0, 10);
    const world = importWorld(state);
    const x = world.stepFunctions.get(executionArn)!;
    expect(x.status).toBe('ABORTED');
    expect(x.stopDate).toBeInstanceOf(Date);
    expect(x.events.at(-1)).toMatchObject({ type: 'ExecutionAborted', id: 11, previousEventId: 10 });
  });

  it('a world.json of an unknown format version fails clearly, and leaves the directory free', async () => {
    const other = tmpDir();
    const otherPaths = localSessionPaths(other);
    writeFileSync(otherPaths.world, JSON.stringify({ version: 99 }));
    await expect(openLocalSession({ dir: other, config })).rejects.toThrow(
      `${otherPaths.world} was saved in local world format version 99; this version of the simulation reads version 1 only. Delete ${otherPaths.world} to start a new simulated world.`,
    );
    expect(existsSync(otherPaths.lock)).toBe(false);
  });

  it('a directory another live process has open is refused', async () => {
    const other = tmpDir();
    writeFileSync(localSessionPaths(other).lock, JSON.stringify({ pid: process.ppid }));
    await expect(openLocalSession({ dir: other, config })).rejects.toThrow(LocalSessionBusyError);
    await expect(openLocalSession({ dir: other, config })).rejects.toThrow(`is in use by process ${process.ppid}`);
  });

  it('second session: the same world, the status item and the execution with its history', async () => {
    second = await openLocalSession({ dir, config, retryDelayMs: 1 });
    expect(second.created).toBe(false);
    expect(second.world.snapshot()).toEqual(firstSnapshot);
    await expect(openLocalSession({ dir, config })).rejects.toThrow(LocalSessionBusyError); // one per process

    const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion }));
    const status = new StatusStore(doc, LOCAL_TABLE_NAME, () => new Date());
    expect(await status.getAccount(ACCOUNT)).toMatchObject({ status: 'ONBOARDED', executionArn, switchRoleArn, readerRoleArn, trailArn });

    const snap = second.world.snapshot();
    expect(snap.roles[switchRoleArn]).toMatchObject({ tags: { 'managed-by': 'cloudtrail-onboarding' }, managedPolicyArns: ['arn:aws:iam::aws:policy/SecurityAudit'] });
    expect(snap.roles[readerRoleArn]).toMatchObject({ inlinePolicies: { ReadOwnCloudTrailLogs: expect.any(Object) } });
    expect(snap.trails[trailArn]).toMatchObject({ isLogging: true, kmsKeyId: DEMO.keyArn, s3BucketName: DEMO.bucketName });
    const owned = (policy: unknown) => (policy as { Statement: { Sid?: string }[] }).Statement.filter((s) => s.Sid?.startsWith('CloudTrailOnboarding'));
    expect(JSON.stringify(owned(snap.buckets[DEMO.bucketName].policy))).toContain(ACCOUNT);
    expect(JSON.stringify(owned(snap.keys[DEMO.keyArn].policy))).toContain(ACCOUNT);
    expect(second.world.iam.getRole(ACCOUNT, 'SecurityAuditFromLogArchive')).toEqual(first.world.iam.getRole(ACCOUNT, 'SecurityAuditFromLogArchive'));

    for (const sfn of [createClient(SFNClient, { region: config.homeRegion }), firstSfn]) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(described).toMatchObject({
        status: 'SUCCEEDED',
        name: `onboard-${ACCOUNT}`,
        input: JSON.stringify({ accountId: ACCOUNT }),
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      });
      expect(JSON.parse(described.output!)).toMatchObject({ accountId: ACCOUNT });
      expect(described.startDate).toEqual(first.world.stepFunctions.get(executionArn)!.startDate);
      expect(described.stopDate).toEqual(first.world.stepFunctions.get(executionArn)!.stopDate);
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
      expect(history.events).toEqual(firstEvents);
      expect(history.events!.map((e) => e.type)).toEqual(expect.arrayContaining(['ExecutionStarted', 'TaskSucceeded', 'ExecutionSucceeded']));
    }
  });

  it('second session: a re-run of the onboarded account makes zero write calls', async () => {
    const world = second!.world;
    world.resetCalls();
    const sfn = createClient(SFNClient, { region: config.homeRegion });
    const { executionArn: again } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: second!.runner.stateMachineArn, name: `onboard-${ACCOUNT}-again`, input: JSON.stringify({ accountId: ACCOUNT }) }),
    );
    expect((await world.stepFunctions.settled(again!)).status).toBe('SUCCEEDED');
    expect(world.writeCalls().map((c) => `${c.service}:${c.operation}`)).toEqual([]);
    // The handler modules' clients (made in the first session) read this world and this table.
    expect(world.calls.some((c) => c.service === 'dynamodb')).toBe(true);
    expect(world.calls.some((c) => c.service === 'iam')).toBe(true);
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: second!.runner.stateMachineArn }));
    expect(listed.executions!.map((e) => e.name).sort()).toEqual([`onboard-${ACCOUNT}`, `onboard-${ACCOUNT}-again`]);
  });

  it('third session: an execution the process died in comes back ABORTED, and redriving it continues its history', async () => {
    await second!.close();
    // As if the second process had been killed while the re-run was running.
    const state = JSON.parse(readFileSync(paths.world, 'utf8')) as { stepFunctions: { executions: Record<string, unknown>[] } };
    const again = state.stepFunctions.executions.find((x) => x.name === `onboard-${ACCOUNT}-again`)!;
    again.status = 'RUNNING';
    delete again.stopDate;
    delete again.output;
    const kept = (again.events as { id: number; type: string }[]).filter((e) => e.type !== 'ExecutionSucceeded');
    again.events = kept;
    writeFileSync(paths.world, JSON.stringify(state));

    third = await openLocalSession({ dir, config, retryDelayMs: 1 });
    const sfn = createClient(SFNClient, { region: config.homeRegion });
    const arn = String(again.executionArn);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).toMatchObject({ status: 'ABORTED', redriveStatus: 'REDRIVABLE' });
    await sfn.send(new RedriveExecutionCommand({ executionArn: arn }));
    expect((await third.world.stepFunctions.settled(arn)).status).toBe('SUCCEEDED');
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
    expect(events!.map((e) => e.id)).toEqual(events!.map((_, i) => i + 1));
    expect(events![kept.length]).toMatchObject({ type: 'ExecutionAborted', id: kept.length + 1 });
    expect(events![kept.length + 1]).toMatchObject({ type: 'ExecutionRedriven', id: kept.length + 2, executionRedrivenEventDetails: { redriveCount: 1 } });
    expect(events!.at(-1)).toMatchObject({ type: 'ExecutionSucceeded' });
    await third.close();
    expect(parseWorldState(readFileSync(paths.world, 'utf8'), paths.world).stepFunctions.executions).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: `onboard-${ACCOUNT}-again`, status: 'SUCCEEDED', redriveCount: 1 })]),
    );
  });
});
