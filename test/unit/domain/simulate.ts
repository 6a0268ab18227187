/**
 * A thin wrapper over @cloud-copilot/iam-simulate for the policy evaluation tests.
 *
 * iam-simulate ignores every `kms:EncryptionContext:*` condition key (such a condition never
 * matches: a false deny). For those, run in Discovery mode: the simulator then answers "Allowed"
 * together with the conditions it could not resolve, and `conditionsHold` checks them against the
 * request context here (policy variables in their values resolved, as IAM does). Every other key is
 * declared known (present or absent), so Discovery mode still decides them.
 */
import {
  runSimulation,
  type AllowedConditionExpression,
  type DiscoveryContextKeyConstraint,
  type EvaluationResult,
  type SimulationMode,
} from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../../handlers/domain/policy-document';
import { expandPolicyValue } from '../../../local/sim/policy-eval';

/** One request to evaluate. */
export interface SimulatedRequest {
  principal: string;
  action: string;
  resource: string;
  /** Account owning the resource (S3 ARNs carry none). */
  resourceAccount: string;
  context?: Record<string, string | string[]>;
  resourcePolicy?: PolicyDocument;
  identityPolicies?: Record<string, PolicyDocument>;
  mode?: SimulationMode;
}

/** The simulator's answer. */
export interface SimulatedDecision {
  result: EvaluationResult;
  /** Discovery mode: the conditions still to be met for the request to be allowed. */
  conditions?: AllowedConditionExpression;
  /** Context keys the simulator dropped as not applicable to the action. */
  ignoredContextKeys: string[];
}

/** Keys iam-simulate cannot evaluate, left to `conditionsHold`. */
const UNRESOLVABLE_KEY = /^kms:EncryptionContext:/i;

/** Runs one simulation; throws on a validation error (a malformed policy must fail the test loudly). */
export async function simulate(req: SimulatedRequest): Promise<SimulatedDecision> {
  const context = req.context ?? {};
  // Every key but kms:EncryptionContext:* is known, present or absent: a key the request does not
  // carry is decided as absent (so `...IfExists` holds), as IAM does.
  const known: DiscoveryContextKeyConstraint[] = [{ keyName: '/^(?!kms:encryptioncontext:).*$/', presenceIsKnown: true, valueIsKnown: true }];
  const response = await runSimulation(
    {
      request: {
        principal: req.principal,
        action: req.action,
        resource: { resource: req.resource, accountId: req.resourceAccount },
        contextVariables: context,
      },
      identityPolicies: Object.entries(req.identityPolicies ?? {}).map(([name, policy]) => ({ name, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
    },
    { simulationMode: req.mode ?? 'Strict', discoveryContextKeyConstraints: known },
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate rejected the simulation: ${JSON.stringify(response.errors)}`);
  if (response.resultType !== 'single') throw new Error(`expected a single-resource simulation, got ${response.resultType}`);
  const decision: SimulatedDecision = {
    result: response.overallResult,
    ignoredContextKeys: response.result.ignoredContextKeys ?? [],
  };
  if (response.result.analysis.conditions) decision.conditions = response.result.analysis.conditions;
  return decision;
}

/**
 * Does one condition operator hold for the request's values? Only the operators our documents use.
 * Policy variables in the expected values (`${aws:SourceAccount}`) are resolved from the request
 * context first: iam-simulate hands residual conditions back unresolved.
 */
function operatorHolds(op: string, expected: string[], actual: string[], context: Record<string, string | string[]>): boolean {
  if (op !== 'StringEquals' && op !== 'StringLike') throw new Error(`conditionsHold does not implement ${op}`);
  const matchers = expected.map((e) => expandPolicyValue(e, context, op === 'StringLike'));
  return actual.some((a) => matchers.some((m) => m?.test(a) === true));
}

/**
 * Evaluates the conditions Discovery mode left unresolved against the request context
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html).
 */
export function conditionsHold(expr: AllowedConditionExpression | undefined, context: Record<string, string | string[]>): boolean {
  if (!expr) return true;
  switch (expr.conditionType) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'group':
      return expr.operator === 'and'
        ? expr.conditions.every((c) => conditionsHold(c, context))
        : expr.conditions.some((c) => conditionsHold(c, context));
    case 'condition': {
      const key = Object.keys(context).find((k) => k.toLowerCase() === expr.key.toLowerCase());
      const raw = key === undefined ? [] : context[key];
      const actual = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      // `...IfExists`: a key the request does not carry satisfies the condition, as IAM decides it.
      const ifExists = expr.op.endsWith('IfExists');
      const op = ifExists ? expr.op.slice(0, -'IfExists'.length) : expr.op;
      if (ifExists && actual.length === 0) return !expr.inverted;
      const holds = actual.length > 0 && operatorHolds(op, expr.values, actual, context);
      return expr.inverted ? !holds : holds;
    }
    default:
      throw new Error(`conditionsHold does not implement ${expr.conditionType}`);
  }
}

/** The effective decision: Allowed only when the simulator allows and every unresolved condition holds. */
export async function isAllowed(req: SimulatedRequest): Promise<boolean> {
  const context = req.context ?? {};
  if (Object.keys(context).some((k) => UNRESOLVABLE_KEY.test(k)) && req.mode !== 'Discovery') {
    throw new Error('a kms:EncryptionContext key needs Discovery mode: Strict mode ignores it and denies');
  }
  const d = await simulate(req);
  const dropped = d.ignoredContextKeys.filter((k) => !UNRESOLVABLE_KEY.test(k));
  if (dropped.length) throw new Error(`iam-simulate ignored context keys ${dropped.join(', ')}: the test would prove nothing`);
  return d.result === 'Allowed' && conditionsHold(d.conditions, context);
}
