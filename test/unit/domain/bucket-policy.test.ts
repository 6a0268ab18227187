import {
  accountsInBucketPolicy,
  BUCKET_POLICY_SIDS,
  ownedBucketStatements,
  renderBucketPolicy,
} from '../../../handlers/domain/bucket-policy';
import { canonicalize, parsePolicy, type PolicyStatement } from '../../../handlers/domain/policy-document';
import { InvalidAccountId, InvalidPolicyDocument, PolicyTooLarge } from '../../../handlers/shared/errors';
import {
  ACCOUNTS,
  AUDITOR_READ,
  BUCKET,
  DENY_INSECURE_TRANSPORT,
  dest,
  destWithoutPrefix,
  INITIAL_BUCKET_POLICY,
  manyAccounts,
  text,
  trailArnOf,
} from './fixtures';

const A = ACCOUNTS.newMember;
const [B, C] = ACCOUNTS.members;

/** The known capacity of the bucket policy with the fixture's names and foreign statements. */
const BUCKET_POLICY_OVERFLOWS_AT = 91;

describe('ownedBucketStatements', () => {
  it('renders the ACL check and the per-account write grants exactly as DESIGN.md describes', () => {
    // act
    const statements = ownedBucketStatements([B as string, A], dest);

    // assert
    expect(statements).toEqual([
      {
        Sid: 'CloudTrailOnboardingAclCheck',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:GetBucketAcl',
        Resource: `arn:aws:s3:::${BUCKET}`,
        Condition: { StringEquals: { 'aws:SourceArn': [trailArnOf(A), trailArnOf(B as string)] } },
      },
      {
        Sid: 'CloudTrailOnboardingWrite',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: [`arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${A}/*`, `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${B}/*`],
        Condition: {
          StringEquals: {
            'aws:SourceArn': [trailArnOf(A), trailArnOf(B as string)],
            's3:x-amz-acl': 'bucket-owner-full-control',
          },
        },
      },
    ]);
  });

  it('writes under AWSLogs/<account>/ directly when no prefix is configured', () => {
    // act
    const [, write] = ownedBucketStatements([A], destWithoutPrefix);

    // assert
    expect(write?.Resource).toEqual([`arn:aws:s3:::${BUCKET}/AWSLogs/${A}/*`]);
  });

  it('renders no statement for no account', () => {
    // act / assert
    expect(ownedBucketStatements([], dest)).toEqual([]);
  });

  it.each([['44445555666'], [' 444455556666'], ['*'], ['']])('refuses to grant the malformed account id %p', (bad) => {
    // act / assert
    expect(() => ownedBucketStatements([A, bad], dest)).toThrow(InvalidAccountId);
  });
});

