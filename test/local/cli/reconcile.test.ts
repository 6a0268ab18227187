/**
 * `onboard reconcile` and `onboard health` against the local simulation: an account changed behind
 * the service's back is found by --report-only (exit 3, nothing written), repaired by reconcile, and
 * health shows it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudTrailClient, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { EXIT } from '../../../cli/main';
import { runLocalCli } from './run-local';
import { createClient } from '../../../handlers/shared/clients';
import { parseAppConfig } from '../../../infra/config';
import { openLocalSession } from '../../../local/session';
import sample from '../../../config/onboarding.sample.json';

const DIR = mkdtempSync(path.join(tmpdir(), 'onboard-reconcile-'));
const ID = '444455556666';

const onboard = (...argv: string[]) => runLocalCli(DIR, ...argv);

beforeAll(async () => {
  expect((await onboard('start', ID)).code).toBe(EXIT.ok);
});
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

it('health of an untouched onboarded account: HEALTHY, exit 0', async () => {
  const r = await onboard('health', ID, '--json');
  expect(r.code).toBe(EXIT.ok);
  expect(JSON.parse(r.out)).toEqual([expect.objectContaining({ accountId: ID, status: 'ONBOARDED', health: 'HEALTHY', drift: [] })]);
});

describe('a trail stopped by the account\'s administrator', () => {
  beforeAll(async () => {
    const session = await openLocalSession({ dir: DIR, config: parseAppConfig(sample) });
    try {
      const credentials = session.world.credentialsFor(`arn:aws:sts::${ID}:assumed-role/OrganizationAccountAccessRole/admin`);
      const ct = createClient(CloudTrailClient, { region: sample.homeRegion, credentials });
      await ct.send(new StopLoggingCommand({ Name: sample.trailName }));
      ct.destroy();
    } finally {
      await session.close();
    }
  });

  it('reconcile --report-only names it and exits 3; health then says DRIFTED', async () => {
    const r = await onboard('reconcile', ID, '--report-only');
    expect(r.code).toBe(EXIT.drifted);
    expect(r.out).toMatch(new RegExp(`^${ID}  DRIFTED  \\(verified: reconcile-${ID}-report-\\d{8}T\\d{4}\\)`));
    expect(r.out).toContain('found trail TrailNotLogging: Trail org-member-trail is not logging.');
    const h = await onboard('health');
    expect(h.code).toBe(EXIT.drifted);
    expect(h.out).toMatch(new RegExp(`${ID}  ONBOARDED    DRIFTED .* trail:TrailNotLogging`));
  });

  it('reconcile repairs it: REPAIRED, exit 0, and status shows what was repaired', async () => {
    const r = await onboard('reconcile', ID, '--json');
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.out)).toEqual([expect.objectContaining({ accountId: ID, status: 'SUCCEEDED', health: 'REPAIRED', drift: [expect.objectContaining({ code: 'TrailNotLogging' })] })]);
    const s = await onboard('status', ID);
    expect(s.out).toContain('health       REPAIRED');
    expect(s.out).toContain('repaired  trail TrailNotLogging');
  });

  it('a bad account id is a usage error (exit 2) and starts nothing', async () => {
    const r = await onboard('reconcile', '4444');
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/InvalidAccountId/);
  });
});
