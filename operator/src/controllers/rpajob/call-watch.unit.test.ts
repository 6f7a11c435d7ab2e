// Which jobs an RpaWorkflow event brings back because they call it.
import { describe, expect, it } from '@jest/globals';
import type { RpaJobObject, RpaWorkflowObject } from '../objects.js';
import { jobsCalling } from './call-watch.js';

const call = (workflow: string) => ({ id: 'sub', action: 'call', call: { workflow } });
const job = (name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
  ({ metadata: { name, namespace: 'ns' }, spec: { pool: 'p', ...spec }, status }) as unknown as RpaJobObject;
const waiting = (reason = 'WorkflowNotFound') => ({ phase: 'Pending', conditions: [{ type: 'Valid', status: 'False', reason }] });
const wf = (name: string, spec: unknown) => ({ metadata: { name, namespace: 'ns', generation: 1 }, spec }) as unknown as RpaWorkflowObject;

describe('jobsCalling', () => {
  const workflows = new Map([
    ['main', wf('main', { steps: [call('middle')] })],
    ['middle', wf('middle', { steps: [call('leaf')] })],
  ]);
  const lookup = (n: string) => workflows.get(n);

  it.each<[string, RpaJobObject, boolean]>([
    ['an inline workflow calling it, waiting', job('a', { workflow: { steps: [call('leaf')] } }, waiting()), true],
    ['a referenced workflow calling it through another, waiting', job('b', { workflowRef: { name: 'main' } }, waiting()), true],
    ['waiting on an invalid callee', job('c', { workflow: { steps: [call('leaf')] } }, waiting('WorkflowInvalid')), true],
    ['calling another workflow', job('d', { workflow: { steps: [call('other')] } }, waiting()), false],
    ['already queued', job('e', { workflow: { steps: [call('leaf')] } }, { ...waiting(), queuedAt: '2026-01-01T00:00:00Z' }), false],
    ['not waiting (no Valid=False)', job('f', { workflow: { steps: [call('leaf')] } }), false],
    ['invalid for another reason', job('g', { workflow: { steps: [call('leaf')] } }, waiting('Invalid')), false],
  ])('%s: %p', (_name, j, expected) => {
    expect(jobsCalling([j], 'leaf', lookup).length > 0).toBe(expected);
  });
});
