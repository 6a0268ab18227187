/**
 * Read-only operators (issue 9): a role of the orchestrator account with only the Orchestrator stack's
 * `CloudTrailOnboarding-OperatorReadOnly` policy can run the CLI's read-only commands (`status`,
 * `list`, `plan`: the latter through the LogArchive stack's `CloudTrailOnboarding-OperatorRead`
 * role), and nothing that changes anything. The simulation authorizes every call with that policy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXIT, runCli } from '../../../cli/main';
import { runLocalCli } from './run-local';
import { parseAppConfig } from '../../../infra/config';
import { openLocalSession } from '../../../local/session';
import sample from '../../../config/onboarding.sample.json';

const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-operator-'));
const MGMT = sample.managementAccountId;
const ONBOARDED = '444455556666';
const OTHER = '555566667777';

const onboard = (...argv: string[]) => runLocalCli(DIR, ...argv);

beforeAll(async () => {
  expect((await onboard('start', ONBOARDED)).code).toBe(EXIT.ok);
  // An administrator of the orchestrator account gives an operator role the read-only policy.
  const session = await openLocalSession({ dir: DIR, config: parseAppConfig(sample) });
  try {
    session.world.iam.createRole(MGMT, {
      name: 'ReadOnlyOperator',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MGMT}:root` }, Action: 'sts:AssumeRole' }] },
      managedPolicyArns: [`arn:aws:iam::${MGMT}:policy/CloudTrailOnboarding-OperatorReadOnly`],
    });
  } finally {
    await session.close();
  }
});
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('an operator with only the OperatorReadOnly policy', () => {
  it('reads an account\'s status', async () => {
    const r = await onboard('--as', 'ReadOnlyOperator', 'status', ONBOARDED);
    expect({ code: r.code, err: r.err }).toEqual({ code: EXIT.ok, err: '' });
    expect(r.out).toContain(`${ONBOARDED}  ONBOARDED`);
  });

  it('lists the accounts', async () => {
    const r = await onboard('--as', 'ReadOnlyOperator', 'list');
    expect({ code: r.code, err: r.err }).toEqual({ code: EXIT.ok, err: '' });
    expect(r.out).toContain(ONBOARDED);
  });

  it('plans an onboarding, reading both shared policies through the OperatorRead role', async () => {
    const r = await onboard('--as', 'ReadOnlyOperator', 'plan', OTHER, '--json');
    expect({ code: r.code, err: r.err }).toEqual({ code: EXIT.ok, err: '' });
    const plan = JSON.parse(r.out) as { bucketPolicy: { changed: boolean }; keyPolicy: { changed: boolean } };
    expect([plan.bucketPolicy.changed, plan.keyPolicy.changed]).toEqual([true, true]);
  });

  it('cannot start an onboarding: StartExecution is denied, nothing starts', async () => {
    const r = await onboard('--as', 'ReadOnlyOperator', 'start', OTHER, '--no-wait');
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toMatch(/states:StartExecution/);
    const status = await onboard('status', OTHER, '--json');
    expect(status.code).not.toBe(EXIT.ok);
  });

  it('--as is refused against AWS (the CLI there acts as its credentials)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--config', path.join(__dirname, '../../../config/onboarding.sample.json'), '--as', 'ReadOnlyOperator', 'list'], { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(code).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(/--as works with --local only/);
  });
});
