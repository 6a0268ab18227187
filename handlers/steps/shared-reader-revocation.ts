/**
 * The shared reader role's deny list (handlers/domain/reader-revocation.ts): an offboarding adds its
 * account (OffboardAccount), an onboarding takes it off again (EnsureReaderRole in shared mode).
 *
 * PutRolePolicy replaces the whole document and has no conditional write, and offboardings run
 * concurrently, so the list is read and written under a lease, as the shared policies are
 * (handlers/adapters/lease-lock.ts): the holder re-reads the role, adds or removes its one account
 * and writes; the others wait (PolicyLockBusy, retried by the state machine). A run whose account is
 * already as wanted takes no lease and writes nothing. The re-read relies on IAM handing back the last
 * write within the lease, as the shared policies rely on S3 and KMS: IAM is eventually consistent
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
 */
import type { DriftItem, RunMode } from '../domain/drift';
import { OFFBOARDED_POLICY_NAME, planDenyList, SHARED_READER_LEASE } from '../domain/reader-revocation';
import type { ObservedRole } from '../domain/roles';
import type { LockPort, RolePort } from './deps';

/** What a change of the deny list did. */
export interface DenyListResult {
  /** The policy was written or deleted. */
  readonly changed: boolean;
  /** The account was not as wanted (in `report` mode: nothing was written). */
  readonly drift: DriftItem[];
}

/** The shared role as read for its deny list (tags from GetRole: the access role may not ListRoleTags it). */
function readRole(iam: RolePort, roleName: string): Promise<ObservedRole | undefined> {
  return iam.getRole(roleName, { tagsFromGetRole: true });
}

/**
 * Lists `accountId` in the shared role's deny list (`revoke`) or takes it off, writing only what
 * differs. A role that does not exist has no list to change (nothing can be assumed).
 *
 * @throws PolicyTooLarge before any write when the list would not fit the role's inline policies.
 * @throws PolicyLockBusy while another execution holds the lease.
 */
export async function setSharedReaderAccess(args: {
  readonly iam: RolePort;
  readonly lock: LockPort;
  readonly roleName: string;
  readonly accountId: string;
  readonly revoke: boolean;
  readonly owner: string;
  readonly leaseSeconds: number;
  readonly mode?: RunMode;
}): Promise<DenyListResult> {
  const { iam, roleName, accountId, revoke } = args;
  const before = await readRole(iam, roleName);
  if (!before || planDenyList(before, accountId, revoke).action === 'none') return { changed: false, drift: [] };
  const drift: DriftItem[] = revoke
    ? []
    : [{ resource: 'readerRole', code: 'ReaderAccessRevoked', detail: `Role ${roleName} denies account ${accountId} everything (its inline policy ${OFFBOARDED_POLICY_NAME}), left from an offboarding.` }];
  if (args.mode === 'report') return { changed: false, drift };
  return args.lock.withLease(SHARED_READER_LEASE, args.owner, args.leaseSeconds, async () => {
    const role = await readRole(iam, roleName);
    if (!role) return { changed: false, drift };
    const plan = planDenyList(role, accountId, revoke);
    if (plan.action === 'put') await iam.putInlinePolicy(roleName, OFFBOARDED_POLICY_NAME, plan.text);
    if (plan.action === 'delete') await iam.deleteInlinePolicy(roleName, OFFBOARDED_POLICY_NAME);
    return { changed: plan.action !== 'none', drift };
  });
}
