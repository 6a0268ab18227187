/**
 * What a forwarded API-call event means (handlers/domain/change-event.ts), and which of the sample
 * events (../shared/fixtures/cloudtrail-api-events.json) the member accounts' change rules forward
 * (handlers/domain/change-rules.ts), matched by the simulation's EventBridge pattern matcher.
 */
import { decideChange } from '../../../handlers/domain/change-event';
import { desiredChangeRules } from '../../../handlers/domain/change-rules';
import { parseRuntimeConfig } from '../../../handlers/shared/config';
import { matchesEventPattern, parseEventPattern } from '../../../local/sim/event-patterns';
import { cloudTrailApiEvents } from '../../fixtures';
import { BASE_CONFIG } from '../steps/fakes';

const config = parseRuntimeConfig(BASE_CONFIG);
const fx = cloudTrailApiEvents();
const MEMBER = '444455556666';
const rules = desiredChangeRules(config as typeof config & { onboardingBusArn: string }, MEMBER);
const forwardedBy = (event: unknown) => rules.filter((r) => matchesEventPattern(parseEventPattern(JSON.stringify(r.eventPattern)), event)).map((r) => r.name);

describe('the member account\'s change rules', () => {
  it.each([
    ['stopLogging (trail by ARN)', fx.stopLogging],
    ['deleteTrail (by name)', fx.deleteTrail],
    ['updateTrailBucket', fx.updateTrailBucket],
    ['putEventSelectorsWriteOnly (trailName)', fx.putEventSelectorsWriteOnly],
  ])('forward %s with the trail rule', (_n, event) => {
    expect(forwardedBy(event)).toEqual(['cloudtrail-onboarding-trail-changes']);
  });

  it('forward a change to the switch role\'s trust with the role rule', () => {
    expect(forwardedBy(fx.updateAssumeRolePolicySwitchRole)).toEqual(['cloudtrail-onboarding-role-changes']);
  });

  it('forward nothing about other trails, other roles, or other services', () => {
    const otherTrail = structuredClone(fx.stopLogging);
    otherTrail.detail.requestParameters.name = `arn:aws:cloudtrail:eu-west-1:${MEMBER}:trail/team-trail`;
    const otherRole = structuredClone(fx.updateAssumeRolePolicySwitchRole);
    otherRole.detail.requestParameters.roleName = 'SomeoneElsesRole';
    for (const e of [otherTrail, otherRole, fx.putBucketPolicy, fx.putRolePolicyReaderRole, fx.closeAccount]) expect(forwardedBy(e)).toEqual([]);
  });
});

describe('decideChange', () => {
  it('a change to a member account\'s trail or switch role reconciles that account', () => {
    for (const e of [fx.stopLogging, fx.deleteTrail, fx.updateTrailBucket, fx.putEventSelectorsWriteOnly, fx.updateAssumeRolePolicySwitchRole]) {
      expect(decideChange(config, e)).toMatchObject({ kind: 'account', accountId: MEMBER, change: { account: MEMBER, caller: 'arn:aws:sts::444455556666:assumed-role/Admin/alice' } });
    }
  });

  it('a change to the central bucket policy or key re-renders the shared policies', () => {
    for (const e of [fx.putBucketPolicy, fx.deleteBucketPolicy, fx.putKeyPolicy, fx.scheduleKeyDeletion]) expect(decideChange(config, e)).toMatchObject({ kind: 'shared' });
    expect(decideChange(config, fx.putBucketPolicy)).toMatchObject({ change: { eventName: 'PutBucketPolicy', resource: config.bucketName } });
  });

  it('a change to a reader role reconciles the account the role is for', () => {
    expect(decideChange(config, fx.putRolePolicyReaderRole)).toMatchObject({ kind: 'account', accountId: MEMBER });
  });

  it('ignores failed calls, the service\'s own calls, and what the service does not keep', () => {
    const denied = structuredClone(fx.stopLogging) as typeof fx.stopLogging & { detail: { errorCode?: string } };
    denied.detail.errorCode = 'AccessDenied';
    expect(decideChange(config, denied)).toMatchObject({ kind: 'ignore', reason: expect.stringContaining('AccessDenied') });

    const own = structuredClone(fx.stopLogging);
    own.detail.userIdentity.arn = `arn:aws:sts::${MEMBER}:assumed-role/OrganizationAccountAccessRole/cloudtrail-onboarding`;
    expect(decideChange(config, own)).toMatchObject({ kind: 'ignore', reason: 'the service\'s own call' });
    // The same role under another session name is a person: it counts.
    own.detail.userIdentity.arn = `arn:aws:sts::${MEMBER}:assumed-role/OrganizationAccountAccessRole/alice`;
    expect(decideChange(config, own)).toMatchObject({ kind: 'account' });

    const accessRole = structuredClone(fx.putBucketPolicy);
    accessRole.detail.userIdentity.arn = 'arn:aws:sts::222233334444:assumed-role/OnboardingLogArchiveAccess/cloudtrail-onboarding';
    expect(decideChange(config, accessRole)).toMatchObject({ kind: 'ignore' });

    const otherBucket = structuredClone(fx.putBucketPolicy);
    otherBucket.detail.requestParameters.bucketName = 'another-bucket';
    expect(decideChange(config, otherBucket)).toMatchObject({ kind: 'ignore', reason: expect.stringContaining('another-bucket') });
    expect(decideChange(config, fx.closeAccount)).toMatchObject({ kind: 'ignore' });
    expect(decideChange(config, { 'detail-type': 'Something else' })).toMatchObject({ kind: 'ignore' });
    expect(decideChange(config, 'not an event')).toMatchObject({ kind: 'ignore' });
  });
});
