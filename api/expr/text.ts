// Text functions. `replace` and `split` are literal (no regular expressions), so no input can make
// them backtrack; what they build is bounded by MAX_STRING_LENGTH and MAX_LIST_LENGTH.
import { checkedList, checkTextLength, describeValue, FunctionError, kindOf, textArg, type Fn } from './fn.js';
import { asNumber } from './values.js';

/** Text work costs one step per 10 characters (and one at least). */
const cost = (length: number) => 1 + Math.floor(length / 10);

const nonEmptyLiteral = (fn: string, at: number) => (index: number, value: unknown) =>
  index === at && value === '' ? `${fn} needs a non-empty text to look for` : undefined;

export const TEXT_FUNCTIONS: Record<string, Fn> = {
  replace: {
    arity: [3],
    checkLiteral: nonEmptyLiteral('replace', 1),
    apply: ([s, search, replacement], cx) => {
      const input = textArg(s, 'replace', 'its input');
      const from = textArg(search, 'replace', 'the text to look for');
      const to = textArg(replacement, 'replace', 'the replacement');
      if (from === '') throw new FunctionError('replace needs a non-empty text to look for');
      cx.charge(cost(input.length));
      const pieces = input.split(from);
      checkTextLength(input.length + (pieces.length - 1) * (to.length - from.length), 'replace');
      cx.charge(pieces.length + cost(pieces.length * to.length));
      return pieces.join(to);
    },
  },
  split: {
    arity: [2],
    apply: ([s, separator], cx) => {
      const input = textArg(s, 'split', 'its input');
      const sep = textArg(separator, 'split', 'the separator');
      cx.charge(cost(input.length));
      // '' splits into characters (code points, so an emoji stays whole).
      const parts = checkedList(sep === '' ? Array.from(input.slice(0, 4 * 100_001)) : input.split(sep, 100_001), 'split');
      cx.charge(parts.length);
      return parts;
    },
  },
  slice: {
    arity: [2, 3],
    apply: ([v, start, end], cx) => {
      const from = integerArg(start, 'the start');
      const to = end === undefined || end === null ? undefined : integerArg(end, 'the end');
      if (typeof v === 'string') {
        const out = v.slice(from, to);
        cx.charge(cost(out.length));
        return out;
      }
      if (Array.isArray(v)) {
        const out = v.slice(from, to);
        cx.charge(out.length);
        return out;
      }
      throw new FunctionError(`slice needs a text or a list, got ${kindOf(v)}`);
    },
  },
};

function integerArg(v: unknown, what: string): number {
  const n = asNumber(v);
  if (n === undefined || !Number.isInteger(n)) throw new FunctionError(`slice needs ${what} as a whole number, got ${describeValue(v)}`);
  return n;
}
