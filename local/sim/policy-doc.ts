/**
 * Policy documents as the simulated services receive them: parsing, the structural checks each
 * service makes (with the service's own wording), sizes as AWS counts them, and principal walking.
 * Authorization itself is policy-eval.ts (iam-simulate); this file never decides access.
 */

/** One statement, as found in a document (values not yet validated). */
export interface PolicyStatement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
  [key: string]: unknown;
}

/** A parsed policy document. */
export interface PolicyDocument {
  Version?: unknown;
  Id?: unknown;
  Statement?: unknown;
  [key: string]: unknown;
}

/** Parses JSON text into a document object; undefined when it is not a JSON object. */
export function parsePolicy(text: unknown): PolicyDocument | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const doc: unknown = JSON.parse(text);
    return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as PolicyDocument) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parsed documents by text for readers that only evaluate them (authorization, checks): one
 * deep-frozen object per text, shared by every caller, so a document is parsed once, not on every
 * request. Writers, which rewrite documents in place, use `parsePolicy` (a fresh object each time).
 * Invalid texts are remembered as `null`. Least recently used first; bounded by entries and text length.
 */
const SHARED_DOCUMENTS = new Map<string, Readonly<PolicyDocument> | null>();
const SHARED_DOCUMENTS_MAX_ENTRIES = 4_000;
const SHARED_DOCUMENTS_MAX_CHARS = 16_000_000;
let sharedDocumentChars = 0;

/**
 * The number of each shared (deep-frozen) document, for the evaluation cache of policy-eval.ts:
 * numbers are never reused, so one number always stands for one content.
 */
const SHARED_IDS = new WeakMap<object, number>();
let lastSharedId = 0;

/** Like `parsePolicy`, but the document is shared and deep-frozen: read it, never change it. */
export function readPolicy(text: unknown): Readonly<PolicyDocument> | undefined {
  if (typeof text !== 'string') return undefined;
  const cached = SHARED_DOCUMENTS.get(text);
  if (cached !== undefined) {
    SHARED_DOCUMENTS.delete(text);
    SHARED_DOCUMENTS.set(text, cached);
    return cached ?? undefined;
  }
  const doc = parsePolicy(text);
  if (doc) share(doc);
  SHARED_DOCUMENTS.set(text, doc ?? null);
  sharedDocumentChars += text.length;
  for (const oldest of SHARED_DOCUMENTS.keys()) {
    if (SHARED_DOCUMENTS.size <= SHARED_DOCUMENTS_MAX_ENTRIES && sharedDocumentChars <= SHARED_DOCUMENTS_MAX_CHARS) break;
    SHARED_DOCUMENTS.delete(oldest);
    sharedDocumentChars -= oldest.length;
  }
  return doc;
}

/** The number of a document returned by `readPolicy` (or derived from one here); undefined for any other object. */
export function sharedPolicyId(doc: unknown): number | undefined {
  return doc !== null && typeof doc === 'object' ? SHARED_IDS.get(doc) : undefined;
}

/** A constant document of the simulation, deep-frozen and numbered as `readPolicy`'s are. */
export function sharedDocument<T extends object>(doc: T): T {
  return share(doc);
}

