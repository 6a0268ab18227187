/**
 * Resolves the CloudFormation intrinsics the synthesized template uses (Ref, Fn::GetAtt, Fn::Join,
 * Fn::Select, Fn::Split, Fn::Sub) against given values, so the local runner can read the exact state machine
 * definition and function environments that would deploy.
 */

/** Values for `Ref` (logical ids and pseudo parameters) and `Fn::GetAtt` (`<LogicalId>.<Attr>`). */
export interface ResolveValues {
  readonly refs: Readonly<Record<string, string>>;
  readonly getAtts: Readonly<Record<string, string>>;
}

/** A template value that uses an intrinsic this resolver does not know. */
export class UnresolvableIntrinsic extends Error {
  override readonly name = 'UnresolvableIntrinsic' as const;
}

/** Resolves `value` recursively. */
export function resolveIntrinsics(value: unknown, values: ResolveValues): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, values));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [k] = keys;
    const arg = obj[k];
    switch (k) {
      case 'Ref': {
        const r = values.refs[arg as string];
        if (r === undefined) throw new UnresolvableIntrinsic(`No value for Ref ${String(arg)}`);
        return r;
      }
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        const r = values.getAtts[`${id}.${attr}`];
        if (r === undefined) throw new UnresolvableIntrinsic(`No value for Fn::GetAtt ${id}.${attr}`);
        return r;
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolveIntrinsics(parts, values) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Split': {
        const [sep, s] = arg as [string, unknown];
        return String(resolveIntrinsics(s, values)).split(sep);
      }
      case 'Fn::Sub': {
        // `${Name}` is a Ref, `${Name.Attr}` a GetAtt, `${!Literal}` the literal `${Literal}`.
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
        const own = resolveIntrinsics(vars, values) as Record<string, unknown>;
        return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
          if (name.startsWith('!')) return `\${${name.slice(1)}}`;
          if (own[name] !== undefined) return String(own[name]);
          const dot = name.indexOf('.');
          const r = dot < 0 ? values.refs[name] : values.getAtts[name];
          if (r === undefined) throw new UnresolvableIntrinsic(`No value for \${${name}} in Fn::Sub`);
          return r;
        });
      }
      case 'Fn::Select': {
        const [i, list] = arg as [number | string, unknown];
        return (resolveIntrinsics(list, values) as unknown[])[Number(i)];
      }
      default:
        if (k.startsWith('Fn::') || k === 'Condition') throw new UnresolvableIntrinsic(`Unsupported intrinsic ${k}`);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(obj[k], values)]));
}
