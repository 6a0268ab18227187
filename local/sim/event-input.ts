/**
 * What an EventBridge rule hands its target: the event itself, or the target's `Input` (constant
 * JSON), `InputPath` (a part of the event) or `InputTransformer` (variables taken from the event by
 * JSON path, filled into a template). Pure functions.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 *
 * JSON paths: "EventBridge does not support all JSON Path syntax ... Supported syntax includes: dot
 * notation (for example, $.detail), dashes, underscores, alphanumeric characters, array indices,
 * wildcards (*)". Templates: "Enclose each InputPathsMaps value in brackets: <value>"; a placeholder
 * outside quotes takes the value as JSON (a string gets its quotes), inside quotes its text; the
 * predefined variables `aws.events.rule-arn`, `aws.events.rule-name`, `aws.events.event.ingestion-time`,
 * `aws.events.event` (the event without `detail`) and `aws.events.event.json` (the whole event).
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html
 */

/** The part of a target that decides its input. */
export interface TargetInputSpec {
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate?: string };
}

/** The rule and time a target is invoked for (the predefined template variables). */
export interface InputContext {
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly ingestionTime: Date;
}

/** Why a target's input settings are not valid (PutTargets answers ValidationException with it). */
export function invalidTargetInput(spec: TargetInputSpec): string | undefined {
  const given = (['Input', 'InputPath', 'InputTransformer'] as const).filter((k) => spec[k] !== undefined);
  if (given.length > 1) return `Only one of Input, InputPath, or InputTransformer may be specified; got ${given.join(', ')}.`;
  if (spec.Input !== undefined) {
    try {
      JSON.parse(spec.Input);
    } catch {
      return 'Input is not valid JSON text.';
    }
  }
  if (spec.InputPath !== undefined && !parsePath(spec.InputPath)) return `InputPath is not a valid JSON path: ${spec.InputPath}`;
  const transformer = spec.InputTransformer;
  if (transformer) {
    if (!transformer.InputTemplate) return 'InputTransformer needs an InputTemplate.';
    const names = Object.keys(transformer.InputPathsMap ?? {});
    if (names.length > 100) return 'InputPathsMap takes at most 100 variables.';
    for (const name of names) {
      if (name.startsWith('aws.events.')) return `InputPathsMap variable ${name} uses a reserved name.`;
      if (!parsePath(String(transformer.InputPathsMap?.[name]))) return `InputPathsMap value for ${name} is not a valid JSON path.`;
    }
  }
  return undefined;
}

/** What the target receives for `event` (a JSON value; a non-JSON template's text as a string). */
export function renderTargetInput(spec: TargetInputSpec, event: Record<string, unknown>, context: InputContext): unknown {
  if (spec.Input !== undefined) return JSON.parse(spec.Input);
  if (spec.InputPath !== undefined) return selectPath(event, spec.InputPath) ?? null;
  const transformer = spec.InputTransformer;
  if (!transformer?.InputTemplate) return event;
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) values.set(name, selectPath(event, path));
  const { detail: _detail, ...withoutDetail } = event;
  const predefined: Record<string, unknown> = {
    'aws.events.rule-arn': context.ruleArn,
    'aws.events.rule-name': context.ruleName,
    'aws.events.event.ingestion-time': context.ingestionTime.toISOString(),
    'aws.events.event': withoutDetail,
    'aws.events.event.json': event,
  };
  const text = fillTemplate(transformer.InputTemplate, (name) => (values.has(name) ? { value: values.get(name) } : name in predefined ? { value: predefined[name] } : undefined));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Replaces each `<name>` the lookup knows. In a JSON template (an object, array or string), inside a
 * JSON string the value's text (escaped for JSON), outside one its JSON (a missing value: `null`);
 * in a text template ("<instance> is in state <status>") the value's text. Unknown placeholders stay
 * as written.
 */
export function fillTemplate(template: string, lookup: (name: string) => { value: unknown } | undefined): string {
  if (!/^\s*[{["]/.test(template)) {
    return template.replace(/<([A-Za-z0-9_.-]+)>/g, (whole, name: string) => {
      const hit = lookup(name);
      if (!hit) return whole;
      return typeof hit.value === 'string' ? hit.value : hit.value === undefined ? '' : JSON.stringify(hit.value);
    });
  }
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i += 1) {
    const ch = template[i];
    if (ch === '\\' && inString) {
      out += ch + (template[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (ch === '"') inString = !inString;
    if (ch === '<') {
      const m = /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i));
      const hit = m ? lookup(m[1]) : undefined;
      if (m && hit) {
        out += inString ? stringText(hit.value) : JSON.stringify(hit.value ?? null);
        i += m[0].length - 1;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

function stringText(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text).slice(1, -1);
}

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

/** `$`, `$.a.b-c`, `$.a[0]`, `$.a[*].b`, `$.a.*`, `$['a b']`; undefined when not a path. */
export function parsePath(path: string): Step[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: Step[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z0-9_\-/]+)/.exec(rest))) steps.push({ kind: 'key', key: m[1] });
    else if ((m = /^\.\*/.exec(rest)) || (m = /^\[\*\]/.exec(rest))) steps.push({ kind: 'wildcard' });
    else if ((m = /^\[(\d+)\]/.exec(rest))) steps.push({ kind: 'index', index: Number(m[1]) });
    else if ((m = /^\['([^']*)'\]/.exec(rest)) || (m = /^\["([^"]*)"\]/.exec(rest))) steps.push({ kind: 'key', key: m[1] });
    else return undefined;
    rest = rest.slice(m[0].length);
  }
  return steps;
}

/** The value at a JSON path (a wildcard collects an array), or undefined. */
export function selectPath(value: unknown, path: string): unknown {
  const steps = parsePath(path);
  if (!steps) return undefined;
  const walk = (current: unknown, i: number): unknown => {
    if (i === steps.length) return current;
    const step = steps[i];
    if (current === null || typeof current !== 'object') return undefined;
    if (step.kind === 'wildcard') {
      const items = Array.isArray(current) ? current : Object.values(current);
      return items.map((item) => walk(item, i + 1)).filter((v) => v !== undefined);
    }
    if (step.kind === 'index') return Array.isArray(current) ? walk(current[step.index], i + 1) : undefined;
    if (Array.isArray(current) || !Object.prototype.hasOwnProperty.call(current, step.key)) return undefined;
    return walk((current as Record<string, unknown>)[step.key], i + 1);
  };
  return walk(value, 0);
}
