// zod's JSON Schema (draft 2020-12) -> a Kubernetes structural OpenAPI v3 schema.
//  - `$ref` cycles are unrolled: CRDs cannot recurse. A schema reached through the same `$ref`
//    more than `maxRefDepth` times becomes a list that must stay empty (maxItems 0), so deeper
//    nesting is rejected with a clear message instead of silently pruned.
//  - A union of objects (zod's discriminatedUnion -> oneOf) becomes ONE object with every member's
//    fields; what each member requires or forbids becomes a CEL rule keyed on the discriminator.
//  - string|integer unions marked `x-kubernetes-int-or-string`, nullables, `{}` (any value) and
//    map key patterns get their Kubernetes spellings.
import { isDeepStrictEqual } from 'node:util';

export type JsonSchema = { [key: string]: unknown };
type Validation = { rule: string; message: string; messageExpression?: string; fieldPath?: string };

export interface StructuralOptions {
  /** How many times one `$ref` may be expanded on a path (nesting depth of recursive lists). */
  maxRefDepth: number;
  /** Why a too-deep list must stay empty, for its CEL message. */
  tooDeepMessage?: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const VALIDATIONS = 'x-kubernetes-validations';
const PASS_THROUGH = new Set([
  'type',
  'description',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  VALIDATIONS,
]);
/** JSON Schema keywords with no structural equivalent that we drop on purpose. */
const DROPPED = new Set(['$schema', 'additionalProperties', 'propertyNames', 'id', '$defs', 'title', 'examples']);

const TOO_DEEP = Symbol('too deep');

class Converter {
  private readonly stack: string[] = [];
  constructor(
    private readonly root: JsonSchema,
    private readonly opts: StructuralOptions,
  ) {}

  private resolve(ref: string): JsonSchema {
    if (ref === '#') return this.root;
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    const def = m ? (this.root.$defs as Record<string, JsonSchema> | undefined)?.[m[1]!] : undefined;
    if (!def) throw new Error(`cannot resolve ${ref}`);
    return def;
  }

