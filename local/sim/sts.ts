/**
 * Simulated STS: AssumeRole decided by the role's trust policy (iam-simulate), GetCallerIdentity.
 *
 * Every denial is `AccessDenied` with STS's wording, whatever the reason (no such role, trust policy
 * does not allow the caller, account not ready yet), because that is all AWS reveals.
 *
 * Session tags (AssumeRole `Tags`, `TransitiveTagKeys`), as the IAM User Guide and the AssumeRole API
 * reference describe them (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html,
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html):
 * - at most 50 tags, keys 1-128 and values 0-256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, at most 50
 *   transitive keys (`ValidationError`, the request's constraint wording);
 * - keys are case-insensitive ("you cannot have separate Department and department tag keys"): two
 *   keys differing only in case are `InvalidParameterValue`; every transitive key must be one of the
 *   request's tags (`InvalidParameterValue`);
 * - a caller that is itself a session passes its transitive tags into the new session, where they
 *   are transitive again; a request tag with the key of an inherited one fails (`InvalidParameterValue`:
 *   the operation fails, AWS's text is the simulation's choice);
 * - the trust policy must allow `sts:TagSession` as well as `sts:AssumeRole` when tags are passed, both
 *   with `aws:RequestTag/<key>`, `aws:TagKeys`, `sts:TransitiveTagKeys` (world.evaluateTrust; the
 *   inherited tags are the caller's `aws:PrincipalTag/<key>`);
 * - the packed size of the tags (AWS's packed format is not documented: the simulation counts each
 *   tag's key and value characters plus 2 against {@link PACKED_TAGS_BUDGET}) over 100 percent is
 *   `PackedPolicyTooLargeException`; `PackedPolicySize` reports the percentage;
 * - the new session's tags are its `aws:PrincipalTag/<key>` in later requests, over the role's own tags.
 */
import type * as sts from '@aws-sdk/client-sts';
import { awsError } from './errors';
import { parseRoleArn, sessionArn, type Principal, type SessionTag } from './identity';
import type { OperationHandler, SimServiceImpl } from './service';
import type { SimWorld } from './world';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** Session tag keys and values: letters, spaces, digits and `_.:/=+-@` (API_Tag.html). */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** STS session tag limits (AssumeRole API reference, Tags and TransitiveTagKeys). */
export const SESSION_TAG_LIMITS = { tags: 50, keyChars: 128, valueChars: 256, transitiveKeys: 50 } as const;
/**
 * The simulation's stand-in for the undocumented packed size of session policies and tags: 100
 * percent of `PackedPolicySize`. Fifty tags of the longest key and value (19,200 characters) are
 * refused, as AWS says they may be even within the plain-text limits.
 */
export const PACKED_TAGS_BUDGET = 2048;
/** Role chaining caps the session at one hour (AssumeRole API reference, DurationSeconds). */
const CHAINED_SESSION_MAX = 3600;

