/**
 * What the shared-policy renderers must do with a current document that AWS would not let them
 * write back as it is, for both the bucket policy and the key policy:
 * - Version 2008-10-17 (or none): the owned statements use `${aws:SourceAccount}`, a policy variable
 *   only under 2012-10-17, so the written document carries 2012-10-17; a foreign statement whose
 *   text contains `${` would change meaning with the Version, so the render stops, naming it.
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
 * - a foreign statement naming a deleted role or user by its unique id (`AROA...`): S3 and KMS
 *   reject the whole document, so the render stops, naming the statement and the principal, and
 *   never drops the statement itself.
 */
import { renderBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { renderKeyPolicy } from '../../../handlers/domain/key-policy';
import type { LogDestination } from '../../../handlers/domain/log-destination';
import type { PolicyRender, PolicyStatement } from '../../../handlers/domain/policy-document';
import { PolicyVersionConflict, StalePrincipalInPolicy } from '../../../handlers/shared/errors';
import { ACCOUNTS, AUDITOR_READ, DENY_INSECURE_TRANSPORT, dest, KEY_ADMINISTRATORS, KEY_ROOT_DELEGATION } from './fixtures';

type Render = (current: string | undefined, accounts: readonly string[], dest: LogDestination) => PolicyRender;

const A = ACCOUNTS.newMember;
const [B] = ACCOUNTS.members as unknown as [string];
const STALE = 'AROAEXAMPLEID1234567';

/** A foreign statement whose text holds a `${...}` (literal under 2008-10-17, a variable under 2012-10-17). */
const DOLLAR_BRACE: Record<'bucket' | 'key', PolicyStatement> = {
  bucket: {
    Sid: 'TeamPrefix',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::222233334444:role/Auditor' },
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::org-cloudtrail-logs-222233334444/${aws:username}/*',
  },
  key: {
    Sid: 'TeamDecrypt',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::222233334444:role/Auditor' },
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringLike: { 'kms:EncryptionContext:team': '${aws:PrincipalTag/team}' } },
  },
};

const POLICIES = [
  { name: 'bucket policy', kind: 'bucket' as const, render: renderBucketPolicy as Render, foreign: [DENY_INSECURE_TRANSPORT, AUDITOR_READ], service: 'S3' },
  { name: 'key policy', kind: 'key' as const, render: renderKeyPolicy as Render, foreign: [KEY_ROOT_DELEGATION, KEY_ADMINISTRATORS], service: 'KMS' },
];

/** A current document with these statements and this Version (`undefined`: no Version element). */
function current(version: string | undefined, statements: PolicyStatement[]): string {
  return JSON.stringify({ ...(version !== undefined ? { Version: version } : {}), Statement: statements });
}

function thrown(fn: () => unknown): Error & { details?: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe.each(POLICIES)('the $name', ({ kind, render, foreign, service, name }) => {
  describe('with Version 2008-10-17 or no Version', () => {
    it.each([['2008-10-17'], [undefined]])('written with the owned statements, carries Version 2012-10-17 (current: %p), foreign statements unchanged', (version) => {
      // act
      const r = render(current(version, foreign), [A], dest);

      // assert
      expect(r.changed).toBe(true);
      expect(r.document.Version).toBe('2012-10-17');
      expect(JSON.parse(r.text).Version).toBe('2012-10-17');
      expect(r.document.Statement.slice(0, foreign.length)).toEqual(foreign);
    });

    it('a policy the service already wrote under 2008-10-17 is rewritten once with 2012-10-17, then left alone', () => {
      // prepare: the owned statements as an earlier version of the service left them, Version kept
      const written = JSON.parse(render(current('2012-10-17', foreign), [A], dest).text);
      const stale = JSON.stringify({ ...written, Version: '2008-10-17' });

      // act
      const r = render(stale, [A], dest);

      // assert
      expect(r.changed).toBe(true);
      expect(r.document.Version).toBe('2012-10-17');
      expect(render(r.text, [A], dest).changed).toBe(false);
    });

    it.each([
      ['with a Sid', (s: PolicyStatement) => s, `Sid "${DOLLAR_BRACE[kind].Sid}"`],
      ['without a Sid', ({ Sid: _sid, ...s }: PolicyStatement) => s, 'statement #3 (no Sid)'],
    ])('stops before any write when a foreign statement %s contains ${...} text, naming it and saying what to do', (_label, edit, named) => {
      // prepare
      const text = current('2008-10-17', [...foreign, edit(DOLLAR_BRACE[kind])]);

      // act
      const e = thrown(() => render(text, [A], dest));

      // assert
      expect(e).toBeInstanceOf(PolicyVersionConflict);
      expect(e.name).toBe('PolicyVersionConflict');
      expect(e.message).toContain(name);
      expect(e.message).toContain(named);
      expect(e.message).toContain('2008-10-17');
      expect(e.message).toContain('2012-10-17');
      expect(e.message).toContain('${$}');
      expect(e.message).toContain('Nothing was written');
      expect(e.details).toMatchObject({ version: '2008-10-17', statementIndex: 2 });
    });

    it('does not stop for ${...} text in a foreign statement when the document is already 2012-10-17', () => {
      // act / assert
      expect(() => render(current('2012-10-17', [...foreign, DOLLAR_BRACE[kind]]), [A], dest)).not.toThrow();
    });
  });

  describe('with a foreign statement naming a deleted role by its unique id', () => {
    const staleStatement = (principal: string | string[]): PolicyStatement => ({
      Sid: 'LegacyReader',
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: kind === 'bucket' ? 's3:GetObject' : 'kms:Decrypt',
      Resource: kind === 'bucket' ? 'arn:aws:s3:::org-cloudtrail-logs-222233334444/*' : '*',
    });

    it.each([
      ['alone', STALE],
      ['among other principals', ['arn:aws:iam::222233334444:role/Auditor', STALE]],
    ])('stops before any write (%s), naming the statement, the principal and what to do', (_label, principal) => {
      // prepare
      const text = current('2012-10-17', [...foreign, staleStatement(principal)]);

      // act
      const e = thrown(() => render(text, [A], dest));

      // assert
      expect(e).toBeInstanceOf(StalePrincipalInPolicy);
      expect(e.name).toBe('StalePrincipalInPolicy');
      expect(e.message).toContain(name);
      expect(e.message).toContain('Sid "LegacyReader"');
      expect(e.message).toContain(STALE);
      expect(e.message).toContain(service);
      expect(e.message).toMatch(/deleted/);
      expect(e.message).toMatch(/[Rr]emove/);
      expect(e.message).toContain('Nothing was written');
      expect(e.details).toMatchObject({ principal: STALE, statementIndex: 2, sid: 'LegacyReader' });
    });

    it('names an unnamed statement by its position', () => {
      // prepare
      const { Sid: _sid, ...unnamed } = staleStatement(STALE);

      // act
      const e = thrown(() => render(current('2012-10-17', [...foreign, unnamed]), [A], dest));

      // assert
      expect(e).toBeInstanceOf(StalePrincipalInPolicy);
      expect(e.message).toContain('statement #3 (no Sid)');
    });

    it('does not fail a render that writes nothing (the account is already granted)', () => {
      // prepare: granted before the role was deleted
      const granted = JSON.parse(render(current('2012-10-17', [...foreign, staleStatement('arn:aws:iam::222233334444:role/Gone')]), [A], dest).text);
      granted.Statement[2].Principal.AWS = STALE;

      // act
      const r = render(JSON.stringify(granted), [A], dest);

      // assert
      expect(r.changed).toBe(false);
      expect(() => render(JSON.stringify(granted), [A, B], dest)).toThrow(StalePrincipalInPolicy);
    });
  });
});
