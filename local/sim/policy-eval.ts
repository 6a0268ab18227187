/**
 * Authorization decisions of the simulation, made by @cloud-copilot/iam-simulate.
 *
 * iam-simulate ignores every `kms:EncryptionContext:*` condition key (../shared/NOTES.md), so a
 * condition on one never matches: a false deny for CloudTrail's key grant and for log readers.
 * Workaround: run in `Discovery` mode, declare every other key's presence and value authoritative
 * (so they are decided exactly as in `Strict` mode), and let iam-simulate hand back the conditions
 * it could not resolve, which are then only EncryptionContext ones. Those are evaluated here with
 * the IAM condition operators' semantics, policy variables in their values (such as
 * `arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/*`) resolved from the request context first:
 * iam-simulate hands residual values back unresolved.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 *
 * Policy variables exist only in documents with `"Version": "2012-10-17"`: under `2008-10-17`, or
 * with no Version (which IAM reads as 2008-10-17), `${aws:SourceAccount}` is literal text.
 * iam-simulate substitutes variables whatever the Version, so documents of the older language are
 * handed to it with every `${` escaped as `${$}{` (the escape for a literal `$`), which it and the
 * residual evaluation below read back as the literal characters.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
 */
import * as path from 'node:path';
import { runSimulation, type AllowedConditionExpression, type DiscoveryContextKeyConstraint } from '@cloud-copilot/iam-simulate';
import { sharedPolicyId } from './policy-doc';

/** Context values of a request (`aws:SourceArn`, `s3:x-amz-acl`, `kms:EncryptionContext:...`). */
export type RequestContext = Record<string, string | string[]>;

/** One authorization question. */
export interface EvaluationRequest {
  /** Caller: an assumed-role session ARN, a root or user ARN, or a service principal such as `cloudtrail.amazonaws.com`. */
  readonly principal: string;
  /** `service:Action`. */
  readonly action: string;
  /** ARN of the resource (S3 ARNs have no account: `resourceAccount` says whose it is). */
  readonly resourceArn: string;
  /** Account owning the resource; decides same- vs cross-account evaluation. */
  readonly resourceAccount: string;
  readonly context?: RequestContext;
  /** Identity policies of the caller (none for service principals). */
  readonly identityPolicies?: readonly { readonly name: string; readonly policy: unknown }[];
  /** Bucket policy, key policy or trust policy. */
  readonly resourcePolicy?: unknown;
  /** The caller's permissions boundary, if it has one. */
  readonly permissionsBoundary?: { readonly name: string; readonly policy: unknown };
  /**
   * Service control policies of the caller's account, root first, the account last; each level must
   * include FullAWSAccess (or another Allow) or everything is denied, as in Organizations.
   */
  readonly serviceControlPolicies?: readonly { readonly orgIdentifier: string; readonly policies: readonly { readonly name: string; readonly policy: unknown }[] }[];
}

/** The answer, with what was left for the EncryptionContext workaround when it decided. */
export interface EvaluationResult {
  readonly allowed: boolean;
  readonly result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
  /** Why iam-simulate could not run (invalid documents), when it could not. */
  readonly error?: string;
  /** The conditions iam-simulate left unresolved and this module evaluated. */
  readonly residual?: AllowedConditionExpression;
}

/** Every key but `kms:EncryptionContext:*` is authoritative: Discovery decides them as Strict does. */
const DISCOVERY_CONSTRAINTS: DiscoveryContextKeyConstraint[] = [
  { keyName: '/^(?!kms:encryptioncontext:).*$/', presenceIsKnown: true, valueIsKnown: true },
];

/** The only policy language version with policy variables. */
export const POLICY_VARIABLES_VERSION = '2012-10-17';

/** The statement elements whose values may hold policy variables. */
const VARIABLE_ELEMENTS = ['Resource', 'NotResource', 'Condition'] as const;

/**
 * A document as IAM reads it, for iam-simulate: unchanged under 2012-10-17; under any other
 * Version (2008-10-17, or none) a copy in which every `${` of a Resource, NotResource or Condition
 * value is escaped as `${$}{`, so that it is compared as the literal text it is.
 */
export function withVersionSemantics(policy: unknown): unknown {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) return policy;
  const doc = policy as Record<string, unknown>;
  if (doc.Version === POLICY_VARIABLES_VERSION) return policy;
  const literal = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(/\$\{/g, () => '${$}{');
    if (Array.isArray(value)) return value.map(literal);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literal(v)]));
    return value;
  };
  const statement = (st: unknown): unknown => {
    if (st === null || typeof st !== 'object' || Array.isArray(st)) return st;
    const copy = { ...(st as Record<string, unknown>) };
    for (const element of VARIABLE_ELEMENTS) if (element in copy) copy[element] = literal(copy[element]);
    return copy;
  };
  const statements = doc.Statement;
  return { ...doc, Statement: Array.isArray(statements) ? statements.map(statement) : statement(statements) };
}

