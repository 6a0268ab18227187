/**
 * The SDK's default credential provider in the deployed functions: every Lambda bundle resolves
 * `@aws-sdk/credential-provider-node` to this module (infra/bundling.ts LAMBDA_ALIASES).
 *
 * Lambda gives a function its execution role's credentials in the environment variables
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN:
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 * so the other sources of the Node default chain (ini files, SSO, login, web identity, process, ECS and
 * EC2 metadata) are never reached there, and they bring their own STS, SSO and sign-in clients: ~70 KB
 * of every bundle (issue 15). Sessions in other accounts do not go through this: the adapters pass the
 * credentials of each AssumeRole explicitly.
 *
 * With the variables missing, a call fails with the SDK's CredentialsProviderError naming them. The
 * local simulation runs the handlers from source, with the real default chain.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/** Same name and shape as `@aws-sdk/credential-provider-node`'s export, which the clients import. */
export const defaultProvider = (init: FromEnvInit = {}): ReturnType<typeof fromEnv> => fromEnv(init);
