/**
 * trailMode "organization" in an organization without all features: EnsureOrganizationTrail fails
 * with OrganizationFeaturesNotEnabled naming `aws organizations enable-all-features` (the service
 * never runs it: every member must approve), and nothing is written in CloudTrail or Organizations.
 */
import { awsWrites, DEMO, startLocal, type Local } from '../harness';

const [, B] = DEMO.memberAccountIds;
const ORG_MODE = { trailMode: 'organization' };

const nonTableWrites = (local: Local) => awsWrites(local.world);

describe('organization mode without all features', () => {
  it('fails with OrganizationFeaturesNotEnabled naming the command, and writes nothing in AWS', async () => {
    const local = await startLocal({ config: ORG_MODE, prepareWorld: (w) => w.organizations.setFeatureSet('CONSOLIDATED_BILLING'), loseApiCallEvents: true });
    try {
      const r = await local.run({ accountId: B }, `onboard-${B}-no-features`);
      expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: 'FAILED', error: 'OrganizationFeaturesNotEnabled', cause: expect.any(String) });
      expect(r.cause).toContain('aws organizations enable-all-features');
      expect(nonTableWrites(local).filter((w) => w.startsWith('cloudtrail:') || w.startsWith('organizations:'))).toEqual([]);
    } finally {
      await local.stop();
    }
  });
});
