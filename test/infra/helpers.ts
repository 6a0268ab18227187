/**
 * Synthesizes the app for the infra tests (bundling and CDK's built-in validation skipped: neither
 * changes the templates' resources or policies; test/infra/cfn-validation.test.ts runs the validation) and reads what the tests inspect: templates, IAM policy documents.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, OnboardingApp, STACK_IDS, TEMPLATES_ONLY } from '../../infra/app-builder';
import { AppConfig, loadAppConfig, parseAppConfig } from '../../infra/config';

export const CONFIG_DIR = path.join(__dirname, '../../config');
export const SAMPLE = path.join(CONFIG_DIR, 'onboarding.sample.json');
export const CREATE_SAMPLE = path.join(CONFIG_DIR, 'onboarding.create-resources.sample.json');

/** The raw sample configuration (existing bucket and key). */
export function sampleRaw(): Record<string, unknown> {
  return JSON.parse(readFileSync(SAMPLE, 'utf8')) as Record<string, unknown>;
}

/** The organization-trail sample (`trailMode` `organization`). */
export const ORGANIZATION_SAMPLE = path.join(CONFIG_DIR, 'onboarding.organization-trail.sample.json');

/** The raw organization-trail sample configuration. */
export function organizationSampleRaw(): Record<string, unknown> {
  return JSON.parse(readFileSync(ORGANIZATION_SAMPLE, 'utf8')) as Record<string, unknown>;
}

/** The raw create-resources sample configuration. */
export function createSampleRaw(): Record<string, unknown> {
  return JSON.parse(readFileSync(CREATE_SAMPLE, 'utf8')) as Record<string, unknown>;
}

export { organizationsEvents } from '../fixtures';

/** A synthesized app with its templates. */
export interface Synthesized {
  readonly config: AppConfig;
  readonly built: OnboardingApp;
  readonly templates: Record<keyof typeof STACK_IDS, Template | undefined>;
}

/**
 * Synthesized apps of this test file, by configuration: a synthesis takes seconds, and a file asks for
 * the same configuration many times. Tests read what they get (templates, the construct tree), never
 * change it; one that must change an app builds its own with buildApp.
 */
const synthesized = new Map<string, Synthesized>();

/** Builds and synthesizes the app for a configuration (a file or a raw object), once per configuration and test file. */
export function synth(config: string | Record<string, unknown>): Synthesized {
  const key = typeof config === 'string' ? `file:${path.resolve(config)}:${readFileSync(config, 'utf8')}` : `raw:${JSON.stringify(config)}`;
  const known = synthesized.get(key);
  if (known) return known;
  const s = synthesizeFresh(config);
  synthesized.set(key, s);
  return s;
}

function synthesizeFresh(config: string | Record<string, unknown>): Synthesized {
  const cfg = typeof config === 'string' ? loadAppConfig(config) : parseAppConfig(config, 'test configuration');
  const built = buildApp(cfg, TEMPLATES_ONLY);
  built.app.synth();
  return {
    config: cfg,
    built,
    templates: {
      logArchive: Template.fromStack(built.logArchive),
      logArchiveRoleEvents: Template.fromStack(built.logArchiveRoleEvents),
      orchestrator: Template.fromStack(built.orchestrator),
      managementEvents: built.managementEvents ? Template.fromStack(built.managementEvents) : undefined,
      memberAccess: built.memberAccess ? Template.fromStack(built.memberAccess) : undefined,
    },
  };
}

/** An IAM policy statement as found in a template. */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** One IAM policy document of a template: where it is and which role(s) it belongs to. */
export interface FoundPolicy {
  readonly logicalId: string;
  readonly type: string;
  /** Logical ids of the roles it is attached to (itself for a role's inline policy). */
  readonly roles: string[];
  readonly statements: Statement[];
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** Every IAM identity policy document of a template (roles' inline policies, IAM policies, managed policies). */
export function identityPolicies(template: Template): FoundPolicy[] {
  const out: FoundPolicy[] = [];
  const resources = template.toJSON().Resources as Record<string, Resource>;
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Role') {
      for (const inline of (p.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []) {
        out.push({ logicalId: id, type: r.Type, roles: [id], statements: inline.PolicyDocument.Statement });
      }
    } else if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = ((p.Roles as { Ref: string }[] | undefined) ?? []).map((x) => x.Ref);
      out.push({ logicalId: id, type: r.Type, roles, statements: (p.PolicyDocument as { Statement: Statement[] }).Statement });
    }
  }
  return out;
}

/** A template's resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return Object.fromEntries(Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type));
}

/** The logical id of the only resource of `type` whose properties include `match` (fails otherwise). */
export function onlyResource(template: Template, type: string, match: Record<string, unknown> = {}): [string, Resource] {
  const found = Object.entries(template.findResources(type, { Properties: match })) as [string, Resource][];
  if (found.length !== 1) throw new Error(`expected exactly one ${type} matching ${JSON.stringify(match)}, found ${found.length}`);
  return found[0];
}

/** Array form of a string-or-array policy field. */
export function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Resolves the few intrinsics a policy or pattern value holds (`Ref: AWS::Partition` and friends,
 * `Fn::Join`) for comparisons with concrete values. Other references are kept as `<LogicalId>`.
 */
export function flatten(value: unknown, pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' }): unknown {
  if (Array.isArray(value)) return value.map((v) => flatten(v, pseudo));
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if ('Ref' in o) return pseudo[o.Ref as string] ?? `<${String(o.Ref)}>`;
  if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(flatten(p, pseudo))).join(sep);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, flatten(v, pseudo)]));
}
