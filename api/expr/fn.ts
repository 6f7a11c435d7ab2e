// What a function of the language is: its arity, which arguments are lambdas, and a pure apply.
// The registry is functions.ts; the families live in filters.ts, text.ts, lists.ts, numbers.ts, dates.ts.
import { MAX_LIST_LENGTH, MAX_STRING_LENGTH } from './limits.js';

/** A function refused its arguments; the evaluator reports it at the call's position. */
export class FunctionError extends Error {
  override readonly name = 'FunctionError';
}

/** A lambda argument (`x => x.amount`) as the function sees it: the body's value for one element. */
export type Lambda = (value: unknown) => unknown;

export interface CallContext {
  /** Counts `n` steps of work against the evaluation's budget (throws once it is spent). */
  charge(n: number): void;
  /** The attempt's clock as ISO 8601, what `now()` returns; absent where there is none. */
  now: string | undefined;
}

export interface Fn {
  /** Allowed argument counts; in `x | name: a` the input x is the first argument. */
  arity: readonly number[];
  /** Positions whose argument must be a lambda; no other position may hold one. */
  lambdas?: readonly number[];
  /** Checks a literal argument when the expression is parsed (so at admission): a problem, or undefined. */
  checkLiteral?: (index: number, value: unknown) => string | undefined;
  apply(args: unknown[], cx: CallContext): unknown;
}

export function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number' && !Number.isFinite(v)) return 'a non-finite number';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** The message of the FunctionError `check` throws, or undefined when it passes (for checks at parse time). */
export function problemOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (err instanceof FunctionError) return err.message;
    throw err;
  }
}

/** A number as itself (`2.5`), anything else by its kind. */
export function describeValue(v: unknown): string {
  return typeof v === 'number' ? String(v) : kindOf(v);
}

/** `v` when it is a list, else a FunctionError naming the function. */
export function listArg(v: unknown, fn: string): unknown[] {
  if (!Array.isArray(v)) throw new FunctionError(`${fn} needs a list, got ${kindOf(v)}`);
  return v;
}

/** `v` when it is a string, else a FunctionError naming the function and the argument. */
export function textArg(v: unknown, fn: string, what: string): string {
  if (typeof v !== 'string') throw new FunctionError(`${fn} needs ${what} as a text, got ${kindOf(v)}`);
  return v;
}

/** A list the function built, refused when longer than MAX_LIST_LENGTH. */
export function checkedList<T>(list: T[], fn: string): T[] {
  if (list.length > MAX_LIST_LENGTH)
    throw new FunctionError(`${fn} would make a list of more than ${MAX_LIST_LENGTH} elements`);
  return list;
}

/** Refuses a text longer than MAX_STRING_LENGTH before it is built. */
export function checkTextLength(length: number, fn: string): void {
  if (length > MAX_STRING_LENGTH)
    throw new FunctionError(`${fn} would make a text of more than ${MAX_STRING_LENGTH} characters`);
}
