/** Steps 2 and 3: the central bucket policy and the central key policy grant the account's trail. */
import { accountsInBucketPolicy, bucketPolicyGrants, renderBucketPolicy } from '../domain/bucket-policy';
import { accountsInKeyPolicy, keyPolicyGrants, renderKeyPolicy } from '../domain/key-policy';
import { logDestinationFromConfig, type LogDestination } from '../domain/log-destination';
import { parsePolicy, type PolicyDocument, type PolicyRender } from '../domain/policy-document';
import { keyStateDrift, type RunMode } from '../domain/drift';
import { resolvedConfig, type PolicyPort, type StepDeps } from './deps';
import { allInOrder } from './settle';
import {
  readPolicyAndMembership,
  syncSharedPolicy,
  withdrawFromSharedPolicy,
  type FirstRead,
  type SharedPolicy,
  type SharedPolicySyncResult,
  type SharedPolicyWithdrawResult,
} from './shared-policy-sync';

/** Lease names of the shared policies. */
export const POLICY_LEASES = { bucket: 'bucket-policy', key: 'key-policy' } as const;

/** What differs between the two shared policies. */
interface PolicyKind {
  readonly lease: string;
  readonly resource: 'bucketPolicy' | 'keyPolicy';
  readonly what: string;
  port(deps: StepDeps): Promise<PolicyPort>;
  accountsIn(doc: PolicyDocument, dest: LogDestination): string[];
  grants(doc: PolicyDocument, accountId: string, dest: LogDestination): boolean;
  render(text: string | undefined, accounts: readonly string[], dest: LogDestination): PolicyRender;
}

const KINDS = {
  bucket: {
    lease: POLICY_LEASES.bucket,
    resource: 'bucketPolicy',
    what: 'bucket policy',
    port: (deps) => deps.bucketPolicy(),
    accountsIn: accountsInBucketPolicy,
    grants: bucketPolicyGrants,
    render: renderBucketPolicy,
  },
  key: {
    lease: POLICY_LEASES.key,
    resource: 'keyPolicy',
    what: 'key policy',
    port: (deps) => deps.keyPolicy(),
    accountsIn: accountsInKeyPolicy,
    grants: keyPolicyGrants,
    render: renderKeyPolicy,
  },
} as const satisfies Record<string, PolicyKind>;

async function ensureSharedPolicy(
  kind: PolicyKind,
  deps: StepDeps,
  accountId: string,
  owner: string,
  mode: RunMode,
  observed: Partial<LogDestination> = {},
  /** The protocol's first read, when the caller started it; default: started here, with the other reads. */
  firstRead: Promise<FirstRead> = firstReadOf(kind, deps),
): Promise<SharedPolicySyncResult> {
  // The key policy names the key's own ARN (the configuration may give an alias). Both settled before
  // going on, so that no request of the step is left in flight when it fails.
  const [config] = await Promise.allSettled([resolvedConfig(deps), firstRead]);
  if (config.status === 'rejected') throw config.reason;
  // (firstRead's own failure is thrown where syncSharedPolicy awaits it.)
  const dest: LogDestination = { ...logDestinationFromConfig(config.value), ...observed };
  return syncSharedPolicy({
    firstRead,
    accountId,
    owner,
    leaseSeconds: deps.config.lockLeaseSeconds,
    batchWindowMs: deps.config.policyBatchWindowMs,
    sleep: deps.sleep,
    status: deps.status,
    lock: deps.lock,
    resource: kind.resource,
    mode,
    policy: await sharedPolicyOf(kind, deps, dest),
  });
}

/**
 * The policy and the member set, both requests sent at once (the member set, a status-table read, needs
 * no log-archive session: it is in flight while that session is assumed). Started before it is awaited,
 * so a rejection is handled here and surfaces where it is awaited.
 */
function firstReadOf(kind: PolicyKind, deps: StepDeps): Promise<FirstRead> {
  const read = readPolicyAndMembership(kind.port(deps), deps.status);
  read.catch(() => undefined);
  return read;
}

/** One shared policy for the write protocol (shared-policy-sync.ts), read and rendered for `dest`. */
async function sharedPolicyOf(kind: PolicyKind, deps: StepDeps, dest: LogDestination): Promise<SharedPolicy> {
  return {
    name: kind.lease,
    port: await kind.port(deps),
    accountsIn: (text) => kind.accountsIn(parsePolicy(text, kind.what), dest),
    grants: (text, id) => kind.grants(parsePolicy(text, kind.what), id, dest),
    render: (text, accounts) => kind.render(text, accounts, dest),
  };
}

/** Ensures the bucket policy lets `accountId`'s trail deliver. */
export function ensureBucketPolicy(deps: StepDeps, accountId: string, owner: string, mode: RunMode = 'apply'): Promise<SharedPolicySyncResult> {
  return ensureSharedPolicy(KINDS.bucket, deps, accountId, owner, mode);
}

