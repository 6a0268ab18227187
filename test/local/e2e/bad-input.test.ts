/**
 * Bad input ends FAILED at validation with a named error and a cause a person can act on, and no
 * write call is made in AWS; a valid account id that is refused is recorded REJECTED in the status
 * table (one UpdateItem), a malformed request writes nothing at all.
 */
import { DEMO, startLocal, writes, type Local } from '../harness';

let local: Local;
beforeAll(async () => {
  local = await startLocal();
  local.world.addAccount('123412341234', { name: 'outside-the-organization' });
});
afterAll(() => local.stop());

const CASES: [string, unknown, string, RegExp][] = [
  ['a malformed id', { accountId: '12345' }, 'InvalidAccountId', /exactly 12/],
  ['an 11-digit id', { accountId: '44445555666' }, 'InvalidAccountId', /exactly 12/],
  ['a 13-digit id', { accountId: '4444555566667' }, 'InvalidAccountId', /exactly 12/],
  ['an id with spaces around it', { accountId: ' 444455556666 ' }, 'InvalidAccountId', /space/i],
  ['a numeric id', { accountId: 444455556666 }, 'InvalidAccountId', /string/i],
  ['an account unknown to the organization', { accountId: '123412341234' }, 'AccountNotFound', /123412341234/],
  ['a suspended account', { accountId: DEMO.suspendedAccountId }, 'AccountNotActive', /SUSPENDED/],
  ['the management account', { accountId: DEMO.managementAccountId }, 'AccountNotAllowed', /allowManagementAccount/],
  ['the log-archive account', { accountId: DEMO.logArchiveAccountId }, 'AccountNotAllowed', /allowLogArchiveAccount/],
  ['empty input', {}, 'InvalidRequest', /accountId/],
  ['unknown fields', { accountId: DEMO.memberAccountIds[0], force: true }, 'InvalidRequest', /force/],
];

describe.each(CASES)('%s', (_label, input, errorName, causeHint) => {
  it(`ends FAILED at validation with ${errorName} and makes no write call`, async () => {
    local.world.resetCalls();
    const r = await local.run(input);
    expect({ status: r.status, error: r.error }).toEqual({ status: 'FAILED', error: errorName });
    expect(r.cause).toMatch(causeHint);
    expect(r.history.filter((h) => h.type === 'StateEntered').map((h) => h.state)).toEqual(['ValidateRequest', 'DescribeRejection', 'Rejected']);
    const refused = ['AccountNotFound', 'AccountNotActive', 'AccountNotAllowed'].includes(errorName);
    expect(writes(local.world)).toEqual(refused ? ['dynamodb:UpdateItem'] : []);
    if (refused) {
      const id = (input as { accountId: string }).accountId;
      expect(await local.status.getAccount(id)).toMatchObject({ status: 'REJECTED', error: { name: errorName, step: 'ValidateRequest', cause: expect.stringMatching(causeHint) } });
    }
  });
});
