/**
 * A simulated CloudFormation deploy: puts a synthesized template's resources into the world, so that
 * the roles, policies, bucket and key the stacks create are exactly what the local run authorizes
 * against -- no hand-written copies.
 *
 * Modelled resource types (the rest of a template is recorded but has no simulated state):
 * - `AWS::IAM::Role` (trust, inline `Policies`, `ManagedPolicyArns`, `PermissionsBoundary`, tags,
 *   path, max session) and the `AWS::IAM::Policy` documents attached to its roles (inline policies,
 *   as CloudFormation puts them);
 * - `AWS::IAM::ManagedPolicy` (customer managed policies, attached to the roles they name);
 * - `AWS::S3::Bucket` (name, default encryption with its S3 Bucket Key setting) and `AWS::S3::BucketPolicy`;
 * - `AWS::Events::EventBus` (with its policy) and `AWS::Events::Rule` (pattern, state, targets);
 * - `AWS::KMS::Key` (key policy; KMS refuses a policy naming a principal that does not exist:
 *   https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html) and `AWS::KMS::Alias`;
 * - `AWS::Organizations::Policy` of type SERVICE_CONTROL_POLICY: its content attached to each of its
 *   `TargetIds` (the root, an OU or an account: see {@link scpTargetProblem}), which the world then evaluates
 *   for the principals of the member accounts under them. Other policy types are recorded only.
 *
 * Like CloudFormation, a re-deploy of an unchanged resource changes nothing, and a changed one is
 * replaced as a whole document (a bucket or key policy update overwrites what was written at run
 * time: the service's known limit in the README). A name that already exists outside the stack fails
 * the deploy, as `AlreadyExists` does.
 */
import { createHash } from 'node:crypto';
import { resolveIntrinsics, type ResolveValues } from '../cfn-resolve';
import { parsePolicy } from './policy-doc';
import type { SimWorld } from './world';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Resources?: Record<string, Resource> };

/** One stack to deploy. */
export interface StackDeployment {
  /** Stack name (the CDK stack id). */
  readonly stackName: string;
  readonly template: Template;
  readonly accountId: string;
  readonly region: string;
  /** Physical names to use instead of the generated ones, by logical id (e.g. the local table name). */
  readonly physicalNames?: Readonly<Record<string, string>>;
}

/** A deploy that CloudFormation would fail, with the resource and the reason. */
export class StackDeployError extends Error {
  override readonly name = 'StackDeployError' as const;
}

/** What a deployed stack left in the world, as persisted. */
export interface PersistedStacks {
  /** `<account>/<region>/<stack>` -> logical id -> hash of the resolved resource. */
  readonly deployed: Record<string, Record<string, string>>;
}

/** The physical identifiers of a template's resources, and the intrinsic values they give. */
export interface StackValues extends ResolveValues {
  /** Logical id -> physical id (role name, bucket name, key id, function name, ...). */
  readonly physicalIds: Readonly<Record<string, string>>;
}

const short = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Maximum size of a service control policy, characters (white space counted when saved through the API).
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
 */
const SCP_MAX_CHARACTERS = 5120;

/**
 * Why Organizations (or the simulation) would refuse to attach a policy to `targetId`, or undefined.
 * TargetId patterns: https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html
 *
 * An OU must exist in the organization's tree (organizations.ts): an unknown one is
 * TargetNotFoundException, as AWS answers.
 */
export function scpTargetProblem(world: SimWorld, targetId: string): string | undefined {
  const root = world.organizations.rootId();
  const notFound = "TargetNotFoundException: You specified a target that doesn't exist";
  if (/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/.test(targetId)) {
    return world.organizations.getOrganizationalUnit(targetId) ? undefined : `${notFound} (OU ${targetId} is not in the organization)`;
  }
  if (/^r-[0-9a-z]{4,32}$/.test(targetId)) return targetId === root ? undefined : `${notFound} (${targetId}; the root is ${root ?? '(none)'})`;
  if (/^\d{12}$/.test(targetId)) return world.accounts.get(targetId)?.inOrganization ? undefined : `${notFound} (account ${targetId} is not in the organization)`;
  return `InvalidInputException: You provided a value that does not match the required pattern (TargetId ${JSON.stringify(targetId)})`;
}

