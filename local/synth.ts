/**
 * Synthesizes the CDK app in process and extracts what the local runner needs: the templates of
 * every stack with the account and region each deploys to (the simulated CloudFormation puts their
 * roles, policies, bucket and key into the world), the state machine definition (the same JSON that
 * deploys) and, per Lambda function, its step, environment and execution role.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { STACK_IDS } from '../infra/names';
import { AppConfig, orchestratorAccount } from '../infra/config';
import { STEP_ENV, StepName } from '../statemachine/steps';
import { resolveIntrinsics } from './cfn-resolve';
import { stackValues } from './sim/cloudformation';

/** A function of the synthesized orchestrator template. */
export interface SynthesizedFunction {
  readonly logicalId: string;
  readonly arn: string;
  /** The step it runs (step functions only). */
  readonly step?: StepName;
  readonly environment: Record<string, string>;
  /** ARN of its execution role. */
  readonly roleArn: string;
  /** The session its code runs as: `arn:<p>:sts::<acct>:assumed-role/<role>/<function>`. */
  readonly principalArn: string;
}

/** A step function of the template. */
export type SynthesizedStepFunction = SynthesizedFunction & { readonly step: StepName };

/** A stack template and where it deploys. */
export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: Record<string, unknown>;
  /** Target account; undefined for an environment-agnostic stack (a StackSet's template). */
  readonly accountId?: string;
  readonly region?: string;
}

/** What the runner uses from the synthesized app. */
export interface SynthesizedOnboarding {
  /** The ASL definition with every intrinsic resolved. */
  readonly definition: Record<string, unknown>;
  /** The definition exactly as in the template (`DefinitionString`), unresolved. */
  readonly rawDefinitionString: unknown;
  readonly stateMachineArn: string;
  /** The step functions by ARN. */
  readonly functionsByArn: ReadonlyMap<string, SynthesizedStepFunction>;
  /** Every function of the orchestrator (the API and event functions too) by logical id. */
  readonly functions: ReadonlyMap<string, SynthesizedFunction>;
  readonly tableName: string;
  /** The orchestrator stack's template. */
  readonly template: Record<string, unknown>;
  /** Every stack of the app. */
  readonly stacks: readonly SynthesizedStack[];
}

/** Options of {@link synthesizeOnboarding}. */
export interface SynthesizeOptions {
  /** Name of the status table (the local runner's; the template's is generated). */
  readonly tableName: string;
  /**
   * Changes the synthesized templates (by stack name) before anything is read from them: a test
   * removes a statement from a role and sees the local run fail as AWS would.
   */
  readonly transform?: (templates: Record<string, Record<string, unknown>>) => void;
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

const ROOT = path.join(__dirname, '..');

/**
 * Where synthesized apps are kept between processes: the CDK app takes seconds to synthesize, and every
 * test file, the demo and every `onboard --local` command start from the same few configurations.
 * `ONBOARDING_SYNTH_CACHE=off` turns it off.
 */
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'cloudtrail-onboarding', 'synth');

/** The sources a synthesis depends on: the app (infra), the definition, the handlers' modules it imports, the locked dependencies. */
const SOURCE_DIRS = ['infra', 'statemachine', 'handlers'];

let sourcesHash: string | undefined;

/** A hash of every source file the app is built from (computed once per process: sources do not change under it). */
function hashOfSources(): string {
  if (sourcesHash) return sourcesHash;
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/\.(ts|json)$/.test(name)) hash.update(`${path.relative(ROOT, file)}\0`).update(readFileSync(file)).update('\0');
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(ROOT, dir));
  hash.update(readFileSync(path.join(ROOT, 'package-lock.json')));
  sourcesHash = hash.digest('hex');
  return sourcesHash;
}

/**
 * Synthesizes the app's stacks (no bundling, no built-in validation: neither changes a template, both are
 * slow; `cdk synth` runs them). The CDK is
 * loaded here, on a cache miss only: loading aws-cdk-lib and the app takes about a second, which a
 * cache hit (every `onboard --local` command, most test files) does not need.
 */
function synthesizeStacks(config: AppConfig): SynthesizedStack[] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Token } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { buildApp, TEMPLATES_ONLY } = require('../infra/app-builder') as typeof import('../infra/app-builder');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const { app, stacks: appStacks } = buildApp(config, TEMPLATES_ONLY);
  const assembly = app.synth();
  return appStacks.map((s) => ({
    stackName: s.stackName,
    template: JSON.parse(JSON.stringify(assembly.getStackArtifact(s.artifactId).template)) as Record<string, unknown>,
    ...(Token.isUnresolved(s.account) ? {} : { accountId: s.account, region: s.region }),
  }));
}

