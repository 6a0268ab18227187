/**
 * The per-step wiring (handlers/wiring, issue 15): a port a step function does not wire fails by name;
 * each entry wires what its step uses (its steps run against the fakes with every other port failing);
 * SDK clients are kept per (client, region, credential set), bounded, and renewed with the session.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { IAMClient } from '@aws-sdk/client-iam';
import { CONFIG_ENV, parseRuntimeConfig } from '../../../handlers/shared/config';
import { desiredTrail } from '../../../handlers/domain/trail';
import { SESSION_REFRESH_MARGIN_MS } from '../../../handlers/adapters/sts';
import { ensureChangeRules } from '../../../handlers/steps/ensure-change-rules';
import { ensureOrganizationTrail } from '../../../handlers/steps/ensure-organization-trail';
import { ensureReaderRole } from '../../../handlers/steps/ensure-reader-role';
import { ensureBucketPolicy, ensureKeyPolicy } from '../../../handlers/steps/ensure-shared-policies';
import { ensureSwitchRole } from '../../../handlers/steps/ensure-switch-role';
import { ensureTrail } from '../../../handlers/steps/ensure-trail';
import { offboardAccount } from '../../../handlers/steps/offboard-account';
import { recordFailure, recordResult } from '../../../handlers/steps/record';
import { validateRequest } from '../../../handlers/steps/validate-request';
import type { StepDeps } from '../../../handlers/steps/deps';
import { ClientCache } from '../../../handlers/wiring/client-cache';
import { PORT_NAMES, stepDeps, StepNotWired, unwiredPorts, type PortFactories } from '../../../handlers/wiring/core';
import { logArchiveRoles } from '../../../handlers/wiring/iam';
import { memberTrails } from '../../../handlers/wiring/cloudtrail';
import { STEPS, type StepName } from '../../../statemachine/steps';
import { BASE_CONFIG, fakeDeps, IDS } from '../steps/fakes';

const config = parseRuntimeConfig(BASE_CONFIG);
const HANDLERS = path.join(__dirname, '..', '..', '..', 'handlers');
const EXEC = 'arn:aws:states:eu-west-1:111122223333:execution:CloudTrailOnboarding:onboard-444455556666';

/** A stand-in SDK client: what ClientCache and createClient need of one. */
class FakeClient {
  destroyed = 0;
  readonly middlewareStack = { use: () => undefined };
  constructor(readonly config: { region: string; credentials?: unknown }) {}
  destroy() {
    this.destroyed++;
  }
}
class OtherClient extends FakeClient {}

describe('a port the step function does not wire', () => {
  it('fails when called, with StepNotWired naming the port and the step, for every port', async () => {
    const deps = stepDeps('EnsureTrail', config, { memberTrails }, { clients: new ClientCache(50, () => new FakeClient({ region: '' }) as never) });

    await expect(deps.memberRoles(IDS.member)).rejects.toThrow(StepNotWired);
    await expect(deps.memberRoles(IDS.member)).rejects.toMatchObject({
      name: 'StepNotWired',
      port: 'memberRoles',
      step: 'EnsureTrail',
      message: expect.stringContaining('EnsureTrail called the memberRoles port'),
    });
    for (const port of PORT_NAMES.filter((p) => p !== 'memberTrails')) {
      const call = (deps[port] as (...args: unknown[]) => Promise<unknown>)(IDS.member, 'eu-west-1');
      await expect(call).rejects.toMatchObject({ name: 'StepNotWired', port, step: 'EnsureTrail' });
    }
  });

  it('a wired port is the factory\'s, and every step has the status table, the lease, the clock and the timer', async () => {
    const clients = new ClientCache(50, ((Ctor: unknown, options: { region: string }) => (Ctor === IAMClient ? new FakeClient(options) : fakeSts())) as never);
    const deps = stepDeps('EnsureReaderRole', config, { logArchiveRoles }, { clients });

    await expect(deps.logArchiveRoles()).resolves.toBeDefined();
    await expect(deps.memberRoles(IDS.member)).rejects.toMatchObject({ name: 'StepNotWired', port: 'memberRoles', step: 'EnsureReaderRole' });
    expect(deps.status).toBeDefined();
    expect(deps.lock).toBeDefined();
    expect(deps.now()).toBeInstanceOf(Date);
    expect(typeof deps.sleep).toBe('function');
  });
});

