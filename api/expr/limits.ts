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
/**
 * Work budget of one evaluation: every node evaluated and every element a function walks costs one
 * step, so `map` inside `map` over hostile lists ends in an error instead of hanging the robot.
 */
export const MAX_EVALUATION_STEPS = 1_000_000;
/** Longest list a function may build (`split`, `append`, `map`...). */
export const MAX_LIST_LENGTH = 100_000;
/** Longest text a function or operator may build (`replace`, `join`...), in characters. */
export const MAX_STRING_LENGTH = 1_000_000;
/** Most keys an object literal `{a: 1, ...}` may have. */
export const MAX_OBJECT_KEYS = 256;