/** Deep-freezes a parsed document and numbers it. */
function share<T extends object>(doc: T): T {
  deepFreeze(doc);
  SHARED_IDS.set(doc, ++lastSharedId);
  return doc;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

/** The statements of a document (a single statement object counts as a one-element list). */
export function statementsOf(doc: PolicyDocument): PolicyStatement[] {
  const s = doc.Statement;
  if (Array.isArray(s)) return s.filter((x): x is PolicyStatement => x !== null && typeof x === 'object');
  return s !== null && typeof s === 'object' ? [s as PolicyStatement] : [];
}

/** A scalar-or-array policy value as an array of strings (non-strings dropped). */
export function asStrings(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string');
}

/** Characters IAM counts against its size quotas: it does not count white space. */
export function iamPolicyLength(text: string): number {
  return text.replace(/\s/g, '').length;
}

/** Size in UTF-8 bytes, as S3 and KMS count their limits. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const VERSIONS = ['2012-10-17', '2008-10-17'];

/** Which service is checking, which decides the required and prohibited elements. */
export type DocumentKind = 'trust' | 'identity' | 'bucket' | 'key';

/**
 * Structural problems of a document, worded as the service words them; undefined when none.
 * Deliberately coarse: it catches what the services reject (missing elements, prohibited
 * elements, bad effect or version, duplicate Sids), not every grammar rule of the policy language.
 */
export function structuralProblem(doc: PolicyDocument, kind: DocumentKind): string | undefined {
  if (doc.Version !== undefined && !VERSIONS.includes(String(doc.Version))) {
    return kind === 'bucket' ? 'Invalid policy version' : 'The policy must contain a valid version string';
  }
  if (doc.Statement === undefined) return 'Missing required field Statement';
  const statements = statementsOf(doc);
  if (statements.length === 0) return kind === 'bucket' ? 'Missing required field Statement' : 'Syntax errors in policy.';
  const sids = new Set<string>();
  for (const st of statements) {
    if (typeof st.Sid === 'string' && st.Sid !== '') {
      if (sids.has(st.Sid)) return 'Statement IDs (SID) in a single policy must be unique.';
      sids.add(st.Sid);
    }
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') {
      return kind === 'bucket' ? `Invalid effect: ${String(st.Effect)}` : 'Syntax errors in policy.';
    }
    const hasPrincipal = st.Principal !== undefined || st.NotPrincipal !== undefined;
    const hasAction = st.Action !== undefined || st.NotAction !== undefined;
    const hasResource = st.Resource !== undefined || st.NotResource !== undefined;
    switch (kind) {
      case 'trust':
        if (hasResource) return `Has prohibited field ${st.Resource !== undefined ? 'Resource' : 'NotResource'}`;
        if (!hasPrincipal) return 'Missing required field Principal';
        if (!hasAction) return 'Missing required field Action';
        if (!asStrings(st.Action ?? st.NotAction).every((a) => /^sts:/i.test(a) || a === '*')) {
          return 'AssumeRole policy may only specify STS AssumeRole actions.';
        }
        break;
      case 'identity':
        if (hasPrincipal) return `Has prohibited field ${st.Principal !== undefined ? 'Principal' : 'NotPrincipal'}`;
        if (!hasAction) return 'Missing required field Action';
        if (!hasResource) return 'Policy statement must contain resources.';
        break;
      case 'bucket':
        if (!hasPrincipal) return 'Missing required field Principal';
        if (!hasAction) return 'Missing required field Action';
        if (!hasResource) return 'Missing required field Resource';
        break;
      case 'key':
        // KMS requires a principal; a statement without Action or Resource is accepted and has no
        // effect (PutKeyPolicy API reference).
        if (!hasPrincipal) return 'Policy contains a statement with no principal.';
        break;
    }
  }
  return undefined;
}

/** Every `AWS` principal value named in `Principal`/`NotPrincipal` blocks (`"*"` included). */
export function awsPrincipalsOf(doc: PolicyDocument): string[] {
  const out: string[] = [];
  for (const st of statementsOf(doc)) {
    for (const block of [st.Principal, st.NotPrincipal]) {
      if (block === '*') out.push('*');
      else if (block !== null && typeof block === 'object') out.push(...asStrings((block as Record<string, unknown>).AWS));
    }
  }
  return out;
}

/**
 * Rewrites `AWS` principal values in place with `map` (return the value unchanged to keep it).
 * Returns whether anything changed. Used for IAM/S3 turning a bare account id into the root ARN,
 * and for IAM replacing a deleted role's ARN with its unique id.
 */
export function rewriteAwsPrincipals(doc: PolicyDocument, map: (value: string) => string): boolean {
  let changed = false;
  for (const st of statementsOf(doc)) {
    for (const field of ['Principal', 'NotPrincipal'] as const) {
      const block = st[field];
      if (block === null || typeof block !== 'object') continue;
      const record = block as Record<string, unknown>;
      const aws = record.AWS;
      if (typeof aws === 'string') {
        const next = map(aws);
        if (next !== aws) {
          record.AWS = next;
          changed = true;
        }
      } else if (Array.isArray(aws)) {
        record.AWS = aws.map((v) => {
          if (typeof v !== 'string') return v;
          const next = map(v);
          if (next !== v) changed = true;
          return next;
        });
      }
    }
  }
  return changed;
}

/**
 * Statements that can take effect: KMS accepts statements missing Action or Resource but they
 * grant nothing, and iam-simulate would reject the whole document for them.
 */
export function effectiveStatementsOnly(doc: PolicyDocument): PolicyDocument {
  // A shared document cannot change: its effective part is computed once, and shared as well.
  if (SHARED_IDS.has(doc)) {
    const known = EFFECTIVE_OF_SHARED.get(doc);
    if (known) return known;
    const effective = share(effectiveStatementsOf(doc));
    EFFECTIVE_OF_SHARED.set(doc, effective);
    return effective;
  }
  return effectiveStatementsOf(doc);
}

const EFFECTIVE_OF_SHARED = new WeakMap<object, PolicyDocument>();

function effectiveStatementsOf(doc: PolicyDocument): PolicyDocument {
  const statements = statementsOf(doc).filter(
    (st) => (st.Action !== undefined || st.NotAction !== undefined) && (st.Resource !== undefined || st.NotResource !== undefined),
  );
  return { ...doc, Statement: statements };
}
