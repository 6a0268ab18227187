import {
  AttachRolePolicyCommand,
  ConcurrentModificationException,
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  IAMServiceException,
  LimitExceededException,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { IamAdapter } from '../../../handlers/adapters/iam';
import type { RoleInput } from '../../../handlers/adapters/types';
import { awsError, modeled, rejection } from './sdk-errors';

const iamMock = mockClient(IAMClient);
const iam = new IamAdapter(new IAMClient({ region: 'us-east-1' }));

const ROLE = 'CloudTrailSwitchRole';
const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: 'sts:AssumeRole' }] };
const inline = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/AWSLogs/1/*' }] };

beforeEach(() => {
  iamMock.reset();
});

function givenRole(): void {
  iamMock.on(GetRoleCommand).resolves({
    Role: {
      Arn: `arn:aws:iam::444455556666:role/${ROLE}`,
      RoleName: ROLE,
      Path: '/',
      RoleId: 'AROAEXAMPLE',
      CreateDate: new Date(),
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
      Description: 'switch role',
      MaxSessionDuration: 7200,
    },
  });
}

describe('IamAdapter.getRole', () => {
  it('returns undefined when the role does not exist', async () => {
    // prepare
    iamMock.on(GetRoleCommand).rejects(modeled(NoSuchEntityException, 404));

    // act
    const role = await iam.getRole(ROLE);

    // assert
    expect(role).toBeUndefined();
    expect(iamMock).not.toHaveReceivedCommand(ListAttachedRolePoliciesCommand);
  });

  it('URL-decodes the trust policy and the inline policies', async () => {
    // prepare
    givenRole();
    iamMock.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['ReadOwnCloudTrailLogs'] });
    iamMock.on(GetRolePolicyCommand).resolves({
      RoleName: ROLE,
      PolicyName: 'ReadOwnCloudTrailLogs',
      PolicyDocument: encodeURIComponent(JSON.stringify(inline)),
    });
    iamMock.on(ListRoleTagsCommand).resolves({ Tags: [] });

    // act
    const role = await iam.getRole(ROLE);

    // assert
    expect(JSON.parse(role!.trustPolicyText)).toEqual(trust);
    expect(JSON.parse(role!.inlinePolicies.ReadOwnCloudTrailLogs)).toEqual(inline);
    expect(role).toMatchObject({ roleName: ROLE, description: 'switch role', maxSessionDuration: 7200 });
  });

  it('reads every page of attached policies, inline policies and tags', async () => {
    // prepare: each page answers the marker the previous one returned (recorded at call time:
    // the SDK paginator reuses one input object, so recorded inputs show only the last marker).
    givenRole();
    const markers: Record<string, (string | undefined)[]> = { attached: [], inline: [], tags: [] };
    const paged = <T>(kind: string, pages: Record<string, T>) => (input: { Marker?: string }) => {
      markers[kind].push(input.Marker);
      return pages[input.Marker ?? 'first'];
    };
    iamMock.on(ListAttachedRolePoliciesCommand).callsFake(
      paged('attached', {
        first: { AttachedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/A' }], IsTruncated: true, Marker: 'm1' },
        m1: { AttachedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/B' }], IsTruncated: true, Marker: 'm2' },
        m2: { AttachedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/C' }], IsTruncated: false },
      }),
    );
    iamMock.on(ListRolePoliciesCommand).callsFake(
      paged('inline', {
        first: { PolicyNames: ['one'], IsTruncated: true, Marker: 'p1' },
        p1: { PolicyNames: ['two'], IsTruncated: false },
      }),
    );
    iamMock.on(GetRolePolicyCommand, { PolicyName: 'one' }).resolves({ RoleName: ROLE, PolicyName: 'one', PolicyDocument: '%7B%7D' });
    iamMock.on(GetRolePolicyCommand, { PolicyName: 'two' }).resolves({ RoleName: ROLE, PolicyName: 'two', PolicyDocument: '%7B%22a%22%3A1%7D' });
    iamMock.on(ListRoleTagsCommand).callsFake(
      paged('tags', {
        first: { Tags: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }], IsTruncated: true, Marker: 't1' },
        t1: { Tags: [{ Key: 'team', Value: 'security' }], IsTruncated: false },
      }),
    );

    // act
    const role = await iam.getRole(ROLE);

    // assert
    expect(role!.managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B', 'arn:aws:iam::aws:policy/C']);
    expect(role!.inlinePolicies).toEqual({ one: '{}', two: '{"a":1}' });
    expect(role!.tags).toEqual([
      { Key: 'managed-by', Value: 'cloudtrail-onboarding' },
      { Key: 'team', Value: 'security' },
    ]);
    expect(markers).toEqual({ attached: [undefined, 'm1', 'm2'], inline: [undefined, 'p1'], tags: [undefined, 't1'] });
  });

  it('reports a role deleted while being read as ConcurrentModification', async () => {
    // prepare
    givenRole();
    iamMock.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iamMock.on(ListRolePoliciesCommand).rejects(modeled(NoSuchEntityException, 404));

    // act
    const err = await rejection(iam.getRole(ROLE));

    // assert
    expect(err.name).toBe('ConcurrentModification');
  });
});

describe('IamAdapter writes', () => {
  const input: RoleInput = {
    roleName: ROLE,
    path: '/',
    description: 'switch role',
    trustPolicyText: JSON.stringify(trust),
    maxSessionDuration: 3600,
    tags: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }],
  };

  it('creates the role with every input field and returns its ARN', async () => {
    // prepare
    iamMock.on(CreateRoleCommand).resolves({
      Role: { Arn: 'arn:aws:iam::1:role/x', RoleName: ROLE, Path: '/', RoleId: 'R', CreateDate: new Date() },
    });

    // act
    const arn = await iam.createRole(input);

    // assert
    expect(arn).toBe('arn:aws:iam::1:role/x');
    expect(iamMock).toHaveReceivedCommandWith(CreateRoleCommand, {
      RoleName: ROLE,
      Path: '/',
      Description: 'switch role',
      AssumeRolePolicyDocument: JSON.stringify(trust),
      MaxSessionDuration: 3600,
      Tags: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }],
    });
  });

  it.each<[string, () => Promise<unknown>, Error, string]>([
    ['CreateRole EntityAlreadyExists', () => iam.createRole(input), modeled(EntityAlreadyExistsException, 409), 'ConcurrentModification'],
    [
      'CreateRole MalformedPolicyDocument "Invalid principal"',
      () => iam.createRole(input),
      modeled(MalformedPolicyDocumentException, 400, 'Invalid principal in policy: "AWS":"arn:aws:iam::1:role/new"'),
      'PropagationPending',
    ],
    ['CreateRole LimitExceeded', () => iam.createRole(input), modeled(LimitExceededException, 409, 'Cannot exceed quota for ACLSizePerRole: 2048'), 'PolicyTooLarge'],
    [
      'UpdateAssumeRolePolicy MalformedPolicyDocument (syntax)',
      () => iam.updateAssumeRolePolicy(ROLE, '{}'),
      modeled(MalformedPolicyDocumentException, 400, 'Syntax errors in policy.'),
      'InvalidPolicyDocument',
    ],
    ['UpdateAssumeRolePolicy on a deleted role', () => iam.updateAssumeRolePolicy(ROLE, '{}'), modeled(NoSuchEntityException, 404), 'ConcurrentModification'],
    ['UpdateRole ConcurrentModification', () => iam.updateRole(ROLE, 'd', 3600), modeled(ConcurrentModificationException, 409), 'ConcurrentModification'],
    ['PutRolePolicy LimitExceeded', () => iam.putInlinePolicy(ROLE, 'p', '{}'), modeled(LimitExceededException, 409, 'Cannot exceed quota for PolicySize: 10240'), 'PolicyTooLarge'],
    [
      'AttachRolePolicy on a missing managed policy',
      () => iam.attachPolicy(ROLE, 'arn:aws:iam::aws:policy/Nope'),
      modeled(NoSuchEntityException, 404, 'Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.'),
      'ResourceNotFound',
    ],
    ['TagRole AccessDenied', () => iam.tagRole(ROLE, []), awsError(IAMServiceException, 'AccessDenied', 403), 'AccessDenied'],
    ['UpdateRole ServiceFailure', () => iam.updateRole(ROLE, 'd', 3600), awsError(IAMServiceException, 'ServiceFailure', 500), 'ServiceUnavailable'],
  ])('maps %s to %s', async (_label, act, sdkError, expected) => {
    // prepare
    iamMock.onAnyCommand().rejects(sdkError);

    // act
    const err = await rejection(act());

    // assert
    expect(err.name).toBe(expected);
    expect(err.cause).toBe(sdkError);
  });

  it('sends each write with the role name and document', async () => {
    // prepare
    iamMock.onAnyCommand().resolves({});

    // act
    await iam.updateAssumeRolePolicy(ROLE, '{"t":1}');
    await iam.updateRole(ROLE, 'desc', 7200);
    await iam.attachPolicy(ROLE, 'arn:aws:iam::aws:policy/SecurityAudit');
    await iam.detachPolicy(ROLE, 'arn:aws:iam::aws:policy/Old');
    await iam.putInlinePolicy(ROLE, 'p', '{"p":1}');
    await iam.deleteInlinePolicy(ROLE, 'old');
    await iam.tagRole(ROLE, [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }]);

    // assert
    expect(iamMock).toHaveReceivedCommandWith(UpdateAssumeRolePolicyCommand, { RoleName: ROLE, PolicyDocument: '{"t":1}' });
    expect(iamMock).toHaveReceivedCommandWith(UpdateRoleCommand, { RoleName: ROLE, Description: 'desc', MaxSessionDuration: 7200 });
    expect(iamMock).toHaveReceivedCommandWith(AttachRolePolicyCommand, { RoleName: ROLE, PolicyArn: 'arn:aws:iam::aws:policy/SecurityAudit' });
    expect(iamMock).toHaveReceivedCommandWith(DetachRolePolicyCommand, { RoleName: ROLE, PolicyArn: 'arn:aws:iam::aws:policy/Old' });
    expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, { RoleName: ROLE, PolicyName: 'p', PolicyDocument: '{"p":1}' });
    expect(iamMock).toHaveReceivedCommandWith(DeleteRolePolicyCommand, { RoleName: ROLE, PolicyName: 'old' });
    expect(iamMock).toHaveReceivedCommandWith(TagRoleCommand, { RoleName: ROLE, Tags: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }] });
  });

  it('treats detaching or deleting what is already gone as done', async () => {
    // prepare
    iamMock.onAnyCommand().rejects(modeled(NoSuchEntityException, 404));

    // act + assert
    await expect(iam.detachPolicy(ROLE, 'arn:aws:iam::aws:policy/Old')).resolves.toBeUndefined();
    await expect(iam.deleteInlinePolicy(ROLE, 'old')).resolves.toBeUndefined();
  });
});