/** Validates AssumeRole's `Tags` and `TransitiveTagKeys` (see the file comment). */
function checkSessionTags(rawTags: sts.Tag[] | undefined, rawTransitive: string[] | undefined): { tags: SessionTag[]; transitiveTagKeys: string[] } {
  const tags = (rawTags ?? []).map((t) => ({ Key: String(t.Key ?? ''), Value: String(t.Value ?? '') }));
  const transitive = (rawTransitive ?? []).map(String);
  const constraint = (what: string, value: string, rule: string) =>
    awsError('ValidationError', `1 validation error detected: Value '${value}' at '${what}' failed to satisfy constraint: ${rule}`);
  if (tags.length > SESSION_TAG_LIMITS.tags) constraint('tags', `[${tags.length} tags]`, `Member must have length less than or equal to ${SESSION_TAG_LIMITS.tags}`);
  if (transitive.length > SESSION_TAG_LIMITS.transitiveKeys) {
    constraint('transitiveTagKeys', `[${transitive.length} keys]`, `Member must have length less than or equal to ${SESSION_TAG_LIMITS.transitiveKeys}`);
  }
  tags.forEach((t, i) => {
    if (t.Key.length < 1 || t.Key.length > SESSION_TAG_LIMITS.keyChars) constraint(`tags.${i + 1}.member.key`, t.Key, `Member must have length less than or equal to ${SESSION_TAG_LIMITS.keyChars}`);
    if (!TAG_CHARS.test(t.Key)) constraint(`tags.${i + 1}.member.key`, t.Key, 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+');
    if (t.Value.length > SESSION_TAG_LIMITS.valueChars) constraint(`tags.${i + 1}.member.value`, t.Value, `Member must have length less than or equal to ${SESSION_TAG_LIMITS.valueChars}`);
    if (!TAG_CHARS.test(t.Value)) constraint(`tags.${i + 1}.member.value`, t.Value, 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*');
  });
  const keys = new Set<string>();
  for (const t of tags) {
    if (keys.has(t.Key.toLowerCase())) awsError('InvalidParameterValue', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    keys.add(t.Key.toLowerCase());
  }
  for (const k of transitive) {
    if (!keys.has(k.toLowerCase())) awsError('InvalidParameterValue', `The transitive tag key ${k} is not one of the session tags of the request.`);
  }
  // A transitive key names its tag as the request spelled the tag.
  const transitiveTagKeys = [...new Set(transitive.map((k) => tags.find((t) => t.Key.toLowerCase() === k.toLowerCase())!.Key))];
  return { tags, transitiveTagKeys };
}

/** The packed size of session tags, in percent of {@link PACKED_TAGS_BUDGET} (rounded up). */
function packedPercent(tags: readonly SessionTag[]): number {
  const size = tags.reduce((n, t) => n + t.Key.length + t.Value.length + 2, 0);
  return Math.ceil((100 * size) / PACKED_TAGS_BUDGET);
}

/** STS of the world (global endpoint semantics: the region is only recorded). */
export class StsSim implements SimServiceImpl {
  /** Remaining AssumeRole calls per account that fail as "not ready yet". */
  private readonly notReady = new Map<string, number>();

  constructor(private readonly world: SimWorld) {}

  targetAccount(operation: string, input: Record<string, unknown>, caller: Principal): string {
    if (operation === 'AssumeRole' && typeof input.RoleArn === 'string') {
      return parseRoleArn(input.RoleArn)?.accountId ?? caller.accountId;
    }
    return caller.accountId;
  }

  /** Makes the next `calls` AssumeRole calls into the account fail with AccessDenied. */
  setAccountReadyAfter(accountId: string, calls: number): void {
    this.notReady.set(accountId, calls);
  }

  /** Remaining "not ready" AssumeRole calls per account, as plain JSON (persistence.ts). */
  exportState(): { notReady: Record<string, number> } {
    return { notReady: Object.fromEntries([...this.notReady].filter(([, n]) => n > 0)) };
  }

  /** Replaces the "not ready" counts with the persisted ones. */
  importState(state: { notReady: Record<string, number> }): void {
    this.notReady.clear();
    for (const [accountId, n] of Object.entries(state.notReady)) this.notReady.set(accountId, n);
  }

  private consumeNotReady(accountId: string): boolean {
    const left = this.notReady.get(accountId) ?? 0;
    if (left <= 0) return false;
    this.notReady.set(accountId, left - 1);
    return true;
  }

  readonly operations = {
    AssumeRole: async ({ caller, input }) => {
      const arn = String(input.RoleArn);
      const sessionName = String(input.RoleSessionName);
      if (!SESSION_NAME.test(sessionName)) {
        awsError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
      }
      const parts = parseRoleArn(arn);
      if (!parts) awsError('ValidationError', `${arn} is invalid`);
      const requested = checkSessionTags(input.Tags, input.TransitiveTagKeys);
      // Transitive tags of the calling session pass into this one and cannot be overridden.
      const inherited = (caller.sessionTags ?? []).filter((t) => (caller.transitiveTagKeys ?? []).some((k) => k.toLowerCase() === t.Key.toLowerCase()));
      for (const t of requested.tags) {
        if (inherited.some((i) => i.Key.toLowerCase() === t.Key.toLowerCase())) {
          awsError('InvalidParameterValue', `The session tag ${t.Key} cannot be set: the calling session has a transitive session tag with that key, which cannot be overridden.`);
        }
      }
      const packed = packedPercent([...requested.tags, ...inherited]);
      if (packed > 100) {
        awsError('PackedPolicyTooLargeException', `Packed size of session policies and session tags exceeds the limit: ${packed}% of the allowed size.`);
      }
      const deny: () => never = () =>
        awsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
      if (this.consumeNotReady(parts.accountId)) deny();
      const account = this.world.accounts.get(parts.accountId);
      if (account && account.state !== 'ACTIVE') deny();
      const role = this.world.iam.roleByArn(arn);
      if (!role) deny();
      const trusted = await this.world.evaluateTrust(caller, role, {
        ...(input.ExternalId !== undefined ? { externalId: input.ExternalId } : {}),
        sessionName,
        tags: requested.tags,
        transitiveTagKeys: requested.transitiveTagKeys,
      });
      if (!trusted) deny();
      const duration = input.DurationSeconds ?? 3600;
      if (duration < 900 || duration > role.maxSessionDuration) {
        awsError('ValidationError', `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`);
      }
      if (caller.kind === 'assumed-role' && duration > CHAINED_SESSION_MAX) {
        awsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assuming other roles.');
      }
      const assumedArn = sessionArn(this.world.partition, role.accountId, role.name, sessionName);
      const expiration = new Date(this.world.now().getTime() + duration * 1000);
      const sessionTags = [...inherited, ...requested.tags];
      const transitiveTagKeys = [...inherited.map((t) => t.Key), ...requested.transitiveTagKeys];
      const credentials = this.world.issueCredentials(assumedArn, expiration, { sessionTags, transitiveTagKeys });
      return {
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          SecretAccessKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
          Expiration: expiration,
        },
        AssumedRoleUser: { AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: assumedArn },
        PackedPolicySize: packed,
      };
    },
    GetCallerIdentity: ({ caller }) => ({
      UserId: this.world.userIdOf(caller),
      Account: caller.accountId,
      Arn: caller.arn,
    }),
  } satisfies {
    AssumeRole: OperationHandler<sts.AssumeRoleCommandInput, sts.AssumeRoleCommandOutput>;
    GetCallerIdentity: OperationHandler<sts.GetCallerIdentityCommandInput, sts.GetCallerIdentityCommandOutput>;
  };
}
