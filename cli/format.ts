/**
 * Text output of the CLI: plain lines that read well in a terminal and in a CI log alike.
 */
import type { AccountStatusItem } from '../handlers/adapters/status-store';
import type { RuntimeConfig } from '../handlers/shared/config';
import type { OnboardingView, StepSummary } from '../handlers/start';
import { isRejection, whatMustChange } from '../handlers/domain/rejection';
import type { OffboardAccountPlan, OffboardingPlan, OffboardPolicyEffect, OnboardingPlan, PolicyPlan } from './plan';
import { offboardingNamePrefix } from '../handlers/start/offboarding';
import type { ConsoleLinks, LogFilesAccess } from '../handlers/domain/access-links';

/** Where output goes (stdout and stderr in the binary; buffers in tests). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const n = (x: number) => x.toLocaleString('en-US');

/** One step of a followed execution. */
export function formatStepLine(s: StepSummary): string {
  const retried = s.retries ? ` (retried ${s.retries}x after ${[...new Set(s.errors)].join(', ')})` : '';
  switch (s.status) {
    case 'RUNNING':
      return `  … ${s.state}${s.errors.length ? ` retrying after ${s.errors.at(-1)}` : ''}`;
    case 'SUCCEEDED':
      return `  ✓ ${s.state}${retried}`;
    case 'FAILED':
      return `  ✗ ${s.state}: ${s.error ?? 'failed'}`;
    default:
      return `  - ${s.state}: ${s.status}`;
  }
}

/** An account's onboarding: status, execution, steps, resources, error. */
/** Getting into an onboarded account (cli/profiles.ts statusAccess): what `status` adds under the roles. */
export interface StatusAccess {
  readonly consoleLinks: ConsoleLinks;
  readonly logFiles: LogFilesAccess;
  readonly profiles: readonly { readonly name: string; readonly kind: string }[];
}

export function formatView(v: OnboardingView, access?: StatusAccess): string {
  const lines = [`${v.accountId}  ${v.status}`];
  if (v.execution) {
    const x = v.execution;
    lines.push(`  execution    ${x.executionName} ${x.status}${x.redriveCount ? ` (redriven ${x.redriveCount}x)` : ''}`);
    if (x.startDate) lines.push(`  started      ${x.startDate}${x.stopDate ? `, ended ${x.stopDate}` : ''}`);
  }
  const r = v.record;
  const offboardingRun = isOffboardingRun(v);
  if (offboardingRun && r?.offboarding) lines.push(...offboardingLines(r.offboarding, v.status));
  // An offboarded account's resources are gone (or listed as left behind): their ARNs on the item are history.
  if (v.status === 'OFFBOARDED') return [...lines, ...stepLines(v)].join('\n');
  if (r?.switchRoleArn) lines.push(`  switch role  ${r.switchRoleArn}`);
  if (r?.trailArn) lines.push(`  trail        ${r.trailArn}`);
  // migrateAccountTrails: the per-account trail beside the organization trail (kept, removed, not ours).
  if (r?.accountTrail) lines.push(`  old trail    ${r.accountTrail.migration}: ${r.accountTrail.detail}`);
  if (r?.readerRoleArn) lines.push(`  reader role  ${r.readerRoleArn}`);
  if (access) lines.push(...accessLines(access));
  if (r?.health) lines.push(`  health       ${r.health}${r.lastVerifiedAt ? ` (last verified ${r.lastVerifiedAt})` : ''}`);
  for (const d of r?.drift ?? []) lines.push(`    ${r?.health === 'REPAIRED' ? 'repaired' : 'drift'}  ${d.resource} ${d.code}: ${d.detail}`);
  lines.push(...stepLines(v));
  if (r?.notice) {
    const n = r.notice;
    lines.push(`  notice       ${n.status} at ${n.at}${n.trigger ? ` (event ${n.trigger})` : ''}, status kept: ${n.name}: ${n.cause}`);
  }
  const rejectedName = v.status === 'REJECTED' ? r?.error?.name : v.execution?.status === 'FAILED' && isRejection(v.execution.error) ? v.execution.error : undefined;
  if (v.status === 'SKIPPED' && r?.error) {
    lines.push(`  skipped      ${r.trigger ? `event ${r.trigger}: ` : ''}${r.error.name}`);
    lines.push(`  cause        ${r.error.cause}`);
    lines.push(`  to onboard   ${whatMustChange('AccountOutOfScope', v.accountId)}; an event of the account (a move into scope) then starts it, or: onboard start ${v.accountId}`);
    return lines.join('\n');
  }
  if (rejectedName && isRejection(rejectedName)) {
    const cause = (v.status === 'REJECTED' ? r?.error?.cause : undefined) ?? v.execution?.cause;
    lines.push(`  rejected     ValidateRequest: ${rejectedName}`);
    if (cause) lines.push(`  cause        ${cause}`);
    lines.push(`  to onboard   ${whatMustChange(rejectedName, v.accountId)}; then: onboard retry ${v.accountId} --force`);
    return lines.join('\n');
  }
  const failed = v.execution?.status === 'FAILED' || v.status === 'FAILED';
  if (failed) {
    const step = r?.error?.step ?? v.steps.find((s) => s.status === 'FAILED')?.state;
    const error = r?.error?.name ?? v.execution?.error;
    const cause = r?.error?.cause ?? v.execution?.cause;
    lines.push(`  failed at    ${step ?? 'unknown step'}: ${error ?? 'unknown error'}`);
    if (cause) lines.push(`  cause        ${cause}`);
    // A failed offboarding is run again as an offboarding: a retry would onboard the account again.
    lines.push(`  re-run with  ${offboardingRun ? `onboard offboard ${v.accountId}` : `onboard retry ${v.accountId}`}`);
  }
  return lines.join('\n');
}

