/** What StartFromEvent makes of its input: the InputTransformer's output, or the raw Organizations event. */
import { readEvent } from '../../../handlers/start-from-event/event';
import { organizationsEvents } from '../../fixtures';

const events = organizationsEvents();

/** What the rule's InputTransformer delivers for an event ({"accountId": "<accountId>"}). */
function transformed(event: typeof events.createAccountResultSucceeded): unknown {
  return JSON.parse(`{"accountId": "${event.detail.serviceEventDetails.createAccountStatus.accountId}"}`);
}

describe('readEvent', () => {
  it('starts the account of the transformer output', () => {
    expect(readEvent(transformed(events.createAccountResultSucceeded))).toEqual({ kind: 'start', accountId: '444455556666', source: 'input-transformer', trigger: 'CreateAccountResult' });
  });

  it('starts the account of a raw SUCCEEDED CreateAccountResult (rule without transformer)', () => {
    expect(readEvent(events.createAccountResultSucceeded)).toEqual({ kind: 'start', accountId: '444455556666', source: 'raw-event', trigger: 'CreateAccountResult' });
  });

  it('ignores a FAILED account creation, naming the reason', () => {
    const r = readEvent(events.createAccountResultFailed);
    expect(r).toEqual({ kind: 'ignore', reason: expect.stringMatching(/FAILED \(EMAIL_ALREADY_EXISTS\)/) });
  });

  it('ignores an event that starts nothing (the CreateAccount call itself), naming what it is', () => {
    expect(readEvent(events.createAccountInProgress)).toEqual({ kind: 'ignore', reason: expect.stringMatching(/not an event that starts an onboarding .*eventName CreateAccount$/) });
  });

  it.each<[string, unknown, string]>([
    ['a numeric id (template without quotes)', { accountId: 444455556666 }, 'InvalidAccountId'],
    ['a short id', { accountId: '12345' }, 'InvalidAccountId'],
    ['an unknown field', { accountId: '444455556666', detail: undefined, extra: 1 }, 'InvalidRequest'],
    ['nothing', undefined, 'InvalidRequest'],
    ['a string', '444455556666', 'InvalidRequest'],
  ])('rejects %s with %s', (_label, input, name) => {
    expect(() => readEvent(input)).toThrow(expect.objectContaining({ name }));
  });

  it('rejects a SUCCEEDED result without an account id', () => {
    const broken = structuredClone(events.createAccountResultSucceeded) as { detail: { serviceEventDetails: { createAccountStatus: Record<string, unknown> } } };
    delete broken.detail.serviceEventDetails.createAccountStatus.accountId;
    expect(() => readEvent(broken)).toThrow(expect.objectContaining({ name: 'InvalidRequest' }));
  });
});
