import {
  AccessDeniedException,
  AccountNotFoundException,
  AWSOrganizationsNotInUseException,
  DescribeAccountCommand,
  OrganizationsClient,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { describeAccount } from '../../../handlers/adapters/organizations';
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
