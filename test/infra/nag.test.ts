/**
 * cdk-nag (AWS Solutions) on every stack: no unacknowledged finding in any configuration the app
 * supports, and every acknowledgement names one finding and says why.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { TEMPLATES_ONLY } from '../../infra/app-builder';
import { nagAcknowledgements, nagFindings } from '../../infra/nag';
import { CREATE_SAMPLE, createSampleRaw, ORGANIZATION_SAMPLE, SAMPLE, sampleRaw, synth } from './helpers';

const variants: [string, () => string | Record<string, unknown>][] = [
  ['existing bucket and key (config/onboarding.sample.json)', () => SAMPLE],
  ['created bucket and key (config/onboarding.create-resources.sample.json)', () => CREATE_SAMPLE],
  ['existing key known by alias, Organizations read through a role', () => ({
    ...sampleRaw(),
    organizationsRoleArn: 'arn:aws:iam::111122223333:role/OrganizationsReadOnly',
    logKey: { create: false, arn: 'arn:aws:kms:eu-west-1:222233334444:alias/org-trails' },
  })],
  ['created bucket with an existing key', () => ({ ...sampleRaw(), logBucket: { create: true, name: 'org-trails-222233334444' } })],
  ['shared reader role, existing key known by alias', () => ({
    ...sampleRaw(),
    logKey: { create: false, arn: 'arn:aws:kms:eu-west-1:222233334444:alias/org-trails' },
    readerAccess: { mode: 'shared', removePerAccountRoles: true },
  })],
  ['shared reader role, created bucket and key', () => ({ ...createSampleRaw(), readerAccess: { mode: 'shared' } })],
  ['trailMode organization (config/onboarding.organization-trail.sample.json)', () => ORGANIZATION_SAMPLE],
  ['trailMode organization with an existing (Control Tower) trail', () => ({
    ...sampleRaw(),
    trailMode: 'organization',
    organizationTrail: { arn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/aws-controltower-BaselineCloudTrail' },
  })],
  ['without Organizations', () => {
    const raw = createSampleRaw();
    delete raw.organizationId;
    delete raw.organizationsRoleArn;
    return raw;
  }],
];

describe.each(variants)('cdk-nag AwsSolutions, %s', (_name, config) => {
  const s = () => synth(config());

  it('has zero unacknowledged findings on every stack', () => {
    const { built } = s();
    expect(built.stacks.length).toBeGreaterThanOrEqual(2);
    expect(nagFindings(built.stacks)).toEqual([]);
  });

  it('acknowledges only named findings, each with its reason', () => {
    const acks = nagAcknowledgements(s().built.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.id).toMatch(/^AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      // A whole-rule acknowledgement of IAM5 would hide any future wildcard: each one names its finding.
      if (a.id.startsWith('AwsSolutions-IAM5')) expect(a.id).toMatch(/^AwsSolutions-IAM5\[(Resource|Action)::.+\]$/);
      expect({ id: a.id, reasonLength: a.reason.trim().length > 40 }).toEqual({ id: a.id, reasonLength: true });
    }
  });
});

describe('the cdk-nag check itself', () => {
  it('reports a finding that is not acknowledged', () => {
    const app = new App(TEMPLATES_ONLY);
    const stack = new Stack(app, 'Probe');
    new sqs.Queue(stack, 'Queue');
    const rules = nagFindings([stack]).map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});
