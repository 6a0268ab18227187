/** Reconcile runs: one per account, mode and minute, whoever triggers them. */
import { changeReconcileFor, reconcileExecutionNameFor, reconcileInputFor, startReconcile } from '../../../handlers/start/reconcile';

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

describe('the run a change asks for', () => {
  it('is named for the change\'s minute and waits until 10 s after that minute ends', () => {
    expect(changeReconcileFor('444455556666', 'apply', NOW)).toEqual({ name: 'reconcile-444455556666-apply-20261201T1345-event', notBefore: '2026-12-01T13:46:10Z' });
  });

  it('is the same run for every change of one minute, and another for the next minute', () => {
    const a = changeReconcileFor('444455556666', 'apply', new Date('2026-12-01T13:45:00.000Z'));
    const b = changeReconcileFor('444455556666', 'apply', new Date('2026-12-01T13:45:59.999Z'));
    const c = changeReconcileFor('444455556666', 'apply', new Date('2026-12-01T13:46:00.000Z'));
    expect(b).toEqual(a);
    expect(c.name).not.toBe(a.name);
    expect(reconcileInputFor('444455556666', 'apply', a.notBefore)).toBe(reconcileInputFor('444455556666', 'apply', b.notBefore));
  });

  it('startReconcile with a change starts that run with notBefore in its input', async () => {
    const started: [string, string][] = [];
    const deps = { executions: { startExecution: async (n: string, i: string) => (started.push([n, i]), { executionArn: n, alreadyStarted: false }) }, status: {} } as never;
    await startReconcile(deps, '444455556666', 'report', new Date('2026-12-01T14:00:00Z'), { time: NOW });
    expect(started).toEqual([['reconcile-444455556666-report-20261201T1345-event', '{"accountId":"444455556666","mode":"report","notBefore":"2026-12-01T13:46:10Z"}']]);
  });
});
