// Property-based fuzzing (fast-check) of the expression language and validateWorkflow with hostile
// input: arbitrary text, well-formed-ish expressions, prototype names, deep nesting, regexes.
// The only exceptions allowed are the library's own typed errors, and each names its position or
// field. The seed is fixed (override with AETHER_FUZZ_SEED); fast-check prints it and the shrunk
// counterexample on failure.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  evaluate,
  ExpressionError,
  parseCondition,
  parseExpression,
  parseTemplate,
  referencedNames,
  renderTemplate,
  type Scope,
} from './expr/index.js';
import { ACTIONS, formatProblem, validateWorkflow } from './v1alpha1/index.js';

const SEED = Number(process.env.AETHER_FUZZ_SEED ?? 1313);
const RUNS = { seed: SEED, numRuns: 400 };

const PROTO = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf'];
const NAMES = [...PROTO, 'params', 'steps', 'vars', 'credentials', 'item', 'loop', 'output', 'x', 'a-b', 'length'];
const FILTERS = [...PROTO, 'default', 'json', 'upper', 'lower', 'trim', 'length', 'join', 'first', 'last', 'number'];
/** Functions (also usable as filters), the ones taking a lambda apart. */
const FUNCTIONS = [...FILTERS, 'replace', 'split', 'slice', 'round', 'append', 'now', 'date', 'formatDate', 'nope'];
const LAMBDA_FUNCTIONS = ['filter', 'map', 'sum'];
const DATE_BITS = ['"yyyy-MM-dd"', '"dd.MM.yyyy HH:mm"', '"Europe/Berlin"', '"Mars/X"', '"qq"', "\"'\"", '"2024-02-30"', '"2024-01-02T10:00:00+02:00"', 'null', '1e308'];
const WORDS = [
  'and',
  'or',
  'not',
  'contains',
  'matches',
  'true',
  'false',
  'null',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '&&',
  '||',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '=>',
];
const PUNCT = ['.', '[', ']', '(', ')', '|', ':', ',', '{{', '}}', '"', "'", '\\', '-', '{', '}', '=>', 'x =>'];
const REGEX_BITS = [
  'a',
  '(',
  ')',
  '+',
  '*',
  '?',
  '|',
  '{2,5}',
  '{1,1000}',
  '\\\\d',
  '[a-z]',
  '(?=',
  '(?<=',
  '\\\\1',
  '.*',
  '^',
  '$',
  '(?i)',
  '[',
  '\\\\',
];

const quoted = (s: string) => JSON.stringify(s);
const name = fc.constantFrom(...NAMES);
const regexText = fc.array(fc.constantFrom(...REGEX_BITS), { maxLength: 12 }).map((bits) => bits.join(''));