/**
 * Answers already given, by the question they answer, at most `max`, least recently used dropped first.
 * A failure is not an answer: the next identical question is asked again.
 */
class PromiseMemo<T> {
  private readonly answers = new Map<string, Promise<T>>();
  constructor(private readonly max: number) {}

  get(key: string, ask: () => Promise<T>): Promise<T> {
    const known = this.answers.get(key);
    if (known) {
      this.answers.delete(key);
      this.answers.set(key, known);
      return known;
    }
    const answer = ask();
    this.answers.set(key, answer);
    if (this.answers.size > this.max) this.answers.delete(this.answers.keys().next().value as string);
    answer.catch(() => {
      if (this.answers.get(key) === answer) this.answers.delete(key);
    });
    return answer;
  }

  clear(): void {
    this.answers.clear();
  }
}

/**
 * Decisions already made, by the request they answer (`evaluationKey`). A decision depends on nothing
 * but its request (iam-simulate reads no clock and no environment), so a request seen before is
 * answered without running the simulation again: the simulation asks the same questions over and over
 * (every retry, every call of a step on the same bucket or key policy).
 */
const DECISIONS_MAX_ENTRIES = 10_000;
const DECISIONS = new PromiseMemo<EvaluationResult>(DECISIONS_MAX_ENTRIES);

/** Evaluates one request. Never throws for bad documents: they deny, with `error` set. */
export function evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
  const key = evaluationKey(request);
  if (key === undefined) return evaluateNow(request);
  // Shared by every asker: frozen (the residual, iam-simulate's own objects, is left as it is).
  return DECISIONS.get(key, () => evaluateNow(request).then((result) => Object.freeze(result)));
}

/** Forgets every cached decision (tests measuring the evaluation itself). */
export function clearEvaluationCache(): void {
  DECISIONS.clear();
}

/**
 * Before every simulation iam-simulate works out which resource types of the action the resource ARN
 * can be, by matching it against every ARN pattern of its bundled Service Authorization Reference: a
 * pure function of (service, action, resource ARN), and the largest part of its time here. Its answers
 * are remembered by those three strings, through the module export its engine calls it by (looked up
 * on every call). Without that module (another version of iam-simulate), nothing is remembered.
 */
function rememberResourceTypes(): void {
  type Lookup = (service: string, action: string, resource: string) => Promise<unknown[]>;
  let engine: { getResourceTypesForAction?: Lookup & { remembered?: true } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    engine = require(path.join(path.dirname(require.resolve('@cloud-copilot/iam-simulate')), 'simulation_engine', 'resourceTypes.js')) as typeof engine;
  } catch {
    return;
  }
  const lookup = engine.getResourceTypesForAction;
  if (typeof lookup !== 'function' || lookup.remembered) return;
  const known = new PromiseMemo<unknown[]>(DECISIONS_MAX_ENTRIES);
  const remembered: Lookup & { remembered?: true } = (service, action, resource) => {
    if (typeof service !== 'string' || typeof action !== 'string' || typeof resource !== 'string') return lookup(service, action, resource);
    return known.get(JSON.stringify([service, action, resource]), () => lookup(service, action, resource));
  };
  remembered.remembered = true;
  engine.getResourceTypesForAction = remembered;
}
rememberResourceTypes();

/**
 * Every input of a decision as one string, or undefined when JSON cannot write it exactly (then the
 * request is evaluated without the cache). Each document is written in full, except one shared by
 * `readPolicy` or `sharedDocument` (policy-doc.ts), which is deep-frozen and stands as its
 * never-reused number.
 */
export function evaluationKey(request: EvaluationRequest): string | undefined {
  const doc = (policy: unknown): unknown => {
    const id = sharedPolicyId(policy);
    return id === undefined ? ['=', policy] : ['#', id];
  };
  // Identity policies reach iam-simulate as { name, policy }; SCPs and the boundary with every field they have.
  const named = (p: { readonly name: string; readonly policy: unknown }) => [p.name, doc(p.policy)];
  const whole = (p: { readonly name: string; readonly policy: unknown }) => ({ ...p, policy: doc(p.policy) });
  const inputs = [
    request.principal,
    request.action,
    request.resourceArn,
    request.resourceAccount,
    request.context ?? {},
    (request.identityPolicies ?? []).map(named),
    request.resourcePolicy === undefined ? ['none'] : doc(request.resourcePolicy),
    request.permissionsBoundary ? whole(request.permissionsBoundary) : ['none'],
    (request.serviceControlPolicies ?? []).map((level) => [level.orgIdentifier, level.policies.map(whole)]),
  ];
  try {
    const key = JSON.stringify(inputs);
    return isExactJson(inputs) ? key : undefined;
  } catch {
    // A cycle (or a throwing toJSON): not a key.
    return undefined;
  }
}