/** Console links, profiles (onboard profiles) and the commands that read the account's own logs. */
function accessLines(a: StatusAccess): string[] {
  const lines: string[] = [];
  if (a.consoleLinks.switchRole) lines.push(`  console      switch role: ${a.consoleLinks.switchRole}`);
  if (a.consoleLinks.readerRole) lines.push(`  console      reader role: ${a.consoleLinks.readerRole}`);
  if (a.profiles.length) lines.push(`  profiles     ${a.profiles.map((p) => p.name).join(', ')} (onboard profiles prints them)`);
  lines.push(`  log files    s3://${a.logFiles.bucket}/${a.logFiles.prefix} (${a.logFiles.region})`);
  if (a.logFiles.sessionTag) lines.push(`    the shared reader role needs the session tag ${a.logFiles.sessionTag.key}=${a.logFiles.sessionTag.value}: no profile can pass it, so assume it first (bash):`);
  for (const c of a.logFiles.commands) lines.push(`    ${c}`);
  return lines;
}

/** The steps of the latest execution, indented under `steps`. */
function stepLines(v: OnboardingView): string[] {
  return v.steps.length ? ['  steps', ...v.steps.map((s) => `  ${formatStepLine(s)}`)] : [];
}

/** True when the account's latest run is an offboarding (its name: handlers/start/offboarding.ts), or its status says so. */
export function isOffboardingRun(v: Pick<OnboardingView, 'accountId' | 'status' | 'execution'>): boolean {
  return v.status === 'OFFBOARDED' || v.status === 'OFFBOARDING' || (v.execution?.executionName.startsWith(offboardingNamePrefix(v.accountId)) ?? false);
}

type OffboardingRecord = NonNullable<AccountStatusItem['offboarding']>;

/** An offboarding's record: why, when, what was removed, what was left behind and why, a kept reader role. */
function offboardingLines(o: OffboardingRecord, status: string): string[] {
  const lines = [`  reason       ${o.reason}`];
  lines.push(o.offboardedAt ? `  offboarded   ${o.offboardedAt} (asked ${o.startedAt})` : `  offboarding  since ${o.startedAt}${status === 'OFFBOARDING' ? '' : ', not finished'}`);
  if (o.removed) lines.push(`  removed      ${o.removed.length ? o.removed.join(', ') : 'nothing by this run (already gone)'}`);
  if (o.leftBehind?.length === 0) lines.push('  left behind  nothing');
  for (const l of o.leftBehind ?? []) lines.push(`  left behind  ${l.resource}: ${l.reason}`);
  if (o.readerRoleKeptUntil) lines.push(`  reader role  kept until ${o.readerRoleKeptUntil}`);
  return lines;
}

/** An offboarding's record in one line (the list's last column). */
function offboardingSummary(o: OffboardingRecord): string {
  const parts = [o.offboardedAt ? `offboarded ${o.offboardedAt}: ${o.reason}` : `offboarding since ${o.startedAt}: ${o.reason}`];
  if (o.removed?.length) parts.push(`removed ${o.removed.join(', ')}`);
  if (o.leftBehind?.length) parts.push(`left behind ${o.leftBehind.map((l) => l.resource).join(', ')}`);
  if (o.readerRoleKeptUntil) parts.push(`reader role kept until ${o.readerRoleKeptUntil}`);
  return parts.join('; ');
}

/**
 * Why an account is REJECTED or SKIPPED (the cause, and the event of a skip), or what a rejection or
 * skip noted on an account that kept its status; empty otherwise (a FAILED account's cause is in `status`).
 */
export function causeOf(r: Omit<AccountStatusItem, 'pk'>): string {
  if ((r.status === 'OFFBOARDED' || r.status === 'OFFBOARDING') && r.offboarding) return offboardingSummary(r.offboarding);
  if ((r.status === 'REJECTED' || r.status === 'SKIPPED') && r.error) return `${r.trigger ? `${r.trigger}: ` : ''}${r.error.cause}`;
  if (r.notice) return `${r.notice.status} ${r.notice.at} (${r.notice.trigger ?? r.notice.executionArn?.split(':').pop() ?? ''}) ${r.notice.name}: ${r.notice.cause}`;
  return '';
}

