import { describe, expect, it } from '@jest/globals';
import { formatProblem, parseWorkflow, validateWorkflow, WorkflowInvalidError } from './validate-workflow.js';

const base = {
  params: [
    { name: 'query', type: 'string', required: true },
    { name: 'limit', type: 'number', default: 5 },
  ],
  credentials: [{ name: 'portal', keys: ['username', 'password'] }],
};

type Steps = Array<Record<string, unknown>>;
const wf = (steps: Steps) => ({ ...base, steps });

describe('validateWorkflow accepts', () => {
  it('a workflow using every kind of reference correctly', () => {
    const problems = validateWorkflow(
      wf([
        { id: 'open', action: 'goto', url: 'https://example.com/search?q={{ params.query }}' },
        { id: 'user', action: 'fill', target: { label: 'User' }, value: '{{ credentials.portal.username }}' },
        { id: 'pass', action: 'fill', target: { label: 'Password' }, value: '{{ credentials.portal.password }}' },
        { id: 'rows', action: 'extractTable', target: { css: 'table#results' } },
        { id: 'count', action: 'setVariable', name: 'n', value: '{{ steps.rows.output.rows | length }}' },
        {
          id: 'each',
          action: 'forEach',
          items: 'steps.rows.output.rows',
          as: 'row',
          steps: [
            {
              id: 'check-row',
              action: 'if',
              condition: 'row[0] == params.query and loop.index < params.limit',
              then: [{ id: 'open-row', action: 'click', target: { role: 'link', name: '{{ row[0] }}' } }],
              else: [{ id: 'note', action: 'setVariable', name: 'skipped', value: '{{ vars.n }}' }],
            },
          ],
        },
        {
          id: 'post',
          action: 'http',
          method: 'POST',
          url: 'https://api.example.com/report',
          headers: { Authorization: 'Bearer {{ credentials.portal.password }}' },
          body: '{{ steps.rows.output | json }}',
        },
        { id: 'done', action: 'assert', condition: 'steps.post.output.status == 200' },
      ]),
    );
    expect(problems).toEqual([]);
  });
});

