/**
 * How every Lambda function is bundled. One definition for the CDK app (NodejsFunction) and for the
 * benchmark (scripts/bench.ts), so the figures the README shows are those of the deployed bundles.
 */
import * as path from 'node:path';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** esbuild target of the Lambda runtime (nodejs24.x). */
export const LAMBDA_TARGET = 'node24';

/**
 * Prefer the packages' ES module builds: esbuild can tree-shake them (the AWS SDK v3 and Smithy ship
 * both; the CommonJS builds are single files it must take whole). Measured: ~27% smaller bundles.
 */
export const LAMBDA_MAIN_FIELDS = ['module', 'main'];

/**
 * Packages every bundle replaces, with the module it takes instead (esbuild `alias`, relative to the
 * project root, where CDK runs esbuild). The SDK's Node credential chain becomes the environment
 * variables Lambda sets (handlers/shared/lambda-credentials.ts: ~70 KB less in every bundle).
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './handlers/shared/lambda-credentials.ts',
};

/** {@link LAMBDA_ALIASES} with absolute paths, for an esbuild build run from elsewhere (the benchmark, the tests). */
export function lambdaAliases(projectRoot = path.join(__dirname, '..')): Record<string, string> {
  return Object.fromEntries(Object.entries(LAMBDA_ALIASES).map(([pkg, file]) => [pkg, path.resolve(projectRoot, file)]));
}

/** NodejsFunction bundling options of every function. */
export const LAMBDA_BUNDLING: nodejs.BundlingOptions = {
  // No Docker here: esbuild from node_modules (../shared/NOTES.md).
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  target: LAMBDA_TARGET,
  format: nodejs.OutputFormat.CJS,
  mainFields: LAMBDA_MAIN_FIELDS,
  // Pin our own SDK version in the bundle rather than the runtime's.
  bundleAwsSDK: true,
  esbuildArgs: { '--alias': Object.entries(LAMBDA_ALIASES).map(([pkg, file]) => `${pkg}=${file}`) },
};

/**
 * The esbuild options CDK builds every function with ({@link LAMBDA_BUNDLING}), for a build run outside
 * CDK: the benchmark (scripts/bench.ts) and the tests of the bundles (test/unit/handlers/bundle.test.ts).
 */
export function deployedEsbuildOptions(projectRoot?: string): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: LAMBDA_BUNDLING.target,
    format: LAMBDA_BUNDLING.format,
    minify: LAMBDA_BUNDLING.minify,
    mainFields: [...(LAMBDA_BUNDLING.mainFields ?? [])],
    alias: lambdaAliases(projectRoot),
  };
}
