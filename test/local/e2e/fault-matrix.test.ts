/**
 * Every AWS call the steps make, one at a time, under each kind of fault.
 *
 * The calls are not listed by hand: a clean onboarding is run first (fault-matrix.calls.ts, at
 * collection time, in a child process, since Jest needs the test names up front) and its distinct
 * calls — service + operation + target (member account, log-archive account, the orchestrator's
 * DynamoDB table: status, member set and leases, Organizations) — are the rows of the matrix. Each row
 * is faulted with throttling, a 5xx, an IAM-propagation error and AccessDenied, each case onboarding
 * a fresh account:
 * - throttling, 5xx, propagation (past the SDK's own retry): the fault is hit, the execution
 *   SUCCEEDS, the account ends exactly like a clean one and both shared policies grant it;
 * - AccessDenied (on every attempt, as a missing permission would): the execution FAILS with a named
 *   error, the status table says so, and the shared policies are whole: they parse, every foreign
 *   statement is unchanged and in place, no account granted before is dropped, and the owned
 *   statements are exactly what handlers/domain renders for the accounts they grant (so this account
 *   is granted completely or not at all).
 * Not run: 'Propagation' where the fault injector gives it no meaning (DynamoDB, Organizations; listed
 * as skipped, with the injector's reason). Run with another expectation: 'Propagation' on the calls in
 * NOT_AN_AWS_ANSWER, whose injected error AWS never gives that operation; they must fail as cleanly
 * as a denial.
 */
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { lockKey, TABLE_KEY } from '../../../handlers/adapters/status-table';
import { SessionCache } from '../../../handlers/adapters/sts';
import { accountsInBucketPolicy, bucketPolicyGrants, renderBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { accountsInKeyPolicy, keyPolicyGrants, renderKeyPolicy } from '../../../handlers/domain/key-policy';
import { type LogDestination, logDestinationFromConfig } from '../../../handlers/domain/log-destination';
import { isOwnedStatement, parsePolicy, type PolicyDocument, type PolicyRender } from '../../../handlers/domain/policy-document';
import { createClient, SDK_MAX_ATTEMPTS } from '../../../handlers/shared/clients';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { TERMINAL_ERRORS, type TerminalErrorName } from '../../../handlers/shared/errors';
import { POLICY_LEASES } from '../../../handlers/steps/ensure-shared-policies';
import { parseAppConfig, runtimeConfigOf } from '../../../infra/config';
import { LOCAL_TABLE_NAME } from '../../../local/runner';
import type { FaultKind, FaultSpec, WorldSnapshot } from '../../../local/sim';
import { SimAwsError } from '../../../local/sim/errors';
import { FaultInjector } from '../../../local/sim/faults';
import { RETRY_PROFILES } from '../../../statemachine/retry-policy';
import sample from '../../../config/onboarding.sample.json';
import { accountResources, DEMO, startLocal, type Local } from '../harness';
import { deriveCallsInChildProcess, distinctCalls, type DistinctCall } from './fault-matrix.calls';

const CALLS = deriveCallsInChildProcess();
const KINDS: readonly FaultKind[] = ['Throttling', 'ServiceUnavailable', 'Propagation', 'AccessDenied'];

/** A passing fault fails this many attempts: every attempt of the SDK's own retry, so the state machine's Retry is needed too. */
const PASSING_TIMES = SDK_MAX_ATTEMPTS;
/**
 * A denial is a missing permission: it denies every attempt (the SDK does not retry AccessDenied; the
 * state machine retries only what a step maps to a retryable name). In AWS, RecordFailure runs with
 * its own role, so the fault is lifted when that state is entered.
 */
const DENIED_TIMES = 1_000;

/**
 * Calls that AWS never answers with the error the injector uses for 'Propagation' on their service,
 * so a retry there would rest on nothing real. They are still run, and must end as a terminal failure
 * with a named error that leaves everything whole (an error no step expects is not retried blindly).
 */
const NOT_AN_AWS_ANSWER: Record<string, { why: string; endsAs: TerminalErrorName }> = {
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

const CLEAN = '305419896000';
const label = (c: DistinctCall) => `${c.service} ${c.operation} (${c.target})`;
const keyOf = (c: DistinctCall) => `${c.service} ${c.operation} ${c.target}`;

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

type Outcome = { readonly succeeds: true } | { readonly succeeds: false; readonly error: string };

interface Case {
  readonly call: DistinctCall;
  readonly kind: FaultKind;
  /** The SDK error name the injected fault is answered with. */
  readonly errorName: string;
  readonly account: string;
  readonly outcome: Outcome;
  readonly name: string;
}

const PHRASE: Record<FaultKind, string> = {
  Throttling: 'throttled',
  ServiceUnavailable: 'answers 5xx',
  Propagation: 'not yet propagated (IAM eventual consistency)',
  AccessDenied: 'denied',
};

const CASES: Case[] = [];
/** Calls and kinds for which no such fault exists (e.g. IAM propagation has no meaning for DynamoDB). */
const NO_SUCH_FAULT: { readonly name: string; readonly call: DistinctCall; readonly kind: FaultKind }[] = [];
for (const call of CALLS) {
  for (const kind of KINDS) {
    const fault = injected(call, kind);
    if ('refused' in fault) {
      NO_SUCH_FAULT.push({ name: `${label(call)} ${kind}: no such fault exists for the service (${fault.refused})`, call, kind });
      continue;
    }
    const account = String(305419896100 + CASES.length);
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
    CASES.push({ call, kind, errorName: fault.name, account, outcome, name });
  }
}

const dest: LogDestination = logDestinationFromConfig(parseRuntimeConfig(runtimeConfigOf(parseAppConfig(sample), 'status')));

/** The two shared policies, read from a snapshot, with the domain's view of them. */
const SHARED = [
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

/**
 * Checks that both shared policies are whole after a case, against the snapshot before it; returns
 * whether each grants `account`.
 */
function expectSharedPoliciesWhole(before: WorldSnapshot, after: WorldSnapshot, account: string): { bucket: boolean; key: boolean } {
  const grants = SHARED.map((p) => {
    const raw = p.read(after);
    expect(typeof raw).toBe('object'); // the snapshot keeps a text that is not JSON as a string
    const text = JSON.stringify(raw);
    const doc = parsePolicy(text, p.what);
    const prev = parsePolicy(JSON.stringify(p.read(before)), p.what);
    const foreign = (d: PolicyDocument) => d.Statement.flatMap((s, i) => (isOwnedStatement(s) ? [] : [[i, s] as const]));
    expect({ policy: p.what, foreign: foreign(doc) }).toEqual({ policy: p.what, foreign: foreign(prev) });
    const listed = p.accountsIn(doc);
    expect(listed).toEqual(expect.arrayContaining(p.accountsIn(prev)));
    // Owned statements exactly as rendered for the accounts they list: whole, for each of them.
    expect({ policy: p.what, changed: p.render(text, listed).changed }).toEqual({ policy: p.what, changed: false });
    expect(p.grants(doc, account)).toBe(listed.includes(account));
    return p.grants(doc, account);
  });
  return { bucket: grants[0], key: grants[1] };
}

let local: Local;
let ddb: DynamoDBDocumentClient;
let cleanResources: unknown;
let cleanCalls: DistinctCall[];

/** Lease items present in the status table. */
async function leasesHeld(): Promise<string[]> {
  const held: string[] = [];
  for (const name of Object.values(POLICY_LEASES)) {
    const out = await ddb.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: { [TABLE_KEY]: lockKey(name) }, ConsistentRead: true }));
    if (out.Item) held.push(name);
  }
  return held;
}

