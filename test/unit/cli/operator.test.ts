/** The CLI's operator answers (cli/operator.ts): exit code of a status, when a retry cannot help, CLI wording. */
import { cliMessage, retryCannotHelp, statusExitCode } from '../../../cli/operator';
import { formatView } from '../../../cli/format';
import type { OnboardingView } from '../../../handlers/start';

const ID = '444455556666';
const item = (x: Record<string, unknown>) => ({ accountId: ID, startedAt: '', updatedAt: '', status: 'FAILED', ...x }) as never;
const view = (status: string, execution?: string) => ({ accountId: ID, status, statusSource: 'status-table', steps: [], ...(execution ? { execution: { status: execution } } : {}) }) as unknown as OnboardingView;

describe('statusExitCode', () => {
  it.each([
    ['ONBOARDED', 'SUCCEEDED', 0],
    ['SKIPPED', undefined, 0],
    ['IN_PROGRESS', 'RUNNING', 0],
    ['FAILED', 'FAILED', 1],
    ['REJECTED', 'FAILED', 1],
    ['IN_PROGRESS', 'TIMED_OUT', 1],
  ])('%s (latest execution %s) -> %s', (status, execution, code) => {
    expect(statusExitCode(view(status, execution))).toBe(code);
  });
});

describe('retryCannotHelp', () => {
  it.each([
    ['AccountNotActive', /must be ACTIVE in Organizations/],
    ['AccountOutOfScope', /must be in scope: move it into an OU of scope.includeOus/],
    ['AccountNotFound', /must be a member of the organization/],
    ['AccountNotAllowed', /allowManagementAccount or allowLogArchiveAccount/],
  ])('a REJECTED account (%s): says what would have to change and how to retry after', (name, change) => {
    const lines = retryCannotHelp(item({ status: 'REJECTED', error: { name, cause: 'ValidateRequest: ...' } }))!;
    expect(lines.join('\n')).toMatch(change);
    expect(lines.at(-1)).toBe(`  then         onboard retry ${ID} --force`);
  });

  it('an ONBOARDED account whose last run was rejected: the rejection decides', () => {
    expect(retryCannotHelp(item({ status: 'ONBOARDED', notice: { status: 'REJECTED', name: 'AccountNotActive', cause: 'x', at: '' } }))?.[0]).toMatch(/cannot help/);
  });

  it('a SKIPPED account: out of scope, start it once in scope', () => {
    expect(retryCannotHelp(item({ status: 'SKIPPED', trigger: 'MoveAccount', error: { name: 'AccountOutOfScope', cause: 'x' } }))?.at(-1)).toBe(`  then         onboard start ${ID}`);
  });

  it.each([['FAILED'], ['ONBOARDED'], ['IN_PROGRESS']])('a %s account can be retried', (status) => {
    expect(retryCannotHelp(item({ status, error: { name: 'AccessDenied', cause: 'x' } }))).toBeUndefined();
  });
});

describe('cliMessage', () => {
  it('names onboard start for an account never started', () => {
    expect(cliMessage({ name: 'OnboardingNotFound', message: 'Start one with POST /accounts and {"accountId": "444455556666"}.', details: { accountId: ID } })).toBe(
      `No onboarding of account ${ID} has been started: nothing to show or retry. Start one with: onboard start ${ID}`,
    );
  });

  it('rewords API routes in other messages', () => {
    expect(cliMessage({ name: 'X', message: `then POST /accounts/${ID}/retry; GET /accounts/${ID} shows it` })).toBe(`then onboard retry ${ID}; onboard status ${ID} shows it`);
  });
});

describe('formatView', () => {
  it("shows the per-account trail's migration beside the organization trail", () => {
    const v = {
      ...view('ONBOARDED'),
      record: { accountId: ID, status: 'ONBOARDED', startedAt: '', updatedAt: '', trailArn: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/cloudtrail-onboarding-org', accountTrail: { migration: 'waiting', detail: 'kept: nothing delivered yet' } },
    } as unknown as OnboardingView;
    expect(formatView(v).split('\n')).toEqual([
      `${ID}  ONBOARDED`,
      '  trail        arn:aws:cloudtrail:eu-west-1:111122223333:trail/cloudtrail-onboarding-org',
      '  old trail    waiting: kept: nothing delivered yet',
    ]);
  });
});
