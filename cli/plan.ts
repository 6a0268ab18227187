/**
 * `onboard plan`: what a run for the given accounts would write, computed with the same domain code
 * the steps use, from the current shared policies (read from AWS or from files); `--offboard`: what an
 * offboarding of one account would change (buildOffboardPlan). Pure: no I/O here.
 */
import { createTwoFilesPatch } from 'diff';
import { accountsInBucketPolicy, bucketPolicyGrants, renderBucketPolicy } from '../handlers/domain/bucket-policy';
import { CHANGE_FORWARDER_ROLE_NAME, CHANGE_RULE_NAMES, iamEventsRegion } from '../handlers/domain/change-rules';
import { accountsInKeyPolicy, keyPolicyGrants, renderKeyPolicy } from '../handlers/domain/key-policy';
import { POLICY_LIMITS } from '../handlers/domain/limits';
import { logDestinationFromConfig, type LogDestination } from '../handlers/domain/log-destination';
import { parsePolicy, serializePolicy, type PolicyDocument, type PolicyRender } from '../handlers/domain/policy-document';
import { parseOnboardingRequest } from '../handlers/domain/request';
import { SharingMode, sharingModeOf } from '../handlers/domain/shared-policy';
import { desiredReaderRole, desiredSwitchRole, type RoleSpec } from '../handlers/domain/roles';
import { desiredOrganizationTrail } from '../handlers/domain/organization-trail';
import { desiredTrail, type TrailSpec } from '../handlers/domain/trail';
import type { RuntimeConfig } from '../handlers/shared/config';
import { PolicyTooLarge } from '../handlers/shared/errors';

/** One shared policy in a plan. */
export interface PolicyPlan {
  /** The document a run would leave (the current one when nothing changes). */
  readonly document: PolicyDocument;
  readonly changed: boolean;
  readonly bytes: number;
  readonly limit: number;
  /** Accounts the owned statements grant after the run. */
  readonly accounts: number;
  /** How the policy grants them: as a list of accounts, or organization-wide (past the list's limit). */
  readonly mode: SharingMode;
  /** Unified diff of the pretty-printed current and planned documents ('' when unchanged). */
  readonly diff: string;
}

/** A role as a run would create it, with every document in full. */
export interface RolePlanDocument {
  readonly roleName: string;
  readonly roleArn: string;
  readonly trustPolicy: PolicyDocument;
  readonly managedPolicyArns: string[];
  readonly inlinePolicies: Record<string, PolicyDocument>;
  readonly maxSessionDuration: number;
  readonly tags: { Key: string; Value: string }[];
}

/** The plan for a set of accounts. */
export interface OnboardingPlan {
  readonly bucketPolicy: PolicyPlan;
  readonly keyPolicy: PolicyPlan;
  readonly accounts: Record<string, { switchRole: RolePlanDocument; readerRole: RolePlanDocument; trail: TrailSpec }>;
}

/** Inputs of {@link buildPlan}. */
export interface PlanInput {
  /** Runtime configuration with `keyArn` resolved to the key ARN. */
  readonly config: RuntimeConfig;
  readonly accountIds: readonly string[];
  readonly currentBucketPolicy: string | undefined;
  readonly currentKeyPolicy: string | undefined;
  /** Whether the bucket uses an S3 Bucket Key (CloudTrail then also needs kms:Decrypt). Default false. */
  readonly bucketKeyEnabled?: boolean;
}

const pretty = (doc: PolicyDocument | undefined) => (doc ? JSON.stringify(doc, null, 2) + '\n' : '');

function roleDocument(spec: RoleSpec, accountId: string, partition: string): RolePlanDocument {
  return {
    roleName: spec.roleName,
    roleArn: `arn:${partition}:iam::${accountId}:role${spec.path}${spec.roleName}`,
    trustPolicy: spec.trustPolicy,
    managedPolicyArns: spec.managedPolicyArns,
    inlinePolicies: spec.inlinePolicies,
    maxSessionDuration: spec.maxSessionDuration,
    tags: spec.tags,
  };
}

/**
 * Renders one shared policy for the union of the accounts it grants and the requested ones. Past the
 * limit of the account list it is organization-wide when the configuration names the organization;
 * otherwise the error says how many of the requested accounts would fit.
 */
