/**
 * The auditors of the auditor-access tests (`auditReaders`), the third party's account they come from,
 * and what a session may do with the logs: through the real SDK clients against the simulated world
 * (AssumeRole with or without the ExternalId, ListObjectsV2, GetObject -- which decrypts through S3 --,
 * KMS Decrypt called directly) and, for the S3 writes the simulation does not implement as operations
 * (PutObject, DeleteObject), through the world's own authorization of the deployed policies.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createClient } from '../../../handlers/shared/clients';
import { DEMO, type SimWorld } from '../../../local/sim';
import { parseCallerArn } from '../../../local/sim/identity';
import { parsePolicy } from '../../../local/sim/policy-doc';
import { assumeRole, outcome, type SessionCredentials } from './reader-access';

export const LA = DEMO.logArchiveAccountId;
export const BUCKET = DEMO.bucketName;
export const KEY = DEMO.keyArn;

/** The third party's own AWS account, outside the organization. */
export const THIRD_PARTY_ACCOUNT = '123412341234';
/** The third party's role that reads the logs (what the auditor's trust names). */
export const ANALYZER = `arn:aws:iam::${THIRD_PARTY_ACCOUNT}:role/LogAnalyzer`;
/** Another role of the third party's account, not in any trust. */
export const INTRUDER = `arn:aws:iam::${THIRD_PARTY_ACCOUNT}:role/Intruder`;
export const EXTERNAL_ID = 'example-corp:7f3a9c21';

export const auditorRoleArn = (name: string) => `arn:aws:iam::${LA}:role/CloudTrailOnboarding-Auditor-${name}`;
/** A session of `roleArn` (a role of the world) named `session`. */
export const sessionOf = (roleArn: string, session = 'audit') => roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + `/${session}`;

/**
 * The auditors: the third party (its role only, with the ExternalId) and the organization's own audit
 * team (`withinOrganization`: any principal of account `internalAccount` allowed by its IAM policies; the
 * third party's account is named too, to show that aws:PrincipalOrgID refuses it all the same).
 */
export function auditReadersConfig(internalAccount: string) {
  return [
    { name: 'ExampleCorp', trustedPrincipalArns: [ANALYZER], externalId: EXTERNAL_ID },
    { name: 'InternalAudit', trustedPrincipalArns: [`arn:aws:iam::${internalAccount}:root`, `arn:aws:iam::${THIRD_PARTY_ACCOUNT}:root`], withinOrganization: true },
  ];
}

/**
 * The third party's account and roles, before the stacks are deployed (IAM refuses a trust policy naming a
 * role that does not exist). LogAnalyzer may only assume auditor roles; Intruder may do anything.
 */
export function addThirdParty(world: SimWorld): void {
  world.addAccount(THIRD_PARTY_ACCOUNT);
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${THIRD_PARTY_ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] };
  world.iam.createRole(THIRD_PARTY_ACCOUNT, {
    name: 'LogAnalyzer',
    trustPolicy: trust,
    inlinePolicies: {
      AssumeAuditorRoles: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/CloudTrailOnboarding-Auditor-*` }] },
    },
  });
  world.iam.createRole(THIRD_PARTY_ACCOUNT, { name: 'Intruder', trustPolicy: trust, managedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
}

/** AssumeRole of an auditor role as `callerArn` (a session ARN), with `externalId` when given. */
export function auditorSession(world: SimWorld, callerArn: string, auditor: string, externalId?: string): Promise<SessionCredentials> {
  return assumeRole(world.credentialsFor(callerArn), { RoleArn: auditorRoleArn(auditor), RoleSessionName: 'audit', ...(externalId !== undefined ? { ExternalId: externalId } : {}) });
}

/** What a session does with the logs, each answering 'ok' or the error name. */
export function logsClient(world: SimWorld, credentials: SessionCredentials) {
  const s3 = createClient(S3Client, { region: DEMO.region, credentials });
  const kms = createClient(KMSClient, { region: DEMO.region, credentials });
  const sts = createClient(STSClient, { region: DEMO.region, credentials });
  return {
    /** ListObjectsV2 of a prefix (none: the whole bucket); the keys when allowed. */
    async list(prefix?: string): Promise<{ outcome: string; keys: string[] }> {
      let keys: string[] = [];
      const result = await outcome(async () => {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ...(prefix !== undefined ? { Prefix: prefix } : {}) }));
        keys = (out.Contents ?? []).map((o) => o.Key!);
      });
      return { outcome: result, keys };
    },
    /** GetObject (of an SSE-KMS object: S3 decrypts it with kms:ViaService s3.<region>.amazonaws.com). */
    get: (key: string) => outcome(() => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))),
    /** KMS Decrypt called directly (not through S3) on a ciphertext made under `context`. */
    decryptDirectly: (context: Readonly<Record<string, string>>) =>
      outcome(() => kms.send(new DecryptCommand({ CiphertextBlob: world.kms.ciphertextFor(KEY, { ...context }), EncryptionContext: { ...context } }))),
    /** PutBucketPolicy (a write the simulation implements). */
    putBucketPolicy: () => outcome(() => s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }))),
    /** The session's ARN (GetCallerIdentity). */
    arn: async () => (await sts.send(new GetCallerIdentityCommand({}))).Arn!,
    destroy: () => [s3, kms, sts].forEach((c) => c.destroy()),
  };
}

/**
 * Whether the world's IAM would allow `action` by the session `sessionArn` on the bucket (`objectKey`
 * absent) or one of its objects: the identity policies and boundary of its role with the bucket policy.
 * For the S3 operations the simulation has no handler for (PutObject, DeleteObject, ...).
 */
export async function bucketAllows(world: SimWorld, sessionArn: string, action: string, objectKey?: string): Promise<boolean> {
  const bucket = world.s3.getBucket(BUCKET)!;
  const policy = parsePolicy(bucket.policy);
  const arn = `${world.s3.bucketArn(BUCKET)}${objectKey !== undefined ? `/${objectKey}` : ''}`;
  return (await world.authorize(parseCallerArn(sessionArn), action, { arn, accountId: bucket.ownerAccountId, ...(policy ? { policy } : {}) })).allowed;
}

/** Whether the world's IAM would allow a KMS `action` on the central key by `sessionArn`, with `context` (e.g. kms:ViaService). */
export async function keyAllows(world: SimWorld, sessionArn: string, action: string, context: Record<string, string>): Promise<boolean> {
  const key = world.kms.resolve(KEY, LA, DEMO.region)!;
  return (await world.authorize(parseCallerArn(sessionArn), action, { arn: key.arn, accountId: key.accountId, policy: world.kms.effectivePolicy(key) }, context)).allowed;
}
