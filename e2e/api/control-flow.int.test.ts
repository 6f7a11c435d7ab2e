// Control flow on a real kube-apiserver with the generated CRDs: a 60-step workflow with 5 levels of logic
// admits through named blocks despite the CRD's unrolled depth; a loop without its bound and a block nested
// too deep are refused by the API server, naming the field; recursion and unknown blocks (which CEL cannot
// see) are reported by our validation. A `call` step admits at every depth; a callee name that is not a
// Kubernetes name is refused by the API server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { formatProblem, GROUP, validateWorkflow, VERSION } from '../../api/v1alpha1/index.js';
import { childStepLists, stepListDepth, type Step, type WorkflowSpecInput } from '../../api/v1alpha1/workflow.js';
import { deleteNamespace, freshNamespace, testKubeConfig } from '../harness/kubeclient.js';
import { kubeRequest, resourcePath } from './client.js';
import { applyCrds } from './crds.js';

let kc: KubeConfig;
let ns: string;
const workflows = () => resourcePath(GROUP, VERSION, ns, 'rpaworkflows');

beforeAll(async () => {
  kc = testKubeConfig();
  await applyCrds(kc);
  ns = await freshNamespace(kc, 'flow');
}, 180_000);

afterAll(async () => {
  if (ns) await deleteNamespace(kc, ns);
});

const manifest = (name: string, spec: WorkflowSpecInput) => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'RpaWorkflow',
  metadata: { name },
  spec,
});

const leaves = (prefix: string, n: number): Step[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, action: 'setVariable', name: `${prefix}${i}`, value: `${i}` }));

/**
 * Five levels of logic: if (steps) -> while (block loop) -> try (block guarded) -> forEach (block rows)
 * -> if (block rowCheck) -> the leaves. Padded with plain steps to 60 in all.
 */
function sixtyStepsFiveLevels(): WorkflowSpecInput {
  return {
    steps: [
      ...leaves('prep', 13),
      { id: 'level1', action: 'if', condition: 'true', then: [...leaves('then', 3), { id: 'toLoop', action: 'run', block: 'loop' }] },
      ...leaves('tail', 5),
    ],
    blocks: [
      {
        name: 'loop',
        steps: [
          {
            id: 'level2',
            action: 'while',
            condition: 'vars.done != true',
            maxIterations: 20,
            steps: [...leaves('page', 5), { id: 'toGuarded', action: 'run', block: 'guarded' }, { id: 'markDone', action: 'setVariable', name: 'done', value: 'true' }],
          },
        ],
      },
      {
        name: 'guarded',
        steps: [
          { id: 'level3', action: 'try', steps: [...leaves('risky', 4), { id: 'toRows', action: 'run', block: 'rows' }], catch: 'recover', finally: 'cleanup' },
        ],
      },
      {
        name: 'rows',
        steps: [
          {
            id: 'level4',
            action: 'forEach',
            items: '[1, 2, 3]',
            steps: [{ id: 'toRowCheck', action: 'run', block: 'rowCheck' }],
          },
        ],
      },
      { name: 'rowCheck', steps: [{ id: 'level5', action: 'if', condition: 'vars.done != true', then: leaves('row', 8), else: leaves('skip', 2) }] },
      { name: 'recover', steps: [{ id: 'why', action: 'setVariable', name: 'why', value: '{{ error.message }}' }, ...leaves('rec', 3)] },
      { name: 'cleanup', steps: leaves('clean', 6) },
    ],
  };
}

function countAll(spec: WorkflowSpecInput): number {
  const count = (steps: Step[]): number => steps.reduce((n, s) => n + 1 + childStepLists(s).reduce((m, c) => m + count(c.steps), 0), 0);
  return count(spec.steps as Step[]) + (spec.blocks ?? []).reduce((n, b) => n + count(b.steps as Step[]), 0);
}

