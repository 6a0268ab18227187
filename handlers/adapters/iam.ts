/**
 * IAM roles: read a role completely (trust policy, managed and inline policies, tags, all pages) and
 * make the individual writes a step decides on. Policy documents cross this boundary as JSON text;
 * IAM returns them URL-encoded (RFC 3986), and they are decoded here.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html
 */
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  paginateListRoleTags,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import {
  ConcurrentModification,
  InvalidPolicyDocument,
  type OnboardingError,
  PolicyTooLarge,
  ResourceNotFound,
  UnexpectedAwsError,
} from '../shared/errors';
import { type AwsCall, awsErrorFacts, describeCall, isAwsError, mapAwsError, toOnboardingError } from './aws-errors';
import type { ObservedRole, RoleInput, Tag } from './types';

/** IAM quotas behind LimitExceeded (policy sizes, managed policies per role, roles per account). */
const IAM_QUOTAS_URL = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html';

/**
 * Decodes a URL-encoded policy document. Text that is already JSON (starts with `{`) is returned as
 * is: an encoded document never starts with `{`, which IAM encodes as `%7B`.
 */
export function decodePolicyDocument(text: string, what: string): string {
  if (text.trimStart().startsWith('{')) return text;
  try {
    return decodeURIComponent(text);
  } catch (e) {
    throw new InvalidPolicyDocument(`${what} is not a valid URL-encoded policy document.`, { what }, { cause: e });
  }
}

/** Maps the errors every IAM write shares; `call` names the operation and role. */
function iamWriteError(e: unknown, call: AwsCall): OnboardingError {
  if (isAwsError(e, 'LimitExceeded')) {
    return mapAwsError(
      PolicyTooLarge,
      `${describeCall(call)} exceeded an IAM quota (${awsErrorFacts(e).message}). Nothing further was written; ` +
        `reduce the document or the configured policies. Quotas: ${IAM_QUOTAS_URL}`,
      e,
      call,
    );
  }
  if (isAwsError(e, 'NoSuchEntity')) {
    return mapAwsError(
      ConcurrentModification,
      `${describeCall(call)}: the role no longer exists (deleted after it was read); the retry re-reads it.`,
      e,
      call,
    );
  }
  return toOnboardingError(e, call);
}

/** Reads and writes IAM roles in the account the client's credentials belong to. */
export class IamAdapter {
  /** @param client an IAMClient made with `createClient` for the target account. */
  constructor(private readonly client: IAMClient) {}

  /**
   * The role with all its policies and tags, or `undefined` when it does not exist. A role deleted
   * while being read -> `ConcurrentModification` (the retry reads a consistent state).
   */
  async getRole(roleName: string, options: { readonly tagsFromGetRole?: boolean } = {}): Promise<ObservedRole | undefined> {
    let role;
    try {
      role = (await this.client.send(new GetRoleCommand({ RoleName: roleName }))).Role;
    } catch (e) {
      if (isAwsError(e, 'NoSuchEntity')) return undefined;
      throw toOnboardingError(e, { service: 'IAM', operation: 'GetRole', target: roleName });
    }
    if (!role?.Arn) return undefined;

    const managedPolicyArns: string[] = [];
    await this.read('ListAttachedRolePolicies', roleName, async () => {
      for await (const page of paginateListAttachedRolePolicies({ client: this.client }, { RoleName: roleName })) {
        for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) managedPolicyArns.push(p.PolicyArn);
      }
    });

    const inlineNames: string[] = [];
    await this.read('ListRolePolicies', roleName, async () => {
      for await (const page of paginateListRolePolicies({ client: this.client }, { RoleName: roleName })) {
        inlineNames.push(...(page.PolicyNames ?? []));
      }
    });
    const inlinePolicies: Record<string, string> = {};
    for (const policyName of inlineNames) {
      await this.read('GetRolePolicy', `${roleName}/${policyName}`, async () => {
        const out = await this.client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
        inlinePolicies[policyName] = decodePolicyDocument(
          out.PolicyDocument ?? '',
          `Inline policy ${policyName} of role ${roleName}`,
        );
      });
    }

    const tags: Tag[] = [];
    if (options.tagsFromGetRole) {
      // GetRole returns the role's tags (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html).
      for (const t of role.Tags ?? []) tags.push({ Key: t.Key ?? '', Value: t.Value ?? '' });
    } else {
      await this.read('ListRoleTags', roleName, async () => {
        for await (const page of paginateListRoleTags({ client: this.client }, { RoleName: roleName })) {
          for (const t of page.Tags ?? []) tags.push({ Key: t.Key ?? '', Value: t.Value ?? '' });
        }
      });
    }

