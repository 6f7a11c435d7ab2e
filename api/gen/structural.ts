// zod's JSON Schema (draft 2020-12) -> a Kubernetes structural OpenAPI v3 schema.
//  - `$ref` cycles are unrolled: CRDs cannot recurse. A schema reached through the same `$ref`
//    more than `maxRefDepth` times becomes a list that must stay empty (a CEL rule says why), so
//    deeper nesting is rejected with a clear message instead of silently pruned; a union member
//    that needs such a list (an `if` at the deepest level) is refused by one rule instead. Repeated
//    copies carry no descriptions: the first copy has them, and the CRD stays small.
//  - A union of objects (zod's discriminatedUnion -> oneOf) becomes ONE object with every member's
//    fields; what each member requires or forbids becomes a CEL rule keyed on the discriminator.
//    Rule text is what makes a CRD big and slow to compile (every copy of an unrolled step repeats
//    it), so these rules are written to grow with the fields, not with fields x members.
//  - string|integer unions marked `x-kubernetes-int-or-string`, nullables, `{}` (any value) and
//    map key patterns get their Kubernetes spellings.
import { isDeepStrictEqual } from 'node:util';
import { NESTED_DEPTH_META } from '../v1alpha1/workflow.js';

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
const DROPPED = new Set([NESTED_DEPTH_META, '$schema', 'additionalProperties', 'propertyNames', 'id', '$defs', 'title', 'examples']);

const TOO_DEEP = Symbol('too deep');

