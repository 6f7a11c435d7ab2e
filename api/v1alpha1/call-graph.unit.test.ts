// The call graph of a job's workflow: what the operator snapshots for `call` steps, and every reason it
// refuses one, each naming the call step and field.
import { describe, expect, it } from '@jest/globals';
import {
  formatCallProblem,
  MAX_CALL_DEPTH,
  MAX_CALL_SNAPSHOT_BYTES,
  MAX_CALLEES,
  MAX_EXPANDED_STEPS,
  resolveCallGraph,
  type FoundWorkflow,
} from './call-graph.js';
import { validateWorkflow } from './validate-workflow.js';
import { WorkflowSpec } from './workflow.js';

type Obj = Record<string, unknown>;
const call = (id: string, workflow: string, params?: Record<string, string>): Obj => ({
  id,
  action: 'call',
  call: { workflow, ...(params && { params }) },
});
const leaf = (id: string): Obj => ({ id, action: 'setVariable', name: 'x', value: id });
const spec = (steps: Obj[], extra: Obj = {}) => WorkflowSpec.parse({ steps, ...extra });

function graph(root: Obj[], workflows: Record<string, Obj>, opts: { slots?: string[]; rootName?: string } = {}) {
  const lookup = (name: string): FoundWorkflow | undefined =>
    workflows[name] ? { generation: 3, spec: workflows[name] } : undefined;
  const g = resolveCallGraph(spec(root), lookup, {
    boundSlots: new Set(opts.slots ?? []),
    ...(opts.rootName && { rootName: opts.rootName }),
  });
  return { ...g, messages: g.problems.map((p) => formatCallProblem(p)) };
}

describe('the call step in the schema', () => {
  it('is valid with a workflow name and params that are templates of the caller', () => {
    expect(
      validateWorkflow({
        params: [{ name: 'who' }],
        steps: [leaf('a'), call('sub', 'login-flow', { user: '{{ params.who }}', last: '{{ steps.a.output }}' })],
      }),
    ).toEqual([]);
  });

  it('refuses a name that is not a Kubernetes name, and a param template referring to what does not exist', () => {
    const problems = validateWorkflow({ steps: [call('sub', 'Login_Flow'), call('sub2', 'ok', { a: '{{ params.nope }}' })] });
    expect(problems.map((p) => p.path)).toEqual(['steps[0].call.workflow']);
    const refs = validateWorkflow({ steps: [call('sub2', 'ok', { a: '{{ params.nope }}' })] });
    expect(refs).toEqual([{ path: 'steps[0].call.params.a', stepId: 'sub2', message: 'refers to undeclared param "nope"' }]);
  });

  it('refuses a credential passed as a param (it would be recorded)', () => {
    const problems = validateWorkflow({
      credentials: [{ name: 'site', keys: ['password'] }],
      steps: [call('sub', 'ok', { pw: '{{ credentials.site.password }}' })],
    });
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/credentials may only be used in fill.value/)]);
  });
});