describe('accountsInBucketPolicy', () => {
  it.each([
    ['no account', []],
    ['one account', [A]],
    ['several accounts', [A, B, C]],
  ])('reads back the accounts rendered for %s', (_label, accounts) => {
    // prepare
    const rendered = renderBucketPolicy(INITIAL_BUCKET_POLICY, accounts as string[], dest);

    // act / assert
    expect(accountsInBucketPolicy(rendered.document, dest)).toEqual([...accounts].sort());
  });

  it('ignores accounts named in foreign statements', () => {
    // prepare
    const foreign: PolicyStatement = {
      Sid: 'SomeoneElsesWrite',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${C}/*`,
      Condition: { StringEquals: { 'aws:SourceArn': trailArnOf(C as string) } },
    };
    const rendered = renderBucketPolicy(text(foreign), [A], dest);

    // act / assert
    expect(accountsInBucketPolicy(rendered.document, dest)).toEqual([A]);
  });

  it('reads an account that only a PutObject resource names, or only an aws:SourceArn names (a half-edited statement)', () => {
    // prepare
    const current = parsePolicy(
      text({
        Sid: 'CloudTrailOnboardingWrite',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${BUCKET}/old-prefix/AWSLogs/${A}/*`,
        Condition: { StringEquals: { 'aws:SourceArn': trailArnOf(B as string) } },
      }),
      'bucket policy',
    );

    // act / assert
    expect(accountsInBucketPolicy(current, dest)).toEqual([A, B]);
  });
});

describe('renderBucketPolicy', () => {
  it('grants a first account and keeps the foreign statements first and unchanged', () => {
    // act
    const r = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A], dest);

    // assert
    expect(r.changed).toBe(true);
    expect(r.accounts).toEqual([A]);
    expect(r.document.Statement.map((s) => s.Sid)).toEqual([
      'DenyInsecureTransport',
      'AuditorRead',
      BUCKET_POLICY_SIDS.aclCheck,
      BUCKET_POLICY_SIDS.write,
    ]);
    expect(r.document.Statement.slice(0, 2)).toEqual([DENY_INSECURE_TRANSPORT, AUDITOR_READ]);
    expect(r.text).toBe(JSON.stringify(r.document));
    expect(r.bytes).toBe(Buffer.byteLength(r.text));
    expect(r.limit).toBe(20_480);
  });

  it.each([
    ['one account', [A]],
    ['three accounts', [A, B, C]],
    ['the same accounts in another order, with a duplicate', [C, A, B, A]],
  ])('re-rendering with the same accounts (%s) reports no change', (_label, accounts) => {
    // prepare
    const first = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A, B, C].slice(0, new Set(accounts).size), dest);

    // act
    const again = renderBucketPolicy(first.text, accounts as string[], dest);

    // assert
    expect(again.changed).toBe(false);
    expect(again.text).toBe(first.text);
  });

  it('reports no change when S3 gives the policy back pretty-printed, reordered and with one-element lists collapsed', () => {
    // prepare
    const written = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A], dest).document;
    const asReturned = {
      Statement: written.Statement.map((s) => {
        const { Condition, Resource, ...rest } = s as PolicyStatement & Record<string, unknown>;
        const collapsed = Array.isArray(Resource) && Resource.length === 1 ? Resource[0] : Resource;
        return { Condition, ...rest, Resource: collapsed };
      }),
      Version: written.Version,
    };

    // act
    const r = renderBucketPolicy(JSON.stringify(asReturned, null, 4), [A], dest);

    // assert
    expect(r.changed).toBe(false);
  });

  it('adding an account changes the policy and grants the old and the new account', () => {
    // prepare
    const before = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A], dest);

    // act
    const after = renderBucketPolicy(before.text, [...accountsInBucketPolicy(before.document, dest), B as string], dest);

    // assert
    expect(after.changed).toBe(true);
    expect(after.accounts).toEqual([A, B]);
    expect(accountsInBucketPolicy(after.document, dest)).toEqual([A, B]);
    expect(after.document.Statement.slice(0, 2)).toEqual([DENY_INSECURE_TRANSPORT, AUDITOR_READ]);
  });

  it('keeps owned statements in the places they had, between foreign ones', () => {
    // prepare
    const [aclCheck, write] = ownedBucketStatements([A], dest) as [PolicyStatement, PolicyStatement];
    const current = text(DENY_INSECURE_TRANSPORT, aclCheck, AUDITOR_READ, write);

    // act
    const r = renderBucketPolicy(current, [A, B as string], dest);

    // assert
    expect(r.document.Statement.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'CloudTrailOnboardingAclCheck', 'AuditorRead', 'CloudTrailOnboardingWrite']);
  });

  it.each([
    ['there is no policy', undefined],
    ['the policy is empty text', ''],
  ])('reports no change and renders no statement for no account when %s', (_label, current) => {
    // act
    const r = renderBucketPolicy(current, [], dest);

    // assert
    expect(r.changed).toBe(false);
    expect(r.document.Statement).toEqual([]);
  });

  it('creates the policy when there is none and an account is granted', () => {
    // act
    const r = renderBucketPolicy(undefined, [A], dest);

    // assert
    expect(r.changed).toBe(true);
    expect(r.document.Statement.map((s) => s.Sid)).toEqual([BUCKET_POLICY_SIDS.aclCheck, BUCKET_POLICY_SIDS.write]);
  });

  it('removes the owned statements when no account is left, keeping the foreign ones', () => {
    // prepare
    const granted = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A], dest);

    // act
    const r = renderBucketPolicy(granted.text, [], dest);

    // assert
    expect(r.changed).toBe(true);
    expect(canonicalize(r.document)).toBe(canonicalize(parsePolicy(INITIAL_BUCKET_POLICY, 'bucket policy')));
  });

  it('repairs a hand-edited owned statement', () => {
    // prepare
    const granted = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A], dest).document;
    const edited = { ...granted, Statement: granted.Statement.map((s) => (s.Sid === BUCKET_POLICY_SIDS.write ? { ...s, Condition: {} } : s)) };

    // act
    const r = renderBucketPolicy(JSON.stringify(edited), [A], dest);

    // assert
    expect(r.changed).toBe(true);
    expect(r.text).toBe(renderBucketPolicy(INITIAL_BUCKET_POLICY, [A], dest).text);
  });

  it('rejects a current policy that is not JSON', () => {
    // act / assert
    expect(() => renderBucketPolicy('{oops', [A], dest)).toThrow(InvalidPolicyDocument);
  });

  it(`overflows the 20 KB limit at ${BUCKET_POLICY_OVERFLOWS_AT} accounts, naming the policy, its size, the limit and the count`, () => {
    // prepare: find the first account count that does not fit
    let fits = 0;
    let error: unknown;
    for (let n = 1; n <= 500 && error === undefined; n++) {
      try {
        const r = renderBucketPolicy(INITIAL_BUCKET_POLICY, manyAccounts(n), dest);
        expect(r.bytes).toBeLessThanOrEqual(20_480);
        fits = n;
      } catch (e) {
        error = e;
      }
    }

    // assert
    expect(fits + 1).toBe(BUCKET_POLICY_OVERFLOWS_AT);
    expect(error).toBeInstanceOf(PolicyTooLarge);
    const e = error as PolicyTooLarge;
    expect(e.name).toBe('PolicyTooLarge');
    expect(e.message).toMatch(
      new RegExp(
        `^The bucket policy of ${BUCKET} holding ${BUCKET_POLICY_OVERFLOWS_AT} accounts would be [0-9,]+ bytes, ` +
          'over the AWS limit of 20,480 bytes \\(20 KB\\)',
      ),
    );
    expect(e.message).toContain('https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html');
    expect(e.details).toMatchObject({ limit: 20_480, accounts: BUCKET_POLICY_OVERFLOWS_AT });
    expect(e.details.size as number).toBeGreaterThan(20_480);
  });

  it('does not fail a re-render that writes nothing, whatever the size', () => {
    // prepare: a current policy that already holds the accounts
    const accounts = manyAccounts(BUCKET_POLICY_OVERFLOWS_AT - 1);
    const current = renderBucketPolicy(INITIAL_BUCKET_POLICY, accounts, dest).text;

    // act
    const r = renderBucketPolicy(current, accounts, dest);

    // assert
    expect(r.changed).toBe(false);
  });
});
