/**
 * In-memory stand-ins for the ports of handlers/steps/deps.ts, recording every write, so the step
 * logic (read -> decide -> write only what differs) is tested without AWS or the simulation.
 */
import type { ObservedRole, ObservedTrail, OrgAccount, RoleInput, Tag, TrailInput } from '../../../handlers/adapters/types';
import { parseRuntimeConfig, type RuntimeConfig, type RuntimeConfigInput } from '../../../handlers/shared/config';
import { PolicyLockBusy } from '../../../handlers/shared/errors';
import type { ChangeRuleSpec, ObservedChangeRule } from '../../../handlers/domain/change-rules';
import type { OffboardedResult, OnboardedResult } from '../../../handlers/adapters/status-store';
import type { LeaseOptions } from '../../../handlers/adapters/lease-lock';
import type { BucketPolicyPort, ChangeRulesPort, KeyStatePort, LockPort, LogFilesPort, OrganizationPort, PolicyPort, RolePort, StatusPort, StepDeps, TrailPort } from '../../../handlers/steps/deps';

/** Every write the fakes received, as `Operation target`. */
export type WriteLog = string[];

export class FakeRoles implements RolePort {
  readonly roles = new Map<string, ObservedRole>();
  constructor(
    private readonly account: string,
    readonly writes: WriteLog,
  ) {}
  private role(name: string): ObservedRole {
    const r = this.roles.get(name);
    if (!r) throw new Error(`fake: no role ${name}`);
    return r;
  }
  async getRole(name: string) {
    const r = this.roles.get(name);
    return r && structuredClone(r);
  }
  async createRole(input: RoleInput) {
    this.writes.push(`CreateRole ${input.roleName}`);
    const arn = `arn:aws:iam::${this.account}:role/${input.roleName}`;
    this.roles.set(input.roleName, {
      arn,
      roleName: input.roleName,
      trustPolicyText: input.trustPolicyText,
      description: input.description,
      maxSessionDuration: input.maxSessionDuration,
      managedPolicyArns: [],
      inlinePolicies: {},
      tags: [...input.tags],
      ...(input.permissionsBoundaryArn ? { permissionsBoundaryArn: input.permissionsBoundaryArn } : {}),
    });
    return arn;
  }
  async updateAssumeRolePolicy(name: string, text: string) {
    this.writes.push(`UpdateAssumeRolePolicy ${name}`);
    this.role(name).trustPolicyText = text;
  }
  async updateRole(name: string, description: string, max: number) {
    this.writes.push(`UpdateRole ${name}`);
    Object.assign(this.role(name), { description, maxSessionDuration: max });
  }
  async attachPolicy(name: string, arn: string) {
    this.writes.push(`AttachRolePolicy ${name} ${arn}`);
    this.role(name).managedPolicyArns.push(arn);
  }
  async detachPolicy(name: string, arn: string) {
    this.writes.push(`DetachRolePolicy ${name} ${arn}`);
    const r = this.role(name);
    r.managedPolicyArns = r.managedPolicyArns.filter((a) => a !== arn);
  }
  async putInlinePolicy(name: string, policyName: string, text: string) {
    this.writes.push(`PutRolePolicy ${name} ${policyName}`);
    this.role(name).inlinePolicies[policyName] = text;
  }
  async deleteInlinePolicy(name: string, policyName: string) {
    this.writes.push(`DeleteRolePolicy ${name} ${policyName}`);
    delete this.role(name).inlinePolicies[policyName];
  }
  async tagRole(name: string, tags: Tag[]) {
    this.writes.push(`TagRole ${name}`);
    const r = this.role(name);
    r.tags = [...r.tags.filter((t) => !tags.some((n) => n.Key === t.Key)), ...tags];
  }
  async putPermissionsBoundary(name: string, policyArn: string) {
    this.writes.push(`PutRolePermissionsBoundary ${name}`);
    this.role(name).permissionsBoundaryArn = policyArn;
  }
  async deleteRole(name: string) {
    this.writes.push(`DeleteRole ${name}`);
    const r = this.roles.get(name);
    if (r && (r.managedPolicyArns.length || Object.keys(r.inlinePolicies).length)) throw new Error(`fake: role ${name} still has policies`);
    this.roles.delete(name);
  }
}

