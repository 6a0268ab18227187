/**
 * The ways in beyond CreateAccountResult (an account joined, moved, vended by Control Tower), the scope
 * check's grants, and the status index, read from the synthesized templates: the rules' patterns against
 * the fixtures' events with the simulation's own matcher (local/sim/event-patterns.ts), who may call
 * ListParents (the Service Authorization Reference's resource types: account, organizationalunit), and
 * who may Query the status index.
 */
import { FORWARD_ACCOUNT_EVENT_RULES, FORWARD_RULE_NAME } from '../../infra/names';
import { STATUS_INDEX_NAME } from '../../handlers/adapters/status-table';
import { matchesEventPattern } from '../../local/sim/event-patterns';
import { createSampleRaw, flatten, identityPolicies, list, organizationsEvents, resourcesOf, SAMPLE, sampleRaw, synth, type Statement, type Synthesized } from './helpers';

const fixtures = organizationsEvents() as unknown as Record<string, unknown>;
const SCOPE = { includeOus: ['ou-a1b2-11111111'], excludeOus: ['ou-a1b2-22222222'], excludeAccounts: ['777788889999'] };
const ACCOUNTS = 'arn:aws:organizations::111122223333:account/o-a1b2c3d4e5/*';
const OUS = 'arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/*';

type Rule = { Type: string; Properties?: Record<string, unknown> };
const rulesOf = (s: Synthesized, stack: 'orchestrator' | 'managementEvents') => Object.values(resourcesOf(s.templates[stack]!, 'AWS::Events::Rule')) as Rule[];
/** The fixtures a rule's pattern matches. */
const matched = (rule: Rule) => Object.keys(fixtures).filter((k) => !k.startsWith('_') && matchesEventPattern(rule.Properties!.EventPattern as never, fixtures[k]));

function roleIdOf(s: Synthesized, name: string): string {
  const fns = resourcesOf(s.templates.orchestrator!, 'AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => new RegExp(`^${name}[0-9A-F]{8}$`).test(id))!;
  return (fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
}
const statementsOf = (s: Synthesized, name: string): Statement[] =>
  identityPolicies(s.templates.orchestrator!)
    .filter((p) => p.roles.includes(roleIdOf(s, name)))
    .flatMap((p) => p.statements);
const allowing = (statements: Statement[], action: string) => statements.filter((st) => st.Effect === 'Allow' && list(st.Action).includes(action)).map((st) => flatten(st.Resource));

describe('the rules of the ways in, against the fixtures (the simulation matcher)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(SAMPLE);
  });

  it('forwards from the management account (us-east-1) each way in to the orchestrator bus, each rule exactly its events', () => {
    const byName = Object.fromEntries(rulesOf(s, 'managementEvents').map((r) => [r.Properties!.Name, matched(r)]));
    expect(byName).toEqual({
      [FORWARD_RULE_NAME]: ['createAccountResultSucceeded'],
      'CloudTrailOnboarding-ForwardAccountJoined': ['accountJoinedOrganizationInvited'],
      'CloudTrailOnboarding-ForwardMoveAccount': ['moveAccount'],
      'CloudTrailOnboarding-ForwardCreateManagedAccount': ['createManagedAccountSucceeded'],
      // The ways out (test/infra/ways-out.test.ts); the API calls' fixtures are in cloudtrail-api-events.json.
      'CloudTrailOnboarding-ForwardAccountDeparted': ['accountDepartedOrganizationRemoved', 'accountDepartedOrganizationLeft', 'accountDepartedOrganizationCleaned'],
      'CloudTrailOnboarding-ForwardRemoveOrCloseAccount': [],
    });
    expect(FORWARD_ACCOUNT_EVENT_RULES).toHaveLength(5);
  });

  it('starts StartFromEvent on the onboarding bus for each way in, the new ones with the whole event (no transformer)', () => {
    const onBus = rulesOf(s, 'orchestrator').filter((r) => matched(r).length && (r.Properties!.Targets as { Arn: unknown }[]).some((t) => JSON.stringify(t.Arn).includes('StartFromEvent')));
    expect(onBus.map((r) => matched(r)).sort()).toEqual([
      ['accountDepartedOrganizationRemoved', 'accountDepartedOrganizationLeft', 'accountDepartedOrganizationCleaned'],
      ['accountJoinedOrganizationInvited'],
      ['createAccountResultSucceeded'],
      ['createManagedAccountSucceeded'],
      ['moveAccount'],
    ]);
    for (const r of onBus) {
      const [target] = r.Properties!.Targets as { InputTransformer?: unknown; DeadLetterConfig?: unknown; RetryPolicy?: unknown }[];
      expect(target.DeadLetterConfig).toBeDefined();
      expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 8 });
      if (!matched(r).includes('createAccountResultSucceeded')) expect(target.InputTransformer).toBeUndefined();
    }
  });

  it('matches neither a failed creation, a failed Account Factory run, an update, nor the invitation\'s API calls', () => {
    const all = [...rulesOf(s, 'orchestrator'), ...rulesOf(s, 'managementEvents')].flatMap(matched);
    for (const k of ['createAccountResultFailed', 'createAccountInProgress', 'createManagedAccountFailed', 'updateManagedAccount', 'inviteAccountToOrganization', 'acceptHandshake']) {
      expect(all).not.toContain(k);
    }
  });
});

