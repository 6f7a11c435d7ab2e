// Every function of the language by name. Each may be called as `name(a, b)` or, with its first
// argument piped in, as `a | name: b` (the original filters are the same functions).
import { DATE_FUNCTIONS } from './dates.js';
import type { Fn } from './fn.js';
import { VALUE_FILTERS } from './filters.js';
import { LIST_FUNCTIONS } from './lists.js';
import { NUMBER_FUNCTIONS } from './numbers.js';
import { TEXT_FUNCTIONS } from './text.js';

/** The functions by name, in a map without a prototype: `constructor` or `__proto__` name nothing. */
export const FUNCTIONS: Readonly<Record<string, Fn>> = Object.freeze(
  Object.assign(
    Object.create(null) as object,
    VALUE_FILTERS,
    TEXT_FUNCTIONS,
    NUMBER_FUNCTIONS,
    LIST_FUNCTIONS,
    DATE_FUNCTIONS,
  ),
);

/** The function called `name`, if there is one (own entries only). */
export function functionNamed(name: string): Fn | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}

/** "1 argument", "1 or 2 arguments", counted without the piped input when `piped`. */
export function arityText(fn: Fn, piped: boolean): string {
  const counts = fn.arity.map((n) => n - (piped ? 1 : 0)).filter((n) => n >= 0);
  if (counts.length === 0) return 'no input';
  if (counts.length === 1 && counts[0] === 0) return 'no arguments';
  const last = counts[counts.length - 1]!;
  return `${counts.join(' or ')} argument${last === 1 ? '' : 's'}`;
}
