/**
 * The organization of docs/DESIGN.md ("Accounts used by the simulation and the demo"), seeded:
 * member accounts with OrganizationAccountAccessRole, the log-archive bucket (with another team's
 * organization-trail statements and DenyInsecureTransport) and key, the log-archive access role,
 * and the orchestrator's Lambda role in the management account.
 */
import { denyInsecureTransport, ORGANIZATION_ACCESS_ROLE } from './seeds';
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
  /** The orchestrator Lambda's role and its session (what the step handlers run as). */
  orchestratorRoleArn: 'arn:aws:iam::111122223333:role/OnboardingStepRole',
  orchestratorPrincipalArn: 'arn:aws:sts::111122223333:assumed-role/OnboardingStepRole/lambda',
  logArchiveAccessRoleArn: 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess',
  /** Another team's organization trail, whose statements are foreign to the service. */
  organizationTrailArn: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail',
} as const;

/** Builds the demo organization. */
export function createDemoWorld(options: Omit<SimWorldOptions, 'organization' | 'partition'> = {}): SimWorld {
  const d = DEMO;
  const world = new SimWorld({
    ...options,
    partition: d.partition,
    organization: {
      id: d.organizationId,
      managementAccountId: d.managementAccountId,
      accounts: [
        { id: d.managementAccountId, name: 'management', state: 'ACTIVE' },
        { id: d.logArchiveAccountId, name: 'log-archive', state: 'ACTIVE' },
        ...d.memberAccountIds.map((id, i) => ({ id, name: `member-${i + 1}`, state: 'ACTIVE' as const })),
        { id: d.suspendedAccountId, name: 'suspended-member', state: 'SUSPENDED' },
      ],
    },
  });
  world.iam.createRole(d.managementAccountId, {
    name: 'OnboardingStepRole',
    trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    inlinePolicies: {
      AssumeOnboardingRoles: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [`arn:aws:iam::*:role/${ORGANIZATION_ACCESS_ROLE}`, d.logArchiveAccessRoleArn] }],
      },
    },
  });
  const bucketArn = `arn:aws:s3:::${d.bucketName}`;
  world.seedLogArchive({
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
