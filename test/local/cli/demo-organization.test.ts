/**
 * `npm run demo -- --trail-mode organization` (local/demo.ts): the demo's `main` run in process, as
 * the script runs it, in trailMode organization from an organization without trusted access for
 * CloudTrail. One demo run per file: the handler modules read their configuration once (test/local/harness.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEMO_EXIT, DEMO_USAGE, main } from '../../../local/demo';
import { DEMO } from '../../../local/sim/demo-world';
import orgSample from '../../../config/onboarding.organization-trail.sample.json';

const ACCOUNTS = DEMO.memberAccountIds.slice(0, 3);
const ORG_TRAIL = `arn:aws:cloudtrail:${orgSample.homeRegion}:${DEMO.managementAccountId}:trail/${orgSample.organizationTrail.name}`;
const orgPrefix = (account: string) => `${orgSample.logPrefix}/AWSLogs/${DEMO.organizationId}/${account}/`;

type Run = { code: number; out: string[]; err: string[] };

async function demo(argv: string[], outDir?: string): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(...s.split('\n')), err: (s) => err.push(...s.split('\n')) }, outDir ? { outDir } : {});
  return { code, out, err };
}

/** The printed lines from the one starting with `heading` to the next blank line. */
function section(lines: readonly string[], heading: string): string[] {
  const from = lines.findIndex((l) => l.startsWith(heading));
  if (from < 0) return [];
  const to = lines.findIndex((l, i) => i > from && l.trim() === '');
  return lines.slice(from, to < 0 ? undefined : to);
}

describe('npm run demo -- --trail-mode organization', () => {
  const outDir = mkdtempSync(path.join(tmpdir(), 'demo-organization-'));
  let run: Run;
  beforeAll(async () => {
    run = await demo(['--trail-mode', 'organization'], outDir);
  }, 240_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('ends as expected (exit 0, nothing on stderr)', () => {
    expect({ code: run.code, err: run.err }).toEqual({ code: DEMO_EXIT.ok, err: [] });
  });

  it('starts without trusted access and shows the organization trail step enabling it, in place of EnsureTrail', () => {
    expect(run.out).toContain('trusted access for cloudtrail.amazonaws.com before the onboarding: not enabled');
    const orgSteps = run.out.filter((l) => / ✓ EnsureOrganizationTrail /.test(l));
    // The first run to get there enables it (two concurrent runs may both find it missing).
    const enabling = orgSteps.filter((l) => l.includes('trusted access'));
    expect(enabling.length).toBeGreaterThanOrEqual(1);
    // A step that retried says so before the note: `(changed) (2 tries: ...): trusted access ... enabled`.
    expect(enabling.every((l) => /\(changed\)( \(\d+ tries[^)]*\))?: trusted access for cloudtrail\.amazonaws\.com enabled$/.test(l))).toBe(true);
    expect(run.out.filter((l) => / EnsureTrail /.test(l))).toEqual([]);
  });

  it('onboards every account, each with the organization trail as its trail, and the re-run writes nothing', () => {
    const summary = section(run.out, 'Summary');
    for (const a of ACCOUNTS) {
      const at = summary.findIndex((l) => l.startsWith(`  ${a}  ONBOARDED  execution SUCCEEDED`));
      expect(at).toBeGreaterThanOrEqual(0);
      expect(summary.slice(at + 1, at + 4)).toEqual([
        `    switch role  arn:aws:iam::${a}:role/${orgSample.switchRole.name}`,
        `    trail        ${ORG_TRAIL}`,
        `    reader role  arn:aws:iam::${DEMO.logArchiveAccountId}:role/CloudTrailOnboarding-LogReader`,
      ]);
    }
    expect(run.out.some((l) => l.startsWith(`  re-run of ${ACCOUNTS[0]}: SUCCEEDED, 0 write calls,`))).toBe(true);
  });

  it("shows the organization trail logging, trusted access enabled, each account's files under AWSLogs/<org-id>/<account>/ and no trail of its own", () => {
    const org = section(run.out, 'Organization trail');
    expect(org).toContain(`  ${ORG_TRAIL}  logging: yes`);
    expect(org).toContain('  trusted access for cloudtrail.amazonaws.com: enabled');
    for (const a of ACCOUNTS) {
      const files = org.find((l) => l.startsWith(`    ${a}  `));
      expect(files).toMatch(new RegExp(`^    ${a}  [1-9]\\d* log file\\(s\\)  e\\.g\\. ${orgPrefix(a).replace(/[./]/g, '\\$&')}CloudTrail/${orgSample.homeRegion}/`));
      expect(org).toContain(`  ${a}  trails of its own: none (DescribeTrails there lists the organization trail)`);
    }
  });

  it('repairs the rewritten bucket policy and the organization trail delivers again', () => {
    const drift = section(run.out, 'Drift');
    expect(drift[0]).toBe('Drift: a stack update rewrites the bucket policy with only its own statements');
    expect(drift.some((l) => / SUCCEEDED: REPAIRED — .*bucketPolicy GrantMissing/.test(l))).toBe(true);
    expect(drift).toContain('  organization trail delivers again: bucket yes, key yes');
  });

  it('writes the organization trail once and no per-account trail document', () => {
    const trail = JSON.parse(readFileSync(path.join(outDir, 'organization-trail.json'), 'utf8')) as { isLogging?: boolean; s3KeyPrefix?: string };
    expect(trail).toMatchObject({ isLogging: true, s3KeyPrefix: orgSample.logPrefix });
    for (const a of ACCOUNTS) {
      expect(existsSync(path.join(outDir, 'accounts', a, 'status.json'))).toBe(true);
      expect(existsSync(path.join(outDir, 'accounts', a, 'trail.json'))).toBe(false);
    }
  });
});

describe('npm run demo: the command line', () => {
  it.each([
    [['--trail-mode', 'organisation'], '--trail-mode must be one of account, organization (received "organisation")'],
    [['--trail-mode'], "Option '--trail-mode <value>' argument missing"],
    [['--mode', 'organization'], "Unknown option '--mode'"],
    [['organization'], "Unexpected argument 'organization'"],
  ])('%j is a usage error: exit 2, the reason and the usage on stderr, nothing run', async (argv, reason) => {
    const r = await demo(argv);
    expect(r.code).toBe(DEMO_EXIT.usage);
    expect(r.err[0]).toContain(`error: ${reason}`);
    expect(r.err).toContain(DEMO_USAGE);
    expect(r.out).toEqual([]);
  });

  it('--help prints the usage and exits 0', async () => {
    expect(await demo(['--help'])).toEqual({ code: DEMO_EXIT.ok, out: [DEMO_USAGE], err: [] });
  });
});