function planPolicy(
  what: 'bucket policy' | 'key policy',
  current: string | undefined,
  requested: readonly string[],
  accountsIn: (doc: PolicyDocument, dest: LogDestination) => string[],
  render: (text: string | undefined, accounts: readonly string[], dest: LogDestination) => PolicyRender,
  dest: LogDestination,
): PolicyPlan {
  const currentDoc = current ? parsePolicy(current, what) : undefined;
  const granted = currentDoc ? accountsIn(currentDoc, dest) : [];
  const wanted = requested.filter((a) => !granted.includes(a));
  let r: PolicyRender;
  try {
    r = render(current, [...granted, ...wanted], dest);
  } catch (e) {
    if (!(e instanceof PolicyTooLarge)) throw e;
    const fit = largestFit((n) => render(current, [...granted, ...wanted.slice(0, n)], dest), wanted.length);
    const kind = what === 'bucket policy' ? 'bucketPolicy' : 'keyPolicy';
    throw new PolicyTooLarge(
      `The ${what} cannot grant all ${requested.length.toLocaleString('en-US')} requested accounts within the AWS limit of ` +
        `${POLICY_LIMITS[kind].max.toLocaleString('en-US')} ${POLICY_LIMITS[kind].unit}: it already grants ${granted.length} ` +
        `and ${fit.toLocaleString('en-US')} of the ${wanted.length.toLocaleString('en-US')} new accounts fit ` +
        `(${(granted.length + fit).toLocaleString('en-US')} in total). ${e.message}`,
      { ...e.details, fit: granted.length + fit, newAccountsThatFit: fit, requested: requested.length },
      { cause: e },
    );
  }
  const diff = r.changed ? createTwoFilesPatch(`current ${what}`, `planned ${what}`, pretty(currentDoc), pretty(r.document), '', '', { context: 3 }) : '';
  return { document: r.document, changed: r.changed, bytes: r.bytes, limit: r.limit, accounts: r.accounts.length, mode: r.mode, diff };
}

/** The largest n in [0, max] for which `attempt(n)` does not throw PolicyTooLarge (monotone in n). */
function largestFit(attempt: (n: number) => unknown, max: number): number {
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      attempt(mid);
      lo = mid;
    } catch (e) {
      if (!(e instanceof PolicyTooLarge)) throw e;
      hi = mid - 1;
    }
  }
  return lo;
}

/** Builds the plan. Throws InvalidAccountId for a bad id and PolicyTooLarge when the policies cannot hold the accounts. */
export function buildPlan(input: PlanInput): OnboardingPlan {
  const ids = [...new Set(input.accountIds.map((a) => parseOnboardingRequest({ accountId: a }).accountId))];
  const dest = { ...logDestinationFromConfig(input.config), bucketKeyEnabled: input.bucketKeyEnabled === true };
  const bucketPolicy = planPolicy('bucket policy', input.currentBucketPolicy, ids, accountsInBucketPolicy, renderBucketPolicy, dest);
  const keyPolicy = planPolicy('key policy', input.currentKeyPolicy, ids, accountsInKeyPolicy, renderKeyPolicy, dest);
  const switchRole = desiredSwitchRole(input.config);
  // Organization mode: the one organization trail every account is logged by (an existing one, by ARN, is
  // only verified: the plan shows what it must be), not a trail per account.
  const trail = input.config.trailMode === 'organization' ? desiredOrganizationTrail(input.config) : desiredTrail(input.config);
  const accounts: OnboardingPlan['accounts'] = {};
  for (const id of ids) {
    accounts[id] = {
      switchRole: roleDocument(switchRole, id, input.config.partition),
      readerRole: roleDocument(desiredReaderRole(input.config, id), input.config.logArchiveAccountId, input.config.partition),
      trail,
    };
  }
  return { bucketPolicy, keyPolicy, accounts };
}

/** What an offboarding does to one shared policy for the account. */
export type OffboardPolicyEffect =
  /** The account's grant is withdrawn (the policy is rewritten without it). */
  | 'withdrawn'
  /** The policy does not list the account: nothing to withdraw, no write. */
  | 'not-listed'
  /** The policy grants the organization as a whole (`aws:SourceOrgID`): it names no account, the grant stays. */
  | 'granted-organization-wide';

/** What an offboarding removes for the account, beside the shared policies. */
export interface OffboardAccountPlan {
  readonly action: 'offboard';
  readonly bucketPolicy: OffboardPolicyEffect;
  readonly keyPolicy: OffboardPolicyEffect;
  /**
   * Deleted in the account through the member-access role, each only if it is there and carries the
   * service's ownership tag (the plan does not read the account): the trail, the switch role, the change
   * rules (home region, and the region of IAM's events) and their forwarder role.
   */
  readonly deletes: { readonly trail: string; readonly switchRole: string; readonly changeRules: string[]; readonly changeForwarderRole: string };
  /** The reader role in the log-archive account: deleted, kept `keepReaderRoleDays`, or the shared role (nothing per account). */
  readonly readerRole: { readonly roleArn: string; readonly fate: 'deleted' } | { readonly roleArn: string; readonly fate: 'kept'; readonly keptForDays: number } | { readonly fate: 'shared' };
}

/** The plan of an offboarding: the same shape as an onboarding's, `{ bucketPolicy, keyPolicy, accounts }`. */
export interface OffboardingPlan {
  readonly bucketPolicy: PolicyPlan;
  readonly keyPolicy: PolicyPlan;
  readonly accounts: Record<string, OffboardAccountPlan>;
}

/**
 * One shared policy after the account is withdrawn, rendered as the offboarding renders it
 * (handlers/steps/shared-policy-sync.ts withdrawFromSharedPolicy): every account the policy lists
 * except this one; a policy that does not list it is left as it is (an organization-wide grant names
 * no account). In `trailMode` `organization` the policies list no account: the account's per-account
 * statements kept from account mode are retired (handlers/steps/ensure-shared-policies.ts
 * retireAccountTrailGrants), and nothing else is written.
 */