/** A stand-in STS client answering AssumeRole with a new session (a new access key id) each time, valid one hour from `now`. */
function fakeSts(now: () => Date = () => new Date()) {
  let n = 0;
  return Object.assign(new FakeClient({ region: 'eu-west-1' }), {
    assumed: () => n,
    send: async (command: unknown) => {
      if (!(command instanceof AssumeRoleCommand)) throw new Error('fake STS: AssumeRole only');
      n++;
      return { Credentials: { AccessKeyId: `ASIAFAKE${n}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(now().getTime() + 3_600_000) } };
    },
  });
}

describe('the container\'s SDK clients (ClientCache)', () => {
  const session = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: 's', sessionToken: 't' });

  it('keeps one client per client class, region and credential set', () => {
    const cache = new ClientCache();
    const a = cache.get(FakeClient, 'eu-west-1', session('ASIA1'));

    expect(cache.get(FakeClient, 'eu-west-1', session('ASIA1'))).toBe(a);
    expect(cache.get(FakeClient, 'us-east-1', session('ASIA1'))).not.toBe(a);
    expect(cache.get(OtherClient, 'eu-west-1', session('ASIA1'))).not.toBe(a);
    expect(cache.get(FakeClient, 'eu-west-1', session('ASIA2'))).not.toBe(a);
    expect(cache.get(FakeClient, 'eu-west-1')).not.toBe(a);
    expect(cache.get(FakeClient, 'eu-west-1')).toBe(cache.get(FakeClient, 'eu-west-1'));
    expect(a.config).toMatchObject({ region: 'eu-west-1', credentials: session('ASIA1') });
    expect(cache.size).toBe(5);
  });

  it('gives a named credential provider to the client, one client per name', async () => {
    const cache = new ClientCache();
    const provider = async () => session('ASIAROLE');
    const c = cache.get(FakeClient, 'us-east-1', { key: 'arn:aws:iam::111122223333:role/Read', provider });

    expect(cache.get(FakeClient, 'us-east-1', { key: 'arn:aws:iam::111122223333:role/Read', provider: async () => session('x') })).toBe(c);
    expect(c.config.credentials).toBe(provider);
  });

  it('beyond its bound drops and destroys the least recently used client', () => {
    const cache = new ClientCache(3);
    const [a, b, c] = ['ASIA1', 'ASIA2', 'ASIA3'].map((k) => cache.get(FakeClient, 'eu-west-1', session(k)));
    cache.get(FakeClient, 'eu-west-1', session('ASIA1')); // used again: b is now the oldest

    const d = cache.get(FakeClient, 'eu-west-1', session('ASIA4'));

    expect(cache.size).toBe(3);
    expect([a.destroyed, b.destroyed, c.destroyed, d.destroyed]).toEqual([0, 1, 0, 0]);
    expect(cache.get(FakeClient, 'eu-west-1', session('ASIA2'))).not.toBe(b);
    expect(a.destroyed + c.destroyed).toBe(1);
  });

  it('in the wiring: one client per session, a new one when the session is renewed (a role-chained session lasts at most an hour)', async () => {
    let clock = new Date('2026-12-01T12:00:00Z');
    const now = () => clock;
    const sts = fakeSts(now);
    const made: unknown[] = [];
    const clients = new ClientCache(50, ((Ctor: unknown, options: { region: string }) => {
      if (Ctor !== IAMClient) return sts;
      const c = new FakeClient(options);
      made.push(c);
      return c;
    }) as never);
    const deps = stepDeps('EnsureReaderRole', config, { logArchiveRoles }, { clients, now });

    await deps.logArchiveRoles();
    await deps.logArchiveRoles();
    expect({ assumed: sts.assumed(), clients: made.length }).toEqual({ assumed: 1, clients: 1 });

    clock = new Date(clock.getTime() + 3_600_000 - SESSION_REFRESH_MARGIN_MS);
    await deps.logArchiveRoles();
    expect({ assumed: sts.assumed(), clients: made.length }).toEqual({ assumed: 2, clients: 2 });
    expect((made[1] as FakeClient).config.credentials).toMatchObject({ accessKeyId: 'ASIAFAKE2' });
  });
});

/** The ports each step function's entry wires (its exported PORTS), loaded as Lambda loads the entry. */
function entryPorts(step: StepName): PortFactories {
  process.env[CONFIG_ENV] = JSON.stringify(BASE_CONFIG);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`../../../handlers/${STEPS[step]}/index`) as { PORTS: PortFactories }).PORTS;
}

/** The fakes' deps as `step`'s entry wires them: every port it does not name fails by name. */
function asWired(deps: StepDeps, step: StepName): StepDeps {
  return { ...deps, ...unwiredPorts(step, Object.keys(entryPorts(step))) };
}

const MEMBERS = [{ id: IDS.member, state: 'ACTIVE' }];
const ORG_MODE = { trailMode: 'organization' as const, migrateAccountTrails: true };

describe("each step function's entry wires the ports its step uses (the steps against the fakes, every other port failing)", () => {
  it('the check can fail: a step run without its port fails with StepNotWired', async () => {
    const w = fakeDeps();
    await expect(ensureTrail({ ...w.deps, ...unwiredPorts('EnsureTrail', ['resolveKeyArn']) }, IDS.member)).rejects.toMatchObject({ name: 'StepNotWired', port: 'memberTrails' });
  });

  it('ValidateRequest: an onboarding scoped by OU, an offboarding', async () => {
    const w = fakeDeps({ scope: { includeOus: ['ou-ab12-prod0001'] } }, MEMBERS, { [IDS.member]: ['r-ab12', 'ou-ab12-prod0001'] });
    const deps = asWired(w.deps, 'ValidateRequest');
    await expect(validateRequest(deps, { accountId: IDS.member }, EXEC)).resolves.toMatchObject({ action: 'onboard' });
    await expect(validateRequest(deps, { accountId: IDS.member, action: 'offboard', reason: 'test' }, EXEC)).resolves.toMatchObject({ action: 'offboard' });
  });

  it.each(['apply', 'report'] as const)('the account-mode onboarding steps, in %s mode, then RecordResult and RecordFailure', async (mode) => {
    const w = fakeDeps({}, MEMBERS);
    const as = (step: StepName) => asWired(w.deps, step);
    await ensureSwitchRole(as('EnsureSwitchRole'), IDS.member, mode);
    await ensureBucketPolicy(as('EnsureBucketPolicy'), IDS.member, 'e#EnsureBucketPolicy', mode);
    await ensureKeyPolicy(as('EnsureKeyPolicy'), IDS.member, 'e#EnsureKeyPolicy', mode);
    await ensureTrail(as('EnsureTrail'), IDS.member, mode);
    await ensureReaderRole(as('EnsureReaderRole'), IDS.member, mode);
    await ensureChangeRules(as('EnsureChangeRules'), IDS.member, mode);
    await recordResult(as('RecordResult'), IDS.member, EXEC, mode, { switchRoleArn: '', trailArn: '', readerRoleArn: '' });
    await recordFailure(as('RecordFailure'), { accountId: IDS.member, failure: { Error: 'X', Cause: 'y' } }, EXEC);
  });

  it('EnsureOrganizationTrail: the organization set up, the per-account trail migrated once delivered (its grants retired)', async () => {
    const w = fakeDeps(ORG_MODE, MEMBERS);
    const deps = asWired(w.deps, 'EnsureOrganizationTrail');
    await w.trailsOf(IDS.member).create(desiredTrail(w.config));
    await expect(ensureOrganizationTrail(deps, IDS.member)).resolves.toMatchObject({ migration: 'waiting' });
    w.logFiles.keys.push(`cloudtrail/AWSLogs/o-a1b2c3d4e5/${IDS.member}/CloudTrail/eu-west-1/2026/12/01/x.json.gz`);
    await expect(ensureOrganizationTrail(deps, IDS.member, 'report')).resolves.toBeDefined();
    await expect(ensureOrganizationTrail(deps, IDS.member)).resolves.toMatchObject({ migration: 'removed' });
  });

  it.each([{}, ORG_MODE])('OffboardAccount of an onboarded account (%o)', async (mode) => {
    const w = fakeDeps(mode, MEMBERS);
    await ensureSwitchRole(w.deps, IDS.member);
    await ensureBucketPolicy(w.deps, IDS.member, 'e');
    await ensureKeyPolicy(w.deps, IDS.member, 'e');
    await ensureTrail(w.deps, IDS.member);
    await ensureReaderRole(w.deps, IDS.member);
    await ensureChangeRules(w.deps, IDS.member);

    const r = await offboardAccount(asWired(w.deps, 'OffboardAccount'), IDS.member, EXEC, 'test');

    expect(r.removed).toEqual(expect.arrayContaining(['trail', 'switchRole', 'changeRules', 'readerRole']));
  });
});

describe('what the Lambda bundles hold', () => {
  it("the handlers import zod as a namespace (`import { z }` keeps all of zod in the bundle, locales included: ~445 KB instead of ~95 KB)", () => {
    const files = readdirSync(HANDLERS, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const named = files.filter((f) => /import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*'zod'/.test(readFileSync(path.join(HANDLERS, f), 'utf8')));

    expect(files.length).toBeGreaterThan(50);
    expect(named).toEqual([]);
  });
});