/**
 * Ensures the key policy lets `accountId`'s trail encrypt with the central key. Whether the bucket
 * encrypts with an S3 Bucket Key is read first (GetBucketEncryption through the log-archive
 * session): CloudTrail is granted `kms:Decrypt` only then, decided at every render, so turning the
 * bucket key on or off is followed by the next run, and a re-run writes nothing.
 */
export async function ensureKeyPolicy(deps: StepDeps, accountId: string, owner: string, mode: RunMode = 'apply'): Promise<SharedPolicySyncResult> {
  // The reads are independent, so they are sent at once: the key's state, its ARN, the bucket's
  // encryption, the key policy and the member set (one round trip). GetKeyPolicy answers in every key
  // state (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html), and bringing the key
  // back does not change its policy.
  const firstRead = firstReadOf(KINDS.key, deps);
  const keyRead = (async () => {
    const key = await deps.keyState();
    const [state, keyArn] = await Promise.all([key.state(), deps.resolveKeyArn()]);
    return { key, state, keyArn };
  })();
  const bucketKey = (async () => (await deps.bucketPolicy()).bucketKeyEnabled())();
  // All settled (none left in flight); a failure is thrown in the order they were read one by one before.
  const [{ key, state, keyArn }, bucketKeyEnabled] = await allInOrder([keyRead, bucketKey, firstRead]);
  // The key itself first: a disabled key, or one scheduled for deletion, encrypts nothing. Applying,
  // a scheduled deletion is cancelled (the key is then Disabled) and the key enabled.
  const keyDrift = keyStateDrift(state, keyArn);
  if (mode === 'apply' && keyDrift.length) {
    if (state.keyState === 'PendingDeletion') await key.cancelDeletion();
    await key.enable();
  }
  const r = await ensureSharedPolicy(KINDS.key, deps, accountId, owner, mode, { bucketKeyEnabled }, firstRead);
  return { ...r, changed: r.changed || (mode === 'apply' && keyDrift.length > 0), drift: [...keyDrift, ...r.drift] };
}

/** What retiring an account's per-account grants did to each shared policy. */
export interface RetiredGrants {
  readonly bucketPolicy: boolean;
  readonly keyPolicy: boolean;
}

/**
 * `migrateAccountTrails`, after the account's per-account trail is gone: removes the account from the
 * service's per-account statements of both shared policies (the organization trail's statements and
 * every foreign statement unchanged; handlers/domain/shared-policy.ts renderOrganizationTrailPolicy).
 * Each under its policy's lease, re-read there, so no concurrent write is lost: no other writer of
 * organization mode adds a per-account grant, so one removal never needs another's coalescing. The
 * trail goes first (the caller), so no delivery is left failing.
 * @returns which policy was written (false: the account was not listed there, or `report` mode).
 */
export async function retireAccountTrailGrants(deps: StepDeps, accountId: string, owner: string, mode: RunMode = 'apply'): Promise<RetiredGrants> {
  const dest: LogDestination = { ...logDestinationFromConfig(await resolvedConfig(deps)), retiredAccountTrails: [accountId] };
  const bucketKeyEnabled = await (await deps.bucketPolicy()).bucketKeyEnabled();
  const retire = async (kind: PolicyKind, observed: Partial<LogDestination>): Promise<boolean> => {
    const port = await kind.port(deps);
    // What was read first: a policy whose per-account statements do not list the account takes no lease
    // (nor does one whose only difference is another, the organization statements: SharedPolicies' to write).
    const text = await port.get();
    const without = kind.render(text, [], { ...dest, ...observed, retiredAccountTrails: [] });
    if (kind.render(text, [], { ...dest, ...observed }).text === without.text || mode === 'report') return false;
    return deps.lock.withLease(kind.lease, owner, deps.config.lockLeaseSeconds, async () => {
      const text = await port.get();
      const r = kind.render(text, [], { ...dest, ...observed });
      if (r.changed) await port.put(r.text);
      return r.changed;
    });
  };
  return { bucketPolicy: await retire(KINDS.bucket, {}), keyPolicy: await retire(KINDS.key, { bucketKeyEnabled }) };
}

/**
 * Offboarding, `trailMode` `account`: withdraws `accountId` from the member set and from both shared
 * policies (shared-policy-sync.ts withdrawFromSharedPolicy: under each policy's lease, coalescing with
 * onboardings and other offboardings).
 */
export async function withdrawFromSharedPolicies(deps: StepDeps, accountId: string, owner: string): Promise<Record<'bucketPolicy' | 'keyPolicy', SharedPolicyWithdrawResult>> {
  const base: LogDestination = logDestinationFromConfig(await resolvedConfig(deps));
  const bucketKeyEnabled = await (await deps.bucketPolicy()).bucketKeyEnabled();
  const withdraw = async (kind: PolicyKind, dest: LogDestination) =>
    withdrawFromSharedPolicy({
      accountId,
      owner,
      leaseSeconds: deps.config.lockLeaseSeconds,
      status: deps.status,
      lock: deps.lock,
      policy: await sharedPolicyOf(kind, deps, dest),
    });
  return { bucketPolicy: await withdraw(KINDS.bucket, base), keyPolicy: await withdraw(KINDS.key, { ...base, bucketKeyEnabled }) };
}
