import { checkEligibility, MAX_REQUEST_BYTES, parseOnboardingRequest, type OrgAccount } from '../../../handlers/domain/request';
import type { RuntimeConfig } from '../../../handlers/shared/config';
import { ACCOUNTS, config, configWith } from './fixtures';

/** The error a call throws (fails the test if it does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('parseOnboardingRequest', () => {
  it.each([['444455556666'], ['012345678901'], ['000000000000']])('accepts account id %p exactly as given', (accountId) => {
    // act / assert
    expect(parseOnboardingRequest({ accountId })).toEqual({ accountId, mode: 'apply', action: 'onboard' });
  });

  it('accepts an id that arrived through JSON', () => {
    // act / assert
    expect(parseOnboardingRequest(JSON.parse('{"accountId":"444455556666"}'))).toEqual({ accountId: '444455556666', mode: 'apply', action: 'onboard' });
  });

  it.each<[string, unknown, string, RegExp]>([
    // shape of the request
    ['undefined', undefined, 'InvalidRequest', /empty; expected \{"accountId"/],
    ['null', null, 'InvalidRequest', /empty/],
    ['an empty object', {}, 'InvalidRequest', /no accountId/],
    ['an array', ['444455556666'], 'InvalidRequest', /array/],
    ['an empty array', [], 'InvalidRequest', /array/],
    ['a bare string id', '444455556666', 'InvalidRequest', /string, not an object/],
    ['a number', 444455556666, 'InvalidRequest', /number, not an object/],
    ['a boolean', true, 'InvalidRequest', /boolean/],
    ['an unknown field next to a valid id', { accountId: '444455556666', dryRun: true }, 'InvalidRequest', /unknown field "dryRun"/],
    ['a misspelt field', { accountID: '444455556666' }, 'InvalidRequest', /unknown field "accountID"/],
    ['several unknown fields', { accountId: '444455556666', a: 1, b: 2 }, 'InvalidRequest', /unknown fields "a", "b"/],
    ['an unknown field and a bad id (the shape is reported first)', { accountId: 1, extra: 1 }, 'InvalidRequest', /unknown field "extra"/],
    ['a __proto__ key from JSON', JSON.parse('{"__proto__":{"admin":true},"accountId":"444455556666"}'), 'InvalidRequest', /unknown field "__proto__"/],
    ['a constructor key', { accountId: '444455556666', constructor: 'x' }, 'InvalidRequest', /unknown field "constructor"/],
    ['a huge payload', { accountId: '444455556666', padding: 'x'.repeat(100_000) }, 'InvalidRequest', new RegExp(`at most ${MAX_REQUEST_BYTES}`)],
    ['a huge account id', { accountId: '4'.repeat(MAX_REQUEST_BYTES) }, 'InvalidRequest', /bytes; at most/],
    ['an explicitly undefined id', { accountId: undefined }, 'InvalidRequest', /no accountId/],
    // the account id
    ['a numeric id', { accountId: 444455556666 }, 'InvalidAccountId', /is a number; give it as a string/],
    ['a null id', { accountId: null }, 'InvalidAccountId', /null/],
    ['a boolean id', { accountId: true }, 'InvalidAccountId', /type boolean/],
    ['an id in an array', { accountId: ['444455556666'] }, 'InvalidAccountId', /an array/],
    ['an id in an object', { accountId: { id: '444455556666' } }, 'InvalidAccountId', /type object/],
    ['an empty id', { accountId: '' }, 'InvalidAccountId', /empty/],
    ['11 digits', { accountId: '44445555666' }, 'InvalidAccountId', /has 11 digits; an AWS account id has exactly 12/],
    ['13 digits', { accountId: '4444555566667' }, 'InvalidAccountId', /has 13 digits/],
    ['a leading space', { accountId: ' 444455556666' }, 'InvalidAccountId', /contains spaces/],
    ['a trailing newline', { accountId: '444455556666\n' }, 'InvalidAccountId', /white space/],
    ['inner spaces', { accountId: '4444 5555 6666' }, 'InvalidAccountId', /spaces/],
    ['dashes', { accountId: '4444-5555-6666' }, 'InvalidAccountId', /characters other than the digits/],
    ['full-width digits', { accountId: '４４４４５５５５６６６６' }, 'InvalidAccountId', /characters other than the digits/],
    ['an ARN', { accountId: 'arn:aws:iam::444455556666:root' }, 'InvalidAccountId', /characters other than/],
    ['a wildcard', { accountId: '*' }, 'InvalidAccountId', /characters other than/],
    ['SQL injection', { accountId: "444455556666' OR '1'='1" }, 'InvalidAccountId', /accountId/],
    ['JSONPath injection', { accountId: '$.accountId' }, 'InvalidAccountId', /characters other than/],
    ['shell injection', { accountId: '444455556666;rm -rf /' }, 'InvalidAccountId', /accountId/],
    ['a hex number', { accountId: '0x677A3F5A1E' }, 'InvalidAccountId', /characters other than/],
    ['an exponent', { accountId: '4.4445555e11' }, 'InvalidAccountId', /characters other than/],
  ])('rejects %s', (_label, input, name, message) => {
    // act
    const e = thrown(() => parseOnboardingRequest(input));

    // assert
    expect(e.name).toBe(name);
    expect(e.message).toMatch(message);
  });

  it('does not echo a long value in full', () => {
    // act
    const e = thrown(() => parseOnboardingRequest({ accountId: `x${'y'.repeat(1000)}` }));

    // assert
    expect(e.name).toBe('InvalidAccountId');
    expect(e.message.length).toBeLessThan(200);
  });

  it('escapes control characters it echoes, so a message cannot forge log lines', () => {
    // act
    const e = thrown(() => parseOnboardingRequest({ accountId: 'ab\ncd' }));

    // assert
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain('"ab\\ncd"');
  });
});

describe('checkEligibility', () => {
  const active = (id: string, name?: string): OrgAccount => ({ id, state: 'ACTIVE', ...(name ? { name } : {}) });
  const withoutOrganizations = configWith({ organizationId: undefined });

  it.each<[string, string, RuntimeConfig, OrgAccount | null | undefined, { accountId: string; accountName?: string }]>([
    ['an ACTIVE member', ACCOUNTS.newMember, config, active(ACCOUNTS.newMember, 'Payments'), { accountId: ACCOUNTS.newMember, accountName: 'Payments' }],
    ['an ACTIVE member without a name', ACCOUNTS.newMember, config, active(ACCOUNTS.newMember), { accountId: ACCOUNTS.newMember }],
    ['any account when Organizations is not configured', ACCOUNTS.outsider, withoutOrganizations, undefined, { accountId: ACCOUNTS.outsider }],
    ['the management account when allowed', ACCOUNTS.management, configWith({ allowManagementAccount: true }), active(ACCOUNTS.management), { accountId: ACCOUNTS.management }],
    ['the log-archive account when allowed', ACCOUNTS.logArchive, configWith({ allowLogArchiveAccount: true }), active(ACCOUNTS.logArchive), { accountId: ACCOUNTS.logArchive }],
  ])('admits %s', (_label, accountId, cfg, orgAccount, expected) => {
    // act / assert
    expect(checkEligibility(accountId, cfg, orgAccount)).toEqual(expected);
  });

  it.each<[string, string, RuntimeConfig, OrgAccount | null | undefined, string, RegExp]>([
    ['the management account', ACCOUNTS.management, config, active(ACCOUNTS.management), 'AccountNotAllowed', /management account.*allowManagementAccount: true/],
    ['the management account even without Organizations', ACCOUNTS.management, withoutOrganizations, undefined, 'AccountNotAllowed', /allowManagementAccount/],
    ['the log-archive account', ACCOUNTS.logArchive, config, active(ACCOUNTS.logArchive), 'AccountNotAllowed', /log-archive account.*allowLogArchiveAccount: true/],
    ['the log-archive account when only the management account is allowed', ACCOUNTS.logArchive, configWith({ allowManagementAccount: true }), active(ACCOUNTS.logArchive), 'AccountNotAllowed', /allowLogArchiveAccount/],
    ['an account the organization does not know', ACCOUNTS.outsider, config, null, 'AccountNotFound', /not in organization o-a1b2c3d4e5/],
    ['a SUSPENDED account', ACCOUNTS.suspended, config, { id: ACCOUNTS.suspended, name: 'Old', state: 'SUSPENDED' }, 'AccountNotActive', /999900001111 \(Old\) is SUSPENDED/],
    ['a PENDING_CLOSURE account', ACCOUNTS.suspended, config, { id: ACCOUNTS.suspended, state: 'PENDING_CLOSURE' }, 'AccountNotActive', /is PENDING_CLOSURE/],
    ['a CLOSED account', ACCOUNTS.suspended, config, { id: ACCOUNTS.suspended, state: 'CLOSED' }, 'AccountNotActive', /is CLOSED/],
    ['a PENDING_ACTIVATION account', ACCOUNTS.newMember, config, { id: ACCOUNTS.newMember, state: 'PENDING_ACTIVATION' }, 'AccountNotActive', /PENDING_ACTIVATION.*again once the account is ACTIVE/],
    ['an account in a state AWS adds later', ACCOUNTS.newMember, config, { id: ACCOUNTS.newMember, state: 'FROZEN' }, 'AccountNotActive', /is FROZEN/],
    ['an account that was not looked up although Organizations is configured', ACCOUNTS.newMember, config, undefined, 'ConfigurationError', /not looked up/],
  ])('rejects %s', (_label, accountId, cfg, orgAccount, name, message) => {
    // act
    const e = thrown(() => checkEligibility(accountId, cfg, orgAccount));

    // assert
    expect(e.name).toBe(name);
    expect(e.message).toMatch(message);
  });
});
