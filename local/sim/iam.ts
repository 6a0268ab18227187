/**
 * Simulated IAM: roles per account, with trust policies, managed and inline policies, and tags.
 *
 * Modelled after the IAM API reference: documents come back URL-encoded, names are unique without
 * regard to case, lists paginate with Marker/IsTruncated, and the quotas of
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html are enforced with
 * IAM's `LimitExceeded` wording ("Cannot exceed quota for ACLSizePerRole: 2048").
 */
import type * as iam from '@aws-sdk/client-iam';
import { awsError } from './errors';
import { parseRoleArn, roleArn, type Principal } from './identity';
import { awsManagedPolicyDocument, isAwsManagedPolicyArn, managedPolicyName } from './managed-policies';
import { iamPolicyLength, parsePolicy, readPolicy, rewriteAwsPrincipals, structuralProblem, type PolicyDocument } from './policy-doc';
import type { OperationHandler, SimServiceImpl } from './service';
import type { SimWorld } from './world';

/** A role as IAM stores it. */
export interface SimRole {
  readonly accountId: string;
  readonly name: string;
  readonly path: string;
  readonly arn: string;
  readonly roleId: string;
  readonly createDate: Date;
  /** Trust policy text as last written (IAM keeps the caller's text). */
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  tags: iam.Tag[];
  /** Attached managed policy ARNs, in attach order. */
  attached: string[];
  /** Inline policies: name -> document text. */
  inline: Map<string, string>;
  /** ARN of the managed policy set as permissions boundary, if any. */
  permissionsBoundary?: string;
}

/** A customer managed policy (AWS-managed ones are in managed-policies.ts). */
export interface SimManagedPolicy {
  readonly accountId: string;
  readonly name: string;
  readonly path: string;
  readonly arn: string;
  /** Document text of the default version. */
  document: string;
}

/** What a role is created from (API or seed). */
export interface RoleSpec {
  readonly name: string;
  readonly path?: string;
  readonly trustPolicy: string | object;
  readonly description?: string;
  readonly maxSessionDuration?: number;
  readonly tags?: iam.Tag[];
  readonly managedPolicyArns?: string[];
  readonly inlinePolicies?: Record<string, string | object>;
  /** ARN of an existing managed policy to set as permissions boundary. */
  readonly permissionsBoundary?: string;
}

/** A role as persisted (local/sim/persistence.ts): plain JSON, dates as ISO strings, inline policies in order. */
export interface PersistedRole {
  readonly accountId: string;
  readonly name: string;
  readonly path: string;
  readonly arn: string;
  readonly roleId: string;
  readonly createDate: string;
  readonly trustPolicy: string;
  readonly description?: string;
  readonly maxSessionDuration: number;
  readonly tags: iam.Tag[];
  readonly attached: string[];
  readonly inline: { name: string; document: string }[];
  readonly permissionsBoundary?: string;
}

/** IAM's state as persisted. */
export interface PersistedIam {
  /** Sequence of generated role ids (ids are never reused). */
  readonly roleCounter: number;
  readonly roles: PersistedRole[];
  /** Customer managed policies (absent in files written before they were modelled). */
  readonly managedPolicies?: SimManagedPolicy[];
}

/** Quotas (IAM and STS quotas page). */
export const IAM_LIMITS = {
  trustPolicyChars: 2048,
  inlinePolicyCharsPerRole: 10240,
  managedPoliciesPerRole: 10,
  tagsPerRole: 50,
} as const;

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^\/(?:[\x21-\x7E]*\/)?$/;

/** RFC 3986 percent-encoding, as IAM returns policy documents. */
export function iamUrlEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const docText = (doc: string | object): string => (typeof doc === 'string' ? doc : JSON.stringify(doc));

/** IAM of every account of the world. */
export class IamSim implements SimServiceImpl {
  private readonly roles = new Map<string, Map<string, SimRole>>();
  private readonly policies = new Map<string, SimManagedPolicy>();
  private roleCounter = 0;