/** A key id shaped like KMS's (a UUID), stable for a stack and logical id. */
function keyIdFor(stackKey: string, logicalId: string): string {
  const h = short(`${stackKey}/${logicalId}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The values CloudFormation would give `Ref` and `Fn::GetAtt` for every resource of the template
 * (names as CloudFormation generates them when the template names none).
 */
export function stackValues(d: StackDeployment, partition = 'aws'): StackValues {
  const { accountId: acct, region } = d;
  const stackKey = `${acct}/${region}/${d.stackName}`;
  const refs: Record<string, string> = {
    'AWS::Partition': partition,
    'AWS::Region': region,
    'AWS::AccountId': acct,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': d.stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${acct}:stack/${d.stackName}/${keyIdFor(stackKey, 'AWS::StackId')}`,
  };
  const getAtts: Record<string, string> = {};
  const physicalIds: Record<string, string> = {};
  for (const [id, r] of Object.entries(d.template.Resources ?? {})) {
    const p = r.Properties ?? {};
    const generated = d.physicalNames?.[id] ?? `${d.stackName}-${id}`.slice(0, 64);
    const name = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : generated);
    let ref: string;
    switch (r.Type) {
      case 'AWS::IAM::Role': {
        ref = name('RoleName');
        const path = typeof p.Path === 'string' ? p.Path : '/';
        getAtts[`${id}.Arn`] = `arn:${partition}:iam::${acct}:role${path}${ref}`;
        getAtts[`${id}.RoleId`] = `AROA${short(stackKey + id).slice(0, 17).toUpperCase()}`;
        break;
      }
      case 'AWS::IAM::ManagedPolicy': {
        const policyName = name('ManagedPolicyName');
        const path = typeof p.Path === 'string' ? p.Path : '/';
        ref = `arn:${partition}:iam::${acct}:policy${path}${policyName}`;
        getAtts[`${id}.PolicyArn`] = ref;
        physicalIds[id] = ref;
        break;
      }
      case 'AWS::S3::Bucket':
        ref = name('BucketName').toLowerCase();
        getAtts[`${id}.Arn`] = `arn:${partition}:s3:::${ref}`;
        getAtts[`${id}.DomainName`] = `${ref}.s3.amazonaws.com`;
        getAtts[`${id}.RegionalDomainName`] = `${ref}.s3.${region}.amazonaws.com`;
        break;
      case 'AWS::KMS::Key':
        ref = keyIdFor(stackKey, id);
        getAtts[`${id}.Arn`] = `arn:${partition}:kms:${region}:${acct}:key/${ref}`;
        getAtts[`${id}.KeyId`] = ref;
        break;
      case 'AWS::Lambda::Function':
        ref = d.physicalNames?.[id] ?? (typeof p.FunctionName === 'string' ? p.FunctionName : id);
        getAtts[`${id}.Arn`] = `arn:${partition}:lambda:${region}:${acct}:function:${ref}`;
        break;
      case 'AWS::DynamoDB::Table':
        ref = name('TableName');
        getAtts[`${id}.Arn`] = `arn:${partition}:dynamodb:${region}:${acct}:table/${ref}`;
        getAtts[`${id}.StreamArn`] = `${getAtts[`${id}.Arn`]}/stream/1970-01-01T00:00:00.000`;
        break;
      case 'AWS::StepFunctions::StateMachine': {
        const smName = typeof p.StateMachineName === 'string' ? p.StateMachineName : id;
        ref = `arn:${partition}:states:${region}:${acct}:stateMachine:${smName}`;
        getAtts[`${id}.Arn`] = ref;
        getAtts[`${id}.Name`] = smName;
        break;
      }
      case 'AWS::SNS::Topic': {
        const topic = name('TopicName');
        ref = `arn:${partition}:sns:${region}:${acct}:${topic}`;
        getAtts[`${id}.TopicArn`] = ref;
        getAtts[`${id}.TopicName`] = topic;
        break;
      }
      case 'AWS::SQS::Queue': {
        const queue = name('QueueName');
        ref = `https://sqs.${region}.amazonaws.com/${acct}/${queue}`;
        getAtts[`${id}.Arn`] = `arn:${partition}:sqs:${region}:${acct}:${queue}`;
        getAtts[`${id}.QueueName`] = queue;
        getAtts[`${id}.QueueUrl`] = ref;
        break;
      }
      case 'AWS::Logs::LogGroup':
        ref = name('LogGroupName');
        getAtts[`${id}.Arn`] = `arn:${partition}:logs:${region}:${acct}:log-group:${ref}:*`;
        break;
      case 'AWS::Events::EventBus':
        ref = name('Name');
        getAtts[`${id}.Arn`] = `arn:${partition}:events:${region}:${acct}:event-bus/${ref}`;
        getAtts[`${id}.Name`] = ref;
        break;
      case 'AWS::Events::Rule':
        ref = name('Name');
        getAtts[`${id}.Arn`] = `arn:${partition}:events:${region}:${acct}:rule/${ref}`;
        break;
      case 'AWS::ApiGateway::RestApi':
        ref = short(stackKey + id).slice(0, 10);
        getAtts[`${id}.RootResourceId`] = short(`${stackKey}/${id}/root`).slice(0, 10);
        break;
      default:
        ref = generated;
    }
    refs[id] = ref;
    physicalIds[id] ??= ref;
  }
  // Attributes of types not listed above resolve to a stable placeholder ARN: they are not simulated.
  const anyAtt = new Proxy(getAtts, {
    get: (target, key: string) => target[key] ?? `arn:${partition}:cloudformation:${region}:${acct}:placeholder/${d.stackName}/${key}`,
  });
  return { refs, getAtts: anyAtt, physicalIds };
}

