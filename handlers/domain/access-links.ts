/**
 * How people get into an onboarded account afterwards (issue 14): the console switch-role links of
 * the switch and reader roles, and where that account's own log files are with the exact AWS CLI
 * commands that list and fetch them. Pure: plain data in, plain data out (the CLI's `status`, the
 * API's `GET /accounts/{id}` and `onboard profiles` use it).
 */
import type { RuntimeConfig } from '../shared/config';
import { logObjectPrefix, organizationLogObjectPrefix } from './arns';
import { SHARED_READER_SESSION_TAG } from './roles';

/** `arn:<partition>:iam::<account>:role/<path/><name>`. */
const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/(.+)$/;

/**
 * Sign-in endpoints of the console's Switch Role page, by partition (the commercial partition's is
 * documented with the link IAM shows for a role, "Link to switch roles in console"; GovCloud's is
 * its own sign-in endpoint). China's console has no such page documented: no link there.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
 * https://repost.aws/knowledge-center/iam-user-role-link
 */
const SWITCH_ROLE_ENDPOINTS: Readonly<Record<string, string>> = {
  aws: 'https://signin.aws.amazon.com/switchrole',
  'aws-us-gov': 'https://signin.amazonaws-us-gov.com/switchrole',
};

/** The console's display name is at most 64 characters (the Switch Role form's limit). */
const DISPLAY_NAME_MAX = 64;

/** A role ARN's parts; undefined when `arn` is not an IAM role ARN. */
export function parseRoleArn(arn: string): { partition: string; accountId: string; roleName: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { partition: m[1], accountId: m[2], roleName: m[3] } : undefined;
}

/**
 * The console link that opens Switch Role filled in: `account`, `roleName` (with its path, as IAM
 * documents: "roleName=optionalPath/RoleName") and `displayName` (URL-encoded). Undefined for an ARN
 * that is not a role's or a partition without a documented endpoint.
 */
export function switchRoleConsoleLink(roleArn: string, displayName: string): string | undefined {
  const role = parseRoleArn(roleArn);
  const endpoint = role && SWITCH_ROLE_ENDPOINTS[role.partition];
  if (!role || !endpoint) return undefined;
  const params = [`account=${role.accountId}`, `roleName=${encodeURIComponent(role.roleName).replace(/%2F/g, '/')}`, `displayName=${encodeURIComponent(displayName.slice(0, DISPLAY_NAME_MAX))}`];
  return `${endpoint}?${params.join('&')}`;
}

/**
 * Key prefix of the account's own log files: `[logPrefix/]AWSLogs/<id>/` for per-account trails,
 * `[logPrefix/]AWSLogs/<org-id>/<id>/` under an organization trail (the management account's own
 * logs stay under `AWSLogs/<id>/`, as for any trail).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
 */
export function accountLogFilesPrefix(config: Pick<RuntimeConfig, 'trailMode' | 'logPrefix' | 'organizationId' | 'managementAccountId'>, accountId: string): string {
  if (config.trailMode === 'organization' && config.organizationId && accountId !== config.managementAccountId) {
    return organizationLogObjectPrefix(config.logPrefix, config.organizationId, accountId);
  }
  return logObjectPrefix(config.logPrefix, accountId);
}

/** Where an account's log files are, and the commands that read them with its reader role. */
export interface LogFilesAccess {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  /**
   * Commands run in order. A per-account reader role: `list` and `fetch` with the reader profile. The
   * shared reader role: first `assume` (AWS CLI profiles have no setting for session tags, so the tag
   * naming the account is passed to `aws sts assume-role --tags`), then `list` and `fetch` with the
   * session's environment variables.
   */
  readonly commands: readonly string[];
  /** Set when the reader role needs a session tag that a profile cannot carry. */
  readonly sessionTag?: { readonly key: string; readonly value: string };
}

/** What `profiles` and `status` need of an account. */
export interface AccountAccessInput {
  readonly accountId: string;
  readonly readerRoleArn: string;
  /** The profile the reader role is assumed from (the account's own credentials). */
  readonly accountProfile: string;
  /** The reader profile (per-account reader roles only; the shared role has none). */
  readonly readerProfile?: string;
}

/**
 * The commands that list and fetch the account's own log files through its reader role. `aws s3 cp`
 * decrypts the SSE-KMS objects itself (the role may use the key for them).
 * https://docs.aws.amazon.com/cli/latest/reference/sts/assume-role.html (--tags)
 * https://docs.aws.amazon.com/cli/latest/reference/s3/ls.html, https://docs.aws.amazon.com/cli/latest/reference/s3/cp.html
 */
export function logFilesAccess(config: Pick<RuntimeConfig, 'trailMode' | 'logPrefix' | 'organizationId' | 'managementAccountId' | 'bucketName' | 'homeRegion' | 'readerAccess'>, input: AccountAccessInput): LogFilesAccess {
  const prefix = accountLogFilesPrefix(config, input.accountId);
  const where = `s3://${config.bucketName}/${prefix}`;
  const region = `--region ${config.homeRegion}`;
  const local = `./cloudtrail-${input.accountId}/`;
  if (config.readerAccess.mode === 'shared') {
    // bash: the session's three values into the environment, where the next commands' credential chain finds them first.
    const assume =
      `read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<< "$(aws sts assume-role --profile ${input.accountProfile} ` +
      `--role-arn ${input.readerRoleArn} --role-session-name logs-${input.accountId} --tags Key=${SHARED_READER_SESSION_TAG},Value=${input.accountId} ` +
      `--query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)" && export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN`;
    return {
      bucket: config.bucketName,
      prefix,
      region: config.homeRegion,
      sessionTag: { key: SHARED_READER_SESSION_TAG, value: input.accountId },
      commands: [assume, `aws s3 ls ${where} --recursive ${region}`, `aws s3 cp ${where} ${local} --recursive ${region}`],
    };
  }
  const profile = `--profile ${input.readerProfile ?? input.accountProfile}`;
  return {
    bucket: config.bucketName,
    prefix,
    region: config.homeRegion,
    commands: [`aws s3 ls ${where} --recursive ${profile} ${region}`, `aws s3 cp ${where} ${local} --recursive ${profile} ${region}`],
  };
}

/** Console links of an onboarded account's roles. */
export interface ConsoleLinks {
  /** Switch Role into the account's switch role (from the security principal's console session). */
  readonly switchRole?: string;
  /**
   * Switch Role into the account's per-account reader role (from the account's own console session).
   * None for the shared reader role: the console cannot pass the session tag its trust requires.
   */
  readonly readerRole?: string;
}

/** The console links for an account's switch and reader roles; `name` is the account's name where known. */
export function consoleLinks(
  config: Pick<RuntimeConfig, 'readerAccess'>,
  item: { readonly accountId: string; readonly switchRoleArn?: string; readonly readerRoleArn?: string },
  name?: string,
): ConsoleLinks {
  const label = name ?? item.accountId;
  const switchRole = item.switchRoleArn ? switchRoleConsoleLink(item.switchRoleArn, `${label} audit`) : undefined;
  const readerRole = item.readerRoleArn && config.readerAccess.mode !== 'shared' ? switchRoleConsoleLink(item.readerRoleArn, `${label} logs`) : undefined;
  return { ...(switchRole ? { switchRole } : {}), ...(readerRole ? { readerRole } : {}) };
}
