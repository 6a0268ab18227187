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
import { runSimulation, type AllowedConditionExpression, type DiscoveryContextKeyConstraint } from '@cloud-copilot/iam-simulate';

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

/** Evaluates one request. Never throws for bad documents: they deny, with `error` set. */
export async function evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
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
