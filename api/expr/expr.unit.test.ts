import { describe, expect, it } from '@jest/globals';
import {
  evaluateCondition,
  evaluateExpression,
  ExpressionError,
  parseExpression,
  parseTemplate,
  referencedNames,
  renderTemplate,
  type Scope,
} from './index.js';

const scope: Scope = {
  params: { name: 'Ada', count: 3, countText: '10', tags: ['a', 'b'], empty: '', user: { email: 'ada@example.com' } },
  steps: {
    login: { output: { ok: true, status: 200 } },
    'read-table': {
      output: [
        ['x', '1'],
        ['y', '2'],
      ],
    },
    title: { output: '  Invoice 42  ' },
  },
  vars: { total: 12.5, list: [] },
  credentials: { portal: { username: 'ada', password: 's3cret' } },
  locals: { item: { id: 7, label: 'seven' }, loop: { index: 0 } },
};

describe('renderTemplate', () => {
  it.each<[string, unknown]>([
    ['plain text', 'plain text'],
    ['', ''],
    ['Hello {{ params.name }}!', 'Hello Ada!'],
    ['{{ params.count }}', 3],
    ['  {{ params.tags }}  ', ['a', 'b']],
    ['{{params.tags}} x', '["a","b"] x'],
    ['{{ params.user.email }}', 'ada@example.com'],
    ['{{ params["user"]["email"] }}', 'ada@example.com'],
    ['{{ steps.login.output.status }}', 200],
    ['{{ steps.read-table.output[1][0] }}', 'y'],
    ['{{ steps["read-table"].output[-1][1] }}', '2'],
    ['{{ steps.title.output | trim }}', 'Invoice 42'],
    ['{{ steps.title.output | trim | upper }}', 'INVOICE 42'],
    ['{{ params.name | lower }}', 'ada'],
    ['{{ params.missing | default: "none" }}', 'none'],
    ['{{ params.empty | default: 5 }}', 5],
    ['{{ params.name | default: "none" }}', 'Ada'],
    ['{{ params.user | json }}', '{"email":"ada@example.com"}'],
    ['{{ params.tags | length }}', 2],
    ['{{ params.tags | join: "+" }}', 'a+b'],
    ['{{ params.tags | first }}/{{ params.tags | last }}', 'a/b'],
    ['{{ params.countText | number }}', 10],
    ['{{ vars.total }}', 12.5],
    ['{{ item.label }} #{{ item.id }}', 'seven #7'],
    ['{{ loop.index }}', 0],
    ['{{ credentials.portal.username }}', 'ada'],
    ['{{ params.nothing }}', undefined],
    ['a{{ params.nothing }}b', 'ab'],
    ['{{ "}}" }}', '}}'],
    ["{{ 'it\\'s' }}", "it's"],
    ['{{ [1, params.count] }}', [1, 3]],
    ['{{ params.count > 2 }}', true],
  ])('%j renders %j', (src, expected) => {
    expect(renderTemplate(src, scope)).toEqual(expected);
  });
});

describe('evaluateCondition', () => {
  it.each<[string, boolean]>([
    ['true', true],
    ['false', false],
    ['params.count == 3', true],
    ['params.count != 3', false],
    ['params.countText == 10', true],
    ['params.countText > 9', true],
    ['params.count < 3', false],
    ['params.count <= 3', true],
    ['params.count >= 4', false],
    ['"abc" < "abd"', true],
    ['params.name == "Ada" and params.count > 1', true],
    ['params.name == "Bob" or params.count > 1', true],
    ['params.name == "Bob" || params.count > 5', false],
    ['params.name == "Ada" && !(params.count > 5)', true],
    ['not params.empty', true],
    ['params.tags', true],
    ['vars.list', false],
    ['params.missing', false],
    ['params.tags contains "b"', true],
    ['params.tags contains "z"', false],
    ['params.name contains "d"', true],
    ['params.user contains "email"', true],
    ['params.user.email matches "^[a-z]+@example\\\\.com$"', true],
    ['params.name matches "^b"', false],
    ['steps.login.output.ok', true],
    ['{{ steps.login.output.status == 200 }}', true],
    ['params.tags == ["a", "b"]', true],
    ['params.nothing == null', true],
    ['not not true', true],
    ['params.name | lower == "ada"', true],
  ])('%s is %s', (src, expected) => {
    expect(evaluateCondition(src, scope)).toBe(expected);
  });
});

describe('errors carry a position', () => {
  it.each<[string, string, number]>([
    ['params.', 'expected a field name', 7],
    ['params.x ==', 'expected a value', 11],
    ['a == b == c', 'cannot be chained', 7],
    ['params.x | nope', 'unknown filter "nope"', 11],
    ['params.x | default', 'takes 1 argument', 11],
    ['"abc', 'unterminated string', 0],
    ['params.x @ 1', 'unexpected character', 9],
    ['(params.x', 'expected ")"', 9],
    ['', 'empty expression', 0],
    ['params.x and', 'expected a value', 12],
  ])('%j: %s at %d', (src, reason, position) => {
    let error: unknown;
    try {
      parseExpression(src);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).reason).toContain(reason);
    expect((error as ExpressionError).position).toBe(position);
  });

  it.each<[string, string, number]>([
    ['Hi {{ params.x', 'unclosed "{{"', 3],
    ['Hi }} there', '"}}" without "{{"', 3],
    ['ab {{ params. }}', 'expected a field name', 14],
  ])('template %j: %s at %d', (src, reason, position) => {
    expect(() => parseTemplate(src)).toThrow(
      expect.objectContaining({ reason: expect.stringContaining(reason), position }),
    );
  });

  it.each<[string, string]>([
    ['unknownRoot', 'unknown name "unknownRoot"'],
    ['params.name < 3', 'cannot order'],
    ['params.name matches "("', 'invalid regular expression'],
    ['params.name matches 3', 'must be a string'],
  ])('evaluating %j fails: %s', (src, reason) => {
    expect(() => evaluateCondition(src, scope)).toThrow(
      expect.objectContaining({ reason: expect.stringContaining(reason) }),
    );
  });
});

describe('referencedNames', () => {
  it('lists every kind of reference once', () => {
    const refs = referencedNames(
      '{{ params.a }} {{ params.a | default: params.b }} {{ steps.login.output.x }} {{ steps["read-table"].output }} ' +
        '{{ vars.v }} {{ credentials.portal.password }} {{ item.id }} {{ params.tags[vars.i] }}',
    );
    expect(refs).toEqual({
      params: ['a', 'b', 'tags'],
      steps: ['login', 'read-table'],
      vars: ['v', 'i'],
      credentials: [['portal', 'password']],
      locals: ['item'],
    });
  });
  it('accepts a parsed expression', () => {
    expect(referencedNames(parseExpression('steps.a.output and not vars.b')).steps).toEqual(['a']);
  });
  it('marks a computed key as empty', () => {
    expect(referencedNames('{{ params[vars.k] }}').params).toEqual(['']);
  });
});

describe('evaluateExpression', () => {
  it('returns raw values for bare and wrapped expressions', () => {
    expect(evaluateExpression('steps.read-table.output', scope)).toEqual([
      ['x', '1'],
      ['y', '2'],
    ]);
    expect(evaluateExpression('{{ params.tags }}', scope)).toEqual(['a', 'b']);
  });
  it('rejects text around the expression', () => {
    expect(() => evaluateExpression('x {{ params.tags }}', scope)).toThrow(ExpressionError);
  });
});
