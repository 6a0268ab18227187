/**
 * Changes to the organization trail (trailMode "organization", issue 12): what decideChange makes of
 * them (handlers/domain/change-event.ts), which events the trail change pattern forwards
 * (handlers/domain/change-rules.ts trailChangeEventPattern, matched by the simulation's EventBridge
 * pattern matcher), and the delegated administrator's trail rule.
 */
import { decideChange, ORGANIZATION_TRAIL_STEP_ROLE_NAME } from '../../../handlers/domain/change-event';
import { desiredChangeRules, trailChangeEventPattern } from '../../../handlers/domain/change-rules';
import { parseRuntimeConfig, type RuntimeConfigInput } from '../../../handlers/shared/config';
import { matchesEventPattern, parseEventPattern } from '../../../local/sim/event-patterns';
import { cloudTrailApiEvents } from '../../fixtures';
import { BASE_CONFIG } from '../steps/fakes';

const MGMT = '111122223333';
const DELEGATED = '333344445555';
const MEMBER = '444455556666';
const ORG_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/cloudtrail-onboarding-org`;
const CT_TRAIL = `arn:aws:cloudtrail:eu-west-1:${MGMT}:trail/aws-controltower-BaselineCloudTrail`;

const configOf = (over: Partial<RuntimeConfigInput> = {}) => parseRuntimeConfig({ ...BASE_CONFIG, trailMode: 'organization', ...over });
const organization = configOf();
const delegated = configOf({ organizationTrail: { delegatedAdministratorAccountId: DELEGATED } });
const existing = configOf({ organizationTrail: { name: 'cloudtrail-onboarding-org', arn: CT_TRAIL } });
const accountMode = parseRuntimeConfig(BASE_CONFIG);

/** What the helper below changes in a sample event. */
interface ApiCall {
  account: string;
  detail: { eventName: string; recipientAccountId?: string; userIdentity: object; requestParameters: unknown; errorCode?: string };
}
const fx = cloudTrailApiEvents();

/**
 * A sample CloudTrail call (the fixture's shape) made in `account` by `caller` (default its
 * administrator), naming the trail with `parameters`.
 */
function call<E extends ApiCall>(base: E, account: string, parameters: Record<string, string>, caller = `arn:aws:sts::${account}:assumed-role/Administrator/alice`): E {
  const e = structuredClone(base);
  e.account = account;
  e.detail.recipientAccountId = account;
  e.detail.userIdentity = { ...e.detail.userIdentity, arn: caller, accountId: account };
  e.detail.requestParameters = parameters;
  return e;
}

describe('decideChange, organization mode', () => {
  it.each([
    ['StopLogging by name', fx.stopLogging, { name: 'cloudtrail-onboarding-org' }],
    ['StopLogging by ARN', fx.stopLogging, { name: ORG_TRAIL }],
    ['DeleteTrail by name', fx.deleteTrail, { name: 'cloudtrail-onboarding-org' }],
    ['UpdateTrail by ARN', fx.updateTrailBucket, { name: ORG_TRAIL }],
    ['PutEventSelectors (trailName)', fx.putEventSelectorsWriteOnly, { trailName: 'cloudtrail-onboarding-org' }],
  ])('%s in the management account is a change to the organization trail, repaired as configured', (_n, base, parameters) => {
    expect(decideChange(organization, call(base, MGMT, parameters))).toMatchObject({ kind: 'organizationTrail', trailArn: ORG_TRAIL, managed: true, change: { account: MGMT } });
  });

  it('RemoveTags names the trail by ARN (resourceId)', () => {
    const removeTags = call(fx.stopLogging, MGMT, { resourceId: ORG_TRAIL });
    removeTags.detail.eventName = 'RemoveTags';
    expect(decideChange(organization, removeTags)).toMatchObject({ kind: 'organizationTrail', trailArn: ORG_TRAIL });
  });

  it('from the delegated administrator (which names it by ARN) too; a trail of its own of that name is not the organization trail', () => {
    expect(decideChange(delegated, call(fx.stopLogging, DELEGATED, { name: ORG_TRAIL }))).toMatchObject({ kind: 'organizationTrail', trailArn: ORG_TRAIL, change: { account: DELEGATED } });
    expect(decideChange(delegated, call(fx.stopLogging, DELEGATED, { name: 'cloudtrail-onboarding-org' }))).toMatchObject({ kind: 'ignore' });
  });

  it('a trail given by organizationTrail.arn is reported, never repaired (managed false)', () => {
    expect(decideChange(existing, call(fx.stopLogging, MGMT, { name: 'aws-controltower-BaselineCloudTrail' }))).toMatchObject({ kind: 'organizationTrail', trailArn: CT_TRAIL, managed: false });
    expect(decideChange(existing, call(fx.stopLogging, MGMT, { name: CT_TRAIL }))).toMatchObject({ kind: 'organizationTrail', managed: false });
  });

  it('the EnsureOrganizationTrail function\'s own calls in the management account, and the delegated administrator\'s service sessions, are the service\'s', () => {
    const own = call(fx.updateTrailBucket, MGMT, { name: 'cloudtrail-onboarding-org' }, `arn:aws:sts::${MGMT}:assumed-role/${ORGANIZATION_TRAIL_STEP_ROLE_NAME}/EnsureOrganizationTrail`);
    expect(decideChange(organization, own)).toMatchObject({ kind: 'ignore', reason: "the service's own call" });
    const viaMemberAccess = call(fx.updateTrailBucket, DELEGATED, { name: ORG_TRAIL }, `arn:aws:sts::${DELEGATED}:assumed-role/OrganizationAccountAccessRole/cloudtrail-onboarding`);
    expect(decideChange(delegated, viaMemberAccess)).toMatchObject({ kind: 'ignore', reason: "the service's own call" });
  });

  it('that role name is not the service\'s outside organization mode, nor in another account', () => {
    const elsewhere = call(fx.stopLogging, MEMBER, { name: 'org-member-trail' }, `arn:aws:sts::${MEMBER}:assumed-role/${ORGANIZATION_TRAIL_STEP_ROLE_NAME}/x`);
    expect(decideChange(organization, elsewhere)).toMatchObject({ kind: 'account', accountId: MEMBER });
    const inAccountMode = call(fx.stopLogging, MGMT, { name: 'org-member-trail' }, `arn:aws:sts::${MGMT}:assumed-role/${ORGANIZATION_TRAIL_STEP_ROLE_NAME}/x`);
    expect(decideChange(accountMode, inAccountMode)).toMatchObject({ kind: 'account', accountId: MGMT });
  });

  it('ignores a failed call, the organization trail named from a member, and another trail of the management account', () => {
    const denied: ApiCall = call(fx.stopLogging, MGMT, { name: 'cloudtrail-onboarding-org' });
    denied.detail.errorCode = 'AccessDenied';
    expect(decideChange(organization, denied)).toMatchObject({ kind: 'ignore' });
    expect(decideChange(organization, call(fx.stopLogging, MEMBER, { name: ORG_TRAIL }))).toMatchObject({ kind: 'ignore' });
    expect(decideChange(organization, call(fx.stopLogging, MGMT, { name: 'team-trail' }))).toMatchObject({ kind: 'ignore' });
  });

  it('in account mode there is no organization trail: the same call is an ignored foreign trail', () => {
    expect(decideChange(accountMode, call(fx.stopLogging, MGMT, { name: 'cloudtrail-onboarding-org' }))).toMatchObject({ kind: 'ignore' });
  });
});

describe('the trail change pattern', () => {
  const matches = (pattern: Record<string, unknown>, event: unknown) => matchesEventPattern(parseEventPattern(JSON.stringify(pattern)), event);
  const orgRule = trailChangeEventPattern(['cloudtrail-onboarding-org', ORG_TRAIL], [ORG_TRAIL]);

  it('of the organization trail forwards each watched call naming it, by name or ARN', () => {
    const removeTags = call(fx.stopLogging, MGMT, { resourceId: ORG_TRAIL });
    removeTags.detail.eventName = 'RemoveTags';
    for (const e of [
      call(fx.stopLogging, MGMT, { name: 'cloudtrail-onboarding-org' }),
      call(fx.deleteTrail, MGMT, { name: ORG_TRAIL }),
      call(fx.updateTrailBucket, MGMT, { name: ORG_TRAIL }),
      call(fx.putEventSelectorsWriteOnly, MGMT, { trailName: 'cloudtrail-onboarding-org' }),
      removeTags,
    ]) {
      expect(matches(orgRule, e)).toBe(true);
    }
  });

  it('forwards nothing about another trail, nor an unwatched call (StartLogging)', () => {
    const start = call(fx.stopLogging, MGMT, { name: 'cloudtrail-onboarding-org' });
    start.detail.eventName = 'StartLogging';
    expect(matches(orgRule, start)).toBe(false);
    expect(matches(orgRule, call(fx.stopLogging, MGMT, { name: 'team-trail' }))).toBe(false);
  });
});

describe('the delegated administrator\'s trail rule', () => {
  const trailRuleOf = (config: ReturnType<typeof configOf>, accountId: string) => desiredChangeRules(config as typeof config & { onboardingBusArn: string }, accountId)[0];

  it('also forwards changes to the organization trail by its ARN, made there', () => {
    const rule = trailRuleOf(delegated, DELEGATED);
    expect(matchesEventPattern(parseEventPattern(JSON.stringify(rule.eventPattern)), call(fx.stopLogging, DELEGATED, { name: ORG_TRAIL }))).toBe(true);
    expect(rule.description).toContain(ORG_TRAIL);
  });

  it('every other account\'s rule is the per-account one, unchanged', () => {
    const expected = {
      source: ['aws.cloudtrail'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['cloudtrail.amazonaws.com'],
        eventName: ['DeleteTrail', 'PutEventSelectors', 'RemoveTags', 'StopLogging', 'UpdateTrail'],
        $or: [
          { requestParameters: { name: ['org-member-trail', { suffix: ':trail/org-member-trail' }] } },
          { requestParameters: { trailName: ['org-member-trail', { suffix: ':trail/org-member-trail' }] } },
          { requestParameters: { resourceId: [{ suffix: ':trail/org-member-trail' }] } },
        ],
      },
    };
    for (const [config, account] of [[delegated, MEMBER], [organization, DELEGATED], [accountMode, MEMBER]] as const) {
      expect(trailRuleOf(config, account).eventPattern).toEqual(expected);
    }
    expect(matchesEventPattern(parseEventPattern(JSON.stringify(trailRuleOf(delegated, MEMBER).eventPattern)), call(fx.stopLogging, MEMBER, { name: ORG_TRAIL }))).toBe(false);
  });
});
