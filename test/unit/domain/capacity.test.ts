/**
 * Capacity of the shared policies in the compact encoding, measured on the fixture's documents
 * (two foreign statements in each): 1,000 accounts fit both limits; past the count where the list
 * overflows, the policies go organization-wide when an organization id is configured, and stop
 * with PolicyTooLarge (naming the limit and how many fit) when it is not. Each policy holds one
 * account list (the key policy's Describe statement carries none, nor an organization condition), so
 * the bucket policy, with the smaller limit, is the tighter one.
 */
import { renderBucketPolicy } from '../../../handlers/domain/bucket-policy';
import { renderKeyPolicy } from '../../../handlers/domain/key-policy';
import type { LogDestination } from '../../../handlers/domain/log-destination';
import type { PolicyRender } from '../../../handlers/domain/policy-document';
import { PolicyTooLarge } from '../../../handlers/shared/errors';
import { dest, destWithoutOrganization, INITIAL_BUCKET_POLICY, INITIAL_KEY_POLICY, manyAccounts, ORGANIZATION_ID } from './fixtures';

type Render = (current: string | undefined, accounts: readonly string[], dest: LogDestination) => PolicyRender;

/** The first account count the list no longer holds, without an organization id (measured; asserted exactly below). */
const OVERFLOW = { bucket: 1_276, key: 2_105 } as const;
/**
 * With an organization id configured, the first account count rendered organization-wide: where the
 * list overflows, since an organization id adds nothing to a list document.
 */
const ORGANIZATION_WIDE_AT = { bucket: 1_276, key: 2_105 } as const;

const POLICIES = [
  {
    name: 'bucket policy',
    render: renderBucketPolicy as Render,
    initial: INITIAL_BUCKET_POLICY,
    limit: 20_480,
    kb: 20,
    overflowsAt: OVERFLOW.bucket,
    organizationWideAt: ORGANIZATION_WIDE_AT.bucket,
  },
  {
    name: 'key policy',
    render: renderKeyPolicy as Render,
    initial: INITIAL_KEY_POLICY,
    limit: 32_768,
    kb: 32,
    overflowsAt: OVERFLOW.key,
    organizationWideAt: ORGANIZATION_WIDE_AT.key,
  },
] as const;

const THOUSAND = manyAccounts(1_000);
const size = (p: (typeof POLICIES)[number]) => p.render(p.initial, THOUSAND, destWithoutOrganization).bytes;
const measured = { bucket: size(POLICIES[0]), key: size(POLICIES[1]) };

function caught(fn: () => unknown): PolicyTooLarge {
  try {
    fn();
  } catch (e) {
    if (e instanceof PolicyTooLarge) return e;
    throw e;
  }
  throw new Error('expected PolicyTooLarge');
}

describe('1,000 accounts with realistic 12-digit ids', () => {
  it(`fit the bucket policy as a list: ${measured.bucket.toLocaleString('en-US')} of 20,480 bytes`, () => {
    // act
    const r = renderBucketPolicy(INITIAL_BUCKET_POLICY, THOUSAND, dest);

    // assert
    expect(THOUSAND.every((a) => /^[0-9]{12}$/.test(a))).toBe(true);
    expect(r).toMatchObject({ mode: 'accounts', changed: true, bytes: measured.bucket });
    expect(r.accounts).toHaveLength(1_000);
    expect(r.bytes).toBeLessThanOrEqual(20_480);
  });

  it(`fit the key policy as one list: ${measured.key.toLocaleString('en-US')} of 32,768 bytes, with an organization id or without`, () => {
    // act
    const withoutOrganization = renderKeyPolicy(INITIAL_KEY_POLICY, THOUSAND, destWithoutOrganization);
    const r = renderKeyPolicy(INITIAL_KEY_POLICY, THOUSAND, dest);

    // assert: the list is in the Encrypt statement only; no statement names the organization in a list document
    expect(withoutOrganization).toMatchObject({ mode: 'accounts', changed: true, bytes: measured.key });
    expect(r).toMatchObject({ mode: 'accounts', changed: true, bytes: measured.key });
    expect(r.text).toBe(withoutOrganization.text);
    expect(r.text.split(`"${THOUSAND[0]}"`)).toHaveLength(2);
    expect(r.text).not.toContain('aws:SourceOrgID');
    expect(r.bytes).toBeLessThanOrEqual(32_768 / 2);
  });

  it('with an S3 Bucket Key on the bucket, cost the key policy 16 bytes more in all (kms:Decrypt joins the encrypt grant), not more per account', () => {
    // act
    const plain = renderKeyPolicy(INITIAL_KEY_POLICY, THOUSAND, dest).bytes;
    const keyed = renderKeyPolicy(INITIAL_KEY_POLICY, THOUSAND, { ...dest, bucketKeyEnabled: true }).bytes;
    const keyedOneMore = renderKeyPolicy(INITIAL_KEY_POLICY, manyAccounts(1_001), { ...dest, bucketKeyEnabled: true }).bytes;

    // assert
    expect(keyed - plain).toBe('["kms:Decrypt",]'.length);
    expect(keyedOneMore - keyed).toBe(15);
  });

  it.each([
    ['bucket policy', 15, renderBucketPolicy as Render, INITIAL_BUCKET_POLICY],
    ['key policy', 15, renderKeyPolicy as Render, INITIAL_KEY_POLICY],
  ] as const)('cost the %s %i bytes per account (one list of `"<12 digits>",`), whatever the ids', (_name, perAccount, render, initial) => {
    // prepare: the same count, other ids (leading zeros among them)
    const other = Array.from({ length: 1_000 }, (_, i) => String(i * 999_999_937).padStart(12, '0').slice(-12));

    // act
    const a = render(initial, THOUSAND, dest).bytes;
    const b = render(initial, other, dest).bytes;
    const oneMore = render(initial, manyAccounts(1_001), dest).bytes;

    // assert
    expect(new Set(other).size).toBe(1_000);
    expect(other.some((id) => id.startsWith('0'))).toBe(true);
    expect(b).toBe(a);
    expect(oneMore - a).toBe(perAccount);
  });
});