/** Expressions that follow the grammar (mostly), with hostile names, filters and patterns. */
const { expr } = fc.letrec<{ expr: string; primary: string }>((tie) => ({
  primary: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.string({ maxLength: 8 }).map(quoted),
    fc.constantFrom('true', 'false', 'null'),
    fc
      .tuple(
        name,
        fc.array(
          fc.oneof(
            name.map((n) => `.${n}`),
            tie('expr').map((e) => `[${e}]`),
          ),
          { maxLength: 3 },
        ),
      )
      .map(([root, segs]) => root + segs.join('')),
    fc.array(tie('expr'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    tie('expr').map((e) => `(${e})`),
    fc
      .tuple(fc.constantFrom(...FUNCTIONS), fc.array(fc.oneof(tie('expr'), fc.constantFrom(...DATE_BITS)), { maxLength: 3 }))
      .map(([f, args]) => `${f}(${args.join(', ')})`),
    fc
      .tuple(fc.constantFrom(...LAMBDA_FUNCTIONS), tie('expr'), name, tie('expr'))
      .map(([f, list, param, body]) => `${f}(${list}, ${param} => ${body})`),
    fc
      .array(fc.tuple(fc.oneof(name, fc.string({ maxLength: 4 }).map(quoted)), tie('expr')), { maxLength: 3 })
      .map((entries) => `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
  ),
  expr: fc.oneof(
    { depthSize: 'small' },
    tie('primary'),
    fc
      .tuple(tie('primary'), fc.constantFrom(...FILTERS), fc.array(tie('primary'), { maxLength: 2 }))
      .map(([p, f, args]) => `${p} | ${f}${args.length ? `: ${args.join(', ')}` : ''}`),
    fc.tuple(tie('primary'), fc.constantFrom(...WORDS), tie('primary')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc
      .tuple(tie('primary'), fc.constantFrom(...LAMBDA_FUNCTIONS), name, tie('expr'))
      .map(([p, f, param, body]) => `${p} | ${f}: (${param} => ${body})`),
    tie('primary').map((p) => `-${p}`),
    fc.tuple(tie('primary'), regexText).map(([a, r]) => `${a} matches ${quoted(r)}`),
    tie('primary').map((p) => `not ${p}`),
  ),
}));

/** Token soup: every token kind in any order. */
const soup = fc
  .array(fc.oneof(name, fc.constantFrom(...FILTERS, ...WORDS, ...PUNCT), fc.string({ maxLength: 4 })), {
    maxLength: 30,
  })
  .map((t) => t.join(' '));

/** Deep nesting of one kind, around any expression. */
const deep = fc
  .tuple(fc.constantFrom('(', '[', 'not ', '!', 'params[', 'x | upper '), fc.integer({ min: 50, max: 3000 }), expr)
  .map(([open, n, inner]) => {
    const close = open === '(' ? ')' : open.endsWith('[') ? ']' : '';
    return open === 'x | upper ' ? 'x' + ' | upper'.repeat(n) : open.repeat(n) + inner + close.repeat(n);
  });

const anyExpression = fc.oneof(
  expr,
  soup,
  deep,
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

function nested(n: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { x: v };
  return v;
}

/** A scope whose data has prototype names as own keys and very deep values. */
const hostileScope: Scope = {
  params: JSON.parse(
    `{"x": "text", "a-b": [1, "2", {"constructor": "c"}], "__proto__": {"polluted": true}, "constructor": "own", "toString": 1}`,
  ) as Record<string, unknown>,
  steps: JSON.parse(
    `{"x": {"output": {"__proto__": [1], "valueOf": "v"}}, "constructor": {"output": 5}}`,
  ) as Scope['steps'],
  vars: { deep: nested(5000), other: nested(5000), x: 'a'.repeat(5000) },
  credentials: { x: { x: 'secret' } },
  locals: { item: { x: 1 }, loop: { index: 0 } },
  now: '2024-03-31T00:30:00.000Z',
};

/** Runs `fn`; any exception must be an ExpressionError with a reason and a position inside `source`. */
function onlyExpressionErrors(source: string, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    expect(err.reason.length).toBeGreaterThan(0);
    expect(Number.isInteger(err.position)).toBe(true);
    expect(err.position).toBeGreaterThanOrEqual(0);
    expect(err.position).toBeLessThanOrEqual(source.length);
    expect(err.message).toContain(`at position ${err.position}`);
  }
}

describe('fuzz: the expression language', () => {
  it('parses, references, evaluates and renders any input with only positioned ExpressionErrors', () => {
    fc.assert(
      fc.property(anyExpression, (src) => {
        onlyExpressionErrors(src, () => referencedNames(parseExpression(src)));
        onlyExpressionErrors(src, () => evaluate(parseCondition(src), hostileScope, src));
        const template = `pre {{ ${src} }} post {{ vars.x }}`;
        onlyExpressionErrors(template, () => renderTemplate(parseTemplate(template), hostileScope));
        onlyExpressionErrors(src, () => renderTemplate(src, hostileScope));
      }),
      RUNS,
    );
  });

  it('never reaches a prototype: prototype names read as missing or as own data', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROTO), fc.constantFrom('params', 'steps.x.output', 'vars', 'item'), (p, root) => {
        const value = renderTemplate(`{{ ${root}["${p}"] }}`, hostileScope);
        expect(typeof value === 'function').toBe(false);
        const container = root === 'params' ? hostileScope.params : undefined;
        if (container) expect(value).toBe(Object.hasOwn(container, p) ? container[p] : undefined);
      }),
      RUNS,
    );
  });
});

const identifierLike = fc.oneof(fc.constantFrom(...PROTO, 'a', 'b', 'open', 'x-y'), fc.string({ maxLength: 8 }));
const templateText = fc.oneof(
  expr.map((e) => `{{ ${e} }}`),
  soup,
  fc.string({ maxLength: 30 }),
  deep.map((d) => `{{ ${d} }}`),
);

/** Objects with an own "__proto__" key now and then, as JSON.parse and YAML make them. */
function withOwnProto(o: Record<string, unknown>, add: boolean): Record<string, unknown> {
  if (add)
    Object.defineProperty(o, '__proto__', {
      value: { polluted: true },
      enumerable: true,
      configurable: true,
      writable: true,
    });
  return o;
}

const { step } = fc.letrec<{ step: Record<string, unknown>; steps: Array<Record<string, unknown>> }>((tie) => ({
  steps: fc.oneof(
    { maxDepth: 2, depthSize: 'small' },
    fc.constant<Array<Record<string, unknown>>>([]),
    fc.array(tie('step'), { minLength: 1, maxLength: 2 }),
  ),
  step: fc
    .record(
      {
        id: identifierLike,
        action: fc.constantFrom(...ACTIONS, 'constructor'),
        url: templateText,
        value: templateText,
        name: identifierLike,
        condition: fc.oneof(expr, soup, deep),
        items: fc.oneof(expr, soup),
        as: identifierLike,
        target: fc.record({ css: fc.string({ maxLength: 10 }) }),
        headers: fc.dictionary(identifierLike, templateText, { maxKeys: 3 }),
        body: templateText,
        then: tie('steps'),
        else: tie('steps'),
        steps: tie('steps'),
        proto: fc.boolean(),
      },
      { requiredKeys: ['id', 'action'] },
    )
    .map(({ proto, ...s }) => withOwnProto(s, proto === true)),
}));

const workflow = fc.oneof(
  fc.record(
    {
      params: fc.array(
        fc.record(
          {
            name: identifierLike,
            type: fc.constantFrom('string', 'object', 'list'),
            default: fc.jsonValue({ maxDepth: 3 }),
          },
          { requiredKeys: ['name'] },
        ),
        { maxLength: 3 },
      ),
      credentials: fc.array(fc.record({ name: identifierLike, keys: fc.array(identifierLike, { maxLength: 2 }) }), {
        maxLength: 2,
      }),
      steps: fc.array(step, { maxLength: 4 }),
    },
    { requiredKeys: ['steps'] },
  ),
  fc.integer({ min: 10, max: 3000 }).map((n) => {
    let steps: unknown[] = [{ id: 'a', action: 'goto', url: 'https://x' }];
    for (let i = 0; i < n; i++)
      steps = [
        i % 2
          ? { id: `s${i}`, action: 'if', condition: 'true', then: steps }
          : { id: `s${i}`, action: 'forEach', items: '[1]', steps },
      ];
    return { steps };
  }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.anything({ maxDepth: 3 }),
);

describe('fuzz: validateWorkflow', () => {
  it('returns problems naming the field for any input, and never throws', () => {
    fc.assert(
      fc.property(workflow, (input) => {
        const problems = validateWorkflow(input);
        expect(Array.isArray(problems)).toBe(true);
        for (const p of problems) {
          expect(typeof p.path).toBe('string');
          expect(p.message.length).toBeGreaterThan(0);
          // Only problems with the input as a whole may have no path.
          if (p.path === '')
            expect(p.message).toMatch(/^(Invalid input|Unrecognized key|nested more than|the key)|expected object/);
          if (/expression|position/.test(p.message) && p.stepId !== undefined)
            expect(p.message).toMatch(/position \d+/);
          expect(formatProblem(p).length).toBeGreaterThan(0);
        }
      }),
      { ...RUNS, numRuns: 300 },
    );
  });
});
