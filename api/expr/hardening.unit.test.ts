// Hostile input to the expression language: prototype names, deep nesting, regexes that backtrack.
// Each must end in an ExpressionError naming the position, never a TypeError, a RangeError or a hang.
import { describe, expect, it } from '@jest/globals';
import { evaluateCondition, ExpressionError, parseExpression, renderTemplate, type Scope } from './index.js';
import { MAX_NESTING } from './limits.js';

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
