// Splits an expression into tokens. Positions are offsets into the full source string so that
// errors inside a template point at the right character.
import { ExpressionError } from './errors.js';

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** Identifier name, operator/punctuation text, or string contents (unescaped). */
  text: string;
  value?: number;
  pos: number;
}

const PUNCT = new Set(['.', '[', ']', '(', ')', '|', ':', ',', '{', '}']);
const OPS2 = ['==', '!=', '<=', '>=', '&&', '||', '=>'];
const OPS1 = new Set(['<', '>', '!', '+', '-', '*', '/', '%']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };

const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
// '-' is allowed inside names (kebab-case step ids): subtraction needs spaces (`a - b`).
const isIdentPart = (c: string) => /[A-Za-z0-9_-]/.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

/** Tokens of `source.slice(start, end)`, ending with an `end` token at `end`. */
export function tokenize(source: string, start = 0, end = source.length): Token[] {
  const tokens: Token[] = [];
  let i = start;
  while (i < end) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < end && isIdentPart(source[j]!)) j++;
      tokens.push({ kind: 'ident', text: source.slice(i, j), pos: i });
      i = j;
      continue;
    }
    if (isDigit(c) || (c === '-' && i + 1 < end && isDigit(source[i + 1]!))) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i, Math.min(end, i + 400)))!;
      if (!Number.isFinite(Number(m[0]))) throw new ExpressionError('number out of range', source, i);
      tokens.push({ kind: 'number', text: m[0], value: Number(m[0]), pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= end) throw new ExpressionError('unterminated string', source, i);
        const d = source[j]!;
        if (d === c) break;
        if (d === '\\') {
          const e = source[j + 1];
          const rep = e === undefined ? undefined : ESCAPES[e];
          if (rep === undefined) throw new ExpressionError(`unknown escape \\${e ?? ''}`, source, j);
          text += rep;
          j += 2;
          continue;
        }
        text += d;
        j++;
      }
      tokens.push({ kind: 'string', text, pos: i });
      i = j + 1;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (i + 1 < end && OPS2.includes(two)) {
      tokens.push({ kind: 'op', text: two, pos: i });
      i += 2;
      continue;
    }
    if (OPS1.has(c)) {
      tokens.push({ kind: 'op', text: c, pos: i });
      i++;
      continue;
    }
    if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    throw new ExpressionError(`unexpected character ${JSON.stringify(c)}`, source, i);
  }
  tokens.push({ kind: 'end', text: '', pos: end });
  return tokens;
}
