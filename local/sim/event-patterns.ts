/**
 * EventBridge event patterns: validation (PutRule, TestEventPattern) and matching, as the
 * EventBridge User Guide documents them. No npm library implements them (AWS's own matcher,
 * event-ruler, is Java), so this is the documented subset, kept pure and table-tested
 * (test/local/sim/event-patterns.test.ts).
 *
 * - A pattern is a JSON object. Its keys are AND-ed; a key whose value is an object matches the
 *   event's nested object of that name; a key whose value is an array is a leaf: the event's value
 *   must match ANY element of the array. "To match an event, the event must contain all the field
 *   names listed in the event pattern. The field names must also appear in the event with the same
 *   nested structure."
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * - Exact values: strings, numbers, `true`/`false` and `null`, compared without any conversion ("The
 *   matching is exact (character-by-character), without case-folding or any other string
 *   normalization"); null and the empty string are not interchangeable.
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 * - "If the value in the event is an array, then the event pattern matches if the intersection of
 *   the event pattern array and the event array is non-empty"; a nested pattern matches an array of
 *   objects when one element matches it as a whole.
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 * - Comparison operators ("only work on leaf nodes, with the exception of $or and anything-but"):
 *   `prefix`, `suffix` (each also `{ "equals-ignore-case": ... }`), `equals-ignore-case`,
 *   `wildcard` (`*`, `\*` for a literal star), `anything-but` (a value, a list of strings or of
 *   numbers, or `{prefix|suffix|equals-ignore-case|wildcard}`), `numeric` (one or two comparisons
 *   `= < <= > >=`, values between -5.0e9 and +5.0e9), `exists` (presence of a leaf: it "does not
 *   work on intermediate nodes"), `cidr` (IPv4 and IPv6), and `$or` (a list of patterns, any of
 *   which matches at that level).
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html
 *
 * Choices where the guide is silent (event-ruler's behaviour as far as known): a missing field matches
 * only `exists: false`; `anything-but` needs the field to be present; a value operator ignores leaf
 * values of the wrong type (`prefix` never matches a number, `numeric` never a string).
 */

/** A parsed pattern: a JSON object, validated by {@link parseEventPattern}. */
export type EventPattern = { readonly [key: string]: unknown };

/** Why a pattern is not valid; EventsSim answers InvalidEventPatternException with it. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError' as const;
}

/** Numeric matching "only works with values between -5.0e9 and +5.0e9 inclusive". */
const NUMERIC_LIMIT = 5e9;
const NUMERIC_OPERATORS = ['=', '<', '<=', '>', '>='] as const;
const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr'] as const;

type Scalar = string | number | boolean | null;

