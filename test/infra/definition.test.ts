/**
 * The workflow definition as the CDK app synthesizes it: valid ASL, JSONPath only (so it runs
 * locally), every Task wired to the function of its own step, Retry and Catch built from the error
 * lists in handlers/shared/errors.ts.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadAppConfig } from '../../infra/config';
import { ALL_RETRYABLE_ERRORS, VALIDATION_ERRORS } from '../../handlers/shared/errors';
import { synthesizeOnboarding, SynthesizedOnboarding } from '../../local/synth';
import { LAMBDA_SERVICE_ERRORS } from '../../statemachine/retry-policy';
import { STEPS, STEP_NAMES } from '../../statemachine/steps';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };

type State = Record<string, unknown> & { Type: string };
type Definition = { StartAt: string; States: Record<string, State> };

function allStates(def: Definition): [string, State][] {
  const out: [string, State][] = [];
  for (const [name, s] of Object.entries(def.States)) {
    out.push([name, s]);
    if (s.Type === 'Parallel') for (const b of s.Branches as Definition[]) out.push(...allStates(b));
  }
  return out;
}

let synth: SynthesizedOnboarding;
let def: Definition;
beforeAll(() => {
  synth = synthesizeOnboarding(loadAppConfig(path.join(__dirname, '../../config/onboarding.sample.json')), { tableName: 't' });
  def = synth.definition as unknown as Definition;
});

describe('synthesized state machine definition', () => {
  it('is valid Amazon States Language', () => {
    const result = aslValidator(structuredClone(def));
    expect({ valid: result.isValid, errors: result.errorsText() }).toEqual({ valid: true, errors: '' });
  });

  it('uses JSONPath only (no JSONata, no Variables), so the local runner executes all of it', () => {
    const text = JSON.stringify(def);
    expect(text).not.toMatch(/"QueryLanguage"\s*:\s*"JSONata"/);
    expect(text).not.toMatch(/"Assign"|"Arguments"|"Output"/);
  });

  it('has exactly one Task per step, each invoking the function built for that step', () => {
    const tasks = allStates(def).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([n]) => n).sort()).toEqual([...STEP_NAMES].sort());
    for (const [name, s] of tasks) {
      const fnArn = (s.Parameters as { FunctionName: string }).FunctionName;
      expect(synth.functionsByArn.get(fnArn)?.step).toBe(name);
      expect(existsSync(path.join(__dirname, '../../handlers', STEPS[name as keyof typeof STEPS], 'index.ts'))).toBe(true);
    }
  });

  it('gives every Task a Retry with an explicit error list, never States.ALL', () => {
    for (const [name, s] of allStates(def).filter(([, st]) => st.Type === 'Task')) {
      const retry = s.Retry as { ErrorEquals: string[]; JitterStrategy?: string }[];
      expect({ name, retries: retry.length > 0 }).toEqual({ name, retries: true });
      for (const r of retry) {
        expect(r.ErrorEquals).not.toContain('States.ALL');
        expect(r.JitterStrategy).toBe('FULL');
      }
      expect(retry[0].ErrorEquals).toEqual([...LAMBDA_SERVICE_ERRORS]);
    }
  });

  it('retries every retryable error name in the steps that change AWS resources', () => {
    for (const [name, s] of allStates(def).filter(([n]) => n.startsWith('Ensure'))) {
      const retried = (s.Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
      expect({ name, missing: ALL_RETRYABLE_ERRORS.filter((e) => !retried.includes(e)) }).toEqual({ name, missing: [] });
    }
  });

  it('waits several minutes for a policy CloudTrail does not see yet (KMS: "in some cases several minutes")', () => {
    const retry = (def.States.Onboard as State & { Branches: Definition[] }).Branches[0].States.EnsureTrail.Retry as {
      ErrorEquals: string[];
      IntervalSeconds: number;
      BackoffRate: number;
      MaxAttempts: number;
      MaxDelaySeconds?: number;
      JitterStrategy: string;
    }[];
    const r = retry.find((x) => x.ErrorEquals.includes('TrailPolicyNotYetEffective'))!;
    // Full jitter: each wait is uniform in [0, cap], cap = min(MaxDelay, Interval x Backoff^n).
    const caps = Array.from({ length: r.MaxAttempts }, (_, n) => Math.min(r.MaxDelaySeconds ?? Infinity, r.IntervalSeconds * r.BackoffRate ** n));
    const max = caps.reduce((a, b) => a + b, 0);
    expect(r.JitterStrategy).toBe('FULL');
    expect(max / 2).toBeGreaterThanOrEqual(5 * 60); // the mean total wait
    expect(max).toBeLessThan(20 * 60); // and well inside the two-hour execution timeout
  });

  it('sends exactly the validation errors to the rejection path, which records nothing', () => {
    const validate = def.States.ValidateRequest;
    const catches = validate.Catch as { ErrorEquals: string[]; Next: string }[];
    expect(catches[0]).toMatchObject({ ErrorEquals: [...VALIDATION_ERRORS], Next: 'DescribeRejection' });
    expect(def.States.DescribeRejection.Next).toBe('Rejected');
    expect(def.States.Rejected.Type).toBe('Fail');
  });

  it('runs the switch role and the reader role in parallel with the policies, and the trail after both policies', () => {
    const onboard = def.States.Onboard as State & { Branches: Definition[] };
    const starts = onboard.Branches.map((b) => b.StartAt);
    expect(starts).toEqual(['SharedPolicies', 'EnsureSwitchRole', 'EnsureReaderRole', 'EnsureChangeRules']);
    const logDelivery = onboard.Branches[0];
    expect(logDelivery.States.SharedPolicies.Next).toBe('TrailByMode');
    // One definition for both modes: the trail step by the validated request's trailMode.
    expect(logDelivery.States.TrailByMode).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.trailMode', StringEquals: 'organization', Next: 'EnsureOrganizationTrail' }],
      Default: 'EnsureTrail',
    });
    expect(logDelivery.States.EnsureOrganizationTrail).toMatchObject({ ResultPath: '$.trail', End: true });
    expect(logDelivery.States.EnsureTrail).toMatchObject({ ResultPath: '$.trail', End: true });
    const policies = (logDelivery.States.SharedPolicies as State & { Branches: Definition[] }).Branches.map((b) => b.StartAt);
    expect(policies.sort()).toEqual(['EnsureBucketPolicy', 'EnsureKeyPolicy']);
  });

  it('catches every failure of the onboarding into RecordFailure, then fails with the recorded error and cause', () => {
    for (const name of ['ValidateRequest', 'Onboard', 'RecordResult']) {
      const catches = def.States[name].Catch as { ErrorEquals: string[]; Next: string }[];
      expect(catches.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'RecordFailure' });
    }
    expect(def.States.RecordFailure.Next).toBe('OnboardingFailed');
    expect(def.States.OnboardingFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error', CausePath: '$.cause' });
  });
});