    return {
      arn: role.Arn,
      roleName: role.RoleName ?? roleName,
      trustPolicyText: decodePolicyDocument(role.AssumeRolePolicyDocument ?? '', `Trust policy of role ${roleName}`),
      ...(role.Description !== undefined ? { description: role.Description } : {}),
      maxSessionDuration: role.MaxSessionDuration ?? 3600,
      ...(role.PermissionsBoundary?.PermissionsBoundaryArn ? { permissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn } : {}),
      managedPolicyArns,
      inlinePolicies,
      tags,
    };
  }

  /** Creates the role and returns its ARN. A role of that name already there -> `ConcurrentModification`. */
  async createRole(input: RoleInput): Promise<string> {
    const call: AwsCall = { service: 'IAM', operation: 'CreateRole', target: input.roleName };
    try {
      const out = await this.client.send(
        new CreateRoleCommand({
          RoleName: input.roleName,
          Path: input.path,
          Description: input.description,
          AssumeRolePolicyDocument: input.trustPolicyText,
          MaxSessionDuration: input.maxSessionDuration,
          Tags: input.tags,
          ...(input.permissionsBoundaryArn ? { PermissionsBoundary: input.permissionsBoundaryArn } : {}),
        }),
      );
      if (out.Role?.Arn) return out.Role.Arn;
    } catch (e) {
      if (isAwsError(e, 'EntityAlreadyExists')) {
        // Another execution created it between our read and this write; re-reading decides ownership.
        throw mapAwsError(
          ConcurrentModification,
          `${describeCall(call)}: the role was created concurrently; the retry re-reads it.`,
          e,
          call,
        );
      }
      throw iamWriteError(e, call);
    }
    throw new UnexpectedAwsError(`${describeCall(call)} returned no role ARN.`, { ...call, awsError: 'NoRoleArn' });
  }

  /** Sets the role's permissions boundary to the managed policy `policyArn`. */
  async putPermissionsBoundary(roleName: string, policyArn: string): Promise<void> {
    await this.write('PutRolePermissionsBoundary', roleName, () =>
      this.client.send(new PutRolePermissionsBoundaryCommand({ RoleName: roleName, PermissionsBoundary: policyArn })),
    );
  }

  /** Replaces the role's trust policy (JSON text). */
  async updateAssumeRolePolicy(roleName: string, trustPolicyText: string): Promise<void> {
    await this.write('UpdateAssumeRolePolicy', roleName, () =>
      this.client.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: trustPolicyText })),
    );
  }

  /** Sets the role's description and maximum session duration (seconds). */
  async updateRole(roleName: string, description: string, maxSessionDuration: number): Promise<void> {
    await this.write('UpdateRole', roleName, () =>
      this.client.send(
        new UpdateRoleCommand({ RoleName: roleName, Description: description, MaxSessionDuration: maxSessionDuration }),
      ),
    );
  }

  /** Attaches a managed policy. A policy ARN that does not exist -> `ResourceNotFound`. */
  async attachPolicy(roleName: string, policyArn: string): Promise<void> {
    const call: AwsCall = { service: 'IAM', operation: 'AttachRolePolicy', target: `${roleName} (${policyArn})` };
    try {
      await this.client.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
    } catch (e) {
      // NoSuchEntity names either the policy ("Policy arn:... does not exist") or the role.
      if (isAwsError(e, 'NoSuchEntity') && /polic/i.test(awsErrorFacts(e).message)) {
        throw mapAwsError(
          ResourceNotFound,
          `${describeCall(call)}: managed policy ${policyArn} does not exist or is not attachable ` +
            `(${awsErrorFacts(e).message}). Check switchRole.managedPolicyArns in the configuration.`,
          e,
          call,
        );
      }
      throw iamWriteError(e, call);
    }
  }

  /** Detaches a managed policy. Already detached (NoSuchEntity) counts as done. */
  async detachPolicy(roleName: string, policyArn: string): Promise<void> {
    const call: AwsCall = { service: 'IAM', operation: 'DetachRolePolicy', target: `${roleName} (${policyArn})` };
    try {
      await this.client.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
    } catch (e) {
      if (isAwsError(e, 'NoSuchEntity')) return;
      throw iamWriteError(e, call);
    }
  }

  /** Creates or replaces an inline policy (JSON text). */
  async putInlinePolicy(roleName: string, policyName: string, policyText: string): Promise<void> {
    await this.write('PutRolePolicy', `${roleName}/${policyName}`, () =>
      this.client.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: policyText })),
    );
  }

  /** Deletes an inline policy. Already gone (NoSuchEntity) counts as done. */
  async deleteInlinePolicy(roleName: string, policyName: string): Promise<void> {
    const call: AwsCall = { service: 'IAM', operation: 'DeleteRolePolicy', target: `${roleName}/${policyName}` };
    try {
      await this.client.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    } catch (e) {
      if (isAwsError(e, 'NoSuchEntity')) return;
      throw iamWriteError(e, call);
    }
  }

  /**
   * Deletes the role (its inline policies deleted and managed policies detached first). Already gone
   * (NoSuchEntity) counts as done; a policy still attached (DeleteConflict: added since it was read)
   * -> `ConcurrentModification`, so the retry re-reads it.
   * https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html
   */
  async deleteRole(roleName: string): Promise<void> {
    const call: AwsCall = { service: 'IAM', operation: 'DeleteRole', target: roleName };
    try {
      await this.client.send(new DeleteRoleCommand({ RoleName: roleName }));
    } catch (e) {
      if (isAwsError(e, 'NoSuchEntity')) return;
      if (isAwsError(e, 'DeleteConflict')) {
        throw mapAwsError(ConcurrentModification, `${describeCall(call)}: the role got a policy since it was read; the retry re-reads it.`, e, call);
      }
      throw iamWriteError(e, call);
    }
  }

  /** Adds or overwrites tags on the role. */
  async tagRole(roleName: string, tags: Tag[]): Promise<void> {
    await this.write('TagRole', roleName, () => this.client.send(new TagRoleCommand({ RoleName: roleName, Tags: tags })));
  }

  /** One read of an existing role: the role vanishing mid-read -> ConcurrentModification. */
  private async read(operation: string, target: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      const call: AwsCall = { service: 'IAM', operation, target };
      if (isAwsError(e, 'NoSuchEntity')) {
        throw mapAwsError(
          ConcurrentModification,
          `${describeCall(call)}: the role or policy disappeared while being read; the retry re-reads it.`,
          e,
          call,
        );
      }
      throw toOnboardingError(e, call);
    }
  }

  private async write(operation: string, target: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      throw iamWriteError(e, { service: 'IAM', operation, target });
    }
  }
}
