/**
 * Sessions in other accounts: the member account (through its member-access role) and the
 * log-archive account. Credentials are cached per role ARN for the life of the Lambda container and
 * renewed five minutes before they expire, so consecutive steps in one container assume once.
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { createClient } from '../shared/clients';
import { AccessDenied, LogArchiveRoleNotAssumable, MemberAccountNotReady, UnexpectedAwsError } from '../shared/errors';
import { type AwsCall, isAwsError, toOnboardingError } from './aws-errors';

/** Session name used when the caller gives none (2-64 of `[\w+=,.@-]`; shows in CloudTrail events). */
export const DEFAULT_SESSION_NAME = 'cloudtrail-onboarding';

/** Cached credentials are renewed this long before they expire (a step must not outlive its session). */
export const SESSION_REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** Credentials cache keyed by role ARN; the clock is injectable for tests. */
export class SessionCache {
  /** Every cache of the process (a Lambda container has one per deps; the local runner has one per function). */
  private static readonly all = new Set<SessionCache>();
  private readonly entries = new Map<string, AwsCredentialIdentity>();
  private readonly pending = new Map<string, Promise<AwsCredentialIdentity>>();

  /** @param now the clock that decides whether a cached session is still fresh. */
  constructor(private readonly now: () => Date = () => new Date()) {
    SessionCache.all.add(this);
  }

  /** Forgets every session of every cache of the process: what a cold start of every function sees. */
  static clearAll(): void {
    for (const cache of SessionCache.all) cache.clear();
  }

  /** Cached credentials for `roleArn`, unless they expire within `SESSION_REFRESH_MARGIN_MS`. */
  get(roleArn: string): AwsCredentialIdentity | undefined {
    const creds = this.entries.get(roleArn);
    if (!creds?.expiration) return undefined;
    if (creds.expiration.getTime() - SESSION_REFRESH_MARGIN_MS <= this.now().getTime()) {
      this.entries.delete(roleArn);
      return undefined;
    }
    return creds;
  }

  /** Stores credentials; ones without an expiration are never cached. */
  set(roleArn: string, creds: AwsCredentialIdentity): void {
    if (creds.expiration) this.entries.set(roleArn, creds);
  }

  /** Runs `fetch` once for concurrent callers of the same role ARN; they all get its outcome. */
  once(roleArn: string, fetch: () => Promise<AwsCredentialIdentity>): Promise<AwsCredentialIdentity> {
    let pending = this.pending.get(roleArn);
    if (!pending) {
      pending = fetch().finally(() => this.pending.delete(roleArn));
      this.pending.set(roleArn, pending);
    }
    return pending;
  }

  /** Forgets every session. */
  clear(): void {
    this.entries.clear();
  }
}

/** The container-wide cache used when the caller passes none. */
export const defaultSessionCache = new SessionCache();

/** Options common to the session functions. */
export interface SessionOptions {
  /** Where sessions are cached; default `defaultSessionCache`. */
  cache?: SessionCache;
  /** RoleSessionName; default `DEFAULT_SESSION_NAME`. */
  sessionName?: string;
}

/** `arn:<partition>:iam::<accountId>:role/<roleName>`. */
export function roleArnOf(partition: string, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/**
 * Calls AssumeRole once (no cache). Every failure is mapped by `toOnboardingError`; an AccessDenied
 * comes back as our `AccessDenied` and the caller decides what it means (see `isAssumeRoleDenied`).
 */
export async function assumeRole(sts: STSClient, roleArn: string, sessionName: string): Promise<AwsCredentialIdentity> {
  const call: AwsCall = { service: 'STS', operation: 'AssumeRole', target: roleArn };
  let out;
  try {
    out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }));
  } catch (e) {
    throw toOnboardingError(e, call);
  }
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw new UnexpectedAwsError(`STS AssumeRole on ${roleArn} returned no credentials.`, { ...call, awsError: 'NoCredentials' });
  }
  const accountId = /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1];
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
    ...(accountId ? { accountId } : {}),
  };
}

/** True when `err` is the AccessDenied that `assumeRole` throws when STS refuses the AssumeRole call. */
export function isAssumeRoleDenied(err: unknown): err is AccessDenied {
  return err instanceof AccessDenied && err.details.operation === 'AssumeRole';
}

/** Where a member-account session goes. */
export interface MemberSessionRequest {
  partition: string;
  accountId: string;
  /** Config `memberAccessRoleName` (default OrganizationAccountAccessRole). */
  memberAccessRoleName: string;
  /** Region of the readiness probe's STS endpoint (the home region). */
  region: string;
}

function notReady(accountId: string, roleArn: string, what: string, cause: unknown, details: Record<string, unknown>) {
  return new MemberAccountNotReady(
    `Member account ${accountId} is not ready: ${what}. New accounts take minutes before ${roleArn} ` +
      'can be used; retried. If this persists after the retries, check that the role exists in the account ' +
      'and that its trust policy trusts the orchestrator role.',
    { ...details, accountId, roleArn },
    { cause },
  );
}

