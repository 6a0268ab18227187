/**
 * Simulated STS: AssumeRole decided by the role's trust policy (iam-simulate), GetCallerIdentity.
 *
 * Every denial is `AccessDenied` with STS's wording, whatever the reason (no such role, trust policy
 * does not allow the caller, account not ready yet), because that is all AWS reveals.
 */
import type * as sts from '@aws-sdk/client-sts';
import { awsError } from './errors';
import { parseRoleArn, sessionArn, type Principal } from './identity';
import type { OperationHandler, SimServiceImpl } from './service';
import type { SimWorld } from './world';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** Role chaining caps the session at one hour (AssumeRole API reference, DurationSeconds). */
const CHAINED_SESSION_MAX = 3600;

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
      const credentials = this.world.issueCredentials(assumedArn, expiration);
      return {
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          SecretAccessKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
          Expiration: expiration,
        },
        AssumedRoleUser: { AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: assumedArn },
        PackedPolicySize: 0,
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
