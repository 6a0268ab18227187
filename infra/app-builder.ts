/**
 * Builds the CDK app from a validated configuration. Used by infra/app.ts (cdk synth) and by the
 * local runner, which synthesizes the same app in process to run the very definition that deploys.
 */
import { App, AppProps } from 'aws-cdk-lib';
import { AppConfig, orchestratorAccount } from './config';
import { OrchestratorStack } from './stacks/orchestrator-stack';

/** The stacks of the app. */
export interface OnboardingApp {
  readonly app: App;
  readonly orchestrator: OrchestratorStack;
}

/** Construct ids of the stacks: a stable contract (renaming one replaces the stack). */
export const STACK_IDS = { orchestrator: 'CloudTrailOnboarding-Orchestrator' } as const;

/** Creates the app and its stacks. */
export function buildApp(config: AppConfig, appProps: AppProps = {}): OnboardingApp {
  const app = new App(appProps);
  const orchestrator = new OrchestratorStack(app, STACK_IDS.orchestrator, {
    config,
    env: { account: orchestratorAccount(config), region: config.homeRegion },
    description: 'CloudTrail account onboarding: state machine, step functions, status table',
  });
  return { app, orchestrator };
}
