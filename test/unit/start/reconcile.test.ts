/** Reconcile runs: one per account, mode and minute, whoever triggers them. */
import { reconcileExecutionNameFor, reconcileInputFor, startReconcile } from '../../../handlers/start/reconcile';

const NOW = new Date('2026-12-01T13:45:30.123Z');

describe('reconcile execution names', () => {
  it('are reconcile-<account>-<mode>-<UTC minute>, within Step Functions\' 80 characters', () => {
    const name = reconcileExecutionNameFor('444455556666', 'report', NOW);
    expect(name).toBe('reconcile-444455556666-report-20261201T1345');
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[0-9A-Za-z_-]+$/);
  });

  it('are the same within a minute and differ across minutes and modes', () => {
    const later = new Date(NOW.getTime() + 20_000);
    expect(reconcileExecutionNameFor('444455556666', 'apply', later)).toBe(reconcileExecutionNameFor('444455556666', 'apply', NOW));
    expect(reconcileExecutionNameFor('444455556666', 'apply', new Date(NOW.getTime() + 60_000))).not.toBe(reconcileExecutionNameFor('444455556666', 'apply', NOW));
    expect(reconcileExecutionNameFor('444455556666', 'report', NOW)).not.toBe(reconcileExecutionNameFor('444455556666', 'apply', NOW));
  });

  it('carry the mode in the input', () => {
    expect(JSON.parse(reconcileInputFor('444455556666', 'report'))).toEqual({ accountId: '444455556666', mode: 'report' });
  });
});

describe('startReconcile', () => {
  it('rejects a malformed account id by name before calling Step Functions', async () => {
    const calls: string[] = [];
    const deps = { executions: { startExecution: async (n: string) => (calls.push(n), { executionArn: n, alreadyStarted: false }) }, status: {} } as never;
    await expect(startReconcile(deps, '4444', 'apply', NOW)).rejects.toMatchObject({ name: 'InvalidAccountId' });
    expect(calls).toEqual([]);
  });
});
