/** EnsureChangeRules against in-memory ports: create once, then nothing; drift named and repaired. */
import { CHANGE_FORWARDER_ROLE_NAME, CHANGE_RULE_NAMES } from '../../../handlers/domain/change-rules';
import { ensureChangeRules } from '../../../handlers/steps/ensure-change-rules';
import { fakeDeps, IDS } from './fakes';

const A = IDS.member;
const codes = (r: { drift: { code: string }[] }) => r.drift.map((d) => d.code).sort();

describe('EnsureChangeRules', () => {
  it('creates the forwarder role, then each rule with its one target; a second run writes nothing', async () => {
    const f = fakeDeps();
    const first = await ensureChangeRules(f.deps, A);
    expect(first.changed).toBe(true);
    expect(f.writes.filter((w) => !w.startsWith('PutRolePolicy') && !w.startsWith('CreateRole'))).toEqual([
      `PutRule eu-west-1/${CHANGE_RULE_NAMES.trail}`,
      `PutTargets eu-west-1/${CHANGE_RULE_NAMES.trail}`,
      `PutRule us-east-1/${CHANGE_RULE_NAMES.roles}`,
      `PutTargets us-east-1/${CHANGE_RULE_NAMES.roles}`,
    ]);
    expect(f.writes[0]).toBe(`CreateRole ${CHANGE_FORWARDER_ROLE_NAME}`);
    const target = (await f.rulesOf(A, 'us-east-1').get(CHANGE_RULE_NAMES.roles))!.targets;
    expect(target).toEqual([{ id: 'onboarding-bus', arn: f.config.onboardingBusArn, roleArn: `arn:aws:iam::${A}:role/${CHANGE_FORWARDER_ROLE_NAME}` }]);

    f.writes.length = 0;
    expect(await ensureChangeRules(f.deps, A)).toEqual({ changed: false, drift: [] });
    expect(f.writes).toEqual([]);
  });

  it('a disabled rule, a changed pattern and a foreign target are drift; report names them and writes nothing; apply repairs them', async () => {
    const f = fakeDeps();
    await ensureChangeRules(f.deps, A);
    const rule = f.rulesOf(A, 'eu-west-1').rules.get(CHANGE_RULE_NAMES.trail)!;
    rule.state = 'DISABLED';
    rule.eventPattern = JSON.stringify({ source: ['aws.cloudtrail'] });
    rule.targets = [...rule.targets, { id: 'exfil', arn: 'arn:aws:events:eu-west-1:999999999999:event-bus/default' }];
    f.writes.length = 0;

    const report = await ensureChangeRules(f.deps, A, 'report');
    expect(codes(report)).toEqual(['ChangeRuleChanged', 'ChangeRuleDisabled', 'ChangeRuleTargetAdded']);
    expect(f.writes).toEqual([]);

    const apply = await ensureChangeRules(f.deps, A, 'apply');
    expect(codes(apply)).toEqual(['ChangeRuleChanged', 'ChangeRuleDisabled', 'ChangeRuleTargetAdded']);
    expect(f.writes).toEqual([`PutRule eu-west-1/${CHANGE_RULE_NAMES.trail}`, `RemoveTargets eu-west-1/${CHANGE_RULE_NAMES.trail} exfil`]);
    f.writes.length = 0;
    expect((await ensureChangeRules(f.deps, A)).drift).toEqual([]);
    expect(f.writes).toEqual([]);
  });

  it('a deleted rule is ChangeRuleMissing and is created again', async () => {
    const f = fakeDeps();
    await ensureChangeRules(f.deps, A);
    f.rulesOf(A, 'us-east-1').rules.delete(CHANGE_RULE_NAMES.roles);
    expect(codes(await ensureChangeRules(f.deps, A))).toEqual(['ChangeRuleMissing']);
  });

  it('a rule of that name without the ownership tag is someone else\'s: ChangeRuleConflict, nothing written', async () => {
    const f = fakeDeps();
    f.rulesOf(A, 'eu-west-1').rules.set(CHANGE_RULE_NAMES.trail, { arn: 'x', state: 'ENABLED', targets: [], tags: [] });
    await expect(ensureChangeRules(f.deps, A)).rejects.toMatchObject({ name: 'ChangeRuleConflict' });
    expect(f.writes.filter((w) => w.includes('Rule') || w.includes('Targets'))).toEqual([]);
  });

  it('without an organization installs nothing and says why', async () => {
    const f = fakeDeps({ organizationId: undefined });
    const r = await ensureChangeRules(f.deps, A);
    expect(r).toMatchObject({ changed: false, drift: [], skipped: expect.stringContaining('fleet reconcile') });
    expect(f.writes).toEqual([]);
  });
});
