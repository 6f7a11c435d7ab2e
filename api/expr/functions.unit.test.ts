// Each function and operator of the language: what it gives, and the clear error a bad input gets.
import { describe, expect, it } from '@jest/globals';
import { evaluateExpression, ExpressionError, parseExpression, renderTemplate, type Scope } from './index.js';

const scope: Scope = {
  params: {
    n: '10',
    items: [
      { name: 'a', amount: 5 },
      { name: 'b', amount: 20 },
      { name: 'c', amount: '15.5' },
    ],
    csv: 'a,b,,c',
    text: 'Invoice 42 paid',
    de: '05.01.2024 14:30',
  },
  locals: { item: { x: 1 } },
  now: '2024-03-31T00:30:00.000Z',
};

const value = (src: string, s: Scope = scope) => evaluateExpression(src, s);

function failure(src: string, s: Scope = scope): ExpressionError {
  try {
    value(src, s);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return err as ExpressionError;
  }
  throw new Error(`expected ${src} to fail`);
}

describe('arithmetic', () => {
  it.each<[string, unknown]>([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['params.n - 1', 9],
    ['params.n -1', 9],
    ['3-1', 2],
    ['-params.n', -10],
    ['- (2 + 3)', -5],
    ['10 / 4', 2.5],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['0 * -1', 0],
    ['params.n * 2 > 15', true],
    ['1 + 2 == 3 and 2 * 2 == 4', true],
  ])('%s = %j', (src, expected) => expect(value(src)).toEqual(expected));

  it('gives +0, never -0 (it would render as "0" but compare oddly)', () => {
    expect(Object.is(value('0 * -1'), 0)).toBe(true);
  });

  it.each<[string, string, number]>([
    ['1 / 0', 'division by zero', 2],
    ['1 % 0', 'division by zero', 2],
    ['params.n / (params.n - 10)', 'division by zero', 9],
    ['1e308 * 10', 'too large to be a number', 6],
    ['"a" + "b"', 'texts are joined in templates', 4],
    ['params.items + 1', 'needs numbers, got a list', 13],
    ['params.missing * 2', 'needs numbers, got nothing', 15],
    ['-"x"', 'needs numbers', 0],
  ])('%s fails: %s at %d', (src, reason, position) => {
    const err = failure(src);
    expect(err.reason).toContain(reason);
    expect(err.position).toBe(position);
  });

  it('refuses a number literal that is not finite when it is parsed', () => {
    expect(() => parseExpression('1e400 + 1')).toThrow(expect.objectContaining({ reason: 'number out of range' }));
  });
});

describe('objects', () => {
  it('builds objects whose values are expressions, nested, with quoted keys', () => {
    expect(value('{a: 1, "b-c": params.n, d: {e: [item.x]}, f: params.missing}')).toEqual({
      a: 1,
      'b-c': '10',
      d: { e: [1] },
      f: undefined,
    });
    expect(value('{}')).toEqual({});
  });

  it('closing braces of an object may touch the template braces', () => {
    expect(renderTemplate('{{ {a: {b: 1}}}}', scope)).toEqual({ a: { b: 1 } });
    expect(renderTemplate('x{{ {a: "}}"} }}y', scope)).toBe('x{"a":"}}"}y');
  });

  it.each<[string, string]>([
    ['{__proto__: 1}', '"__proto__" cannot be a key'],
    ['{a: 1, a: 2}', 'duplicate key "a"'],
    ['{a 1}', 'expected ":"'],
    ['{1: 2}', 'expected a key'],
    [`{${Array.from({ length: 300 }, (_, i) => `k${i}: 1`).join(', ')}}`, 'at most 256 keys'],
  ])('%s is refused when parsed: %s', (src, reason) => {
    expect(() => parseExpression(src)).toThrow(expect.objectContaining({ reason: expect.stringContaining(reason) }));
  });

  it('keys named like prototype members are own data', () => {
    const o = value('{constructor: 1, toString: 2}') as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(['constructor', 'toString']);
    expect(o.constructor).toBe(1);
  });
});