/**
 * Whether JSON writes `value` as exactly what it is: no `undefined` (a property dropped, `null` in
 * an array), function, symbol, bigint, non-finite number or -0, and only plain objects and arrays
 * (no Date, Map, class instance or own `toJSON`).
 */
function isExactJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) if (!isExactJson(value[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in value) if (!isExactJson((value as Record<string, unknown>)[k])) return false;
      return true;
    }
    default:
      return false;
  }
}

/** Runs the simulation for one request (no cache). */
async function evaluateNow(request: EvaluationRequest): Promise<EvaluationResult> {
  const context = request.context ?? {};
  const sim = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resourceArn, accountId: request.resourceAccount },
        contextVariables: context,
      },
      identityPolicies: (request.identityPolicies ?? []).map((p) => ({ name: p.name, policy: withVersionSemantics(p.policy) })),
      serviceControlPolicies: (request.serviceControlPolicies ?? []).map((level) => ({ orgIdentifier: level.orgIdentifier, policies: level.policies.map((p) => ({ ...p, policy: withVersionSemantics(p.policy) })) })),
      resourceControlPolicies: [],
      resourcePolicy: withVersionSemantics(request.resourcePolicy),
      ...(request.permissionsBoundary ? { permissionBoundaryPolicies: [{ ...request.permissionsBoundary, policy: withVersionSemantics(request.permissionsBoundary.policy) }] } : {}),
    },
    { simulationMode: 'Discovery', discoveryContextKeyConstraints: DISCOVERY_CONSTRAINTS },
  );
  if (sim.resultType === 'error') {
    return { allowed: false, result: 'ImplicitlyDenied', error: JSON.stringify(sim.errors) };
  }
  if (sim.overallResult !== 'Allowed') return { allowed: false, result: sim.overallResult };
  const analyses = sim.resultType === 'single' ? [sim.result.analysis] : sim.results.map((r) => r.analysis);
  for (const analysis of analyses) {
    const residual = analysis.conditions;
    if (!residual) continue;
    const verdict = holds(residual, context, request.principal);
    if (verdict !== true) return { allowed: false, result: verdict, residual };
  }
  return { allowed: true, result: 'Allowed' };
}

type Verdict = true | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** Evaluates a residual condition expression; a failing leaf from a Deny statement is an explicit deny. */
function holds(expr: AllowedConditionExpression, context: RequestContext, principal: string): Verdict {
  switch (expr.conditionType) {
    case 'always':
      return true;
    case 'never':
      return expr.reason === 'explicitDenyWithoutConditions' ? 'ExplicitlyDenied' : 'ImplicitlyDenied';
    case 'group': {
      const verdicts = expr.conditions.map((c) => holds(c, context, principal));
      if (expr.operator === 'and') return verdicts.find((v) => v !== true) ?? true;
      return verdicts.some((v) => v === true) ? true : (verdicts.find((v) => v === 'ExplicitlyDenied') ?? 'ImplicitlyDenied');
    }
    case 'sessionName': {
      // Only reported when the session name was unknown; take it from the caller's session ARN.
      const session = /:assumed-role\/[^/]+\/(.+)$/.exec(principal)?.[1];
      const ok = session !== undefined && expr.sessionName.some((pattern) => expandPolicyValue(pattern, undefined, true)?.test(session) === true);
      return ok ? true : denialOf(expr.sources);
    }
    case 'condition': {
      // A leaf from a Deny statement comes already inverted (`inverted: true`, op negated): it is
      // the condition under which access is allowed, like every other leaf.
      const ok = conditionHolds(expr.op, lookup(context, expr.key), expr.values, context);
      return ok ? true : denialOf(expr.sources);
    }
  }
}

function denialOf(sources: readonly { effect: 'Allow' | 'Deny' }[]): Verdict {
  return sources.some((s) => s.effect === 'Deny') ? 'ExplicitlyDenied' : 'ImplicitlyDenied';
}

function lookup(context: RequestContext, key: string): string[] | undefined {
  const wanted = key.toLowerCase();
  const hit = Object.keys(context).find((k) => k.toLowerCase() === wanted);
  return hit === undefined ? undefined : ([] as string[]).concat(context[hit]);
}

