/**
 * What a failed first deploy leaves behind. CloudFormation keeps a `Retain` resource even when the
 * operation that created it rolls back, so a failed first create of the LogArchive stack used to keep the
 * fixed-name buckets and fail every retry on "bucket already exists". `RetainExceptOnCreate` keeps what
 * the stack holds when it is deleted or a resource is replaced, and deletes what a rolled-back create made.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
 *
 * And the CDK CLI deletes a stack whose first create failed (ROLLBACK_COMPLETE) before creating it
 * again, without lifting termination protection: with it on, CloudFormation refuses the delete.
 */
import { CREATE_SAMPLE, resourcesOf, SAMPLE, synth, Synthesized } from './helpers';

type Resource = { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties?: Record<string, unknown> };

const KEPT_EXCEPT_ON_CREATE = { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' };

function resources(s: Synthesized, stack: 'logArchive' | 'orchestrator'): Record<string, Resource> {
  return s.templates[stack]!.toJSON().Resources as Record<string, Resource>;
}

describe.each([
  ['existing bucket and key (config/onboarding.sample.json)', SAMPLE],
  ['created bucket and key (config/onboarding.create-resources.sample.json)', CREATE_SAMPLE],
])('the LogArchive stack, %s', (_name, config) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(config);
  });

  it('retains nothing that a rolled-back create made (no plain Retain deletion policy)', () => {
    const retained = Object.entries(resources(s, 'logArchive'))
      .filter(([, r]) => r.DeletionPolicy === 'Retain')
      .map(([id, r]) => `${id} (${r.Type})`);
    expect(retained).toEqual([]);
  });

  it('has no termination protection, so `cdk deploy` can delete a stack whose first create failed and create it again', () => {
    expect(s.built.logArchive.terminationProtection).toBe(false);
    expect(s.built.stacks.filter((st) => st.terminationProtection).map((st) => st.stackName)).toEqual([]);
  });
});

describe('with bucket and key created', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(CREATE_SAMPLE);
  });

  it('keeps both buckets, both bucket policies and the key when the stack is deleted, and deletes them when their create rolls back', () => {
    const t = s.templates.logArchive!;
    const kept = [
      ...Object.entries(resourcesOf(t, 'AWS::S3::Bucket')),
      ...Object.entries(resourcesOf(t, 'AWS::S3::BucketPolicy')),
      ...Object.entries(resourcesOf(t, 'AWS::KMS::Key')),
    ] as [string, Resource][];
    expect(kept.map(([, r]) => r.Type).sort()).toEqual(['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'AWS::S3::BucketPolicy']);
    for (const [id, r] of kept) {
      expect({ id, DeletionPolicy: r.DeletionPolicy, UpdateReplacePolicy: r.UpdateReplacePolicy }).toEqual({ id, ...KEPT_EXCEPT_ON_CREATE });
    }
  });
});

describe('the orchestrator stack', () => {
  it('keeps the status table when the stack is deleted, and deletes it when its create rolls back', () => {
    const tables = Object.entries(resources(synth(SAMPLE), 'orchestrator')).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    expect(tables[0][1]).toMatchObject(KEPT_EXCEPT_ON_CREATE);
  });
});
