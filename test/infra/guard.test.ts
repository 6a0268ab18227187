/**
 * AWS Control Tower proactive controls (cfn-guard, infra/guard.ts) on both sample configurations: no
 * unsuppressed finding, each suppression in the template metadata of its resource and with a reason,
 * and the check itself reports a non-compliant resource (and a suppressed one once its metadata is gone).
 *
 * @slow (test/sequencer.js: first on a machine with no timings yet)
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { TEMPLATES_ONLY } from '../../infra/app-builder';
import { addControlTowerChecks, GUARD_METADATA, GUARD_RULES, guardFindings } from '../../infra/guard';
import { guardSuppressions } from '../../infra/nag';
import { CREATE_SAMPLE, SAMPLE, synth, Synthesized } from './helpers';

type Resource = { Type: string; Metadata?: Record<string, unknown>; Properties?: Record<string, unknown> };
type TemplateJson = { Resources: Record<string, Resource> };

/** Template files of a synthesized app (the assembly is already on disk: `synth()` is cached). */
function templatePaths(s: Synthesized): string[] {
  return s.built.app.synth().stacks.map((st) => st.templateFullPath);
}

function readTemplate(file: string): TemplateJson {
  return JSON.parse(readFileSync(file, 'utf8')) as TemplateJson;
}

/** What each configuration suppresses (rule -> number of resources): a new suppression must be deliberate. */
const EXPECTED_SUPPRESSIONS: Record<string, Record<string, number>> = {
  [SAMPLE]: {
    [GUARD_RULES.lambdaInsideVpc]: 15, // one per function: 11 steps, Api, StartFromEvent, ReconcileFleet, StartFromChange
    [GUARD_RULES.lambdaPermissionSource]: 5, // the API's five methods
  },
  [CREATE_SAMPLE]: {
    [GUARD_RULES.lambdaInsideVpc]: 15,
    [GUARD_RULES.lambdaPermissionSource]: 5,
    [GUARD_RULES.s3AccessLogging]: 1,
    [GUARD_RULES.s3KmsEncryption]: 1,
    [GUARD_RULES.s3ObjectLock]: 2,
    [GUARD_RULES.s3EventNotifications]: 2,
  },
};

describe.each([
  ['existing bucket and key (config/onboarding.sample.json)', SAMPLE],
  ['created bucket and key (config/onboarding.create-resources.sample.json)', CREATE_SAMPLE],
])('Control Tower proactive controls, %s', (_name, config) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(config);
  });

  it('leave no unsuppressed finding on any stack', () => {
    expect(guardFindings(templatePaths(s))).toEqual([]);
  });

  it('are suppressed only in the template metadata of the resource, each with its reason', () => {
    const suppressions = guardSuppressions(s.built.app);
    const counts: Record<string, number> = {};
    for (const sup of suppressions) counts[sup.rule] = (counts[sup.rule] ?? 0) + 1;
    expect(counts).toEqual(EXPECTED_SUPPRESSIONS[config]);

    const resources = Object.fromEntries(
      templatePaths(s).flatMap((file) => Object.entries(readTemplate(file).Resources).map(([id, r]) => [`${path.basename(file)}/${id}`, r])),
    );
    for (const sup of suppressions) {
      expect({ path: sup.path, reasonLength: sup.reason.trim().length > 80 }).toEqual({ path: sup.path, reasonLength: true });
      const inTemplate = resources[`${sup.template}/${sup.logicalId}`];
      expect(inTemplate.Metadata?.[GUARD_METADATA.key]).toEqual({ [GUARD_METADATA.suppressedRules]: expect.arrayContaining([sup.rule]) });
    }
  });
});

describe('the Control Tower check itself', () => {
  it('reports a non-compliant resource, and a suppressed one once its metadata is removed', () => {
    // A function as the orchestrator stack makes it (suppressed), the same function without its
    // suppression, and a log group without a KMS key.
    const orchestrator = readTemplate(templatePaths(synth(SAMPLE)).find((f) => f.endsWith('Orchestrator.template.json'))!);
    const [fnId, fn] = Object.entries(orchestrator.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[GUARD_METADATA.key])!;
    const { Metadata: _suppression, ...unsuppressed } = fn;
    const probe: TemplateJson = {
      Resources: {
        [fnId]: fn,
        UnsuppressedFunction: unsuppressed,
        UnencryptedLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 365 } },
      },
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'guard-probe-')), 'Probe.template.json');
    writeFileSync(file, JSON.stringify(probe));

    const found = guardFindings([file]).map((f) => `${f.control} ${f.rule} ${f.logicalId}`);
    expect(found.sort()).toEqual([
      'CT.CLOUDWATCH.PR.3 cloudwatch_log_group_encrypted_check UnencryptedLogGroup',
      'CT.LAMBDA.PR.3 lambda_inside_vpc_check UnsuppressedFunction',
    ]);
  });

  it('fails synth of an app that has the checks, naming the rule and the resource', () => {
    const app = new App(TEMPLATES_ONLY);
    addControlTowerChecks(app);
    new logs.LogGroup(new Stack(app, 'Probe'), 'UnencryptedLogs');
    expect(() => app.synth()).toThrow(/CT\.CLOUDWATCH\.PR\.3[\s\S]*Probe\/UnencryptedLogs/);
  });
});
