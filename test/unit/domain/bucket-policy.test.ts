import {
  accountsInBucketPolicy,
  BUCKET_POLICY_SIDS,
  bucketPolicyGrants,
  LEGACY_BUCKET_POLICY_SIDS,
  ownedBucketStatements,
  ownLogObjectsResource,
  renderBucketPolicy,
} from '../../../handlers/domain/bucket-policy';
import { canonicalize, parsePolicy, type PolicyStatement } from '../../../handlers/domain/policy-document';
import { InvalidAccountId, InvalidPolicyDocument } from '../../../handlers/shared/errors';
import {
  ACCOUNTS,
  AUDITOR_READ,
  BUCKET,
  DENY_INSECURE_TRANSPORT,
  dest,
  destWithoutOrganization,
  destWithoutPrefix,
  doc,
  INITIAL_BUCKET_POLICY,
  legacyBucketStatements,
  ORGANIZATION_ID,
  text,
  trailArnOf,
} from './fixtures';

const A = ACCOUNTS.newMember;
const [B, C] = ACCOUNTS.members as unknown as [string, string];
const TRAIL_PATTERN = 'arn:aws:cloudtrail:eu-west-1:*:trail/org-member-trail';

describe('ownedBucketStatements', () => {
  it('renders the delivery grant and the ACL requirement exactly as DESIGN.md describes', () => {
    // act
    const statements = ownedBucketStatements([B, A], dest);

    // assert
    expect(statements).toEqual([
      {
        Sid: 'CloudTrailOnboardingDelivery',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['s3:GetBucketAcl', 's3:PutObject'],
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/\${aws:SourceAccount}/*`],
        Condition: {
          ArnLike: { 'aws:SourceArn': TRAIL_PATTERN },
          StringEquals: { 'aws:SourceAccount': [A, B] },
        },
      },
      {
        Sid: 'CloudTrailOnboardingRequireOwnerAcl',
        Effect: 'Deny',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/*`,
        Condition: {
          ArnLike: { 'aws:SourceArn': TRAIL_PATTERN },
          StringNotEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' },
        },
      },
    ]);
  });

  it('renders the organization-wide grant with aws:SourceOrgID instead of the account list', () => {
    // act
    const [delivery, acl] = ownedBucketStatements({ mode: 'organization', organizationId: ORGANIZATION_ID }, dest);

    // assert
    expect(delivery?.Condition).toEqual({ ArnLike: { 'aws:SourceArn': TRAIL_PATTERN }, StringEquals: { 'aws:SourceOrgID': ORGANIZATION_ID } });
    expect(delivery?.Resource).toContain(`arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/\${aws:SourceAccount}/*`);
    expect(acl).toEqual(ownedBucketStatements([A], dest)[1]);
  });

  it('writes under AWSLogs/${aws:SourceAccount}/ directly when no prefix is configured', () => {
    // act
    const [delivery, acl] = ownedBucketStatements([A], destWithoutPrefix);

    // assert
    expect(delivery?.Resource).toEqual([`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/AWSLogs/\${aws:SourceAccount}/*`]);
    expect(acl?.Resource).toBe(`arn:aws:s3:::${BUCKET}/AWSLogs/*`);
    expect(ownLogObjectsResource(destWithoutPrefix)).toBe(`arn:aws:s3:::${BUCKET}/AWSLogs/\${aws:SourceAccount}/*`);
  });

  it('renders no statement for no account', () => {
    // act / assert
    expect(ownedBucketStatements([], dest)).toEqual([]);
  });

  it.each([['44445555666'], [' 444455556666'], ['*'], [''], ['${aws:SourceAccount}']])('refuses to grant the malformed account id %p', (bad) => {
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
      Condition: { StringEquals: { 'aws:SourceArn': trailArnOf(C), 'aws:SourceAccount': C } },
    };
    const rendered = renderBucketPolicy(text(foreign), [A], dest);

    // act / assert
    expect(accountsInBucketPolicy(rendered.document, dest)).toEqual([A]);
  });

  it('reads every account of the earlier explicit encoding (trail ARNs and per-account resources)', () => {
    // act / assert
    expect(accountsInBucketPolicy(doc(...legacyBucketStatements([A, B, C])), dest)).toEqual([A, B, C]);
  });

  it('reads an account that only a PutObject resource names, or only an aws:SourceArn names (a half-edited legacy statement)', () => {
    // prepare
    const current = parsePolicy(
      text({
        Sid: LEGACY_BUCKET_POLICY_SIDS.write,
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${BUCKET}/old-prefix/AWSLogs/${A}/*`,
        Condition: { StringEquals: { 'aws:SourceArn': trailArnOf(B) } },
      }),
      'bucket policy',
    );

    // act / assert
    expect(accountsInBucketPolicy(current, dest)).toEqual([A, B]);
  });

  it('reads no account from an organization-wide policy (it lists none)', () => {
    // prepare
    const orgWide = doc(...ownedBucketStatements({ mode: 'organization', organizationId: ORGANIZATION_ID }, dest));

    // act / assert
    expect(accountsInBucketPolicy(orgWide, dest)).toEqual([]);
  });
});

describe('bucketPolicyGrants', () => {
  const listed = doc(...ownedBucketStatements([A, B], dest));
  const orgWide = doc(...ownedBucketStatements({ mode: 'organization', organizationId: ORGANIZATION_ID }, dest));
  const otherOrg = doc(...ownedBucketStatements({ mode: 'organization', organizationId: 'o-zzzzzzzzzz' }, dest));

  it.each([
    ['a listed account', listed, A, dest, true],
    ['an account the list does not name', listed, C, dest, false],
    ['an account of the earlier explicit encoding', doc(...legacyBucketStatements([A])), A, dest, true],
    ['any account when the policy is organization-wide for the configured organization', orgWide, C, dest, true],
    ['no account when the policy is organization-wide for another organization', otherOrg, C, dest, false],
    ['no account organization-wide when no organization is configured', orgWide, C, destWithoutOrganization, false],
    ['no account when there is no policy', doc(), A, dest, false],
  ] as const)('grants %s', (_label, policy, account, destination, expected) => {
    // act / assert
    expect(bucketPolicyGrants(policy, account, destination)).toBe(expected);
  });
});

describe('renderBucketPolicy', () => {
  it('grants a first account and keeps the foreign statements first and unchanged', () => {
    // act
    const r = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A], dest);

    // assert
    expect(r.changed).toBe(true);
    expect(r.mode).toBe('accounts');
    expect(r.accounts).toEqual([A]);
    expect(r.document.Statement.map((s) => s.Sid)).toEqual([
      'DenyInsecureTransport',
      'AuditorRead',
      BUCKET_POLICY_SIDS.delivery,
      BUCKET_POLICY_SIDS.requireOwnerAcl,
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
    const collapse = (v: unknown) => (Array.isArray(v) && v.length === 1 ? v[0] : v);
    const asReturned = {
      Statement: written.Statement.map((s) => {
        const { Condition, Resource, ...rest } = s as PolicyStatement & Record<string, unknown>;
        const condition = Object.fromEntries(
          Object.entries(Condition ?? {}).map(([op, byKey]) => [op, Object.fromEntries(Object.entries(byKey).map(([k, v]) => [k, collapse(v)]))]),
        );
        return { Condition: condition, ...rest, Resource: collapse(Resource) };
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
    const after = renderBucketPolicy(before.text, [...accountsInBucketPolicy(before.document, dest), B], dest);

    // assert
    expect(after.changed).toBe(true);
    expect(after.accounts).toEqual([A, B]);
    expect(accountsInBucketPolicy(after.document, dest)).toEqual([A, B]);
    expect(after.document.Statement.slice(0, 2)).toEqual([DENY_INSECURE_TRANSPORT, AUDITOR_READ]);
  });

  it('keeps owned statements in the places they had, between foreign ones', () => {
    // prepare
    const [delivery, acl] = ownedBucketStatements([A], dest) as [PolicyStatement, PolicyStatement];
    const current = text(DENY_INSECURE_TRANSPORT, delivery, AUDITOR_READ, acl);

    // act
    const r = renderBucketPolicy(current, [A, B], dest);

    // assert
    expect(r.document.Statement.map((s) => s.Sid)).toEqual([
      'DenyInsecureTransport',
      'CloudTrailOnboardingDelivery',
      'AuditorRead',
      'CloudTrailOnboardingRequireOwnerAcl',
    ]);
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
    expect(r.document.Statement.map((s) => s.Sid)).toEqual([BUCKET_POLICY_SIDS.delivery, BUCKET_POLICY_SIDS.requireOwnerAcl]);
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

  it.each([
    ['an emptied condition', (s: PolicyStatement) => ({ ...s, Condition: {} })],
    ['a widened resource', (s: PolicyStatement) => ({ ...s, Resource: `arn:aws:s3:::${BUCKET}/*` })],
    ['a dropped account list', (s: PolicyStatement) => ({ ...s, Condition: { ArnLike: { 'aws:SourceArn': TRAIL_PATTERN } } })],
  ])('repairs a hand-edited owned statement (%s)', (_label, edit) => {
    // prepare
    const granted = renderBucketPolicy(INITIAL_BUCKET_POLICY, [A], dest).document;
    const edited = { ...granted, Statement: granted.Statement.map((s) => (s.Sid === BUCKET_POLICY_SIDS.delivery ? edit(s) : s)) };

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
});

describe('renderBucketPolicy from the earlier explicit encoding', () => {
  it('replaces the old statements in their places, keeps the foreign ones unchanged and in place, and grants the old accounts', () => {
    // prepare: the old statements before and after a foreign one
    const [aclCheck, write] = legacyBucketStatements([A, B]) as [PolicyStatement, PolicyStatement];
    const current = text(aclCheck, DENY_INSECURE_TRANSPORT, write, AUDITOR_READ);
    const granted = accountsInBucketPolicy(parsePolicy(current, 'bucket policy'), dest);

    // act
    const r = renderBucketPolicy(current, [...granted, C], dest);

    // assert
    expect(granted).toEqual([A, B]);
    expect(r.changed).toBe(true);
    expect(r.document.Statement.map((s) => s.Sid)).toEqual([
      'CloudTrailOnboardingDelivery',
      'DenyInsecureTransport',
      'CloudTrailOnboardingRequireOwnerAcl',
      'AuditorRead',
    ]);
    expect(r.document.Statement[1]).toEqual(DENY_INSECURE_TRANSPORT);
    expect(r.document.Statement[3]).toEqual(AUDITOR_READ);
    expect(accountsInBucketPolicy(r.document, dest)).toEqual([A, B, C]);
    expect(r.text).not.toContain(LEGACY_BUCKET_POLICY_SIDS.aclCheck);
    expect(r.text).not.toContain(LEGACY_BUCKET_POLICY_SIDS.write);
  });

  it('renders exactly what a fresh render of the same accounts renders, once migrated', () => {
    // prepare
    const current = text(DENY_INSECURE_TRANSPORT, AUDITOR_READ, ...legacyBucketStatements([A, B]));

    // act
    const migrated = renderBucketPolicy(current, accountsInBucketPolicy(parsePolicy(current, 'bucket policy'), dest), dest);

    // assert
    expect(migrated.text).toBe(renderBucketPolicy(INITIAL_BUCKET_POLICY, [A, B], dest).text);
  });
});
