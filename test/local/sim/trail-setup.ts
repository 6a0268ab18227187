/**
 * A member account's trail delivering into the demo log archive, set up through the SDK as the
 * people would: the log-archive Administrator writes the bucket and key statements of docs/DESIGN.md
 * (the onboarding service's owned statements), the member's OrganizationAccountAccessRole session
 * creates the trail and starts logging.
 */
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand, type CreateTrailCommandInput } from '@aws-sdk/client-cloudtrail';
import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { DEMO, session, type TestWorld } from './helpers';

export const bucketArn = `arn:aws:s3:::${DEMO.bucketName}`;
/** The log-archive account's administrator (as its people sign in). */
export const asLogArchiveAdmin = session(DEMO.logArchiveAccountId, 'Administrator');
/** A member account's administrator, through the role Organizations created. */
export const asMemberAdmin = (accountId: string) => session(accountId, 'OrganizationAccountAccessRole');
export const trailArnOf = (accountId: string, region: string = DEMO.region) => `arn:aws:cloudtrail:${region}:${accountId}:trail/${DEMO.trailName}`;
const trailPattern = `arn:aws:cloudtrail:${DEMO.region}:*:trail/${DEMO.trailName}`;

/** The service's Delivery statement for `accounts` (docs/DESIGN.md). */
export const deliveryStatement = (accounts: string[]) => ({
  Sid: 'CloudTrailOnboardingDelivery',
  Effect: 'Allow',
  Principal: { Service: 'cloudtrail.amazonaws.com' },
  Action: ['s3:GetBucketAcl', 's3:PutObject'],
  Resource: [bucketArn, `${bucketArn}/${DEMO.logPrefix}/AWSLogs/\${aws:SourceAccount}/*`],
  Condition: { StringEquals: { 'aws:SourceAccount': accounts }, ArnLike: { 'aws:SourceArn': trailPattern } },
});

/** The service's Encrypt and Describe key statements for `accounts` (docs/DESIGN.md). */
export const keyStatements = (accounts: string[]) => [
  {
    Sid: 'CloudTrailOnboardingEncrypt',
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 'kms:GenerateDataKey*',
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:SourceAccount': accounts },
      ArnLike: { 'aws:SourceArn': trailPattern },
      StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/*' },
    },
  },
  {
    Sid: 'CloudTrailOnboardingDescribe',
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 'kms:DescribeKey',
    Resource: '*',
    Condition: { ArnLike: { 'aws:SourceArn': trailPattern } },
  },
];

type Doc = { Version?: string; Statement: { Sid?: string }[] };
/** A policy statement with its Sid. */
type Statement = { Sid: string; [key: string]: unknown };

/** Replaces the statements with these Sids (appends the new ones); `remove`: Sids to drop. */
function upsert(doc: Doc, statements: Statement[], remove: string[] = []): string {
  const out: Doc = { ...doc, Version: '2012-10-17', Statement: doc.Statement.filter((s) => !remove.includes(s.Sid ?? '')) };
  for (const st of statements) {
    const i = out.Statement.findIndex((x) => x.Sid === st.Sid);
    if (i >= 0) out.Statement[i] = st;
    else out.Statement.push(st);
  }
  return JSON.stringify(out);
}

/** The log archive as its administrator sees it. */
export function logArchive(t: TestWorld) {
  const s3 = t.client(S3Client, asLogArchiveAdmin);
  const kms = t.client(KMSClient, asLogArchiveAdmin);
  return {
    s3,
    kms,
    async bucketPolicy(statements: Statement[], remove: string[] = []): Promise<void> {
      const doc = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: DEMO.bucketName }))).Policy ?? '{"Statement":[]}') as Doc;
      await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucketName, Policy: upsert(doc, statements, remove) }));
    },
    async keyPolicy(statements: Statement[], remove: string[] = []): Promise<void> {
      const doc = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: DEMO.keyArn }))).Policy ?? '{"Statement":[]}') as Doc;
      await kms.send(new PutKeyPolicyCommand({ KeyId: DEMO.keyArn, Policy: upsert(doc, statements, remove) }));
    },
  };
}

/**
 * Grants `accounts` (or `options.grant`) in both shared policies, then creates the trail in each (multi-region, log file
 * validation, the demo key and prefix) and, unless `logging: false`, starts logging. Returns the
 * member CloudTrail clients by account.
 */
export async function onboardTrails(
  t: TestWorld,
  accounts: string[],
  options: { logging?: boolean; trail?: Partial<CreateTrailCommandInput>; /** Accounts the policies list (default: `accounts`). */ grant?: string[] } = {},
): Promise<Record<string, CloudTrailClient>> {
  const archive = logArchive(t);
  await archive.bucketPolicy([deliveryStatement(options.grant ?? accounts)]);
  await archive.keyPolicy(keyStatements(options.grant ?? accounts));
  const clients: Record<string, CloudTrailClient> = {};
  for (const account of accounts) {
    const ct = t.client(CloudTrailClient, asMemberAdmin(account));
    await ct.send(
      new CreateTrailCommand({
        Name: DEMO.trailName,
        S3BucketName: DEMO.bucketName,
        S3KeyPrefix: DEMO.logPrefix,
        KmsKeyId: DEMO.keyArn,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        ...options.trail,
      }),
    );
    if (options.logging !== false) await ct.send(new StartLoggingCommand({ Name: DEMO.trailName }));
    clients[account] = ct;
  }
  return clients;
}
