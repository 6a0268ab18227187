/**
 * The policy document model shared by the bucket policy, the key policy and the role documents:
 * parse what AWS returned, merge the statements this service owns into it without touching anyone
 * else's, and compare / serialise / measure it exactly the way it will be written.
 *
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
import * as z from 'zod';
import { OWNERSHIP } from '../shared/config';
import { InvalidPolicyDocument } from '../shared/errors';
import type { SharingMode } from './shared-policy';

/**
 * Policy language version written into every new document, and into every document the owned
 * statements are merged into: the only one with policy variables (the owned statements use
 * `${aws:SourceAccount}`; under 2008-10-17 it would be literal text and grant nothing).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
 */
export const POLICY_VERSION = '2012-10-17';

/**
 * Version AWS assumes when a document has none. Used when parsing such a document so that writing
 * it back keeps its meaning (the two versions differ only in how `${...}` policy variables are read).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
 */
export const DEFAULT_POLICY_VERSION_WHEN_ABSENT = '2008-10-17';

/** A string or a list of strings, as policy elements allow either. */
export type StringOrList = string | string[];

/** `"*"` or a map such as `{ "AWS": [...], "Service": "cloudtrail.amazonaws.com" }`. */
export type PolicyPrincipal = '*' | Record<string, StringOrList>;

/**
 * `{ operator: { key: value(s) } }`. Values are strings in what this service writes; foreign
 * statements may carry booleans or numbers (`"Bool": {"aws:SecureTransport": false}`).
 */
export type PolicyCondition = Record<string, Record<string, unknown>>;

/** One statement. Foreign statements are the exact objects `JSON.parse` produced, extra keys and all. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: PolicyPrincipal;
  NotPrincipal?: PolicyPrincipal;
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Condition?: PolicyCondition;
}

/** A whole policy document. `Statement` is always a list here, even when AWS returned one object. */
export interface PolicyDocument {
  Version: string;
  Id?: string;
  Statement: PolicyStatement[];
}

/**
 * The result of rendering a shared policy (bucket or key): what to write, how big it is against
 * which limit, and whether it differs from what is there now.
 */
export interface PolicyRender {
  /** The desired document: foreign statements untouched, owned ones rendered for `accounts`. */
  document: PolicyDocument;
  /** Exactly the text to write (`serializePolicy(document)`). */
  text: string;
  /** UTF-8 byte length of `text`. */
  bytes: number;
  /** The AWS size limit this document is held to, in bytes. */
  limit: number;
  /** True when the desired document differs semantically from the current one: a write is due. */
  changed: boolean;
  /**
   * The accounts the document was rendered for, sorted and de-duplicated: the accounts the owned
   * statements list (`mode` `accounts`), or the admitted accounts an organization-wide grant covers
   * (`mode` `organization`).
   */
  accounts: string[];
  /** How the owned statements name the trails that may deliver: by account list or by organization. */
  mode: SharingMode;
}

const StringOrListSchema = z.union([z.string(), z.array(z.string())]);
const PrincipalSchema = z.union([z.literal('*'), z.record(z.string(), StringOrListSchema)]);

/**
 * Shape check only. Parsing keeps the original objects; zod's output (a copy) is discarded so a
 * foreign statement is written back byte-for-byte as it was read, including keys we do not know.
 */
