/**
 * AWS Control Tower proactive controls for the app: the cfn-guard rules that
 * `@cdklabs/cdk-validator-cfnguard` bundles with the cfn-guard binary, run on every template.
 * infra/app.ts registers them on the App as a policy-validation plugin (`Validations.of(app).addPlugins`,
 * which replaces the deprecated `policyValidationBeta1` App prop), so `cdk synth` fails on any finding;
 * the infra tests run the same plugin (test/infra/guard.test.ts).
 * The local runner builds the app without it: its in-process synth stays fast and never needs the binary.
 * https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html
 *
 * Suppressions live in the template: a resource whose `Metadata.guard.SuppressedRules` lists a rule is
 * not reported for that rule (the convention of the AWS Guard Rules Registry, whose rules filter
 * themselves on it). The bundled Control Tower rules do not read that metadata themselves
 * (https://github.com/cdklabs/cdk-validator-cfnguard/issues/202, and cfn-guard 3.1.1 has no
 * suppression of its own), so {@link ControlTowerChecks} drops the findings it lists. Suppressions are
 * written with `suppressGuardRule` (infra/nag.ts), next to the construct and with the reason.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  App,
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Template `Metadata` key (and its list) that names the rules not to report for a resource. */
export const GUARD_METADATA = { key: 'guard', suppressedRules: 'SuppressedRules' } as const;

/**
 * The Control Tower rules this app suppresses somewhere, by cfn-guard rule name (what a violation's
 * `ruleName` is and what `guard.SuppressedRules` lists), with the control it implements.
 * https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html
 */
export const GUARD_RULES = {
  /** [CT.LAMBDA.PR.2] Lambda function policies must limit a service principal by SourceAccount or SourceArn. */
  lambdaPermissionSource: 'lambda_function_public_access_prohibited_check',
  /** [CT.LAMBDA.PR.3] A Lambda function must run in a customer-managed VPC. */
  lambdaInsideVpc: 'lambda_inside_vpc_check',
  /** [CT.S3.PR.2] An S3 bucket must have server access logging. */
  s3AccessLogging: 's3_bucket_logging_enabled_check',
  /** [CT.S3.PR.4] An S3 bucket must have event notifications. */
  s3EventNotifications: 's3_event_notifications_enabled_check',
  /** [CT.S3.PR.9] An S3 bucket must have Object Lock. */
  s3ObjectLock: 's3_bucket_object_lock_enabled_check',
  /** [CT.S3.PR.10] An S3 bucket must use SSE-KMS default encryption. */
  s3KmsEncryption: 's3_bucket_default_encryption_kms_check',
} as const;

/** A cfn-guard rule name that may be suppressed. */
export type GuardRuleName = (typeof GUARD_RULES)[keyof typeof GUARD_RULES];

/** Name of the plugin in the synth report. */
export const CONTROL_TOWER_PLUGIN_NAME = 'Control Tower proactive controls';

/**
 * The Control Tower rules as a CDK policy-validation plugin, minus the findings a resource's
 * `Metadata.guard.SuppressedRules` lists.
 */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  public readonly name = CONTROL_TOWER_PLUGIN_NAME;
  public readonly version?: string;
  public readonly ruleIds?: string[];
  private readonly guard = new CfnGuardValidator({ controlTowerRulesEnabled: true });

  constructor() {
    this.version = this.guard.version;
    this.ruleIds = this.guard.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.guard.validate(context);
    const suppressed = suppressionsOf(context.templatePaths);
    const violations: PolicyViolation[] = [];
    for (const v of report.violations) {
      const left = v.violatingResources.filter(
        (r) => !(suppressed.get(path.resolve(r.templatePath ?? ''))?.get(r.resourceLogicalId ?? '') ?? []).includes(v.ruleName),
      );
      if (left.length) violations.push({ ...v, violatingResources: left });
    }
    return { success: violations.length === 0, violations };
  }
}

/**
 * Makes `app.synth()` run the Control Tower rules on every stack of `app` (infra/app.ts): CDK prints
 * each finding with its construct, resource and fix, and synth fails.
 */
export function addControlTowerChecks(app: App): void {
  Validations.of(app).addPlugins(new ControlTowerChecks());
}

/** One unsuppressed finding of the Control Tower rules. */
export interface GuardFinding {
  /** cfn-guard rule name, e.g. `lambda_inside_vpc_check`. */
  readonly rule: string;
  /** The control id from the rule's message, e.g. `CT.LAMBDA.PR.3`. */
  readonly control: string;
  /** Template file name, e.g. `CloudTrailOnboarding-Orchestrator.template.json`. */
  readonly template: string;
  readonly logicalId: string;
}

/** The unsuppressed Control Tower findings of the given templates, one per rule and resource. */
export function guardFindings(templatePaths: readonly string[]): GuardFinding[] {
  const report = new ControlTowerChecks().validate({ templatePaths: [...templatePaths] } as IPolicyValidationContext);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => ({
      rule: v.ruleName,
      control: /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(v.description)?.[1] ?? '?',
      template: path.basename(r.templatePath ?? '?'),
      logicalId: r.resourceLogicalId ?? '?',
    })),
  );
}

/**
 * The key-policy statement Control Tower requires of every KMS key ([CT.KMS.PR.3]): nobody may create
 * a grant on the key unless the grant is for an AWS service acting on their behalf
 * (`kms:GrantIsForAWSResource`) or the caller is an AWS service. Nothing in this service creates
 * grants; the statement closes the path by which a principal with `kms:CreateGrant` (key
 * administrators have `kms:Create*`) could hand the key's use to anyone.
 * https://docs.aws.amazon.com/controltower/latest/controlreference/kms-rules.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
 */
export function denyGrantsNotForAwsResources(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });
}

type TemplateResources = Record<string, { Metadata?: Record<string, unknown> }>;

/** Template path -> logical id -> the rules its `Metadata.guard.SuppressedRules` lists. */
function suppressionsOf(templatePaths: readonly string[]): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const file of templatePaths) {
    const resources = (JSON.parse(readFileSync(file, 'utf8')) as { Resources?: TemplateResources }).Resources ?? {};
    const byId = new Map<string, string[]>();
    for (const [id, r] of Object.entries(resources)) {
      const rules = (r.Metadata?.[GUARD_METADATA.key] as Record<string, unknown> | undefined)?.[GUARD_METADATA.suppressedRules];
      if (Array.isArray(rules)) byId.set(id, rules.filter((x): x is string => typeof x === 'string'));
    }
    out.set(path.resolve(file), byId);
  }
  return out;
}
