/**
 * The simulation's copy of the Service Authorization Reference: for each operation of a service
 * whose requests are authorized by the caller's identity-based policies alone (IAM, CloudTrail,
 * Organizations, DynamoDB, Step Functions), the IAM action, the resource ARN it names and the
 * condition keys the request carries. The world evaluates it before the operation runs (world.ts
 * `dispatch`), so a grant missing from a synthesized role fails the call with the service's
 * AccessDenied error, as in AWS.
 *
 * S3, KMS and STS are not here: their operations evaluate a resource policy (bucket policy, key
 * policy, trust policy) and call `world.authorize` themselves with it.
 *
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
import type { AuthorizationRequest, SimCall } from './service';
import type { SimWorld } from './world';

type Authorizer = (world: SimWorld, call: SimCall) => AuthorizationRequest | readonly AuthorizationRequest[] | undefined;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** `aws:RequestTag/<key>` and `aws:TagKeys` of the tags a request sets. */
function requestTagContext(tags: unknown): Record<string, string | string[]> {
  const list = Array.isArray(tags) ? (tags as { Key?: string; Value?: string }[]) : [];
  if (list.length === 0) return {};
  const out: Record<string, string | string[]> = { 'aws:TagKeys': list.map((t) => str(t.Key)) };
  for (const t of list) out[`aws:RequestTag/${str(t.Key)}`] = str(t.Value);
  return out;
}

/** `aws:ResourceTag/<key>` of a resource's tags. */
function resourceTagContext(tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [`aws:ResourceTag/${str(t.Key)}`, str(t.Value)]));
}

/**
 * IAM role operations: resource `role`; `iam:PermissionsBoundary` is the boundary the request sets
 * (CreateRole, PutRolePermissionsBoundary) or the role has (the other writes), `iam:PolicyARN` the
 * policy attached or detached.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 */
const iam: Authorizer = (world, { operation, input, accountId }) => {
  const name = str(input.RoleName);
  const role = name ? world.iam.getRole(accountId, name) : undefined;
  const path = role?.path ?? (typeof input.Path === 'string' ? input.Path : '/');
  const resource = name ? `arn:${world.partition}:iam::${accountId}:role${path}${role?.name ?? name}` : '*';
  const context: Record<string, string | string[]> = { ...resourceTagContext(role?.tags) };
  const boundary = operation === 'CreateRole' || operation === 'PutRolePermissionsBoundary' ? input.PermissionsBoundary : role?.permissionsBoundary;
  if (typeof boundary === 'string') context['iam:PermissionsBoundary'] = boundary;
  if (operation === 'AttachRolePolicy' || operation === 'DetachRolePolicy') context['iam:PolicyARN'] = str(input.PolicyArn);
  if (operation === 'CreateRole' || operation === 'TagRole') Object.assign(context, requestTagContext(input.Tags));
  if (operation === 'UntagRole') context['aws:TagKeys'] = (input.TagKeys as string[] | undefined) ?? [];
  return { action: `iam:${operation}`, resource, context };
};

/** CloudTrail: resource `trail`, named by ARN or by name in the request's region. */
const cloudtrail: Authorizer = (world, { operation, input, accountId, region }) => {
  const trailArn = (nameOrArn: unknown) => {
    const v = str(nameOrArn);
    return v.startsWith('arn:') ? v : `arn:${world.partition}:cloudtrail:${region}:${accountId}:trail/${v}`;
  };
  switch (operation) {
    case 'DescribeTrails':
    case 'ListTrails':
    // No resource type for the delegated administrator's registration (list_awscloudtrail.html).
    case 'RegisterOrganizationDelegatedAdmin':
    case 'DeregisterOrganizationDelegatedAdmin':
      return { action: `cloudtrail:${operation}`, resource: '*' };
    case 'AddTags':
    case 'RemoveTags':
    case 'ListTags': {
      const ids = (operation === 'ListTags' ? (input.ResourceIdList as string[] | undefined) : [input.ResourceId]) ?? [];
      const action = `cloudtrail:${operation}`;
      const extra = operation === 'AddTags' ? requestTagContext(input.TagsList) : {};
      return ids.map((id) => ({ action, resource: trailArn(id), context: extra }));
    }
    case 'CreateTrail':
      return { action: 'cloudtrail:CreateTrail', resource: trailArn(input.Name), context: requestTagContext(input.TagsList) };
    default:
      return { action: `cloudtrail:${operation}`, resource: trailArn(input.Name ?? input.TrailName) };
  }
};

/**
 * Organizations (resource types of the authorization reference). Only the caller's own identity
 * policies decide here; whether its account may call the API at all (the management account, or a
 * delegated administrator) is Organizations' own rule, answered by the operation (organizations.ts).
 */
const organizations: Authorizer = (world, { operation, input, caller }) => ({ ...world.organizations.actionFor(operation, input), resourceAccount: caller.accountId });

