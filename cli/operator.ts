/**
 * The CLI's answers where the API's would not do for an operator: the exit code of a status, whether
 * a retry can help, the input files of `plan`, and errors reworded in CLI commands.
 */
import { readFileSync } from 'node:fs';
import type { AccountStatusItem } from '../handlers/adapters/status-store';
import { isRejection, whatMustChange } from '../handlers/domain/rejection';
import type { OnboardingView } from '../handlers/start';
import { offboardingNamePrefix } from '../handlers/start/offboarding';

/** Bad usage or input the CLI itself detects (exit code 2): the message names the option or file and the problem. */
export class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

/**
 * The exit code of `status`, the same with and without `--json`: 1 when the account is FAILED or
 * REJECTED (or its latest run failed), 0 otherwise (ONBOARDED, IN_PROGRESS, SKIPPED: out of scope is no failure).
 */
export function statusExitCode(view: OnboardingView): 0 | 1 {
  if (view.status === 'FAILED' || view.status === 'REJECTED') return 1;
  if (view.status === 'IN_PROGRESS' && view.execution && ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(view.execution.status)) return 1;
  return 0;
}

/**
 * Why a retry of the account cannot help, as the lines to print, or undefined when it can: the
 * account is REJECTED (or an ONBOARDED account's last run was rejected) for a reason a run does not
 * change, or SKIPPED (out of scope); or it was offboarded, or its offboarding did not finish (a retry
 * would onboard it again). The lines name what would have to change and how to go on.
 */
export function retryCannotHelp(item: Omit<AccountStatusItem, 'pk'> | undefined): string[] | undefined {
  if (!item) return undefined;
  const id = item.accountId;
  const rejection = item.status === 'REJECTED' ? item.error : item.notice?.status === 'REJECTED' ? item.notice : undefined;
  if (rejection && isRejection(rejection.name)) {
    return [
      `A retry of ${id} cannot help: it was rejected (${rejection.name}) and a retry runs the same checks.`,
      `  cause        ${rejection.cause}`,
      `  to onboard   ${whatMustChange(rejection.name, id)}`,
      `  then         onboard retry ${id} --force`,
    ];
  }
  // A retry re-runs the onboarding: after an offboarding that would put the account back, which no one asked for.
  if (item.status === 'OFFBOARDED') {
    return [
      `A retry of ${id} would onboard it again: it was offboarded${item.offboarding?.offboardedAt ? ` at ${item.offboarding.offboardedAt}` : ''} (${item.offboarding?.reason ?? 'no reason recorded'}).`,
      `  to onboard   onboard start ${id} (a fresh onboarding, every check as usual)`,
      `  to finish    onboard offboard ${id} (runs the offboarding again: deletes a kept reader role once its days are over)`,
    ];
  }
  const lastRun = item.executionArn?.split(':').pop() ?? '';
  if ((item.status === 'FAILED' || item.status === 'OFFBOARDING') && lastRun.startsWith(offboardingNamePrefix(id))) {
    return [
      `A retry of ${id} would onboard it again: its last run was an offboarding (${lastRun}, ${item.status}).`,
      `  to finish    onboard offboard ${id} (every part of it is idempotent: what is gone stays gone)`,
      `  to onboard   onboard retry ${id} --force`,
    ];
  }
  if (item.status === 'SKIPPED' && item.error) {
    return [
      `A retry of ${id} cannot help: it is out of the configured scope (SKIPPED${item.trigger ? ` after ${item.trigger}` : ''}).`,
      `  cause        ${item.error.cause}`,
      `  to onboard   ${whatMustChange('AccountOutOfScope', id)}`,
      `  then         onboard start ${id}`,
    ];
  }
  return undefined;
}

/** The text of an input file (`plan --bucket-policy <file>`): a usage error naming the option, the file and the problem. */
export function readJsonFile(option: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`${option} ${file}: cannot read the file (${why})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${option} ${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${option} ${file}: expected a JSON object (a policy document), found ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}`);
  }
  return text;
}

/**
 * The message of an error from the shared start paths, in CLI words: the API's "POST /accounts and
 * {"accountId": ...}" becomes the `onboard` command that does it.
 */
export function cliMessage(e: { name: string; message: string; details?: Record<string, unknown> }): string {
  const id = typeof e.details?.accountId === 'string' ? e.details.accountId : '<account-id>';
  if (e.name === 'OnboardingNotFound') return `No onboarding of account ${id} has been started: nothing to show or retry. Start one with: onboard start ${id}`;
  return e.message.replace(/POST \/accounts\/(\d{12})\/retry/g, 'onboard retry $1').replace(/POST \/accounts and \{"accountId": "(\d{12})"\}/g, 'onboard start $1').replace(/GET \/accounts\/(\d{12})/g, 'onboard status $1');
}
