import { describe, expect, it } from '@jest/globals';
import { judgeWorkflow } from './rpaworkflow.js';

describe('judgeWorkflow', () => {
  it('counts nested steps of a valid workflow', () => {
    const v = judgeWorkflow({
      steps: [
        { id: 'a', action: 'goto', url: 'https://example.org' },
        { id: 'b', action: 'if', condition: 'true', then: [{ id: 'c', action: 'click', target: { css: '#x' } }] },
      ],
    });
    expect(v).toEqual({ valid: true, message: 'the workflow is valid (3 steps)', stepCount: 3 });
  });
  it('counts the steps of named blocks too', () => {
    const v = judgeWorkflow({
      steps: [{ id: 'go', action: 'run', block: 'b' }],
      blocks: [{ name: 'b', steps: [{ id: 'loop', action: 'until', condition: 'true', maxIterations: 2, steps: [{ id: 'w', action: 'waitFor', seconds: 1 }] }] }],
    });
    expect(v).toEqual({ valid: true, message: 'the workflow is valid (3 steps)', stepCount: 3 });
  });
  it.each<[string, unknown, string[]]>([
    ['an undeclared param, naming step and field', { steps: [{ id: 'a', action: 'goto', url: '{{ params.nope }}' }] }, ['step "a"', 'steps[0].url', 'nope']],
    ['a schema error names the field', { steps: [{ id: 'a', action: 'goto' }] }, ['steps[0].url']],
    ['no steps', { steps: [] }, ['steps']],
  ])('%s', (_n, spec, fragments) => {
    const v = judgeWorkflow(spec);
    expect(v.valid).toBe(false);
    expect(v.stepCount).toBeUndefined();
    for (const f of fragments) expect(v.message).toContain(f);
  });
});
