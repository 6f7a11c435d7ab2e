// The `call` step against real Postgres (DBOS) and real Chromium on the test site's paginated list: a
// callee runs from the job's snapshot with its own params and scope, in the job's browser session, its
// steps checkpointed under the call step, its outputs back as steps.<call>.output.<id>.
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { callingPaginateWorkflow } from './testing/flow-workflows.js';
import { failed, runWithPaths, startEngineBed, succeeded, type EngineBed } from './testing/engine-bed.js';
import type { Callees } from './call.js';
import { resolveTarget } from './targets.js';

let bed: EngineBed;
/** Which workflow each target was resolved for (where healing would keep its records), by step path. */
const resolvedFor = new Map<string, string | undefined>();

beforeAll(async () => {
  bed = await startEngineBed('call-test', {
    resolveTarget: (page, target, ctx) => {
      resolvedFor.set(ctx.stepPath, ctx.job?.workflow?.name);
      return resolveTarget(page, target, ctx);
    },
  });
}, 60_000);
afterAll(() => bed?.stop());

const run = (workflow: WorkflowSpec, calls: Callees, params: Record<string, unknown> = {}) =>
  runWithPaths(bed, { workflow, calls, params, workflowKey: { namespace: 'ns', name: 'caller' } });

const acks = () => Object.fromEntries(Object.entries(bed.site.hits()).filter(([k]) => /^POST \/pages\/\d+\/ack$/.test(k)));
const callee = (spec: WorkflowSpec) => ({ generation: 1, spec });

