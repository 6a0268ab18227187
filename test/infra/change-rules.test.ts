/**
 * The change-forwarding wiring in the templates: the log-archive account's rules match the sample
 * events of the changes they are for (../shared/fixtures/cloudtrail-api-events.json) and nothing
 * else of them; the orchestrator's bus admits the organization; the member-access role may keep the
 * change rules with the onboarding bus as their only target.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { matchesEventPattern, parseEventPattern } from '../../local/sim/event-patterns';
import { cloudTrailApiEvents } from '../fixtures';
import { SAMPLE, sampleRaw, synth } from './helpers';

const fx = cloudTrailApiEvents();

function rulesOf(template: Template): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::Events::Rule')).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
}
const matching = (rules: Record<string, unknown>[], event: unknown) =>
  rules.filter((r) => matchesEventPattern(parseEventPattern(JSON.stringify(r.EventPattern)), event)).map((r) => r.Name);

describe('the log-archive account\'s change rules', () => {
  const s = synth(sampleRaw());
  const rules = [...rulesOf(s.templates.logArchive!), ...rulesOf(s.templates.logArchiveRoleEvents!)];

  it.each([
    ['putBucketPolicy', fx.putBucketPolicy, 'cloudtrail-onboarding-bucket-policy-changes'],
    ['deleteBucketPolicy', fx.deleteBucketPolicy, 'cloudtrail-onboarding-bucket-policy-changes'],
    ['putKeyPolicy', fx.putKeyPolicy, 'cloudtrail-onboarding-key-changes'],
    ['scheduleKeyDeletion', fx.scheduleKeyDeletion, 'cloudtrail-onboarding-key-changes'],
    ['putRolePolicyReaderRole', fx.putRolePolicyReaderRole, 'cloudtrail-onboarding-reader-role-changes'],
  ])('%s is forwarded by exactly its rule', (_n, event, rule) => {
    expect(matching(rules, event)).toEqual([rule]);
  });

  it('member-account events are not the log-archive rules\' business', () => {
    for (const e of [fx.stopLogging, fx.updateAssumeRolePolicySwitchRole, fx.closeAccount]) expect(matching(rules, e)).toEqual([]);
  });

  it('the reader-role rule lives in us-east-1, where IAM\'s events arrive', () => {
    expect(s.built.logArchiveRoleEvents.region).toBe('us-east-1');
    expect(s.built.logArchiveRoleEvents.account).toBe(s.config.logArchiveAccountId);
  });
});

describe('the orchestrator\'s bus', () => {
  it('admits the organization\'s accounts by aws:PrincipalOrgID, and the management and log-archive accounts', () => {
    const s = synth(SAMPLE);
    const bus = Object.values(s.templates.orchestrator!.findResources('AWS::Events::EventBus'))[0] as { Properties: { Policy: { Statement: { Sid: string; Principal: unknown; Condition?: unknown }[] } } };
    const bySid = Object.fromEntries(bus.Properties.Policy.Statement.map((st) => [st.Sid, st]));
    expect(bySid.OrganizationPutEvents).toMatchObject({ Principal: { AWS: '*' }, Condition: { StringEquals: { 'aws:PrincipalOrgID': s.config.organizationId } } });
    expect(Object.keys(bySid).sort()).toEqual(['LogArchiveAccountPutEvents', 'ManagementAccountPutEvents', 'OrganizationPutEvents']);
  });
});
