/**
 * @slow
 * CDK's built-in CloudFormation validation (every resource against its registry schema and AWS's
 * default rules), as `cdk synth` runs it (infra/app.ts: errors fail the synth). The other infra tests and
 * the local simulation synthesize without it (infra/app-builder.ts TEMPLATES_ONLY: it costs seconds and
 * never changes a template), so this file is where a template CloudFormation would reject is caught.
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { buildApp, CDK_SYNTH } from '../../infra/app-builder';
import { loadAppConfig } from '../../infra/config';
import { CREATE_SAMPLE, ORGANIZATION_SAMPLE, SAMPLE } from './helpers';

/** What `cdk synth` passes (infra/app.ts), without bundling (it does not change the templates). */
const AS_CDK_SYNTH = { ...CDK_SYNTH, context: { ...CDK_SYNTH.context, 'aws:cdk:bundling-stacks': [] } };

describe("CDK's built-in CloudFormation validation, as cdk synth runs it", () => {
  it.each([
    ['existing bucket and key', SAMPLE],
    ['created bucket and key', CREATE_SAMPLE],
    ['organization trail', ORGANIZATION_SAMPLE],
  ])('passes every template of the %s sample', (_, file) => {
    const { app } = buildApp(loadAppConfig(file), AS_CDK_SYNTH);
    expect(() => app.synth()).not.toThrow();
  });

  it('fails the synth of a resource CloudFormation would reject, naming the property', () => {
    const app = new App(AS_CDK_SYNTH);
    const stack = new Stack(app, 'Probe');
    const bucket = new s3.Bucket(stack, 'Bucket');
    // Not a property of AWS::S3::Bucket: CloudFormation refuses the template.
    (bucket.node.defaultChild as CfnResource).addPropertyOverride('NotAProperty', true);
    expect(() => app.synth()).toThrow(/NotAProperty/);
  });
});
