/**
 * cdk-nag (3.x) for the app: the AWS Solutions checks, run on every stack by infra/app.ts (synth fails
 * on an unacknowledged finding) and by the infra tests. Acknowledgements live next to the construct
 * they are about and always state why.
 *
 * cdk-nag 3.x is a policy-validation plugin, not an Aspect: `validateScope(scope)` walks the construct
 * tree and returns the violations not acknowledged through `Validations.of(construct).acknowledge()`.
 *
 * The AWS Control Tower proactive controls (infra/guard.ts) are suppressed the same way, next to the
 * construct and with a reason, by {@link suppressGuardRule}: in the template's resource Metadata.
 */
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
// The exact text cdk-nag gives a CloudFormation reference in a finding id (`<AWS::Partition>`, `<Id.Arn>`).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { IConstruct } from 'constructs';
import { GUARD_METADATA, GUARD_RULES, GuardRuleName } from './guard';

/** One unacknowledged cdk-nag finding. */
export interface NagFinding {
  readonly stack: string;
  /** Rule id, with the finding id for multi-finding rules: `AwsSolutions-IAM5[Resource::*]`. */
  readonly rule: string;
  readonly description: string;
  /** Construct paths of the resources it was found on. */
  readonly paths: readonly string[];
}

/** An acknowledgement as recorded on a construct. */
export interface NagAcknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/**
 * Acknowledges one cdk-nag finding on `scope` (and everything under it). `id` is the rule id, or
 * `Rule[finding]` for one finding of a multi-finding rule. A reason is required.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (!reason.trim()) throw new Error(`An acknowledgement of ${id} on ${scope.node.path} needs a reason`);
  Validations.of(scope).acknowledge({ id, reason });
}

/** Construct-metadata type under which {@link suppressGuardRule} records a rule and its reason. */
export const GUARD_SUPPRESSION_METADATA_TYPE = 'cloudtrail-onboarding:guard-suppression';

/** A Control Tower rule suppressed on one resource, with the reason. */
export interface GuardSuppression {
  /** Construct path of the CloudFormation resource. */
  readonly path: string;
  /** Its stack's template file and its logical id there. */
  readonly template: string;
  readonly logicalId: string;
  readonly rule: GuardRuleName;
  readonly reason: string;
}

/**
 * Suppresses one AWS Control Tower proactive control (a cfn-guard rule of infra/guard.ts) on the
 * CloudFormation resource of `scope` (the construct itself, or its default child): the rule is added
 * to the resource's template `Metadata.guard.SuppressedRules`, which the Control Tower plugin honours,
 * and the reason is recorded on the construct ({@link guardSuppressions}). A reason is required.
 */
export function suppressGuardRule(scope: IConstruct, rule: GuardRuleName, reason: string): void {
  if (!reason.trim()) throw new Error(`A suppression of ${rule} on ${scope.node.path} needs a reason`);
  if (!(Object.values(GUARD_RULES) as string[]).includes(rule)) throw new Error(`${rule} is not a known Control Tower rule (GUARD_RULES)`);
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`Cannot suppress ${rule} on ${scope.node.path}: it is not a CloudFormation resource and has no default child that is one`);
  }
  const current = (resource.getMetadata(GUARD_METADATA.key) ?? {}) as Record<string, unknown>;
  const rules = (current[GUARD_METADATA.suppressedRules] as string[] | undefined) ?? [];
  if (!rules.includes(rule)) {
    resource.addMetadata(GUARD_METADATA.key, { ...current, [GUARD_METADATA.suppressedRules]: [...rules, rule] });
  }
  resource.node.addMetadata(GUARD_SUPPRESSION_METADATA_TYPE, { rule, reason });
}

/** Every Control Tower suppression recorded under `scope`, with its reason. */
export function guardSuppressions(scope: IConstruct): GuardSuppression[] {
  return scope.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === GUARD_SUPPRESSION_METADATA_TYPE)
        .map((m) => ({
          path: c.node.path,
          template: Stack.of(c).templateFile,
          logicalId: Stack.of(c).resolve((c as CfnResource).logicalId) as string,
          ...(m.data as { rule: GuardRuleName; reason: string }),
        })),
    );
}

/**
 * The id of the AwsSolutions-IAM5 finding for a wildcard resource `arn` (which may hold tokens), as
 * cdk-nag renders it: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::111122223333:role/x-*]`.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}]`;
}

/** The unacknowledged AWS Solutions findings of the given stacks. */
export function nagFindings(stacks: readonly Stack[]): NagFinding[] {
  const findings: NagFinding[] = [];
  for (const stack of stacks) {
    const report = new AwsSolutionsChecks().validateScope(stack);
    for (const v of report.violations) {
      findings.push({
        stack: stack.stackName,
        rule: v.ruleName,
        description: v.description,
        paths: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? '?'),
      });
    }
  }
  return findings;
}

/** Every acknowledgement recorded under `scope`, with its reason. */
export function nagAcknowledgements(scope: IConstruct): NagAcknowledgement[] {
  const out: NagAcknowledgement[] = [];
  for (const c of scope.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}

/** Human-readable lines for a list of findings. */
export function formatFindings(findings: readonly NagFinding[]): string {
  return findings.map((f) => `[${f.stack}] ${f.rule}: ${f.description}\n    ${f.paths.join('\n    ')}`).join('\n');
}
