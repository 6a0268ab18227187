/**
 * The cases of a fault matrix and the checks of their outcome, shared by the account-mode matrix
 * (fault-matrix.test.ts) and the organization-mode one (fault-matrix-organization.test.ts); their
 * header comments say what a matrix proves. The rows come from fault-matrix.calls.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { lockKey, TABLE_KEY } from '../../../handlers/adapters/status-table';
import { SessionCache } from '../../../handlers/adapters/sts';
import { accountsInBucketPolicy, bucketPolicyGrants, renderBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy, keyPolicyGrants, renderKeyPolicy } from '../../../handlers/domain/key-policy';
import type { LogDestination } from '../../../handlers/domain/log-destination';
import { isOwnedStatement, parsePolicy, type PolicyDocument, type PolicyRender } from '../../../handlers/domain/policy-document';
import { createClient, SDK_MAX_ATTEMPTS } from '../../../handlers/shared/clients';
import { TERMINAL_ERRORS, type TerminalErrorName } from '../../../handlers/shared/errors';
import { POLICY_LEASES } from '../../../handlers/steps/ensure-shared-policies';
import { LOCAL_TABLE_NAME, type ExecutionResult } from '../../../local/runner';
import type { CallRecord, FaultKind, FaultSpec, WorldSnapshot } from '../../../local/sim';
import { SimAwsError } from '../../../local/sim/errors';
import { FaultInjector } from '../../../local/sim/faults';
import { RETRY_PROFILES } from '../../../statemachine/retry-policy';
import { accountResources, DEMO, startLocal, type Local } from '../harness';
import { distinctCalls, withMatrixBatchWindow, type DistinctCall } from './fault-matrix.calls';
import { destinationOf, startOptionsOf, type TrailMode } from './organization-mode';

export const KINDS: readonly FaultKind[] = ['Throttling', 'ServiceUnavailable', 'Propagation', 'AccessDenied'];

/** A passing fault fails this many attempts: every attempt of the SDK's own retry, so the state machine's Retry is needed too. */
export const PASSING_TIMES = SDK_MAX_ATTEMPTS;
/**
 * A denial is a missing permission: it denies every attempt (the SDK does not retry AccessDenied; the
 * state machine retries only what a step maps to a retryable name). In AWS, RecordFailure runs with
 * its own role, so the fault is lifted when that state is entered.
 */
export const DENIED_TIMES = 1_000;

/**
 * Calls that AWS never answers with the error the injector uses for 'Propagation' on their service,
 * so a retry there would rest on nothing real. They are still run, and must end as a terminal failure
 * with a named error that leaves everything whole (an error no step expects is not retried blindly).
 * Keyed by service and operation: the same in a member account and in the management account.
 */
export const NOT_AN_AWS_ANSWER: Record<string, { why: string; endsAs: TerminalErrorName }> = {
  'cloudtrail GetTrail': {
    why: 'a read; CloudTrail checks the bucket and key policies only on CreateTrail/UpdateTrail',
    endsAs: 'UnexpectedAwsError',
  },
  'cloudtrail DescribeTrails': {
    why: 'a read (the shadow-trail lookup); CloudTrail checks the bucket and key policies only on CreateTrail/UpdateTrail',
    endsAs: 'UnexpectedAwsError',
  },
  'cloudtrail GetTrailStatus': {
    why: 'a read; CloudTrail checks the bucket and key policies only on CreateTrail/UpdateTrail',
    endsAs: 'UnexpectedAwsError',
  },
  'cloudtrail StartLogging': {
    why: 'StartLogging does not check the bucket or key policy (not among its documented errors)',
    endsAs: 'UnexpectedAwsError',
  },
  's3 GetBucketPolicy': {
    why: 'a read; S3 checks the principals of a policy only when it is written',
    endsAs: 'InvalidPolicyDocument',
  },
  's3 GetBucketEncryption': {
    why: 'a read (whether the bucket uses an S3 Bucket Key); S3 checks the principals of a policy only when it is written',
    endsAs: 'InvalidPolicyDocument',
  },
  's3 PutBucketPolicy': {
    why:
      'the owned statements name only the CloudTrail service principal and the foreign ones were accepted by S3 ' +
      'before, so "Invalid principal" cannot be propagation (handlers/adapters/s3.ts maps it to InvalidPolicyDocument)',
    endsAs: 'InvalidPolicyDocument',
  },
};

export const label = (c: DistinctCall) => `${c.service} ${c.operation} (${c.target})`;

