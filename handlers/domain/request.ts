/**
 * The execution input and the account's eligibility: the only things a caller controls, so they
 * are checked strictly, and every rejection says what was wrong and what is expected.
 */
import * as z from 'zod';
import type { RuntimeConfig } from '../shared/config';
import { RUN_MODES, type RunMode } from './drift';
import {
  AccountNotActive,
  AccountNotAllowed,
  AccountNotFound,
  ConfigurationError,
  InvalidAccountId,
  InvalidRequest,
} from '../shared/errors';

/**
 * Largest accepted request, in UTF-8 bytes of its JSON. A valid request is ~30 bytes; the cap keeps
 * a runaway payload out of logs and the status table (Step Functions itself allows 256 KiB:
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions).
 */
export const MAX_REQUEST_BYTES = 4096;

/** What a request asks for: onboarding (and every re-run, repair, verification) or offboarding. */
export const REQUEST_ACTIONS = ['onboard', 'offboard'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

/** Longest offboarding `reason` kept (characters). */
export const MAX_REASON_LENGTH = 256;

/** What a valid request looks like, for messages. */
const EXPECTED = 'expected {"accountId": "<12-digit AWS account id>"}';

/**
 * An AWS account id: exactly 12 ASCII digits, given as a string (a number would lose leading zeros).
 * https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html
 */
const ACCOUNT_ID = /^[0-9]{12}$/;

/** The execution input. Strict: an unknown field is more likely a mistake than an extension. */
const OnboardingRequestSchema = z.strictObject({
  accountId: z.string().regex(ACCOUNT_ID),
  /** `apply` (default: onboard or repair) or `report` (verify only, write nothing). */
  mode: z.enum(RUN_MODES).optional(),
  /**
   * A time (ISO 8601, UTC, `Z`) before which the run reads nothing: the state machine waits for it
   * first. A reconcile started by a change event waits for the end of the event's minute, so one run
   * sees every change of that minute (handlers/start/reconcile.ts).
   */
  notBefore: z.iso.datetime().optional(),
  /** `onboard` (default) or `offboard`: the account leaves (handlers/steps/offboard-account.ts). */
  action: z.enum(REQUEST_ACTIONS).optional(),
  /** Offboarding only: why (the event, or who called), recorded on the status item. */
  reason: z.string().min(1).max(MAX_REASON_LENGTH).optional(),
});

/** A validated request. */
export type OnboardingRequest = z.infer<typeof OnboardingRequestSchema>;

/** A short, escaped rendering of a value for a message: safe to log, never huge. */
function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/** What is wrong with an account id, in words a person can act on. */
export function describeBadAccountId(value: unknown): string {
  if (value === null) return 'accountId is null; it must be a string of 12 digits';
  if (typeof value === 'number' || typeof value === 'bigint') {
    return 'accountId is a number; give it as a string of 12 digits in quotes (a number loses leading zeros), e.g. "012345678901"';
  }
  if (typeof value !== 'string') {
    return `accountId is ${Array.isArray(value) ? 'an array' : `of type ${typeof value}`}; it must be a string of 12 digits`;
  }
  if (value === '') return 'accountId is empty; it must be 12 digits';
  if (/\s/.test(value)) return `accountId ${preview(value)} contains spaces or other white space; remove them (12 digits, nothing else)`;
  if (/^[0-9]+$/.test(value)) return `accountId has ${value.length} digits; an AWS account id has exactly 12`;
  return `accountId ${preview(value)} contains characters other than the digits 0-9; it must be exactly 12 digits`;
}

/**
 * Validates the execution input.
 *
 * @returns the account id, exactly as given (never trimmed or padded: a near-miss is rejected, not guessed).
 * @throws InvalidRequest when the input is empty, not an object, has unknown or missing fields, or is too large.
 * @throws InvalidAccountId when `accountId` is not a string of exactly 12 digits.
 */
export function parseOnboardingRequest(input: unknown): { accountId: string; mode: RunMode; notBefore?: string; action: RequestAction; reason?: string } {
  if (input === undefined || input === null) throw new InvalidRequest(`The request is empty; ${EXPECTED}`);
  if (Array.isArray(input)) throw new InvalidRequest(`The request is an array; ${EXPECTED}`);
  if (typeof input !== 'object') throw new InvalidRequest(`The request is a ${typeof input}, not an object; ${EXPECTED}`);

  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
  } catch (e) {
    throw new InvalidRequest(`The request cannot be read as JSON (${(e as Error).message}); ${EXPECTED}`);
  }
  if (bytes > MAX_REQUEST_BYTES) {
    throw new InvalidRequest(`The request is ${bytes} bytes; at most ${MAX_REQUEST_BYTES} are accepted; ${EXPECTED}`, {
      bytes,
      limit: MAX_REQUEST_BYTES,
    });
  }

  const result = OnboardingRequestSchema.safeParse(input);
  if (result.success) {
    const { accountId, mode, notBefore, action, reason } = result.data;
    if (action === 'offboard') {
      // An offboarding removes; it has no report mode (onboard plan --offboard shows what it would change) and no change window.
      const extra = [mode !== undefined && mode !== 'apply' ? 'mode' : '', notBefore !== undefined ? 'notBefore' : ''].filter(Boolean);
      if (extra.length) throw new InvalidRequest(`An offboarding request takes only accountId, action and reason; remove ${extra.join(' and ')}`);
      return { accountId, mode: 'apply', action, ...(reason ? { reason } : {}) };
    }
    if (reason !== undefined) throw new InvalidRequest('reason is given only with "action": "offboard" (an onboarding records its own start)');
    return { accountId, mode: mode ?? 'apply', action: 'onboard', ...(notBefore ? { notBefore } : {}) };
  }
  const action = (input as Record<string, unknown>).action;
  if (action !== undefined && !(REQUEST_ACTIONS as readonly unknown[]).includes(action)) {
    throw new InvalidRequest(`The request's action is ${preview(action)}; it must be one of ${REQUEST_ACTIONS.map((a) => `"${a}"`).join(', ')} (or left out: "onboard")`);
  }
  const reason = (input as Record<string, unknown>).reason;
  if (reason !== undefined && result.error.issues.some((i) => i.path[0] === 'reason')) {
    throw new InvalidRequest(`The request's reason must be text of 1 to ${MAX_REASON_LENGTH} characters (received ${preview(reason)})`);
  }
  const notBefore = (input as Record<string, unknown>).notBefore;
  if (notBefore !== undefined && result.error.issues.some((i) => i.path[0] === 'notBefore')) {
    throw new InvalidRequest(`The request's notBefore is ${preview(notBefore)}; it must be an ISO 8601 UTC time such as "2026-12-01T15:01:10Z" (or left out)`);
  }
  const mode = (input as Record<string, unknown>).mode;
  if (mode !== undefined && !(RUN_MODES as readonly unknown[]).includes(mode)) {
    throw new InvalidRequest(`The request's mode is ${preview(mode)}; it must be one of ${RUN_MODES.map((m) => `"${m}"`).join(', ')} (or left out: "apply")`);
  }

  const unknownFields = result.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
  if (unknownFields.length) {
    throw new InvalidRequest(
      `The request has unknown field${unknownFields.length === 1 ? '' : 's'} ${unknownFields.map((k) => preview(k)).join(', ')}; ${EXPECTED}`,
      { unknownFields: unknownFields.map((k) => k.slice(0, 64)) },
    );
  }
  const accountId = (input as Record<string, unknown>).accountId;
  if (!Object.prototype.hasOwnProperty.call(input, 'accountId') || accountId === undefined) {
    throw new InvalidRequest(`The request has no accountId; ${EXPECTED}`);
  }
  throw new InvalidAccountId(`${describeBadAccountId(accountId)}. Example: {"accountId": "444455556666"}`, {
    field: 'accountId',
    receivedType: accountId === null ? 'null' : Array.isArray(accountId) ? 'array' : typeof accountId,
  });
}

