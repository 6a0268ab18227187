/**
 * The `onboard` binary (bin/onboard.js): the CLI from a bundle built once per source state, each module
 * with its own `__dirname`, the same output as through tsx, and tsx when the bundle is switched off.
 * Run as a separate process, as an operator runs it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FUNCTION_ENTRIES, STEP_ENTRIES } from '../../../local/entries';
import { STEPS, type StepName } from '../../../statemachine/steps';

const ROOT = path.join(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'onboard.js');
const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-bin-'));
const CACHE = path.join(DIR, 'cache');
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

async function onboard(env: Record<string, string>, ...argv: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, '--local', '--state-dir', path.join(DIR, 'state'), ...argv], {
      cwd: ROOT,
      env: { ...process.env, ONBOARD_CLI_CACHE_DIR: CACHE, ...env },
    });
    return { code: 0, out: stdout.trim(), err: stderr.trim() };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: (x.stdout ?? '').trim(), err: (x.stderr ?? '').trim() };
  }
}

const bundles = () => readdirSync(CACHE).filter((f) => f.endsWith('.js'));

describe('the onboard binary', () => {
  it('builds the bundle on its first run and answers from it', async () => {
    const r = await onboard({}, 'list');
    expect(r).toEqual({ code: 0, out: 'no accounts', err: '' });
    expect(bundles()).toHaveLength(1);
  });

  it('reuses the bundle while the sources are unchanged', async () => {
    const [file] = bundles();
    const before = statSync(path.join(CACHE, file)).mtimeMs;
    const r = await onboard({}, 'status', '444455556666');
    // The bundled code found the repository from its own __dirname: the local session started and answered.
    expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: expect.stringMatching(/^error: OnboardingNotFound: .*444455556666/) });
    expect(bundles()).toEqual([file]);
    expect(statSync(path.join(CACHE, file)).mtimeMs).toBe(before);
  });

  it('runs through tsx, with the same answer, when the bundle is switched off', async () => {
    expect(await onboard({ ONBOARD_CLI_BUNDLE: 'off' }, 'list')).toEqual({ code: 0, out: 'no accounts', err: '' });
  });
});

describe("the runner's entry modules (local/entries.ts), which the bundle holds", () => {
  it.each(Object.keys(STEPS) as StepName[])('%s loads handlers/<its directory>/index', (step) => {
    expect(STEP_ENTRIES[step].toString()).toContain(`handlers/${STEPS[step]}/index`);
  });

  it('name the four functions that are not steps by the directory of their entry', () => {
    const dirs = { Api: 'api', StartFromEvent: 'start-from-event', ReconcileFleet: 'reconcile-fleet', StartFromChange: 'start-from-change' };
    for (const [name, load] of Object.entries(FUNCTION_ENTRIES)) expect(load.toString()).toContain(`handlers/${dirs[name as keyof typeof dirs]}/index`);
  });
});
