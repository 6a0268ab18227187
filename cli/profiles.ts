/**
 * `onboard profiles`: a ready `~/.aws/config` fragment for the onboarded accounts (issue 14). For each
 * account a switch profile `<prefix>-<name>-audit` (the switch role, assumed from the security
 * principal's profile, `--source-profile`) and a reader profile `<prefix>-<name>-logs` (the reader role,
 * assumed from the account's own profile). The AWS CLI resolves such a profile by taking the
 * credentials of `source_profile` and calling AssumeRole of `role_arn` with them.
 * https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-role.html
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html
 *
 * Assumption (README "Getting in"): each account's own credentials are in a profile named after the
 * account (its safe name, the same as in the profile names, e.g. `prod-payments`); the fragment lists
 * the profiles it relies on in its header. Settings left out on purpose: `external_id` (the roles'
 * trust policies ask for none), `duration_seconds` (a session assumed with another role's credentials
 * lasts at most an hour, and the default is that hour: a longer one would fail a chained profile).
 */
import { DescribeAccountCommand } from '@aws-sdk/client-organizations';
import type { Backend } from './context';
import type { Io } from './format';
import { UsageError } from './operator';
import { parseOnboardingRequest } from '../handlers/domain/request';
import { consoleLinks, logFilesAccess, parseRoleArn, type ConsoleLinks, type LogFilesAccess } from '../handlers/domain/access-links';
import { AccountStatus, type AccountStatusItem } from '../handlers/adapters/status-store';
import type { RuntimeConfig } from '../handlers/shared/config';