/**
 * One condition operator applied to the request's value(s), as IAM evaluates it. With `context`,
 * policy variables in the expected values are resolved from it first (string and ARN operators
 * accept variables); a variable the context cannot resolve makes that value match nothing.
 */
export function conditionHolds(operator: string, actual: string[] | undefined, expected: readonly string[], context?: RequestContext): boolean {
  let op = operator;
  let setOperator: 'ForAnyValue' | 'ForAllValues' | undefined;
  const colon = op.indexOf(':');
  if (colon >= 0) {
    setOperator = op.slice(0, colon) as 'ForAnyValue' | 'ForAllValues';
    op = op.slice(colon + 1);
  }
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  if (op === 'Null') return expected.some((v) => (v.toLowerCase() === 'true') === (actual === undefined));
  const negated = /Not/.test(op);
  // A missing key satisfies ...IfExists and negated operators, and ForAllValues vacuously.
  if (actual === undefined || actual.length === 0) return ifExists || negated || setOperator === 'ForAllValues';
  const like = /Like$/.test(op);
  const patterns = expected.map((e) => expandPolicyValue(e, context, like));
  const equals = (value: string) => patterns.some((p) => p !== undefined && p.test(value));
  const equalsIgnoreCase = (value: string) =>
    expected.some((e) => {
      const resolved = context ? resolvePolicyVariables(e, context) : e;
      return resolved !== undefined && resolved.toLowerCase() === value.toLowerCase();
    });
  const test = (value: string): boolean => {
    switch (op) {
      case 'StringEquals':
      case 'ArnEquals':
      case 'StringLike':
      case 'ArnLike':
        return equals(value);
      case 'StringNotEquals':
      case 'ArnNotEquals':
      case 'StringNotLike':
      case 'ArnNotLike':
        return !equals(value);
      case 'StringEqualsIgnoreCase':
        return equalsIgnoreCase(value);
      case 'StringNotEqualsIgnoreCase':
        return !equalsIgnoreCase(value);
      default:
        // An operator this workaround does not know: deny rather than grant by mistake.
        return false;
    }
  };
  return setOperator === 'ForAllValues' ? actual.every(test) : actual.some(test);
}

/** `${*}`, `${?}`, `${$}`, `${key}` and `${key, 'default'}`; outside them, `*` and `?`. */
const TOKEN = /\$\{[^}]*\}|\*|\?/g;

/**
 * A policy value as a matcher: for the `...Like` operators `*` and `?` are wildcards, otherwise
 * literal; `${*}`, `${?}`, `${$}` are the literal characters; `${key}` is the context's single value
 * of `key` (or the default given as `${key, 'default'}`), always taken literally. `undefined` when a
 * variable has no value: IAM then matches nothing. Without a context, variables stay as written.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
export function expandPolicyValue(value: string, context: RequestContext | undefined, like: boolean): RegExp | undefined {
  let body = '';
  let last = 0;
  for (const m of value.matchAll(TOKEN)) {
    body += escapeRegExp(value.slice(last, m.index));
    last = m.index + m[0].length;
    const token = m[0];
    if (token === '*') body += like ? '.*' : '\\*';
    else if (token === '?') body += like ? '.' : '\\?';
    else {
      const resolved = context ? resolveVariable(token, context) : token;
      if (resolved === undefined) return undefined;
      body += escapeRegExp(resolved);
    }
  }
  body += escapeRegExp(value.slice(last));
  return new RegExp(`^${body}$`, 's');
}

/** A policy value with its variables resolved (no wildcard handling); `undefined` when one has no value. */
export function resolvePolicyVariables(value: string, context: RequestContext): string | undefined {
  let unresolved = false;
  const out = value.replace(/\$\{[^}]*\}/g, (token) => {
    const r = resolveVariable(token, context);
    if (r === undefined) unresolved = true;
    return r ?? token;
  });
  return unresolved ? undefined : out;
}

/** One `${...}` token: an escape, or a context key with an optional quoted default. */
function resolveVariable(token: string, context: RequestContext): string | undefined {
  const inner = token.slice(2, -1);
  if (inner === '*' || inner === '?' || inner === '$') return inner;
  const [name, fallback] = inner.split(/,\s*/, 2) as [string, string | undefined];
  const values = lookup(context, name.trim());
  // Only a single-valued key can stand in a string.
  if (values !== undefined && values.length === 1) return values[0];
  if (fallback !== undefined && /^'.*'$/.test(fallback)) return fallback.slice(1, -1);
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
