/**
 * Builds the real {@link StepDeps} from the adapters: clients are created through `createClient`
 * (so the local simulation can stand in for AWS), sessions in other accounts through STS.
 * Built once per Lambda container; member-account clients are made per account on demand.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { TrailAdapter } from '../adapters/cloudtrail';
import { DelegatedAdministratorTrails } from '../adapters/delegated-administrator-trails';
import { EventRulesAdapter } from '../adapters/events';
import { IamAdapter } from '../adapters/iam';
import { KeyPolicyAdapter } from '../adapters/kms';
import { LeaseLock } from '../adapters/lease-lock';
import { accountPath, describeAccount, describeOrganization, enableServiceAccess, trustedServicePrincipals } from '../adapters/organizations';
import { BucketPolicyAdapter, LogFileAdapter } from '../adapters/s3';
import { StatusStore } from '../adapters/status-store';
import { parse as parseArn } from '@aws-sdk/util-arn-parser';
import { logArchiveSession, memberAccountSession, roleSession, SessionCache } from '../adapters/sts';
import { organizationTrailArn } from '../domain/arns';
import type { StepDeps } from '../steps/deps';
import { createClient } from './clients';
import type { RuntimeConfig } from './config';

/**
 * Organizations is a global service whose endpoint lives in us-east-1 (aws partition).
 * https://docs.aws.amazon.com/general/latest/gr/ao.html
 */
const ORGANIZATIONS_REGION = 'us-east-1';

/** `arn` when it is a KMS key ARN (`...:key/<id>`), undefined for an alias ARN. */
function keyArnOf(arn: string): string | undefined {
  try {
    const a = parseArn(arn);
    return a.service === 'kms' && a.resource.startsWith('key/') ? arn : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the dependencies of every step for `config`. */
export function createAwsDeps(config: RuntimeConfig, now: () => Date = () => new Date()): StepDeps {
  const region = config.homeRegion;
  const sts = createClient(STSClient, { region });
  const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const status = new StatusStore(doc, config.tableName, now);
  const lock = new LeaseLock(doc, config.tableName, now);

  // One cache per deps, i.e. per Lambda container: a function's sessions are its own (each function
  // has its own role, so a session one function assumed is never another's to use).
  const sessions = new SessionCache(now);
  const member = (accountId: string) =>
    memberAccountSession(
      sts,
      {
        partition: config.partition,
        accountId,
        memberAccessRoleName: config.memberAccessRoleName,
        region,
      },
      { cache: sessions },
    );
  const logArchive = () => logArchiveSession(sts, { logArchiveAccessRoleArn: config.logArchiveAccessRoleArn }, { cache: sessions });
  const withCreds = <C extends { destroy(): void; middlewareStack: { use(p: unknown): void }; config: unknown }, Cfg extends object>(
    Ctor: new (c: Cfg) => C,
    credentials?: AwsCredentialIdentity,
    r: string = region,
  ) => createClient(Ctor, { region: r, credentials });

  // The client is kept for the container's life; with a role to read Organizations through, its
  // credentials come from a provider that renews the session (a role-chained session lasts at most
  // one hour: a client given the first session's credentials would fail every call after that).
  const organizationsRoleArn = config.organizationsRoleArn;
  const organizations = createClient(OrganizationsClient, {
    region: ORGANIZATIONS_REGION,
    ...(organizationsRoleArn ? { credentials: () => roleSession(sts, organizationsRoleArn, { cache: sessions }) } : {}),
  });

  // A key ARN is used as it is; only an alias is resolved, through the log-archive role.
  const configuredKeyArn = keyArnOf(config.keyArn);
  let keyArn: Promise<string> | undefined;
  const resolveKeyArn = () =>
    configuredKeyArn
      ? Promise.resolve(configuredKeyArn)
      : (keyArn ??= (async () => new KeyPolicyAdapter(withCreds(KMSClient, await logArchive()), config.keyArn).resolveKeyArn())().catch((e) => {
          keyArn = undefined;
          throw e;
        }));

  return {
    config,
    status,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now,
    resolveKeyArn,
    lock,
    describeAccount: (accountId) => describeAccount(organizations, accountId),
    accountPath: (accountId) => accountPath(organizations, accountId),
    memberRoles: async (accountId) => new IamAdapter(withCreds(IAMClient, await member(accountId))),
    memberTrails: async (accountId) => new TrailAdapter(withCreds(CloudTrailClient, await member(accountId))),
    organization: async () => ({
      describe: () => describeOrganization(organizations),
      trustedServicePrincipals: () => trustedServicePrincipals(organizations),
      enableTrustedAccess: (principal) => enableServiceAccess(organizations, principal),
    }),
    // The organization trail is managed from the delegated administrator (through its member-access
    // role) when one is configured, naming the trail by its ARN there (the management account owns it:
    // adapters/delegated-administrator-trails.ts), else from the management account (with the
    // Organizations credentials: the orchestrator's own there, or organizationsRoleArn).
    organizationTrails: async (r = region) => {
      const delegated = config.organizationTrail.delegatedAdministratorAccountId;
      if (delegated) {
        return new DelegatedAdministratorTrails(withCreds(CloudTrailClient, await member(delegated), r), {
          accountId: delegated,
          trailName: config.organizationTrail.name,
          trailArn: organizationTrailArn(config),
        });
      }
      return new TrailAdapter(
        createClient(CloudTrailClient, { region: r, ...(organizationsRoleArn ? { credentials: () => roleSession(sts, organizationsRoleArn, { cache: sessions }) } : {}) }),
      );
    },
    memberChangeRules: async (accountId, r) => new EventRulesAdapter(withCreds(EventBridgeClient, await member(accountId), r)),
    logArchiveRoles: async () => new IamAdapter(withCreds(IAMClient, await logArchive())),
    bucketPolicy: async () =>
      new BucketPolicyAdapter(withCreds(S3Client, await logArchive()), config.bucketName, {
        expectedBucketOwner: config.logArchiveAccountId,
      }),
    logFiles: async () => new LogFileAdapter(withCreds(S3Client, await logArchive()), config.bucketName, { expectedBucketOwner: config.logArchiveAccountId }),
    keyPolicy: async () => new KeyPolicyAdapter(withCreds(KMSClient, await logArchive()), await resolveKeyArn()),
    keyState: async () => new KeyPolicyAdapter(withCreds(KMSClient, await logArchive()), await resolveKeyArn()),
  };
}