/** The stacks deployed into the world. */
export class StackDeployments {
  private deployed = new Map<string, Map<string, string>>();

  constructor(private readonly world: SimWorld) {}

  exportState(): PersistedStacks {
    return { deployed: Object.fromEntries([...this.deployed].map(([k, v]) => [k, Object.fromEntries(v)])) };
  }

  importState(state: PersistedStacks | undefined): void {
    this.deployed = new Map(Object.entries(state?.deployed ?? {}).map(([k, v]) => [k, new Map(Object.entries(v))]));
  }

  /** Whether a stack has been deployed into the account and region. */
  has(stackName: string, accountId: string, region: string): boolean {
    return this.deployed.has(`${accountId}/${region}/${stackName}`);
  }

  /**
   * Creates or updates a stack's modelled resources. Throws `StackDeployError` (and changes nothing)
   * when a resource cannot be created as the template says.
   */
  deploy(d: StackDeployment): StackValues {
    const w = this.world;
    w.accounts.require(d.accountId);
    const stackKey = `${d.accountId}/${d.region}/${d.stackName}`;
    const values = stackValues(d, w.partition);
    const resources = d.template.Resources ?? {};
    const resolved = (r: Resource) => resolveIntrinsics(r.Properties ?? {}, values) as Record<string, unknown>;
    const previous = this.deployed.get(stackKey) ?? new Map<string, string>();
    const hashes = new Map<string, string>();
    const changed = (id: string, props: unknown) => {
      const h = short(JSON.stringify(props));
      hashes.set(id, h);
      return previous.get(id) !== h;
    };
    const fail = (id: string, r: Resource, reason: string): never => {
      throw new StackDeployError(`${d.stackName} (${d.accountId}/${d.region}): ${id} (${r.Type}) CREATE_FAILED: ${reason}`);
    };
    const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

    // Validate everything first, so that a failed deploy writes nothing.
    for (const [id, r] of of('AWS::KMS::Key')) {
      const doc = parsePolicy(JSON.stringify(resolved(r).KeyPolicy ?? {}));
      const invalid = doc ? w.findInvalidPrincipal(doc) : undefined;
      if (invalid) fail(id, r, `MalformedPolicyDocumentException: Policy contains a statement with one or more invalid principals (${invalid}).`);
    }
    for (const [id, r] of of('AWS::IAM::Role')) {
      const name = values.physicalIds[id];
      const existing = w.iam.getRole(d.accountId, name);
      if (existing && !previous.has(id)) fail(id, r, `Role with name ${name} already exists.`);
    }
    for (const [id, r] of of('AWS::S3::Bucket')) {
      const name = values.physicalIds[id];
      if (w.s3.getBucket(name) && !previous.has(id)) fail(id, r, `${name} already exists`);
    }
    const scps = of('AWS::Organizations::Policy').filter(([, r]) => resolved(r).Type === 'SERVICE_CONTROL_POLICY');
    for (const [id, r] of scps) {
      // CreatePolicy and AttachPolicy: only in the organization's management account (delegated
      // administrators of policies are not simulated).
      // https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreatePolicy.html
      const p = resolved(r);
      const organization =
        (w.accounts.get(d.accountId)?.inOrganization ? w.organization : undefined) ??
        fail(id, r, 'AWSOrganizationsNotInUseException: Your account is not a member of an organization.');
      if (d.accountId !== organization.managementAccountId) fail(id, r, "AccessDeniedException: You don't have permissions to access this resource.");
      // CloudFormation takes Content as an object (sent as compact JSON) or as the JSON text itself.
      const text = typeof p.Content === 'string' ? p.Content : JSON.stringify(p.Content ?? null);
      if (!parsePolicy(text)?.Statement) {
        fail(id, r, 'MalformedPolicyDocumentException: The provided policy document does not meet the requirements of the specified policy type.');
      }
      if (text.length > SCP_MAX_CHARACTERS) {
        fail(id, r, `ConstraintViolationException: POLICY_CONTENT_LIMIT_EXCEEDED (${text.length} characters, at most ${SCP_MAX_CHARACTERS})`);
      }
      for (const target of (p.TargetIds as string[] | undefined) ?? []) {
        const problem = scpTargetProblem(w, String(target));
        if (problem) fail(id, r, problem);
      }
    }

    // Managed policies before the roles that use them.
    for (const [id, r] of of('AWS::IAM::ManagedPolicy')) {
      const p = resolved(r);
      const arn = values.physicalIds[id];
      if (!changed(id, p)) continue;
      if (w.iam.managedPolicy(arn)) w.iam.setManagedPolicyDocument(arn, p.PolicyDocument as object);
      else w.iam.createManagedPolicy(d.accountId, { name: arn.slice(arn.lastIndexOf('/') + 1), path: (p.Path as string | undefined) ?? '/', document: p.PolicyDocument as object });
    }

    // Roles, with the AWS::IAM::Policy documents and managed policies that name them.
    const policiesOfRole = new Map<string, Record<string, object>>();
    const managedOfRole = new Map<string, string[]>();
    for (const [, r] of of('AWS::IAM::Policy')) {
      const p = resolved(r);
      for (const role of (p.Roles as string[] | undefined) ?? []) {
        policiesOfRole.set(role, { ...(policiesOfRole.get(role) ?? {}), [String(p.PolicyName)]: p.PolicyDocument as object });
      }
    }
    for (const [id, r] of of('AWS::IAM::ManagedPolicy')) {
      for (const role of (resolved(r).Roles as string[] | undefined) ?? []) managedOfRole.set(role, [...(managedOfRole.get(role) ?? []), values.physicalIds[id]]);
    }
    for (const [id, r] of of('AWS::IAM::Role')) {
      const p = resolved(r);
      const name = values.physicalIds[id];
      const inline: Record<string, object> = {
        ...Object.fromEntries(((p.Policies as { PolicyName: string; PolicyDocument: object }[] | undefined) ?? []).map((x) => [x.PolicyName, x.PolicyDocument])),
        ...(policiesOfRole.get(name) ?? {}),
      };
      const managed = [...((p.ManagedPolicyArns as string[] | undefined) ?? []), ...(managedOfRole.get(name) ?? [])];
      if (!changed(id, { p, inline, managed })) continue;
      const spec = {
        name,
        ...(typeof p.Path === 'string' ? { path: p.Path } : {}),
        trustPolicy: p.AssumeRolePolicyDocument as object,
        ...(typeof p.Description === 'string' ? { description: p.Description } : {}),
        ...(typeof p.MaxSessionDuration === 'number' ? { maxSessionDuration: p.MaxSessionDuration } : {}),
        ...(Array.isArray(p.Tags) ? { tags: p.Tags as { Key: string; Value: string }[] } : {}),
        managedPolicyArns: managed,
        inlinePolicies: inline,
        ...(typeof p.PermissionsBoundary === 'string' ? { permissionsBoundary: p.PermissionsBoundary } : {}),
      };
      if (w.iam.getRole(d.accountId, name)) w.iam.updateRoleFromStack(d.accountId, spec);
      else w.iam.createRole(d.accountId, spec);
    }

    // The bucket and its policy.
    for (const [id, r] of of('AWS::S3::Bucket')) {
      const p = resolved(r);
      const name = values.physicalIds[id];
      if (!changed(id, p)) continue;
      if (!w.s3.getBucket(name)) w.s3.addBucket({ name, ownerAccountId: d.accountId, region: d.region });
      // Default encryption: the first rule of BucketEncryption (what GetBucketEncryption answers).
      type Rule = { ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string }; BucketKeyEnabled?: boolean };
      const rule = (p.BucketEncryption as { ServerSideEncryptionConfiguration?: Rule[] } | undefined)?.ServerSideEncryptionConfiguration?.[0];
      const sse = rule?.ServerSideEncryptionByDefault;
      w.s3.setDefaultEncryption(
        name,
        sse?.SSEAlgorithm
          ? {
              sseAlgorithm: sse.SSEAlgorithm as 'AES256' | 'aws:kms' | 'aws:kms:dsse',
              ...(sse.KMSMasterKeyID ? { kmsMasterKeyId: sse.KMSMasterKeyID } : {}),
              bucketKeyEnabled: rule?.BucketKeyEnabled === true,
            }
          : undefined,
      );
    }
    for (const [id, r] of of('AWS::S3::BucketPolicy')) {
      const p = resolved(r);
      if (!changed(id, p)) continue;
      const bucket = w.s3.getBucket(String(p.Bucket)) ?? fail(id, r, `The bucket ${String(p.Bucket)} does not exist`);
      // Deliveries due so far happened under the policy before this update (delivery.ts).
      w.cloudtrail.beforeChange({ bucket: bucket.name });
      bucket.policy = JSON.stringify(p.PolicyDocument);
    }