describe('control flow admission', () => {
  it('a 60-step workflow with 5 levels of logic admits, and our validation finds nothing', async () => {
    const spec = sixtyStepsFiveLevels();
    expect(countAll(spec)).toBe(60);
    expect(validateWorkflow(spec).map(formatProblem)).toEqual([]);
    // Deeper than any one step list may nest: the levels go through blocks.
    expect(stepListDepth(spec.steps as Step[])).toBeLessThanOrEqual(3);
    const res = await kubeRequest<{ spec: unknown; message?: string }>(kc, 'POST', workflows(), manifest('sixty', spec));
    expect([res.status, res.body.message]).toEqual([201, undefined]);
    expect(validateWorkflow(res.body.spec).map(formatProblem)).toEqual([]);
  });

  it('a while loop without maxIterations is refused by the API server, naming the field', async () => {
    const spec = { steps: [{ id: 'spin', action: 'while', condition: 'true', steps: leaves('x', 1) }] };
    const res = await kubeRequest<{ message: string }>(kc, 'POST', workflows(), manifest('unbounded', spec as WorkflowSpecInput));
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('spec.steps[0].maxIterations');
    expect(res.body.message).toContain('maxIterations is required for action while, until');
  });

  it('a block whose steps nest 3 levels is refused by the API server with the reason', async () => {
    const deep: Step = { id: 'l1', action: 'if', condition: 'true', then: [{ id: 'l2', action: 'until', condition: 'true', maxIterations: 2, steps: leaves('y', 1) }] };
    const spec = { steps: [{ id: 'go', action: 'run', block: 'b' }], blocks: [{ name: 'b', steps: [deep] }] };
    const res = await kubeRequest<{ message: string }>(kc, 'POST', workflows(), manifest('too-deep-block', spec as WorkflowSpecInput));
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('steps may nest at most 3 levels deep (2 in a block); run a block to go deeper');
  });

  it('recursion and unknown blocks pass the API server and are reported by our validation, naming the field', async () => {
    const spec: WorkflowSpecInput = {
      steps: [{ id: 'go', action: 'run', block: 'a' }, { id: 'lost', action: 'run', block: 'nowhere' }],
      blocks: [
        { name: 'a', steps: [{ id: 'toB', action: 'run', block: 'b' }] },
        { name: 'b', steps: [{ id: 'back', action: 'try', steps: leaves('z', 1), finally: 'a' }] },
      ],
    };
    const res = await kubeRequest<{ spec: unknown }>(kc, 'POST', workflows(), manifest('recursive', spec));
    expect(res.status).toBe(201);
    expect(validateWorkflow(res.body.spec).map(formatProblem)).toEqual([
      'step "lost" (steps[1].block): no block is named "nowhere"',
      'blocks[0]: block "a" runs itself (a -> b -> a); blocks may not recurse',
      'blocks[1]: block "b" runs itself (b -> a -> b); blocks may not recurse',
    ]);
  });
});

describe('call admission', () => {
  const callStep = (id: string, workflow: string): Step => ({ id, action: 'call', call: { workflow, params: { page: '{{ loop.number }}', who: 'ada' } } });

  it('a call step admits at the deepest level of an RpaWorkflow and of an RpaJob inline workflow', async () => {
    const deepest: Step = { id: 'rows', action: 'forEach', items: '[1, 2]', steps: [{ id: 'check', action: 'if', condition: 'true', then: [callStep('sub', 'read-page')] }] };
    const spec: WorkflowSpecInput = { steps: [callStep('top', 'read-page'), { id: 'pages', action: 'until', condition: 'true', maxIterations: 3, steps: [callStep('inLoop', 'read-page')] }, deepest] };
    expect(stepListDepth(spec.steps as Step[])).toBe(3);
    const wf = await kubeRequest<{ spec: unknown; message?: string }>(kc, 'POST', workflows(), manifest('caller', spec));
    expect([wf.status, wf.body.message]).toEqual([201, undefined]);
    // The callee's params are checked when the job is queued (call-graph.ts); the caller's templates here (no loop outside a loop).
    expect(validateWorkflow(wf.body.spec).map(formatProblem)).toEqual([
      'step "top" (steps[0].call.params.page): unknown name "loop" (not a loop variable here; use params., steps., vars. or credentials.)',
    ]);
    const job = { apiVersion: `${GROUP}/${VERSION}`, kind: 'RpaJob', metadata: { name: 'calls-inline' }, spec: { pool: 'p', workflow: spec } };
    const res = await kubeRequest<{ message?: string }>(kc, 'POST', resourcePath(GROUP, VERSION, ns, 'rpajobs'), job);
    expect([res.status, res.body.message]).toEqual([201, undefined]);
  });

  it('a callee name that is not a Kubernetes name is refused by the API server, naming the field', async () => {
    const res = await kubeRequest<{ message: string }>(kc, 'POST', workflows(), manifest('bad-callee', { steps: [callStep('sub', 'Read_Page')] }));
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('spec.steps[0].call.workflow');
  });
});