class Converter {
  private readonly stack: string[] = [];
  /** Lists that must stay empty because their items are nested too deep. */
  readonly tooDeepLists = new WeakSet<JsonSchema>();
  /** > 0 inside a repeated expansion of a `$ref`: the copy goes without descriptions (the first has them). */
  private repeated = 0;
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
      const seen = this.stack.filter((r) => r === ref).length;
      if (seen >= this.opts.maxRefDepth) return TOO_DEEP;
      this.stack.push(ref);
      if (seen > 0) this.repeated++;
      try {
        const { $ref: _, ...rest } = s;
        return this.convert({ ...this.resolve(ref), ...rest }, path);
      } finally {
        this.stack.pop();
        if (seen > 0) this.repeated--;
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
      const items = this.asNested(s, () => this.convert((s.items ?? {}) as JsonSchema, `${path}[]`));
      if (items === TOO_DEEP) {
        delete out['x-kubernetes-list-type'];
        delete out['x-kubernetes-list-map-keys'];
        // No maxItems: 0 here: the API server would report that before the CEL rule that says why.
        const list = {
          ...out,
          items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          [VALIDATIONS]: [{ rule: 'size(self) == 0', message: this.opts.tooDeepMessage ?? 'nested too deep' }],
          description: this.opts.tooDeepMessage ?? 'nested too deep',
        };
        this.tooDeepLists.add(list);
        return list;
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

  /** A list marked NESTED_DEPTH_META: n unrolls its items' `$ref` as if already expanded n times. */
  private asNested<T>(list: JsonSchema, convert: () => T): T {
    const n = list[NESTED_DEPTH_META];
    const ref = (list.items as JsonSchema | undefined)?.$ref;
    if (typeof n !== 'number' || typeof ref !== 'string') return convert();
    for (let i = 0; i < n; i++) this.stack.push(ref);
    this.repeated++;
    try {
      return convert();
    } finally {
      this.stack.splice(this.stack.length - n, n);
      this.repeated--;
    }
  }

  /** The keywords of `s` that survive as they are, normalised. */
  private keep(s: JsonSchema, path: string): JsonSchema {
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'description' && this.repeated > 0) continue;
      if (k === VALIDATIONS && Array.isArray(v) && v.length === 0) continue;
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

  /** One object for a union of objects; the discriminator is the property whose values are single enums.
   * A member that requires a too-deep list (an `if` at the deepest level) can never be valid: it adds
   * only its discriminator value, refused by one rule, and none of its own fields or rules. */
  private mergeObjects(members: JsonSchema[], outer: JsonSchema, path: string): JsonSchema {
    if (!members.every((m) => m.type === 'object'))
      throw new Error(`${path}: only unions of objects (or int-or-string) are supported`);
    const props = members.map((m) => (m.properties ?? {}) as Record<string, JsonSchema>);
    const disc = Object.keys(props[0]!).find((k) =>
      props.every((p) => Array.isArray(p[k]?.enum) && (p[k]!.enum as unknown[]).length === 1),
    );
    if (!disc) throw new Error(`${path}: union without a discriminator`);
    const valueOf = (m: JsonSchema) => ((m.properties as Record<string, JsonSchema>)[disc]!.enum as string[])[0]!;
    const requiredOf = (m: JsonSchema) => ((m.required as string[]) ?? []).filter((r) => r !== disc);
    const fieldsOf = (m: JsonSchema) => Object.keys(m.properties as object).filter((k) => k !== disc);
    const allValues = members.map(valueOf);
    const [live, tooDeep] = partition(members, (m) =>
      requiredOf(m).every((r) => !this.tooDeepLists.has((m.properties as Record<string, JsonSchema>)[r]!)),
    );

    const merged: Record<string, JsonSchema> = {};
    const owners: Record<string, string[]> = {};
    for (const m of live) {
      for (const k of fieldsOf(m)) {
        (owners[k] ??= []).push(valueOf(m));
        const { default: _d, ...plain } = (m.properties as Record<string, JsonSchema>)[k]!;
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
    }
    // Required of every member, the refused ones too: a refused member gets only the refusal.
    const common = Object.keys(merged).filter((k) => members.every((m) => requiredOf(m).includes(k)));
    const rules: Validation[] = [];
    if (tooDeep.length > 0)
      rules.push({
        rule: celIn(disc, tooDeep.map(valueOf), allValues, true),
        message: this.opts.tooDeepMessage ?? 'nested too deep',
        fieldPath: `.${disc}`,
      });
    // One rule per field some members require: the message names the field.
    const requiredBy: Record<string, string[]> = {};
    for (const m of live)
      for (const r of requiredOf(m)) if (!common.includes(r)) (requiredBy[r] ??= []).push(valueOf(m));
    for (const [field, who] of Object.entries(requiredBy))
      rules.push({
        rule: `${celIn(disc, who, allValues, true)} || has(self.${field})`,
        message: `${field} is required for ${disc} ${who.join(', ')}`,
        fieldPath: `.${field}`,
      });
    for (const m of live)
      for (const r of (m[VALIDATIONS] as Validation[]) ?? [])
        rules.push({
          ...r,
          rule: `self.${disc} != ${celString(valueOf(m))} || (${r.rule})`,
          // "action waitFor: waitFor needs ..." would say the member twice.
          message: r.message.startsWith(`${valueOf(m)} `) ? r.message : `${disc} ${valueOf(m)}: ${r.message}`,
        });
    const foreign = foreignFieldsRule(disc, live.length, allValues, owners);
    if (foreign) rules.push(foreign);
    return {
      ...outer,
      type: 'object',
      properties: { [disc]: { type: 'string', enum: allValues }, ...merged },
      required: [disc, ...common],
      [VALIDATIONS]: [...((outer[VALIDATIONS] as Validation[]) ?? []), ...rules],
    };
  }
}

/** Fields of other members are refused by ONE rule with a term per set of fields with the same owners
 * ("all unset, or a member that owns them"): its size grows with the fields, not fields x members.
 * The message names the first misplaced field. */
function foreignFieldsRule(
  disc: string,
  liveMembers: number,
  values: string[],
  owners: Record<string, string[]>,
): Validation | undefined {
  const fields = Object.keys(owners).filter((k) => owners[k]!.length < liveMembers);
  if (fields.length === 0) return undefined;
  const byOwners = new Map<string, string[]>();
  for (const k of fields) byOwners.set(owners[k]!.join(), [...(byOwners.get(owners[k]!.join()) ?? []), k]);
  const terms = [...byOwners.values()].map(
    (ks) => `(${ks.map((k) => `!has(self.${k})`).join(' && ')} || ${celIn(disc, owners[ks[0]!]!, values)})`,
  );
  const firstMisplaced = fields.map((k) => `has(self.${k}) && ${celIn(disc, owners[k]!, values, true)} ? '${k}'`);
  return {
    rule: terms.join(' && '),
    messageExpression: `(${firstMisplaced.join(' : ')} : 'a field') + ' is not a field of ${disc} ' + self.${disc}`,
    message: `a field is set that this ${disc} does not take`,
  };
}

function partition<T>(xs: T[], keep: (x: T) => boolean): [T[], T[]] {
  return [xs.filter(keep), xs.filter((x) => !keep(x))];
}

/** CEL for "self.<disc> is one of `values`" (or, negated, "is not"), spelled with the shorter of the
 * value list and its complement among `all`. */
function celIn(disc: string, values: string[], all: string[], negate = false): string {
  const others = all.filter((v) => !values.includes(v));
  const [list, not] = others.length < values.length ? [others, !negate] : [values, negate];
  if (list.length === 0) return not ? 'true' : 'false';
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
