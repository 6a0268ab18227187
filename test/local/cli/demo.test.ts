/**
 * `npm run demo` (local/demo.ts) in trailMode account: the demo's `main` run in process, as the script
 * runs it; and the folding of an execution's history into one line per step (issue 15: the onboarding
 * part of the output fits one screen). One demo run per file: the handler modules read their
 * configuration once (test/local/harness.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEMO_EXIT, main, settledSteps, triesNote } from '../../../local/demo';
import type { HistoryEvent } from '../../../local/runner';
import { DEMO } from '../../../local/sim/demo-world';
import { STEP_NAMES, type StepName } from '../../../statemachine/steps';

const ACCOUNTS = DEMO.memberAccountIds.slice(0, 3);
/**
 * The steps a successful account-mode onboarding enters: all but organization mode's trail step, the
 * step a failed run ends in, and the offboarding's.
 */
const NOT_ENTERED: readonly StepName[] = ['EnsureOrganizationTrail', 'RecordFailure', 'OffboardAccount'];
const ACCOUNT_MODE_STEPS = STEP_NAMES.filter((s) => !NOT_ENTERED.includes(s));
const ONBOARDING_HEADER = `Onboarding ${ACCOUNTS.length} accounts at once`;
/** The section after the onboarding: the demo marks sections with a bold header after a blank line. */
const NEXT_HEADER = `Re-running ${ACCOUNTS[0]} (already onboarded)`;

type Run = { code: number; out: string[]; err: string[] };

async function demo(argv: string[], outDir: string): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(...s.split('\n')), err: (s) => err.push(...s.split('\n')) }, { outDir });
  return { code, out, err };
}

/** The lines from the one that is `from` up to (not including) the one that is `to`. */
function between(lines: readonly string[], from: string, to: string): string[] {
  const start = lines.indexOf(from);
  const end = lines.indexOf(to);
  if (start < 0 || end < start) throw new Error(`no section between "${from}" and "${to}" in:\n${lines.join('\n')}`);
  return lines.slice(start, end);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('npm run demo (trailMode account)', () => {
  const outDir = mkdtempSync(path.join(tmpdir(), 'demo-account-'));
  let run: Run;
  let onboarding: string[];
  beforeAll(async () => {
    run = await demo([], outDir);
    onboarding = between(run.out, ONBOARDING_HEADER, NEXT_HEADER);
  }, 240_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('ends as expected (exit 0, nothing on stderr)', () => {
    expect({ code: run.code, err: run.err }).toEqual({ code: DEMO_EXIT.ok, err: [] });
  });

  it('prints the onboarding of three accounts in under 40 lines', () => {
    expect(onboarding.length).toBeLessThan(40);
  });

  it('names every step of every account once, succeeded, and no line per retry', () => {
    for (const a of ACCOUNTS) {
      for (const step of ACCOUNT_MODE_STEPS) {
        const mine = onboarding.filter((l) => new RegExp(`^  ${a}  [✓✗] ${step} `).test(l));
        expect({ a, step, lines: mine.length, ok: mine.every((l) => l.startsWith(`  ${a}  ✓ `)) }).toEqual({ a, step, lines: 1, ok: true });
      }
    }
    expect(onboarding.filter((l) => l.includes('↻') || l.includes('retrying'))).toEqual([]);
  });

  it('folds the retries into a count: the accounts started together waited for the policies\' lease', () => {
    const folded = onboarding.filter((l) => l.includes(' tries'));
    for (const l of folded) expect(l).toMatch(/ \(\d+ tries(, waited for the lease)?([:;] [A-Za-z]+(, [A-Za-z]+)*)?\)$/);
    // Three executions reach the shared bucket and key policies at once: all but one wait for the lease.
    expect(folded.some((l) => / Ensure(Bucket|Key)Policy .*\(\d+ tries, waited for the lease\)$/.test(l))).toBe(true);
  });

  it('prints the re-run the same way: one line per step, nothing changed', () => {
    const rerun = between(run.out, NEXT_HEADER, 'Summary');
    for (const step of ACCOUNT_MODE_STEPS) {
      expect(rerun.filter((l) => new RegExp(`^  ${ACCOUNTS[0]}  ✓ ${escape(step)} `).test(l))).toHaveLength(1);
    }
    expect(rerun.filter((l) => l.includes('(changed)'))).toEqual([]);
  });
});

describe('the demo folds an execution into one entry per step', () => {
  const ev = (type: string, state: string, extra: Partial<HistoryEvent> = {}): HistoryEvent => ({ type, state, timestamp: 0, ...extra });

  it('counts tries and keeps the errors of a step that retried, in the definition\'s order', () => {
    const history = [
      ev('StateEntered', 'ValidateRequest'),
      ev('StateExited', 'ValidateRequest'),
      // Parallel branches interleave: the definition's order holds all the same.
      ev('StateEntered', 'EnsureTrail'),
      ev('StateEntered', 'EnsureBucketPolicy'),
      ev('StateFailed', 'EnsureBucketPolicy', { error: 'PolicyLockBusy' }),
      ev('StateRetried', 'EnsureBucketPolicy'),
      ev('StateFailed', 'EnsureBucketPolicy', { error: 'PolicyLockBusy' }),
      ev('StateRetried', 'EnsureBucketPolicy'),
      ev('StateExited', 'EnsureBucketPolicy', { output: { bucketPolicy: { changed: true } } }),
      ev('StateFailed', 'EnsureTrail', { error: 'AccessDenied' }),
    ];
    expect(settledSteps(history)).toEqual([
      { step: 'ValidateRequest', ok: true, tries: 1, errors: [], lastError: undefined, output: undefined },
      { step: 'EnsureBucketPolicy', ok: true, tries: 3, errors: ['PolicyLockBusy', 'PolicyLockBusy'], lastError: 'PolicyLockBusy', output: { bucketPolicy: { changed: true } } },
      { step: 'EnsureTrail', ok: false, tries: 1, errors: ['AccessDenied'], lastError: 'AccessDenied', output: undefined },
    ]);
  });

  it.each([
    [{ tries: 1, errors: [] }, ''],
    [{ tries: 3, errors: ['PolicyLockBusy', 'PolicyLockBusy'] }, ' (3 tries, waited for the lease)'],
    [{ tries: 2, errors: ['TrailPolicyNotYetEffective'] }, ' (2 tries: TrailPolicyNotYetEffective)'],
    [{ tries: 4, errors: ['PolicyLockBusy', 'TrailPolicyNotYetEffective', 'TrailPolicyNotYetEffective'] }, ' (4 tries, waited for the lease; TrailPolicyNotYetEffective)'],
  ])('%j is noted as "%s"', (step, note) => {
    expect(triesNote(step)).toBe(note);
  });
});
