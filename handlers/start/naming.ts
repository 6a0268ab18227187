/**
 * Execution names and input: derived from the request alone, so every way in (API, EventBridge
 * event, CLI) asks Step Functions for the same execution, and a duplicate start never begins a
 * second onboarding.
 *
 * Step Functions treats StartExecution with the name of an open execution as idempotent only when
 * the input is identical too, so the input text is built here, once, for every caller.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */

/** Prefix of every execution name of an account: `onboard-<accountId>`. */
export const EXECUTION_NAME_PREFIX = 'onboard-';

/** Separator of a retry's number: `onboard-<accountId>-retry-<n>`. */
const RETRY_INFIX = '-retry-';

/**
 * The name of an account's first onboarding execution: `onboard-<accountId>`. Names may hold
 * 0-9, A-Z, a-z, `-` and `_` and still be logged by CloudWatch; at most 80 characters.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html#StepFunctions-StartExecution-request-name
 */
export function executionNameFor(accountId: string): string {
  return `${EXECUTION_NAME_PREFIX}${accountId}`;
}

/**
 * The name of the account's `n`-th re-run (n >= 1): `onboard-<accountId>-retry-<n>`. Two operators
 * retrying at once compute the same `n`, so Step Functions runs one execution for both.
 */
export function retryExecutionNameFor(accountId: string, n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`retry number must be an integer >= 1, got ${n}`);
  return `${executionNameFor(accountId)}${RETRY_INFIX}${n}`;
}

/**
 * Which run of the account an execution name is: 0 for `onboard-<id>`, n for `onboard-<id>-retry-<n>`,
 * `undefined` for any other name (another account's, or one this service did not choose).
 */
export function runNumberOf(accountId: string, name: string): number | undefined {
  const base = executionNameFor(accountId);
  if (name === base) return 0;
  if (!name.startsWith(base + RETRY_INFIX)) return undefined;
  const n = name.slice(base.length + RETRY_INFIX.length);
  return /^[1-9][0-9]{0,5}$/.test(n) ? Number(n) : undefined;
}

/** The execution input, as JSON text: exactly `{"accountId":"<id>"}` for every way in. */
export function executionInputFor(accountId: string): string {
  return JSON.stringify({ accountId });
}

/** True when `input` (an execution's input text) is this service's input for `accountId`. */
export function isInputFor(accountId: string, input: string | undefined): boolean {
  if (input === undefined) return true; // not returned (e.g. input not included): nothing says otherwise
  try {
    const parsed = JSON.parse(input) as unknown;
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.keys(parsed).length === 1 &&
      (parsed as { accountId?: unknown }).accountId === accountId
    );
  } catch {
    return false;
  }
}
