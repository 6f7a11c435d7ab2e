import { describe, expect, it } from '@jest/globals';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { usesClock } from './clock.js';

const wf = (steps: WorkflowSpec['steps']): WorkflowSpec => ({ steps });

describe('usesClock', () => {
  it.each<[string, WorkflowSpec, boolean]>([
    ['a template calling now()', wf([{ id: 'a', action: 'setVariable', name: 'x', value: '{{ now() }}' }]), true],
    ['a condition calling now ( )', wf([{ id: 'a', action: 'assert', condition: 'now ( ) > "2024"' }]), true],
    [
      'a nested step',
      wf([{ id: 'a', action: 'if', condition: 'true', then: [{ id: 'b', action: 'goto', url: 'https://x/{{ formatDate(now()) }}' }] }]),
      true,
    ],
    ['no call', wf([{ id: 'a', action: 'setVariable', name: 'now', value: '{{ params.nowhere }}' }]), false],
    ['a name ending in now', wf([{ id: 'a', action: 'setVariable', name: 'x', value: '{{ knownow }}' }]), false],
  ])('%s: %s', (_name, workflow, expected) => expect(usesClock(workflow)).toBe(expected));
});
