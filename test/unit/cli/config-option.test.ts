/**
 * `--config`: against AWS there is no default configuration (a forgotten `--config` would run against
 * the sample's accounts, bucket and key), so every command without it is a usage error naming the
 * option, before anything is read or called; only `--local` defaults to the sample.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as context from '../../../cli/context';
import { configFileOf, LOCAL_DEFAULT_CONFIG } from '../../../cli/context';
import { EXIT, runCli } from '../../../cli/main';
import * as infraConfig from '../../../infra/config';
import sample from '../../../config/onboarding.sample.json';

const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-config-option-'));
const OK = '444455556666';
const POLICY = path.join(DIR, 'policy.json');
// A key policy always has its administrators' statement (an empty one is refused); the bucket policy may be empty.
writeFileSync(POLICY, JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: 'kms:*', Resource: '*' }] }));

/** Runs one invocation; returns its exit code and what it printed. */
async function onboard(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterEach(() => jest.restoreAllMocks());
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('without --local, --config is required', () => {
  it.each([
    ['start', ['start', OK]],
    ['watch', ['watch', OK]],
    ['status', ['status', OK]],
    ['list', ['list']],
    ['retry', ['retry', OK]],
    ['plan', ['plan', OK]],
    ['an offline plan', ['plan', OK, '--bucket-policy', POLICY, '--key-policy', POLICY]],
    ['a command with --profile and --region', ['--profile', 'prod', '--region', 'eu-west-1', 'status', OK]],
  ])('%s without --config exits 2 naming the option, and reads no configuration', async (_what, argv) => {
    // prepare
    const open = jest.spyOn(context, 'openBackend');
    const load = jest.spyOn(infraConfig, 'loadAppConfig');

    // act
    const r = await onboard(...argv);

    // assert
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/^error: option '--config <file>' is required against AWS .*only --local defaults to config\/onboarding\.sample\.json/);
    expect(r.out).toBe('');
    expect(open).not.toHaveBeenCalled();
    expect(load).not.toHaveBeenCalled();
  });

  it('--help needs no --config', async () => {
    const r = await onboard('--help');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain('--config <file>');
  });

  it('an offline plan uses the file --config names, not the sample', async () => {
    // prepare: the sample with another bucket
    const file = path.join(DIR, 'other.json');
    writeFileSync(file, JSON.stringify({ ...sample, logBucket: { create: false, name: 'other-trail-bucket' } }));
    const load = jest.spyOn(infraConfig, 'loadAppConfig');

    // act
    const r = await onboard('--config', file, 'plan', OK, '--bucket-policy', POLICY, '--key-policy', POLICY, '--json');

    // assert
    expect(r.code).toBe(EXIT.ok);
    expect(load.mock.calls).toEqual([[file]]);
    expect(JSON.stringify(JSON.parse(r.out).bucketPolicy.document)).toContain('arn:aws:s3:::other-trail-bucket');
  });
});

describe('configFileOf', () => {
  it.each([
    ['--local without --config: the sample', { local: true }, LOCAL_DEFAULT_CONFIG],
    ['--local with --config: that file', { local: true, config: 'mine.json' }, 'mine.json'],
    ['against AWS with --config: that file', { config: 'prod.json' }, 'prod.json'],
    ['against AWS without --config: none', {}, undefined],
  ])('%s', (_what, opts, expected) => {
    expect(configFileOf(opts)).toBe(expected);
  });

  it('openBackend refuses options without a configuration, before any AWS call', async () => {
    await expect(context.openBackend({})).rejects.toThrow(/pass --config <file>/);
  });
});