describe('calls and filters are the same functions', () => {
  it.each<[string, unknown]>([
    ['upper("x")', 'X'],
    ['"x" | upper', 'X'],
    ['join(["a", "b"], "-")', 'a-b'],
    ['default(params.missing, 3)', 3],
    ['round(params.n / 3, 2)', 3.33],
    ['params.n / 3 | round', 3.3333333333333335],
    ['(params.n / 3) | round: 1', 3.3],
    // Inside arguments, lists and objects a filter takes no more arguments than it can use.
    ['append(params.missing | default: [], 7)', [7]],
    ['[params.missing | default: 1, 2]', [1, 2]],
    ['{a: params.missing | default: 1, b: 2}', { a: 1, b: 2 }],
    ['join(["a", "b"] | join: "+", "-")', 'a+b'],
    ['[(params.missing | join: "+"), 2]', ['', 2]],
  ])('%s = %j', (src, expected) => expect(value(src)).toEqual(expected));

  it.each<[string, string, number]>([
    ['nope(1)', 'unknown function "nope"', 0],
    ['1 | nope', 'unknown filter "nope"', 4],
    ['round(1, 2, 3)', 'function "round" takes 1 or 2 arguments, got 3', 0],
    ['round()', 'takes 1 or 2 arguments, got 0', 0],
    ['1 | round: 2, 3', 'filter "round" takes 0 or 1 argument, got 2', 4],
    ['now(1)', 'takes no arguments, got 1', 0],
    ['map(params.items)', 'takes 2 arguments, got 1', 0],
    ['map(params.items, 1)', 'takes a lambda here', 18],
    ['upper(x => x)', 'takes a value here, not a lambda', 6],
    ['params.items | map: x', 'takes a lambda here, like (x => x.amount)', 20],
    ['x => 1', 'can only be an argument of filter, map or sum', 0],
    ['(x => 1)', 'can only be an argument', 1],
    ['map(params.items, params => 1)', '"params" cannot name a lambda', 18],
    ['constructor(1)', 'unknown function "constructor"', 0],
  ])('%s is refused when parsed: %s at %d', (src, reason, position) => {
    expect(() => parseExpression(src)).toThrow(
      expect.objectContaining({ reason: expect.stringContaining(reason), position }),
    );
  });
});

describe('text', () => {
  it.each<[string, unknown]>([
    ['replace("a.b.c", ".", "-")', 'a-b-c'],
    ['replace("a+b", "+", "$&")', 'a$&b'], // literal: no regex, no replacement patterns
    ['replace(params.text, "paid", "")', 'Invoice 42 '],
    ['split(params.csv, ",")', ['a', 'b', '', 'c']],
    ['split("ab😀", "")', ['a', 'b', '😀']],
    ['split("", ",")', ['']],
    ['slice("hello", 1, -1)', 'ell'],
    ['slice("hello", 2)', 'llo'],
    ['slice([1, 2, 3], -2)', [2, 3]],
    ['slice([1, 2, 3], 5)', []],
    ['params.text | slice: 0, 7 | upper', 'INVOICE'],
  ])('%s = %j', (src, expected) => expect(value(src)).toEqual(expected));

  it.each<[string, string]>([
    ['replace("a", "", "b")', 'non-empty text to look for'],
    ['replace(params.items, "a", "b")', 'replace needs its input as a text, got a list'],
    ['split(1, ",")', 'split needs its input as a text, got a number'],
    ['slice("abc", 1.5)', 'whole number, got 1.5'],
    ['slice(params.missing, 1)', 'slice needs a text or a list, got nothing'],
  ])('%s fails: %s', (src, reason) => {
    expect(() => value(src)).toThrow(expect.objectContaining({ reason: expect.stringContaining(reason) }));
  });

  it('a literal empty search text is refused when parsed (so at admission)', () => {
    expect(() => parseExpression('replace(params.text, "", "x")')).toThrow(
      expect.objectContaining({ reason: expect.stringContaining('non-empty'), position: 21 }),
    );
  });
});