/**
 * The app's stacks for `config`: read from the cache when the same configuration was synthesized from
 * the same sources before, else synthesized and kept (written whole, then renamed: a concurrent reader
 * never sees half a file). A fresh copy each time: callers may change the templates.
 */
export function synthesizedStacks(config: AppConfig): SynthesizedStack[] {
  if (process.env.ONBOARDING_SYNTH_CACHE === 'off') return synthesizeStacks(config);
  const key = createHash('sha256').update(hashOfSources()).update(JSON.stringify(config)).digest('hex').slice(0, 32);
  const file = path.join(CACHE_DIR, `${key}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SynthesizedStack[];
  } catch {
    // Not there yet (or unreadable): synthesize.
  }
  const stacks = synthesizeStacks(config);
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify(stacks));
    renameSync(tmp, file);
  } catch {
    // A read-only checkout: every run synthesizes.
  }
  return stacks;
}

/**
 * Whether this exact definition passed the ASL validation of the local runner before (aws-local-stepfunctions
 * validates a definition against its schema when a StateMachine is constructed: a schema compile of about
 * half a second per process). Validity is a function of the definition's text and the runner's version
 * only, so a definition validated once need not be again; `markDefinitionValid` records it. Through the
 * same cache as the stacks (off with `ONBOARDING_SYNTH_CACHE=off`).
 */
export function definitionKnownValid(definition: unknown): boolean {
  if (process.env.ONBOARDING_SYNTH_CACHE === 'off') return false;
  try {
    statSync(validMarker(definition));
    return true;
  } catch {
    return false;
  }
}

/** Records that `definition` passed validation (see {@link definitionKnownValid}). */
export function markDefinitionValid(definition: unknown): void {
  if (process.env.ONBOARDING_SYNTH_CACHE === 'off') return;
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(validMarker(definition), '');
  } catch {
    // A read-only checkout: every run validates.
  }
}

function validMarker(definition: unknown): string {
  const runner = (JSON.parse(readFileSync(require.resolve('aws-local-stepfunctions/package.json'), 'utf8')) as { version: string }).version;
  const key = createHash('sha256').update(`aws-local-stepfunctions@${runner}\0`).update(JSON.stringify(definition)).digest('hex').slice(0, 32);
  return path.join(CACHE_DIR, `valid-asl-${key}`);
}

/** Synthesizes without bundling (bundling is irrelevant to the definition and slow), through the cache. */
export function synthesizeOnboarding(config: AppConfig, opts: SynthesizeOptions): SynthesizedOnboarding {
  const stacks = synthesizedStacks(config);
  opts.transform?.(Object.fromEntries(stacks.map((s) => [s.stackName, s.template])));
  const orchestrator = stacks.find((s) => s.stackName === STACK_IDS.orchestrator);
  if (!orchestrator) throw new Error('The app has no orchestrator stack');
  const template = orchestrator.template;
  const resources = template.Resources as Record<string, Resource>;

  const account = orchestratorAccount(config);
  const region = config.homeRegion;
  const tableIds = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table').map(([id]) => id);
  const values = stackValues({
    stackName: STACK_IDS.orchestrator,
    template: template as never,
    accountId: account,
    region,
    physicalNames: Object.fromEntries(tableIds.map((id) => [id, opts.tableName])),
  });
  const stateMachineId = Object.entries(resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')?.[0];
  if (!stateMachineId) throw new Error('The synthesized template has no state machine');

  const functions = new Map<string, SynthesizedFunction>();
  const functionsByArn = new Map<string, SynthesizedStepFunction>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const env = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const environment = resolveIntrinsics(env, values) as Record<string, string>;
    const roleArn = String(resolveIntrinsics(r.Properties?.Role, values));
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const arn = values.getAtts[`${id}.Arn`];
    const step = environment[STEP_ENV] as StepName | undefined;
    const fn: SynthesizedFunction = {
      logicalId: id,
      arn,
      ...(step ? { step } : {}),
      environment,
      roleArn,
      principalArn: `arn:aws:sts::${account}:assumed-role/${roleName}/${values.refs[id]}`,
    };
    functions.set(id, fn);
    if (step) functionsByArn.set(arn, { ...fn, step });
  }

  const sm = resources[stateMachineId].Properties as Record<string, unknown>;
  const definition = JSON.parse(resolveIntrinsics(sm.DefinitionString, values) as string) as Record<string, unknown>;
  return {
    definition,
    rawDefinitionString: sm.DefinitionString,
    stateMachineArn: values.refs[stateMachineId],
    functionsByArn,
    functions,
    tableName: opts.tableName,
    template,
    stacks,
  };
}
