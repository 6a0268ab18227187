/**
 * The auditor roles of the LogArchive stack (`auditReaders`; seed 004's second scenario: a third party,
 * such as an auditor, a SIEM or a security vendor, reads the log files of every account through one
 * role in the bucket's account). Their names and documents are pure functions of the configuration, so
 * the stack, the configuration's checks and the tests build the very same documents.
 *
 * What a role allows, and why nothing in it names an account (so it needs no change when accounts join
 * or leave, and is the same in both trail modes):
 * - `s3:ListBucket` on the bucket only with `s3:prefix` under `[prefix/]AWSLogs/`, and `s3:GetObject` on
 *   `[prefix/]AWSLogs/*`. Both trail modes write there: per-account trails under `AWSLogs/<account>/`,
 *   the organization trail under `AWSLogs/<org-id>/<account>/`
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html).
 * - `kms:Decrypt` on the central key only when S3 asks for it inside a GetObject it authorized
 *   (`kms:ViaService` = `s3.<bucket region>.amazonaws.com`), and only for a data key CloudTrail made for
 *   a log file under that prefix: CloudTrail's encryption context holds the trail's ARN
 *   (`aws:cloudtrail:arn`) and the bucket and path of the file (`aws:s3:arn`)
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-kms-works-with-cloudtrail.html).
 *   The trail ARN is matched as `arn:<p>:cloudtrail:*:*:trail/*`, any trail: the members' per-account
 *   trails (accounts unknown at synth time) and the organization trail of the management account both
 *   match, so files written before a migration to the organization trail stay readable; what narrows
 *   the decrypt is the file's path (`aws:s3:arn`), bound to the data key. An object S3 itself encrypted
 *   with the key (no CloudTrail context), even under the prefix, cannot be decrypted, nor can a
 *   ciphertext taken out of the bucket (KMS called directly, not through S3).
 *   https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 * - Nothing else: no write, no delete, no other bucket or key action. The reader roles' permissions
 *   boundary caps it as it caps every reader role.
 *
 * Trust: exactly the configured principals, `sts:AssumeRole` only. With `externalId`, `sts:ExternalId`
 * must equal it: the confused-deputy guard AWS recommends for a third party, which serves many customers
 * from one identity (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html). With
 * `withinOrganization`, `aws:PrincipalOrgID` must be the organization, so a principal outside it is
 * refused even when named. No `sts:SetSourceIdentity` or `sts:TagSession`: nothing here reads a source
 * identity or a session tag, and the trust allows only what the auditor needs.
 */
import { bucketArn } from '../handlers/domain/arns';
import { CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY } from '../handlers/domain/key-policy';
import { POLICY_VERSION, type PolicyCondition, type PolicyDocument } from '../handlers/domain/policy-document';
import { S3_ENCRYPTION_CONTEXT_KEY, s3ViaService, type SharedReaderKey } from '../handlers/domain/roles';
import { AUDIT_READER_ROLE_NAME_PREFIX } from './names';

/** IAM role names have at most 64 characters (reference_iam-quotas.html), prefix included. */
export const AUDIT_READER_NAME_MAX_LENGTH = 64 - AUDIT_READER_ROLE_NAME_PREFIX.length;

/** Name of the auditor role's only inline policy. */
export const AUDIT_READER_POLICY_NAME = 'ReadEveryAccountsCloudTrailLogs';

/** Session length of an auditor role, seconds (the IAM default, as for the reader roles). */
export const AUDIT_READER_MAX_SESSION_SECONDS = 3600;

/** One configured auditor (`auditReaders[]`). */
export interface AuditReader {
  readonly name: string;
  readonly trustedPrincipalArns: readonly string[];
  readonly externalId?: string;
  readonly withinOrganization: boolean;
}

