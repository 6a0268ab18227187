import {
  accountsInKeyPolicy,
  assertKeyPolicyKeepsAdministration,
  KEY_POLICY_SIDS,
  keyPolicyGrants,
  ownedKeyStatements,
  renderKeyPolicy,
} from '../../../handlers/domain/key-policy';
import { parsePolicy, type PolicyDocument, type PolicyStatement } from '../../../handlers/domain/policy-document';
import { InvalidPolicyDocument, PolicyTooLarge } from '../../../handlers/shared/errors';
import {
  ACCOUNTS,
  doc,
  dest,
  destWithoutOrganization,
  INITIAL_KEY_POLICY,
  KEY_ADMINISTRATORS,
  KEY_ARN,
  KEY_ROOT_DELEGATION,
  legacyKeyStatements,
  manyAccounts,
  ORGANIZATION_ID,
  text,
} from './fixtures';

const A = ACCOUNTS.newMember;
const [B, C] = ACCOUNTS.members as unknown as [string, string];
const TRAIL_PATTERN = 'arn:aws:cloudtrail:eu-west-1:*:trail/org-member-trail';

describe('ownedKeyStatements', () => {
  it('renders the encrypt and describe grants exactly as DESIGN.md describes', () => {
    // act
    const statements = ownedKeyStatements([B, A], dest);

    // assert
    expect(statements).toEqual([
      {
        Sid: 'CloudTrailOnboardingEncrypt',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: {
          ArnLike: { 'aws:SourceArn': TRAIL_PATTERN },
          StringEquals: { 'aws:SourceAccount': [A, B] },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/*' },
        },
      },
      {
        Sid: 'CloudTrailOnboardingDescribe',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { ArnLike: { 'aws:SourceArn': TRAIL_PATTERN } },
      },
    ]);
  });

  it('pins the describe grant to the trail name alone, organization id configured or not: CloudTrail documents no aws:SourceOrgID for its KMS requests', () => {
    // act
    const withOrganization = ownedKeyStatements([B, A], dest);
    const withoutOrganization = ownedKeyStatements([B, A], destWithoutOrganization);

    // assert
    expect(withoutOrganization).toEqual(withOrganization);
    expect(withOrganization[1]?.Condition).toEqual({ ArnLike: { 'aws:SourceArn': TRAIL_PATTERN } });
    expect(JSON.stringify(withOrganization)).not.toContain('aws:SourceOrgID');
  });

  it('renders the organization-wide grants with aws:SourceOrgID (only if the request carries it) instead of the account list, keeping the own-context pattern', () => {
    // act
    const [encrypt, describeKey] = ownedKeyStatements({ mode: 'organization', organizationId: ORGANIZATION_ID }, dest);

    // assert
    expect(encrypt?.Condition).toEqual({
      ArnLike: { 'aws:SourceArn': TRAIL_PATTERN },
      StringEqualsIfExists: { 'aws:SourceOrgID': ORGANIZATION_ID },
      StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:${aws:SourceAccount}:trail/*' },
    });
    expect(describeKey?.Condition).toEqual({ ArnLike: { 'aws:SourceArn': TRAIL_PATTERN } });
  });

  it('renders no statement for no account', () => {
    // act / assert
    expect(ownedKeyStatements([], dest)).toEqual([]);
  });

  it.each([
    ['as a list', [B, A] as readonly string[]],
    ['organization-wide', { mode: 'organization' as const, organizationId: ORGANIZATION_ID }],
  ])('for a bucket with an S3 Bucket Key, grants CloudTrail kms:Decrypt in the encrypt statement, under its conditions (%s)', (_label, grantees) => {
    // act
    const [encrypt, describeKey] = ownedKeyStatements(grantees, { ...dest, bucketKeyEnabled: true });
    const [plain, plainDescribe] = ownedKeyStatements(grantees, dest);

    // assert
    expect(encrypt).toEqual({ ...plain, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] });
    expect(describeKey).toEqual(plainDescribe);
    expect(plain?.Action).toBe('kms:GenerateDataKey*');
    expect(ownedKeyStatements(grantees, { ...dest, bucketKeyEnabled: false })).toEqual(ownedKeyStatements(grantees, dest));
  });
});

describe('accountsInKeyPolicy', () => {
  it.each([
    ['no account', []],
    ['one account', [A]],
    ['several accounts', [C, A, B]],
  ])('reads back the accounts rendered for %s', (_label, accounts) => {
    // prepare
    const rendered = renderKeyPolicy(INITIAL_KEY_POLICY, accounts, dest);

    // act / assert
    expect(accountsInKeyPolicy(rendered.document, dest)).toEqual([...accounts].sort());
  });

  it('ignores the accounts of foreign statements', () => {
    // act / assert
    expect(accountsInKeyPolicy(parsePolicy(INITIAL_KEY_POLICY, 'key policy'), dest)).toEqual([]);
  });

  it('reads every account of the earlier explicit encoding (encryption-context patterns and trail ARNs)', () => {
    // act / assert
    expect(accountsInKeyPolicy(doc(KEY_ROOT_DELEGATION, ...legacyKeyStatements([C, A, B])), dest)).toEqual([A, B, C]);
  });

  it('reads no account from an organization-wide policy (it lists none)', () => {
    // act / assert
    expect(accountsInKeyPolicy(doc(...ownedKeyStatements({ mode: 'organization', organizationId: ORGANIZATION_ID }, dest)), dest)).toEqual([]);
  });
});

describe('keyPolicyGrants', () => {
  const orgWide = doc(KEY_ROOT_DELEGATION, ...ownedKeyStatements({ mode: 'organization', organizationId: ORGANIZATION_ID }, dest));

  it.each([
    ['a listed account', doc(KEY_ROOT_DELEGATION, ...ownedKeyStatements([A], dest)), A, dest, true],
    ['an account the list does not name', doc(KEY_ROOT_DELEGATION, ...ownedKeyStatements([A], dest)), B, dest, false],
    [
      'no account the list does not name, although its describe grant names the configured organization',
      doc(KEY_ROOT_DELEGATION, ...ownedKeyStatements([A], dest)),
      C,
      dest,
      false,
    ],
    ['an account of the earlier explicit encoding', doc(KEY_ROOT_DELEGATION, ...legacyKeyStatements([B])), B, dest, true],
    ['any account when the policy is organization-wide for the configured organization', orgWide, C, dest, true],
    ['no account organization-wide when no organization is configured', orgWide, C, destWithoutOrganization, false],
  ] as const)('grants %s', (_label, policy, account, destination, expected) => {
    // act / assert
    expect(keyPolicyGrants(policy, account, destination)).toBe(expected);
  });
});

describe('renderKeyPolicy', () => {
  it('appends the owned statements after the administrators and keeps them unchanged', () => {
    // act
    const r = renderKeyPolicy(INITIAL_KEY_POLICY, [A], dest);

    // assert
    expect(r.changed).toBe(true);
    expect(r.mode).toBe('accounts');
    expect(r.limit).toBe(32_768);
    expect(r.document.Statement.slice(0, 2)).toEqual([KEY_ROOT_DELEGATION, KEY_ADMINISTRATORS]);
    expect(r.document.Statement.map((s) => s.Sid).slice(2)).toEqual([KEY_POLICY_SIDS.encrypt, KEY_POLICY_SIDS.describe]);
  });

  it.each([
    ['one account', [A]],
    ['three accounts', [A, B, C]],
  ])('re-rendering with the same accounts (%s) reports no change', (_label, accounts) => {
    // prepare
    const first = renderKeyPolicy(INITIAL_KEY_POLICY, accounts, dest);

    // act
    const again = renderKeyPolicy(JSON.stringify(JSON.parse(first.text), null, 2), [...accounts].reverse(), dest);

    // assert
    expect(again.changed).toBe(false);
    expect(again.mode).toBe('accounts');
  });

  it('with an organization id configured, a list policy stays a list when an account is added, and names no organization', () => {
    // prepare
    const before = renderKeyPolicy(INITIAL_KEY_POLICY, [A], dest);

    // act
    const after = renderKeyPolicy(before.text, [A, B], dest);

    // assert
    expect(before.text).not.toContain('aws:SourceOrgID');
    expect(after).toMatchObject({ mode: 'accounts', changed: true });
    expect(accountsInKeyPolicy(after.document, dest)).toEqual([A, B]);
  });

  it('a list policy whose describe grant still names the organization (as earlier versions wrote it) stays a list, and is rewritten once without it', () => {
    // prepare: the describe grant as written before, with the organization condition
    const earlier = renderKeyPolicy(INITIAL_KEY_POLICY, [A], dest).document;
    for (const st of earlier.Statement) {
      if (st.Sid === KEY_POLICY_SIDS.describe) st.Condition = { ...st.Condition, StringEquals: { 'aws:SourceOrgID': ORGANIZATION_ID } };
    }

    // act
    const r = renderKeyPolicy(JSON.stringify(earlier), [A], dest);

    // assert
    expect(r).toMatchObject({ mode: 'accounts', changed: true });
    expect(r.text).toBe(renderKeyPolicy(INITIAL_KEY_POLICY, [A], dest).text);
    expect(renderKeyPolicy(r.text, [A], dest).changed).toBe(false);
  });

  it('adds CloudTrail\'s kms:Decrypt when the bucket gets an S3 Bucket Key and removes it when it no longer has one; each state re-renders unchanged', () => {
    // prepare
    const plain = renderKeyPolicy(INITIAL_KEY_POLICY, [A], dest);

    // act
    const keyed = renderKeyPolicy(plain.text, [A], { ...dest, bucketKeyEnabled: true });
    const back = renderKeyPolicy(keyed.text, [A], dest);

    // assert
    expect(keyed.changed).toBe(true);
    expect(keyed.text).toContain('"Action":["kms:Decrypt","kms:GenerateDataKey*"]');
    expect(renderKeyPolicy(keyed.text, [A], { ...dest, bucketKeyEnabled: true }).changed).toBe(false);
    expect(back.changed).toBe(true);
    expect(back.text).toBe(plain.text);
    expect(plain.text).not.toContain('kms:Decrypt');
  });

  it('adding an account changes the policy and grants both accounts', () => {
    // prepare
    const before = renderKeyPolicy(INITIAL_KEY_POLICY, [A], dest);

    // act
    const after = renderKeyPolicy(before.text, [...accountsInKeyPolicy(before.document, dest), B], dest);

    // assert
    expect(after.changed).toBe(true);
    expect(accountsInKeyPolicy(after.document, dest)).toEqual([A, B]);
  });

  it('refuses to write a policy when there is no current one (it would lock the administrators out)', () => {
    // act / assert
    expect(() => renderKeyPolicy(undefined, [A], dest)).toThrow(InvalidPolicyDocument);
    expect(() => renderKeyPolicy(undefined, [A], dest)).toThrow(/no statement for the key administrators/);
  });

  it('refuses to go organization-wide on a policy without administrators either', () => {
    // act / assert
    expect(() => renderKeyPolicy(undefined, manyAccounts(2_200), dest)).toThrow(/no statement for the key administrators/);
  });

  it('without an organization id, overflows the 32 KB limit naming the key policy, the limit, the count and how many fit', () => {
    // prepare
    const accounts = manyAccounts(2_200);

    // act
    const act = (): unknown => renderKeyPolicy(INITIAL_KEY_POLICY, accounts, destWithoutOrganization);

    // assert
    expect(act).toThrow(PolicyTooLarge);
    expect(act).toThrow(
      new RegExp(`^The key policy of ${KEY_ARN} holding 2,200 accounts would be [0-9,]+ bytes, over the AWS limit of 32,768 bytes \\(32 KB\\).* At most 2,1[0-9]{2} accounts fit\\.`),
    );
  });
});

describe('renderKeyPolicy from the earlier explicit encoding', () => {
  it('replaces the old statements in place (same Sids), keeps the administrators unchanged and in place, and grants the old accounts', () => {
    // prepare: the old statements between the foreign ones
    const [encrypt, describeKey] = legacyKeyStatements([A, B]) as [PolicyStatement, PolicyStatement];
    const current = text(KEY_ROOT_DELEGATION, encrypt, KEY_ADMINISTRATORS, describeKey);
    const granted = accountsInKeyPolicy(parsePolicy(current, 'key policy'), dest);

    // act
    const r = renderKeyPolicy(current, granted, dest);

    // assert
    expect(granted).toEqual([A, B]);
    expect(r.changed).toBe(true);
    expect(r.document.Statement.map((s) => s.Sid)).toEqual([KEY_ROOT_DELEGATION.Sid, KEY_POLICY_SIDS.encrypt, KEY_ADMINISTRATORS.Sid, KEY_POLICY_SIDS.describe]);
    expect(r.document.Statement[0]).toEqual(KEY_ROOT_DELEGATION);
    expect(r.document.Statement[2]).toEqual(KEY_ADMINISTRATORS);
    expect(r.document.Statement[1]).toEqual(ownedKeyStatements([A, B], dest)[0]);
    expect(accountsInKeyPolicy(r.document, dest)).toEqual([A, B]);
  });
});

describe('assertKeyPolicyKeepsAdministration', () => {
  const [encrypt, describeKey] = ownedKeyStatements([A], dest) as [PolicyDocument['Statement'][number], PolicyDocument['Statement'][number]];
  const current = doc(KEY_ROOT_DELEGATION, KEY_ADMINISTRATORS);

  it.each<[string, PolicyDocument]>([
    ['the foreign statements kept and owned ones added', doc(KEY_ROOT_DELEGATION, KEY_ADMINISTRATORS, encrypt, describeKey)],
    ['owned statements between the foreign ones', doc(KEY_ROOT_DELEGATION, encrypt, KEY_ADMINISTRATORS, describeKey)],
    ['a foreign statement given back with its lists reordered', doc(KEY_ROOT_DELEGATION, { ...KEY_ADMINISTRATORS, Action: [...(KEY_ADMINISTRATORS.Action as string[])].reverse() })],
  ])('accepts %s', (_label, desired) => {
    // act / assert
    expect(() => assertKeyPolicyKeepsAdministration(current, desired)).not.toThrow();
  });

  it.each<[string, PolicyDocument, PolicyDocument]>([
    ['drops the administrators', current, doc(KEY_ROOT_DELEGATION, encrypt, describeKey)],
    ['drops the root delegation', current, doc(KEY_ADMINISTRATORS, encrypt)],
    ['changes a foreign statement', current, doc(KEY_ROOT_DELEGATION, { ...KEY_ADMINISTRATORS, Action: 'kms:Describe*' })],
    ['reorders the foreign statements', current, doc(KEY_ADMINISTRATORS, KEY_ROOT_DELEGATION)],
    ['adds a foreign statement', current, doc(KEY_ROOT_DELEGATION, KEY_ADMINISTRATORS, { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' })],
    ['leaves only the CloudTrail statements of a policy that had none', doc(), doc(encrypt, describeKey)],
    ['leaves only a foreign Deny', doc({ Sid: 'D', Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*' }), doc({ Sid: 'D', Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*' }, encrypt)],
  ])('refuses a desired policy that %s', (_label, before, desired) => {
    // act / assert
    expect(() => assertKeyPolicyKeepsAdministration(before, desired)).toThrow(InvalidPolicyDocument);
  });
});
