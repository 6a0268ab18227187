#!/usr/bin/env node
/**
 * CDK entry point. The configuration file is the `config` context value
 * (default config/onboarding.sample.json): `npx cdk synth -c config=path/to/file.json`.
 */
import * as path from 'node:path';
import { buildApp } from './app-builder';
import { InvalidConfiguration, loadAppConfig } from './config';

const root = path.join(__dirname, '..');

function main(): void {
  // Read the context through a throwaway app so the validated config exists before any construct.
  const probe = buildContext();
  const file = path.resolve(root, probe ?? 'config/onboarding.sample.json');
  const config = loadAppConfig(file);
  buildApp(config).app.synth();
}

function buildContext(): string | undefined {
  const ctx = process.env.CDK_CONTEXT_JSON ? (JSON.parse(process.env.CDK_CONTEXT_JSON) as Record<string, unknown>) : {};
  const value = ctx.config;
  return typeof value === 'string' ? value : undefined;
}

try {
  main();
} catch (e) {
  if (e instanceof InvalidConfiguration) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