/** Which profiles to print. */
export const PROFILE_KINDS = ['switch', 'reader', 'all'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** Options of `onboard profiles`. */
export interface ProfilesCliOptions {
  readonly sourceProfile: string;
  readonly kind: ProfileKind;
  readonly prefix: string;
  readonly json?: boolean;
}

/** Default of `--source-profile`: the security principal's profile. */
export const DEFAULT_SOURCE_PROFILE = 'security';
/** Default of `--prefix`. */
export const DEFAULT_PROFILE_PREFIX = 'ct';

/** One printed profile. */
export interface AwsProfile {
  readonly name: string;
  readonly kind: 'switch' | 'reader';
  readonly accountId: string;
  readonly roleArn: string;
  readonly sourceProfile: string;
  /** Shown in the role's CloudTrail events as the session name. */
  readonly roleSessionName: string;
}

/** An onboarded account as the fragment needs it. */
export interface ProfileAccount {
  readonly accountId: string;
  /** The account's name in Organizations, where known. */
  readonly name?: string;
  readonly switchRoleArn: string;
  readonly readerRoleArn: string;
}

/** One account's part of the output. */
export interface AccountAccess {
  readonly accountId: string;
  readonly name?: string;
  /** The profile with the account's own credentials that the reader role is assumed from. */
  readonly accountProfile: string;
  readonly profiles: readonly AwsProfile[];
  readonly consoleLinks: ConsoleLinks;
  readonly logFiles: LogFilesAccess;
}

/** What `profiles --json` prints; the text is rendered from it. */
export interface ProfilesOutput {
  readonly profiles: readonly AwsProfile[];
  /** Profiles the fragment's `source_profile`s name that it does not define (they must exist already). */
  readonly requiredProfiles: readonly string[];
  readonly accounts: readonly AccountAccess[];
  /** Accounts asked for (or in the table) that are not ONBOARDED. */
  readonly leftOut: readonly { readonly accountId: string; readonly status: string }[];
}

/** A profile's name part: lowercase, [a-z0-9-] only, no leading, trailing or doubled dashes. */
export function safeName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Each account's name part: its Organizations name made safe (its id without one), with `-<id>`
 * appended when two accounts would get the same one.
 */
export function accountSlugs(accounts: readonly Pick<ProfileAccount, 'accountId' | 'name'>[]): Map<string, string> {
  const base = new Map(accounts.map((a) => [a.accountId, safeName(a.name ?? '') || a.accountId]));
  const counts = new Map<string, number>();
  for (const slug of base.values()) counts.set(slug, (counts.get(slug) ?? 0) + 1);
  return new Map([...base].map(([id, slug]) => [id, counts.get(slug)! > 1 && slug !== id ? `${slug}-${id}` : slug]));
}

/** Role session names: 2-64 of [\w+=,.@-] (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). */
function sessionName(profile: string): string {
  return profile.slice(0, 64);
}

/**
 * The profiles and commands for the accounts (pure). With the shared reader role there is no reader
 * profile: its trust needs the session tag naming the account, which no profile setting passes; its
 * commands (aws sts assume-role --tags ...) are given instead.
 */
export function buildProfiles(
  config: Pick<RuntimeConfig, 'trailMode' | 'logPrefix' | 'organizationId' | 'managementAccountId' | 'bucketName' | 'homeRegion' | 'readerAccess'>,
  accounts: readonly ProfileAccount[],
  o: Pick<ProfilesCliOptions, 'sourceProfile' | 'kind' | 'prefix'>,
): Omit<ProfilesOutput, 'leftOut'> {
  const prefix = safeName(o.prefix);
  const slugs = accountSlugs(accounts);
  const shared = config.readerAccess.mode === 'shared';
  const sorted = [...accounts].sort((a, b) => slugs.get(a.accountId)!.localeCompare(slugs.get(b.accountId)!));
  const out = sorted.map((a): AccountAccess => {
    const slug = slugs.get(a.accountId)!;
    const base = prefix ? `${prefix}-${slug}` : slug;
    const profiles: AwsProfile[] = [];
    if (o.kind !== 'reader') {
      profiles.push({ name: `${base}-audit`, kind: 'switch', accountId: a.accountId, roleArn: a.switchRoleArn, sourceProfile: o.sourceProfile, roleSessionName: sessionName(`${base}-audit`) });
    }
    if (o.kind !== 'switch' && !shared) {
      profiles.push({ name: `${base}-logs`, kind: 'reader', accountId: a.accountId, roleArn: a.readerRoleArn, sourceProfile: slug, roleSessionName: sessionName(`${base}-logs`) });
    }
    const readerProfile = profiles.find((p) => p.kind === 'reader')?.name;
    return {
      accountId: a.accountId,
      ...(a.name !== undefined ? { name: a.name } : {}),
      accountProfile: slug,
      profiles,
      consoleLinks: consoleLinks(config, a, a.name),
      logFiles: logFilesAccess(config, { accountId: a.accountId, readerRoleArn: a.readerRoleArn, accountProfile: slug, ...(readerProfile ? { readerProfile } : {}) }),
    };
  });
  const profiles = out.flatMap((a) => a.profiles);
  const defined = new Set(profiles.map((p) => p.name));
  const needed = new Set<string>();
  for (const p of profiles) if (!defined.has(p.sourceProfile)) needed.add(p.sourceProfile);
  // The shared reader role's commands start from the account's own profile too.
  if (shared && o.kind !== 'switch') for (const a of out) needed.add(a.accountProfile);
  return { profiles, requiredProfiles: [...needed].sort(), accounts: out };
}

/** The `~/.aws/config` fragment: one `[profile <name>]` section per profile, the rest as comments. */
export function formatProfiles(p: ProfilesOutput, o: Pick<ProfilesCliOptions, 'kind'>, shared: boolean): string {
  const lines = ['# onboard profiles: add to ~/.aws/config.', `# Expects these profiles to exist already: ${p.requiredProfiles.join(', ') || '(none)'}`];
  for (const a of p.accounts) {
    lines.push('', `# ${a.accountId}${a.name ? ` (${a.name})` : ''}`);
    if (a.consoleLinks.switchRole && o.kind !== 'reader') lines.push(`# console, switch role: ${a.consoleLinks.switchRole}`);
    if (a.consoleLinks.readerRole && o.kind !== 'switch') lines.push(`# console, reader role: ${a.consoleLinks.readerRole}`);
    for (const pr of a.profiles) {
      lines.push(`[profile ${pr.name}]`, `role_arn = ${pr.roleArn}`, `source_profile = ${pr.sourceProfile}`, `role_session_name = ${pr.roleSessionName}`);
    }
    if (o.kind !== 'switch') {
      if (shared) {
        lines.push(
          `# No reader profile: the shared reader role needs the session tag ${a.logFiles.sessionTag?.key}=${a.accountId}, and AWS CLI profiles have no setting for session tags.`,
          '# Read the logs with these commands (bash) instead:',
        );
      } else {
        lines.push('# Read the logs:');
      }
      for (const c of a.logFiles.commands) lines.push(`#   ${c}`);
    }
  }
  return lines.join('\n');
}

/** The account's name in Organizations, or undefined when Organizations cannot tell (not allowed, not a member). */
async function accountName(backend: Backend, accountId: string): Promise<string | undefined> {
  try {
    return (await backend.organizations().send(new DescribeAccountCommand({ AccountId: accountId }))).Account?.Name;
  } catch {
    return undefined;
  }
}

/** The status items asked for (all of the table without ids). */
async function itemsOf(backend: Backend, accountIds: readonly string[]): Promise<{ items: AccountStatusItem[]; unknown: string[] }> {
  if (!accountIds.length) return { items: await backend.status.listAccounts({}), unknown: [] };
  const ids = [...new Set(accountIds.map((id) => parseOnboardingRequest({ accountId: id }).accountId))];
  const found = await Promise.all(ids.map(async (id) => [id, await backend.status.getAccount(id)] as const));
  return { items: found.flatMap(([, i]) => (i ? [i] : [])), unknown: found.filter(([, i]) => !i).map(([id]) => id) };
}

/** The reader role's ARN: the item's, or (shared mode) the shared role's when the item holds only its name. */
function readerArnOf(config: RuntimeConfig, item: Pick<AccountStatusItem, 'readerRoleArn'>): string | undefined {
  const arn = item.readerRoleArn;
  if (arn && parseRoleArn(arn)) return arn;
  return config.readerAccess.mode === 'shared' ? config.sharedReaderRoleArn : undefined;
}

/** Runs `onboard profiles`; returns the exit code (0; 1 when none of the accounts asked for is onboarded). */
export async function runProfiles(backend: Backend, accountIds: readonly string[], o: ProfilesCliOptions, io: Io): Promise<number> {
  if (!/^[\w+=,.@-]{1,64}$/.test(o.sourceProfile)) throw new UsageError(`--source-profile: must be a profile name of [A-Za-z0-9_+=,.@-] (received ${JSON.stringify(o.sourceProfile)})`);
  const { items, unknown } = await itemsOf(backend, accountIds);
  const leftOut = [...unknown.map((accountId) => ({ accountId, status: 'UNKNOWN' })), ...items.filter((i) => i.status !== AccountStatus.Onboarded).map((i) => ({ accountId: i.accountId, status: i.status }))];
  const onboarded: ProfileAccount[] = [];
  for (const i of items.filter((x) => x.status === AccountStatus.Onboarded)) {
    const readerRoleArn = readerArnOf(backend.config, i);
    if (!i.switchRoleArn || !readerRoleArn) {
      leftOut.push({ accountId: i.accountId, status: `${i.status} without role ARNs` });
      continue;
    }
    const name = await accountName(backend, i.accountId);
    onboarded.push({ accountId: i.accountId, ...(name ? { name } : {}), switchRoleArn: i.switchRoleArn, readerRoleArn });
  }
  for (const l of leftOut.sort((a, b) => a.accountId.localeCompare(b.accountId))) io.err(`left out: ${l.accountId} is ${l.status === 'UNKNOWN' ? 'not in the status table' : l.status}, not ONBOARDED`);
  const output: ProfilesOutput = { ...buildProfiles(backend.config, onboarded, o), leftOut };
  io.out(o.json ? JSON.stringify(output, null, 2) : formatProfiles(output, o, backend.config.readerAccess.mode === 'shared'));
  return onboarded.length || !accountIds.length ? 0 : 1;
}

/**
 * What `onboard status` shows of getting in, for an ONBOARDED account: its console links and the
 * commands that read its logs, named as `onboard profiles` (default options) names the profiles.
 */
export async function statusAccess(backend: Backend, item: Omit<AccountStatusItem, 'pk'> | undefined): Promise<AccountAccess | undefined> {
  if (!item || item.status !== AccountStatus.Onboarded || !item.switchRoleArn) return undefined;
  const readerRoleArn = readerArnOf(backend.config, item);
  if (!readerRoleArn) return undefined;
  const name = await accountName(backend, item.accountId);
  const account = { accountId: item.accountId, ...(name ? { name } : {}), switchRoleArn: item.switchRoleArn, readerRoleArn };
  return buildProfiles(backend.config, [account], { sourceProfile: DEFAULT_SOURCE_PROFILE, kind: 'all', prefix: DEFAULT_PROFILE_PREFIX }).accounts[0];
}