export class FakeTrails implements TrailPort {
  readonly trails = new Map<string, ObservedTrail>();
  /** When false, StartLogging does not take effect (to test the IsLogging confirmation). */
  startTakesEffect = true;
  constructor(
    private readonly account: string,
    private readonly region: string,
    readonly writes: WriteLog,
  ) {}
  async get(name: string) {
    const t = this.trails.get(name);
    return t && structuredClone(t);
  }
  private observed(input: TrailInput, prev?: ObservedTrail): ObservedTrail {
    return {
      trailArn: `arn:aws:cloudtrail:${this.region}:${this.account}:trail/${input.name}`,
      name: input.name,
      homeRegion: this.region,
      s3BucketName: input.s3BucketName,
      s3KeyPrefix: input.s3KeyPrefix,
      kmsKeyId: input.kmsKeyId,
      isMultiRegionTrail: input.isMultiRegionTrail,
      includeGlobalServiceEvents: input.includeGlobalServiceEvents,
      logFileValidationEnabled: input.enableLogFileValidation,
      ...(input.isOrganizationTrail ? { isOrganizationTrail: true } : {}),
      tags: prev?.tags ?? [...input.tags],
      isLogging: prev?.isLogging ?? false,
    };
  }
  async create(input: TrailInput) {
    this.writes.push(`CreateTrail ${input.name}`);
    const t = this.observed(input);
    this.trails.set(input.name, t);
    return t.trailArn;
  }
  async update(input: TrailInput) {
    this.writes.push(`UpdateTrail ${input.name}`);
    this.trails.set(input.name, this.observed(input, this.trails.get(input.name)));
  }
  async putDefaultEventSelectors(name: string) {
    this.writes.push(`PutEventSelectors ${name}`);
    this.trails.get(name)!.recordsAllManagementEvents = true;
  }
  async startLogging(name: string) {
    this.writes.push(`StartLogging ${name}`);
    if (this.startTakesEffect) this.trails.get(name)!.isLogging = true;
  }
  async isLogging(name: string) {
    return this.trails.get(name)?.isLogging ?? false;
  }
  async delete(name: string) {
    this.writes.push(`DeleteTrail ${name}`);
    this.trails.delete(name);
  }
}

/** The central bucket's log files: keys put by the test (what CloudTrail delivered), listed by prefix. */
export class FakeLogFiles implements LogFilesPort {
  readonly keys: string[] = [];
  async first(prefix: string) {
    const key = [...this.keys].sort().find((k) => k.startsWith(prefix));
    return key === undefined ? undefined : { key };
  }
}

/** The organization as the management account sees it (DescribeOrganization, trusted access). */
export class FakeOrganization implements OrganizationPort {
  featureSet = 'ALL';
  readonly trusted = new Set<string>();
  constructor(
    readonly writes: WriteLog,
    readonly id = 'o-a1b2c3d4e5',
  ) {}
  async describe() {
    return { id: this.id, featureSet: this.featureSet, managementAccountId: IDS.management };
  }
  async trustedServicePrincipals() {
    return [...this.trusted];
  }
  async enableTrustedAccess(principal: string) {
    this.writes.push(`EnableAWSServiceAccess ${principal}`);
    this.trusted.add(principal);
  }
}

export class FakePolicy implements PolicyPort {
  constructor(
    private readonly label: string,
    readonly writes: WriteLog,
    public text: string | undefined,
  ) {}
  async get() {
    return this.text;
  }
  async put(text: string) {
    this.writes.push(`Put${this.label}`);
    this.text = text;
  }
}

/** The central bucket: its policy, and whether it uses an S3 Bucket Key (`bucketKey`, default none). */
export class FakeBucketPolicy extends FakePolicy implements BucketPolicyPort {
  bucketKey = false;
  async bucketKeyEnabled() {
    return this.bucketKey;
  }
}

