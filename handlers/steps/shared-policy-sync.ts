/**
 * The write protocol of the two shared policies (docs/DESIGN.md, "Shared-policy write protocol").
 *
 * S3 PutBucketPolicy and KMS PutKeyPolicy have no conditional write, so concurrent executions would
 * overwrite each other. Writes are therefore serialized by a lease, and every write renders the
 * policy from the whole member set: whoever holds the lease writes every account admitted so far,
 * and a burst of onboardings coalesces into a few writes.
 */
import { policyDrift, type DriftItem, type RunMode } from '../domain/drift';
import type { PolicyRender } from '../domain/policy-document';
import type { SharingMode } from '../domain/shared-policy';
import type { LockPort, PolicyPort, StatusPort } from './deps';

/** One of the two shared policies. */
export interface SharedPolicy {
  /** Lease name, e.g. `bucket-policy`. */
  readonly name: string;
  readonly port: PolicyPort;
  /** Accounts the owned statements of `text` list (none when they are organization-wide). */
  accountsIn(text: string | undefined): string[];
  /** True when `text` already lets `accountId`'s trail deliver: listed, or granted organization-wide. */
  grants(text: string | undefined, accountId: string): boolean;
  /** Renders the policy for exactly `accounts` (pure; throws PolicyTooLarge before any write). */
  render(text: string | undefined, accounts: readonly string[]): PolicyRender;
}

/** Result of a shared-policy sync. */
export interface SharedPolicySyncResult {
  readonly changed: boolean;
  readonly bytes: number;
  readonly limit: number;
  /** Accounts the policy grants after the sync (listed, or admitted and covered organization-wide). */
  readonly accounts: number;
  /** How the policy grants them. */
  readonly mode: SharingMode;
  /** What differed for this account (and, in `apply` mode, was changed). */
  readonly drift: DriftItem[];
}

/**
 * Ensures `accountId` is granted by `policy`, writing only when something differs.
 *
 * A re-run on an onboarded account reads and writes nothing else: no member-set write, no lease, no
 * Put, in either mode. When the policy is organization-wide it no longer lists the accounts, so the
 * member set (a read) is the account list it is rendered from.
 */
export async function syncSharedPolicy(args: {
  accountId: string;
  owner: string;
  leaseSeconds: number;
  /** How long the holder of the lease waits for the rest of a burst before rendering (0: never). */
  batchWindowMs: number;
  sleep: (ms: number) => Promise<void>;
  policy: SharedPolicy;
  status: StatusPort;
  lock: LockPort;
  /** Which of the two policies (names the drift items). */
  resource: 'bucketPolicy' | 'keyPolicy';
  /** `report`: read and say what differs, write nothing (not even the member set). Default `apply`. */
  mode?: RunMode;
}): Promise<SharedPolicySyncResult> {
  const { accountId, policy } = args;
  let drift: DriftItem[] = [];
  const summary = (r: PolicyRender, changed: boolean): SharedPolicySyncResult => ({
    changed,
    bytes: r.bytes,
    limit: r.limit,
    accounts: r.accounts.length,
    mode: r.mode,
    drift,
  });

  // 1. Already granted exactly as we would render it: nothing to do, no lease, no write.
  const before = await policy.port.get();
  const granted = policy.grants(before, accountId);
  if (granted) {
    const listed = policy.accountsIn(before);
    if (listed.includes(accountId)) {
      const r = policy.render(before, listed);
      if (!r.changed) return summary(r, false);
      drift = policyDrift(args.resource, true, false, accountId);
      if (args.mode === 'report') return summary(r, false);
    } else {
      // Organization-wide: the policy names no account, the member set is the record of who is
      // onboarded. A new account is admitted (its only write); an admitted one writes nothing.
      const members = await args.status.members();
      const r = policy.render(before, [...new Set([...members, accountId])]);
      if (!r.changed) {
        if (!members.includes(accountId) && args.mode !== 'report') await args.status.addMember(accountId);
        return summary(r, false);
      }
      drift = policyDrift(args.resource, true, false, accountId);
      if (args.mode === 'report') return summary(r, false);
    }
  } else {
    drift = policyDrift(args.resource, false, false, accountId);
    if (args.mode === 'report') {
      const members = await args.status.members();
      return summary(policy.render(before, [...new Set([...policy.accountsIn(before), ...members, accountId])]), false);
    }
  }

  // 2. Admit the account to the member set (the set the holder of the lease renders from). First
  //    render what the holder would write now: a policy that cannot hold the accounts (PolicyTooLarge)
  //    or would lose the key administrators fails here, before any write, the member set included.
  const members = await args.status.members();
  policy.render(before, [...new Set([...policy.accountsIn(before), ...members, accountId])]);
  if (!members.includes(accountId)) await args.status.addMember(accountId);

  // 3-4. Under the lease: re-read, render from everything admitted, write if different.
  return args.lock.withLease(policy.name, args.owner, args.leaseSeconds, async () => {
    let current = await policy.port.get();
    let admitted = await args.status.members();
    // A burst is under way when others are admitted and not granted yet: give the rest of it a
    // moment to be admitted, so that this one write covers them all and theirs find nothing to do.
    // (A lone onboarding never waits.)
    if (args.batchWindowMs > 0 && admitted.some((a) => a !== accountId && !policy.grants(current, a))) {
      await args.sleep(args.batchWindowMs);
      current = await policy.port.get();
      admitted = await args.status.members();
    }
    const accounts = [...new Set([...policy.accountsIn(current), ...admitted, accountId])];
    const r = policy.render(current, accounts);
    if (r.changed) await policy.port.put(r.text);
    return summary(r, r.changed);
  });
}