/** Where the logs are and what they are encrypted with. */
export interface AuditReaderScope {
  readonly partition: string;
  readonly bucketName: string;
  readonly logPrefix?: string;
  /** Region of the central bucket (`kms:ViaService` = `s3.<region>.amazonaws.com`). */
  readonly bucketRegion: string;
  /** The central key: by key ARN, or (an existing key configured by alias) the account's keys narrowed by alias. */
  readonly key: SharedReaderKey;
}

/** `CloudTrailOnboarding-Auditor-<name>`. */
export function auditReaderRoleName(name: string): string {
  return `${AUDIT_READER_ROLE_NAME_PREFIX}${name}`;
}

/** `[prefix/]AWSLogs/`: where every trail of both modes writes. */
export function auditedLogsPrefix(logPrefix: string | undefined): string {
  return `${logPrefix ? `${logPrefix}/` : ''}AWSLogs/`;
}

/** `arn:<p>:s3:::<bucket>/[prefix/]AWSLogs/*`: every account's log files, in both trail modes. */
export function auditedLogObjectsArn(partition: string, bucketName: string, logPrefix: string | undefined): string {
  return `${bucketArn(partition, bucketName)}/${auditedLogsPrefix(logPrefix)}*`;
}

/** Any CloudTrail trail, in any account and region (see the file comment for why not narrower). */
export function anyTrailPattern(partition: string): string {
  return `arn:${partition}:cloudtrail:*:*:trail/*`;
}

/**
 * The trust policy of an auditor's role: the configured principals, with the ExternalId and the
 * organization condition when configured (all conditions ANDed).
 * @throws Error when `withinOrganization` is set without an organization (the configuration refuses it first).
 */
export function auditReaderTrustPolicy(reader: AuditReader, organizationId: string | undefined): PolicyDocument {
  if (reader.withinOrganization && !organizationId) throw new Error(`auditor ${reader.name}: withinOrganization needs organizationId`);
  const equals: Record<string, string> = {
    ...(reader.externalId !== undefined ? { 'sts:ExternalId': reader.externalId } : {}),
    ...(reader.withinOrganization && organizationId ? { 'aws:PrincipalOrgID': organizationId } : {}),
  };
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: 'AuditorReadsLogs',
        Effect: 'Allow',
        Principal: { AWS: [...new Set(reader.trustedPrincipalArns)].sort() },
        Action: 'sts:AssumeRole',
        ...(Object.keys(equals).length ? { Condition: { StringEquals: equals } } : {}),
      },
    ],
  };
}

/** The auditor's permissions: list, read and decrypt every account's log files, nothing else. */
export function auditReaderPolicy(scope: AuditReaderScope): PolicyDocument {
  const bucket = bucketArn(scope.partition, scope.bucketName);
  const logs = auditedLogsPrefix(scope.logPrefix);
  const objects = auditedLogObjectsArn(scope.partition, scope.bucketName, scope.logPrefix);
  const decrypt: PolicyCondition = {
    StringEquals: { 'kms:ViaService': s3ViaService(scope.bucketRegion) },
    StringLike: { [CLOUDTRAIL_ENCRYPTION_CONTEXT_KEY]: anyTrailPattern(scope.partition), [S3_ENCRYPTION_CONTEXT_KEY]: objects },
    ...('alias' in scope.key ? { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [scope.key.alias] } } : {}),
  };
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: 'ListLogFiles', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket, Condition: { StringLike: { 's3:prefix': `${logs}*` } } },
      { Sid: 'ReadLogFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: objects },
      {
        Sid: 'DecryptLogFilesThroughS3',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: 'arn' in scope.key ? scope.key.arn : scope.key.accountKeysArn,
        Condition: decrypt,
      },
    ],
  };
}

/** Description of an auditor's role (IAM: at most 1,000 characters). */
export function auditReaderDescription(name: string): string {
  return `Lets the auditor ${name} list, read and decrypt the CloudTrail log files of every account in the central bucket, nothing else. Deployed by the LogArchive stack.`;
}
