// while/until, try/catch/finally and named blocks: what admission (zod + validate-workflow) takes and refuses.
import { describe, expect, it } from '@jest/globals';
import { blocksReachedFrom } from './block-graph.js';
import { formatProblem, validateWorkflow } from './validate-workflow.js';
import { MAX_LOOP_ITERATIONS } from './workflow.js';

type Obj = Record<string, unknown>;
const messages = (spec: Obj) => validateWorkflow(spec).map(formatProblem);

const paginate: Obj = {
  id: 'pages',
  action: 'until',
  condition: 'steps.hasNext.output == false',
  maxIterations: 10,
  steps: [
    { id: 'rows', action: 'extractText', target: { css: 'li' }, all: true },
    { id: 'hasNext', action: 'extractAttribute', target: { css: '#next' }, attribute: 'data-enabled' },
    { id: 'next', action: 'click', target: { css: '#next' } },
  ],
};

describe('loops', () => {
  it('an until loop whose condition reads a step inside it, and a while loop over a variable, are valid', () => {
    const spec = {
      steps: [
        { id: 'start', action: 'setVariable', name: 'n', value: '0' },
        paginate,
        {
          id: 'count',
          action: 'while',
          condition: 'vars.n < 3 and steps.pages.output[0].rows != null',
          maxIterations: 5,
          steps: [{ id: 'inc', action: 'setVariable', name: 'n', value: '{{ loop.number }}' }],
        },
        { id: 'after', action: 'assert', condition: 'loop == null', message: 'no loop here' },
      ],
    };
    // `loop` is a loop variable: outside a loop it is an unknown name.
    expect(messages(spec)).toEqual([
      'step "after" (steps[3].condition): unknown name "loop" (not a loop variable here; use params., steps., vars. or credentials.)',
    ]);
    spec.steps.pop();
    expect(messages(spec)).toEqual([]);
  });

  it.each(['while', 'until'])('a %s loop without maxIterations is refused, naming the field', (action) => {
    const spec = { steps: [{ id: 'loop', action, condition: 'true', steps: [{ id: 'w', action: 'waitFor', seconds: 1 }] }] };
    const problems = validateWorkflow(spec);
    expect(problems.map((p) => p.path)).toContain('steps[0].maxIterations');
  });

  it('maxIterations is bounded', () => {
    const spec = {
      steps: [{ id: 'l', action: 'while', condition: 'true', maxIterations: MAX_LOOP_ITERATIONS + 1, steps: [{ id: 'w', action: 'waitFor', seconds: 1 }] }],
    };
    expect(validateWorkflow(spec).map((p) => p.path)).toEqual(['steps[0].maxIterations']);
  });

  it('a while condition may not read a step of its own body (it runs before the first iteration)', () => {
    const spec = {
      steps: [{ ...paginate, action: 'while', condition: 'steps.hasNext.output != false' }],
    };
    expect(messages(spec)).toEqual(['step "pages" (steps[0].condition): refers to step "hasNext", which comes later']);
  });

  it('the loop variable of a loop is only known inside it', () => {
    const spec = {
      steps: [
        {
          id: 'l',
          action: 'while',
          condition: 'loop.index < 2',
          maxIterations: 3,
          steps: [{ id: 'w', action: 'setVariable', name: 'i', value: '{{ loop.number }}' }],
        },
      ],
    };
    expect(messages(spec)).toEqual([
      'step "l" (steps[0].condition): unknown name "loop" (not a loop variable here; use params., steps., vars. or credentials.)',
    ]);
  });
});

const tryStep = (extra: Obj = {}): Obj => ({
  id: 'attempt',
  action: 'try',
  steps: [{ id: 'risky', action: 'click', target: { css: '#maybe' } }],
  catch: 'recover',
  finally: 'cleanup',
  ...extra,
});
const recover = { name: 'recover', steps: [{ id: 'why', action: 'setVariable', name: 'why', value: '{{ error.message }} at {{ error.step }}' }] };
const cleanup = { name: 'cleanup', steps: [{ id: 'home', action: 'goto', url: 'https://example.com/' }] };