/** The partition key values an item request touches (`dynamodb:LeadingKeys`). */
function leadingKeys(input: Record<string, unknown>): string[] {
  const keyOf = (item: unknown): string | undefined => {
    const pk = (item as Record<string, unknown> | undefined)?.pk;
    if (typeof pk === 'string') return pk;
    const s = (pk as { S?: unknown } | undefined)?.S;
    return typeof s === 'string' ? s : undefined;
  };
  const k = keyOf(input.Key) ?? keyOf(input.Item);
  if (k !== undefined) return [k];
  // Query: the partition key's equality value.
  const cond = str(input.KeyConditionExpression);
  const m = /(?:^|\W)(?:#\w+|pk)\s*=\s*(:\w+)/.exec(cond);
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  if (m && values) {
    const v = values[m[1]];
    const s = typeof v === 'string' ? v : (v as { S?: unknown } | undefined)?.S;
    if (typeof s === 'string') return [s];
  }
  return [];
}

/**
 * DynamoDB: resource `table`; item operations carry `dynamodb:LeadingKeys`; a transaction is
 * authorized item by item with the item action's name.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 */
const dynamodb: Authorizer = (world, { operation, input, accountId, region }) => {
  const table = (name: unknown) => `arn:${world.partition}:dynamodb:${region}:${accountId}:table/${str(name)}`;
  const item = (action: string, req: Record<string, unknown>): AuthorizationRequest => {
    const keys = leadingKeys(req);
    return { action: `dynamodb:${action}`, resource: table(req.TableName), ...(keys.length ? { context: { 'dynamodb:LeadingKeys': keys } } : {}) };
  };
  if (operation === 'TransactWriteItems') {
    const items = (input.TransactItems as Record<string, Record<string, unknown>>[] | undefined) ?? [];
    const names: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
    return items.flatMap((t) => Object.entries(t).map(([kind, req]) => item(names[kind] ?? kind, req)));
  }
  // A Query or Scan of a global secondary index is authorized on the index: `table/<name>/index/<index>`.
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
  if ((operation === 'Query' || operation === 'Scan') && typeof input.IndexName === 'string') {
    return { action: `dynamodb:${operation}`, resource: `${table(input.TableName)}/index/${input.IndexName}` };
  }
  if (operation === 'CreateTable' || operation === 'DescribeTable' || operation === 'Scan' || operation === 'UpdateTable') {
    return { action: `dynamodb:${operation}`, resource: table(input.TableName) };
  }
  return item(operation, input);
};

/**
 * Step Functions: resource `stateMachine` for starting and listing, `execution` for one execution.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html
 */
export function stepFunctionsAuthorization(operation: string, input: Record<string, unknown>): AuthorizationRequest {
  const resource = str(input.executionArn ?? input.stateMachineArn) || '*';
  return { action: `states:${operation}`, resource, resourceAccount: /^arn:[^:]+:states:[^:]*:(\d{12}):/.exec(resource)?.[1] };
}

/**
 * EventBridge: resource `rule` (`arn:<p>:events:<region>:<acct>:rule/[<bus>/]<name>`, the bus only
 * when it is not the default one) for rule and target operations, `event-bus` for bus operations;
 * PutTargets carries `events:TargetArn`, PutRule and CreateEventBus `aws:RequestTag/...`. PutEvents is
 * authorized by events.ts entry by entry, with the bus policy (a resource policy, like S3's and
 * KMS's), so it is not here.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html
 */
const events: Authorizer = (world, { operation, input, accountId, region }) => {
  const busOf = (nameOrArn: unknown) => {
    const v = str(nameOrArn) || 'default';
    const m = /^arn:[^:]+:events:([^:]+):(\d{12}):event-bus\/(.+)$/.exec(v);
    return m ? { arn: v, name: m[3], region: m[1], accountId: m[2] } : { arn: world.events.busArn(accountId, region, v), name: v, region, accountId };
  };
  const action = `events:${operation}`;
  switch (operation) {
    case 'PutEvents':
      return undefined;
    // No resource type in the authorization reference: only "*" can be granted.
    case 'ListEventBuses':
    case 'ListRules':
    case 'PutPermission':
    case 'RemovePermission':
    case 'TestEventPattern':
      return { action, resource: '*' };
    case 'CreateEventBus':
      return { action, resource: busOf(input.Name).arn, context: requestTagContext(input.Tags) };
    case 'DeleteEventBus':
    case 'DescribeEventBus':
      return { action, resource: busOf(input.Name).arn };
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsForResource':
      return { action, resource: str(input.ResourceARN), ...(operation === 'TagResource' ? { context: requestTagContext(input.Tags) } : {}) };
    default: {
      const bus = busOf(input.EventBusName);
      const resource = world.events.ruleArn(bus.accountId, bus.region, bus.name, str(input.Name ?? input.Rule));
      const targets = operation === 'PutTargets' ? ((input.Targets as { Arn?: string }[] | undefined) ?? []).map((t) => str(t.Arn)) : [];
      const context: Record<string, string | string[]> = {
        ...(operation === 'PutRule' ? requestTagContext(input.Tags) : {}),
        ...(targets.length > 0 ? { 'events:TargetArn': targets } : {}),
      };
      const request: AuthorizationRequest = { action, resource, ...(Object.keys(context).length > 0 ? { context } : {}) };
      // A target's RoleArn is a role passed to EventBridge: the caller needs iam:PassRole on it (in the
      // role's account, with iam:PassedToService), checked when the target is set.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
      const passed = operation === 'PutTargets' ? ((input.Targets as { RoleArn?: string }[] | undefined) ?? []).map((t) => str(t.RoleArn)).filter(Boolean) : [];
      return [
        request,
        ...[...new Set(passed)].map((roleArn) => ({
          action: 'iam:PassRole',
          resource: roleArn,
          resourceAccount: /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1],
          context: { 'iam:PassedToService': 'events.amazonaws.com' },
        })),
      ];
    }
  }
};

/** STS GetCallerIdentity needs no permission; AssumeRole is decided by sts.ts. */
const sts: Authorizer = () => undefined;

/** The authorizers by service (S3 and KMS authorize in their operations). */
export const AUTHORIZERS: Partial<Record<string, Authorizer>> = { iam, cloudtrail, organizations, dynamodb, sts, events };
