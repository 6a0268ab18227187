/**
 * `onboard profiles` against the local simulation: two accounts onboarded through the CLI, their
 * profiles printed, and each printed profile's role chain resolved as the AWS CLI resolves it -- the
 * source profile's credentials (the security principal the switch role trusts, or the member
 * account's administrator for the reader profile), then AssumeRole of the profile's role_arn with the
 * real STS client, trust policies evaluated by the simulation. The reader profile's session lists its
 * own account's log prefix and is denied the other account's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'ini';
import { EXIT } from '../../../cli/main';
import type { ProfilesOutput } from '../../../cli/profiles';
import { parseAppConfig } from '../../../infra/config';
import { openLocalSession } from '../../../local/session';
import sample from '../../../config/onboarding.sample.json';
import { assumeRole, logReader, outcome, principalCredentials, putLogFile, type SessionCredentials } from '../e2e/reader-access';
import { runLocalCli } from './run-local';

const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-profiles-'));
const A = '444455556666';
const B = '555566667777';
const SECURITY_PRINCIPAL = sample.switchRole.trustedPrincipalArns[0];
const KEY = sample.logKey.arn;
const admin = (accountId: string) => `arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/admin`;

const onboard = (...argv: string[]) => runLocalCli(DIR, ...argv);

let printed: ProfilesOutput;
let text: string;

beforeAll(async () => {
  for (const id of [A, B]) {
    const r = await onboard('start', id);
    if (r.code !== EXIT.ok) throw new Error(`onboarding ${id}: ${r.out}\n${r.err}`);
  }
  const json = await onboard('profiles', A, B, '--json');
  const plain = await onboard('profiles', A, B);
  if (json.code !== EXIT.ok || plain.code !== EXIT.ok) throw new Error(`profiles: ${json.err}\n${plain.err}`);
  printed = JSON.parse(json.out);
  text = plain.out;
}, 120_000);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** The credentials the AWS CLI would start a profile's chain from: those of the profile it names as source. */
function sourcePrincipal(profile: ProfilesOutput['profiles'][number]): string {
  return profile.kind === 'switch' ? SECURITY_PRINCIPAL : admin(profile.accountId);
}

/** Resolves `name` as the AWS CLI does: its source_profile (a printed profile in turn, or a principal), then AssumeRole of its role_arn. */
async function resolve(world: Parameters<typeof principalCredentials>[0], config: Record<string, Record<string, string>>, name: string): Promise<SessionCredentials> {
  const section = config[`profile ${name}`];
  const profile = printed.profiles.find((p) => p.name === name)!;
  const source = config[`profile ${section.source_profile}`]
    ? await resolve(world, config, section.source_profile)
    : principalCredentials(world, sourcePrincipal(profile));
  return assumeRole(source, { RoleArn: section.role_arn, RoleSessionName: section.role_session_name });
}

describe('onboard profiles in the simulation', () => {
  it('prints a switch and a reader profile for each onboarded account, the text and --json alike', () => {
    const config = parse(text) as Record<string, Record<string, string>>;
    expect(Object.keys(config).sort()).toEqual(printed.profiles.map((p) => `profile ${p.name}`).sort());
    expect(printed.profiles.map((p) => `${p.accountId}:${p.kind}`).sort()).toEqual([`${A}:reader`, `${A}:switch`, `${B}:reader`, `${B}:switch`]);
    // Account names from the simulated organization (DescribeAccount): the accounts' own profiles are named after them.
    expect(printed.profiles.map((p) => p.name).sort()).toEqual(['ct-member-1-audit', 'ct-member-1-logs', 'ct-member-2-audit', 'ct-member-2-logs']);
    expect(printed.requiredProfiles).toEqual(['member-1', 'member-2', 'security']);
  });

  it("resolves every printed profile's role chain through STS, the trust policies evaluated", async () => {
    const config = parse(text) as Record<string, Record<string, string>>;
    const session = await openLocalSession({ dir: DIR, config: parseAppConfig(sample) });
    try {
      for (const p of printed.profiles) {
        expect({ profile: p.name, result: await outcome(() => resolve(session.world, config, p.name)) }).toEqual({ profile: p.name, result: 'ok' });
      }
      // The chain is what grants it: the other account's administrator is refused the same switch role.
      const switchA = printed.profiles.find((p) => p.accountId === A && p.kind === 'switch')!;
      expect(await outcome(() => assumeRole(principalCredentials(session.world, admin(B)), { RoleArn: switchA.roleArn }))).toBe('AccessDenied');
    } finally {
      await session.close();
    }
  });

  it("lists its own log prefix with the reader profile and is denied the other account's", async () => {
    const config = parse(text) as Record<string, Record<string, string>>;
    const session = await openLocalSession({ dir: DIR, config: parseAppConfig(sample) });
    try {
      const own = putLogFile(session.world, A, KEY, 'own');
      putLogFile(session.world, B, KEY, 'other');
      const readerA = printed.profiles.find((p) => p.accountId === A && p.kind === 'reader')!;
      const reader = logReader(session.world, await resolve(session.world, config, readerA.name), KEY);
      const prefixA = printed.accounts.find((a) => a.accountId === A)!.logFiles.prefix;
      const prefixB = printed.accounts.find((a) => a.accountId === B)!.logFiles.prefix;
      try {
        const listed = await reader.list(prefixA);
        expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([own]);
        expect(await outcome(() => reader.list(prefixB))).toBe('AccessDenied');
      } finally {
        reader.destroy();
      }
    } finally {
      await session.close();
    }
  });

  it('onboard status shows the console links and the commands that read the account\'s own logs', async () => {
    const r = await onboard('status', A);
    expect(r.out).toContain(`console      switch role: https://signin.aws.amazon.com/switchrole?account=${A}&roleName=${sample.switchRole.name}&displayName=member-1%20audit`);
    expect(r.out).toContain(`aws s3 ls s3://${sample.logBucket.name}/${sample.logPrefix}/AWSLogs/${A}/ --recursive --profile ct-member-1-logs --region ${sample.homeRegion}`);
  });
});