/** The error name the injector gives `kind` on `call`, or why it refuses (it gives the kind no meaning for the service). */
function injected(call: DistinctCall, kind: FaultKind): { name: string } | { refused: string } {
  const injector = new FaultInjector();
  try {
    injector.inject({ service: call.service, operation: call.operation, error: kind });
    injector.check({ service: call.service, operation: call.operation, accountId: call.accountId, principalArn: DEMO.operatorPrincipalArn });
  } catch (e) {
    if (e instanceof SimAwsError) return { name: e.errorName };
    return { refused: (e as Error).message };
  }
  throw new Error(`no fault ${kind} on ${label(call)}`);
}

/**
 * The error a denied call ends the execution with. STS answers IAM propagation with AccessDenied, so a
 * refused session is retried until the retries are exhausted (handlers/adapters/sts.ts): in a member
 * account (AssumeRole, or the GetCallerIdentity probe of the new session) as `MemberAccountNotReady`
 * (a new account's role is not assumable for minutes), in the log-archive account as
 * `LogArchiveRoleNotAssumable`. Every other denial is the terminal `AccessDenied`
 * (handlers/adapters/aws-errors.ts).
 */
const RETRIED_DENIALS = { MemberAccountNotReady: 'accountReadiness', LogArchiveRoleNotAssumable: 'propagation' } as const;
function deniedAs(call: DistinctCall): 'MemberAccountNotReady' | 'LogArchiveRoleNotAssumable' | 'AccessDenied' {
  if (call.service !== 'sts') return 'AccessDenied';
  if (call.target === 'member') return 'MemberAccountNotReady';
  return call.operation === 'AssumeRole' ? 'LogArchiveRoleNotAssumable' : 'AccessDenied';
}

export type Outcome = { readonly succeeds: true } | { readonly succeeds: false; readonly error: string };

export interface Case {
  readonly call: DistinctCall;
  readonly kind: FaultKind;
  /** The SDK error name the injected fault is answered with. */
  readonly errorName: string;
  readonly account: string;
  readonly outcome: Outcome;
  readonly name: string;
}

/** A call and kind for which no such fault exists (e.g. IAM propagation has no meaning for DynamoDB). */
export interface NoSuchFault {
  readonly name: string;
  readonly call: DistinctCall;
  readonly kind: FaultKind;
}

const PHRASE: Record<FaultKind, string> = {
  Throttling: 'throttled',
  ServiceUnavailable: 'answers 5xx',
  Propagation: 'not yet propagated (IAM eventual consistency)',
  AccessDenied: 'denied',
};

/** Every row under every kind, each case onboarding its own account (`firstAccount`, the next id, ...). */
export function buildCases(calls: readonly DistinctCall[], firstAccount: number): { cases: Case[]; noSuchFault: NoSuchFault[] } {
  const cases: Case[] = [];
  const noSuchFault: NoSuchFault[] = [];
  for (const call of calls) {
    for (const kind of KINDS) {
      const fault = injected(call, kind);
      if ('refused' in fault) {
        noSuchFault.push({ name: `${label(call)} ${kind}: no such fault exists for the service (${fault.refused})`, call, kind });
        continue;
      }
      const account = String(firstAccount + cases.length);
      const odd = kind === 'Propagation' ? NOT_AN_AWS_ANSWER[`${call.service} ${call.operation}`] : undefined;
      let outcome: Outcome;
      let name: string;
      if (odd) {
        outcome = { succeeds: false, error: odd.endsAs };
        name = `${label(call)} answers ${fault.name}, the propagation error of ${call.service}, which AWS never gives it (${odd.why}): FAILED with ${odd.endsAs}, shared policies whole`;
      } else if (kind === 'AccessDenied') {
        outcome = { succeeds: false, error: deniedAs(call) };
        name =
          deniedAs(call) === 'AccessDenied'
            ? `${label(call)} denied: FAILED with AccessDenied, shared policies whole`
            : `${label(call)} denied: FAILED with ${deniedAs(call)} once the retries are exhausted, shared policies whole`;
      } else {
        outcome = { succeeds: true };
        name = `${label(call)} ${PHRASE[kind]}: retried, onboarding succeeds like a clean one`;
      }
      cases.push({ call, kind, errorName: fault.name, account, outcome, name });
    }
  }
  return { cases, noSuchFault };
}

/** The two shared policies, read from a snapshot, with the domain's view of them for `dest`. */
function sharedPolicies(dest: LogDestination) {
  return [
    {
      what: 'bucket policy',
      read: (s: WorldSnapshot) => s.buckets[DEMO.bucketName].policy,
      accountsIn: (d: PolicyDocument) => accountsInBucketPolicy(d, dest),
      grants: (d: PolicyDocument, a: string) => bucketPolicyGrants(d, a, dest),
      render: (text: string, accounts: string[]): PolicyRender => renderBucketPolicy(text, accounts, dest),
    },
    {
      what: 'key policy',
      read: (s: WorldSnapshot) => s.keys[DEMO.keyArn].policy,
      accountsIn: (d: PolicyDocument) => accountsInKeyPolicy(d, dest),
      grants: (d: PolicyDocument, a: string) => keyPolicyGrants(d, a, dest),
      render: (text: string, accounts: string[]): PolicyRender => renderKeyPolicy(text, accounts, dest),
    },
  ];
}

