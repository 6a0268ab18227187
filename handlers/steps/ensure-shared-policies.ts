/** Steps 2 and 3: the central bucket policy and the central key policy grant the account's trail. */
import { accountsInBucketPolicy, bucketPolicyGrants, renderBucketPolicy } from '../domain/bucket-policy';
import { accountsInKeyPolicy, keyPolicyGrants, renderKeyPolicy } from '../domain/key-policy';
import { logDestinationFromConfig } from '../domain/log-destination';
import { parsePolicy } from '../domain/policy-document';
import { resolvedConfig, type StepDeps } from './deps';
import { syncSharedPolicy, type SharedPolicySyncResult } from './shared-policy-sync';

/** Lease names of the shared policies. */
export const POLICY_LEASES = { bucket: 'bucket-policy', key: 'key-policy' } as const;

/** Ensures the bucket policy lets `accountId`'s trail deliver. */
export async function ensureBucketPolicy(deps: StepDeps, accountId: string, owner: string): Promise<SharedPolicySyncResult> {
  const dest = logDestinationFromConfig(deps.config);
  return syncSharedPolicy({
    accountId,
    owner,
    leaseSeconds: deps.config.lockLeaseSeconds,
    status: deps.status,
    lock: deps.lock,
    policy: {
      name: POLICY_LEASES.bucket,
      port: await deps.bucketPolicy(),
      accountsIn: (text) => accountsInBucketPolicy(parsePolicy(text, 'bucket policy'), dest),
      grants: (text, accountId) => bucketPolicyGrants(parsePolicy(text, 'bucket policy'), accountId, dest),
      render: (text, accounts) => renderBucketPolicy(text, accounts, dest),
    },
  });
}

/** Ensures the key policy lets `accountId`'s trail encrypt with the central key. */
export async function ensureKeyPolicy(deps: StepDeps, accountId: string, owner: string): Promise<SharedPolicySyncResult> {
  const dest = logDestinationFromConfig(await resolvedConfig(deps));
  return syncSharedPolicy({
    accountId,
    owner,
    leaseSeconds: deps.config.lockLeaseSeconds,
    status: deps.status,
    lock: deps.lock,
    policy: {
      name: POLICY_LEASES.key,
      port: await deps.keyPolicy(),
      accountsIn: (text) => accountsInKeyPolicy(parsePolicy(text, 'key policy'), dest),
      grants: (text, accountId) => keyPolicyGrants(parsePolicy(text, 'key policy'), accountId, dest),
      render: (text, accounts) => renderKeyPolicy(text, accounts, dest),
    },
  });
}
