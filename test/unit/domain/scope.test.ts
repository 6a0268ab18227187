import { checkScope, decideScope, isWholeOrganization, scopeNeedsPath } from '../../../handlers/domain/scope';
import { AccountOutOfScope } from '../../../handlers/shared/errors';
import { SCOPE_DEFAULTS, type ScopeRuntime } from '../../../handlers/shared/config';

const ROOT = 'r-ab12';
const PROD = 'ou-ab12-prod0001';
const PROD_LEGACY = 'ou-ab12-legacy01';
const SANDBOX = 'ou-ab12-sandbox1';
const scope = (s: Partial<ScopeRuntime>): ScopeRuntime => ({ ...SCOPE_DEFAULTS, ...s });

describe('decideScope', () => {
  it('takes every account when the scope is the whole organization, without needing a path', () => {
    expect(isWholeOrganization(SCOPE_DEFAULTS)).toBe(true);
    expect(scopeNeedsPath(SCOPE_DEFAULTS)).toBe(false);
    expect(decideScope('111111111111', SCOPE_DEFAULTS)).toEqual({ inScope: true });
  });

  it('excludes listed accounts wherever they are, and needs no path for that', () => {
    const s = scope({ excludeAccounts: ['111111111111'] });
    expect(scopeNeedsPath(s)).toBe(false);
    expect(decideScope('111111111111', s)).toMatchObject({ inScope: false, rule: 'excludeAccounts' });
    expect(decideScope('222222222222', s)).toEqual({ inScope: true });
  });

  it('includes accounts at any depth under an included OU, and only those', () => {
    const s = scope({ includeOus: [PROD] });
    expect(decideScope('111111111111', s, [ROOT, PROD])).toEqual({ inScope: true });
    expect(decideScope('111111111111', s, [ROOT, PROD, PROD_LEGACY])).toEqual({ inScope: true });
    const out = decideScope('222222222222', s, [ROOT, SANDBOX]);
    expect(out).toMatchObject({ inScope: false, rule: 'includeOus' });
    expect(out.inScope || out.reason).toContain(SANDBOX);
    expect(decideScope('333333333333', s, [ROOT])).toMatchObject({ inScope: false, rule: 'includeOus' });
  });

  it('lets an exclusion win over an inclusion higher up the tree', () => {
    const s = scope({ includeOus: [ROOT], excludeOus: [PROD_LEGACY] });
    expect(decideScope('111111111111', s, [ROOT, PROD])).toEqual({ inScope: true });
    expect(decideScope('111111111111', s, [ROOT, PROD, PROD_LEGACY])).toMatchObject({ inScope: false, rule: 'excludeOus' });
  });

  it('refuses to decide an OU rule without the path (a caller mistake, not an out-of-scope account)', () => {
    expect(() => decideScope('111111111111', scope({ includeOus: [PROD] }))).toThrow(/OU path/);
  });
});

describe('checkScope', () => {
  it('throws the named error with the rule and what to change', () => {
    let error: unknown;
    try {
      checkScope('222222222222', scope({ includeOus: [PROD] }), [ROOT, SANDBOX]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AccountOutOfScope);
    expect((error as AccountOutOfScope).message).toMatch(/out of the configured scope.*Change scope in the configuration/);
    expect((error as AccountOutOfScope).details).toEqual({ accountId: '222222222222', rule: 'includeOus', path: [ROOT, SANDBOX] });
  });

  it('passes an account in scope', () => {
    expect(() => checkScope('111111111111', scope({ includeOus: [PROD] }), [ROOT, PROD])).not.toThrow();
  });
});