/**
 * Checks that both shared policies are whole after a case, against the snapshot before it; returns
 * whether each grants `account`. In organization mode (`dest.organizationTrail`) they list no member
 * account: the organization trail's statements grant every member.
 */
export function expectSharedPoliciesWhole(dest: LogDestination, before: WorldSnapshot, after: WorldSnapshot, account: string): { bucket: boolean; key: boolean } {
  const grants = sharedPolicies(dest).map((p) => {
    const raw = p.read(after);
    expect(typeof raw).toBe('object'); // the snapshot keeps a text that is not JSON as a string
    const text = JSON.stringify(raw);
    const doc = parsePolicy(text, p.what);
    const prev = parsePolicy(JSON.stringify(p.read(before)), p.what);
    const foreign = (d: PolicyDocument) => d.Statement.flatMap((s, i) => (isOwnedStatement(s) ? [] : [[i, s] as const]));
    expect({ policy: p.what, foreign: foreign(doc) }).toEqual({ policy: p.what, foreign: foreign(prev) });
    const listed = p.accountsIn(doc);
    expect(listed).toEqual(expect.arrayContaining(p.accountsIn(prev)));
    // Organization mode: no member account named; the management account's own prefix at most (the organization trail's logs).
    const org = dest.organizationTrail;
    if (org) expect({ policy: p.what, members: listed.filter((a) => a !== org.managementAccountId) }).toEqual({ policy: p.what, members: [] });
    // Owned statements exactly as rendered for the accounts they list: whole, for each of them.
    expect({ policy: p.what, changed: p.render(text, listed).changed }).toEqual({ policy: p.what, changed: false });
    expect(p.grants(doc, account)).toBe(dest.organizationTrail ? true : listed.includes(account));
    return p.grants(doc, account);
  });
  return { bucket: grants[0], key: grants[1] };
}

/** One matrix's simulation, shared by its cases, and the clean onboarding they are compared with. */
export interface Matrix {
  readonly local: Local;
  /** Where the shared policies grant, in the matrix's mode. */
  readonly dest: LogDestination;
  /** The status table, read and cleaned up directly. */
  readonly ddb: DynamoDBDocumentClient;
  /** The clean onboarding's calls, in order, and as distinct calls. */
  readonly cleanLog: readonly CallRecord[];
  readonly cleanCalls: DistinctCall[];
  /** The clean account's resources (harness `accountResources`). */
  readonly cleanResources: unknown;
  stop(): Promise<void>;
}

/** Starts the simulation in `mode` with an account for each case, and onboards `clean` first, without any fault. */
export async function startMatrix(mode: TrailMode, clean: string, cases: readonly Case[]): Promise<Matrix> {
  const local = await startLocal({ ...withMatrixBatchWindow(startOptionsOf(mode)), extraMembers: [clean, ...cases.map((c) => c.account)] });
  const ddb = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: DEMO.region }));
  SessionCache.clearAll();
  const r = await local.run({ accountId: clean });
  if (r.status !== 'SUCCEEDED') throw new Error(`the clean onboarding ended ${r.status}: ${r.error} ${r.cause}`);
  const cleanLog = [...local.world.calls];
  return {
    local,
    dest: destinationOf(mode),
    ddb,
    cleanLog,
    cleanCalls: distinctCalls(cleanLog, clean),
    cleanResources: accountResources(local.world, clean),
    stop: async () => {
      ddb.destroy();
      await local.stop();
    },
  };
}

/** Lease items present in the status table. */
async function leasesHeld(ddb: DynamoDBDocumentClient): Promise<string[]> {
  const held: string[] = [];
  for (const name of Object.values(POLICY_LEASES)) {
    const out = await ddb.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: { [TABLE_KEY]: lockKey(name) }, ConsistentRead: true }));
    if (out.Item) held.push(name);
  }
  return held;
}

/** What a faulted onboarding left: its result, the faulted calls, the world before and after, the status item and the leases held. */
export interface CaseRun {
  readonly spec: FaultSpec;
  readonly result: ExecutionResult;
  readonly pending: readonly FaultSpec[];
  readonly faulted: readonly CallRecord[];
  readonly before: WorldSnapshot;
  readonly after: WorldSnapshot;
  readonly status: Awaited<ReturnType<Local['status']['getAccount']>>;
  readonly leases: string[];
}