export class FakeStatus implements StatusPort {
  readonly records = new Map<string, Record<string, unknown>>();
  readonly memberSet = new Set<string>();
  constructor(readonly writes: WriteLog) {}
  async markInProgress(accountId: string, executionArn: string) {
    const r = this.records.get(accountId);
    if (r?.status === 'ONBOARDED' || (r?.status === 'IN_PROGRESS' && r.executionArn === executionArn)) return;
    this.writes.push(`Status IN_PROGRESS ${accountId}`);
    this.records.set(accountId, { status: 'IN_PROGRESS', executionArn });
  }
  async markOnboarded(accountId: string, result: OnboardedResult) {
    this.writes.push(`Status ONBOARDED ${accountId}`);
    this.records.set(accountId, { status: 'ONBOARDED', ...result });
  }
  async recordVerification(accountId: string, result: Record<string, unknown>) {
    this.writes.push(`Status VERIFIED ${accountId}`);
    this.records.set(accountId, { ...this.records.get(accountId), ...result });
  }
  async getAccount(accountId: string) {
    return this.records.get(accountId) as { status: string } | undefined;
  }
  async markFailed(accountId: string, failure: { executionArn: string; error: unknown }) {
    this.writes.push(`Status FAILED ${accountId}`);
    this.records.set(accountId, { status: 'FAILED', ...failure });
  }
  async markRejected(accountId: string, rejection: { executionArn: string; error: unknown }) {
    const current = this.records.get(accountId) as { status?: string } | undefined;
    if (current?.status === 'ONBOARDED') {
      this.writes.push(`Status notice REJECTED ${accountId}`);
      this.records.set(accountId, { ...current, notice: { status: 'REJECTED', ...rejection } });
      return 'noted';
    }
    this.writes.push(`Status REJECTED ${accountId}`);
    this.records.set(accountId, { status: 'REJECTED', ...rejection });
    return 'recorded';
  }
  readonly leavingSet = new Set<string>();
  async members() {
    return [...this.memberSet];
  }
  async membership() {
    return { members: [...this.memberSet], leaving: [...this.leavingSet] };
  }
  async addMember(accountId: string) {
    this.writes.push(`AddMember ${accountId}`);
    this.memberSet.add(accountId);
    this.leavingSet.delete(accountId);
  }
  async removeMember(accountId: string) {
    this.writes.push(`RemoveMember ${accountId}`);
    this.memberSet.delete(accountId);
    this.leavingSet.add(accountId);
  }
  async markOffboarded(accountId: string, result: OffboardedResult) {
    this.writes.push(`Status OFFBOARDED ${accountId}`);
    this.records.set(accountId, { status: 'OFFBOARDED', ...result });
  }
  async markOffboarding(accountId: string, executionArn: string, reason: string) {
    if (!this.records.has(accountId)) return false;
    this.writes.push(`Status OFFBOARDING ${accountId}`);
    this.records.set(accountId, { ...this.records.get(accountId), status: 'OFFBOARDING', executionArn, offboarding: { reason } });
    return true;
  }
}

/** The central key's state (Enabled unless a test changes it). */
export class FakeKeyState implements KeyStatePort {
  keyState = 'Enabled';
  constructor(readonly writes: WriteLog) {}
  async state() {
    return { keyState: this.keyState };
  }
  async cancelDeletion() {
    this.writes.push('CancelKeyDeletion');
    this.keyState = 'Disabled';
  }
  async enable() {
    this.writes.push('EnableKey');
    this.keyState = 'Enabled';
  }
}

/** One account's rules in one region. */
export class FakeChangeRules implements ChangeRulesPort {
  readonly rules = new Map<string, { -readonly [K in keyof ObservedChangeRule]: ObservedChangeRule[K] }>();
  constructor(
    private readonly account: string,
    private readonly region: string,
    readonly writes: WriteLog,
  ) {}
  async get(name: string) {
    const r = this.rules.get(name);
    return r && structuredClone(r);
  }
  async putRule(spec: ChangeRuleSpec, opts: { tag: boolean }) {
    this.writes.push(`PutRule ${this.region}/${spec.name}`);
    const current = this.rules.get(spec.name);
    this.rules.set(spec.name, {
      arn: `arn:aws:events:${this.region}:${this.account}:rule/${spec.name}`,
      state: 'ENABLED',
      eventPattern: JSON.stringify(spec.eventPattern),
      description: spec.description,
      targets: current?.targets ?? [],
      tags: opts.tag ? [...spec.tags] : (current?.tags ?? []),
    });
  }
  async putTarget(spec: ChangeRuleSpec) {
    this.writes.push(`PutTargets ${this.region}/${spec.name}`);
    const r = this.rules.get(spec.name)!;
    r.targets = [...r.targets.filter((t) => t.id !== spec.target.id), { id: spec.target.id, arn: spec.target.arn, roleArn: spec.target.roleArn }];
  }
  async removeTargets(name: string, ids: readonly string[]) {
    this.writes.push(`RemoveTargets ${this.region}/${name} ${ids.join(',')}`);
    const r = this.rules.get(name)!;
    r.targets = r.targets.filter((t) => !ids.includes(t.id));
  }
  async deleteRule(name: string) {
    this.writes.push(`DeleteRule ${this.region}/${name}`);
    if (this.rules.get(name)?.targets.length) throw new Error(`fake: rule ${name} still has targets`);
    this.rules.delete(name);
  }
}

