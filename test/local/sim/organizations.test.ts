import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { caught, DEMO, demoWorld, session, type TestWorld } from './helpers';

describe('simulated Organizations', () => {
  let t: TestWorld;
  beforeEach(() => {
    t = demoWorld();
  });
  afterEach(() => t.dispose());

  it('describes member accounts to the management account, with State and the legacy Status', async () => {
    const org = t.client(OrganizationsClient);
    const { Account } = await org.send(new DescribeAccountCommand({ AccountId: DEMO.suspendedAccountId }));
    expect(Account).toMatchObject({
      Id: DEMO.suspendedAccountId,
      Arn: `arn:aws:organizations::${DEMO.managementAccountId}:account/${DEMO.organizationId}/${DEMO.suspendedAccountId}`,
      State: 'SUSPENDED',
      Status: 'SUSPENDED',
    });
    expect(Account?.JoinedTimestamp).toBeInstanceOf(Date);
    const missing = await caught(() => org.send(new DescribeAccountCommand({ AccountId: '123456789012' })));
    expect(missing.name).toBe('AccountNotFoundException');
  });

  it('denies member accounts, and answers NotInUse outside the organization', async () => {
    const member = DEMO.memberAccountIds[0];
    const fromMember = t.client(OrganizationsClient, session(member, 'OrganizationAccountAccessRole'));
    expect((await caught(() => fromMember.send(new DescribeAccountCommand({ AccountId: member })))).name).toBe('AccessDeniedException');
    t.world.addAccount('123456789012');
    const outsider = t.client(OrganizationsClient, 'arn:aws:iam::123456789012:root');
    expect((await caught(() => outsider.send(new DescribeAccountCommand({ AccountId: member })))).name).toBe('AWSOrganizationsNotInUseException');
  });
});