describe('try/catch/finally and blocks', () => {
  it('a try whose catch reads the error and whose later steps read the block steps and the failed step is valid', () => {
    const spec = {
      steps: [
        tryStep(),
        { id: 'report', action: 'setVariable', name: 'r', value: '{{ vars.why }} {{ steps.why.output }} {{ steps.risky.error.message }}' },
      ],
      blocks: [recover, cleanup],
    };
    expect(messages(spec)).toEqual([]);
  });

  it('a later step may not read a block step no earlier step ran', () => {
    const spec = {
      steps: [
        { id: 'first', action: 'setVariable', name: 'x', value: '{{ steps.home.output }}' },
        { id: 'go', action: 'run', block: 'cleanup' },
      ],
      blocks: [cleanup],
    };
    expect(messages(spec)).toEqual(['step "first" (steps[0].value): refers to step "home", which comes later']);
  });

  it('unknown block names are refused, naming the field', () => {
    const spec = {
      steps: [tryStep({ catch: 'nope', finally: 'nada' }), { id: 'r', action: 'run', block: 'missing' }],
    };
    expect(messages(spec)).toEqual([
      'step "attempt" (steps[0].catch): no block is named "nope"',
      'step "attempt" (steps[0].finally): no block is named "nada"',
      'step "r" (steps[1].block): no block is named "missing"',
    ]);
  });

  it('a block that runs itself, directly or through others, is refused', () => {
    const spec = {
      steps: [{ id: 'r', action: 'run', block: 'a' }],
      blocks: [
        { name: 'a', steps: [{ id: 'toB', action: 'if', condition: 'true', then: [{ id: 'runB', action: 'run', block: 'b' }] }] },
        { name: 'b', steps: [{ id: 't', action: 'try', steps: [{ id: 'w', action: 'waitFor', seconds: 1 }], catch: 'a' }] },
        { name: 'self', steps: [{ id: 'again', action: 'run', block: 'self' }] },
      ],
    };
    expect(messages(spec)).toEqual([
      'blocks[0]: block "a" runs itself (a -> b -> a); blocks may not recurse',
      'blocks[1]: block "b" runs itself (b -> a -> b); blocks may not recurse',
      'blocks[2]: block "self" runs itself (self -> self); blocks may not recurse',
    ]);
  });

  it('block names are unique, and step ids are unique across blocks and steps', () => {
    const spec = {
      steps: [{ id: 'home', action: 'run', block: 'cleanup' }],
      blocks: [cleanup, cleanup],
    };
    const problems = messages(spec);
    expect(problems).toContain('blocks: block names must be unique');
  });

  it('a step id used in a block and in steps is a duplicate', () => {
    const spec = { steps: [{ id: 'home', action: 'run', block: 'cleanup' }], blocks: [cleanup] };
    expect(messages(spec)).toEqual(['step "home" (blocks[0].steps[0].id): duplicate step id (first used at steps[0])']);
  });

  it("a block's steps nest at most 2 levels; a run goes deeper", () => {
    const deep = {
      id: 'l1',
      action: 'if',
      condition: 'true',
      then: [{ id: 'l2', action: 'if', condition: 'true', then: [{ id: 'leaf', action: 'waitFor', seconds: 1 }] }],
    };
    const spec = { steps: [{ id: 'r', action: 'run', block: 'b' }], blocks: [{ name: 'b', steps: [deep] }] };
    expect(messages(spec)).toEqual([
      'blocks: steps of a block may nest at most 2 levels deep (run another block to go deeper)',
    ]);
  });

  it('a block step sees `error` but not the loop variables of its caller', () => {
    const spec = {
      steps: [{ id: 'each', action: 'forEach', items: '[1, 2]', steps: [{ id: 'r', action: 'run', block: 'b' }] }],
      blocks: [{ name: 'b', steps: [{ id: 'v', action: 'setVariable', name: 'v', value: '{{ item }} {{ error }}' }] }],
    };
    expect(messages(spec)).toEqual([
      'step "v" (blocks[0].steps[0].value): unknown name "item" (not a loop variable here; use params., steps., vars. or credentials.)',
    ]);
  });

  it('blocksReachedFrom follows runs through blocks', () => {
    const blocks = [
      { name: 'a', steps: [{ id: 'x', action: 'run' as const, block: 'b' }] },
      { name: 'b', steps: [{ id: 'y', action: 'waitFor' as const, seconds: 1 }] },
      { name: 'c', steps: [{ id: 'z', action: 'waitFor' as const, seconds: 1 }] },
    ];
    expect([...blocksReachedFrom([{ id: 'go', action: 'run', block: 'a' }], blocks)].sort()).toEqual(['a', 'b']);
  });
});