describe('round', () => {
  it.each<[string, number]>([
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(1.005, 2)', 1.01],
    ['round(1234.5678, -2)', 1200],
    ['round(1e-7, 3)', 0],
    ['round(1e300, 2)', 1e300],
    ['round("2.45", 1)', 2.5],
  ])('%s = %d', (src, expected) => expect(value(src)).toBe(expected));

  it.each<[string, string]>([
    ['round(1, 16)', 'from -15 to 15, got 16'],
    ['round(1, 0.5)', 'whole number'],
  ])('%s is refused when parsed: %s', (src, reason) => {
    expect(() => parseExpression(src)).toThrow(expect.objectContaining({ reason: expect.stringContaining(reason) }));
  });

  it('refuses non-numbers at run time', () => {
    expect(failure('round(params.items)').reason).toContain('needs numbers');
  });
});

describe('lists', () => {
  it.each<[string, unknown]>([
    ['append([1, 2], 3)', [1, 2, 3]],
    ['append([], [1])', [[1]]],
    ['filter(params.items, x => x.amount > 10) | map: (x => x.name)', ['b', 'c']],
    ['params.items | filter: (x => x.name != "a") | length', 2],
    ['map(params.items, x => {n: x.name, double: x.amount * 2})', [
      { n: 'a', double: 10 },
      { n: 'b', double: 40 },
      { n: 'c', double: 31 },
    ]],
    ['map([1, 2], x => map([10, 20], y => x * y))', [
      [10, 20],
      [20, 40],
    ]],
    ['map([1], x => item.x + x)', [2]],
    ['map([1], item => item + 1)', [2]],
    ['sum([1, "2", 3.5])', 6.5],
    ['sum(params.items, x => x.amount)', 40.5],
    ['params.items | map: (x => x.amount) | sum', 40.5],
    ['sum([])', 0],
    ['filter([], x => x)', []],
  ])('%s = %j', (src, expected) => expect(value(src)).toEqual(expected));

  it('a lambda parameter shadows a loop variable only inside its body', () => {
    expect(value('{in: map([5], item => item), out: item.x}')).toEqual({ in: [5], out: 1 });
  });

  it.each<[string, string]>([
    ['append("x", 1)', 'append needs a list, got a string'],
    ['filter(params.missing, x => x)', 'filter needs a list, got nothing'],
    ['sum(["1", "x"])', 'element 1 is a string "x"'],
    ['sum([1, null])', 'element 1 is nothing'],
    ['sum([1e308, 1e308])', 'too large'],
    ['map([1], x => x / 0)', 'division by zero'],
    ['map([1], x => y)', 'unknown name "y"'],
  ])('%s fails: %s', (src, reason) => {
    expect(() => value(src)).toThrow(expect.objectContaining({ reason: expect.stringContaining(reason) }));
  });
});