/**
 * The status table as a table; REJECTED and SKIPPED accounts (and notices) with their cause in the last
 * column, OFFBOARDED and OFFBOARDING ones with why, when, what was removed and what was left behind.
 */
export function formatAccountList(rows: readonly Omit<AccountStatusItem, 'pk'>[]): string {
  if (!rows.length) return 'no accounts';
  const header = ['ACCOUNT', 'STATUS', 'UPDATED', 'EXECUTION', 'ERROR', 'CAUSE'];
  const table = rows.map((r) => [
    r.accountId,
    r.status,
    r.updatedAt,
    r.executionArn?.split(':').pop() ?? '-',
    r.error ? `${r.error.step ? `${r.error.step}: ` : ''}${r.error.name}` : '',
    causeOf(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [fmt(header), ...table.map(fmt)].join('\n');
}

function policyLine(name: string, p: PolicyPlan): string {
  const pct = ((100 * p.bytes) / p.limit).toFixed(1);
  return `${name}: ${p.changed ? 'changes' : 'unchanged'}, ${n(p.bytes)} of ${n(p.limit)} bytes (${pct}%), grants ${n(p.accounts)} account${p.accounts === 1 ? '' : 's'}`;
}

/** A plan: both shared policies with their diffs, and what each account gets. */
export function formatPlan(plan: OnboardingPlan, config: RuntimeConfig): string {
  const ids = Object.keys(plan.accounts);
  const lines = [`Plan for ${ids.length} account${ids.length === 1 ? '' : 's'}`, ''];
  lines.push(policyLine(`Bucket policy (${config.bucketName})`, plan.bucketPolicy));
  if (plan.bucketPolicy.diff) lines.push(plan.bucketPolicy.diff.trimEnd());
  lines.push('', policyLine(`Key policy (${config.keyArn})`, plan.keyPolicy));
  if (plan.keyPolicy.diff) lines.push(plan.keyPolicy.diff.trimEnd());
  lines.push('', 'Accounts (full documents: --json)');
  for (const [id, a] of Object.entries(plan.accounts)) {
    lines.push(`  ${id}`);
    lines.push(`    switch role  ${a.switchRole.roleArn} (managed: ${a.switchRole.managedPolicyArns.map((p) => p.split('/').pop()).join(', ')})`);
    lines.push(`    reader role  ${a.readerRole.roleArn} (inline: ${Object.keys(a.readerRole.inlinePolicies).join(', ')})`);
    lines.push(`    trail        arn:${config.partition}:cloudtrail:${config.homeRegion}:${id}:trail/${a.trail.name} -> s3://${a.trail.s3BucketName}/${a.trail.s3KeyPrefix ? `${a.trail.s3KeyPrefix}/` : ''}AWSLogs/${id}/`);
  }
  return lines.join('\n');
}

/** What an offboarding does to a shared policy, in words. */
const EFFECT_TEXT: Record<OffboardPolicyEffect, string> = {
  withdrawn: "the account's grant is withdrawn",
  'not-listed': 'the policy does not list the account: nothing to withdraw',
  'granted-organization-wide': 'the policy grants the organization as a whole (aws:SourceOrgID) and names no account: the grant stays',
};

function readerRoleText(r: OffboardAccountPlan['readerRole']): string {
  if (r.fate === 'shared') return 'the shared reader role: nothing per account (an account out of the organization no longer matches its trust)';
  if (r.fate === 'kept') return `${r.roleArn} kept ${r.keptForDays} day${r.keptForDays === 1 ? '' : 's'} (offboarding.keepReaderRoleDays), then deleted by a later offboarding run`;
  return `${r.roleArn} deleted`;
}

/** An offboarding plan: both shared policies with their diffs, and what else goes. */
export function formatOffboardPlan(plan: OffboardingPlan, config: RuntimeConfig): string {
  const [[id, a]] = Object.entries(plan.accounts);
  const lines = [`Plan: offboard ${id}`, ''];
  lines.push(policyLine(`Bucket policy (${config.bucketName})`, plan.bucketPolicy), `  ${EFFECT_TEXT[a.bucketPolicy]}`);
  if (plan.bucketPolicy.diff) lines.push(plan.bucketPolicy.diff.trimEnd());
  lines.push('', policyLine(`Key policy (${config.keyArn})`, plan.keyPolicy), `  ${EFFECT_TEXT[a.keyPolicy]}`);
  if (plan.keyPolicy.diff) lines.push(plan.keyPolicy.diff.trimEnd());
  lines.push('', `Account ${id}: deleted where present and tagged as the service's (the plan does not read the account)`);
  lines.push(`  trail          ${a.deletes.trail}`);
  lines.push(`  switch role    ${a.deletes.switchRole}`);
  lines.push(`  change rules   ${a.deletes.changeRules.join(', ')}, and their role ${a.deletes.changeForwarderRole}`);
  lines.push(`  reader role    ${readerRoleText(a.readerRole)}`);
  lines.push('  log files      none: the logs stay in the bucket under its retention');
  return lines.join('\n');
}
