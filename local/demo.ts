/**
 * `npm run demo`: onboards three accounts of the simulated organization at once with the real state
 * machine definition and handlers, shows each step as it runs, re-runs one account to show that an
 * onboarded account gets no write call, prints a summary, and writes the resulting documents to a
 * folder.
 */
import './polyfills';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StatusStore } from '../handlers/adapters/status-store';
import { POLICY_LIMITS } from '../handlers/domain/limits';
import { isOwnedStatement, type PolicyStatement } from '../handlers/domain/policy-document';
import { createClient } from '../handlers/shared/clients';
import { loadAppConfig, orchestratorAccount, type AppConfig } from '../infra/config';
import { StepName, STEP_TITLES } from '../statemachine/steps';
import { HistoryEvent, LOCAL_TABLE_NAME, LocalStepFunctions } from './runner';
import { createDemoWorld, DEMO } from './sim/demo-world';
import { seedTrailBucket } from './sim/seeds';
import type { SimWorld } from './sim/world';

const ROOT = path.join(__dirname, '..');
const OUT_DIR = path.join(ROOT, 'out', 'demo');
const ACCOUNTS = DEMO.memberAccountIds.slice(0, 3);

/** Where each Ensure step puts its result in the state (see statemachine/onboarding-workflow.ts). */
const RESULT_KEYS: Partial<Record<StepName, string>> = {
  EnsureSwitchRole: 'switchRole',
  EnsureBucketPolicy: 'bucketPolicy',
  EnsureKeyPolicy: 'keyPolicy',
  EnsureTrail: 'trail',
  EnsureReaderRole: 'readerRole',
  EnsureChangeRules: 'changeRules',
};

const color = process.stdout.isTTY ? (c: number, s: string) => `\x1b[${c}m${s}\x1b[0m` : (_c: number, s: string) => s;
const green = (s: string) => color(32, s);
const red = (s: string) => color(31, s);
const dim = (s: string) => color(2, s);
const bold = (s: string) => color(1, s);

/** Last error of each (execution, state): shown with the retry that follows it, or as the failure. */
const lastError = new Map<string, string>();

function describeEvent(execution: string, e: HistoryEvent): string | undefined {
  // The drift story prints its runs' outcomes, not their steps.
  if (execution.startsWith('reconcile-')) return undefined;
  const account = execution.replace(/^onboard-/, '').replace(/-rerun$/, '');
  const step = e.state as StepName | undefined;
  if (!step || !(step in STEP_TITLES)) return undefined;
  const title = dim(STEP_TITLES[step]);
  if (e.type === 'StateExited') {
    const key = RESULT_KEYS[step];
    const result = key ? ((e.output as Record<string, { changed?: boolean }> | undefined)?.[key] ?? undefined) : undefined;
    const note = result === undefined ? '' : result.changed ? ' (changed)' : dim(' (unchanged)');
    return `  ${account}  ${green('✓')} ${step.padEnd(18)} ${title}${note}`;
  }
  const key = `${execution}/${step}`;
  if (e.type === 'StateFailed') {
    // Printed by the retry that follows, or by the execution's end if nothing retries it.
    lastError.set(key, e.error ?? 'an error');
    return undefined;
  }
  if (e.type === 'StateRetried') {
    return `  ${account}  ${dim('↻')} ${step.padEnd(18)} ${dim(`${lastError.get(key) ?? 'an error'}: retrying`)}`;
  }
  return undefined;
}

