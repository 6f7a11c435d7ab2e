// Hostile input to the expression language: prototype names, deep nesting, regexes that backtrack,
// functions over huge lists and texts, NaN/Infinity, bad dates and zones.
// Each must end in an ExpressionError naming the position, never a TypeError, a RangeError or a hang.
import { describe, expect, it } from '@jest/globals';
import { evaluateCondition, ExpressionError, parseExpression, renderTemplate, type Scope } from './index.js';
import { MAX_EVALUATION_STEPS, MAX_LIST_LENGTH, MAX_NESTING, MAX_STRING_LENGTH } from './limits.js';

const PROTO_NAMES = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  '__defineGetter__',
];

function expressionError(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return err as ExpressionError;
  }
  throw new Error('expected an ExpressionError, got none');
}

describe('no path into prototypes', () => {
  it.each(PROTO_NAMES)('refuses the filter "%s" as unknown, naming it and its position', (name) => {
    const src = `params.x | ${name}`;
    const err = expressionError(() => parseExpression(src));
    expect(err.reason).toContain(`unknown filter "${name}"`);
    expect(err.position).toBe(src.indexOf(name));
  });

  it.each(PROTO_NAMES)('a member "%s" of params, a string, a list or an object is undefined', (name) => {
    const scope: Scope = { params: { s: 'text', l: [1], o: { a: 1 } } };
    for (const src of [
      `params.${name}`,
      `params["${name}"]`,
      `params.s.${name}`,
      `params.l.${name}`,
      `params.o.${name}`,
      `params.o.${name}.${name}`,
    ])
      expect(renderTemplate(`{{ ${src} }}`, scope)).toBeUndefined();
  });

  it.each(PROTO_NAMES)('params/outputs whose own key is "%s" are plain data', (name) => {
    const params = JSON.parse(`{"${name}": "own value"}`) as Record<string, unknown>;
    const steps = JSON.parse(`{"s": {"output": {"${name}": {"v": 1}}}}`) as Scope['steps'];
    const scope: Scope = { params, ...(steps && { steps }) };
    expect(renderTemplate(`{{ params["${name}"] }}`, scope)).toBe('own value');
    expect(renderTemplate(`{{ steps.s.output["${name}"].v }}`, scope)).toBe(1);
    expect(evaluateCondition(`params contains "${name}"`, scope)).toBe(true);
    expect(evaluateCondition(`params contains "x${name}"`, scope)).toBe(false);
  });

  it('a loop variable named like a prototype member is not found through the prototype', () => {
    const err = expressionError(() => renderTemplate('{{ toString }}', { locals: {} }));
    expect(err.reason).toContain('unknown name "toString"');
  });
});

describe('nesting depth', () => {
  it.each([
    ['parentheses', (n: number) => '('.repeat(n) + '1' + ')'.repeat(n)],
    ['lists', (n: number) => '['.repeat(n) + ']'.repeat(n)],
    ['not', (n: number) => 'not '.repeat(n) + 'true'],
    ['!', (n: number) => '!'.repeat(n) + 'true'],
    ['index', (n: number) => 'params' + '[params'.repeat(n) + ']'.repeat(n)],
    ['chained or', (n: number) => '1' + ' or 1'.repeat(n * 5)],
    ['chained filters', (n: number) => 'params.x' + ' | upper'.repeat(n * 5)],
  ])('deep %s end in a clear error with the position and the limit', (_kind, make) => {
    const src = make(1400);
    expect(src.length).toBeLessThan(65536); // the largest template field (http body)
    const err = expressionError(() => parseExpression(src));
    expect(err.reason).toContain(`nested more than ${MAX_NESTING} levels deep`);
    expect(err.position).toBeGreaterThan(0);
    expect(err.position).toBeLessThan(src.length);
  });

  it('a long chain of operators is evaluated without overflowing the stack once it is refused', () => {
    const src = `{{ 1${' or 1'.repeat(9000)} }}`;
    expect(expressionError(() => renderTemplate(src, {})).reason).toContain('nested more than');
  });

  it('nesting up to the limit parses and evaluates', () => {
    const src = '('.repeat(MAX_NESTING - 1) + '1' + ')'.repeat(MAX_NESTING - 1);
    expect(renderTemplate(`{{ ${src} }}`, {})).toBe(1);
  });

  it('deeply nested values (params, outputs) are compared and rendered with a clear error, not a stack overflow', () => {
    const nest = () => {
      let deep: unknown = 1;
      for (let i = 0; i < 20_000; i++) deep = [deep];
      return deep;
    };
    const scope: Scope = { params: { deep: nest(), other: nest() } };
    expect(expressionError(() => evaluateCondition('params.deep == params.other', scope)).reason).toContain(
      'nested more than',
    );
    expect(expressionError(() => renderTemplate('x {{ params.deep }}', scope)).reason).toContain('nested more than');
    expect(expressionError(() => renderTemplate('{{ params.deep | json }}', scope)).reason).toContain(
      'nested more than',
    );
  });
});

