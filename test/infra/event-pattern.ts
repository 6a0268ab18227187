/**
 * A small EventBridge event-pattern matcher and input transformer, for the features the app's rules
 * use (no EventBridge library works offline). Semantics as documented in
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html:
 * - every field of the pattern must match (AND); a list of values matches any of them (OR);
 * - a nested object matches a nested object of the event;
 * - values are compared exactly (strings, numbers, booleans, null);
 * - `{ "prefix": "..." }` matches a string that starts with it;
 * - `{ "exists": true|false }` matches a leaf that is present / absent;
 * - when the event's value is an array, it matches when any element does.
 * Anything else in a pattern throws (so a test never passes on an unsupported feature).
 */

/** A pattern feature this matcher does not implement. */
export class UnsupportedPattern extends Error {
  override readonly name = 'UnsupportedPattern' as const;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function matchesOne(rule: unknown, value: unknown): boolean {
  if (isObject(rule)) {
    const keys = Object.keys(rule);
    if (keys.length !== 1) throw new UnsupportedPattern(`content filter with ${keys.length} keys: ${JSON.stringify(rule)}`);
    const [op] = keys;
    const arg = rule[op];
    switch (op) {
      case 'prefix':
        if (typeof arg !== 'string') throw new UnsupportedPattern(`prefix of a non-string: ${JSON.stringify(arg)}`);
        return typeof value === 'string' && value.startsWith(arg);
      case 'exists':
        // Handled by the caller (it depends on presence, not on the value).
        throw new UnsupportedPattern('exists inside a value list with other values');
      default:
        throw new UnsupportedPattern(`content filter "${op}"`);
    }
  }
  if (Array.isArray(rule)) throw new UnsupportedPattern(`nested array in a value list: ${JSON.stringify(rule)}`);
  return rule === value;
}

function matchesLeaf(rules: unknown[], present: boolean, value: unknown): boolean {
  const exists = rules.find((r) => isObject(r) && 'exists' in r) as { exists: unknown } | undefined;
  if (exists) {
    if (rules.length !== 1 || typeof exists.exists !== 'boolean') throw new UnsupportedPattern(`exists: ${JSON.stringify(rules)}`);
    return exists.exists === (present && !isObject(value));
  }
  if (!present) return false;
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => rules.some((r) => matchesOne(r, v)));
}

/** Whether `event` matches the EventBridge `pattern`. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new UnsupportedPattern(`a pattern must be an object: ${JSON.stringify(pattern)}`);
  for (const [key, rule] of Object.entries(pattern)) {
    const present = isObject(event) && key in event && event[key] !== undefined;
    const value = present ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) {
      if (!matchesLeaf(rule, present, value)) return false;
    } else if (isObject(rule)) {
      if (!present || !isObject(value)) return false;
      if (!matchesPattern(rule, value)) return false;
    } else {
      throw new UnsupportedPattern(`"${key}": a pattern value must be a list or an object, got ${JSON.stringify(rule)}`);
    }
  }
  return true;
}

/** The value at a JSONPath of the form `$.a.b.c` (the only form input paths here use). */
export function valueAtPath(event: unknown, jsonPath: string): unknown {
  if (jsonPath === '$') return event;
  if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(jsonPath)) throw new UnsupportedPattern(`input path ${jsonPath}`);
  let v: unknown = event;
  for (const k of jsonPath.slice(2).split('.')) v = isObject(v) ? v[k] : undefined;
  return v;
}

/**
 * Applies an InputTransformer (`InputPathsMap` + `InputTemplate`) to an event. A placeholder inside a
 * JSON string of the template is replaced by the value's text (escaped); one outside by the value as
 * JSON.
 */
export function applyInputTransformer(
  transformer: { InputPathsMap?: Record<string, string>; InputTemplate: string },
  event: unknown,
): string {
  const paths = transformer.InputPathsMap ?? {};
  const t = transformer.InputTemplate;
  let out = '';
  let inString = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '\\' && inString) {
      out += c + (t[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    const m = c === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(t.slice(i)) : null;
    if (m && m[1] in paths) {
      const v = valueAtPath(event, paths[m[1]]);
      if (inString) out += JSON.stringify(typeof v === 'string' ? v : JSON.stringify(v ?? null)).slice(1, -1);
      else out += v === undefined ? 'null' : JSON.stringify(v);
      i += m[0].length - 1;
      continue;
    }
    out += c;
  }
  return out;
}
