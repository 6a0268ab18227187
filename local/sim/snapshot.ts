/**
 * A deterministic, JSON-serializable view of the world's state, for "same end state as a clean
 * run" comparisons. Generated ids and timestamps are left out; documents are parsed (white space
 * does not count) but keep their statement order; maps are sorted by key.
 */
import { DEFAULT_EVENT_SELECTOR } from './cloudtrail';
import type { SimWorld } from './world';

// Type aliases rather than interfaces: they stay assignable to Record<string, unknown>.

/** One role. */
export type RoleSnapshot = {
  readonly path: string;
  readonly trustPolicy: unknown;
  readonly description?: string;
  readonly maxSessionDuration: number;
  readonly tags: Record<string, string>;
  readonly managedPolicyArns: string[];
  readonly inlinePolicies: Record<string, unknown>;
};

/** One trail. */
export type TrailSnapshot = {
  readonly s3BucketName: string;
  readonly s3KeyPrefix?: string;
  readonly kmsKeyId?: string;
  readonly isMultiRegionTrail: boolean;
  readonly includeGlobalServiceEvents: boolean;
  readonly logFileValidationEnabled: boolean;
  readonly tags: Record<string, string>;
  readonly isLogging: boolean;
  /** The selectors in effect (GetEventSelectors: the default selector when none were put). */
  readonly eventSelectors?: unknown[];
  /** Advanced event selectors, when the trail has them instead. */
  readonly advancedEventSelectors?: unknown[];
};

/** The whole world. */
export type WorldSnapshot = {
  readonly accounts: Record<string, { name: string; state: string; inOrganization: boolean }>;
  /** Role ARN -> role. */
  readonly roles: Record<string, RoleSnapshot>;
  /** Bucket name -> owner, region, policy (null when none). */
  readonly buckets: Record<string, { ownerAccountId: string; region: string; policy: unknown }>;
  /** Key ARN -> policy and state. */
  readonly keys: Record<string, { policy: unknown; keyState: string }>;
  /** Trail ARN -> trail. */
  readonly trails: Record<string, TrailSnapshot>;
  /** EventBridge bus ARN -> policy (null when none): custom buses, and default buses with a policy. */
  readonly eventBuses: Record<string, { policy: unknown }>;
  /** EventBridge rule ARN -> state, pattern and targets (sorted by id). */
  readonly eventRules: Record<string, Record<string, unknown>>;
};

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const tagMap = (tags: readonly { Key?: string; Value?: string }[]): Record<string, string> =>
  Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? '']).sort(([a], [b]) => a.localeCompare(b)));

const sortedRecord = <T>(entries: [string, T][]): Record<string, T> => Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));

/** Builds the snapshot. */
export function snapshotOf(world: SimWorld): WorldSnapshot {
  const roles: [string, RoleSnapshot][] = [];
  for (const accountId of world.iam.accountsWithRoles()) {
    for (const role of world.iam.rolesOf(accountId)) {
      roles.push([
        role.arn,
        {
          path: role.path,
          trustPolicy: parsed(role.trustPolicy),
          ...(role.description !== undefined ? { description: role.description } : {}),
          maxSessionDuration: role.maxSessionDuration,
          tags: tagMap(role.tags),
          managedPolicyArns: [...role.attached].sort(),
          inlinePolicies: sortedRecord([...role.inline].map(([name, text]) => [name, parsed(text)])),
        },
      ]);
    }
  }
  return {
    accounts: sortedRecord(world.accounts.list().map((a) => [a.id, { name: a.name, state: a.state, inOrganization: a.inOrganization }])),
    roles: sortedRecord(roles),
    buckets: sortedRecord(world.s3.list().map((b) => [b.name, { ownerAccountId: b.ownerAccountId, region: b.region, policy: b.policy === undefined ? null : parsed(b.policy) }])),
    keys: sortedRecord(world.kms.list().map((k) => [k.arn, { policy: parsed(k.policy), keyState: k.keyState }])),
    trails: sortedRecord(
      world.cloudtrail.list().map((t) => [
        t.arn,
        {
          s3BucketName: t.s3BucketName,
          ...(t.s3KeyPrefix !== undefined ? { s3KeyPrefix: t.s3KeyPrefix } : {}),
          ...(t.kmsKeyId !== undefined ? { kmsKeyId: t.kmsKeyId } : {}),
          isMultiRegionTrail: t.isMultiRegionTrail,
          includeGlobalServiceEvents: t.includeGlobalServiceEvents,
          logFileValidationEnabled: t.logFileValidationEnabled,
          tags: tagMap(t.tags),
          isLogging: t.isLogging,
          ...(t.advancedEventSelectors
            ? { advancedEventSelectors: structuredClone(t.advancedEventSelectors) }
            : { eventSelectors: structuredClone(t.eventSelectors ?? [DEFAULT_EVENT_SELECTOR]) }),
        },
      ]),
    ),
    ...world.events.snapshotState(),
  };
}