describe('call', () => {
  it('pages through the list with a callee reading each page: params in, outputs out, checkpoints under the call', async () => {
    bed.site.reset();
    const { workflow, calls } = callingPaginateWorkflow(bed.site.url);
    const { result, ran } = await run(workflow, calls);
    const r = succeeded(result);
    const pages = r.outputs.pages as Array<{ page: { items: string[]; hasNext: string } }>;
    expect(pages.map((p) => p.page.items)).toEqual([1, 2, 3, 4, 5].map((n) => [`item ${n}.1`, `item ${n}.2`]));
    expect(pages.map((p) => p.page.hasNext)).toEqual(['true', 'true', 'true', 'true', 'false']);
    // The browser session is the job's: each page acknowledged once, in the one tab the loop pages through.
    expect(acks()).toEqual(Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`POST /pages/${n}/ack`, 1])));
    expect(ran.slice(0, 9)).toEqual([
      'open',
      'pages',
      'pages[0].page',
      'pages[0].page.ack',
      'pages[0].page.items',
      'pages[0].page.hasNext',
      'pages[0].page.numbered',
      'pages[0].maybeNext',
      'pages[0].maybeNext.then.next',
    ]);
    expect(ran).toContain('pages[4].page.numbered');
    // A callee's targets heal on the callee's RpaWorkflow (its suggestions show there), the caller's on the caller's.
    expect(resolvedFor.get('pages[2].page.items')).toBe('read-page');
    expect(resolvedFor.get('pages[2].maybeNext.then.next')).toBe('caller');
  }, 180_000);

  it("the callee sees its own params (defaults filled), not the caller's steps or variables; the caller's are back after it", async () => {
    const sub: WorkflowSpec = {
      params: [{ name: 'who', type: 'string', required: true }, { name: 'n', type: 'number', default: 7 }],
      steps: [
        { id: 'same', action: 'setVariable', name: 'v', value: 'callee' },
        { id: 'greet', action: 'assert', condition: "params.who == 'ada' and params.n == 7 and vars.v == 'callee'", message: 'callee scope wrong' },
        { id: 'http', action: 'http', method: 'GET', url: `${bed.site.url}/api/echo?who={{ params.who }}&n={{ params.n }}` },
      ],
    };
    const { result } = await run(
      {
        params: [{ name: 'person', type: 'string' }],
        steps: [
          { id: 'same', action: 'setVariable', name: 'v', value: 'caller' },
          { id: 'sub', action: 'call', call: { workflow: 'sub-flow', params: { who: '{{ params.person }}' } } },
          { id: 'after', action: 'assert', condition: "vars.v == 'caller' and steps.sub.output.http.status == 200", message: 'caller scope wrong' },
        ],
      },
      { 'sub-flow': callee(sub) },
      { person: 'ada' },
    );
    const r = succeeded(result);
    expect(r.vars).toEqual({ v: 'caller' });
    expect(r.outputs.sub).toMatchObject({ http: { status: 200, body: { query: { who: 'ada', n: '7' } } } });
  }, 120_000);

  it('a failing callee step fails the attempt at its path under the call; try around the call catches it', async () => {
    const boom: WorkflowSpec = { steps: [{ id: 'boom', action: 'click', target: { css: '#not-there' }, timeoutSeconds: 1 }] };
    const calls = { boom: callee(boom) };
    const plain = await run({ steps: [{ id: 'open', action: 'goto', url: `${bed.site.url}/pages/1` }, { id: 'sub', action: 'call', call: { workflow: 'boom' } }] }, calls);
    expect(failed(plain.result).error.stepId).toBe('sub.boom');

    const { result, ran } = await run(
      {
        steps: [
          { id: 'open', action: 'goto', url: `${bed.site.url}/pages/1` },
          { id: 'guard', action: 'try', steps: [{ id: 'sub', action: 'call', call: { workflow: 'boom' } }], catch: 'handle' },
        ],
        blocks: [{ name: 'handle', steps: [{ id: 'seen', action: 'assert', condition: "error.step == 'guard.try.sub.boom'", message: 'wrong error' }] }],
      },
      calls,
    );
    const r = succeeded(result);
    expect(r.outputs.guard).toMatchObject({ failed: true, error: { step: 'guard.try.sub.boom' } });
    expect(ran).toEqual(['open', 'guard', 'guard.try.sub', 'guard.try.sub.boom', 'guard.catch.seen']);
  }, 120_000);

  it("a callee's run steps run the callee's own blocks, and calls nest", async () => {
    const inner: WorkflowSpec = { steps: [{ id: 'deep', action: 'setVariable', name: 'x', value: '1' }] };
    const outer: WorkflowSpec = {
      steps: [{ id: 'go', action: 'run', block: 'mine' }],
      blocks: [{ name: 'mine', steps: [{ id: 'again', action: 'call', call: { workflow: 'inner' } }] }],
    };
    const { result, ran } = await run(
      { steps: [{ id: 'sub', action: 'call', call: { workflow: 'outer' } }], blocks: [{ name: 'mine', steps: [{ id: 'wrong', action: 'setVariable', name: 'y', value: '2' }] }] },
      { outer: callee(outer), inner: callee(inner) },
    );
    succeeded(result);
    expect(ran).toEqual(['sub', 'sub.go', 'sub.go.again', 'sub.go.again.deep']);
  }, 120_000);

  it('a param whose rendered value is not of the declared type fails the call step, naming it', async () => {
    const sub: WorkflowSpec = { params: [{ name: 'n', type: 'number' }], steps: [{ id: 's', action: 'setVariable', name: 'x', value: '{{ params.n }}' }] };
    const { result, ran } = await run({ steps: [{ id: 'sub', action: 'call', call: { workflow: 'sub', params: { n: 'abc' } } }] }, { sub: callee(sub) });
    const r = failed(result);
    expect(r.error).toMatchObject({ stepId: 'sub', message: 'call of RpaWorkflow sub: param "n" must be of type number' });
    expect(ran).toEqual(['sub']);
  }, 60_000);

  it('a callee missing from the snapshot fails the call step (the operator resolves callees before queueing)', async () => {
    const { result } = await run({ steps: [{ id: 'sub', action: 'call', call: { workflow: 'gone' } }] }, {});
    expect(failed(result).error.message).toMatch(/RpaWorkflow gone is not in the job's snapshot/);
  }, 60_000);
});
