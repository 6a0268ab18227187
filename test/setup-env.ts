// Runs before every test file: silence the SDK's Node-version notice and keep Powertools quiet.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_DEV = process.env.POWERTOOLS_DEV ?? 'false';
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'CloudTrailOnboarding';
// aws-local-stepfunctions 3 calls Promise.withResolvers (Node >= 22); Node 20 lacks it.
import '../local/polyfills';
