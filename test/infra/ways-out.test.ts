/**
 * The ways out, read from the synthesized templates: the ManagementEvents stack's rules forward the
 * events of an account leaving (AccountDepartedOrganization; the RemoveAccountFromOrganization and
 * CloseAccount calls that succeeded) from the management account's default bus, and the onboarding
 * bus's rules deliver them whole to StartFromEvent -- checked against the fixtures with the simulation's
 * own matcher (local/sim/event-patterns.ts); StartFromEvent's grants are enough to start an offboarding
 * (DescribeExecution on the offboard-* executions, StartExecution, the account's item) and no more.
 */
import { matchesEventPattern } from '../../local/sim/event-patterns';
import { cloudTrailApiEvents } from '../fixtures';
import { flatten, identityPolicies, list, organizationsEvents, resourcesOf, SAMPLE, synth, type Statement, type Synthesized } from './helpers';

const fixtures = { ...(cloudTrailApiEvents() as unknown as Record<string, Record<string, any>>), ...(organizationsEvents() as unknown as Record<string, Record<string, any>>) };
const keys = Object.keys(fixtures).filter((k) => !k.startsWith('_'));

type Rule = { Type: string; Properties?: Record<string, any> };
const rulesOf = (s: Synthesized, stack: 'orchestrator' | 'managementEvents') => Object.values(resourcesOf(s.templates[stack]!, 'AWS::Events::Rule')) as Rule[];
const matches = (rule: Rule, event: unknown) => matchesEventPattern(rule.Properties!.EventPattern as never, event);
const matched = (rule: Rule) => keys.filter((k) => matches(rule, fixtures[k]));
const DEPARTURES = ['accountDepartedOrganizationCleaned', 'accountDepartedOrganizationLeft', 'accountDepartedOrganizationRemoved', 'closeAccount', 'removeAccountFromOrganization'];

let s: Synthesized;
beforeAll(() => {
  s = synth(SAMPLE);
});

describe('the rules of the ways out, against the fixtures (the simulation matcher)', () => {
  it('the management account forwards each departure event to the orchestrator bus, the membership event and the two calls by one rule each', () => {
    const forwarding = rulesOf(s, 'managementEvents').filter((r) => matched(r).some((k) => DEPARTURES.includes(k)));
    expect(Object.fromEntries(forwarding.map((r) => [r.Properties!.Name, matched(r).sort()]))).toEqual({
      'CloudTrailOnboarding-ForwardAccountDeparted': ['accountDepartedOrganizationCleaned', 'accountDepartedOrganizationLeft', 'accountDepartedOrganizationRemoved'],
      'CloudTrailOnboarding-ForwardRemoveOrCloseAccount': ['closeAccount', 'removeAccountFromOrganization'],
    });
    for (const r of forwarding) {
      const [target] = r.Properties!.Targets as { Arn: unknown; RoleArn: unknown; DeadLetterConfig?: unknown }[];
      expect(JSON.stringify(target.Arn)).toContain('event-bus/cloudtrail-onboarding');
      expect(target.RoleArn).toBeDefined();
      expect(target.DeadLetterConfig).toBeDefined();
    }
  });

  it('the onboarding bus delivers each of them whole (no transformer) to StartFromEvent, with a dead-letter queue and retries', () => {
    const onBus = rulesOf(s, 'orchestrator').filter((r) => matched(r).some((k) => DEPARTURES.includes(k)));
    expect(onBus.flatMap(matched).sort()).toEqual(DEPARTURES);
    for (const r of onBus) {
      const [target, ...others] = r.Properties!.Targets as { Arn: unknown; InputTransformer?: unknown; DeadLetterConfig?: unknown; RetryPolicy?: unknown }[];
      expect(others).toEqual([]);
      expect(JSON.stringify(target.Arn)).toContain('StartFromEvent');
      expect(target.InputTransformer).toBeUndefined();
      expect(target.DeadLetterConfig).toBeDefined();
      expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 8 });
    }
  });

  it("match neither a call that failed, the member's own LeaveOrganization, nor another account's or service's events", () => {
    const rules = [...rulesOf(s, 'managementEvents'), ...rulesOf(s, 'orchestrator')].filter((r) => matched(r).some((k) => DEPARTURES.includes(k)));
    const failed = ['removeAccountFromOrganization', 'closeAccount'].map((k) => ({ ...fixtures[k], detail: { ...fixtures[k].detail, errorCode: 'ConstraintViolationException', errorMessage: 'You have exceeded close account quota for the past 30 days.' } }));
    for (const event of [...failed, fixtures.leaveOrganization, fixtures.moveAccount, fixtures.accountJoinedOrganizationInvited, fixtures.stopLogging]) {
      expect(rules.filter((r) => matches(r, event)).map((r) => r.Properties!.Name ?? r.Properties!.Description)).toEqual([]);
    }
  });
});

describe("StartFromEvent's grants", () => {
  const statements = (): Statement[] => {
    const fns = resourcesOf(s.templates.orchestrator!, 'AWS::Lambda::Function');
    const [, fn] = Object.entries(fns).find(([id]) => /^StartFromEvent[0-9A-F]{8}$/.test(id))!;
    const role = (fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    return identityPolicies(s.templates.orchestrator!).filter((p) => p.roles.includes(role)).flatMap((p) => p.statements);
  };
  const allowing = (action: string) => statements().filter((st) => st.Effect === 'Allow' && list(st.Action).includes(action)).map((st) => flatten(st.Resource));

  it('start an offboarding: read the account item, describe its executions, start one; redrive, delete or write nothing else', () => {
    expect(allowing('dynamodb:GetItem')).toHaveLength(1);
    expect(JSON.stringify(allowing('states:DescribeExecution'))).toMatch(/execution:CloudTrailOnboarding:\*/);
    expect(JSON.stringify(allowing('states:StartExecution'))).toMatch(/stateMachine:CloudTrailOnboarding/);
    for (const action of ['states:RedriveExecution', 'states:StopExecution', 'dynamodb:DeleteItem', 'dynamodb:PutItem']) expect(allowing(action)).toEqual([]);
  });
});