/**
 * An account as AWS Organizations describes it. `State` replaced the retired `Status`.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_Account.html
 */
export interface OrgAccount {
  id: string;
  name?: string;
  state: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED' | 'PENDING_ACTIVATION' | (string & {});
}

/** What validation learnt about an eligible account. */
export interface EligibleAccount {
  accountId: string;
  accountName?: string;
}

/**
 * Decides whether an account may be onboarded. Checked in this order:
 * 1. the management and log-archive accounts only when the configuration allows them;
 * 2. with Organizations configured, the account must be in the organization and ACTIVE.
 *
 * @param orgAccount - the Organizations record: `undefined` when Organizations is not configured
 *   (not looked up), `null` when the organization does not know the account.
 * @throws AccountNotAllowed, AccountNotFound, AccountNotActive.
 * @throws ConfigurationError when `organizationId` is configured but the account was not looked up
 *   (fails closed rather than skip the check).
 */
export function checkEligibility(
  accountId: string,
  config: RuntimeConfig,
  orgAccount: OrgAccount | null | undefined,
): EligibleAccount {
  if (accountId === config.managementAccountId && !config.allowManagementAccount) {
    throw new AccountNotAllowed(
      `Account ${accountId} is the Organizations management account; onboarding it is off. Set allowManagementAccount: true in the configuration to allow it.`,
      { accountId, configKey: 'allowManagementAccount' },
    );
  }
  if (accountId === config.logArchiveAccountId && !config.allowLogArchiveAccount) {
    throw new AccountNotAllowed(
      `Account ${accountId} is the log-archive account that holds the central bucket and key; onboarding it is off. Set allowLogArchiveAccount: true in the configuration to allow it.`,
      { accountId, configKey: 'allowLogArchiveAccount' },
    );
  }
  if (config.organizationId === undefined) return orgAccount?.name ? { accountId, accountName: orgAccount.name } : { accountId };

  if (orgAccount === undefined) {
    throw new ConfigurationError(
      `organizationId ${config.organizationId} is configured but account ${accountId} was not looked up in Organizations`,
      { accountId },
    );
  }
  if (orgAccount === null) {
    throw new AccountNotFound(
      `Account ${accountId} is not in organization ${config.organizationId}. Check the id, or invite the account into the organization first.`,
      { accountId, organizationId: config.organizationId },
    );
  }
  if (orgAccount.state !== 'ACTIVE') {
    const label = orgAccount.name ? `${accountId} (${orgAccount.name})` : accountId;
    const advice =
      orgAccount.state === 'PENDING_ACTIVATION'
        ? 'Start the onboarding again once the account is ACTIVE.'
        : 'Only ACTIVE accounts can be onboarded.';
    throw new AccountNotActive(`Account ${label} is ${orgAccount.state} in Organizations. ${advice}`, {
      accountId,
      state: orgAccount.state,
    });
  }
  return orgAccount.name ? { accountId, accountName: orgAccount.name } : { accountId };
}