export class FakeLock implements LockPort {
  holder: string | undefined;
  constructor(readonly writes: WriteLog) {}
  async withLease<T>(name: string, owner: string, _lease: number, fn: () => Promise<T>, options: LeaseOptions = {}): Promise<T> {
    // The real lease sends `alongside` with the acquisition and makes it whether the lease is free or not.
    await options.alongside?.();
    if (this.holder && this.holder !== owner) throw new PolicyLockBusy(`${name} held by ${this.holder}`);
    this.writes.push(`Lock ${name}`);
    this.holder = owner;
    try {
      return await fn();
    } finally {
      this.holder = undefined;
    }
  }
}

export const IDS = { management: '111122223333', logArchive: '222233334444', member: '444455556666', other: '555566667777' } as const;

export const BASE_CONFIG: RuntimeConfigInput = {
  homeRegion: 'eu-west-1',
  managementAccountId: IDS.management,
  logArchiveAccountId: IDS.logArchive,
  organizationId: 'o-a1b2c3d4e5',
  bucketName: 'org-cloudtrail-logs-222233334444',
  keyArn: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  logPrefix: 'cloudtrail',
  trailName: 'org-member-trail',
  switchRole: { name: 'SecurityAuditFromLogArchive', trustedPrincipalArns: ['arn:aws:iam::222233334444:root'] },
  logArchiveAccessRoleArn: 'arn:aws:iam::222233334444:role/OnboardingLogArchiveAccess',
  readerRoleBoundaryArn: 'arn:aws:iam::222233334444:policy/CloudTrailOnboarding-ReaderBoundary',
  tableName: 'status',
  onboardingBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/cloudtrail-onboarding',
};

/** A whole fake world of ports. */
export function fakeDeps(overrides: Partial<RuntimeConfigInput> = {}, org: OrgAccount[] = [], paths: Record<string, string[]> = {}) {
  const writes: WriteLog = [];
  const sleeps: number[] = [];
  const config: RuntimeConfig = parseRuntimeConfig({ ...BASE_CONFIG, ...overrides });
  const memberRoles = new Map<string, FakeRoles>();
  const memberTrails = new Map<string, FakeTrails>();
  const logArchiveRoles = new FakeRoles(IDS.logArchive, writes);
  const bucket = new FakeBucketPolicy('BucketPolicy', writes, undefined);
  const key = new FakePolicy('KeyPolicy', writes, JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${IDS.logArchive}:root` }, Action: 'kms:*', Resource: '*' }] }));
  const status = new FakeStatus(writes);
  const lock = new FakeLock(writes);
  const keyState = new FakeKeyState(writes);
  const organization = new FakeOrganization(writes);
  const logFiles = new FakeLogFiles();
  const orgTrails = new FakeTrails(config.organizationTrail.delegatedAdministratorAccountId ?? IDS.management, config.homeRegion, writes);
  const orgTrailRegions: string[] = [];
  const rolesOf = (a: string) => memberRoles.get(a) ?? memberRoles.set(a, new FakeRoles(a, writes)).get(a)!;
  const trailsOf = (a: string) => memberTrails.get(a) ?? memberTrails.set(a, new FakeTrails(a, config.homeRegion, writes)).get(a)!;
  const memberRules = new Map<string, FakeChangeRules>();
  const rulesOf = (a: string, region: string) =>
    memberRules.get(`${a}/${region}`) ?? memberRules.set(`${a}/${region}`, new FakeChangeRules(a, region, writes)).get(`${a}/${region}`)!;
  const deps: StepDeps = {
    config,
    status,
    lock,
    describeAccount: async (id) => org.find((a) => a.id === id) ?? null,
    accountPath: async (id) => paths[id] ?? (org.some((a) => a.id === id) ? ['r-ab12'] : null),
    memberRoles: async (a) => rolesOf(a),
    memberTrails: async (a) => trailsOf(a),
    organization: async () => organization,
    organizationTrails: async (region?: string) => {
      orgTrailRegions.push(region ?? config.homeRegion);
      return orgTrails;
    },
    memberChangeRules: async (a, region) => rulesOf(a, region),
    logArchiveRoles: async () => logArchiveRoles,
    bucketPolicy: async () => bucket,
    logFiles: async () => logFiles,
    keyPolicy: async () => key,
    keyState: async () => keyState,
    resolveKeyArn: async () => config.keyArn,
    now: () => new Date(),
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
  };
  return { deps, writes, sleeps, config, rolesOf, trailsOf, rulesOf, logArchiveRoles, bucket, key, keyState, status, lock, organization, orgTrails, orgTrailRegions, logFiles };
}
