/**
 * The organization of docs/DESIGN.md ("Accounts used by the simulation and the demo"), as the
 * service finds it before anything of it is deployed: member accounts with
 * OrganizationAccountAccessRole (trusting the management account only, as Organizations creates
 * it), an `Administrator` role in the accounts people sign in to, and -- unless a configuration
 * creates them -- the existing log-archive bucket (with another team's organization-trail statements
 * and DenyInsecureTransport) and key with its administrators. Nothing of the onboarding service is
 * here: the local runner deploys the synthesized stacks into this world (local/runner.ts).
 */
import type { FeatureSet } from './accounts';
import { CLOUDTRAIL_SERVICE_PRINCIPAL } from './organizations';
import { denyInsecureTransport, seedAdministrator } from './seeds';
import { SimWorld, type SimWorldOptions } from './world';

/** Ids and names of the demo organization. */
export const DEMO = {
  partition: 'aws',
  region: 'eu-west-1',
  organizationId: 'o-a1b2c3d4e5',
  managementAccountId: '111122223333',
  logArchiveAccountId: '222233334444',
  /** Active members; the first is the fixture's new account. */
  memberAccountIds: ['444455556666', '555566667777', '666677778888', '777788889999', '888899990000'],
  suspendedAccountId: '999900001111',
  bucketName: 'org-cloudtrail-logs-222233334444',
  keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  keyArn: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  trailName: 'org-member-trail',
  logPrefix: 'cloudtrail',
  /** A dedicated security-tooling account (the orchestrator of config/onboarding.create-resources.sample.json). */
  securityToolingAccountId: '333344445555',
  /** An administrator of the management account at a terminal: the operator CLI's and the tests' own identity. */
  operatorPrincipalArn: 'arn:aws:sts::111122223333:assumed-role/Administrator/operator',
  /** The LogArchive stack's access role (exists once the app is deployed). */
  logArchiveAccessRoleArn: 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess',
  /** Another team's organization trail, whose statements are foreign to the service. */
  organizationTrailArn: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail',
} as const;

/** Options of {@link createDemoWorld}. */
export interface DemoWorldOptions extends Omit<SimWorldOptions, 'organization' | 'partition'> {
  /**
   * Seed the existing log-archive bucket and key (config/onboarding.sample.json uses them). Default
   * true; false for a configuration whose LogArchive stack creates them.
   */
  readonly existingLogArchive?: boolean;
  /** The organization's feature set. Default ALL; `CONSOLIDATED_BILLING` for an organization that never enabled all features. */
  readonly featureSet?: FeatureSet;
  /**
   * Service principals with trusted access. Default `['cloudtrail.amazonaws.com']` (the organization
   * trail another team runs needs it); `[]` for an organization without trusted access for CloudTrail.
   */
  readonly enabledServicePrincipals?: readonly string[];
}

/** Builds the demo organization. */
export function createDemoWorld(options: DemoWorldOptions = {}): SimWorld {
  const { existingLogArchive = true, featureSet = 'ALL', enabledServicePrincipals = [CLOUDTRAIL_SERVICE_PRINCIPAL], ...worldOptions } = options;
  const d = DEMO;
  const world = new SimWorld({
    ...worldOptions,
    partition: d.partition,
    organization: {
      id: d.organizationId,
      managementAccountId: d.managementAccountId,
      featureSet,
      enabledServicePrincipals: featureSet === 'ALL' ? enabledServicePrincipals : [],
      accounts: [
        { id: d.managementAccountId, name: 'management', state: 'ACTIVE' },
        { id: d.logArchiveAccountId, name: 'log-archive', state: 'ACTIVE' },
        { id: d.securityToolingAccountId, name: 'security-tooling', state: 'ACTIVE' },
        ...d.memberAccountIds.map((id, i) => ({ id, name: `member-${i + 1}`, state: 'ACTIVE' as const })),
        { id: d.suspendedAccountId, name: 'suspended-member', state: 'SUSPENDED' },
      ],
    },
  });
  for (const id of [d.managementAccountId, d.logArchiveAccountId, d.securityToolingAccountId]) seedAdministrator(world, id);
  // The administrators a created key's policy names must exist before the key (KMS CreateKey).
  if (!existingLogArchive) {
    world.iam.createRole(d.logArchiveAccountId, {
      name: 'KeyAdministrators',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${d.logArchiveAccountId}:root` }, Action: 'sts:AssumeRole' }] },
    });
  }
  const bucketArn = `arn:aws:s3:::${d.bucketName}`;
  if (existingLogArchive) world.seedLogArchive({
    accountId: d.logArchiveAccountId,
    region: d.region,
    bucketName: d.bucketName,
    keyId: d.keyId,
    foreignBucketStatements: [
      {
        Sid: 'AWSCloudTrailAclCheckOrgTrail',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:GetBucketAcl',
        Resource: bucketArn,
        Condition: { StringEquals: { 'aws:SourceArn': d.organizationTrailArn } },
      },
      {
        Sid: 'AWSCloudTrailWriteOrgTrail',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `${bucketArn}/AWSLogs/${d.organizationId}/*`,
        Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': d.organizationTrailArn } },
      },
      denyInsecureTransport(bucketArn),
    ],
  });
  for (const id of [...d.memberAccountIds, d.suspendedAccountId]) world.seedMember(id);
  return world;
}
