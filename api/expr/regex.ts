// User regular expressions (`x matches "pattern"`) run on RE2 (re2js, a pure-JS port): time linear
// in the input, no backreferences or lookaround. Patterns are bounded in length and program size,
// and each call's input is cut so that program size × input stays within MATCH_BUDGET.
import { RE2JS, RE2JSException } from 're2js';
import { MATCH_BUDGET, MAX_MATCH_INPUT, MAX_PATTERN_LENGTH, MAX_PATTERN_PROGRAM } from './limits.js';

/** A pattern RE2 cannot or will not run; `message` says why, for the user. */
export class PatternError extends Error {
  override readonly name = 'PatternError';
}

const cache = new Map<string, RE2JS>();
const CACHE_SIZE = 64;

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^error parsing regexp: /, '');
}

/** The compiled pattern, or a PatternError naming what is wrong with it. */
export function compilePattern(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit) return hit;
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new PatternError(`regular expression longer than ${MAX_PATTERN_LENGTH} characters`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    if (!(err instanceof RE2JSException) && !(err instanceof RangeError)) throw err;
    throw new PatternError(
      `invalid regular expression ${JSON.stringify(pattern)}: ${describe(err)} (RE2 syntax: no backreferences or lookaround)`,
      { cause: err },
    );
  }
  if (re.programSize() > MAX_PATTERN_PROGRAM)
    throw new PatternError(
      `regular expression ${JSON.stringify(pattern)} is too complex (${re.programSize()} RE2 instructions, at most ${MAX_PATTERN_PROGRAM}; large {n,m} repeats count n..m times)`,
    );
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return re;
}

/** Whether `pattern` matches somewhere in `text` (like RegExp.test); long texts are cut to the budget. */
export function patternMatches(pattern: string, text: string): boolean {
  const re = compilePattern(pattern);
  const max = Math.min(MAX_MATCH_INPUT, Math.floor(MATCH_BUDGET / Math.max(1, re.programSize())));
  return re.matcher(text.length > max ? text.slice(0, max) : text).find();
}
