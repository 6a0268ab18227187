/**
 * The configuration reference: config/onboarding.schema.json and the README key table are the ones
 * generated from the model (fails when the model changed and `npm run config-reference` was not run);
 * the schema, checked with a JSON Schema validator as an editor would, accepts both samples and refuses
 * every invalid configuration the model's tests refuse, except the checks across keys, which only the
 * model makes (named below).
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { COMPUTED_DEFAULT } from '../../infra/config';
import { annotatedSchema, README_FILE, readmeWithReference, referenceBlock, referenceRows, SCHEMA_FILE, schemaFileText, type JsonSchema } from '../../scripts/config-reference';
import { INVALID_CONFIGS, problemsOf } from './config-cases';
import { createSampleRaw, organizationSampleRaw, sampleRaw } from './helpers';

/**
 * The invalid configurations of INVALID_CONFIGS that are wrong only in how keys relate
 * (crossKeyProblems in infra/config.ts): each key is valid on its own, so a JSON Schema accepts them.
 */
const CROSS_KEY_ONLY = [
  'management = log-archive',
  'orchestrator = log-archive',
  'the access-logs bucket = the log bucket',
  'a default access-logs bucket name that is too long',
  'a key in another account',
  'a key in another region',
  'a switch role named like the member-access role',
  'an access role named with the reader-role prefix',
  'an Organizations role without an organization',
  'an Organizations role outside the management account',
  'a dedicated orchestrator with OrganizationAccountAccessRole (it trusts only the management account)',
  'a lease that could expire while its holder still runs',
  'organization mode without an organization',
  'an organization trail in account mode',
  'a trail migration in account mode',
  'an existing organization trail outside the management account',
  'an existing organization trail with a delegated administrator to create it',
  'the management account as delegated administrator',
  'an organization trail named like the per-account trail',
  'organization mode with a dedicated orchestrator (not supported yet)',
];

const schemaFile = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as JsonSchema;
// Strict: a keyword the validator does not know fails the compilation. Formats are not checked: zod
// emits the same check as a `pattern` next to each `format`.
const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(schemaFile);

/** The validator's errors for a configuration, or [] when it is valid. */
function schemaErrors(raw: unknown): string[] {
  return validate(raw) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
}

describe('the generated configuration reference', () => {
  it('config/onboarding.schema.json is the one generated from the model', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaFileText());
  });

  it('the README key table is the one generated from the model', () => {
    const readme = readFileSync(README_FILE, 'utf8');
    expect(readmeWithReference(readme, referenceBlock())).toBe(readme);
  });

  it('is draft 2020-12 and describes every key, with no annotation a validator does not know', () => {
    expect(schemaFile.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(JSON.stringify(schemaFile)).not.toContain(COMPUTED_DEFAULT);
    for (const row of referenceRows()) expect({ key: row.key, meaning: row.meaning }).toEqual({ key: row.key, meaning: expect.stringMatching(/\w/) });
  });

  it('the table has a row per key, with its default: zod default, computed default or required', () => {
    const rows = Object.fromEntries(referenceRows().map((r) => [r.key, r]));
    expect(rows['`lockLeaseSeconds`']).toMatchObject({ type: 'integer, 10–900', default: '`180`' });
    expect(rows['`orchestratorAccountId`'].default).toBe('the management account (`managementAccountId`)');
    expect(rows['`logBucket.accessLogsBucketName`']).toMatchObject({ default: '`<name>-access-logs`', meaning: expect.stringMatching(/^Only with `"create": true`\. /) });
    expect(rows['`logKey.arn`']).toMatchObject({ default: '**required**', meaning: expect.stringMatching(/^Only with `"create": false`\. /) });
    expect(rows['`logBucket.create`'].type).toBe('`true` or `false`');
    expect(rows['`switchRole.trustedPrincipalArns`'].default).toBe('**required**');
    expect(rows['`$schema`']).toBeDefined();
  });
});

describe('the JSON Schema validates configurations as written', () => {
  it.each([
    ['config/onboarding.sample.json', sampleRaw],
    ['config/onboarding.create-resources.sample.json', createSampleRaw],
    ['config/onboarding.organization-trail.sample.json', organizationSampleRaw],
  ])('accepts %s', (_file, raw) => {
    expect(schemaErrors(raw())).toEqual([]);
  });

  it('accepts a configuration that leaves out every key with a default (it describes the input, not the parsed model)', () => {
    const raw = createSampleRaw();
    raw.logBucket = { create: true, name: 'trails-222233334444' };
    raw.logKey = { create: true };
    raw.switchRole = { name: 'SecurityAudit', trustedPrincipalArns: ['arn:aws:iam::222233334444:root'] };
    for (const k of ['$schema', 'orchestratorAccountId', 'readerRoleNamePrefix', 'memberAccessRoleName', 'logArchiveAccessRoleName', 'lockLeaseSeconds', 'notifications', 'allowManagementAccount']) delete raw[k];
    expect(schemaErrors(raw)).toEqual([]);
  });

  it('every cross-key case named is one of the invalid configurations', () => {
    const names = INVALID_CONFIGS.map(([what]) => what);
    for (const what of CROSS_KEY_ONLY) expect(names).toContain(what);
  });

  const perKey = INVALID_CONFIGS.filter(([what]) => !CROSS_KEY_ONLY.includes(what));
  it.each(perKey)('refuses %s, as the model does', (_what, raw) => {
    expect(schemaErrors(raw())).not.toEqual([]);
  });

  const crossKey = INVALID_CONFIGS.filter(([what]) => CROSS_KEY_ONLY.includes(what));
  it.each(crossKey)('cannot refuse %s (a check across keys): the model refuses it at synth', (_what, raw, problem) => {
    expect(schemaErrors(raw())).toEqual([]);
    expect(problemsOf(raw())).toEqual([expect.stringMatching(problem)]);
  });

  // zod cannot translate a refinement: the model carries each one as JSON Schema too.
  it.each([
    ['a reserved key alias', () => ({ ...sampleRaw(), logKey: { create: true, alias: 'alias/aws/s3' } })],
    ['a bucket name with ".."', () => ({ ...sampleRaw(), logBucket: { create: false, name: 'org..logs' } })],
    ['a bucket name that is an IP address', () => ({ ...sampleRaw(), logBucket: { create: false, name: '192.168.1.1' } })],
  ])('refuses %s (a refinement, carried as "not"), as the model does', (_what, raw) => {
    expect(schemaErrors(raw())).not.toEqual([]);
    expect(problemsOf(raw())).toHaveLength(1);
  });
});

/** Every node of a schema. */
function* nodes(n: unknown): Generator<JsonSchema> {
  if (!n || typeof n !== 'object') return;
  if (!Array.isArray(n)) yield n as JsonSchema;
  for (const v of Object.values(n)) yield* nodes(v);
}

it('a computed default (x-default) is annotated only where zod has no default', () => {
  for (const n of nodes(annotatedSchema())) if (COMPUTED_DEFAULT in n) expect(n).not.toHaveProperty('default');
});