describe('resolveCallGraph', () => {
  it('snapshots every workflow reachable through calls, each once, at the generation found', () => {
    const g = graph([call('a', 'wf-a'), call('b', 'wf-b')], {
      'wf-a': { steps: [call('c', 'wf-c')] },
      'wf-b': { steps: [call('c', 'wf-c')] },
      'wf-c': { steps: [leaf('x')] },
    });
    expect(g.problems).toEqual([]);
    expect(Object.keys(g.calls).sort()).toEqual(['wf-a', 'wf-b', 'wf-c']);
    expect(g.calls['wf-c']).toEqual({ generation: 3, spec: spec([leaf('x')]) });
  });

  it('a missing callee is notFound, named by field, also inside a callee and a block', () => {
    const g = graph(
      [{ id: 'loop', action: 'while', condition: 'true', maxIterations: 2, steps: [call('a', 'wf-a')] }],
      { 'wf-a': { steps: [leaf('y')], blocks: [{ name: 'b', steps: [call('deep', 'gone')] }] } },
    );
    expect(g.missing).toEqual(['gone']);
    expect(g.problems.map((p) => p.kind)).toEqual(['notFound']);
    expect(g.messages).toEqual([
      'RpaWorkflow wf-a (called via wf-a): step "deep" (blocks[0].steps[0].call.workflow): RpaWorkflow gone does not exist',
    ]);
    expect(graph([call('a', 'nope')], {}).messages).toEqual([
      'step "a" (spec.workflow.steps[0].call.workflow): RpaWorkflow nope does not exist',
    ]);
  });

  it('an invalid callee is refused with its own problems', () => {
    const g = graph([call('a', 'bad')], { bad: { steps: [{ id: 'v', action: 'setVariable', name: 'x', value: '{{ params.q }}' }] } });
    expect(g.problems.map((p) => p.kind)).toEqual(['invalid']);
    expect(g.messages[0]).toMatch(/RpaWorkflow bad is invalid: step "v" \(steps\[0\]\.value\): refers to undeclared param "q"/);
    expect(g.calls).toEqual({});
  });

  it('a cycle is refused, through callees and back to the job\'s own RpaWorkflow', () => {
    const loop = graph([call('a', 'wf-a')], { 'wf-a': { steps: [call('b', 'wf-b')] }, 'wf-b': { steps: [call('back', 'wf-a')] } });
    expect(loop.messages).toEqual([
      'RpaWorkflow wf-b (called via wf-a -> wf-b): step "back" (steps[0].call.workflow): calls RpaWorkflow wf-a, a cycle (wf-a -> wf-b -> wf-a); workflows may not call themselves',
    ]);
    const self = graph([call('a', 'wf-a')], { 'wf-a': { steps: [call('up', 'main')] }, main: { steps: [leaf('z')] } }, { rootName: 'main' });
    expect(self.messages).toEqual([
      'RpaWorkflow wf-a (called via wf-a): step "up" (steps[0].call.workflow): calls RpaWorkflow main, a cycle (main -> wf-a -> main); workflows may not call themselves',
    ]);
  });

  it(`calls may nest ${MAX_CALL_DEPTH} deep, not more`, () => {
    const chain = (n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`w${i + 1}`, { steps: i + 1 < n ? [call('next', `w${i + 2}`)] : [leaf('end')] }]),
      );
    expect(graph([call('first', 'w1')], chain(MAX_CALL_DEPTH)).problems).toEqual([]);
    expect(graph([call('first', 'w1')], chain(MAX_CALL_DEPTH + 1)).messages).toEqual([
      'spec.workflow.steps: calls nest 5 deep ((job) -> w1 -> w2 -> w3 -> w4 -> w5), at most 4',
    ]);
  });

  it(`at most ${MAX_CALLEES} distinct callees`, () => {
    const names = Array.from({ length: MAX_CALLEES + 1 }, (_, i) => `w${i}`);
    const wfs = Object.fromEntries(names.map((n) => [n, { steps: [leaf('s')] }]));
    expect(graph(names.slice(0, MAX_CALLEES).map((n) => call(`c${n}`, n)), wfs).problems).toEqual([]);
    expect(graph(names.map((n) => call(`c${n}`, n)), wfs).messages).toEqual([
      `spec.workflow.steps: calls ${MAX_CALLEES + 1} distinct workflows, at most ${MAX_CALLEES}`,
    ]);
  });

  it('the snapshot of all callees stays within 1 MiB', () => {
    // Workflows of ~110 KiB each: 9 fit, 10 do not.
    const big = (i: number) => ({ steps: Array.from({ length: 100 }, (_, k) => ({ ...leaf(`s${k}`), value: `${i}`.padEnd(1100, 'x') })) });
    const names = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`);
    const wfs = Object.fromEntries(names(10).map((n, i) => [n, big(i)]));
    expect(graph(names(9).map((n) => call(`c${n}`, n)), wfs).problems).toEqual([]);
    expect(graph(names(10).map((n) => call(`c${n}`, n)), wfs).messages).toEqual([
      expect.stringMatching(new RegExp(`^spec.workflow.steps: the called workflows take \\d+ KiB of JSON, over the ${MAX_CALL_SNAPSHOT_BYTES / 1024} KiB limit$`)),
    ]);
  });

  it(`at most ${MAX_EXPANDED_STEPS} steps with every call site expanded`, () => {
    // 100 calls of a 100-step workflow: each call site counts the callee's steps again.
    const hundred = { steps: Array.from({ length: 100 }, (_, k) => leaf(`s${k}`)) };
    const sites = (n: number) => Array.from({ length: n }, (_, k) => call(`c${k}`, 'w'));
    expect(graph(sites(40), { w: hundred }).problems).toEqual([]);
    expect(graph(sites(50), { w: hundred }).messages).toEqual([
      `spec.workflow.steps: 5050 steps with every call expanded, at most ${MAX_EXPANDED_STEPS}`,
    ]);
  });

  it("params must be the callee's declared ones, required ones given", () => {
    const callee = { params: [{ name: 'user', required: true }, { name: 'n', type: 'number', default: 1 }], steps: [leaf('s')] };
    expect(graph([call('ok', 'w', { user: 'u', n: '{{ 2 }}' })], { w: callee }).problems).toEqual([]);
    expect(graph([call('bad', 'w', { usr: 'u' })], { w: callee }).messages).toEqual([
      'step "bad" (spec.workflow.steps[0].call.params): param "usr" is not a param of RpaWorkflow w',
      'step "bad" (spec.workflow.steps[0].call.params): RpaWorkflow w requires param "user"',
    ]);
  });

  it('credential slots a callee needs must be bound by the job', () => {
    const callee = { credentials: [{ name: 'portal', keys: ['password'] }], steps: [leaf('s')] };
    expect(graph([call('in', 'w')], { w: callee }, { slots: ['portal'] }).problems).toEqual([]);
    expect(graph([call('in', 'w')], { w: callee }, { slots: ['other'] }).messages).toEqual([
      'step "in" (spec.workflow.steps[0].call.workflow): RpaWorkflow w needs credential slot "portal", which the job does not bind (declare it in the calling workflow and bind it in the RpaJob)',
    ]);
  });
});
