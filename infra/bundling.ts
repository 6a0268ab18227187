/**
 * How every Lambda function is bundled. One definition for the CDK app (NodejsFunction) and for the
 * benchmark (scripts/bench.ts), so the figures the README shows are those of the deployed bundles.
 */
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** esbuild target of the Lambda runtime (nodejs24.x). */
export const LAMBDA_TARGET = 'node24';

/**
 * Prefer the packages' ES module builds: esbuild can tree-shake them (the AWS SDK v3 and Smithy ship
 * both; the CommonJS builds are single files it must take whole). Measured: ~27% smaller bundles.
 */
export const LAMBDA_MAIN_FIELDS = ['module', 'main'];

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
};
