/**
 * Text output of the CLI: plain lines that read well in a terminal and in a CI log alike.
 */
import type { AccountStatusItem } from '../handlers/adapters/status-store';
import type { RuntimeConfig } from '../handlers/shared/config';
import type { OnboardingView, StepSummary } from '../handlers/start';
import { isRejection, whatMustChange } from '../handlers/domain/rejection';
import type { OnboardingPlan, PolicyPlan } from './plan';

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
export function formatView(v: OnboardingView): string {
  const lines = [`${v.accountId}  ${v.status}`];
  if (v.execution) {
    const x = v.execution;
    lines.push(`  execution    ${x.executionName} ${x.status}${x.redriveCount ? ` (redriven ${x.redriveCount}x)` : ''}`);
    if (x.startDate) lines.push(`  started      ${x.startDate}${x.stopDate ? `, ended ${x.stopDate}` : ''}`);
  }
  const r = v.record;
  if (r?.switchRoleArn) lines.push(`  switch role  ${r.switchRoleArn}`);
  if (r?.trailArn) lines.push(`  trail        ${r.trailArn}`);
  // migrateAccountTrails: the per-account trail beside the organization trail (kept, removed, not ours).
  if (r?.accountTrail) lines.push(`  old trail    ${r.accountTrail.migration}: ${r.accountTrail.detail}`);
  if (r?.readerRoleArn) lines.push(`  reader role  ${r.readerRoleArn}`);
  if (r?.health) lines.push(`  health       ${r.health}${r.lastVerifiedAt ? ` (last verified ${r.lastVerifiedAt})` : ''}`);
  for (const d of r?.drift ?? []) lines.push(`    ${r?.health === 'REPAIRED' ? 'repaired' : 'drift'}  ${d.resource} ${d.code}: ${d.detail}`);
  if (v.steps.length) {
    lines.push('  steps');
    for (const s of v.steps) lines.push(`  ${formatStepLine(s)}`);
  }
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
    lines.push(`  re-run with  onboard retry ${v.accountId}`);
  }
  return lines.join('\n');
}

/**
 * Why an account is REJECTED or SKIPPED (the cause, and the event of a skip), or what a rejection or
 * skip noted on an account that kept its status; empty otherwise (a FAILED account's cause is in `status`).
 */
export function causeOf(r: Omit<AccountStatusItem, 'pk'>): string {
  if ((r.status === 'REJECTED' || r.status === 'SKIPPED') && r.error) return `${r.trigger ? `${r.trigger}: ` : ''}${r.error.cause}`;
  if (r.notice) return `${r.notice.status} ${r.notice.at} (${r.notice.trigger ?? r.notice.executionArn?.split(':').pop() ?? ''}) ${r.notice.name}: ${r.notice.cause}`;
  return '';
}

/** The status table as a table; REJECTED and SKIPPED accounts (and notices) with their cause in the last column. */
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
