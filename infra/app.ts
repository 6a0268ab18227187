#!/usr/bin/env node
/**
 * CDK entry point. The configuration file is the `config` context value
 * (default config/onboarding.sample.json): `npx cdk synth -c config=path/to/file.json`.
 *
 * The configuration is validated before any construct is made; after synthesis every stack is
 * checked with cdk-nag (AWS Solutions) and synth fails on any unacknowledged finding.
 */
import * as path from 'node:path';
import { buildApp } from './app-builder';
import { InvalidConfiguration, loadAppConfig } from './config';
import { formatFindings, nagFindings } from './nag';

const root = path.join(__dirname, '..');

/** Default configuration file, relative to the repository root. */
const DEFAULT_CONFIG = 'config/onboarding.sample.json';

function main(): number {
  // The context is read before the app exists, so the validated config exists before any construct.
  const file = path.resolve(root, configFromContext() ?? DEFAULT_CONFIG);
  const config = loadAppConfig(file);
  const { app, stacks } = buildApp(config);
  app.synth();
  const findings = nagFindings(stacks);
  if (findings.length) {
    console.error(`cdk-nag (AwsSolutions): ${findings.length} unacknowledged finding(s):\n${formatFindings(findings)}`);
    return 1;
  }
  return 0;
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