describe('dates', () => {
  it.each<[string, unknown]>([
    ['now()', '2024-03-31T00:30:00.000Z'],
    ['date("2024-01-02")', '2024-01-02T00:00:00.000Z'],
    ['date("2024-01-02T10:00:00+02:00")', '2024-01-02T08:00:00.000Z'],
    ['date("2024-01-02 10:00")', '2024-01-02T10:00:00.000Z'],
    ['date("2024-07-01 10:00", null, "Europe/Berlin")', '2024-07-01T08:00:00.000Z'],
    ['date(0)', '1970-01-01T00:00:00.000Z'],
    ['date(params.de, "dd.MM.yyyy HH:mm", "Europe/Berlin")', '2024-01-05T13:30:00.000Z'],
    ['date("March 5, 2024 3:07 PM", "MMMM d, yyyy h:mm a", "America/New_York")', '2024-03-05T20:07:00.000Z'],
    ['date("Tue 05/03/24", "EEE dd/MM/yy")', '2024-03-05T00:00:00.000Z'],
    ['date("2024-01-02T10:00:00+0530", "yyyy-MM-dd\'T\'HH:mm:ssX")', '2024-01-02T04:30:00.000Z'],
    // 02:30 does not exist in Berlin that night (clocks jump to 03:00): it moves forward by the gap.
    ['date("2024-03-31 02:30", null, "Europe/Berlin")', '2024-03-31T01:30:00.000Z'],
    ['formatDate(now())', '2024-03-31T00:30:00Z'],
    ['formatDate(now(), "yyyy-MM-dd HH:mm XXX", "Europe/Berlin")', '2024-03-31 01:30 +01:00'],
    ['formatDate("2024-03-31T12:00:00Z", "HH:mm XXX", "Europe/Berlin")', '14:00 +02:00'],
    ['formatDate("2024-07-04T12:00:00Z", "EEEE d MMMM yyyy h:mm a", "America/New_York")', 'Thursday 4 July 2024 8:00 AM'],
    ['formatDate("2024-07-04T12:00:00.123Z", "yy-M-d H:m:s.SSS \'o\'\'clock\'")', "24-7-4 12:0:0.123 o'clock"],
    ['formatDate("2024-07-04T12:00:00Z", "HH:mm X", "Asia/Kolkata")', '17:30 +0530'],
    ['formatDate(1720094400000, "yyyy-MM-dd")', '2024-07-04'],
    ['date("2024-01-02T10:00:00+02:00") < "2024-01-02T09:00:00Z"', true],
    ['"2024-01-02" <= date("2024-01-02")', true],
    ['now() > "2024-03-30"', true],
    ['date("2024-02-29") == "2024-02-29T00:00:00.000Z"', true],
  ])('%s = %j', (src, expected) => expect(value(src)).toEqual(expected));

  it.each<[string, string]>([
    ['date("2023-02-29")', 'needs a date'],
    ['date("2024-13-01")', 'needs a date'],
    ['date("2024-01-01T24:00")', 'needs a date'],
    ['date("yesterday")', 'needs a date'],
    ['date(params.items)', 'needs a date'],
    ['date("05.01.2024", "dd.MM.yyyy HH:mm")', 'does not match the date pattern'],
    ['date("31.02.2024", "dd.MM.yyyy")', 'does not match'],
    ['date(params.de, params.missing, params.text)', 'unknown time zone "Invoice 42 paid"'],
    ['formatDate(8.64e15 + 1)', 'outside the years 1 to 9999'],
    ['formatDate(-62135596800001)', 'outside the years 1 to 9999'],
  ])('%s fails: %s', (src, reason) => {
    const err = failure(src);
    expect(err.reason).toContain(reason);
  });

  it.each<[string, string, number]>([
    ['formatDate(now(), "yyyy", "Mars/Olympus")', 'unknown time zone "Mars/Olympus"', 26],
    ['formatDate(now(), "yyyy", "../../etc/passwd")', 'unknown time zone', 26],
    ['formatDate(now(), "yyyy", 5)', 'a time zone must be a text', 26],
    ['formatDate(now(), "qq")', '"qq", which is not a field', 18],
    ['date("x", "\'open")', 'unclosed quote', 10],
    ['date("x", "")', '1 to 100 characters', 10],
  ])('a literal zone or pattern %s is refused when parsed: %s', (src, reason, position) => {
    expect(() => parseExpression(src)).toThrow(
      expect.objectContaining({ reason: expect.stringContaining(reason), position }),
    );
  });

  it('now() without a clock in the scope is an error, never the machine clock', () => {
    expect(failure('now()', { params: {} }).reason).toContain('now() has no clock here');
  });
});
