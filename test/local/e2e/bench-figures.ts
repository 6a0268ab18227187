/**
 * The benchmark's per-onboarding figures (scripts/bench-onboarding.ts), measured as `npm run bench`
 * measures them, in both trail modes: every call a step makes is timed (the bench refuses figures
 * otherwise: a timer that misses calls undercounts the critical path), a re-run writes nothing, and
 * the critical path stays within the figures README "Figures" gives (issue 15), so a change that
 * lengthens it fails here rather than in the next benchmark run. One file per mode
 * (bench-figures-<mode>.test.ts): the handlers read their configuration once per module registry, as
 * `npm run bench` measures each mode in a process of its own.
 */
import { measureOnboarding, type OnboardingFigures, type TrailMode } from '../../../scripts/bench-onboarding';

/** The sequential round trips on the critical path README "Figures" gives: fresh, second account, re-run. */
const README_ROUND_TRIPS: Record<TrailMode, { fresh: number; secondAccount: number; rerun: number }> = {
  account: { fresh: 17, secondAccount: 16, rerun: 13 },
  organization: { fresh: 16, secondAccount: 15, rerun: 13 },
};

/** The tests of one mode's figures. */
export function describeBenchFigures(mode: TrailMode): void {
  describe(`the per-onboarding figures, ${mode} mode`, () => {
    let f: OnboardingFigures;
    beforeAll(async () => {
      f = await measureOnboarding(mode);
    });

    it('time every call of every step, and the re-run writes nothing', () => {
      for (const run of [f.fresh, f.secondAccount, f.rerun]) {
        expect(run.sequentialRoundTripsOnCriticalPath).toBeGreaterThan(0);
        expect(run.sequentialRoundTripsOnCriticalPath).toBeLessThanOrEqual(run.callsOnCriticalPath);
      }
      expect({ writes: f.rerun.writeCalls, awsWrites: f.rerun.awsWrites }).toEqual({ writes: 0, awsWrites: [] });
    });

    it('keep the critical path within the README figures', () => {
      const measured = { fresh: f.fresh, secondAccount: f.secondAccount, rerun: f.rerun };
      for (const [run, limit] of Object.entries(README_ROUND_TRIPS[mode])) {
        expect({ run, roundTrips: measured[run as keyof typeof measured].sequentialRoundTripsOnCriticalPath <= limit }).toEqual({ run, roundTrips: true });
      }
    });
  });
}
