import {
  canonicalize,
  canonicalStatement,
  isOwnedStatement,
  mergeOwnedStatements,
  parsePolicy,
  policySize,
  serializePolicy,
  type PolicyDocument,
  type PolicyStatement,
} from '../../../handlers/domain/policy-document';
import { InvalidPolicyDocument } from '../../../handlers/shared/errors';
import { AUDITOR_READ, DENY_INSECURE_TRANSPORT, doc, NO_SID_STATEMENT } from './fixtures';

/** An owned statement with a given Sid suffix and a marker to tell versions apart. */
function owned(suffix: string, marker = 'v1'): PolicyStatement {
  return { Sid: `CloudTrailOnboarding${suffix}`, Effect: 'Allow', Action: `s3:${marker}`, Resource: '*' };
}

function sids(d: PolicyDocument): (string | undefined)[] {
  return d.Statement.map((s) => s.Sid);
}

describe('parsePolicy', () => {
  it.each([
    ['undefined', undefined],
    ['the empty string', ''],
    ['white space only', '  \n '],
  ])('reads %s as an empty 2012-10-17 document', (_label, input) => {
    // act
    const parsed = parsePolicy(input, 'bucket policy');

    // assert
    expect(parsed).toEqual({ Version: '2012-10-17', Statement: [] });
  });

  it('turns a single-object Statement into a one-element list', () => {
    // prepare
    const input = JSON.stringify({ Version: '2012-10-17', Statement: AUDITOR_READ });

    // act
    const parsed = parsePolicy(input, 'bucket policy');

    // assert
    expect(parsed.Statement).toEqual([AUDITOR_READ]);
  });

  it('keeps the Id and unknown statement keys exactly as read', () => {
    // prepare
    const input = JSON.stringify({ Version: '2012-10-17', Id: 'key-consolidated-policy-3', Statement: [{ ...AUDITOR_READ, Future: { x: 1 } }] });

    // act
    const parsed = parsePolicy(input, 'key policy');

    // assert
    expect(parsed.Id).toBe('key-consolidated-policy-3');
    expect(parsed.Statement[0]).toEqual({ ...AUDITOR_READ, Future: { x: 1 } });
    expect(serializePolicy(parsed)).toBe(input);
  });

  it('gives a document without Version the version AWS assumed for it', () => {
    // act
    const parsed = parsePolicy(JSON.stringify({ Statement: [AUDITOR_READ] }), 'bucket policy');

    // assert
    expect(parsed.Version).toBe('2008-10-17');
  });

  it.each([
    ['text that is not JSON', '{"Version": "2012-10-17", '],
    ['a JSON array', '[]'],
    ['a JSON string', '"policy"'],
    ['JSON null', 'null'],
    ['a document without Statement', '{"Version":"2012-10-17"}'],
    ['a Statement that is a string', '{"Version":"2012-10-17","Statement":"Allow"}'],
    ['an Effect other than Allow or Deny', '{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"s3:*","Resource":"*"}]}'],
    ['a statement without Effect', '{"Version":"2012-10-17","Statement":[{"Action":"s3:*","Resource":"*"}]}'],
    ['an Action that is a number', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":5,"Resource":"*"}]}'],
    ['a Sid that is not a string', '{"Version":"2012-10-17","Statement":[{"Sid":1,"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'],
    ['an unknown top-level element', '{"Version":"2012-10-17","Statement":[],"Extra":1}'],
    ['a Condition that is a list', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":[]}]}'],
  ])('rejects %s with InvalidPolicyDocument naming the document', (_label, input) => {
    // act
    const act = (): PolicyDocument => parsePolicy(input, 'bucket policy of my-bucket');

    // assert
    expect(act).toThrow(InvalidPolicyDocument);
    expect(act).toThrow(/bucket policy of my-bucket/);
  });

  it('keeps foreign statements as the very objects JSON.parse produced', () => {
    // prepare
    const input = JSON.stringify(doc(AUDITOR_READ, owned('Write')));

    // act
    const parsed = parsePolicy(input, 'bucket policy');
    const merged = mergeOwnedStatements(parsed, [owned('Write', 'v2')]);

    // assert
    expect(merged.Statement[0]).toBe(parsed.Statement[0]);
  });
});

describe('isOwnedStatement', () => {
  it.each([
    ['CloudTrailOnboardingWrite', true],
    ['CloudTrailOnboarding', true],
    ['cloudtrailonboardingWrite', false],
    ['MyCloudTrailOnboardingWrite', false],
    ['AuditorRead', false],
    [undefined, false],
  ])('says Sid %p is owned: %p', (sid, expected) => {
    // prepare
    const s: PolicyStatement = { Effect: 'Allow', Action: 's3:*', Resource: '*', ...(sid !== undefined ? { Sid: sid } : {}) };

    // act / assert
    expect(isOwnedStatement(s)).toBe(expected);
  });
});

describe('mergeOwnedStatements', () => {
  const A = AUDITOR_READ;
  const D = DENY_INSECURE_TRANSPORT;
  const N = NO_SID_STATEMENT;

  it.each([
    {
      name: 'keeps a foreign statement before the owned ones in its place',
      current: [A, owned('X'), owned('Y')],
      desired: [owned('X', 'v2'), owned('Y', 'v2')],
      expected: [A, owned('X', 'v2'), owned('Y', 'v2')],
    },
    {
      name: 'keeps a foreign statement between owned ones in its place',
      current: [owned('X'), A, owned('Y')],
      desired: [owned('X', 'v2'), owned('Y', 'v2')],
      expected: [owned('X', 'v2'), A, owned('Y', 'v2')],
    },
    {
      name: 'keeps a foreign statement after the owned ones in its place',
      current: [owned('X'), owned('Y'), A],
      desired: [owned('X', 'v2'), owned('Y', 'v2')],
      expected: [owned('X', 'v2'), owned('Y', 'v2'), A],
    },
    {
      name: 'keeps foreign statements before, between and after in their relative order',
      current: [D, owned('X'), N, owned('Y'), A],
      desired: [owned('Y', 'v2'), owned('X', 'v2')],
      expected: [D, owned('X', 'v2'), N, owned('Y', 'v2'), A],
    },
    {
      name: 'appends new owned statements after everything, in the given order',
      current: [D, A],
      desired: [owned('Y'), owned('X')],
      expected: [D, A, owned('Y'), owned('X')],
    },
    {
      name: 'replaces a namesake in place and appends the new one',
      current: [owned('X'), A],
      desired: [owned('X', 'v2'), owned('Y')],
      expected: [owned('X', 'v2'), A, owned('Y')],
    },
    {
      name: 'removes owned statements that are no longer desired',
      current: [owned('Old'), D, owned('X'), A],
      desired: [owned('X', 'v2')],
      expected: [D, owned('X', 'v2'), A],
    },
    {
      name: 'removes every owned statement when none is desired',
      current: [owned('X'), D, owned('Y')],
      desired: [],
      expected: [D],
    },
    {
      name: 'drops a duplicate namesake, keeping the first place',
      current: [owned('X'), A, owned('X', 'dup')],
      desired: [owned('X', 'v2')],
      expected: [owned('X', 'v2'), A],
    },
    {
      name: 'gives the place of an owned statement no longer desired to a new one (an earlier encoding replaced in place)',
      current: [owned('Old1'), D, owned('Old2'), A],
      desired: [owned('X'), owned('Y')],
      expected: [owned('X'), D, owned('Y'), A],
    },
    {
      name: 'gives the places of obsolete statements to new ones in order, removing the obsolete ones left over',
      current: [owned('Old1'), D, owned('Old2'), A, owned('Old3')],
      desired: [owned('X')],
      expected: [owned('X'), D, A],
    },
    {
      name: 'appends the new statements left over when there are fewer obsolete places',
      current: [D, owned('Old1'), A],
      desired: [owned('X'), owned('Y'), owned('Z')],
      expected: [D, owned('X'), A, owned('Y'), owned('Z')],
    },
    {
      name: 'keeps namesakes in their places and gives only the obsolete places to the new statements',
      current: [owned('Old'), D, owned('X'), A],
      desired: [owned('X', 'v2'), owned('Y')],
      expected: [owned('Y'), D, owned('X', 'v2'), A],
    },
    {
      name: 'starts an empty document with the owned statements',
      current: [],
      desired: [owned('X'), owned('Y')],
      expected: [owned('X'), owned('Y')],
    },
  ])('$name', ({ current, desired, expected }) => {
    // act
    const merged = mergeOwnedStatements(doc(...current), desired);

    // assert
    expect(merged.Statement).toEqual(expected);
    expect(merged.Version).toBe('2012-10-17');
  });

  it('keeps the Id of the current document and gives it Version 2012-10-17, which the owned statements\' policy variables need', () => {
    // prepare
    const current: PolicyDocument = { Version: '2008-10-17', Id: 'MyPolicy', Statement: [A] };

    // act
    const merged = mergeOwnedStatements(current, [owned('X')]);

    // assert
    expect(merged).toEqual({ Version: '2012-10-17', Id: 'MyPolicy', Statement: [A, owned('X')] });
    expect(sids(merged)).toEqual(['AuditorRead', 'CloudTrailOnboardingX']);
  });

  it('keeps the Version of the current document when there is no owned statement to merge', () => {
    // prepare
    const current: PolicyDocument = { Version: '2008-10-17', Statement: [A, owned('Old')] };

    // act
    const merged = mergeOwnedStatements(current, []);

    // assert
    expect(merged).toEqual({ Version: '2008-10-17', Statement: [A] });
  });

  it.each([
    ['a desired statement that is not owned', [owned('X'), AUDITOR_READ]],
    ['two desired statements with one Sid', [owned('X'), owned('X', 'v2')]],
  ])('refuses %s', (_label, desired) => {
    // act / assert
    expect(() => mergeOwnedStatements(doc(D), desired)).toThrow(InvalidPolicyDocument);
  });
});

describe('canonicalStatement', () => {
  it('orders the elements Sid, Effect, Principal, Action, Resource, Condition', () => {
    // prepare
    const s = { Condition: { StringEquals: { k: 'v' } }, Resource: 'r', Action: 'a', Principal: { Service: 's' }, Effect: 'Allow', Sid: 'X' } as PolicyStatement;

    // act
    const c = canonicalStatement(s);

    // assert
    expect(Object.keys(c)).toEqual(['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition']);
  });

  it('sorts and de-duplicates lists, keeps one-element lists as lists and scalars as scalars', () => {
    // prepare
    const s: PolicyStatement = {
      Effect: 'Allow',
      Principal: { Service: ['b.amazonaws.com', 'a.amazonaws.com', 'b.amazonaws.com'], AWS: 'arn:aws:iam::1:root' },
      Action: ['s3:PutObject'],
      Resource: ['r2', 'r1', 'r2'],
      Condition: { StringLike: { z: ['2', '1'], a: 'x' }, Bool: { b: 'true' } },
    };

    // act
    const c = canonicalStatement(s);

    // assert
    expect(JSON.stringify(c)).toBe(
      JSON.stringify({
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::1:root', Service: ['a.amazonaws.com', 'b.amazonaws.com'] },
        Action: ['s3:PutObject'],
        Resource: ['r1', 'r2'],
        Condition: { Bool: { b: 'true' }, StringLike: { a: 'x', z: ['1', '2'] } },
      }),
    );
  });

  it('does not change the statement it is given', () => {
    // prepare
    const s: PolicyStatement = { Effect: 'Allow', Action: ['b', 'a'], Resource: '*' };

    // act
    canonicalStatement(s);

    // assert
    expect(s.Action).toEqual(['b', 'a']);
  });
});

describe('canonicalize', () => {
  const base: PolicyStatement = {
    Sid: 'S',
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: ['r1', 'r2'],
    Condition: { StringEquals: { 'aws:SourceArn': ['t1', 't2'], 's3:x-amz-acl': 'bucket-owner-full-control' } },
  };

  it.each<[string, PolicyStatement]>([
    ['key order', { Condition: base.Condition, Resource: base.Resource, Action: base.Action, Principal: base.Principal, Effect: 'Allow', Sid: 'S' } as PolicyStatement],
    ['a scalar given as a one-element list', { ...base, Action: ['s3:PutObject'], Principal: { Service: ['cloudtrail.amazonaws.com'] } }],
    ['list order', { ...base, Resource: ['r2', 'r1'] }],
    ['duplicates in a list', { ...base, Resource: ['r1', 'r2', 'r1'] }],
    ['condition operator and key order', { ...base, Condition: { StringEquals: { 's3:x-amz-acl': ['bucket-owner-full-control'], 'aws:SourceArn': ['t2', 't1'] } } }],
  ])('ignores %s', (_label, variant) => {
    // act / assert
    expect(canonicalize(doc(variant))).toBe(canonicalize(doc(base)));
  });

  it('treats a boolean and its string in a condition as the same', () => {
    // prepare
    const asString: PolicyStatement = { ...DENY_INSECURE_TRANSPORT, Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
    const asBoolean = { ...DENY_INSECURE_TRANSPORT, Condition: { Bool: { 'aws:SecureTransport': false } } } as PolicyStatement;

    // act / assert
    expect(canonicalize(doc(asBoolean))).toBe(canonicalize(doc(asString)));
  });

  it.each<[string, PolicyDocument]>([
    ['another resource', doc({ ...base, Resource: ['r1', 'r3'] })],
    ['another effect', doc({ ...base, Effect: 'Deny' })],
    ['an added statement', doc(base, AUDITOR_READ)],
    ['another Version', { Version: '2008-10-17', Statement: [base] }],
    ['another Sid', doc({ ...base, Sid: 'T' })],
  ])('sees %s as a difference', (_label, other) => {
    // act / assert
    expect(canonicalize(other)).not.toBe(canonicalize(doc(base)));
  });

  it('sees a change of statement order as a difference (foreign statements keep their places)', () => {
    // act / assert
    expect(canonicalize(doc(AUDITOR_READ, base))).not.toBe(canonicalize(doc(base, AUDITOR_READ)));
  });
});

describe('serializePolicy and policySize', () => {
  it('writes compact JSON with Version, Id and Statement first', () => {
    // prepare
    const d = { Statement: [AUDITOR_READ], Id: 'X', Version: '2012-10-17' } as PolicyDocument;

    // act
    const t = serializePolicy(d);

    // assert
    expect(t.startsWith('{"Version":"2012-10-17","Id":"X","Statement":[')).toBe(true);
    expect(t).not.toMatch(/\s{2}|\n/);
    expect(JSON.parse(t)).toEqual(d);
  });

  it.each([
    ['ASCII', '{"a":"b"}', 9],
    ['a two-byte character', '{"a":"é"}', 10],
    ['a four-byte character', '{"a":"😀"}', 12],
  ])('measures %s in UTF-8 bytes', (_label, t, bytes) => {
    // act / assert
    expect(policySize(t)).toBe(bytes);
  });
});
