/** Operators see drift: an alarm on the runs that found an account not healthy, a dashboard widget, notifications naming the outcome. */
import { Match } from 'aws-cdk-lib/assertions';
import { SAMPLE, synth } from './helpers';

const t = () => synth(SAMPLE).templates.orchestrator!;

it('alarms into the notifications topic when a run leaves an account DRIFTED or REPAIRED (the metric RecordResult emits)', () => {
  const template = t();
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'CloudTrailOnboarding',
    MetricName: 'AccountsNotHealthy',
    Dimensions: [{ Name: 'service', Value: 'cloudtrail-onboarding' }],
    Statistic: 'Sum',
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    AlarmActions: [{ Ref: Match.stringLikeRegexp('^Notifications') }],
  });
});

it('the execution notification carries the execution output (health and drift of a reconcile run)', () => {
  const rules = Object.values(t().findResources('AWS::Events::Rule')) as { Properties: { Targets: { InputTransformer?: { InputTemplate: string; InputPathsMap: Record<string, string> } }[] } }[];
  const transformers = rules.flatMap((r) => r.Properties.Targets).flatMap((x) => (x.InputTransformer ? [x.InputTransformer] : []));
  const sns = transformers.find((x) => x.InputTemplate.includes('CloudTrail onboarding'));
  expect(Object.values(sns!.InputPathsMap)).toContain('$.detail.output');
});

it('the dashboard shows the accounts found not healthy', () => {
  const dashboards = Object.values(t().findResources('AWS::CloudWatch::Dashboard'));
  expect(JSON.stringify(dashboards)).toContain('AccountsNotHealthy');
});
