// Bounds that keep hostile expressions and values from exhausting the stack or the CPU.

/** Deepest nesting of an expression: parentheses, lists, indexes, `not`, and chains of operators or filters. */
export const MAX_NESTING = 100;
/** Deepest list/object nesting of a value an expression compares or renders. */
export const MAX_VALUE_DEPTH = 1000;
/** Longest `matches` pattern, in characters. */
export const MAX_PATTERN_LENGTH = 1024;
/** Largest compiled `matches` program (RE2 instructions); `x{1,1000}` counts a thousand times. */
export const MAX_PATTERN_PROGRAM = 2000;
/**
 * Work budget of one `matches` call: RE2 runs in time proportional to program size × input length,
 * so the input is cut to `MATCH_BUDGET / programSize` characters (and never more than MAX_MATCH_INPUT).
 */
export const MATCH_BUDGET = 2_000_000;
export const MAX_MATCH_INPUT = 100_000;