describe('the scope check may read the OU path (ListParents) only where it runs, and only when the scope names OUs', () => {
  it('without OUs in the scope, nobody may call ListParents for it (no OU path is read)', () => {
    const s = synth({ ...sampleRaw(), scope: { includeOus: [], excludeOus: [], excludeAccounts: ['777788889999'] } });
    for (const name of ['ValidateRequest', 'StartFromEvent']) expect(allowing(statementsOf(s, name), 'organizations:ListParents')).toEqual([]);
  });

  it('orchestrator in the management account: ValidateRequest and StartFromEvent may ListParents on this organization\'s accounts and OUs', () => {
    const s = synth({ ...sampleRaw(), scope: SCOPE });
    for (const name of ['ValidateRequest', 'StartFromEvent']) expect(allowing(statementsOf(s, name), 'organizations:ListParents')).toEqual([[ACCOUNTS, OUS]]);
    // Only the two readers of the scope (the backfill walks the tree with other calls).
    const others = ['Api', 'StartFromChange', 'EnsureTrail', 'RecordResult'];
    for (const name of others) expect(allowing(statementsOf(s, name), 'organizations:ListParents')).toEqual([]);
  });

  it('StartFromEvent may record an account SKIPPED: UpdateItem on account items only', () => {
    const s = synth({ ...sampleRaw(), scope: SCOPE });
    const updates = statementsOf(s, 'StartFromEvent').filter((st) => list(st.Action).includes('dynamodb:UpdateItem'));
    expect(updates.map((st) => st.Condition)).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ACCOUNT#*'] } }]);
  });

  it('dedicated orchestrator: the OrganizationsRead role trusts StartFromEvent too, and may ListParents; StartFromEvent assumes it', () => {
    const s = synth({ ...createSampleRaw(), scope: SCOPE });
    const roles = Object.values(resourcesOf(s.templates.managementEvents!, 'AWS::IAM::Role')).filter((r) => r.Properties?.RoleName === 'CloudTrailOnboarding-OrganizationsRead');
    expect(roles).toHaveLength(1);
    const p = flatten(roles[0].Properties) as { AssumeRolePolicyDocument: { Statement: Statement[] }; Policies: { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[] };
    const principals = list(p.AssumeRolePolicyDocument.Statement[0].Condition!.ArnEquals['aws:PrincipalArn'] as string | string[]);
    expect(principals).toContain(`arn:aws:iam::${s.config.orchestratorAccountId}:role/CloudTrailOnboarding-StartFromEvent`);
    const listParents = p.Policies.flatMap((x) => x.PolicyDocument.Statement).filter((st) => list(st.Action).includes('organizations:ListParents'));
    const mgmt = s.config.managementAccountId;
    const org = s.config.organizationId;
    expect(listParents.map((st) => flatten(st.Resource))).toEqual([[`arn:aws:organizations::${mgmt}:account/${org}/*`, `arn:aws:organizations::${mgmt}:ou/${org}/*`]]);
    expect(allowing(statementsOf(s, 'StartFromEvent'), 'sts:AssumeRole')).toEqual([`arn:aws:iam::${mgmt}:role/CloudTrailOnboarding-OrganizationsRead`]);
  });
});

describe('the status index', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(SAMPLE);
  });

  it('is a global secondary index on status (sort key accountId), projecting the whole item', () => {
    const [table] = Object.values(resourcesOf(s.templates.orchestrator!, 'AWS::DynamoDB::Table'));
    expect(table.Properties!.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: STATUS_INDEX_NAME,
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'accountId', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('may be queried by the operators\' read-only policy and the fleet reconcile, and by no step', () => {
    const index = `<StatusTable0F76785B.Arn>/index/${STATUS_INDEX_NAME}`;
    const operator = identityPolicies(s.templates.orchestrator!).find((p) => p.type === 'AWS::IAM::ManagedPolicy' && p.statements.some((st) => st.Sid === 'AccountsByStatus'))!;
    expect(allowing(operator.statements, 'dynamodb:Query')).toEqual([index]);
    expect(allowing(statementsOf(s, 'ReconcileFleet'), 'dynamodb:Query')).toEqual([index]);
    for (const name of ['ValidateRequest', 'RecordResult', 'RecordFailure', 'Api', 'StartFromEvent']) expect(allowing(statementsOf(s, name), 'dynamodb:Query')).toEqual([]);
  });
});