  constructor(private readonly world: SimWorld) {}

  targetAccount(_operation: string, _input: Record<string, unknown>, caller: Principal): string {
    return caller.accountId;
  }

  /** The role (name matched without regard to case, like IAM), or undefined. */
  getRole(accountId: string, name: string): SimRole | undefined {
    return this.roles.get(accountId)?.get(name.toLowerCase());
  }

  /** The role an ARN names, if it exists with that exact path. */
  roleByArn(arn: string): SimRole | undefined {
    const parts = parseRoleArn(arn);
    const role = parts ? this.getRole(parts.accountId, parts.name) : undefined;
    return role && role.path === parts?.path ? role : undefined;
  }

  /** All roles of an account, by name. */
  rolesOf(accountId: string): SimRole[] {
    return [...(this.roles.get(accountId)?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Accounts that have roles. */
  accountsWithRoles(): string[] {
    return [...this.roles.keys()].sort();
  }

  /** Every role, every field, as plain JSON (persistence.ts). */
  exportState(): PersistedIam {
    const roles: PersistedRole[] = [];
    for (const accountId of this.accountsWithRoles()) {
      for (const r of this.rolesOf(accountId)) {
        roles.push({
          accountId: r.accountId,
          name: r.name,
          path: r.path,
          arn: r.arn,
          roleId: r.roleId,
          createDate: r.createDate.toISOString(),
          trustPolicy: r.trustPolicy,
          ...(r.description !== undefined ? { description: r.description } : {}),
          maxSessionDuration: r.maxSessionDuration,
          tags: r.tags.map((t) => ({ ...t })),
          attached: [...r.attached],
          inline: [...r.inline].map(([name, document]) => ({ name, document })),
          ...(r.permissionsBoundary ? { permissionsBoundary: r.permissionsBoundary } : {}),
        });
      }
    }
    const managedPolicies = [...this.policies.values()].sort((a, b) => a.arn.localeCompare(b.arn)).map((p) => ({ ...p }));
    return { roleCounter: this.roleCounter, roles, managedPolicies };
  }

  /** Replaces every role with the persisted ones, as they were (no validation: they were valid when written). */
  importState(state: PersistedIam): void {
    this.roles.clear();
    this.policies.clear();
    for (const p of state.managedPolicies ?? []) this.policies.set(p.arn, { ...p });
    this.roleCounter = state.roleCounter;
    for (const r of state.roles) {
      const role: SimRole = {
        accountId: r.accountId,
        name: r.name,
        path: r.path,
        arn: r.arn,
        roleId: r.roleId,
        createDate: new Date(r.createDate),
        trustPolicy: r.trustPolicy,
        ...(r.description !== undefined ? { description: r.description } : {}),
        maxSessionDuration: r.maxSessionDuration,
        tags: r.tags.map((t) => ({ ...t })),
        attached: [...r.attached],
        inline: new Map(r.inline.map((p) => [p.name, p.document])),
        ...(r.permissionsBoundary ? { permissionsBoundary: r.permissionsBoundary } : {}),
      };
      let account = this.roles.get(r.accountId);
      if (!account) this.roles.set(r.accountId, (account = new Map()));
      account.set(r.name.toLowerCase(), role);
    }
  }

  /**
   * Creates a role with the same validation as CreateRole (used by CreateRole and by seeds).
   * Throws SimAwsError on invalid input.
   */
  createRole(accountId: string, spec: RoleSpec): SimRole {
    if (!ROLE_NAME.test(spec.name)) validation(`Value '${spec.name}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
    const path = spec.path ?? '/';
    if (!PATH.test(path) || path.length > 512) validation(`Value '${path}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`);
    if (this.getRole(accountId, spec.name)) awsError('EntityAlreadyExistsException', `Role with name ${spec.name} already exists.`);
    // "Roles per account": 1,000 by default, 5,000 at most (reference_iam-quotas.html); IAM answers
    // LimitExceeded in its quota wording.
    const quota = this.world.iamRolesPerAccount;
    if ((this.roles.get(accountId)?.size ?? 0) >= quota) awsError('LimitExceededException', `Cannot exceed quota for RolesPerAccount: ${quota}`);
    const trustPolicy = this.checkTrustPolicy(docText(spec.trustPolicy));
    const maxSessionDuration = spec.maxSessionDuration ?? 3600;
    checkMaxSessionDuration(maxSessionDuration);
    if (spec.permissionsBoundary !== undefined) this.requireAttachable(spec.permissionsBoundary);
    const tags = spec.tags ?? [];
    if (tags.length > IAM_LIMITS.tagsPerRole) awsError('LimitExceededException', `Cannot exceed quota for TagsPerRole: ${IAM_LIMITS.tagsPerRole}`);
    this.roleCounter += 1;
    const role: SimRole = {
      accountId,
      name: spec.name,
      path,
      arn: roleArn(this.world.partition, accountId, spec.name, path),
      roleId: `AROA${this.roleCounter.toString(36).toUpperCase().padStart(17, '0')}`,
      createDate: this.world.now(),
      trustPolicy,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      maxSessionDuration,
      tags: tags.map((t) => ({ Key: t.Key, Value: t.Value })),
      attached: [],
      inline: new Map(),
      ...(spec.permissionsBoundary !== undefined ? { permissionsBoundary: spec.permissionsBoundary } : {}),
    };
    let account = this.roles.get(accountId);
    if (!account) this.roles.set(accountId, (account = new Map()));
    account.set(spec.name.toLowerCase(), role);
    for (const arn of spec.managedPolicyArns ?? []) this.attach(role, arn);
    for (const [name, doc] of Object.entries(spec.inlinePolicies ?? {})) this.putInline(role, name, docText(doc));
    return role;
  }

  /** Deletes a role as a seed would (no request, no unique-id rewriting): for tests and seeding only. */
  deleteRoleDirectly(accountId: string, name: string): void {
    this.roles.get(accountId)?.delete(name.toLowerCase());
  }

  /**
   * Updates a role in place to `spec` (a stack update: same role id and creation date), with the
   * same validation as CreateRole. Used by the simulated CloudFormation only.
   */
  updateRoleFromStack(accountId: string, spec: RoleSpec): SimRole {
    const role = this.getRole(accountId, spec.name) ?? awsError('NoSuchEntityException', `The role with name ${spec.name} cannot be found.`);
    role.trustPolicy = this.checkTrustPolicy(docText(spec.trustPolicy));
    if (spec.permissionsBoundary !== undefined) this.requireAttachable(spec.permissionsBoundary);
    role.maxSessionDuration = spec.maxSessionDuration ?? 3600;
    if (spec.description !== undefined) role.description = spec.description;
    else delete role.description;
    role.tags = (spec.tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }));
    role.attached = [];
    for (const arn of spec.managedPolicyArns ?? []) this.attach(role, arn);
    role.inline = new Map();
    for (const [name, doc] of Object.entries(spec.inlinePolicies ?? {})) this.putInline(role, name, docText(doc));
    if (spec.permissionsBoundary !== undefined) role.permissionsBoundary = spec.permissionsBoundary;
    else delete role.permissionsBoundary;
    return role;
  }

  /** Validates a trust policy as CreateRole/UpdateAssumeRolePolicy do; returns the text IAM stores. */
  private checkTrustPolicy(text: string): string {
    const doc = parsePolicy(text);
    if (!doc) awsError('MalformedPolicyDocumentException', 'This policy contains invalid Json');
    const problem = structuralProblem(doc, 'trust');
    if (problem) awsError('MalformedPolicyDocumentException', problem);
    const invalid = this.world.findInvalidPrincipal(doc);
    if (invalid) awsError('MalformedPolicyDocumentException', `Invalid principal in policy: "AWS":"${invalid}"`);
    if (iamPolicyLength(text) > IAM_LIMITS.trustPolicyChars) {
      awsError('LimitExceededException', `Cannot exceed quota for ACLSizePerRole: ${IAM_LIMITS.trustPolicyChars}`);
    }
    return this.normalizeAccountIds(doc, text);
  }

  /** IAM stores a bare account id principal as the account's root ARN. */
  private normalizeAccountIds(doc: PolicyDocument, text: string): string {
    const changed = rewriteAwsPrincipals(doc, (v) => (/^\d{12}$/.test(v) ? `arn:${this.world.partition}:iam::${v}:root` : v));
    return changed ? JSON.stringify(doc) : text;
  }

  /**
   * Creates a customer managed policy (what a template's AWS::IAM::ManagedPolicy deploys; there is
   * no CreatePolicy operation). Validated like an identity policy.
   */
  createManagedPolicy(accountId: string, spec: { name: string; path?: string; document: string | object }): SimManagedPolicy {
    if (!POLICY_NAME.test(spec.name)) validation(`Value '${spec.name}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
    const path = spec.path ?? '/';
    const arn = `arn:${this.world.partition}:iam::${accountId}:policy${path}${spec.name}`;
    if (this.policies.has(arn)) awsError('EntityAlreadyExistsException', `A policy called ${spec.name} already exists. Duplicate names are not allowed.`);
    const document = this.checkIdentityPolicy(docText(spec.document));
    const policy: SimManagedPolicy = { accountId, name: spec.name, path, arn, document };
    this.policies.set(arn, policy);
    return policy;
  }

  /** Replaces the default version of a customer managed policy (a stack update). */
  setManagedPolicyDocument(arn: string, document: string | object): void {
    const policy = this.policies.get(arn) ?? awsError('NoSuchEntityException', `Policy ${arn} was not found.`);
    policy.document = this.checkIdentityPolicy(docText(document));
  }

  /** A customer managed policy, or undefined. */
  managedPolicy(arn: string): SimManagedPolicy | undefined {
    return this.policies.get(arn);
  }

  /**
   * The identity-based policies IAM evaluates for a session of `role`: its inline policies and its
   * attached managed policies (AWS-managed ones as managed-policies.ts approximates them).
   */
  identityPoliciesOf(role: SimRole): { name: string; policy: unknown }[] {
    return [
      ...role.attached.map((arn) => ({ name: arn, policy: this.managedDocument(arn) })),
      ...[...role.inline].map(([name, text]) => ({ name, policy: readPolicy(text) })),
    ];
  }

  /** The role's permissions boundary document, if it has one. */
  boundaryOf(role: SimRole): { name: string; policy: unknown } | undefined {
    return role.permissionsBoundary ? { name: role.permissionsBoundary, policy: this.managedDocument(role.permissionsBoundary) } : undefined;
  }

  private managedDocument(arn: string): unknown {
    if (isAwsManagedPolicyArn(arn)) return awsManagedPolicyDocument(arn);
    const policy = this.policies.get(arn);
    // A deleted policy grants nothing (IAM detaches it on deletion; the simulation never deletes).
    return policy ? readPolicy(policy.document) : { Version: '2012-10-17', Statement: [] };
  }

  private checkIdentityPolicy(text: string): string {
    const doc = parsePolicy(text);
    if (!doc) awsError('MalformedPolicyDocumentException', 'This policy contains invalid Json');
    const problem = structuralProblem(doc, 'identity');
    if (problem) awsError('MalformedPolicyDocumentException', problem);
    return text;
  }

  /** AWS-managed, or a customer managed policy that exists. */
  private requireAttachable(policyArn: string): void {
    if (!isAwsManagedPolicyArn(policyArn) && !this.policies.has(policyArn)) {
      awsError('NoSuchEntityException', `Policy ${policyArn} does not exist or is not attachable.`);
    }
  }

  private attach(role: SimRole, policyArn: string): void {
    this.requireAttachable(policyArn);
    if (role.attached.includes(policyArn)) return;
    if (role.attached.length >= IAM_LIMITS.managedPoliciesPerRole) {
      awsError('LimitExceededException', `Cannot exceed quota for PoliciesPerRole: ${IAM_LIMITS.managedPoliciesPerRole}`);
    }
    role.attached.push(policyArn);
  }

  private putInline(role: SimRole, name: string, text: string): void {
    if (!POLICY_NAME.test(name)) validation(`Value '${name}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
    const doc = parsePolicy(text);
    if (!doc) awsError('MalformedPolicyDocumentException', 'This policy contains invalid Json');
    const problem = structuralProblem(doc, 'identity');
    if (problem) awsError('MalformedPolicyDocumentException', problem);
    // The quota is on the sum of all inline policies of the role, white space not counted.
    let total = iamPolicyLength(text);
    for (const [other, otherText] of role.inline) if (other !== name) total += iamPolicyLength(otherText);
    if (total > IAM_LIMITS.inlinePolicyCharsPerRole) {
      awsError('LimitExceededException', `Maximum policy size of ${IAM_LIMITS.inlinePolicyCharsPerRole} bytes exceeded for role ${role.name}`);
    }
    role.inline.set(name, text);
  }

  private require(accountId: string, name: unknown): SimRole {
    const role = typeof name === 'string' ? this.getRole(accountId, name) : undefined;
    return role ?? awsError('NoSuchEntityException', `The role with name ${String(name)} cannot be found.`);
  }

  /** After DeleteRole, IAM shows the deleted role in other trust policies by its unique id. */
  private forgetPrincipal(role: SimRole): void {
    this.world.replacePrincipalEverywhere(role.arn, role.roleId);
  }

  /** Rewrites a principal in every trust policy (called by the world on role deletion). */
  replaceInTrustPolicies(from: string, to: string): void {
    for (const account of this.roles.values()) {
      for (const role of account.values()) {
        const doc = parsePolicy(role.trustPolicy);
        if (doc && rewriteAwsPrincipals(doc, (v) => (v === from ? to : v))) role.trustPolicy = JSON.stringify(doc);
      }
    }
  }

  private roleOutput(role: SimRole): iam.Role {
    return {
      Path: role.path,
      RoleName: role.name,
      RoleId: role.roleId,
      Arn: role.arn,
      CreateDate: role.createDate,
      AssumeRolePolicyDocument: iamUrlEncode(role.trustPolicy),
      ...(role.description !== undefined ? { Description: role.description } : {}),
      MaxSessionDuration: role.maxSessionDuration,
      ...(role.tags.length > 0 ? { Tags: role.tags.map((t) => ({ ...t })) } : {}),
      ...(role.permissionsBoundary ? { PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: role.permissionsBoundary } } : {}),
      RoleLastUsed: {},
    };
  }

  private paginate<T>(items: T[], marker: unknown, maxItems: unknown): { page: T[]; IsTruncated: boolean; Marker?: string } {
    const size = maxItems === undefined ? this.world.iamPageSize : Number(maxItems);
    if (!Number.isInteger(size) || size < 1 || size > 1000) validation(`Value '${String(maxItems)}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`);
    let start = 0;
    if (marker !== undefined) {
      const decoded = /^sim-marker:(\d+)$/.exec(Buffer.from(String(marker), 'base64').toString('utf8'));
      if (!decoded) validation('Invalid Marker.');
      start = Number(decoded[1]);
    }
    const page = items.slice(start, start + size);
    const next = start + size;
    return next < items.length
      ? { page, IsTruncated: true, Marker: Buffer.from(`sim-marker:${next}`).toString('base64') }
      : { page, IsTruncated: false };
  }

  readonly operations = {
    CreateRole: ({ accountId, input }) => {
      const role = this.createRole(accountId, {
        name: input.RoleName as string,
        ...(input.Path !== undefined ? { path: input.Path } : {}),
        trustPolicy: input.AssumeRolePolicyDocument ?? awsError('ValidationError', "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null"),
        ...(input.Description !== undefined ? { description: input.Description } : {}),
        ...(input.MaxSessionDuration !== undefined ? { maxSessionDuration: input.MaxSessionDuration } : {}),
        ...(input.Tags ? { tags: input.Tags } : {}),
        ...(input.PermissionsBoundary !== undefined ? { permissionsBoundary: input.PermissionsBoundary } : {}),
      });
      return { Role: this.roleOutput(role) };
    },
    PutRolePermissionsBoundary: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      this.requireAttachable(String(input.PermissionsBoundary));
      role.permissionsBoundary = String(input.PermissionsBoundary);
      return {};
    },
    DeleteRolePermissionsBoundary: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      delete role.permissionsBoundary;
      return {};
    },
    GetRole: ({ accountId, input }) => ({ Role: this.roleOutput(this.require(accountId, input.RoleName)) }),
    UpdateAssumeRolePolicy: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      role.trustPolicy = this.checkTrustPolicy(String(input.PolicyDocument));
      return {};
    },
    UpdateRole: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      if (input.MaxSessionDuration !== undefined) checkMaxSessionDuration(input.MaxSessionDuration);
      if (input.Description !== undefined) role.description = input.Description;
      if (input.MaxSessionDuration !== undefined) role.maxSessionDuration = input.MaxSessionDuration;
      return {};
    },
    UpdateRoleDescription: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      role.description = input.Description;
      return { Role: this.roleOutput(role) };
    },
    DeleteRole: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      if (role.attached.length > 0) awsError('DeleteConflictException', 'Cannot delete entity, must detach all policies first.');
      if (role.inline.size > 0) awsError('DeleteConflictException', 'Cannot delete entity, must delete policies first.');
      this.roles.get(accountId)?.delete(role.name.toLowerCase());
      this.forgetPrincipal(role);
      return {};
    },
    AttachRolePolicy: ({ accountId, input }) => {
      this.attach(this.require(accountId, input.RoleName), String(input.PolicyArn));
      return {};
    },
    DetachRolePolicy: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      const i = role.attached.indexOf(String(input.PolicyArn));
      if (i < 0) awsError('NoSuchEntityException', `Policy ${String(input.PolicyArn)} was not found.`);
      role.attached.splice(i, 1);
      return {};
    },
    ListAttachedRolePolicies: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      const all = role.attached.map((arn) => ({ PolicyName: managedPolicyName(arn), PolicyArn: arn }));
      const { page, ...rest } = this.paginate(all, input.Marker, input.MaxItems);
      return { AttachedPolicies: page, ...rest };
    },
    PutRolePolicy: ({ accountId, input }) => {
      this.putInline(this.require(accountId, input.RoleName), String(input.PolicyName), String(input.PolicyDocument));
      return {};
    },
    GetRolePolicy: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      const text = role.inline.get(String(input.PolicyName));
      if (text === undefined) awsError('NoSuchEntityException', `The role policy with name ${String(input.PolicyName)} cannot be found.`);
      return { RoleName: role.name, PolicyName: String(input.PolicyName), PolicyDocument: iamUrlEncode(text) };
    },
    DeleteRolePolicy: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      if (!role.inline.delete(String(input.PolicyName))) {
        awsError('NoSuchEntityException', `The role policy with name ${String(input.PolicyName)} cannot be found.`);
      }
      return {};
    },
    ListRolePolicies: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      const { page, ...rest } = this.paginate([...role.inline.keys()].sort(), input.Marker, input.MaxItems);
      return { PolicyNames: page, ...rest };
    },
    ListRoleTags: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      const { page, ...rest } = this.paginate(role.tags.map((t) => ({ ...t })), input.Marker, input.MaxItems);
      return { Tags: page, ...rest };
    },
    TagRole: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      const merged = new Map(role.tags.map((t) => [t.Key, t.Value] as const));
      for (const t of input.Tags ?? []) merged.set(t.Key, t.Value);
      if (merged.size > IAM_LIMITS.tagsPerRole) awsError('LimitExceededException', `Cannot exceed quota for TagsPerRole: ${IAM_LIMITS.tagsPerRole}`);
      role.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
      return {};
    },
    UntagRole: ({ accountId, input }) => {
      const role = this.require(accountId, input.RoleName);
      const remove = new Set(input.TagKeys ?? []);
      role.tags = role.tags.filter((t) => !remove.has(t.Key as string));
      return {};
    },
  } satisfies {
    CreateRole: OperationHandler<iam.CreateRoleCommandInput, iam.CreateRoleCommandOutput>;
    GetRole: OperationHandler<iam.GetRoleCommandInput, iam.GetRoleCommandOutput>;
    PutRolePermissionsBoundary: OperationHandler<iam.PutRolePermissionsBoundaryCommandInput, iam.PutRolePermissionsBoundaryCommandOutput>;
    DeleteRolePermissionsBoundary: OperationHandler<iam.DeleteRolePermissionsBoundaryCommandInput, iam.DeleteRolePermissionsBoundaryCommandOutput>;
    UpdateAssumeRolePolicy: OperationHandler<iam.UpdateAssumeRolePolicyCommandInput, iam.UpdateAssumeRolePolicyCommandOutput>;
    UpdateRole: OperationHandler<iam.UpdateRoleCommandInput, iam.UpdateRoleCommandOutput>;
    UpdateRoleDescription: OperationHandler<iam.UpdateRoleDescriptionCommandInput, iam.UpdateRoleDescriptionCommandOutput>;
    DeleteRole: OperationHandler<iam.DeleteRoleCommandInput, iam.DeleteRoleCommandOutput>;
    AttachRolePolicy: OperationHandler<iam.AttachRolePolicyCommandInput, iam.AttachRolePolicyCommandOutput>;
    DetachRolePolicy: OperationHandler<iam.DetachRolePolicyCommandInput, iam.DetachRolePolicyCommandOutput>;
    ListAttachedRolePolicies: OperationHandler<iam.ListAttachedRolePoliciesCommandInput, iam.ListAttachedRolePoliciesCommandOutput>;
    PutRolePolicy: OperationHandler<iam.PutRolePolicyCommandInput, iam.PutRolePolicyCommandOutput>;
    GetRolePolicy: OperationHandler<iam.GetRolePolicyCommandInput, iam.GetRolePolicyCommandOutput>;
    DeleteRolePolicy: OperationHandler<iam.DeleteRolePolicyCommandInput, iam.DeleteRolePolicyCommandOutput>;
    ListRolePolicies: OperationHandler<iam.ListRolePoliciesCommandInput, iam.ListRolePoliciesCommandOutput>;
    ListRoleTags: OperationHandler<iam.ListRoleTagsCommandInput, iam.ListRoleTagsCommandOutput>;
    TagRole: OperationHandler<iam.TagRoleCommandInput, iam.TagRoleCommandOutput>;
    UntagRole: OperationHandler<iam.UntagRoleCommandInput, iam.UntagRoleCommandOutput>;
  };
}

function validation(detail: string): never {
  return awsError('ValidationError', detail.startsWith('1 validation error') || detail === 'Invalid Marker.' ? detail : `1 validation error detected: ${detail}`);
}

function checkMaxSessionDuration(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) {
    validation(`Value '${seconds}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200`);
  }
}