describe('validateWorkflow reports', () => {
  it.each<[string, Steps, string]>([
    [
      'an undeclared param',
      [{ id: 'a', action: 'goto', url: '{{ params.nope }}' }],
      'step "a" (steps[0].url): refers to undeclared param "nope"',
    ],
    [
      'a step that comes later',
      [
        { id: 'a', action: 'goto', url: '{{ steps.b.output }}' },
        { id: 'b', action: 'extractText', target: { css: 'h1' } },
      ],
      'step "a" (steps[0].url): refers to step "b", which comes later',
    ],
    [
      'a step that does not exist',
      [{ id: 'a', action: 'goto', url: '{{ steps.zz.output }}' }],
      'refers to step "zz", which does not exist',
    ],
    ['its own output', [{ id: 'a', action: 'goto', url: '{{ steps.a.output }}' }], 'refers to its own output'],
    [
      'an unknown credential slot',
      [{ id: 'a', action: 'fill', target: { css: 'x' }, value: '{{ credentials.bank.pin }}' }],
      'undeclared credential slot "bank"',
    ],
    [
      'an unknown credential key',
      [{ id: 'a', action: 'fill', target: { css: 'x' }, value: '{{ credentials.portal.pin }}' }],
      'key "pin", which credential slot "portal" does not declare',
    ],
    [
      'a credential where it could leak',
      [{ id: 'a', action: 'setVariable', name: 'x', value: '{{ credentials.portal.password }}' }],
      'credentials may only be used in',
    ],
    [
      'a variable never set',
      [{ id: 'a', action: 'goto', url: '{{ vars.v }}' }],
      'refers to variable "v", which no setVariable step sets',
    ],
    [
      'a variable set later',
      [
        { id: 'a', action: 'goto', url: '{{ vars.v }}' },
        { id: 'b', action: 'setVariable', name: 'v', value: '1' },
      ],
      'only set by a later step',
    ],
    ['a loop variable outside its loop', [{ id: 'a', action: 'goto', url: '{{ item }}' }], 'unknown name "item"'],
    [
      'a duplicate id in a nested list',
      [
        { id: 'a', action: 'goto', url: 'https://x' },
        { id: 'b', action: 'if', condition: 'true', then: [{ id: 'a', action: 'goto', url: 'https://y' }] },
      ],
      'step "a" (steps[1].then[0].id): duplicate step id (first used at steps[0])',
    ],
    [
      'a syntax error',
      [{ id: 'a', action: 'goto', url: 'https://x/{{ params. }}' }],
      'step "a" (steps[0].url): expected a field name after "." but found end of expression at position 21',
    ],
    [
      'a bad condition',
      [{ id: 'a', action: 'if', condition: 'params.query ==', then: [{ id: 'b', action: 'goto', url: 'x' }] }],
      'step "a" (steps[0].condition): expected a value',
    ],
    [
      'a target template',
      [{ id: 'a', action: 'click', target: { text: '{{ params.what }}' } }],
      'step "a" (steps[0].target.text): refers to undeclared param "what"',
    ],
    [
      'a header template',
      [{ id: 'a', action: 'http', url: 'x', headers: { 'X-Id': '{{ vars.q }}' } }],
      'step "a" (steps[0].headers["X-Id"])',
    ],
    [
      'a schema error with the step id',
      [{ id: 'a', action: 'fill', target: { css: 'x' } }],
      'step "a" (steps[0].value): Invalid input: expected string, received undefined',
    ],
    ['an unknown action', [{ id: 'a', action: 'teleport' }], 'step "a" (steps[0].action): Invalid discriminator value'],
    [
      'two locators',
      [{ id: 'a', action: 'click', target: { css: 'x', text: 'y' } }],
      'step "a" (steps[0].target): exactly one of role, label, testId, text, css, xpath must be set',
    ],
    [
      'nesting beyond the limit',
      [
        {
          id: 'l1',
          action: 'if',
          condition: 'true',
          then: [
            {
              id: 'l2',
              action: 'if',
              condition: 'true',
              then: [{ id: 'l3', action: 'if', condition: 'true', then: [{ id: 'l4', action: 'goto', url: 'x' }] }],
            },
          ],
        },
      ],
      'steps may nest at most 3 levels deep',
    ],
    [
      'duplicate ids at one level',
      [
        { id: 'a', action: 'goto', url: 'x' },
        { id: 'a', action: 'goto', url: 'y' },
      ],
      'steps: step ids must be unique',
    ],
    [
      'a field of another action',
      [{ id: 'a', action: 'goto', url: 'x', target: { css: 'a' } }],
      'Unrecognized key: "target"',
    ],
  ])('%s', (_name, steps, message) => {
    const problems = validateWorkflow(wf(steps)).map(formatProblem);
    expect(problems.join('\n')).toContain(message);
  });

  it('a param default of the wrong type and a required param with a default', () => {
    const problems = validateWorkflow({
      params: [{ name: 'n', type: 'number', default: 'x' }],
      steps: [{ id: 'a', action: 'goto', url: 'x' }],
    });
    expect(problems.map(formatProblem)).toEqual(['params[0].default: default must be of the declared type']);
    const p2 = validateWorkflow({
      params: [{ name: 'n', required: true, default: 'x' }],
      steps: [{ id: 'a', action: 'goto', url: 'x' }],
    });
    expect(p2.map(formatProblem)).toEqual(['params[0]: param "n" is required and also has a default']);
  });

  it('every problem at once', () => {
    const problems = validateWorkflow(
      wf([
        { id: 'a', action: 'goto', url: '{{ params.x }}/{{ vars.y }}' },
        { id: 'b', action: 'goto', url: '{{ steps.c.output }}' },
      ]),
    );
    expect(problems).toHaveLength(3);
  });
});

describe('parseWorkflow', () => {
  it('applies defaults', () => {
    const w = parseWorkflow({
      params: [{ name: 'q' }],
      steps: [{ id: 'h', action: 'http', url: 'https://x/{{ params.q }}' }],
    });
    expect(w.params?.[0]?.type).toBe('string');
    expect(w.steps[0]).toMatchObject({ method: 'GET' });
  });
  it('throws one error listing every problem', () => {
    expect(() => parseWorkflow({ steps: [{ id: 'a', action: 'goto', url: '{{ params.x }}' }] })).toThrow(
      WorkflowInvalidError,
    );
    expect(() => parseWorkflow({ steps: [{ id: 'a', action: 'goto', url: '{{ params.x }}' }] })).toThrow(
      'step "a" (steps[0].url): refers to undeclared param "x"',
    );
  });
});
