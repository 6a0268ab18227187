/**
 * The deployed state machine: the definition the local tests run, logging at level ALL with execution
 * data, X-Ray tracing, a fixed name, and the functions that start it knowing its ARN.
 */
import { CONFIG_ENV, parseRuntimeConfig } from '../../handlers/shared/config';
import { runtimeConfigOf } from '../../infra/config';
import { STATE_MACHINE_ARN_ENV, STATE_MACHINE_NAME } from '../../infra/names';
import { resolveIntrinsics } from '../../local/cfn-resolve';
import { synthesizeOnboarding } from '../../local/synth';
import { CREATE_SAMPLE, flatten, onlyResource, resourcesOf, SAMPLE, synth, Synthesized } from './helpers';

describe.each([
  ['existing bucket and key', SAMPLE],
  ['created bucket and key', CREATE_SAMPLE],
])('the state machine (%s)', (_name, file) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(file);
  });
  const stateMachine = () => onlyResource(s.templates.orchestrator!, 'AWS::StepFunctions::StateMachine')[1].Properties!;

  it('has the very DefinitionString the local runner executes', () => {
    const local = synthesizeOnboarding(s.config, { tableName: 'any' });
    expect(stateMachine().DefinitionString).toEqual(local.rawDefinitionString);
  });

  it('logs every event with execution data to its own log group, and traces with X-Ray', () => {
    const p = stateMachine();
    expect(p.LoggingConfiguration).toEqual({
      Level: 'ALL',
      IncludeExecutionData: true,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [expect.stringMatching(/^StateMachineLogs[0-9A-F]{8}$/), 'Arn'] } } }],
    });
    expect(p.TracingConfiguration).toEqual({ Enabled: true });
    expect(p.StateMachineType).toBe('STANDARD');
  });

  it('has a fixed name, whose ARN the API and the event starter are given with the runtime configuration', () => {
    expect(stateMachine().StateMachineName).toBe(STATE_MACHINE_NAME);
    const fns = resourcesOf(s.templates.orchestrator!, 'AWS::Lambda::Function');
    const starters = Object.entries(fns).filter(([id]) => /^(Api|StartFromEvent)[0-9A-F]{8}$/.test(id));
    expect(starters).toHaveLength(2);
    const account = s.built.orchestrator.account;
    for (const [, fn] of starters) {
      const env = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(flatten(env[STATE_MACHINE_ARN_ENV])).toBe(`arn:aws:states:${s.config.homeRegion}:${account}:stateMachine:${STATE_MACHINE_NAME}`);
      const runtime = resolveIntrinsics(env[CONFIG_ENV], { refs: { 'AWS::Partition': 'aws', StatusTable0F76785B: 'table' }, getAtts: {} }) as string;
      expect(parseRuntimeConfig(JSON.parse(runtime))).toEqual(parseRuntimeConfig(runtimeConfigOf(s.config, 'table')));
    }
  });

  it('gives every step function the validated runtime configuration and its step name', () => {
    const local = synthesizeOnboarding(s.config, { tableName: 'table' });
    // One per step: both trail steps exist in every mode (the TrailByMode choice runs one), and the offboarding's.
    expect(local.functionsByArn.size).toBe(11);
    for (const f of local.functionsByArn.values()) {
      expect(parseRuntimeConfig(JSON.parse(f.environment[CONFIG_ENV]))).toEqual(parseRuntimeConfig(runtimeConfigOf(s.config, 'table')));
    }
  });
});
