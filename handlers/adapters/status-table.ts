/**
 * Layout of the status table (docs/DESIGN.md "Status table"): one string key `pk`, no sort key.
 * Shared by status-store.ts and lease-lock.ts.
 */
import { ResourceNotFound, type OnboardingError } from '../shared/errors';
import { type AwsCall, describeCall, isAwsError, mapAwsError, toOnboardingError } from './aws-errors';

/** Name of the table's partition key attribute (string). */
export const TABLE_KEY = 'pk';

/** Key of the shared-policy member set item. */
export const MEMBERS_KEY = 'MEMBERS#shared-policies';

/**
 * The status table's global secondary index on `status` (sort key `accountId`): `onboard list --status`
 * and the fleet reconcile Query it for one status instead of scanning the table. Sparse: only account
 * items have a `status`, so the member set, the leases and the sweep item are not in it.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html
 */
export const STATUS_INDEX_NAME = 'status-index';

/** Key prefix of account status items. */
export const ACCOUNT_KEY_PREFIX = 'ACCOUNT#';

/** `ACCOUNT#<accountId>`: the status item of one account. */
export function accountKey(accountId: string): string {
  return `${ACCOUNT_KEY_PREFIX}${accountId}`;
}

/** `LOCK#<name>`: the lease item of one shared policy (`bucket-policy`, `key-policy`). */
export function lockKey(name: string): string {
  return `LOCK#${name}`;
}

/** Maps a DynamoDB failure; a missing table -> `ResourceNotFound` naming the `tableName` config key. */
export function tableError(e: unknown, call: AwsCall): OnboardingError {
  if (isAwsError(e, 'ResourceNotFoundException')) {
    return mapAwsError(
      ResourceNotFound,
      `${describeCall(call)}: the status table does not exist. Check tableName in the configuration.`,
      e,
      call,
    );
  }
  return toOnboardingError(e, call);
}