    // The key and its alias.
    for (const [id, r] of of('AWS::KMS::Key')) {
      const p = resolved(r);
      if (!changed(id, p)) continue;
      const keyId = values.physicalIds[id];
      const arn = values.getAtts[`${id}.Arn`];
      const existing = w.kms.resolve(arn, d.accountId, d.region);
      if (existing) {
        w.cloudtrail.beforeChange({ keyArn: existing.arn });
        existing.policy = JSON.stringify(p.KeyPolicy);
      }
      else w.kms.addKey({ accountId: d.accountId, region: d.region, keyId, policy: p.KeyPolicy as object, description: (p.Description as string | undefined) ?? '' });
    }
    for (const [id, r] of of('AWS::KMS::Alias')) {
      const p = resolved(r);
      if (!changed(id, p)) continue;
      const target = String(p.TargetKeyId);
      const keyArn = target.startsWith('arn:') ? target : `arn:${w.partition}:kms:${d.region}:${d.accountId}:key/${target}`;
      w.kms.addAlias(keyArn, String(p.AliasName));
    }

    // Service control policies, attached to their targets (and detached from the ones an update dropped).
    for (const [id, r] of scps) {
      const p = resolved(r);
      if (!changed(id, p)) continue;
      const name = String(p.Name);
      const policy: unknown = typeof p.Content === 'string' ? JSON.parse(p.Content) : p.Content;
      const targets = new Set(((p.TargetIds as string[] | undefined) ?? []).map(String));
      // organizations.ts attaches but has no detach: drop the policy from the targets it no longer names
      // through its persisted state, the one way to remove an attachment from outside it.
      const state = w.organizations.exportState();
      if (Object.entries(state.scps).some(([target, list]) => !targets.has(target) && list.some((x) => x.name === name))) {
        w.organizations.importState({
          scps: Object.fromEntries(
            Object.entries(state.scps)
              .map(([target, list]) => [target, targets.has(target) ? list : list.filter((x) => x.name !== name)] as const)
              .filter(([, list]) => list.length > 0),
          ),
        });
      }
      for (const target of targets) w.organizations.attachScp(target, { name, policy });
    }