describe.each(POLICIES)('the $name', ({ render, initial, limit, kb, overflowsAt, organizationWideAt }) => {
  it(`holds ${(overflowsAt - 1).toLocaleString('en-US')} accounts as a list and overflows at ${overflowsAt.toLocaleString('en-US')}`, () => {
    // act
    const last = render(initial, manyAccounts(overflowsAt - 1), destWithoutOrganization);
    const over = caught(() => render(initial, manyAccounts(overflowsAt), destWithoutOrganization));

    // assert
    expect(last.bytes).toBeLessThanOrEqual(limit);
    expect(last.mode).toBe('accounts');
    expect(over.details).toMatchObject({ limit, accounts: overflowsAt, fit: overflowsAt - 1 });
  });

  it(`with an organization id configured, holds ${(organizationWideAt - 1).toLocaleString('en-US')} accounts as a list and goes organization-wide at ${organizationWideAt.toLocaleString('en-US')}`, () => {
    // act
    const last = render(initial, manyAccounts(organizationWideAt - 1), dest);
    const next = render(initial, manyAccounts(organizationWideAt), dest);

    // assert
    expect(last).toMatchObject({ mode: 'accounts', changed: true });
    expect(last.bytes).toBeLessThanOrEqual(limit);
    expect(next).toMatchObject({ mode: 'organization', changed: true });
  });

  it('goes organization-wide past the limit when an organization id is configured', () => {
    // act
    const r = render(initial, manyAccounts(overflowsAt), dest);

    // assert
    expect(r).toMatchObject({ mode: 'organization', changed: true });
    expect(r.accounts).toHaveLength(overflowsAt);
    expect(r.bytes).toBeLessThan(2_000);
    expect(r.text).toContain(`"aws:SourceOrgID":"${ORGANIZATION_ID}"`);
    expect(r.text).not.toContain('"aws:SourceAccount"');
    expect(r.text).toContain('${aws:SourceAccount}');
  });

  it('stays organization-wide once it is, even for fewer accounts (the policy no longer records who was listed)', () => {
    // prepare
    const orgWide = render(initial, manyAccounts(overflowsAt), dest).text;

    // act
    const r = render(orgWide, manyAccounts(3), dest);

    // assert
    expect(r).toMatchObject({ mode: 'organization', changed: false });
  });

  it('goes back to a list from organization-wide when the organization id is removed from the configuration and the accounts fit', () => {
    // prepare
    const orgWide = render(initial, manyAccounts(overflowsAt), dest).text;

    // act
    const r = render(orgWide, manyAccounts(3), destWithoutOrganization);

    // assert
    expect(r).toMatchObject({ mode: 'accounts', changed: true, accounts: manyAccounts(3) });
  });

  it('without an organization id, stops with PolicyTooLarge naming the limit and how many accounts fit, and that many do', () => {
    // act
    const e = caught(() => render(initial, manyAccounts(2_500), destWithoutOrganization));

    // assert
    expect(e.name).toBe('PolicyTooLarge');
    expect(e.message).toMatch(new RegExp(`holding 2,500 accounts would be [0-9,]+ bytes, over the AWS limit of ${limit.toLocaleString('en-US')} bytes \\(${kb} KB\\)`));
    expect(e.message).toContain(`At most ${(overflowsAt - 1).toLocaleString('en-US')} accounts fit.`);
    expect(e.message).toContain('Nothing was written');
    expect(e.message).toContain('organizationId');
    expect(e.details).toMatchObject({ limit, accounts: 2_500, fit: overflowsAt - 1 });
    expect(() => render(initial, manyAccounts(e.details.fit as number), destWithoutOrganization)).not.toThrow();
  });

  it('does not fail a re-render that writes nothing, whatever the size', () => {
    // prepare: a current policy that already holds the most accounts that fit
    const accounts = manyAccounts(overflowsAt - 1);
    const current = render(initial, accounts, destWithoutOrganization).text;

    // act
    const r = render(current, accounts, destWithoutOrganization);

    // assert
    expect(r.changed).toBe(false);
  });
});
