import { assertWithinLimit, POLICY_LIMITS, trustPolicyLength, type PolicyLimitKind } from '../../../handlers/domain/limits';
import { PolicyTooLarge } from '../../../handlers/shared/errors';

/** A JSON text of exactly `size` bytes / characters, with no white space in it. */
function textOfSize(size: number): string {
  const frame = '{"a":""}';
  return `{"a":"${'x'.repeat(size - frame.length)}"}`;
}

function caught(fn: () => unknown): PolicyTooLarge {
  try {
    fn();
  } catch (e) {
    if (e instanceof PolicyTooLarge) return e;
    throw e;
  }
  throw new Error('expected PolicyTooLarge');
}

describe('POLICY_LIMITS', () => {
  it.each<[PolicyLimitKind, number, string]>([
    ['bucketPolicy', 20_480, 'https://docs.aws.amazon.com/AmazonS3/'],
    ['keyPolicy', 32_768, 'https://docs.aws.amazon.com/kms/'],
    ['trustPolicy', 2_048, 'https://docs.aws.amazon.com/IAM/'],
    ['roleInlinePolicies', 10_240, 'https://docs.aws.amazon.com/IAM/'],
  ])('holds the %s to %i with a link to the AWS page', (kind, max, url) => {
    // act / assert
    expect(POLICY_LIMITS[kind].max).toBe(max);
    expect(POLICY_LIMITS[kind].docUrl.startsWith(url)).toBe(true);
  });
});

describe('assertWithinLimit', () => {
  it.each<[PolicyLimitKind, number]>([
    ['bucketPolicy', 20_480],
    ['keyPolicy', 32_768],
    ['trustPolicy', 2_048],
    ['roleInlinePolicies', 10_240],
  ])('accepts a %s of exactly its limit and rejects one more', (kind, max) => {
    // act / assert
    expect(assertWithinLimit(kind, textOfSize(max))).toEqual({ size: max, limit: max });
    expect(() => assertWithinLimit(kind, textOfSize(max + 1))).toThrow(PolicyTooLarge);
  });

  it.each<[PolicyLimitKind, RegExp]>([
    ['bucketPolicy', /^The bucket policy holding 91 accounts would be 20,481 bytes, over the AWS limit of 20,480 bytes \(20 KB\)/],
    ['keyPolicy', /^The key policy holding 91 accounts would be 32,769 bytes, over the AWS limit of 32,768 bytes \(32 KB\)/],
  ])('names the %s, its size, the limit and the account count', (kind, message) => {
    // prepare
    const max = POLICY_LIMITS[kind].max;

    // act
    const e = caught(() => assertWithinLimit(kind, textOfSize(max + 1), { accounts: 91 }));

    // assert
    expect(e.message).toMatch(message);
    expect(e.message).toContain(POLICY_LIMITS[kind].docUrl);
    expect(e.message).toContain('Nothing was written');
    expect(e.details).toMatchObject({ size: max + 1, limit: max, accounts: 91 });
  });

  it.each([
    [1, 'At most 1 account fits.'],
    [1_275, 'At most 1,275 accounts fit.'],
  ])('says how many accounts fit (%i) and carries it in the details', (fit, sentence) => {
    // act
    const e = caught(() => assertWithinLimit('bucketPolicy', textOfSize(20_481), { accounts: 1_276, fit }));

    // assert
    expect(e.message).toMatch(/^The bucket policy holding 1,276 accounts would be 20,481 bytes/);
    expect(e.message).toContain(`Nothing was written. ${sentence} `);
    expect(e.message).toContain('organizationId');
    expect(e.details).toMatchObject({ accounts: 1_276, fit });
  });

  it('uses the advice given instead of the default one', () => {
    // act
    const e = caught(() => assertWithinLimit('keyPolicy', textOfSize(40_000), { advice: 'Shorten the foreign statements.' }));

    // assert
    expect(e.message).toMatch(/Nothing was written\. Shorten the foreign statements\.$/);
  });

  it('uses the more specific document name when given', () => {
    // act
    const e = caught(() => assertWithinLimit('trustPolicy', textOfSize(3000), { document: 'trust policy of role X' }));

    // assert
    expect(e.message).toMatch(/^The trust policy of role X would be 3,000 characters \(white space not counted\), over the AWS limit of 2,048/);
  });

  it('does not count white space in a trust policy', () => {
    // prepare: 2,048 characters of content, padded with indentation to well over 2,048
    const padded = textOfSize(2048).replace('{', '{\n          ').replace(':', ' :  ');

    // act / assert
    expect(padded.length).toBeGreaterThan(2048);
    expect(() => assertWithinLimit('trustPolicy', padded)).not.toThrow();
  });

  it('counts white space in a bucket policy (S3 measures the bytes it receives)', () => {
    // prepare
    const padded = textOfSize(20_480).replace('{', '{ ');

    // act / assert
    expect(() => assertWithinLimit('bucketPolicy', padded)).toThrow(PolicyTooLarge);
  });

  it('sums several inline policies against the per-role total', () => {
    // prepare
    const half = textOfSize(5_120);

    // act / assert
    expect(assertWithinLimit('roleInlinePolicies', [half, half])).toEqual({ size: 10_240, limit: 10_240 });
    expect(() => assertWithinLimit('roleInlinePolicies', [half, half, '{}'])).toThrow(PolicyTooLarge);
  });
});

describe('trustPolicyLength', () => {
  it.each([
    ['compact text', '{"a":["b","c"]}', 15],
    ['indented text', '{\n  "a": [\n    "b",\n    "c"\n  ]\n}', 15],
    ['white space inside a string, which counts', '{"a":"b c"}', 11],
  ])('measures %s', (_label, t, expected) => {
    // act / assert
    expect(trustPolicyLength(t)).toBe(expected);
  });
});
