import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { withCel, withRules } from '../v1alpha1/rules.js';
import { toStructural, type JsonSchema } from './structural.js';

const convert = (schema: z.ZodType, maxRefDepth = 2) =>
  toStructural(z.toJSONSchema(schema, { io: 'input' }) as JsonSchema, { maxRefDepth, tooDeepMessage: 'too deep' });

describe('toStructural', () => {
  it.each<[string, z.ZodType, JsonSchema]>([
    ['a bounded string', z.string().max(5), { type: 'string', maxLength: 5 }],
    ['an int without the safe-integer bounds', z.int(), { type: 'integer' }],
    ['an int with real bounds', z.int().min(1).max(9), { type: 'integer', minimum: 1, maximum: 9 }],
    ['a literal as a one-value enum', z.literal('x'), { type: 'string', enum: ['x'] }],
    ['any value', z.unknown(), { 'x-kubernetes-preserve-unknown-fields': true }],
    ['a nullable string', z.string().max(3).nullable(), { type: 'string', maxLength: 3, nullable: true }],
    [
      'a date-time without zod’s long pattern',
      z.iso.datetime({ offset: true }),
      { type: 'string', format: 'date-time' },
    ],
    [
      'a map of any values',
      z.record(z.string(), z.unknown()),
      { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    ],
    [
      'a map of strings',
      z.record(z.string(), z.string().max(2)),
      { type: 'object', additionalProperties: { type: 'string', maxLength: 2 } },
    ],
    [
      'an int-or-string',
      withCel(z.union([z.enum(['a']), z.int()]).meta({ 'x-kubernetes-int-or-string': true }), [
        { rule: 'true', message: 'm' },
      ]),
      { 'x-kubernetes-int-or-string': true, 'x-kubernetes-validations': [{ rule: 'true', message: 'm' }] },
    ],
    [
      'a strict object with a default and a rule',
      withRules(z.strictObject({ a: z.boolean().default(true) }), [
        { cel: 'self.a', message: 'a must hold', holds: (v) => v.a },
      ]),
      {
        type: 'object',
        properties: { a: { type: 'boolean', default: true } },
        'x-kubernetes-validations': [{ rule: 'self.a', message: 'a must hold' }],
      },
    ],
  ])('%s', (_name, schema, expected) => {
    expect(convert(schema)).toEqual(expected);
  });

  it('flattens a discriminated union into one object with CEL rules per member', () => {
    const u = z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('a'), x: z.string().max(4) }),
      z.strictObject({ kind: z.literal('b'), x: z.string().max(4).optional(), y: z.boolean() }),
    ]);
    const out = convert(u);
    expect(out).toMatchObject({
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['a', 'b'] },
        x: { type: 'string', maxLength: 4 },
        y: { type: 'boolean' },
      },
      required: ['kind'],
    });
    const rules = out['x-kubernetes-validations'] as Array<{ rule: string; message: string }>;
    expect(rules).toContainEqual({
      rule: "self.kind != 'a' || has(self.x)",
      message: 'x is required for kind a',
      fieldPath: '.x',
    });
    expect(rules).toContainEqual({
      rule: "self.kind != 'b' || has(self.y)",
      message: 'y is required for kind b',
      fieldPath: '.y',
    });
    expect(rules).toContainEqual({
      rule: "(!has(self.y) || self.kind == 'b')",
      messageExpression: "(has(self.y) && self.kind != 'b' ? 'y' : 'a field') + ' is not a field of kind ' + self.kind",
      message: 'a field is set that this kind does not take',
    });
  });

  it('refuses members that give one field two shapes', () => {
    const u = z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('a'), x: z.string() }),
      z.strictObject({ kind: z.literal('b'), x: z.int() }),
    ]);
    expect(() => convert(u)).toThrow('different schemas');
  });

  it('unrolls recursion to maxRefDepth and makes the last list refuse items', () => {
    type Node = { name: string; children?: Node[] };
    const Node: z.ZodType<Node> = z.strictObject({
      name: z.string().max(3),
      get children() {
        return z.array(Node).max(2).optional();
      },
    });
    const out = convert(z.strictObject({ root: Node }), 2);
    const level1 = (out.properties as JsonSchema).root as JsonSchema;
    const level2 = ((level1.properties as JsonSchema).children as JsonSchema).items as JsonSchema;
    const tooDeep = (level2.properties as JsonSchema).children as JsonSchema;
    expect((level2.properties as JsonSchema).name).toEqual({ type: 'string', maxLength: 3 });
    expect(tooDeep).toMatchObject({
      type: 'array',
      'x-kubernetes-validations': [{ rule: 'size(self) == 0', message: 'too deep' }],
    });
    expect(JSON.stringify(out)).not.toContain('$ref');
  });

  it('at the deepest level, keeps a member that needs a deeper list only as a refused discriminator value', () => {
    const Leaf = z.strictObject({ kind: z.literal('leaf'), v: z.string().max(3) });
    const Box: z.ZodType = z.strictObject({
      kind: z.literal('box'),
      note: z.string().max(3).optional(),
      get children() {
        return z.array(Node).max(2);
      },
    });
    const Node = z.discriminatedUnion('kind', [Leaf, Box as unknown as z.ZodObject<{ kind: z.ZodLiteral<'box'> }>]);
    const out = convert(z.strictObject({ root: z.array(Node).max(2) }), 2);
    const level1 = ((out.properties as JsonSchema).root as JsonSchema).items as JsonSchema;
    const level2 = ((level1.properties as JsonSchema).children as JsonSchema).items as JsonSchema;
    expect(Object.keys(level1.properties as JsonSchema).sort()).toEqual(['children', 'kind', 'note', 'v']);
    expect(level2).toMatchObject({ properties: { kind: { enum: ['leaf', 'box'] } }, required: ['kind'] });
    expect(Object.keys(level2.properties as JsonSchema).sort()).toEqual(['kind', 'v']);
    expect(level2['x-kubernetes-validations']).toEqual([
      { rule: "self.kind != 'box'", message: 'too deep', fieldPath: '.kind' },
      { rule: "self.kind != 'leaf' || has(self.v)", message: 'v is required for kind leaf', fieldPath: '.v' },
    ]);
  });

  it('gives repeated copies of a recursive schema no descriptions (the first copy has them)', () => {
    type Node = { name: string; children?: Node[] };
    const Node: z.ZodType<Node> = z.strictObject({
      name: z.string().max(3).meta({ description: 'The name.' }),
      get children() {
        return z.array(Node).max(2).optional();
      },
    });
    const out = convert(z.strictObject({ root: Node }), 2);
    const level1 = (out.properties as JsonSchema).root as JsonSchema;
    const level2 = ((level1.properties as JsonSchema).children as JsonSchema).items as JsonSchema;
    expect((level1.properties as JsonSchema).name).toEqual({ type: 'string', maxLength: 3, description: 'The name.' });
    expect((level2.properties as JsonSchema).name).toEqual({ type: 'string', maxLength: 3 });
  });

  it('rejects keywords it does not know instead of dropping them', () => {
    expect(() => toStructural({ type: 'string', contentEncoding: 'base64' }, { maxRefDepth: 1 })).toThrow(
      'unsupported JSON Schema keyword contentEncoding',
    );
  });
});
