/**
 * The simulated CloudFormation deploy (local/sim/cloudformation.ts): the synthesized stacks go into
 * the world as CloudFormation would put them there, re-deploying an unchanged stack changes nothing,
 * and what CloudFormation (or KMS, IAM, S3 under it) would refuse fails the deploy before anything
 * is written.
 */
import * as path from 'node:path';
import { loadAppConfig } from '../../../infra/config';
import { STACK_IDS } from '../../../infra/app-builder';
import { deployOnboarding } from '../../../local/runner';
import { StackDeployError } from '../../../local/sim/cloudformation';
import { createDemoWorld, DEMO } from '../../../local/sim/demo-world';
import { synthesizeOnboarding, type SynthesizedOnboarding } from '../../../local/synth';

const CONFIG = path.join(__dirname, '../../../config');
let sample: SynthesizedOnboarding;
let createResources: SynthesizedOnboarding;
beforeAll(() => {
  sample = synthesizeOnboarding(loadAppConfig(path.join(CONFIG, 'onboarding.sample.json')), { tableName: 'status' });
  createResources = synthesizeOnboarding(loadAppConfig(path.join(CONFIG, 'onboarding.create-resources.sample.json')), { tableName: 'status' });
});

describe('deploying the synthesized stacks', () => {
  it('creates every role of the templates with their policies, in the account each stack targets', () => {
    const world = createDemoWorld();
    deployOnboarding(world, sample);
    const validate = world.iam.getRole(DEMO.managementAccountId, 'CloudTrailOnboarding-ValidateRequest');
    expect(validate).toBeDefined();
    const statements = world.iam.identityPoliciesOf(validate!).flatMap((p) => (p.policy as { Statement: { Sid?: string }[] }).Statement.map((s) => s.Sid));
    expect(statements).toEqual(expect.arrayContaining(['StatusTable', 'Organizations']));
    expect(world.iam.getRole(DEMO.logArchiveAccountId, 'OnboardingLogArchiveAccess')).toBeDefined();
    expect(world.iam.managedPolicy(`arn:aws:iam::${DEMO.logArchiveAccountId}:policy/CloudTrailOnboarding-ReaderBoundary`)).toBeDefined();
  });

  it('re-deploying the same templates changes nothing (same role ids, same documents)', () => {
    const world = createDemoWorld();
    deployOnboarding(world, sample);
    const before = JSON.stringify(world.iam.exportState());
    deployOnboarding(world, sample);
    expect(JSON.stringify(world.iam.exportState())).toBe(before);
  });

  it('a changed template updates the role in place, keeping its id', () => {
    const world = createDemoWorld();
    deployOnboarding(world, sample);
    const id = world.iam.getRole(DEMO.logArchiveAccountId, 'OnboardingLogArchiveAccess')!.roleId;
    const logArchive = sample.stacks.find((s) => s.stackName === STACK_IDS.logArchive)!;
    const template = JSON.parse(JSON.stringify(logArchive.template)) as { Resources: Record<string, { Type: string; Properties: any }> };
    const role = Object.values(template.Resources).find((r) => r.Properties?.RoleName === 'OnboardingLogArchiveAccess')!;
    role.Properties.Description = 'changed';
    world.deployStack({ stackName: logArchive.stackName, template: template as never, accountId: DEMO.logArchiveAccountId, region: DEMO.region });
    const after = world.iam.getRole(DEMO.logArchiveAccountId, 'OnboardingLogArchiveAccess')!;
    expect({ id: after.roleId, description: after.description }).toEqual({ id, description: 'changed' });
  });

  it('a role of the same name made outside the stack fails the deploy (AlreadyExists)', () => {
    const world = createDemoWorld();
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEMO.logArchiveAccountId}:root` }, Action: 'sts:AssumeRole' }] };
    world.iam.createRole(DEMO.logArchiveAccountId, { name: 'OnboardingLogArchiveAccess', trustPolicy: trust });
    expect(() => deployOnboarding(world, sample)).toThrow(/OnboardingLogArchiveAccess already exists/);
  });

  it('creates the bucket and the key a create-resources configuration names, with the alias the steps resolve', () => {
    const world = createDemoWorld({ existingLogArchive: false });
    deployOnboarding(world, createResources);
    const bucket = world.s3.getBucket(DEMO.bucketName);
    expect(bucket?.ownerAccountId).toBe(DEMO.logArchiveAccountId);
    // The template's default encryption: SSE-KMS with the created key, no S3 Bucket Key.
    expect(bucket?.encryption).toMatchObject({ sseAlgorithm: 'aws:kms', bucketKeyEnabled: false });
    const key = world.kms.list().find((k) => k.accountId === DEMO.logArchiveAccountId);
    expect(world.kms.exportState().aliases).toMatchObject({ [`arn:aws:kms:${DEMO.region}:${DEMO.logArchiveAccountId}:alias/cloudtrail-onboarding`]: key?.arn });
    expect(key?.accountId).toBe(DEMO.logArchiveAccountId);
    expect(JSON.parse(key!.policy).Statement).toEqual(
      expect.arrayContaining([expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${DEMO.logArchiveAccountId}:role/KeyAdministrators` } })]),
    );
  });

  it('issue 9 defect 1: a created key whose policy names a principal that does not exist fails (KMS CreateKey) and writes nothing', () => {
    const world = createDemoWorld({ existingLogArchive: false });
    world.iam.deleteRoleDirectly(DEMO.logArchiveAccountId, 'KeyAdministrators');
    const before = JSON.stringify(world.snapshot());
    const attempt = () => deployOnboarding(world, createResources);
    expect(attempt).toThrow(StackDeployError);
    expect(attempt).toThrow(/LogKey[0-9A-F]{8} \(AWS::KMS::Key\) CREATE_FAILED: MalformedPolicyDocumentException: .*invalid principals \(arn:aws:iam::222233334444:role\/KeyAdministrators\)/);
    // The LogArchive stack failed as a whole (the stacks before it in the app may stand).
    expect(world.s3.getBucket(DEMO.bucketName)).toBeUndefined();
    expect(world.iam.getRole(DEMO.logArchiveAccountId, 'OnboardingLogArchiveAccess')).toBeUndefined();
    expect(before).toContain('"buckets":{}');
  });
});