function planWithdrawal(
  what: 'bucket policy' | 'key policy',
  current: string | undefined,
  accountId: string,
  kind: { accountsIn: (doc: PolicyDocument, dest: LogDestination) => string[]; grants: (doc: PolicyDocument, id: string, dest: LogDestination) => boolean; render: (text: string | undefined, accounts: readonly string[], dest: LogDestination) => PolicyRender },
  dest: LogDestination,
): { plan: PolicyPlan; effect: OffboardPolicyEffect } {
  const currentDoc = current ? parsePolicy(current, what) : undefined;
  let r: PolicyRender | undefined;
  if (dest.organizationTrail) {
    const retired = kind.render(current, [], { ...dest, retiredAccountTrails: [accountId] });
    if (retired.text !== kind.render(current, [], { ...dest, retiredAccountTrails: [] }).text) r = retired;
  } else if (currentDoc && kind.accountsIn(currentDoc, dest).includes(accountId)) {
    r = kind.render(current, kind.accountsIn(currentDoc, dest).filter((a) => a !== accountId), dest);
  }
  if (!r || !r.changed) {
    // Nothing an offboarding would write: the current document as it is.
    const doc = currentDoc ?? { Version: '2012-10-17', Statement: [] };
    const organizationTrail = dest.organizationTrail !== undefined;
    const grantedOrgWide = !organizationTrail && currentDoc !== undefined && kind.grants(currentDoc, accountId, dest);
    const plan: PolicyPlan = {
      document: doc,
      changed: false,
      bytes: Buffer.byteLength(serializePolicy(doc), 'utf8'),
      limit: POLICY_LIMITS[what === 'bucket policy' ? 'bucketPolicy' : 'keyPolicy'].max,
      accounts: organizationTrail ? 0 : kind.accountsIn(doc, dest).length,
      mode: organizationTrail ? SharingMode.organizationTrail : sharingModeOf(doc),
      diff: '',
    };
    return { plan, effect: grantedOrgWide ? 'granted-organization-wide' : 'not-listed' };
  }
  const diff = createTwoFilesPatch(`current ${what}`, `planned ${what}`, pretty(currentDoc), pretty(r.document), '', '', { context: 3 });
  return { plan: { document: r.document, changed: true, bytes: r.bytes, limit: r.limit, accounts: r.accounts.length, mode: r.mode, diff }, effect: 'withdrawn' };
}

/** Inputs of {@link buildOffboardPlan}: those of a plan, for one account. */
export type OffboardPlanInput = Omit<PlanInput, 'accountIds'> & { readonly accountId: string };

/**
 * The plan of offboarding one account (`onboard plan --offboard <id>`): both shared policies without
 * its grant, with their diffs, and what else an offboarding removes. Writes and reads nothing itself.
 * @throws InvalidAccountId for a bad id.
 */
export function buildOffboardPlan(input: OffboardPlanInput): OffboardingPlan {
  const id = parseOnboardingRequest({ accountId: input.accountId }).accountId;
  const config = input.config;
  const dest = { ...logDestinationFromConfig(config), bucketKeyEnabled: input.bucketKeyEnabled === true };
  const bucket = planWithdrawal('bucket policy', input.currentBucketPolicy, id, { accountsIn: accountsInBucketPolicy, grants: bucketPolicyGrants, render: renderBucketPolicy }, dest);
  const key = planWithdrawal('key policy', input.currentKeyPolicy, id, { accountsIn: accountsInKeyPolicy, grants: keyPolicyGrants, render: renderKeyPolicy }, dest);
  const switchRole = roleDocument(desiredSwitchRole(config), id, config.partition);
  return {
    bucketPolicy: bucket.plan,
    keyPolicy: key.plan,
    accounts: {
      [id]: {
        action: 'offboard',
        bucketPolicy: bucket.effect,
        keyPolicy: key.effect,
        deletes: {
          trail: `arn:${config.partition}:cloudtrail:${config.homeRegion}:${id}:trail/${config.trailName}`,
          switchRole: switchRole.roleArn,
          changeRules: [`${config.homeRegion}/${CHANGE_RULE_NAMES.trail}`, `${iamEventsRegion(config.partition)}/${CHANGE_RULE_NAMES.roles}`],
          changeForwarderRole: `arn:${config.partition}:iam::${id}:role/${CHANGE_FORWARDER_ROLE_NAME}`,
        },
        readerRole: readerRoleFate(config, id),
      },
    },
  };
}

/** What an offboarding does with the account's reader role (handlers/steps/offboard-account.ts step 3). */
function readerRoleFate(config: RuntimeConfig, accountId: string): OffboardAccountPlan['readerRole'] {
  if (config.readerAccess.mode === 'shared') return { fate: 'shared' };
  const roleArn = roleDocument(desiredReaderRole(config, accountId), config.logArchiveAccountId, config.partition).roleArn;
  const days = config.offboarding.keepReaderRoleDays;
  return days > 0 ? { roleArn, fate: 'kept', keptForDays: days } : { roleArn, fate: 'deleted' };
}
