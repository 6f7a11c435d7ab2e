// Arithmetic (+ - * / %) and rounding with number semantics: operands are numbers or texts that
// spell one (params often arrive as text); a result that is not a finite number is an error, so
// NaN and Infinity never reach an output. `+` does not join texts (templates do that).
import { describeValue, FunctionError, kindOf, problemOf, type Fn } from './fn.js';
import type { ArithOp } from './ast.js';
import { asNumber } from './values.js';

function operand(v: unknown, op: string): number {
  const n = asNumber(v);
  if (n === undefined || !Number.isFinite(n))
    throw new FunctionError(
      typeof v === 'string'
        ? `"${op}" needs numbers, got the text ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)} (texts are joined in templates: "{{ a }}{{ b }}")`
        : `"${op}" needs numbers, got ${kindOf(v)}`,
    );
  return n;
}

export function finite(n: number, what: string): number {
  if (!Number.isFinite(n)) throw new FunctionError(`${what} is too large to be a number`);
  return n === 0 ? 0 : n; // no -0 in outputs
}

/** `a op b`. */
export function arithmetic(op: ArithOp, a: unknown, b: unknown): number {
  const x = operand(a, op);
  const y = operand(b, op);
  switch (op) {
    case '+':
      return finite(x + y, 'the sum');
    case '-':
      return finite(x - y, 'the difference');
    case '*':
      return finite(x * y, 'the product');
    case '/':
      if (y === 0) throw new FunctionError('division by zero');
      return finite(x / y, 'the quotient');
    case '%':
      if (y === 0) throw new FunctionError('remainder of a division by zero');
      return finite(x % y, 'the remainder');
  }
}

/** `-a`. */
export function negate(a: unknown): number {
  return finite(-operand(a, '-'), 'the negation');
}

const MAX_DIGITS = 15;

function digitsOf(v: unknown): number {
  const n = asNumber(v);
  if (n === undefined || !Number.isInteger(n) || Math.abs(n) > MAX_DIGITS)
    throw new FunctionError(`round needs its digits as a whole number from -${MAX_DIGITS} to ${MAX_DIGITS}, got ${describeValue(v)}`);
  return n;
}

/** Half away from zero at `digits` decimals, done in decimal (1.005 → 1.01, not 1.00). */
export function round(value: number, digits: number): number {
  const sign = value < 0 ? -1 : 1;
  const shifted = Number(`${Math.abs(value)}e${digits}`);
  const back = Number(`${Math.round(shifted)}e${-digits}`);
  if (Number.isFinite(shifted) && Number.isFinite(back)) return finite(sign * back, 'the rounded value');
  const f = 10 ** digits;
  return finite((sign * Math.round(Math.abs(value) * f)) / f, 'the rounded value');
}

export const NUMBER_FUNCTIONS: Record<string, Fn> = {
  round: {
    arity: [1, 2],
    checkLiteral: (index, value) => (index === 1 ? problemOf(() => digitsOf(value)) : undefined),
    apply: ([v, digits]) => round(operand(v, 'round'), digits === undefined ? 0 : digitsOf(digits)),
  },
};
