/**
 * Sessions in other accounts, for the ports that need them: the member account (its member-access
 * role), the log-archive account, and the management account when Organizations is read through
 * `organizationsRoleArn`. One STS client and one session cache per wiring, i.e. per Lambda container:
 * a function's sessions are its own (each function has its own role, so a session one function
 * assumed is never another's to use).
 */
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { logArchiveSession, memberAccountSession, roleSession, SessionCache } from '../adapters/sts';
import type { CachedCredentials } from './client-cache';
import type { Wiring } from './core';

/** The sessions of one wiring. */
export interface Sessions {
  /** Credentials in `accountId` through its member-access role (cached, renewed before they expire). */
  member(accountId: string): Promise<AwsCredentialIdentity>;
  /** Credentials in the log-archive account through `logArchiveAccessRoleArn`. */
  logArchive(): Promise<AwsCredentialIdentity>;
  /**
   * Credentials in the management account for Organizations (and the organization trail managed
   * there): the function's own, or, with `organizationsRoleArn`, a provider that renews that role's
   * session. A provider, not one session's credentials: a role-chained session lasts at most one hour
   * and the client is kept for the container's life.
   * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
   */
  readonly management: CachedCredentials;
}

const byWiring = new WeakMap<Wiring, Sessions>();

/** The sessions of `w` (made on first use, shared by every port of the wiring). */
export function sessionsOf(w: Wiring): Sessions {
  let s = byWiring.get(w);
  if (s) return s;
  const { config, region } = w;
  const cache = new SessionCache(w.now);
  const sts = () => w.clients.get(STSClient, region);
  const organizationsRoleArn = config.organizationsRoleArn;
  s = {
    member: (accountId) =>
      memberAccountSession(sts(), { partition: config.partition, accountId, memberAccessRoleName: config.memberAccessRoleName, region }, { cache }),
    logArchive: () => logArchiveSession(sts(), { logArchiveAccessRoleArn: config.logArchiveAccessRoleArn }, { cache }),
    management: organizationsRoleArn ? { key: organizationsRoleArn, provider: () => roleSession(sts(), organizationsRoleArn, { cache }) } : undefined,
  };
  byWiring.set(w, s);
  return s;
}
