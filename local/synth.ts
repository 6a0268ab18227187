/**
 * Synthesizes the CDK app in process and extracts what the local runner needs: the state machine
 * definition (the same JSON that deploys) and, per Lambda function, its step and environment.
 */
import { buildApp, STACK_IDS } from '../infra/app-builder';
import { AppConfig, orchestratorAccount } from '../infra/config';
import { STEP_ENV, StepName } from '../statemachine/steps';
import { resolveIntrinsics, ResolveValues } from './cfn-resolve';

/** A function of the synthesized template. */
export interface SynthesizedFunction {
  readonly logicalId: string;
  readonly arn: string;
  readonly step: StepName;
  readonly environment: Record<string, string>;
}

/** What the runner uses from the synthesized app. */
export interface SynthesizedOnboarding {
  /** The ASL definition with every intrinsic resolved. */
  readonly definition: Record<string, unknown>;
  /** The definition exactly as in the template (`DefinitionString`), unresolved. */
  readonly rawDefinitionString: unknown;
  readonly stateMachineArn: string;
  readonly functionsByArn: ReadonlyMap<string, SynthesizedFunction>;
  readonly tableName: string;
  readonly template: Record<string, unknown>;
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** Synthesizes without bundling (bundling is irrelevant to the definition and slow). */
export function synthesizeOnboarding(config: AppConfig, opts: { tableName: string }): SynthesizedOnboarding {
  const { app } = buildApp(config, { context: { 'aws:cdk:bundling-stacks': [] } });
  const assembly = app.synth();
  const template = assembly.getStackArtifact(STACK_IDS.orchestrator).template as Record<string, unknown>;
  const resources = template.Resources as Record<string, Resource>;

  const account = orchestratorAccount(config);
  const region = config.homeRegion;
  const refs: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const getAtts: Record<string, string> = {};
  let stateMachineId = '';
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::Lambda::Function') {
      const arn = `arn:aws:lambda:${region}:${account}:function:${id}`;
      refs[id] = id;
      getAtts[`${id}.Arn`] = arn;
    } else if (r.Type === 'AWS::DynamoDB::Table') {
      refs[id] = opts.tableName;
      getAtts[`${id}.Arn`] = `arn:aws:dynamodb:${region}:${account}:table/${opts.tableName}`;
    } else if (r.Type === 'AWS::StepFunctions::StateMachine') {
      stateMachineId = id;
    }
  }
  if (!stateMachineId) throw new Error('The synthesized template has no state machine');
  const values: ResolveValues = { refs, getAtts };

  const functionsByArn = new Map<string, SynthesizedFunction>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const env = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const environment = resolveIntrinsics(env, values) as Record<string, string>;
    const step = environment[STEP_ENV] as StepName | undefined;
    if (!step) continue; // not a step function (e.g. a custom resource provider)
    functionsByArn.set(getAtts[`${id}.Arn`], { logicalId: id, arn: getAtts[`${id}.Arn`], step, environment });
  }

  const sm = resources[stateMachineId].Properties as Record<string, unknown>;
  const definition = JSON.parse(resolveIntrinsics(sm.DefinitionString, values) as string) as Record<string, unknown>;
  return {
    definition,
    rawDefinitionString: sm.DefinitionString,
    stateMachineArn: `arn:aws:states:${region}:${account}:stateMachine:${stateMachineId}`,
    functionsByArn,
    tableName: opts.tableName,
    template,
  };
}