  convert(s: JsonSchema, path: string): JsonSchema | typeof TOO_DEEP {
    if (typeof s.$ref === 'string') {
      const ref = s.$ref;
      if (this.stack.filter((r) => r === ref).length >= this.opts.maxRefDepth) return TOO_DEEP;
      this.stack.push(ref);
      try {
        const { $ref: _, ...rest } = s;
        return this.convert({ ...this.resolve(ref), ...rest }, path);
      } finally {
        this.stack.pop();
      }
    }
    if (s['x-kubernetes-int-or-string'] === true) return this.intOrString(s, path);
    const union = (s.oneOf ?? s.anyOf) as JsonSchema[] | undefined;
    if (union) {
      const rest = Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'oneOf' && k !== 'anyOf'));
      const nonNull = union.filter((u) => u.type !== 'null');
      if (nonNull.length < union.length) {
        const inner = nonNull.length === 1 ? { ...nonNull[0]!, ...rest } : { ...rest, anyOf: nonNull };
        const out = this.convert(inner, path);
        return out === TOO_DEEP ? out : { ...out, nullable: true };
      }
      const members = union.map((u) => this.convert(u, path));
      if (members.some((m) => m === TOO_DEEP)) throw new Error(`${path}: a union member is too deep`);
      return this.mergeObjects(members as JsonSchema[], this.keep(rest, path), path);
    }
    if (Object.keys(s).filter((k) => k !== 'description' && k !== 'default' && !DROPPED.has(k)).length === 0)
      return { ...this.keep(s, path), 'x-kubernetes-preserve-unknown-fields': true };
    const out = this.keep(s, path);
    if (s.type === 'array') {
      const items = this.convert((s.items ?? {}) as JsonSchema, `${path}[]`);
      if (items === TOO_DEEP) {
        delete out['x-kubernetes-list-type'];
        delete out['x-kubernetes-list-map-keys'];
        // No maxItems: 0 here: the API server would report that before the CEL rule that says why.
        return {
          ...out,
          items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          [VALIDATIONS]: [{ rule: 'size(self) == 0', message: this.opts.tooDeepMessage ?? 'nested too deep' }],
          description: this.opts.tooDeepMessage ?? 'nested too deep',
        };
      }
      out.items = items;
    }
    if (s.type === 'object') {
      if (s.properties) {
        const props: Record<string, JsonSchema> = {};
        for (const [k, v] of Object.entries(s.properties as Record<string, JsonSchema>)) {
          const c = this.convert(v, `${path}.${k}`);
          if (c === TOO_DEEP) throw new Error(`${path}.${k}: too deep outside a list`);
          props[k] = c;
        }
        out.properties = props;
      }
      const extra = s.additionalProperties;
      if (extra && typeof extra === 'object' && !s.properties) {
        const value = this.convert(extra as JsonSchema, `${path}{}`);
        if (value === TOO_DEEP) throw new Error(`${path}: too deep in a map`);
        // A map of any values: CEL cannot see into it, so its key pattern stays a zod-only check.
        if (value['x-kubernetes-preserve-unknown-fields'] === true && !value.type)
          out['x-kubernetes-preserve-unknown-fields'] = true;
        else {
          out.additionalProperties = value;
          const keyRule = this.keyRule(s.propertyNames as JsonSchema | undefined, s.maxProperties);
          if (keyRule) out[VALIDATIONS] = [...((out[VALIDATIONS] as Validation[]) ?? []), keyRule];
        }
      }
    }
    return out;
  }

  /** The keywords of `s` that survive as they are, normalised. */
  private keep(s: JsonSchema, path: string): JsonSchema {
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(s)) {
      if (PASS_THROUGH.has(k)) out[k] = v;
      else if (k === 'const') out.enum = [v];
      else if (k === 'exclusiveMinimum') Object.assign(out, { minimum: v, exclusiveMinimum: true });
      else if (k === 'exclusiveMaximum') Object.assign(out, { maximum: v, exclusiveMaximum: true });
      else if (!DROPPED.has(k) && !['properties', 'items', 'required', 'oneOf', 'anyOf', '$ref'].includes(k))
        throw new Error(`${path}: unsupported JSON Schema keyword ${k}`);
    }
    if (Array.isArray(s.required) && s.required.length > 0) out.required = [...(s.required as string[])];
    if (out.minimum === -MAX_SAFE) delete out.minimum;
    if (out.maximum === MAX_SAFE) delete out.maximum;
    // The API server checks date-time itself; zod's long regex for it would only cost.
    if (out.format === 'date-time') delete out.pattern;
    return out;
  }

  private keyRule(names: JsonSchema | undefined, maxProperties: unknown): Validation | undefined {
    if (!names || typeof names.pattern !== 'string') return undefined;
    if (typeof maxProperties !== 'number') return undefined; // CEL over an unbounded map costs too much
    return { rule: `self.all(k, k.matches(${celString(names.pattern)}))`, message: `keys must match ${names.pattern}` };
  }

  private intOrString(s: JsonSchema, path: string): JsonSchema {
    const rest = Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'anyOf' && k !== 'oneOf' && k !== 'type'));
    return this.keep(rest, path);
  }

  /** One object for a union of objects; the discriminator is the property whose values are single enums. */
  private mergeObjects(members: JsonSchema[], outer: JsonSchema, path: string): JsonSchema {
    if (!members.every((m) => m.type === 'object'))
      throw new Error(`${path}: only unions of objects (or int-or-string) are supported`);
    const props = members.map((m) => (m.properties ?? {}) as Record<string, JsonSchema>);
    const disc = Object.keys(props[0]!).find((k) =>
      props.every((p) => Array.isArray(p[k]?.enum) && (p[k]!.enum as unknown[]).length === 1),
    );
    if (!disc) throw new Error(`${path}: union without a discriminator`);
    const valueOf = (i: number) => (props[i]![disc]!.enum as string[])[0]!;
    const merged: Record<string, JsonSchema> = {};
    const owners: Record<string, string[]> = {};
    members.forEach((m, i) => {
      for (const [k, v] of Object.entries(props[i]!)) {
        if (k === disc) continue;
        (owners[k] ??= []).push(valueOf(i));
        const { default: _d, ...plain } = v;
        const seen = merged[k];
        if (seen) {
          const { description: d1, ...a } = seen;
          const { description: d2, ...b } = plain;
          if (!isDeepStrictEqual(a, b))
            throw new Error(
              `${path}.${k}: members of the union give "${k}" different schemas; use one shape or another name`,
            );
          if (d1 !== d2) delete seen.description;
        } else merged[k] = plain;
      }
    });
    const allValues = members.map((_, i) => valueOf(i));
    const common = Object.keys(merged).filter((k) =>
      members.every((m) => ((m.required as string[]) ?? []).includes(k)),
    );
    const rules: Validation[] = [];
    // One rule per field some members require: the message names the field.
    const requiredBy: Record<string, string[]> = {};
    members.forEach((m, i) => {
      for (const r of (m.required as string[]) ?? [])
        if (r !== disc && !common.includes(r)) (requiredBy[r] ??= []).push(valueOf(i));
    });
    for (const [field, who] of Object.entries(requiredBy))
      rules.push({
        rule: `${celIn(disc, who, allValues, true)} || has(self.${field})`,
        message: `${field} is required for ${disc} ${who.join(', ')}`,
        fieldPath: `.${field}`,
      });
    members.forEach((m, i) => {
      for (const r of (m[VALIDATIONS] as Validation[]) ?? [])
        rules.push({
          ...r,
          rule: `self.${disc} != ${celString(valueOf(i))} || (${r.rule})`,
          // "action waitFor: waitFor needs ..." would say the member twice.
          message: r.message.startsWith(`${valueOf(i)} `) ? r.message : `${disc} ${valueOf(i)}: ${r.message}`,
        });
    });
    // Fields of other members: ONE rule with one term per field ("unset, or a member that owns it"),
    // so its size grows with the fields, not with fields x members. The message names the first
    // such field and what this member takes.
    const foreignFields = Object.keys(owners).filter((k) => owners[k]!.length < members.length);
    if (foreignFields.length > 0) {
      const misplaced = (k: string) => `has(self.${k}) && ${celIn(disc, owners[k]!, allValues, true)}`;
      const takes = members.map((_, i) =>
        Object.keys(props[i]!).filter((k) => k !== disc && foreignFields.includes(k)),
      );
      rules.push({
        rule: foreignFields.map((k) => `(!has(self.${k}) || ${celIn(disc, owners[k]!, allValues)})`).join(' && '),
        messageExpression:
          `(${foreignFields.map((k) => `${misplaced(k)} ? '${k}'`).join(' : ')} : 'a field')` +
          ` + ' is not a field of ${disc} ' + self.${disc} + ' (it takes ' + ` +
          `{${members.map((_, i) => `${celString(valueOf(i))}: ${celString(takes[i]!.join(', ') || 'only the common fields')}`).join(', ')}}[self.${disc}] + ')'`,
        message: `a field is set that this ${disc} does not take`,
      });
    }
    return {
      ...outer,
      type: 'object',
      properties: { [disc]: { type: 'string', enum: allValues }, ...merged },
      required: [disc, ...common],
      [VALIDATIONS]: [...((outer[VALIDATIONS] as Validation[]) ?? []), ...rules],
    };
  }
}

/** CEL for "self.<disc> is one of `values`" (or, negated, "is not"), spelled with the shorter of the
 * value list and its complement among `all`. */
function celIn(disc: string, values: string[], all: string[], negate = false): string {
  const others = all.filter((v) => !values.includes(v));
  const [list, not] = others.length < values.length ? [others, !negate] : [values, negate];
  if (list.length === 1) return `self.${disc} ${not ? '!=' : '=='} ${celString(list[0]!)}`;
  const test = `self.${disc} in [${list.map(celString).join(', ')}]`;
  return not ? `!(${test})` : test;
}

/** A CEL string literal. */
export function celString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Convert a zod-generated JSON Schema to a structural schema for a CRD. */
export function toStructural(schema: JsonSchema, opts: StructuralOptions): JsonSchema {
  const out = new Converter(schema, opts).convert(schema, '');
  if (out === TOO_DEEP) throw new Error('root is too deep');
  return out;
}