function invalid(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/**
 * Parses and validates the text of an EventPattern. Throws {@link InvalidEventPatternError} with
 * the reason, in the spirit of EventBridge's "Event pattern is not valid. Reason: ...".
 */
export function parseEventPattern(text: string): EventPattern {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    invalid(`Filter is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(value)) invalid('Filter is not an object');
  validateObject(value, '');
  return value;
}

function validateObject(pattern: Record<string, unknown>, path: string): void {
  for (const [key, value] of Object.entries(pattern)) {
    const where = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) invalid(`${where} must be a list of at least two patterns`);
      for (const alternative of value) validateObject(alternative as Record<string, unknown>, where);
    } else if (Array.isArray(value)) {
      if (value.length === 0) invalid(`Empty arrays are not allowed (${where})`);
      for (const matcher of value) validateMatcher(matcher, where);
    } else if (isObject(value)) {
      validateObject(value, where);
    } else {
      invalid(`"${where}" must be an object or an array`);
    }
  }
}

function validateMatcher(matcher: unknown, where: string): void {
  if (isScalar(matcher)) {
    if (typeof matcher === 'number') checkNumber(matcher, where);
    return;
  }
  if (!isObject(matcher)) invalid(`Match value must be a string, number, true, false, null or an operator object (${where})`);
  const keys = Object.keys(matcher);
  if (keys.length !== 1) invalid(`An operator object takes exactly one operator (${where})`);
  const [op] = keys;
  const arg = matcher[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (isObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string') return;
      return invalid(`${op} match pattern must be a string or {"equals-ignore-case": string} (${where})`);
    case 'equals-ignore-case':
      if (typeof arg !== 'string') invalid(`equals-ignore-case match pattern must be a string (${where})`);
      return;
    case 'wildcard':
      if (typeof arg !== 'string') invalid(`wildcard match pattern must be a string (${where})`);
      checkWildcard(arg, where);
      return;
    case 'exists':
      if (typeof arg !== 'boolean') invalid(`exists match pattern must be either true or false (${where})`);
      return;
    case 'cidr':
      if (typeof arg !== 'string' || !parseCidr(arg)) invalid(`Malformed CIDR, one '/' required (${where}): ${JSON.stringify(arg)}`);
      return;
    case 'numeric':
      parseNumeric(arg, where);
      return;
    case 'anything-but':
      validateAnythingBut(arg, where);
      return;
    default:
      invalid(`Unrecognized match type ${op} (${where}); known: ${OPERATORS.join(', ')}`);
  }
}

function validateAnythingBut(arg: unknown, where: string): void {
  if (typeof arg === 'string') return;
  if (typeof arg === 'number') return checkNumber(arg, where);
  if (Array.isArray(arg)) {
    if (arg.length === 0) invalid(`anything-but list must not be empty (${where})`);
    const allStrings = arg.every((v) => typeof v === 'string');
    const allNumbers = arg.every((v) => typeof v === 'number');
    if (!allStrings && !allNumbers) invalid(`Inside anything-but list, all values must be strings or all numbers (${where})`);
    if (allNumbers) arg.forEach((n) => checkNumber(n as number, where));
    return;
  }
  if (isObject(arg) && Object.keys(arg).length === 1) {
    const [op] = Object.keys(arg);
    const value = arg[op];
    if ((op === 'prefix' || op === 'suffix') && typeof value === 'string') {
      if (value === '') invalid(`Null ${op} not allowed inside anything-but (${where})`);
      return;
    }
    const list = Array.isArray(value) ? value : [value];
    if ((op === 'equals-ignore-case' || op === 'wildcard') && list.length > 0 && list.every((v) => typeof v === 'string')) {
      if (op === 'wildcard') list.forEach((w) => checkWildcard(w as string, where));
      return;
    }
  }
  invalid(`Value of anything-but must be a string, a number, a list of strings or numbers, or {prefix|suffix|equals-ignore-case|wildcard} (${where})`);
}

function checkNumber(n: number, where: string): void {
  if (!Number.isFinite(n) || Math.abs(n) > NUMERIC_LIMIT) invalid(`Value ${n} is outside the numeric range -5.0e9 to 5.0e9 (${where})`);
}

/** Consecutive wildcards are rejected ("Consecutive wildcard characters at pos ..."). */
function checkWildcard(w: string, where: string): void {
  if (/(?<!\\)\*\*/.test(w)) invalid(`Consecutive wildcard characters are not allowed (${where}): ${JSON.stringify(w)}`);
}

type Comparison = { op: (typeof NUMERIC_OPERATORS)[number]; value: number };

/** `[op, n]` or `[lower-op, n, upper-op, m]` (a range: `>`/`>=` then `<`/`<=`, lower below upper). */
function parseNumeric(arg: unknown, where: string): Comparison[] {
  const bad = () => invalid(`Value of numeric must be an array of one or two comparisons, such as [">", 0, "<=", 5] (${where})`);
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) return bad();
  const out: Comparison[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i] as Comparison['op'];
    const value = arg[i + 1];
    if (!NUMERIC_OPERATORS.includes(op) || typeof value !== 'number') return bad();
    checkNumber(value, where);
    out.push({ op, value });
  }
  if (out.length === 2) {
    const [lower, upper] = out;
    if (!['>', '>='].includes(lower.op) || !['<', '<='].includes(upper.op)) invalid(`Bad numeric range: the first comparison must be > or >=, the second < or <= (${where})`);
    if (lower.value >= upper.value) invalid(`Bad numeric range: bottom must be less than top (${where})`);
  }
  return out;
}

// ------------------------------------------------------------------ matching

/** Whether `event` (a full EventBridge event, or any JSON object) matches a validated pattern. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return isObject(event) && matchObject(pattern, event);
}

function matchObject(pattern: Readonly<Record<string, unknown>>, event: Record<string, unknown>): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(expected as Record<string, unknown>[]).some((alternative) => matchObject(alternative, event))) return false;
      continue;
    }
    const present = Object.prototype.hasOwnProperty.call(event, key);
    const actual = present ? event[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchLeaf(expected, present, actual)) return false;
    } else if (!matchNested(expected as Record<string, unknown>, actual)) {
      return false;
    }
  }
  return true;
}

function matchNested(pattern: Record<string, unknown>, actual: unknown): boolean {
  if (isObject(actual)) return matchObject(pattern, actual);
  if (Array.isArray(actual)) return actual.some((element) => matchNested(pattern, element));
  return false;
}

/** The leaf values of a field: a scalar, or the scalars of an array (nested arrays flattened). */
function leafValues(actual: unknown): Scalar[] {
  if (isScalar(actual)) return [actual];
  if (Array.isArray(actual)) return actual.flatMap(leafValues);
  return [];
}

function matchLeaf(matchers: readonly unknown[], present: boolean, actual: unknown): boolean {
  const values = present ? leafValues(actual) : [];
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m.exists === (values.length > 0);
    return values.some((v) => matchValue(m, v));
  });
}

function matchValue(matcher: unknown, value: Scalar): boolean {
  if (!isObject(matcher)) return matcher === value;
  const [op] = Object.keys(matcher);
  const arg = matcher[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
      return typeof value === 'string' && affix(op, arg, value);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (arg as string).toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && wildcardRegExp(arg as string).test(value);
    case 'numeric':
      return typeof value === 'number' && parseNumeric(arg, '').every((c) => compare(value, c));
    case 'cidr':
      return typeof value === 'string' && inCidr(value, arg as string);
    case 'anything-but':
      return !anythingButExcludes(arg, value);
    default:
      return false;
  }
}

function affix(op: 'prefix' | 'suffix', arg: unknown, value: string): boolean {
  const ignoreCase = isObject(arg);
  const wanted = ignoreCase ? String(arg['equals-ignore-case']) : String(arg);
  const subject = ignoreCase ? value.toLowerCase() : value;
  const needle = ignoreCase ? wanted.toLowerCase() : wanted;
  return op === 'prefix' ? subject.startsWith(needle) : subject.endsWith(needle);
}

/** Whether an anything-but argument names this value (so that anything-but does not match it). */
function anythingButExcludes(arg: unknown, value: Scalar): boolean {
  if (Array.isArray(arg)) return arg.includes(value);
  if (!isObject(arg)) return arg === value;
  const [op] = Object.keys(arg);
  const spec = arg[op];
  if (typeof value !== 'string') return false;
  if (op === 'prefix' || op === 'suffix') return affix(op, spec, value);
  const list = (Array.isArray(spec) ? spec : [spec]) as string[];
  if (op === 'equals-ignore-case') return list.some((s) => s.toLowerCase() === value.toLowerCase());
  return list.some((w) => wildcardRegExp(w).test(value));
}

function compare(value: number, c: Comparison): boolean {
  switch (c.op) {
    case '=':
      return value === c.value;
    case '<':
      return value < c.value;
    case '<=':
      return value <= c.value;
    case '>':
      return value > c.value;
    case '>=':
      return value >= c.value;
  }
}

/** `*` matches any run of characters, `\*` a literal star, everything else itself. */
function wildcardRegExp(w: string): RegExp {
  let body = '';
  for (let i = 0; i < w.length; i += 1) {
    const ch = w[i];
    if (ch === '\\' && w[i + 1] === '*') {
      body += '\\*';
      i += 1;
    } else if (ch === '*') body += '.*';
    else body += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${body}$`, 's');
}

// ------------------------------------------------------------------ CIDR

interface Cidr {
  readonly bits: 32 | 128;
  readonly network: bigint;
  readonly prefix: number;
}

function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, ...rest] = text.split('/');
  if (rest.length > 0 || prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const ip = parseIp(address);
  const prefix = Number(prefixText);
  if (!ip || prefix > ip.bits) return undefined;
  return { bits: ip.bits, network: ip.value >> BigInt(ip.bits - prefix), prefix };
}

function parseIp(text: string): { bits: 32 | 128; value: bigint } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { bits: 32, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { bits: 128, value: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

function inCidr(value: string, cidrText: string): boolean {
  const cidr = parseCidr(cidrText);
  const ip = parseIp(value);
  if (!cidr || !ip || ip.bits !== cidr.bits) return false;
  return ip.value >> BigInt(cidr.bits - cidr.prefix) === cidr.network;
}
