/**
 * Callers of the simulated AWS: principal ARNs, and the static credentials that identify them.
 *
 * Like AWS, the simulation knows a caller only by the access key id its request was signed with;
 * `CredentialStore` maps each issued key back to the principal it was issued for.
 */

/** A caller as STS reports it. */
export interface Principal {
  /** The ARN `GetCallerIdentity` returns: for a role, the assumed-role *session* ARN. */
  readonly arn: string;
  readonly accountId: string;
  readonly kind: 'root' | 'user' | 'assumed-role';
  /** Role name (assumed-role sessions only). */
  readonly roleName?: string;
  /** Session name (assumed-role sessions only). */
  readonly sessionName?: string;
  /**
   * Session tags of an assumed-role session (AssumeRole `Tags`, plus the transitive tags it inherited
   * in a role chain): the session's `aws:PrincipalTag/<key>` values, over the role's own tags.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
   */
  readonly sessionTags?: readonly SessionTag[];
  /** Keys of `sessionTags` that are transitive: they pass into a session this one assumes, unchangeable. */
  readonly transitiveTagKeys?: readonly string[];
}

/** One session tag (STS `Tag`). */
export interface SessionTag {
  readonly Key: string;
  readonly Value: string;
}

/** Credentials as the SDK takes them (`credentials` client option). */
export interface SimCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

const SESSION_ARN = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/;
const ROOT_ARN = /^arn:([a-z-]+):iam::(\d{12}):root$/;
const USER_ARN = /^arn:([a-z-]+):iam::(\d{12}):user\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/;
const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;

/** The parts of an IAM role ARN `arn:<p>:iam::<acct>:role/<path><name>` (path is `/` or `/a/b/`). */
export interface RoleArnParts {
  readonly partition: string;
  readonly accountId: string;
  readonly path: string;
  readonly name: string;
}

/** Parses an IAM role ARN, or returns undefined. */
export function parseRoleArn(arn: string): RoleArnParts | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { partition: m[1], accountId: m[2], path: `/${m[3]}`, name: m[4] } : undefined;
}

/** `arn:<p>:iam::<acct>:role/<path><name>`; IAM puts the path between `role` and the name. */
export function roleArn(partition: string, accountId: string, name: string, path = '/'): string {
  return `arn:${partition}:iam::${accountId}:role${path}${name}`;
}

/** `arn:<p>:sts::<acct>:assumed-role/<name>/<session>`: STS leaves the role's path out. */
export function sessionArn(partition: string, accountId: string, roleName: string, sessionName: string): string {
  return `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

/** `arn:<p>:iam::<acct>:root`, the account principal. */
export function rootArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/** Session name used when a caller is given as a role ARN rather than a session ARN. */
export const DEFAULT_SESSION_NAME = 'simulated';

/**
 * Parses the ARN of a caller: an assumed-role session, the account root or an IAM user. A role
 * ARN is accepted as shorthand for a session of that role named `simulated`.
 */
export function parseCallerArn(arn: string): Principal {
  let m = SESSION_ARN.exec(arn);
  if (m) return { arn, accountId: m[2], kind: 'assumed-role', roleName: m[3], sessionName: m[4] };
  const role = parseRoleArn(arn);
  if (role) {
    const session = sessionArn(role.partition, role.accountId, role.name, DEFAULT_SESSION_NAME);
    return { arn: session, accountId: role.accountId, kind: 'assumed-role', roleName: role.name, sessionName: DEFAULT_SESSION_NAME };
  }
  m = ROOT_ARN.exec(arn);
  if (m) return { arn, accountId: m[2], kind: 'root' };
  m = USER_ARN.exec(arn);
  if (m) return { arn, accountId: m[2], kind: 'user' };
  throw new Error(`Not a caller principal ARN (assumed-role session, role, root or user): ${arn}`);
}

interface Issued {
  readonly principal: Principal;
  readonly credentials: SimCredentials;
}

/** Issued credentials as persisted (local/sim/persistence.ts): dates as ISO strings. */
export interface PersistedCredentials {
  /** Sequence of issued keys (keys are never reused). */
  readonly counter: number;
  readonly issued: {
    readonly principal: Principal;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
    readonly expiration?: string;
  }[];
}

/** Issues credentials and resolves access key ids back to principals. */
export class CredentialStore {
  private readonly byKey = new Map<string, Issued>();
  private counter = 0;

  /** Issues a new key pair; sessions get temporary (`ASIA...`) keys with a token, like STS. */
  issue(principal: Principal, expiration?: Date): SimCredentials {
    this.counter += 1;
    const n = this.counter.toString(36).toUpperCase().padStart(12, '0');
    const temporary = principal.kind === 'assumed-role';
    const credentials: SimCredentials = {
      accessKeyId: `${temporary ? 'ASIA' : 'AKIA'}SIM${n}`.slice(0, 20).padEnd(20, 'X'),
      secretAccessKey: `simulated/secret/${n}`,
      ...(temporary ? { sessionToken: `simulated-session-token-${n}` } : {}),
      ...(expiration ? { expiration } : {}),
    };
    this.byKey.set(credentials.accessKeyId, { principal, credentials });
    return credentials;
  }

  /** Every issued key (except those expired before `now`) and the key sequence, as plain JSON. */
  exportState(now?: Date): PersistedCredentials {
    const issued = [...this.byKey.values()]
      .filter(({ credentials: c }) => !now || !c.expiration || c.expiration.getTime() > now.getTime())
      .map(({ principal, credentials: { expiration, ...c } }) => ({ principal: { ...principal }, ...c, ...(expiration ? { expiration: expiration.toISOString() } : {}) }));
    return { counter: this.counter, issued };
  }

  /**
   * Adds persisted keys (keys issued here are kept) and continues the key sequence after both, so
   * a key issued later never collides with an imported one.
   */
  importState(state: PersistedCredentials): void {
    this.counter = Math.max(this.counter, state.counter);
    for (const { principal, expiration, ...c } of state.issued) {
      this.byKey.set(c.accessKeyId, { principal: { ...principal }, credentials: { ...c, ...(expiration ? { expiration: new Date(expiration) } : {}) } });
    }
  }

  /** The principal and credentials an access key id was issued for, if any. */
  lookup(accessKeyId: string): Issued | undefined {
    return this.byKey.get(accessKeyId);
  }
}
