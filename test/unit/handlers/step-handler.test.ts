/**
 * The wiring every Lambda entry shares: named errors leave the handler with their name intact (the
 * state machine matches on it) and a message that says which step failed; input errors are named.
 */
import { AccessDenied, Throttled } from '../../../handlers/shared/errors';
import { stepHandler } from '../../../handlers/shared/step-handler';
import { parseStepInput } from '../../../handlers/shared/step-input';

const input = { accountId: '444455556666', executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:sm:e1', mode: 'apply' };

describe('step handler wiring', () => {
  it('returns what the step returns', async () => {
    const handler = stepHandler('EnsureTrail', parseStepInput, async (i) => ({ accountId: i.accountId, changed: false }));
    await expect(handler(input)).resolves.toEqual({ accountId: '444455556666', changed: false });
  });

  it.each([
    ['a terminal error', new AccessDenied('IAM CreateRole was denied')],
    ['a retryable error', new Throttled('Rate exceeded')],
  ])('lets %s through with its name, prefixing the message with the step', async (_label, error) => {
    const handler = stepHandler('EnsureSwitchRole', parseStepInput, async () => {
      throw error;
    });
    const thrown = await handler(input).catch((e: Error) => e);
    expect(thrown).toBe(error);
    expect((thrown as Error).name).toBe(error.name);
    expect((thrown as Error).message).toMatch(/^EnsureSwitchRole: /);
  });

  it('names the step only once when the same error object passes twice (a retry in the same container)', async () => {
    const error = new Throttled('Rate exceeded');
    const handler = stepHandler('EnsureTrail', parseStepInput, async () => {
      throw error;
    });
    await handler(input).catch(() => undefined);
    await handler(input).catch(() => undefined);
    expect(error.message).toBe('EnsureTrail: Rate exceeded');
  });

  it.each([
    ['no input', undefined],
    ['a missing execution ARN', { accountId: '444455556666' }],
    ['an extra field', { ...input, extra: 1 }],
    ['a malformed account id', { ...input, accountId: '4444' }],
  ])('rejects %s with InvalidRequest before running the step', async (_label, event) => {
    const run = jest.fn();
    const handler = stepHandler('EnsureTrail', parseStepInput, run);
    await expect(handler(event)).rejects.toMatchObject({ name: 'InvalidRequest' });
    expect(run).not.toHaveBeenCalled();
  });
});