    // EventBridge: custom buses (with their policy) and rules with their targets, as PutRule and
    // PutTargets would make them (the pattern object becomes the JSON text the API takes).
    for (const [id, r] of of('AWS::Events::EventBus')) {
      const p = resolved(r);
      if (!changed(id, p)) continue;
      const name = values.physicalIds[id];
      const existing = w.events.getEventBus(w.events.busArn(d.accountId, d.region, name));
      const policy = p.Policy === undefined ? undefined : JSON.stringify(p.Policy);
      if (existing) w.events.setBusPolicy(existing, policy);
      else w.events.createEventBus(d.accountId, d.region, name, policy === undefined ? {} : { policy });
    }
    for (const [id, r] of of('AWS::Events::Rule')) {
      const p = resolved(r);
      if (!changed(id, p)) continue;
      const busName = typeof p.EventBusName === 'string' ? (p.EventBusName.startsWith('arn:') ? p.EventBusName.slice(p.EventBusName.lastIndexOf('/') + 1) : p.EventBusName) : undefined;
      if (p.EventPattern === undefined) continue; // scheduled rules are not simulated
      const rule = w.events.putRule(d.accountId, d.region, {
        Name: values.physicalIds[id],
        ...(busName ? { EventBusName: busName } : {}),
        EventPattern: JSON.stringify(p.EventPattern),
        ...(typeof p.State === 'string' ? { State: p.State as 'ENABLED' } : {}),
        ...(typeof p.Description === 'string' ? { Description: p.Description } : {}),
      });
      const targets = (p.Targets as Record<string, unknown>[] | undefined) ?? [];
      if (targets.length) w.events.putTargets(rule, targets as never);
    }

    for (const id of Object.keys(resources)) if (!hashes.has(id)) hashes.set(id, previous.get(id) ?? 'recorded');
    this.deployed.set(stackKey, hashes);
    return values;
  }
}
