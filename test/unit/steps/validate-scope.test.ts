/** ValidateRequest's scope check: the OU path is read only when a rule needs it. */
import { validateRequest } from '../../../handlers/steps/validate-request';
import { fakeDeps, IDS } from './fakes';

const EXEC = 'arn:aws:states:eu-west-1:111122223333:execution:CloudTrailOnboarding:onboard-444455556666';
const ROOT = 'r-ab12';
const PROD = 'ou-ab12-prod0001';
const SANDBOX = 'ou-ab12-sandbox1';
const org = [
  { id: IDS.member, state: 'ACTIVE' },
  { id: IDS.other, state: 'ACTIVE' },
];
const paths = { [IDS.member]: [ROOT, PROD], [IDS.other]: [ROOT, SANDBOX] };

/** fakeDeps with a count of the OU-path lookups. */
function withPathCount(scope: Record<string, string[]>) {
  const w = fakeDeps({ scope }, org, paths);
  const looked: string[] = [];
  const accountPath = w.deps.accountPath.bind(w.deps);
  const deps = { ...w.deps, accountPath: async (id: string) => (looked.push(id), accountPath(id)) };
  return { ...w, deps, looked };
}

describe('ValidateRequest and the scope', () => {
  it('decides an account of excludeAccounts without reading its OU path, and records it REJECTED', async () => {
    const w = withPathCount({ includeOus: [PROD], excludeAccounts: [IDS.member] });
    await expect(validateRequest(w.deps, { accountId: IDS.member }, EXEC)).rejects.toMatchObject({ name: 'AccountOutOfScope', details: { rule: 'excludeAccounts' } });
    expect(w.looked).toEqual([]);
    expect(w.writes).toEqual([`Status REJECTED ${IDS.member}`]);
  });

  it('reads the OU path when a rule names OUs: under an included OU it passes, elsewhere it is out of scope', async () => {
    const w = withPathCount({ includeOus: [PROD] });
    await expect(validateRequest(w.deps, { accountId: IDS.member }, EXEC)).resolves.toMatchObject({ accountId: IDS.member });
    await expect(validateRequest(w.deps, { accountId: IDS.other }, EXEC)).rejects.toMatchObject({ name: 'AccountOutOfScope', details: { rule: 'includeOus', path: [ROOT, SANDBOX] } });
    expect(w.looked).toEqual([IDS.member, IDS.other]);
  });

  it('reads no OU path for the whole organization', async () => {
    const w = withPathCount({});
    await expect(validateRequest(w.deps, { accountId: IDS.other }, EXEC)).resolves.toMatchObject({ accountId: IDS.other });
    expect(w.looked).toEqual([]);
  });
});