beforeAll(async () => {
  local = await startLocal({ extraMembers: [CLEAN, ...CASES.map((c) => c.account)] });
  ddb = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: dest.homeRegion }));
  SessionCache.clearAll();
  const r = await local.run({ accountId: CLEAN });
  if (r.status !== 'SUCCEEDED') throw new Error(`the clean onboarding ended ${r.status}: ${r.error}`);
  cleanCalls = distinctCalls(local.world.calls, CLEAN);
  cleanResources = accountResources(local.world, CLEAN);
});
afterAll(async () => {
  ddb?.destroy();
  await local?.stop();
});

describe('the calls of a clean onboarding', () => {
  it(`are ${CALLS.length} distinct calls, the same in this run as in the one the matrix was built from`, () => {
    expect(cleanCalls.map(keyOf)).toEqual(CALLS.map(keyOf));
    expect(new Set(CALLS.map((c) => c.target))).toEqual(new Set(['member', 'log-archive', 'orchestrator-dynamodb', 'organizations']));
    // Every exception to "propagation is retried" names a call the steps really make.
    const operations = new Set(CALLS.map((c) => `${c.service} ${c.operation}`));
    expect(Object.keys(NOT_AN_AWS_ANSWER).filter((k) => !operations.has(k))).toEqual([]);
  });
});

