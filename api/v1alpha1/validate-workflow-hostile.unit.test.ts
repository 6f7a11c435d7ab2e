// Hostile workflows: each gives problems naming the field, never an exception (issue 13, point 6).
import { describe, expect, it } from '@jest/globals';
import { deflateSync } from 'node:zlib';
import { MAX_INPUT_DEPTH } from './input-shape.js';
import { MAX_TEMPLATE_SIDE } from './png-header.js';
import { validateWorkflow, type WorkflowProblem } from './validate-workflow.js';

const goto = { id: 'open', action: 'goto', url: 'https://example.com' };

function onlyProblem(input: unknown): WorkflowProblem {
  const problems = validateWorkflow(input);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

/** A PNG header (signature + IHDR) claiming the given size, followed by a tiny IDAT. */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body, Buffer.alloc(4)]);
  };
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('validateWorkflow on hostile input', () => {
  it('steps nested thousands of levels deep: a problem naming where, not a stack overflow', () => {
    let steps: unknown[] = [goto];
    for (let i = 0; i < 5000; i++) steps = [{ id: `if${i}`, action: 'if', condition: 'true', then: steps }];
    const p = onlyProblem({ steps });
    expect(p.message).toBe(`nested more than ${MAX_INPUT_DEPTH} levels deep`);
    expect(p.path).toMatch(/^steps\[0\]\.then\[0\]\.then/);
  });

  it('a param default nested deeper than the limit is refused, naming the param', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const p = onlyProblem({ params: [{ name: 'p', type: 'object', default: deep }], steps: [goto] });
    expect(p.path).toMatch(/^params\[0\]\.default\.a\.a/);
  });

  it.each([
    [
      'a header',
      '{"steps":[{"id":"h","action":"http","url":"https://x","headers":{"__proto__":{"x":"y"}}}]}',
      'steps[0].headers["__proto__"]',
    ],
    ['a step', '{"steps":[{"id":"a","action":"goto","url":"https://x","__proto__":{"x":1}}]}', 'steps[0]["__proto__"]'],
    [
      'a param default',
      '{"params":[{"name":"p","type":"object","default":{"__proto__":{"isAdmin":true}}}],"steps":[{"id":"a","action":"goto","url":"https://x"}]}',
      'params[0].default["__proto__"]',
    ],
  ])('a "__proto__" key in %s is refused, naming the field', (_where, json, path) => {
    const p = onlyProblem(JSON.parse(json));
    expect(p).toEqual({ path, message: 'the key "__proto__" is not allowed' });
  });

  it('prototype names as param names, step ids, variables and slots are ordinary names', () => {
    const problems = validateWorkflow(
      JSON.parse(`{
        "params": [{"name": "constructor"}, {"name": "toString"}],
        "credentials": [{"name": "hasOwnProperty", "keys": ["valueOf"]}],
        "steps": [
          {"id": "constructor", "action": "goto", "url": "https://x/{{ params.constructor }}{{ params.toString }}"},
          {"id": "valueOf", "action": "setVariable", "name": "toString", "value": "{{ steps.constructor.output }}"},
          {"id": "fill", "action": "fill", "target": {"css": "#p"}, "value": "{{ credentials.hasOwnProperty.valueOf }}{{ vars.toString }}"},
          {"id": "bad", "action": "fill", "target": {"css": "#p"}, "value": "{{ params.valueOf }}{{ credentials.toString.x }}{{ vars.constructor }}"}
        ]
      }`),
    );
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'steps[3].value: refers to undeclared param "valueOf"',
      'steps[3].value: refers to variable "constructor", which no setVariable step sets',
      'steps[3].value: refers to undeclared credential slot "toString"',
    ]);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'the filter "%s" is an unknown filter, named with its position',
    (name) => {
      const p = onlyProblem({ steps: [{ ...goto, url: `https://x/{{ "a" | ${name} }}` }] });
      expect(p.path).toBe('steps[0].url');
      expect(p.message).toContain(`unknown filter "${name}"`);
      expect(p.message).toContain('at position 19');
    },
  );

  it('an expression nested 1,400 parentheses deep is a problem naming the field and the limit', () => {
    const body = `{{ ${'('.repeat(1400)}1${')'.repeat(1400)} }}`;
    const p = onlyProblem({ steps: [{ id: 'post', action: 'http', url: 'https://x', body }] });
    expect(p.path).toBe('steps[0].body');
    expect(p.message).toMatch(/nested more than 100 levels deep .* at position \d+/);
  });

  it.each([
    ['(a', 'missing closing )'],
    ['(a)\\\\1', 'invalid escape sequence'],
    ['(?=a)', 'invalid or unsupported Perl syntax'],
    ['(?:a|aa|aaa|b){1,1000}$', 'too complex'],
  ])('a literal pattern %s that RE2 cannot run is refused at admission', (pattern, reason) => {
    const condition = `params.s matches "${pattern}"`;
    const p = onlyProblem({ params: [{ name: 's' }], steps: [{ id: 'check', action: 'assert', condition }] });
    expect(p.path).toBe('steps[0].condition');
    expect(p.message).toContain(reason);
    expect(p.message).toContain(`at position ${condition.indexOf('matches')}`);
  });

  it('a literal pattern inside a template is checked too', () => {
    const p = onlyProblem({
      steps: [{ id: 'v', action: 'setVariable', name: 'x', value: '{{ "a" matches "(?<=a)b" }}' }],
    });
    expect(p.path).toBe('steps[0].value');
    expect(p.message).toContain('regular expression');
  });

  it.each([
    [100_000, 100_000],
    [MAX_TEMPLATE_SIDE + 1, 10],
    [2000, 2000],
  ])('a template image claiming %ix%i pixels is refused, naming the field', (w, h) => {
    const png = pngClaiming(w, h).toString('base64');
    const p = onlyProblem({ steps: [{ id: 'c', action: 'click', target: { css: '#b', image: { png } } }] });
    expect(p.path).toBe('steps[0].target.image.png');
    expect(p.message).toContain(`${w}x${h} pixels`);
  });

  it('a template image that is no PNG is refused; a small one passes', () => {
    const click = (png: string) => ({ steps: [{ id: 'c', action: 'click', target: { css: '#b', image: { png } } }] });
    expect(onlyProblem(click(Buffer.from('GIF89a and more bytes here, enough').toString('base64'))).message).toBe(
      'not a PNG image',
    );
    expect(validateWorkflow(click(pngClaiming(40, 20).toString('base64')))).toEqual([]);
  });
});