describe('matches runs on a linear-time engine', () => {
  it('a pattern that backtracks catastrophically in JavaScript answers quickly', () => {
    const scope: Scope = { params: { s: 'a'.repeat(40) + '!' } };
    const t0 = performance.now();
    expect(evaluateCondition('params.s matches "^(a+)+$"', scope)).toBe(false);
    expect(evaluateCondition('params.s matches "(x+x+)+y"', scope)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('keeps the usual syntax', () => {
    const scope: Scope = { params: { s: 'Invoice 42 paid' } };
    expect(evaluateCondition('params.s matches "^Invoice \\\\d+"', scope)).toBe(true);
    expect(evaluateCondition('params.s matches "(?i)PAID$"', scope)).toBe(true);
    expect(evaluateCondition('params.s matches "^paid"', scope)).toBe(false);
  });

  it.each([
    ['(a)\\\\1', 'backreference'],
    ['(?=a)', 'lookahead'],
    ['(a', 'unbalanced'],
  ])('refuses %s (%s) with a clear error at the operator', (pattern) => {
    const src = `params.s matches "${pattern}"`;
    const err = expressionError(() => evaluateCondition(src, { params: { s: 'a' } }));
    expect(err.reason).toMatch(/regular expression/);
    expect(err.position).toBe(src.indexOf('matches'));
  });

  it('refuses a pattern too large to run within the budget', () => {
    const err = expressionError(() =>
      evaluateCondition('params.s matches "(?:a|aa|aaa|b){1,1000}$"', { params: { s: 'a'.repeat(100_000) } }),
    );
    expect(err.reason).toContain('too complex');
  });
});

describe('functions and operators under hostile input (issue 16)', () => {
  const big = Array.from({ length: 5000 }, (_, i) => ({ i }));
  const scope: Scope = {
    params: { big, long: 'ab'.repeat(300_000), inf: Infinity, nan: NaN, huge: Array.from({ length: 100_000 }, () => 1) },
  };

  it.each([
    ['nested map over large lists', 'map(params.big, x => map(params.big, y => x.i))'],
    ['filter inside map', 'map(params.big, x => filter(params.big, y => y.i == x.i))'],
    ['sum inside filter', 'filter(params.big, x => sum(params.big, y => y.i) > x.i)'],
    ['a long text rewritten for every element', 'map(params.big, x => replace(params.long, "a", "b"))'],
    ['a long text upper-cased for every element', 'map(params.big, x => upper(params.long))'],
    ['a long text read as a number for every element', 'map(params.big, x => params.long | number)'],
    ['a large list written as JSON for every element', 'map(params.big, x => json(params.big))'],
  ])('%s runs out of evaluation steps with a clear error', (_name, src) => {
    const err = expressionError(() => evaluateCondition(src, scope));
    expect(err.reason).toContain(`more than ${MAX_EVALUATION_STEPS} steps`);
    expect(err.position).toBeGreaterThanOrEqual(0);
  });

  it('a single pass over a large list is within the budget', () => {
    expect(renderTemplate('{{ sum(params.big, x => x.i) }}', scope)).toBe((5000 * 4999) / 2);
  });

  it.each([
    ['split into characters', 'split(params.long, "")', `more than ${MAX_LIST_LENGTH} elements`],
    ['split on a frequent separator', 'split(params.long, "a")', `more than ${MAX_LIST_LENGTH} elements`],
    ['append to a full list', 'append(params.huge, 1)', `more than ${MAX_LIST_LENGTH} elements`],
    ['replace that grows the text', 'replace(params.long, "a", "0123456789")', `more than ${MAX_STRING_LENGTH} characters`],
    ['join of a grown list', 'join(map(params.huge, x => "0123456789abc"), "")', `more than ${MAX_STRING_LENGTH} characters`],
  ])('%s is refused before the value is built', (_name, src, reason) => {
    expect(expressionError(() => evaluateCondition(src, scope)).reason).toContain(reason);
  });

  it.each([
    ['Infinity from data', 'params.inf + 1', 'needs numbers, got a non-finite number'],
    ['NaN from data', 'params.nan * 2', 'needs numbers, got a non-finite number'],
    ['NaN in a sum', 'sum([1, params.nan])', 'element 1 is a non-finite number'],
    ['overflow', '1e308 + 1e308', 'too large to be a number'],
    ['rounding Infinity', 'round(params.inf)', 'needs numbers'],
    ['a date from Infinity', 'date(params.inf)', 'non-finite number'],
  ])('%s never leaks NaN or Infinity: %s', (_name, src, reason) => {
    expect(expressionError(() => evaluateCondition(src, scope)).reason).toContain(reason);
  });

  it.each([
    ['a zone name of 10,000 characters', `formatDate(0, "yyyy", "${'A'.repeat(10_000)}")`, 'unknown time zone'],
    ['a zone with a path', 'formatDate(0, "yyyy", "Europe/../../../etc")', 'unknown time zone'],
    ['a date text of 100,000 characters', 'date(params.long, "yyyy")', 'does not match the date pattern'],
    ['an ISO-like text of 100,000 characters', `date("2024-01-01${'0'.repeat(100_000)}")`, 'needs a date'],
    ['a pattern of 10,000 letters', `formatDate(0, "${'y'.repeat(10_000)}")`, 'date pattern must have 1 to 100 characters'],
  ])('%s is a clear error', (_name, src, reason) => {
    expect(expressionError(() => evaluateCondition(src, scope)).reason).toContain(reason);
  });

  it.each([
    ['chained +', (n: number) => '1' + ' + 1'.repeat(n * 5)],
    ['chained *', (n: number) => '1' + ' * 1'.repeat(n * 5)],
    ['unary minus', (n: number) => '- '.repeat(n) + '1'],
    ['nested calls', (n: number) => 'upper('.repeat(n) + '"x"' + ')'.repeat(n)],
    ['nested lambdas', (n: number) => 'map([1], x => '.repeat(n) + 'x' + ')'.repeat(n)],
    ['nested objects', (n: number) => '{a: '.repeat(n) + '1' + '}'.repeat(n)],
  ])('deep %s end in a clear error at parse time', (_kind, make) => {
    const src = make(1400);
    const err = expressionError(() => parseExpression(src));
    expect(err.reason).toContain(`nested more than ${MAX_NESTING} levels deep`);
  });

  it('a lambda parameter named like a prototype member binds as plain data and pollutes nothing', () => {
    expect(renderTemplate('{{ map([1, 2], __proto__ => __proto__ + 1) }}', {})).toEqual([2, 3]);
    expect(renderTemplate('{{ map([1], constructor => constructor) }}', {})).toEqual([1]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(renderTemplate('{{ {constructor: 1} }}', {}))).toBe(Object.prototype);
  });

  it('function names are looked up as own entries: prototype names are unknown functions', () => {
    for (const name of PROTO_NAMES)
      expect(expressionError(() => parseExpression(`${name}(1)`)).reason).toContain(`unknown function "${name}"`);
  });
});
