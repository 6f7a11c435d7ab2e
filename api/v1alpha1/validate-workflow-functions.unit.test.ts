// Expression functions at admission: validateWorkflow (the operator's Valid condition) names the step
// and field of an unknown function, a wrong arity, a bad literal pattern or zone; lambda parameters are
// not mistaken for loop variables, while names the lambda does not bind still are checked.
import { describe, expect, it } from '@jest/globals';
import { formatProblem, validateWorkflow } from './validate-workflow.js';

const wf = (steps: Array<Record<string, unknown>>) => ({
  params: [
    { name: 'rows', type: 'list', default: [] },
    { name: 'zone', type: 'string', default: 'Europe/Berlin' },
  ],
  steps,
});

describe('validateWorkflow and expression functions', () => {
  it('accepts functions, lambdas, arithmetic and objects in every kind of field', () => {
    const problems = validateWorkflow(
      wf([
        {
          id: 'total',
          action: 'setVariable',
          name: 'total',
          value: '{{ sum(filter(params.rows, r => r.amount > 10), r => r.amount * 1.19) | round: 2 }}',
        },
        { id: 'day', action: 'setVariable', name: 'day', value: '{{ formatDate(now(), "dd.MM.yyyy", params.zone) }}' },
        { id: 'post', action: 'http', method: 'POST', url: 'https://example.com', body: '{{ {total: vars.total, day: vars.day} }}' },
        { id: 'check', action: 'assert', condition: 'vars.total - 1 >= 0 and date(vars.day, "dd.MM.yyyy") <= now()' },
        {
          id: 'each',
          action: 'forEach',
          items: 'params.rows | map: (r => r.id)',
          steps: [{ id: 'go', action: 'goto', url: 'https://example.com/{{ replace(item, " ", "-") }}' }],
        },
      ]),
    );
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'an unknown function',
      { id: 'a', action: 'setVariable', name: 'x', value: '{{ eval("1") }}' },
      'step "a" (steps[0].value): unknown function "eval"',
    ],
    [
      'a wrong arity',
      { id: 'a', action: 'assert', condition: 'round(1, 2, 3) > 0' },
      'step "a" (steps[0].condition): function "round" takes 1 or 2 arguments, got 3 at position 0',
    ],
    [
      'a value where a lambda belongs',
      { id: 'a', action: 'forEach', items: 'map(params.rows, 1)', steps: [{ id: 'b', action: 'goto', url: 'https://x' }] },
      'step "a" (steps[0].items): function "map" takes a lambda here',
    ],
    [
      'an unknown literal time zone',
      { id: 'a', action: 'setVariable', name: 'x', value: 'on {{ formatDate(now(), "yyyy", "Mars/Base") }}' },
      'step "a" (steps[0].value): unknown time zone "Mars/Base"',
    ],
    [
      'a bad literal date pattern',
      { id: 'a', action: 'goto', url: 'https://x/{{ formatDate(now(), "yyyy-qq") }}' },
      'step "a" (steps[0].url): date pattern "yyyy-qq" has "qq", which is not a field',
    ],
    [
      'a name the lambda does not bind',
      { id: 'a', action: 'setVariable', name: 'x', value: '{{ map(params.rows, r => row.id) }}' },
      'step "a" (steps[0].value): unknown name "row"',
    ],
    [
      'a lambda parameter used outside its lambda',
      { id: 'a', action: 'setVariable', name: 'x', value: '{{ {a: map(params.rows, r => r), b: r} }}' },
      'step "a" (steps[0].value): unknown name "r"',
    ],
  ])('reports %s with the step and field', (_name, step, message) => {
    const problems = validateWorkflow(wf([step])).map(formatProblem);
    expect(problems).toEqual([expect.stringContaining(message)]);
  });
});
