/**
 * The write protocol of the two shared policies (docs/DESIGN.md, "Shared-policy write protocol").
 *
 * S3 PutBucketPolicy and KMS PutKeyPolicy have no conditional write, so concurrent executions would
 * overwrite each other. Writes are therefore serialized by a lease, and every write renders the
 * policy from the whole member set: whoever holds the lease writes every account admitted so far,
 * and a burst of onboardings coalesces into a few writes.
 */
import type { PolicyRender } from '../domain/policy-document';
import type { LockPort, PolicyPort, StatusPort } from './deps';

/** One of the two shared policies. */
export interface SharedPolicy {
  /** Lease name, e.g. `bucket-policy`. */
  readonly name: string;
  readonly port: PolicyPort;
  /** Accounts the owned statements of `text` grant. */
  accountsIn(text: string | undefined): string[];
  /** Renders the policy for exactly `accounts` (pure; throws PolicyTooLarge before any write). */
  render(text: string | undefined, accounts: readonly string[]): PolicyRender;
}

/** Result of a shared-policy sync. */
export interface SharedPolicySyncResult {
  readonly changed: boolean;
  readonly bytes: number;
  readonly limit: number;
  /** Accounts the policy grants after the sync. */
  readonly accounts: number;
}

/** Ensures `accountId` is granted by `policy`, writing only when something differs. */
export async function syncSharedPolicy(args: {
  accountId: string;
  owner: string;
  leaseSeconds: number;
  policy: SharedPolicy;
  status: StatusPort;
  lock: LockPort;
}): Promise<SharedPolicySyncResult> {
  const { accountId, policy } = args;
  const summary = (r: PolicyRender, changed: boolean): SharedPolicySyncResult => ({
    changed,
    bytes: r.bytes,
    limit: r.limit,
    accounts: r.accounts.length,
  });

  // 1. Already granted exactly as we would render it: nothing to do, no lease, no write.
  const before = await policy.port.get();
  const granted = policy.accountsIn(before);
  if (granted.includes(accountId)) {
    const r = policy.render(before, granted);
    if (!r.changed) return summary(r, false);
  }

  // 2. Admit the account to the member set (the set the holder of the lease renders from).
  const members = await args.status.members();
  if (!members.includes(accountId)) await args.status.addMember(accountId);

  // 3-4. Under the lease: re-read, render from everything admitted, write if different.
  return args.lock.withLease(policy.name, args.owner, args.leaseSeconds, async () => {
    const current = await policy.port.get();
    const admitted = await args.status.members();
    const accounts = [...new Set([...policy.accountsIn(current), ...admitted, accountId])];
    const r = policy.render(current, accounts);
    if (r.changed) await policy.port.put(r.text);
    return summary(r, r.changed);
  });
}
