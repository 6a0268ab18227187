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
import { allInOrder } from './settle';

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

/** What the protocol reads first: the policy and the member set, read at the same time (one round trip). */
export interface FirstRead {
  readonly text: string | undefined;
  readonly membership: { readonly members: string[]; readonly leaving: string[] };
}

/**
 * The policy and the member set, both requests in flight at once (settle.ts allInOrder). `port` may be
 * still opening (its session being assumed): the member set, a status-table read, does not wait for it.
 */
export async function readPolicyAndMembership(port: PolicyPort | Promise<PolicyPort>, status: StatusPort): Promise<FirstRead> {
  const [text, membership] = await allInOrder([(async () => (await port).get())(), status.membership()]);
  return { text, membership };
}

/**
 * Ensures `accountId` is granted by `policy`, writing only when something differs.
 *
 * A re-run on an onboarded account reads (the policy and the member set) and writes nothing: no
 * member-set write, no lease, no Put, in either mode. When the policy is organization-wide it no
 * longer lists the accounts, so the member set is the account list it is rendered from.
 *
 * Round trips of a fresh account: the first read (the policy and the member set together); the
 * admission and the lease together; under the lease the re-read and the member set together; the
 * Put; the release.
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
  /** The first read, when the caller started it (with its own reads); default: read here. */
  firstRead?: Promise<FirstRead>;
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
  const {
    text: before,
    membership: { members },
  } = await (args.firstRead ?? readPolicyAndMembership(policy.port, args.status));
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
      return summary(policy.render(before, [...new Set([...policy.accountsIn(before), ...members, accountId])]), false);
    }
  }

  // 2. Admit the account to the member set (the set the holder of the lease renders from). First
  //    render what the holder would write now: a policy that cannot hold the accounts (PolicyTooLarge)
  //    or would lose the key administrators fails here, before any write, the member set included.
  //    The admission is sent with the lease's acquisition (one round trip) and made whether the lease
  //    is free or not: a holder's render covers it.
  policy.render(before, [...new Set([...policy.accountsIn(before), ...members, accountId])]);
  const admit = members.includes(accountId) ? {} : { alongside: () => args.status.addMember(accountId) };

  // 3-4. Under the lease: re-read (the policy and the member set together), render from everything
  //      admitted, write if different.
  return args.lock.withLease(policy.name, args.owner, args.leaseSeconds, async () => {
    const read = await readPolicyAndMembership(policy.port, args.status);
    let current = read.text;
    let { members: admitted, leaving } = read.membership;
    // A burst is under way when others are admitted and not granted yet: give the rest of it time to
    // be admitted, so that this one write covers them all and theirs find nothing to do. The holder
    // waits a window, and another while the last one admitted someone new (the burst still arriving),
    // at most batchWindowsOf() windows in all. (A lone onboarding never waits.)
    if (args.batchWindowMs > 0 && admitted.some((a) => a !== accountId && !policy.grants(current, a))) {
      const windows = batchWindowsOf(args.batchWindowMs);
      for (let i = 0; i < windows; i++) {
        const seen = new Set(admitted);
        await args.sleep(args.batchWindowMs);
        ({ members: admitted, leaving } = await args.status.membership());
        if (!admitted.some((a) => !seen.has(a))) break;
      }
      current = await policy.port.get();
    }
    const r = policy.render(current, grantedAfterRender(policy.accountsIn(current), admitted, leaving, accountId));
    if (r.changed) await policy.port.put(r.text);
    return summary(r, r.changed);
  }, admit);
}

/** At most this many batch windows per holder, and at most this long in all (ms). */
export const BATCH_WINDOWS_MAX = 8;
export const BATCH_WAIT_MAX_MS = 30_000;

/**
 * How many windows of `batchWindowMs` a holder may wait during a burst: 8 (8 s at the default 1 s), and
 * never more than 30 s in all, well inside the step's timeout (120 s) and the lease (at least 121 s).
 */
export function batchWindowsOf(batchWindowMs: number): number {
  return Math.max(1, Math.min(BATCH_WINDOWS_MAX, Math.floor(BATCH_WAIT_MAX_MS / batchWindowMs)));
}

/**
 * The accounts a render under the lease grants: those the policy lists and those admitted, less the
 * accounts leaving (offboarded, even while the policy still lists them), plus `joining` (the account
 * being onboarded; undefined for an offboarding's render).
 */
export function grantedAfterRender(listed: readonly string[], admitted: readonly string[], leaving: readonly string[], joining?: string): string[] {
  const out = new Set([...listed, ...admitted].filter((a) => !leaving.includes(a)));
  if (joining !== undefined) out.add(joining);
  return [...out];
}

/** Result of withdrawing an account from one shared policy. */
export interface SharedPolicyWithdrawResult {
  /** The policy was written. */
  readonly changed: boolean;
  /** The policy still lets the account's trail deliver (granted organization-wide: it names no account). */
  readonly stillGranted: boolean;
}

/**
 * Offboarding: withdraws `accountId` from the member set and renders `policy` without it, under the
 * same lease as onboarding (re-read there; every account admitted or listed, less every account
 * leaving), so concurrent onboardings and offboardings lose no update and coalesce: whoever holds the
 * lease writes every change admitted so far. Idempotent: a policy that no longer lists the account
 * takes no lease and is not written.
 */
export async function withdrawFromSharedPolicy(args: {
  accountId: string;
  owner: string;
  leaseSeconds: number;
  policy: SharedPolicy;
  status: StatusPort;
  lock: LockPort;
}): Promise<SharedPolicyWithdrawResult> {
  const { accountId, policy } = args;
  // Leaving first (also for an account a policy lists without it ever being admitted): every render from
  // now on, whoever makes it, leaves it out.
  const { members, leaving } = await args.status.membership();
  if (members.includes(accountId) || !leaving.includes(accountId)) await args.status.removeMember(accountId);
  const before = await policy.port.get();
  if (!policy.accountsIn(before).includes(accountId)) return { changed: false, stillGranted: policy.grants(before, accountId) };
  return args.lock.withLease(policy.name, args.owner, args.leaseSeconds, async () => {
    const {
      text: current,
      membership: { members: admitted, leaving },
    } = await readPolicyAndMembership(policy.port, args.status);
    const r = policy.render(current, grantedAfterRender(policy.accountsIn(current), admitted, leaving));
    if (r.changed) await policy.port.put(r.text);
    return { changed: r.changed, stillGranted: policy.grants(r.text, accountId) };
  });
}
