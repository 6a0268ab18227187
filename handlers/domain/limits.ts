/**
 * The AWS size limits the rendered documents are held to, checked before anything is written so an
 * oversized document fails with a message that names the limit instead of an opaque AWS error
 * half-way through a step.
 */
import { PolicyTooLarge } from '../shared/errors';
import { policySize } from './policy-document';

/** How a limit is counted. */
export const SizeUnit = {
  /** UTF-8 bytes of the text as sent (S3, KMS). */
  bytes: 'bytes',
  /** Characters, white space not counted (IAM). */
  charactersWithoutWhiteSpace: 'characters (white space not counted)',
} as const;
/** One of `SizeUnit`'s values. */
export type SizeUnit = (typeof SizeUnit)[keyof typeof SizeUnit];

/** Each limit: the document it applies to, the maximum, how it is counted, and the AWS page stating it. */
export const POLICY_LIMITS = {
  /** "Bucket policies are limited to 20 KB in size." */
  bucketPolicy: {
    document: 'bucket policy',
    max: 20_480,
    unit: SizeUnit.bytes,
    docUrl: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html',
  },
  /** "Key policy document size: 32 KB (32,768 bytes)". */
  keyPolicy: {
    document: 'key policy',
    max: 32_768,
    unit: SizeUnit.bytes,
    docUrl: 'https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html#key-policy-limit',
  },
  /** "Role trust policy length: 2,048 characters" (default quota); "IAM does not count white space". */
  trustPolicy: {
    document: 'role trust policy',
    max: 2_048,
    unit: SizeUnit.charactersWithoutWhiteSpace,
    docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length',
  },
  /** "Role policy size cannot exceed 10,240 characters" (all inline policies of one role together). */
  roleInlinePolicies: {
    document: 'inline policies of the role',
    max: 10_240,
    unit: SizeUnit.charactersWithoutWhiteSpace,
    docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length',
  },
} as const;

/** Which document a limit applies to. */
export type PolicyLimitKind = keyof typeof POLICY_LIMITS;

/** Optional facts added to the error message. */
export interface LimitContext {
  /** How many accounts the document holds; says how far the shared policy has grown. */
  accounts?: number;
  /** A more specific name for the document, e.g. `"trust policy of role CloudTrailLogReader-444455556666"`. */
  document?: string;
  /** How many accounts would fit under the limit (shared policies), said in the message. */
  fit?: number;
  /** What to do about it, when more specific than the default advice of the kind. */
  advice?: string;
}

/** What to do about an oversized document, per kind. */
const ADVICE: Record<PolicyLimitKind, string> = {
  bucketPolicy:
    'The per-account list has outgrown the bucket policy; configure organizationId so the shared statements switch to an organization-wide condition (aws:SourceOrgID), or move foreign statements elsewhere.',
  keyPolicy:
    'The per-account list has outgrown the key policy; configure organizationId so the shared statements switch to an organization-wide condition (aws:SourceOrgID), or shorten foreign statements.',
  trustPolicy: 'Trust fewer principals (or request a higher "Role trust policy length" quota).',
  roleInlinePolicies: 'Move part of the permissions into a managed policy.',
};

/** `"1 account"`, `"1,000 accounts"`. */
function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** " (20 KB)" for byte limits, as AWS states them. */
function kb(max: number, unit: SizeUnit): string {
  return unit === SizeUnit.bytes ? ` (${max / 1024} KB)` : '';
}

/**
 * Length of an IAM document as IAM counts it: white space outside strings is not counted, so the
 * compact re-serialisation of the parsed text is measured.
 */
export function trustPolicyLength(text: string): number {
  return JSON.stringify(JSON.parse(text)).length;
}

/** Measures `text` (or the sum of several texts) in the unit of the limit. */
export function measure(kind: PolicyLimitKind, text: string | readonly string[]): number {
  const texts = typeof text === 'string' ? [text] : text;
  const one = POLICY_LIMITS[kind].unit === SizeUnit.bytes ? policySize : trustPolicyLength;
  return texts.reduce((sum, t) => sum + one(t), 0);
}

/**
 * Throws when a document is over its AWS limit; called before anything is written.
 *
 * @param kind - which limit.
 * @param text - the text to be written; several texts are summed (inline policies of one role).
 * @param extra - the account count and a more specific document name, for the message.
 * @returns the measured size and the limit, for reporting.
 * @throws PolicyTooLarge naming the document, its size, the limit and (when given) the account count.
 */
export function assertWithinLimit(
  kind: PolicyLimitKind,
  text: string | readonly string[],
  extra: LimitContext = {},
): { size: number; limit: number } {
  const limit = POLICY_LIMITS[kind];
  const size = measure(kind, text);
  if (size > limit.max) {
    const document = extra.document ?? limit.document;
    const holding = extra.accounts !== undefined ? ` holding ${plural(extra.accounts, 'account')}` : '';
    const fit = extra.fit !== undefined ? ` At most ${plural(extra.fit, 'account')} fit${extra.fit === 1 ? 's' : ''}.` : '';
    throw new PolicyTooLarge(
      `The ${document}${holding} would be ${size.toLocaleString('en-US')} ${limit.unit}, over the AWS limit of ` +
        `${limit.max.toLocaleString('en-US')} ${limit.unit}${kb(limit.max, limit.unit)} (${limit.docUrl}). Nothing was written.${fit} ` +
        (extra.advice ?? ADVICE[kind]),
      {
        document,
        size,
        limit: limit.max,
        unit: limit.unit,
        accounts: extra.accounts,
        ...(extra.fit !== undefined ? { fit: extra.fit } : {}),
        docUrl: limit.docUrl,
      },
    );
  }
  return { size, limit: limit.max };
}