describe('faults that do not exist for a call', () => {
  it.each(NO_SUCH_FAULT)('$name: the injector refuses it, so the matrix does not pretend to test it', ({ call, kind }) => {
    expect(() => new FaultInjector().inject({ service: call.service, operation: call.operation, error: kind })).toThrow();
  });
});

describe('one call faulted at a time', () => {
  it.each(CASES)('$name', async ({ call, kind, errorName, account, outcome }) => {
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

    const r = await local.run({ accountId: account });
    lift();
    await local.sfn.drain(); // branches abandoned by a failed Parallel still run to their end
    const pending = world.faults.pending();
    world.faults.clear();
    const faulted = world.calls.filter(
      (c) => c.service === spec.service && c.operation === spec.operation && c.accountId === spec.accountId && c.error === errorName,
    );
    const after = world.snapshot();
    const status = await local.status.getAccount(account);
    const leases = await leasesHeld();

    if (outcome.succeeds) {
      expect(pending).toEqual([]);
      expect(faulted).toHaveLength(PASSING_TIMES); // every injected fault was hit, past the SDK's retry
      expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
      expect(status).toMatchObject({ status: 'ONBOARDED' });
      expect(accountResources(world, account)).toEqual(cleanResources);
      expect(expectSharedPoliciesWhole(before, after, account)).toEqual({ bucket: true, key: true });
      expect(await world.canCloudTrailDeliver(String(status?.trailArn))).toEqual({ bucket: true, key: true });
      expect(leases).toEqual([]);
      return;
    }

    expect(faulted.length).toBeGreaterThan(0);
    expect({ status: r.status, error: r.error }).toEqual({ status: 'FAILED', error: outcome.error });
    expect(status).toMatchObject({ status: 'FAILED', error: { name: outcome.error } });
    expect(r.cause).toMatch(new RegExp(`^${status?.error?.step}: `));
    // Recorded at a step whose call was faulted; the recording itself was not.
    expect(faulted.map((c) => c.step)).toContain(status?.error?.step);
    expect(world.calls.filter((c) => c.step === 'RecordFailure' && c.error !== undefined)).toEqual([]);
    if (outcome.error in RETRIED_DENIALS) {
      // Retryable: the step failed on every attempt its retry profile allows.
      const profile = RETRIED_DENIALS[outcome.error as keyof typeof RETRIED_DENIALS];
      const attempts = RETRY_PROFILES[profile].props.maxAttempts + 1;
      expect(faulted.filter((c) => c.step === status?.error?.step)).toHaveLength(attempts);
    } else {
      expect(TERMINAL_ERRORS).toContain(outcome.error);
    }
    expectSharedPoliciesWhole(before, after, account);
    if (kind === 'AccessDenied' && spec.service === 'dynamodb' && spec.operation === 'DeleteItem') {
      // The lease release itself was denied: the lease is left to expire (lockLeaseSeconds). Expire it
      // now so that the next case does not wait for it.
      expect(leases.length).toBeGreaterThan(0);
      for (const name of leases) await ddb.send(new DeleteCommand({ TableName: LOCAL_TABLE_NAME, Key: { [TABLE_KEY]: lockKey(name) } }));
    } else {
      expect(leases).toEqual([]); // a failed step releases its lease
    }
  });
});
