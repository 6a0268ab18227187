import {
  AccessDeniedException,
  AccountNotFoundException,
  AWSOrganizationsNotInUseException,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  OrganizationsClient,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { describeAccount, describeOrganization, enableServiceAccess, trustedServicePrincipals } from '../../../handlers/adapters/organizations';
import { modeled, rejection } from './sdk-errors';

const orgMock = mockClient(OrganizationsClient);
const client = new OrganizationsClient({ region: 'us-east-1' });

beforeEach(() => orgMock.reset());

describe('describeAccount', () => {
  it('reads Account.State, not the retired Status', async () => {
    // prepare
    orgMock.on(DescribeAccountCommand).resolves({
      Account: { Id: '999900001111', Name: 'suspended', State: 'SUSPENDED', Status: 'ACTIVE' },
    });

    // act
    const account = await describeAccount(client, '999900001111');

    // assert
    expect(account).toEqual({ id: '999900001111', name: 'suspended', state: 'SUSPENDED' });
    expect(orgMock).toHaveReceivedCommandWith(DescribeAccountCommand, { AccountId: '999900001111' });
  });

  it('returns null for an account the organization does not know', async () => {
    // prepare
    orgMock.on(DescribeAccountCommand).rejects(modeled(AccountNotFoundException, 400));

    // act + assert
    await expect(describeAccount(client, '123456789012')).resolves.toBeNull();
  });

  it.each<[string, Error, string]>([
    ['AWSOrganizationsNotInUse', modeled(AWSOrganizationsNotInUseException, 400), 'ConfigurationError'],
    ['AccessDeniedException', modeled(AccessDeniedException, 400), 'AccessDenied'],
    ['TooManyRequestsException', modeled(TooManyRequestsException, 400), 'Throttled'],
  ])('maps %s to %s', async (_label, sdkError, expected) => {
    // prepare
    orgMock.on(DescribeAccountCommand).rejects(sdkError);

    // act
    const err = await rejection(describeAccount(client, '444455556666'));

    // assert
    expect(err.name).toBe(expected);
    expect(err.cause).toBe(sdkError);
  });
});

describe('the organization trail\'s Organizations calls (trailMode organization)', () => {
  it('describeOrganization reads the id, the feature set and the management account', async () => {
    orgMock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-a1b2c3d4e5', FeatureSet: 'CONSOLIDATED_BILLING', MasterAccountId: '111122223333' } });

    await expect(describeOrganization(client)).resolves.toEqual({ id: 'o-a1b2c3d4e5', featureSet: 'CONSOLIDATED_BILLING', managementAccountId: '111122223333' });
  });

  it('describeOrganization outside an organization is a ConfigurationError', async () => {
    orgMock.on(DescribeOrganizationCommand).rejects(modeled(AWSOrganizationsNotInUseException, 400));

    await expect(describeOrganization(client)).rejects.toMatchObject({ name: 'ConfigurationError' });
  });

  it('trustedServicePrincipals reads every page of ListAWSServiceAccessForOrganization', async () => {
    orgMock
      .on(ListAWSServiceAccessForOrganizationCommand)
      .resolvesOnce({ EnabledServicePrincipals: [{ ServicePrincipal: 'config.amazonaws.com' }], NextToken: 't' })
      .resolvesOnce({ EnabledServicePrincipals: [{ ServicePrincipal: 'cloudtrail.amazonaws.com' }] });

    await expect(trustedServicePrincipals(client)).resolves.toEqual(['config.amazonaws.com', 'cloudtrail.amazonaws.com']);
  });

  it('enableServiceAccess calls EnableAWSServiceAccess with the principal; throttling is Throttled', async () => {
    orgMock.on(EnableAWSServiceAccessCommand).resolvesOnce({}).rejectsOnce(modeled(TooManyRequestsException, 400));

    await enableServiceAccess(client, 'cloudtrail.amazonaws.com');
    expect(orgMock).toHaveReceivedCommandWith(EnableAWSServiceAccessCommand, { ServicePrincipal: 'cloudtrail.amazonaws.com' });
    await expect(enableServiceAccess(client, 'cloudtrail.amazonaws.com')).rejects.toMatchObject({ name: 'Throttled' });
  });
});
