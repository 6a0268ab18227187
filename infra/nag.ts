/**
 * cdk-nag (3.x) for the app: the AWS Solutions checks, run on every stack by infra/app.ts (synth fails
 * on an unacknowledged finding) and by the infra tests. Acknowledgements live next to the construct
 * they are about and always state why.
 *
 * cdk-nag 3.x is a policy-validation plugin, not an Aspect: `validateScope(scope)` walks the construct
 * tree and returns the violations not acknowledged through `Validations.of(construct).acknowledge()`.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
// The exact text cdk-nag gives a CloudFormation reference in a finding id (`<AWS::Partition>`, `<Id.Arn>`).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { IConstruct } from 'constructs';

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
