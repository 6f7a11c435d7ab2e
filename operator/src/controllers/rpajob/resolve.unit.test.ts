import { describe, expect, it } from '@jest/globals';
import { formatProblem, MAX_PARAMS_BYTES, validateWorkflow, WorkflowSpec } from '../../../../api/v1alpha1/index.js';
import type { RpaWorkflowObject } from '../objects.js';
import { resolveJobWorkflow, type Resolution } from './resolve.js';

const noWorkflows = () => undefined;
const goto = (url: string) => ({ id: 'a', action: 'goto', url });
const GOOD = { steps: [goto('https://example.com/')] };
const UNDECLARED_PARAM = { steps: [goto('https://example.com/?q={{ params.nope }}')] };
const BAD_SCHEMA = { steps: [{ id: 'a', action: 'goto' }] };
const message = (r: Resolution) => (r.kind === 'ok' ? '' : r.message);

describe('resolveJobWorkflow with an inline workflow', () => {
  it('a valid job resolves to its parsed spec and workflow', () => {
    const r = resolveJobWorkflow({ pool: 'p', workflow: GOOD }, noWorkflows);
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.workflow.steps).toEqual(GOOD.steps);
    expect(r.spec).toMatchObject({ pool: 'p', maxAttempts: 3, priority: 'normal' });
  });

  it.each<[string, Record<string, unknown>, unknown]>([
    ['deep problems of a job whose schema holds', { pool: 'p', workflow: UNDECLARED_PARAM }, UNDECLARED_PARAM],
    ['deep problems come before a bad field elsewhere', { pool: 'NOT A NAME', workflow: UNDECLARED_PARAM }, UNDECLARED_PARAM],
    ['schema problems of the workflow come before a bad field elsewhere', { pool: 'NOT A NAME', workflow: BAD_SCHEMA }, BAD_SCHEMA],
  ])('%s: the workflow problems as validateWorkflow names them', (_n, spec, workflow) => {
    const r = resolveJobWorkflow(spec, noWorkflows);
    const expected = validateWorkflow(workflow).map((p) => `spec.workflow: ${formatProblem(p)}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(r).toEqual({ kind: 'invalid', reason: 'Invalid', message: expected.join('; ') });
  });

  it('an inline workflow with a __proto__ key (which the schema parse would drop) is invalid, naming the key', () => {
    const workflow = JSON.parse('{"steps":[{"id":"a","action":"http","url":"https://example.com/","headers":{"__proto__":{"x":"1"}}}]}') as unknown;
    const r = resolveJobWorkflow({ pool: 'p', workflow }, noWorkflows);
    expect(r.kind).toBe('invalid');
    expect(message(r)).toMatch(/^spec\.workflow: .*__proto__.*not allowed/);
  });

  it('a valid workflow with a bad field elsewhere names that field', () => {
    const r = resolveJobWorkflow({ pool: 'NOT A NAME', workflow: GOOD }, noWorkflows);
    expect(r.kind).toBe('invalid');
    expect(message(r)).toMatch(/^spec\.pool: /);
  });

  it('a job naming both an inline workflow and a reference is refused', () => {
    const r = resolveJobWorkflow({ pool: 'p', workflow: GOOD, workflowRef: { name: 'w' } }, noWorkflows);
    expect(r.kind).toBe('invalid');
    expect(message(r)).toContain('exactly one of workflowRef, workflow');
  });
});

describe('resolveJobWorkflow checks the raw params', () => {
  const PARAM_WORKFLOW = { params: [{ name: 'data', type: 'object' }], steps: [goto('https://example.com/')] };
  const nested = (depth: number): unknown => {
    let v: unknown = 'leaf';
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  };

  it('params nested past the depth limit are invalid, naming spec.params', () => {
    const r = resolveJobWorkflow({ pool: 'p', workflow: PARAM_WORKFLOW, params: { data: nested(5000) } }, noWorkflows);
    expect(r.kind).toBe('invalid');
    expect(message(r)).toMatch(/^spec\.params\.data(\.a)*: nested more than 64 levels deep$/);
  });

  it('a __proto__ key inside params is invalid', () => {
    const params = JSON.parse('{"data":{"__proto__":{"polluted":true}}}') as unknown;
    const r = resolveJobWorkflow({ pool: 'p', workflow: PARAM_WORKFLOW, params }, noWorkflows);
    expect(r.kind).toBe('invalid');
    expect(message(r)).toContain('spec.params.data["__proto__"]: the key "__proto__" is not allowed');
  });

  it('params over the size limit are invalid, with their size', () => {
    const r = resolveJobWorkflow({ pool: 'p', workflow: PARAM_WORKFLOW, params: { data: { text: 'x'.repeat(MAX_PARAMS_BYTES) } } }, noWorkflows);
    expect(r.kind).toBe('invalid');
    expect(message(r)).toMatch(/^spec\.params: \d+ KiB of JSON, over the 256 KiB limit$/);
  });

  it('modest nested params resolve', () => {
    const r = resolveJobWorkflow({ pool: 'p', workflow: PARAM_WORKFLOW, params: { data: nested(10) } }, noWorkflows);
    expect(message(r)).toBe('');
    expect(r.kind).toBe('ok');
  });
});

describe('resolveJobWorkflow resolves the workflows call steps run', () => {
  const wfObject = (name: string, spec: unknown, generation = 2) =>
    ({ apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaWorkflow', metadata: { name, namespace: 'ns', generation }, spec }) as unknown as RpaWorkflowObject;
  const CALLER = { steps: [goto('https://example.com/'), { id: 'sub', action: 'call', call: { workflow: 'login-flow' } }] };
  const CALLEE = { steps: [{ id: 'x', action: 'setVariable', name: 'x', value: '1' }] };

  it('snapshots each callee at the generation found', () => {
    const r = resolveJobWorkflow({ pool: 'p', workflow: CALLER }, (n) => (n === 'login-flow' ? wfObject(n, CALLEE, 7) : undefined));
    if (r.kind !== 'ok') throw new Error(message(r));
    expect(r.calls).toEqual({ 'login-flow': { generation: 7, spec: WorkflowSpec.parse(CALLEE) } });
  });

  it('a missing callee: calleeNotFound naming the call step and field', () => {
    expect(resolveJobWorkflow({ pool: 'p', workflow: CALLER }, noWorkflows)).toEqual({
      kind: 'calleeNotFound',
      message: 'step "sub" (spec.workflow.steps[1].call.workflow): RpaWorkflow login-flow does not exist',
      missing: ['login-flow'],
    });
    const viaRef = resolveJobWorkflow({ pool: 'p', workflowRef: { name: 'main' } }, (n) => (n === 'main' ? wfObject(n, CALLER) : undefined));
    expect(message(viaRef)).toBe('RpaWorkflow main: step "sub" (steps[1].call.workflow): RpaWorkflow login-flow does not exist');
  });

  it('a callee calling the job\'s own RpaWorkflow is WorkflowInvalid (a cycle)', () => {
    const back = { steps: [{ id: 'up', action: 'call', call: { workflow: 'main' } }] };
    const r = resolveJobWorkflow({ pool: 'p', workflowRef: { name: 'main' } }, (n) => (n === 'main' ? wfObject(n, CALLER) : n === 'login-flow' ? wfObject(n, back) : undefined));
    expect(r).toMatchObject({ kind: 'invalid', reason: 'WorkflowInvalid' });
    expect(message(r)).toContain('a cycle (main -> login-flow -> main)');
  });
});