const StatementSchema = z.looseObject({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Principal: PrincipalSchema.optional(),
  NotPrincipal: PrincipalSchema.optional(),
  Action: StringOrListSchema.optional(),
  NotAction: StringOrListSchema.optional(),
  Resource: StringOrListSchema.optional(),
  NotResource: StringOrListSchema.optional(),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

/** The policy grammar allows only these three top-level elements. */
const DocumentSchema = z.strictObject({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: z.union([StatementSchema, z.array(StatementSchema)]),
});

/** An empty document, the stand-in for "there is no policy yet". */
export function emptyPolicy(): PolicyDocument {
  return { Version: POLICY_VERSION, Statement: [] };
}

/**
 * Parses a policy as AWS returned it.
 *
 * @param text - the JSON text (already URL-decoded for IAM); `undefined` or empty means "no policy".
 * @param what - names the document in the error message, e.g. `"bucket policy of my-bucket"`.
 * @returns the document; a single-object `Statement` becomes a one-element list, a missing
 *   `Version` becomes the version AWS assumed for it.
 * @throws InvalidPolicyDocument when the text is not JSON or not a policy document.
 */
export function parsePolicy(text: string | undefined, what: string): PolicyDocument {
  if (text === undefined || text.trim() === '') return emptyPolicy();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InvalidPolicyDocument(`The ${what} is not valid JSON: ${(e as Error).message}`, { document: what });
  }
  const checked = DocumentSchema.safeParse(raw);
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`);
    throw new InvalidPolicyDocument(`The ${what} is not a valid policy document: ${problems.join('; ')}`, {
      document: what,
      problems,
    });
  }
  // Keep the parsed objects themselves, not zod's copies (see StatementSchema).
  const doc = raw as { Version?: string; Id?: string; Statement: PolicyStatement | PolicyStatement[] };
  const result: PolicyDocument = {
    Version: doc.Version ?? DEFAULT_POLICY_VERSION_WHEN_ABSENT,
    Statement: Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement],
  };
  if (doc.Id !== undefined) result.Id = doc.Id;
  return result;
}

/** True when the statement belongs to this service: its `Sid` starts with `OWNERSHIP.sidPrefix`. */
export function isOwnedStatement(s: PolicyStatement): boolean {
  return typeof s.Sid === 'string' && s.Sid.startsWith(OWNERSHIP.sidPrefix);
}

/**
 * Puts the desired owned statements into a document without touching the foreign ones.
 *
 * - an owned statement replaces its same-`Sid` namesake in place (a duplicate namesake is dropped);
 * - an owned statement of `current` that `desiredOwned` does not name (an earlier encoding's) gives
 *   its place to the next desired statement that has no namesake, or is removed when none is left;
 * - the remaining new owned statements are appended, in the order given;
 * - foreign statements are the same objects, in the same order and, when as many owned statements
 *   come in as go out, at the same indexes;
 * - with owned statements to merge, the document gets Version 2012-10-17 (`POLICY_VERSION`): the
 *   owned statements need its policy variables. That changes nothing in a foreign statement without
 *   `${` in its text (`statementsWithVariableText` finds the others; the renderer refuses them).
 *
 * @throws InvalidPolicyDocument when a desired statement is not owned or two share a `Sid`
 *   (a bug in the renderer: refusing is safer than writing an ambiguous document).
 */
export function mergeOwnedStatements(current: PolicyDocument, desiredOwned: PolicyStatement[]): PolicyDocument {
  const bySid = new Map<string, PolicyStatement>();
  for (const s of desiredOwned) {
    if (!isOwnedStatement(s)) {
      throw new InvalidPolicyDocument(`Refusing to merge statement ${JSON.stringify(s.Sid)}: its Sid does not start with ${OWNERSHIP.sidPrefix}`);
    }
    if (bySid.has(s.Sid as string)) {
      throw new InvalidPolicyDocument(`Refusing to merge two owned statements with Sid ${s.Sid}`);
    }
    bySid.set(s.Sid as string, s);
  }
  const currentSids = new Set(current.Statement.filter(isOwnedStatement).map((s) => s.Sid as string));
  const newcomers = desiredOwned.filter((s) => !currentSids.has(s.Sid as string));
  const placed = new Set<string>();
  const statements: PolicyStatement[] = [];
  const place = (s: PolicyStatement): void => {
    statements.push(s);
    placed.add(s.Sid as string);
  };
  for (const s of current.Statement) {
    if (!isOwnedStatement(s)) {
      statements.push(s);
      continue;
    }
    const sid = s.Sid as string;
    const replacement = bySid.get(sid);
    if (replacement) {
      if (!placed.has(sid)) place(replacement);
      continue;
    }
    // An owned statement no longer desired: its place goes to the next newcomer, if any.
    const next = newcomers.find((n) => !placed.has(n.Sid as string));
    if (next) place(next);
  }
  for (const s of desiredOwned) if (!placed.has(s.Sid as string)) place(s);
  const merged: PolicyDocument = { Version: desiredOwned.length > 0 ? POLICY_VERSION : current.Version, Statement: statements };
  if (current.Id !== undefined) merged.Id = current.Id;
  return merged;
}

/** A statement as messages name it: `Sid "X" (statement #3)`, or `statement #3 (no Sid)`; 1-based. */
export function describeStatement(s: PolicyStatement, index: number): string {
  return typeof s.Sid === 'string' && s.Sid !== '' ? `Sid "${s.Sid}" (statement #${index + 1})` : `statement #${index + 1} (no Sid)`;
}

/** A statement of a document, with its index in `Statement`. */
export interface StatementAt {
  readonly index: number;
  readonly statement: PolicyStatement;
}

/**
 * Foreign statements whose text contains `${`: literal text under 2008-10-17, a policy variable (or
 * one of the `${*}`/`${?}`/`${$}` escapes) under 2012-10-17, so changing the Version changes them.
 */
export function statementsWithVariableText(doc: PolicyDocument): StatementAt[] {
  return doc.Statement.flatMap((statement, index) => (!isOwnedStatement(statement) && JSON.stringify(statement).includes('${') ? [{ index, statement }] : []));
}

/**
 * How IAM, S3 and KMS show a principal that no longer exists: its unique id (`AROA...` for a role,
 * `AIDA...` for a user) instead of its ARN.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
 */
export const UNIQUE_ID_PRINCIPAL = /^A[A-Z0-9]{15,127}$/;

/** `AWS` principals of a statement (`Principal` and `NotPrincipal`), as a list. */
function awsPrincipals(s: PolicyStatement): string[] {
  const out: string[] = [];
  for (const block of [s.Principal, s.NotPrincipal]) {
    if (block === undefined || typeof block === 'string') continue;
    const aws = block.AWS;
    for (const v of Array.isArray(aws) ? aws : aws === undefined ? [] : [aws]) if (typeof v === 'string') out.push(v);
  }
  return out;
}

/** Every `AWS` principal of a document given as a unique id (a deleted role or user), with its statement. */
export function uniqueIdPrincipals(doc: PolicyDocument): (StatementAt & { readonly principal: string })[] {
  return doc.Statement.flatMap((statement, index) =>
    awsPrincipals(statement)
      .filter((p) => UNIQUE_ID_PRINCIPAL.test(p))
      .map((principal) => ({ index, statement, principal })),
  );
}

/** Element order of a canonical statement; anything else follows, sorted by name. */
const STATEMENT_KEY_ORDER = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
] as const;

/** Sorted, de-duplicated copy of a list (a scalar is returned as it is). */
function sortList<T>(value: T | T[]): T | T[] {
  if (!Array.isArray(value)) return value;
  const out: T[] = [];
  const seen = new Set<string>();
  for (const v of value) {
    const k = JSON.stringify(v);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  }
  return out.sort((a, b) => compareText(JSON.stringify(a), JSON.stringify(b)));
}

/** Code-unit order, independent of locale, so the canonical text is the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Copy of a plain object with its keys sorted. */
function sortKeys<V, W>(obj: Record<string, V>, mapValue: (v: V) => W): Record<string, W> {
  const out: Record<string, W> = {};
  for (const k of Object.keys(obj).sort(compareText)) out[k] = mapValue(obj[k] as V);
  return out;
}

/** How values are treated: as written (`canonicalStatement`) or in comparison form (`canonicalize`). */
type ValueForm = 'written' | 'comparison';

function canonicalValue(value: unknown, form: ValueForm): unknown {
  if (form === 'written') return sortList(value);
  // Comparison: "x" and ["x"] mean the same, and so do true and "true" in a condition.
  const list = Array.isArray(value) ? value : [value];
  return sortList(list.map((v) => (typeof v === 'boolean' || typeof v === 'number' ? String(v) : v)));
}

function canonicalStatementIn(s: PolicyStatement, form: ValueForm): PolicyStatement {
  const src = s as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const known = new Set<string>(STATEMENT_KEY_ORDER);
  const keys = [
    ...STATEMENT_KEY_ORDER.filter((k) => k in src),
    ...Object.keys(src).filter((k) => !known.has(k)).sort(compareText),
  ];
  for (const key of keys) {
    const v = src[key];
    if (v === undefined) continue;
    switch (key) {
      case 'Sid':
      case 'Effect':
        out[key] = v;
        break;
      case 'Principal':
      case 'NotPrincipal':
        out[key] =
          typeof v === 'string' ? canonicalPrincipalStar(v, form) : sortKeys(v as Record<string, unknown>, (x) => canonicalValue(x, form));
        break;
      case 'Condition':
        out[key] = sortKeys(v as Record<string, Record<string, unknown>>, (byKey) =>
          sortKeys(byKey, (x) => canonicalValue(x, form)),
        );
        break;
      default:
        out[key] = canonicalValue(v, form);
    }
  }
  return out as unknown as PolicyStatement;
}

/**
 * `"Principal": "*"` and `{"AWS": "*"}` are the same grant
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous).
 */
function canonicalPrincipalStar(v: string, form: ValueForm): unknown {
  return form === 'comparison' ? { AWS: ['*'] } : v;
}

/**
 * The form in which owned statements are written: elements in a fixed order (Sid, Effect,
 * Principal, Action, Resource, Condition, then the Not* variants next to their counterparts), lists
 * sorted and de-duplicated. A one-element list stays a list and a scalar stays a scalar, so the
 * text written is stable from one render to the next.
 */
export function canonicalStatement(s: PolicyStatement): PolicyStatement {
  return canonicalStatementIn(s, 'written');
}

/**
 * The comparison form of a document, as a string: two documents are "the same" when their
 * canonical strings are equal. Key order, list order, duplicates and scalar-vs-one-element-list do
 * not count as differences (S3, KMS and IAM may give a document back in any of those forms).
 * Statement order does count: foreign statements keep their places.
 */
export function canonicalize(doc: PolicyDocument): string {
  return JSON.stringify({
    Version: doc.Version,
    Id: doc.Id ?? null,
    Statement: doc.Statement.map((s) => canonicalStatementIn(s, 'comparison')),
  });
}

/**
 * Exactly the text that is written: compact `JSON.stringify` with Version, Id, Statement first.
 * AWS measures policy size on what it receives, so this is also what `policySize` measures.
 */
export function serializePolicy(doc: PolicyDocument): string {
  const ordered: PolicyDocument = { Version: doc.Version, ...(doc.Id !== undefined ? { Id: doc.Id } : {}), Statement: doc.Statement };
  return JSON.stringify(ordered);
}

/** Size of a policy text as S3 and KMS count it: UTF-8 bytes. */
export function policySize(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
