/**
 * What the deployed bundles are built with (infra/bundling.ts): the SDK's Node credential chain is
 * replaced by the environment variables Lambda sets (handlers/shared/lambda-credentials.ts), and no
 * bundle carries the X-Ray SDK. Built with esbuild exactly as the benchmark builds the deployed bundles.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { deployedEsbuildOptions, LAMBDA_ALIASES, LAMBDA_BUNDLING } from '../../../infra/bundling';

const ROOT = path.join(__dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'bundle-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The deployed settings, as scripts/bench.ts builds them. */
const DEPLOYED: BuildOptions = { ...deployedEsbuildOptions(ROOT), logLevel: 'error', metafile: true };

const packagesOf = (meta: Metafile) => [...new Set(Object.keys(meta.inputs).map((f) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(f)?.[1]).filter((p): p is string => !!p))];

describe('the deployed bundles', () => {
  it('name alias targets that exist relative to the project root (where CDK runs esbuild)', () => {
    for (const file of Object.values(LAMBDA_ALIASES)) expect(existsSync(path.resolve(ROOT, file))).toBe(true);
    expect(LAMBDA_BUNDLING.esbuildArgs).toEqual({ '--alias': ['@aws-sdk/credential-provider-node=./handlers/shared/lambda-credentials.ts'] });
  });

  it('leave out the Node credential chain and the X-Ray SDK (a step entry, built as deployed)', async () => {
    const built = await build({ ...DEPLOYED, entryPoints: [path.join(ROOT, 'handlers/ensure-trail/index.ts')], outfile: path.join(dir, 'ensure-trail.js') });
    const packages = packagesOf(built.metafile!);
    expect(packages).toEqual(expect.arrayContaining(['@aws-sdk/client-cloudtrail', '@aws-sdk/credential-provider-env']));
    for (const absent of ['@aws-sdk/credential-provider-node', '@aws-sdk/credential-provider-ini', '@aws-sdk/credential-provider-sso', '@aws-sdk/nested-clients', 'aws-xray-sdk-core', '@aws-lambda-powertools/tracer']) {
      expect(packages).not.toContain(absent);
    }
  });

  describe('a client in a bundle', () => {
    let credentialsOf: (env: Record<string, string>) => Promise<unknown>;
    beforeAll(async () => {
      // A client of the SDK resolving its credentials, in a bundle built as deployed.
      const contents = `import { STSClient } from '@aws-sdk/client-sts';
        export async function credentials() { return new STSClient({ region: 'eu-west-1' }).config.credentials(); }`;
      const outfile = path.join(dir, 'probe.js');
      await build({ ...DEPLOYED, stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'probe.ts' }, outfile });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const probe = require(outfile) as { credentials(): Promise<unknown> };
      credentialsOf = async (env) => {
        const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'];
        const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
        for (const k of keys) delete process.env[k];
        Object.assign(process.env, env);
        try {
          return await probe.credentials();
        } finally {
          for (const k of keys) {
            if (saved[k] === undefined) delete process.env[k];
            else process.env[k] = saved[k];
          }
        }
      };
    });

    it("takes the execution role's credentials from the environment, as Lambda sets them", async () => {
      await expect(credentialsOf({ AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' })).resolves.toMatchObject({
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      });
    });

    it('fails with the SDK error naming the variables when they are missing (no other source is tried)', async () => {
      await expect(credentialsOf({ AWS_PROFILE: 'someone' })).rejects.toMatchObject({ name: 'CredentialsProviderError', message: expect.stringMatching(/environment variable/i) });
    });
  });
});
