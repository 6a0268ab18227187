import {
  CloudTrailClient,
  CreateTrailCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  NotOrganizationMasterAccountException,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DelegatedAdministratorTrails } from '../../../handlers/adapters/delegated-administrator-trails';
import type { TrailInput } from '../../../handlers/adapters/types';
import { modeled, rejection } from './sdk-errors';

const ctMock = mockClient(CloudTrailClient);
const DELEGATED = '333344445555';
const NAME = 'cloudtrail-onboarding-org';
/** The management account's ARN: the owner of the trail the delegated administrator creates. */
const ARN = `arn:aws:cloudtrail:eu-west-1:111122223333:trail/${NAME}`;
const trails = new DelegatedAdministratorTrails(new CloudTrailClient({ region: 'eu-west-1' }), { accountId: DELEGATED, trailName: NAME, trailArn: ARN });
const input: TrailInput = {
  name: NAME,
  s3BucketName: 'org-cloudtrail-logs-222233334444',
  s3KeyPrefix: 'cloudtrail',
  kmsKeyId: 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  isMultiRegionTrail: true,
  includeGlobalServiceEvents: true,
  enableLogFileValidation: true,
  isOrganizationTrail: true,
  tags: [{ Key: 'managed-by', Value: 'cloudtrail-onboarding' }],
};

beforeEach(() => ctMock.reset());

describe('DelegatedAdministratorTrails', () => {
  it('reads the organization trail by its ARN (by name the delegated administrator sees only its own trails)', async () => {
    ctMock.on(GetTrailCommand, { Name: ARN }).resolves({ Trail: { Name: NAME, TrailARN: ARN, HomeRegion: 'eu-west-1', IsOrganizationTrail: true } });
    ctMock.on(GetTrailStatusCommand, { Name: ARN }).resolves({ IsLogging: true });
    ctMock.on(GetEventSelectorsCommand).resolves({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] });
    ctMock.on(ListTagsCommand).resolves({ ResourceTagList: [] });

    const trail = await trails.get(NAME);

    expect(trail).toMatchObject({ trailArn: ARN, name: NAME, isLogging: true });
    expect(ctMock).toHaveReceivedCommandWith(GetTrailCommand, { Name: ARN });
  });

  it('creates it by name (CreateTrail takes no ARN) and changes, starts and checks it by ARN', async () => {
    ctMock.on(CreateTrailCommand).resolves({ TrailARN: ARN });
    ctMock.on(GetTrailStatusCommand).resolves({ IsLogging: true });

    expect(await trails.create(input)).toBe(ARN);
    await trails.update(input);
    await trails.startLogging(NAME);
    await trails.putDefaultEventSelectors(NAME);
    expect(await trails.isLogging(NAME)).toBe(true);

    expect(ctMock).toHaveReceivedCommandWith(CreateTrailCommand, { Name: NAME, IsOrganizationTrail: true });
    expect(ctMock).toHaveReceivedCommandWith(UpdateTrailCommand, { Name: ARN, IsOrganizationTrail: true });
    expect(ctMock).toHaveReceivedCommandWith(StartLoggingCommand, { Name: ARN });
    expect(ctMock).toHaveReceivedCommandWith(PutEventSelectorsCommand, { TrailName: ARN });
    expect(ctMock).toHaveReceivedCommandWith(GetTrailStatusCommand, { Name: ARN });
  });

  it.each([
    ['CreateTrail', () => trails.create(input), CreateTrailCommand],
    ['UpdateTrail', () => trails.update(input), UpdateTrailCommand],
    ['StartLogging', () => trails.startLogging(NAME), StartLoggingCommand],
  ] as const)('%s refused with NotOrganizationMasterAccountException: DelegatedAdministratorNotRegistered naming the account and the command', async (operation, call, Command) => {
    ctMock.on(Command as never).rejects(modeled(NotOrganizationMasterAccountException, 400, `Account ${DELEGATED} is not a delegated administrator.`));

    const e = await rejection(call());

    expect(e.name).toBe('DelegatedAdministratorNotRegistered');
    expect(e.message).toContain(`aws cloudtrail register-organization-delegated-admin --member-account-id ${DELEGATED}`);
    expect(e.details).toMatchObject({ service: 'CloudTrail', operation, awsError: 'NotOrganizationMasterAccountException' });
  });
});
