#!/usr/bin/env node
/**
 * CDK entry point. The configuration file is the `config` context value
 * (default config/onboarding.sample.json): `npx cdk synth -c config=path/to/file.json`.
 *
 * The configuration is validated before any construct is made. Synthesis checks every resource against
 * its CloudFormation schema (CDK's built-in validation, errors failing it) and runs AWS Control Tower's
 * proactive controls on every template (infra/guard.ts, a policy-validation plugin of the App: CDK prints
 * the report and synth fails on any unsuppressed finding); then every stack is checked with cdk-nag
 * (AWS Solutions) and synth fails on any unacknowledged finding.
 */
import * as path from 'node:path';
import { buildApp, CDK_SYNTH } from './app-builder';
import { InvalidConfiguration, loadAppConfig } from './config';
import { addControlTowerChecks } from './guard';
import { formatFindings, nagFindings } from './nag';

const root = path.join(__dirname, '..');

/** Default configuration file, relative to the repository root. */
const DEFAULT_CONFIG = 'config/onboarding.sample.json';

function main(): number {
  // The context is read before the app exists, so the validated config exists before any construct.
  const file = path.resolve(root, configFromContext() ?? DEFAULT_CONFIG);
  const config = loadAppConfig(file);
  const { app, stacks } = buildApp(config, CDK_SYNTH);
  // Only here, for `cdk synth`: the local runner synthesizes the same app in process without the rules.
  addControlTowerChecks(app);
  try {
    app.synth();
  } catch (e) {
    // CDK has printed the validation report (each finding with its resource and fix) before this.
    if (e instanceof Error && /^Validation failed/.test(e.message)) {
      console.error(`AWS Control Tower proactive controls: ${e.message}`);
      return 1;
    }
    throw e;
  }
  // When CDK reports the validation failure itself (CLI in "process" mode) it only sets the exit code.
  const validationFailed = process.exitCode !== undefined && process.exitCode !== 0;
  const findings = nagFindings(stacks);
  if (findings.length) {
    console.error(`cdk-nag (AwsSolutions): ${findings.length} unacknowledged finding(s):\n${formatFindings(findings)}`);
    return 1;
  }
  return validationFailed ? 1 : 0;
}

/** The `config` context value (`-c config=...` or cdk.json), as the CDK CLI passes it. */
function configFromContext(): string | undefined {
  const ctx = process.env.CDK_CONTEXT_JSON ? (JSON.parse(process.env.CDK_CONTEXT_JSON) as Record<string, unknown>) : {};
  const value = ctx.config;
  return typeof value === 'string' ? value : undefined;
}

try {
  process.exitCode = main();
} catch (e) {
  if (e instanceof InvalidConfiguration) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
