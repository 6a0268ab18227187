/**
 * Builds the CDK app from a validated configuration. Used by infra/app.ts (cdk synth), by the infra
 * tests, and by the local runner, which synthesizes the same app in process to run the very
 * definition that deploys.
 *
 * Stacks (construct ids are a stable contract: renaming one replaces the stack):
 * | id                                      | account       | region     |
 * |-----------------------------------------|---------------|------------|
 * | `CloudTrailOnboarding-LogArchive`       | log-archive   | homeRegion |
 * | `CloudTrailOnboarding-LogArchiveRoleEvents` | log-archive | us-east-1 (IAM's events region) |
 * | `CloudTrailOnboarding-Orchestrator`     | orchestrator  | homeRegion |
 * | `CloudTrailOnboarding-ManagementEvents` | management    | us-east-1  |  (only with organizationId)
 *
 * No stack references another (they live in different accounts): shared names come from names.ts,
 * and every cross-account grant names a role pattern rather than a role, so they deploy in any order.
 * Recommended order: LogArchive, LogArchiveRoleEvents, Orchestrator, ManagementEvents (an event
 * forwarded before the orchestrator bus exists lands in the forwarder's dead-letter queue).
 */
import { App, AppProps, Stack } from 'aws-cdk-lib';
import { AppConfig, deploysMemberAccessRole, orchestratorAccount, PARTITION } from './config';
import { MemberAccessStack } from './stacks/member-access-stack';
import { ORGANIZATIONS_EVENTS_REGION, STACK_IDS } from './names';

export { STACK_IDS };
import { iamEventsRegion } from '../handlers/domain/change-rules';
import { LogArchiveRoleEventsStack } from './stacks/log-archive-role-events-stack';
import { LogArchiveStack } from './stacks/log-archive-stack';
import { ManagementEventsStack } from './stacks/management-events-stack';
import { OrchestratorStack } from './stacks/orchestrator-stack';

/** The stacks of the app. */
export interface OnboardingApp {
  readonly app: App;
  /** Bucket, key (when created) and the orchestrator's access role: log-archive account, home region. */
  readonly logArchive: LogArchiveStack;
  /** The reader-role change rule: log-archive account, us-east-1. */
  readonly logArchiveRoleEvents: LogArchiveRoleEventsStack;
  /** State machine, functions, table, API, bus, notifications: orchestrator account, home region. */
  readonly orchestrator: OrchestratorStack;
  /** Forwarder of the Organizations event: management account, us-east-1. Absent without `organizationId`. */
  readonly managementEvents?: ManagementEventsStack;
  /** The member-access role for every member account (a StackSet template); absent with OrganizationAccountAccessRole. */
  readonly memberAccess?: MemberAccessStack;
  /** Every stack of the app. */
  readonly stacks: readonly Stack[];
}

/**
 * CDK's built-in CloudFormation validation (every resource against its registry schema and AWS's
 * default rules, in WebAssembly; on unless `builtinCloudFormationValidation: false` or
 * `CDK_VALIDATION=false`) costs about 4.5 s in a fresh process and never changes a template. `cdk synth`
 * (infra/app.ts) runs it, its errors failing the synth; test/infra/cfn-validation.test.ts proves every
 * sample configuration passes it. A synthesis in process that only reads the templates (the local
 * simulation, the infra tests) leaves it out, and bundling with it.
 */
export const VALIDATE_AGAINST_DEFAULT_RULES = '@aws-cdk/core:validateAgainstDefaultRules';

/** App properties of `cdk synth` (infra/app.ts): the built-in validation's errors fail the synth (by default CDK only warns). */
export const CDK_SYNTH: AppProps = { context: { [VALIDATE_AGAINST_DEFAULT_RULES]: true } };

/** App properties of a synthesis in process that reads the templates only: no built-in validation, no bundling. */
export const TEMPLATES_ONLY: AppProps = { builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } };

/** Creates the app and its stacks. */
export function buildApp(config: AppConfig, appProps: AppProps = {}): OnboardingApp {
  const app = new App(appProps);
  const logArchive = new LogArchiveStack(app, STACK_IDS.logArchive, {
    config,
    env: { account: config.logArchiveAccountId, region: config.homeRegion },
    description: 'CloudTrail account onboarding: central log bucket and key (when created), access role of the orchestrator',
    // No termination protection: when a first create fails (ROLLBACK_COMPLETE), `cdk deploy` deletes the
    // stack before creating it again and does not lift the protection first, so CloudFormation refuses the
    // delete and every retry fails until someone disables it by hand (infra/README.md "Deleting and
    // re-creating the stacks"). What deleting the stack must not lose -- buckets, bucket policies, key --
    // is retained by its deletion policy (RetainExceptOnCreate) instead.
    terminationProtection: false,
  });
  const logArchiveRoleEvents = new LogArchiveRoleEventsStack(app, STACK_IDS.logArchiveRoleEvents, {
    config,
    env: { account: config.logArchiveAccountId, region: iamEventsRegion(PARTITION) },
    description: 'CloudTrail account onboarding: forwards changes to the reader roles (IAM events, us-east-1) to the onboarding bus',
  });
  const orchestrator = new OrchestratorStack(app, STACK_IDS.orchestrator, {
    config,
    env: { account: orchestratorAccount(config), region: config.homeRegion },
    description: 'CloudTrail account onboarding: state machine, step functions, status table, API, events, notifications',
  });
  const managementEvents = config.organizationId
    ? new ManagementEventsStack(app, STACK_IDS.managementEvents, {
        config,
        env: { account: config.managementAccountId, region: ORGANIZATIONS_EVENTS_REGION },
        description: 'CloudTrail account onboarding: forwards the Organizations account-created event to the onboarding bus',
      })
    : undefined;
  // Environment-agnostic: one template for a StackSet over the organization's member accounts.
  const memberAccess = deploysMemberAccessRole(config)
    ? new MemberAccessStack(app, STACK_IDS.memberAccess, {
        config,
        description: 'CloudTrail account onboarding: the role the orchestrator assumes in each member account (deploy with a StackSet)',
      })
    : undefined;
  const stacks: Stack[] = [logArchive, logArchiveRoleEvents, orchestrator, ...(managementEvents ? [managementEvents] : []), ...(memberAccess ? [memberAccess] : [])];
  return { app, logArchive, logArchiveRoleEvents, orchestrator, managementEvents, memberAccess, stacks };
}
