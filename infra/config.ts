/**
 * The one configuration model of the CDK app, validated before any construct is made.
 * Each bad key is reported with what was given and what is expected.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AccountIdSchema, RuntimeConfigInput, RuntimeConfigSchema } from '../handlers/shared/config';

const runtime = RuntimeConfigSchema.shape;

/** The deployment configuration (a JSON file; see config/onboarding.sample.json). */
export const AppConfigSchema = z.strictObject({
  homeRegion: runtime.homeRegion,
  managementAccountId: runtime.managementAccountId,
  logArchiveAccountId: runtime.logArchiveAccountId,
  /** Account the state machine and the step functions run in. Default: the management account. */
  orchestratorAccountId: AccountIdSchema.optional(),
  organizationId: runtime.organizationId,
  organizationsRoleArn: runtime.organizationsRoleArn,
  allowManagementAccount: runtime.allowManagementAccount,
  allowLogArchiveAccount: runtime.allowLogArchiveAccount,
  bucketName: runtime.bucketName,
  keyArn: runtime.keyArn,
  logPrefix: runtime.logPrefix,
  trailName: runtime.trailName,
  switchRole: runtime.switchRole,
  readerRoleNamePrefix: runtime.readerRoleNamePrefix,
  memberAccessRoleName: runtime.memberAccessRoleName,
  /** Name of the role in the log-archive account the orchestrator assumes. */
  logArchiveAccessRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/).default('OnboardingLogArchiveAccess'),
  lockLeaseSeconds: runtime.lockLeaseSeconds,
});

/** Validated deployment configuration. */
export type AppConfig = z.infer<typeof AppConfigSchema>;

/** A configuration that failed validation; `problems` has one line per bad key. */
export class InvalidConfiguration extends Error {
  override readonly name = 'InvalidConfiguration' as const;
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration in ${source}:\n  - ${problems.join('\n  - ')}`);
  }
}

function describeReceived(raw: unknown, path: PropertyKey[]): string {
  let v: unknown = raw;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** Validates a configuration object. */
export function parseAppConfig(raw: unknown, source = 'configuration'): AppConfig {
  const result = AppConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new InvalidConfiguration(
      source,
      result.error.issues.map((i) => {
        const key = i.path.join('.') || '(root)';
        return `${key}: ${i.message} (received ${describeReceived(raw, i.path)})`;
      }),
    );
  }
  const cfg = result.data;
  const problems: string[] = [];
  const keyAccount = cfg.keyArn.split(':')[4];
  const keyRegion = cfg.keyArn.split(':')[3];
  if (keyAccount !== cfg.logArchiveAccountId) {
    problems.push(`keyArn: the key must be in the log-archive account ${cfg.logArchiveAccountId} (received ${cfg.keyArn})`);
  }
  if (keyRegion !== cfg.homeRegion) {
    problems.push(`keyArn: the key must be in the home region ${cfg.homeRegion} (received ${cfg.keyArn})`);
  }
  if (cfg.managementAccountId === cfg.logArchiveAccountId) {
    problems.push('logArchiveAccountId: must differ from managementAccountId');
  }
  if (problems.length) throw new InvalidConfiguration(source, problems);
  return cfg;
}

/** Reads and validates a configuration file. */
export function loadAppConfig(file: string): AppConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InvalidConfiguration(file, [`cannot read JSON: ${(e as Error).message}`]);
  }
  return parseAppConfig(raw, file);
}

/** The account the orchestrator runs in. */
export function orchestratorAccount(cfg: AppConfig): string {
  return cfg.orchestratorAccountId ?? cfg.managementAccountId;
}

/** The runtime configuration handed to every step function (tableName resolved at deploy time). */
export function runtimeConfigOf(cfg: AppConfig, tableName: string): RuntimeConfigInput {
  const { orchestratorAccountId: _o, logArchiveAccessRoleName, ...rest } = cfg;
  return {
    ...rest,
    logArchiveAccessRoleArn: `arn:aws:iam::${cfg.logArchiveAccountId}:role/${logArchiveAccessRoleName}`,
    tableName,
  };
}