/** Onboards the case's account with its one fault injected (lifted when RecordFailure is entered). */
export async function runCase({ local, ddb }: Matrix, { call, kind, errorName, account }: Case): Promise<CaseRun> {
  const { world } = local;
  // A cold Lambda container: no cached session, so every call of the clean run is made again
  // (the log-archive session would otherwise be reused from an earlier case).
  SessionCache.clearAll();
  const before = world.snapshot();
  world.resetCalls();
  const spec: FaultSpec = {
    service: call.service,
    operation: call.operation,
    accountId: call.target === 'member' ? account : call.accountId,
    error: kind,
    times: kind === 'AccessDenied' ? DENIED_TIMES : PASSING_TIMES,
  };
  world.faults.inject(spec);
  const lift = local.sfn.addListener((_n, e) => {
    if (e.type === 'StateEntered' && e.state === 'RecordFailure') world.faults.clear();
  });

  const result = await local.run({ accountId: account });
  lift();
  await local.sfn.drain(); // branches abandoned by a failed Parallel still run to their end
  const pending = world.faults.pending();
  world.faults.clear();
  const faulted = world.calls.filter(
    (c) => c.service === spec.service && c.operation === spec.operation && c.accountId === spec.accountId && c.error === errorName,
  );
  return { spec, result, pending, faulted, before, after: world.snapshot(), status: await local.status.getAccount(account), leases: await leasesHeld(ddb) };
}

/**
 * A passing fault: every injected fault was hit, past the SDK's retry, and the onboarding SUCCEEDED
 * with the account exactly like the clean one (`cleanResources`), granted by both shared policies,
 * its trail able to deliver, no lease held.
 */
export async function expectSucceededLikeClean({ local, dest, cleanResources }: Matrix, run: CaseRun, account: string): Promise<void> {
  expect(run.pending).toEqual([]);
  expect(run.faulted).toHaveLength(PASSING_TIMES);
  expect({ status: run.result.status, error: run.result.error, cause: run.result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  expect(run.status).toMatchObject({ status: 'ONBOARDED' });
  expect(accountResources(local.world, account)).toEqual(cleanResources);
  expect(expectSharedPoliciesWhole(dest, run.before, run.after, account)).toEqual({ bucket: true, key: true });
  expect(await local.world.canCloudTrailDeliver(String(run.status?.trailArn))).toEqual({ bucket: true, key: true });
  expect(run.leases).toEqual([]);
}

/**
 * A failing fault: FAILED with the expected named error, recorded as such in the status table at a
 * step whose call was faulted (the recording itself not faulted), retried as often as its profile
 * allows when the error is retryable, the shared policies whole, and no lease left held (a denied
 * release is expired here, so that the next case does not wait for it).
 */
export async function expectFailedCleanly({ local, dest, ddb }: Matrix, run: CaseRun, c: Case): Promise<void> {
  if (c.outcome.succeeds) throw new Error(`${c.name}: expected to fail`);
  const { status, result, faulted, spec } = run;
  const error = c.outcome.error;
  expect(faulted.length).toBeGreaterThan(0);
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error });
  expect(status).toMatchObject({ status: 'FAILED', error: { name: error } });
  expect(result.cause).toMatch(new RegExp(`^${status?.error?.step}: `));
  expect(faulted.map((f) => f.step)).toContain(status?.error?.step);
  expect(local.world.calls.filter((f) => f.step === 'RecordFailure' && f.error !== undefined)).toEqual([]);
  if (error in RETRIED_DENIALS) {
    // Retryable: the step failed on every attempt its retry profile allows.
    const profile = RETRIED_DENIALS[error as keyof typeof RETRIED_DENIALS];
    const attempts = RETRY_PROFILES[profile].props.maxAttempts + 1;
    expect(faulted.filter((f) => f.step === status?.error?.step)).toHaveLength(attempts);
  } else {
    expect(TERMINAL_ERRORS).toContain(error);
  }
  expectSharedPoliciesWhole(dest, run.before, run.after, c.account);
  if (c.kind === 'AccessDenied' && spec.service === 'dynamodb' && spec.operation === 'DeleteItem') {
    // The lease release itself was denied: the lease is left to expire (lockLeaseSeconds). Expire it
    // now so that the next case does not wait for it.
    expect(run.leases.length).toBeGreaterThan(0);
    for (const name of run.leases) await ddb.send(new DeleteCommand({ TableName: LOCAL_TABLE_NAME, Key: { [TABLE_KEY]: lockKey(name) } }));
  } else {
    expect(run.leases).toEqual([]); // a failed step releases its lease
  }
}
