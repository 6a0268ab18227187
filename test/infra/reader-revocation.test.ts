/**
 * The grants behind an offboarded account's revoked read access (handlers/domain/reader-revocation.ts):
 * in readerAccess.mode "shared" the log-archive access role may write and delete inline policies of the
 * shared reader role only (tagged as ours, with the readers' boundary), and EnsureReaderRole may take
 * the deny list's lease and no other item; in per-account mode neither exists.
 */
import { identityPolicies, flatten, list, onlyResource, resourcesOf, sampleRaw, synth, type Synthesized, type Statement } from './helpers';

const shared = () => synth({ ...sampleRaw(), readerAccess: { mode: 'shared', removePerAccountRoles: false } });
const perAccount = () => synth(sampleRaw());

/** The statements of the log-archive access role's inline policy, flattened. */
function accessStatements(s: Synthesized): Statement[] {
  const [, role] = onlyResource(s.templates.logArchive!, 'AWS::IAM::Role', { RoleName: 'OnboardingLogArchiveAccess' });
  return (role.Properties!.Policies as { PolicyDocument: { Statement: Statement[] } }[])[0]!.PolicyDocument.Statement.map((st) => flatten(st) as Statement);
}

/** EnsureReaderRole's statements on the status table. */
function ensureReaderRoleTableGrants(s: Synthesized): Statement[] {
  const fns = resourcesOf(s.templates.orchestrator!, 'AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => /^EnsureReaderRole[0-9A-F]{8}$/.test(id))!;
  const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  return identityPolicies(s.templates.orchestrator!)
    .filter((p) => p.roles.includes(roleId!))
    .flatMap((p) => p.statements)
    .filter((st) => list(st.Action).some((a) => a.startsWith('dynamodb:')));
}

describe('in readerAccess.mode shared', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = shared();
  });

  it('the access role may put and delete inline policies of the shared reader role alone, only while it is ours and has the readers\' boundary', () => {
    const writes = accessStatements(s).filter((st) => list(st.Action).some((a) => a === 'iam:PutRolePolicy' || a === 'iam:DeleteRolePolicy'));
    expect(writes).toEqual([
      {
        Sid: 'WriteSharedReaderDenyList',
        Effect: 'Allow',
        Action: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
        Resource: 'arn:aws:iam::222233334444:role/CloudTrailOnboarding-LogReader',
        Condition: {
          StringEquals: {
            // The stack's own boundary policy (the managed policy's ARN, by reference).
            'iam:PermissionsBoundary': expect.stringMatching(/^<ReaderBoundary[0-9A-F]{8}>$/),
            'aws:ResourceTag/managed-by': 'cloudtrail-onboarding',
          },
        },
      },
    ]);
  });

  it('EnsureReaderRole may take the deny list\'s lease (put, read, delete that one item) and nothing else of the table', () => {
    expect(ensureReaderRoleTableGrants(s).map((st) => ({ actions: list(st.Action).sort(), condition: st.Condition }))).toEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOCK#shared-reader-role'] } } },
    ]);
  });
});

describe('in readerAccess.mode per-account', () => {
  it('the access role has no grant on the shared reader role, and EnsureReaderRole none on the table', () => {
    const s = perAccount();
    expect(accessStatements(s).filter((st) => JSON.stringify(st.Resource).includes('CloudTrailOnboarding-LogReader'))).toEqual([]);
    expect(ensureReaderRoleTableGrants(s)).toEqual([]);
  });
});