// A session that STS just issued in a brand-new account can be refused for a short while.
const PROBE_NOT_READY = ['AccessDenied', 'AccessDeniedException', 'InvalidClientTokenId', 'UnrecognizedClientException'];

/**
 * Cached credentials for `roleArn`, or: AssumeRole (a denial turned into `denied(error)`), then
 * `verify` the new credentials, then cache them. Shared by the member and log-archive sessions.
 */
async function cachedSession(
  sts: STSClient,
  roleArn: string,
  options: SessionOptions,
  denied: (e: AccessDenied) => Error,
  verify: (creds: AwsCredentialIdentity) => Promise<void> = async () => undefined,
): Promise<AwsCredentialIdentity> {
  const cache = options.cache ?? defaultSessionCache;
  const cached = cache.get(roleArn);
  if (cached) return cached;
  // Concurrent callers (the SDK resolves a client's credentials for several middlewares of one
  // request) share one AssumeRole.
  return cache.once(roleArn, () => assumeAndVerify(sts, roleArn, options, denied, verify, cache));
}

async function assumeAndVerify(
  sts: STSClient,
  roleArn: string,
  options: SessionOptions,
  denied: (e: AccessDenied) => Error,
  verify: (creds: AwsCredentialIdentity) => Promise<void>,
  cache: SessionCache,
): Promise<AwsCredentialIdentity> {
  let creds: AwsCredentialIdentity;
  try {
    creds = await assumeRole(sts, roleArn, options.sessionName ?? DEFAULT_SESSION_NAME);
  } catch (e) {
    if (isAssumeRoleDenied(e)) throw denied(e);
    throw e;
  }
  await verify(creds);
  cache.set(roleArn, creds);
  return creds;
}

/**
 * Credentials in a member account: assumes `arn:<p>:iam::<acct>:role/<memberAccessRoleName>`, then
 * proves them with GetCallerIdentity. A refusal of either -> `MemberAccountNotReady` (retryable:
 * a new account's role is not assumable for minutes). Cached per role ARN (probe included).
 */
export async function memberAccountSession(
  sts: STSClient,
  req: MemberSessionRequest,
  options: SessionOptions = {},
): Promise<AwsCredentialIdentity> {
  const roleArn = roleArnOf(req.partition, req.accountId, req.memberAccessRoleName);
  return cachedSession(
    sts,
    roleArn,
    options,
    (e) => notReady(req.accountId, roleArn, 'AssumeRole was denied', e.cause, e.details),
    async (creds) => {
      const probeCall: AwsCall = { service: 'STS', operation: 'GetCallerIdentity', target: roleArn };
      const probe = createClient(STSClient, { region: req.region, credentials: creds });
      try {
        await probe.send(new GetCallerIdentityCommand({}));
      } catch (e) {
        const mapped = toOnboardingError(e, probeCall);
        if (isAwsError(e, ...PROBE_NOT_READY)) {
          throw notReady(req.accountId, roleArn, 'the new session was refused by GetCallerIdentity', e, mapped.details);
        }
        throw mapped;
      } finally {
        probe.destroy();
      }
    },
  );
}

/**
 * Credentials of `roleArn` (AssumeRole; a refusal stays our `AccessDenied`), cached and renewed like
 * the other sessions. For a role assumed with a role's credentials (role chaining) the session lasts
 * at most one hour, so callers that keep a client must give it this as a provider, not its result.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
export function roleSession(sts: STSClient, roleArn: string, options: SessionOptions = {}): Promise<AwsCredentialIdentity> {
  return cachedSession(sts, roleArn, options, (e) => e);
}

/** Where the log-archive session goes. */
export interface LogArchiveSessionRequest {
  /** Config `logArchiveAccessRoleArn`. */
  logArchiveAccessRoleArn: string;
}

/**
 * Credentials in the log-archive account through `logArchiveAccessRoleArn`. STS answers IAM
 * propagation with AccessDenied too, so a refusal is `LogArchiveRoleNotAssumable` (retried with the
 * propagation profile; naming the config key when it persists). Cached per role ARN.
 */
export async function logArchiveSession(
  sts: STSClient,
  req: LogArchiveSessionRequest,
  options: SessionOptions = {},
): Promise<AwsCredentialIdentity> {
  return cachedSession(
    sts,
    req.logArchiveAccessRoleArn,
    options,
    (e) =>
      new LogArchiveRoleNotAssumable(
        `${e.message} Right after a deploy this is IAM propagation and is retried; if it persists, check that ` +
          'the configured logArchiveAccessRoleArn exists and that its trust policy trusts the orchestrator role.',
        e.details,
        { cause: e.cause },
      ),
  );
}