function pct(n: number, of: number): string {
  return `${n.toLocaleString('en-US')} / ${of.toLocaleString('en-US')} bytes (${((100 * n) / of).toFixed(1)}%)`;
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  const config = loadAppConfig(path.join(ROOT, 'config', 'onboarding.sample.json'));
  const world = createDemoWorld();
  console.log(bold('CloudTrail account onboarding — local demo'));
  console.log(
    dim(
      `simulated organization ${DEMO.organizationId}: management ${DEMO.managementAccountId}, log-archive ${DEMO.logArchiveAccountId}, ` +
        `home region ${config.homeRegion}\nbucket ${config.bucketName}, key ${config.keyArn}`,
    ),
  );
  console.log(dim('synthesizing the CDK app and starting the local Step Functions runner...'));
  const sfn = await LocalStepFunctions.start({
    world,
    config,
    principalArn: DEMO.operatorPrincipalArn,
    onEvent: (name, e) => {
      const line = describeEvent(name, e);
      if (line) console.log(line);
    },
  });
  try {
    world.resetCalls();
    console.log(`\n${bold(`Onboarding ${ACCOUNTS.length} accounts at once`)}`);
    const runs = ACCOUNTS.map((a) => sfn.startExecution({ accountId: a }, `onboard-${a}`));
    const results = await Promise.all(runs.map((r) => r.result));
    const firstWrites = world.writeCalls();
    const countOf = (service: string, op: string) => firstWrites.filter((c) => c.service === service && c.operation === op).length;

    console.log(`\n${bold(`Re-running ${ACCOUNTS[0]} (already onboarded)`)}`);
    world.resetCalls();
    const rerun = await sfn.startExecution({ accountId: ACCOUNTS[0] }, `onboard-${ACCOUNTS[0]}-rerun`).result;
    const rerunWrites = world.writeCalls().length;
    const rerunReads = world.calls.length - rerunWrites;

    // Summary from the status table, as an operator would read it.
    const doc = DynamoDBDocumentClient.from(createClient(DynamoDBClient, { region: config.homeRegion }));
    const store = new StatusStore(doc, LOCAL_TABLE_NAME, () => new Date());
    console.log(`\n${bold('Summary')}`);
    for (const [i, a] of ACCOUNTS.entries()) {
      const rec = await store.getAccount(a);
      const status = rec?.status ?? 'UNKNOWN';
      if (results[i].status !== 'SUCCEEDED') console.log(`  ${a}  ${red('✗')} ${results[i].error}: ${results[i].cause}`);
      console.log(`  ${a}  ${status === 'ONBOARDED' ? green(status) : red(status)}  execution ${results[i].status}`);
      console.log(`    switch role  ${rec?.switchRoleArn ?? '-'}`);
      console.log(`    trail        ${rec?.trailArn ?? '-'}`);
      console.log(`    reader role  ${rec?.readerRoleArn ?? '-'}`);
    }

    const snap = world.snapshot();
    const bucketPolicy = snap.buckets[config.bucketName].policy as { Statement: PolicyStatement[] };
    const keyPolicy = snap.keys[config.keyArn].policy as { Statement: PolicyStatement[] };
    const bytes = (p: unknown) => Buffer.byteLength(JSON.stringify(p), 'utf8');
    const foreign = (p: { Statement: PolicyStatement[] }) => p.Statement.filter((s) => !isOwnedStatement(s)).length;
    console.log(`\n${bold('Shared policies')}`);
    console.log(`  bucket policy  ${pct(bytes(bucketPolicy), POLICY_LIMITS.bucketPolicy.max)}  ${foreign(bucketPolicy)} foreign statements kept, ${countOf('s3', 'PutBucketPolicy')} write(s) for ${ACCOUNTS.length} accounts`);
    console.log(`  key policy     ${pct(bytes(keyPolicy), POLICY_LIMITS.keyPolicy.max)}  ${foreign(keyPolicy)} foreign statements kept, ${countOf('kms', 'PutKeyPolicy')} write(s) for ${ACCOUNTS.length} accounts`);
    console.log(`\n  re-run of ${ACCOUNTS[0]}: ${rerun.status}, ${rerunWrites} write calls, ${rerunReads} read calls`);

    // The resulting documents.
    rmSync(OUT_DIR, { recursive: true, force: true });
    mkdirSync(OUT_DIR, { recursive: true });
    const write = (file: string, value: unknown) => {
      mkdirSync(path.dirname(path.join(OUT_DIR, file)), { recursive: true });
      writeFileSync(path.join(OUT_DIR, file), JSON.stringify(value, null, 2) + '\n');
    };
    write('bucket-policy.json', bucketPolicy);
    write('key-policy.json', keyPolicy);
    for (const a of ACCOUNTS) {
      const rec = await store.getAccount(a);
      if (rec?.switchRoleArn) write(`accounts/${a}/switch-role.json`, snap.roles[rec.switchRoleArn]);
      if (rec?.readerRoleArn) write(`accounts/${a}/reader-role.json`, snap.roles[rec.readerRoleArn]);
      if (rec?.trailArn) write(`accounts/${a}/trail.json`, snap.trails[rec.trailArn]);
      write(`accounts/${a}/status.json`, rec);
    }
    console.log(`\nDocuments written to ${path.relative(process.cwd(), OUT_DIR) || OUT_DIR}/`);

    // ---- drift: changed behind the service's back, detected by event, repaired, reported
    const tampered = ACCOUNTS[1];
    await securityAccountTrail(world, config);
    console.log(`\n${bold('Drift')}: ${tampered}'s administrator stops its trail; a stack update rewrites the bucket policy with only its own statements`);
    const runsFrom = world.stepFunctions.list().length;
    const notesFrom = world.events.invocations().length;
    const onboardingBus = `arn:aws:events:${config.homeRegion}:${orchestratorAccount(config)}:event-bus/cloudtrail-onboarding`;
    const receivedFrom = world.events.received(onboardingBus).length;
    world.resetCalls();
    await tamper(world, tampered, config);
    const tamperWrites = world.writeCalls().length;
    await world.settle();
    const story = [] as string[];
    const changes = world.events
      .received(onboardingBus)
      .slice(receivedFrom)
      .map((r) => r.event)
      .filter((e) => e['detail-type'] === 'AWS API Call via CloudTrail')
      .map((e) => {
        const d = e.detail as { eventName: string; userIdentity?: { arn?: string } };
        return `${d.eventName} in ${e.account} by ${d.userIdentity?.arn?.split(':').pop() ?? 'unknown'}`;
      });
    story.push(`  forwarded to the onboarding bus (the service's own writes are ignored): ${changes.join(', ') || 'nothing'}`);
    const eventRuns = world.stepFunctions.list().slice(runsFrom).filter((x) => x.name.endsWith('-event'));
    const repairedItems = [] as { health?: string; drift?: { code: string }[] }[];
    for (const x of eventRuns) {
      const rec = await store.getAccount(JSON.parse(x.input).accountId as string);
      if (rec) repairedItems.push(rec);
      const found = (rec?.drift ?? []).map((d) => `${d.resource} ${d.code}`).join(', ');
      story.push(`  ${x.name} ${x.status}: ${rec?.health} — ${found || 'nothing left to repair'}`);
    }
    const repairWrites = world.writeCalls().slice(tamperWrites).filter((c) => c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}`);
    story.push(`  writes: ${repairWrites.join(', ') || 'none'}`);
    const notes = world.events.invocations().slice(notesFrom).filter((i) => /:sns:/.test(i.targetArn));
    story.push(`  notifications sent to the topic: ${notes.length}`);
    const delivers = await world.canCloudTrailDeliver(`arn:aws:cloudtrail:${config.homeRegion}:${tampered}:trail/${config.trailName}`);
    story.push(`  trail delivers again: bucket ${delivers.bucket ? 'yes' : 'no'}, key ${delivers.key ? 'yes' : 'no'}`);
    console.log(story.join('\n'));
    const codesRepaired = repairedItems.filter((r) => r.health === 'REPAIRED').flatMap((r) => (r.drift ?? []).map((d) => d.code));

    const ok =
      results.every((r) => r.status === 'SUCCEEDED') &&
      rerun.status === 'SUCCEEDED' &&
      rerunWrites === 0 &&
      eventRuns.length > 0 &&
      eventRuns.every((x) => x.status === 'SUCCEEDED') &&
      codesRepaired.includes('TrailNotLogging') &&
      codesRepaired.includes('GrantMissing') &&
      notes.length > 0 &&
      delivers.bucket &&
      delivers.key;
    if (!ok) {
      console.error(red('\nThe demo did not end as expected (see above).'));
      process.exitCode = 1;
    }
  } finally {
    await sfn.stop();
  }
}

/**
 * The security team's own trail in the log-archive account (into a bucket of its own): without a
 * trail logging there, that account's API calls reach no EventBridge bus, and the bucket policy's
 * change would be found only by the fleet reconcile.
 */
async function securityAccountTrail(world: SimWorld, config: AppConfig): Promise<void> {
  const bucket = `security-account-trail-${DEMO.logArchiveAccountId}`;
  seedTrailBucket(world, { name: bucket, ownerAccountId: DEMO.logArchiveAccountId, trailAccountId: DEMO.logArchiveAccountId, region: config.homeRegion });
  const ct = createClient(CloudTrailClient, { region: config.homeRegion, credentials: world.credentialsFor(`arn:aws:sts::${DEMO.logArchiveAccountId}:assumed-role/Administrator/admin`) });
  await ct.send(new CreateTrailCommand({ Name: 'security-account-trail', S3BucketName: bucket, IsMultiRegionTrail: true }));
  await ct.send(new StartLoggingCommand({ Name: 'security-account-trail' }));
  ct.destroy();
}

/** What an administrator would do: stop the member account's trail, and rewrite the bucket policy without the service's statements. */
async function tamper(world: SimWorld, accountId: string, config: AppConfig): Promise<void> {
  const ct = createClient(CloudTrailClient, { region: config.homeRegion, credentials: world.credentialsFor(`arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/admin`) });
  await ct.send(new StopLoggingCommand({ Name: config.trailName }));
  ct.destroy();
  const s3 = createClient(S3Client, { region: config.homeRegion, credentials: world.credentialsFor(`arn:aws:sts::${DEMO.logArchiveAccountId}:assumed-role/Administrator/admin`) });
  const current = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: config.bucketName }))).Policy ?? '{}') as { Statement: PolicyStatement[] };
  await s3.send(new PutBucketPolicyCommand({ Bucket: config.bucketName, Policy: JSON.stringify({ ...current, Statement: current.Statement.filter((st) => !isOwnedStatement(st)) }) }));
  s3.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
