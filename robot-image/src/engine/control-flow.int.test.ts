// while/until, try/catch/finally, named blocks and steps.<id>.error against real Postgres (DBOS) and
// real Chromium on the test site's paginated list.
import type { Step, WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { iterationPaths, paginateWorkflow } from './testing/flow-workflows.js';
import { failed, runWithPaths, startEngineBed, succeeded, type EngineBed } from './testing/engine-bed.js';

let bed: EngineBed;

beforeAll(async () => {
  bed = await startEngineBed('flow-test');
}, 60_000);
afterAll(() => bed?.stop());

const run = (workflow: WorkflowSpec) => runWithPaths(bed, { workflow });

const missing = (id: string): Step => ({ id, action: 'click', target: { css: '#not-there' }, timeoutSeconds: 1 });
const ackHits = () =>
  Object.fromEntries(Object.entries(bed.site.hits()).filter(([k]) => /^POST \/pages\/\d+\/ack$/.test(k)));

describe('until', () => {
  it('pages through the list until Next is disabled, one checkpoint per step per iteration', async () => {
    bed.site.reset();
    const { result, ran } = await run(paginateWorkflow(bed.site.url));
    const r = succeeded(result);
    const pages = r.outputs.pages as Array<{ items: string[]; hasNext: string }>;
    expect(pages.map((p) => p.items)).toEqual([1, 2, 3, 4, 5].map((n) => [`item ${n}.1`, `item ${n}.2`]));
    expect(pages.map((p) => p.hasNext)).toEqual(['true', 'true', 'true', 'true', 'false']);
    expect(ackHits()).toEqual(Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`POST /pages/${n}/ack`, 1])));
    const last = iterationPaths(4).filter((p) => !p.endsWith('.next'));
    expect(ran).toEqual(['open', 'pages', ...[0, 1, 2, 3].flatMap(iterationPaths), ...last]);
  }, 120_000);

  it('a failure inside the loop ends the attempt as failed at that step; nothing after it runs', async () => {
    bed.site.reset();
    const boom: Step = { id: 'boomIf', action: 'if', condition: 'loop.index == 1', then: [missing('boom')] };
    const workflow = paginateWorkflow(bed.site.url, [boom]);
    workflow.steps.push({ id: 'after', action: 'setVariable', name: 'after', value: 'ran' });
    const { result, ran } = await run(workflow);
    const r = failed(result);
    expect(r.error.stepId).toBe('pages[1].boomIf.then.boom');
    expect(r.error.message).toMatch(/not-there|Timeout|timed out/i);
    expect(ran[ran.length - 1]).toBe('pages[1].boomIf.then.boom');
    expect(ran).not.toContain('after');
    expect(Object.keys(ackHits()).sort()).toEqual(['POST /pages/1/ack', 'POST /pages/2/ack']);
  }, 120_000);
});

describe('while', () => {
  it('runs while its condition holds', async () => {
    const { result } = await run({
      steps: [
        { id: 'zero', action: 'setVariable', name: 'seen', value: '' },
        {
          id: 'count',
          action: 'while',
          condition: "vars.seen != '123'",
          maxIterations: 5,
          steps: [{ id: 'add', action: 'setVariable', name: 'seen', value: '{{ vars.seen }}{{ loop.number }}' }],
        },
      ],
    });
    const r = succeeded(result);
    expect(r.vars.seen).toBe('123');
    expect(r.outputs.count).toHaveLength(3);
  }, 60_000);

  it('fails the step when the loop would run past maxIterations, and onError continue shows it as steps.<id>.error', async () => {
    const spin = (onError?: Step['onError']): Step => ({
      id: 'spin',
      action: 'while',
      condition: 'true',
      maxIterations: 3,
      steps: [{ id: 'tick', action: 'setVariable', name: 'n', value: '{{ loop.number }}' }],
      ...(onError && { onError }),
    });
    const hard = await run({ steps: [spin()] });
    const f = failed(hard.result);
    expect(f.error.stepId).toBe('spin');
    expect(f.error.message).toBe('while loop spin did not end within maxIterations (3): its condition was still true');
    expect(hard.ran.filter((p) => p.endsWith('.tick'))).toEqual(['spin[0].tick', 'spin[1].tick', 'spin[2].tick']);

    const soft = await run({
      steps: [
        spin({ policy: 'continue' }),
        { id: 'why', action: 'setVariable', name: 'why', value: '{{ steps.spin.error.message }} @ {{ steps.spin.error.step }}' },
      ],
    });
    const r = succeeded(soft.result);
    expect(r.vars.n).toBe(3);
    expect(r.vars.why).toBe('while loop spin did not end within maxIterations (3): its condition was still true @ spin');
  }, 60_000);
});

const blocks = (extra: WorkflowSpec['blocks'] = []): WorkflowSpec['blocks'] => [
  {
    name: 'recover',
    steps: [
      { id: 'why', action: 'setVariable', name: 'why', value: '{{ error.step }}|{{ error.screenshot }}' },
      { id: 'whyText', action: 'setVariable', name: 'whyText', value: '{{ error.message }}' },
    ],
  },
  { name: 'cleanup', steps: [{ id: 'done', action: 'setVariable', name: 'cleaned', value: 'yes {{ error != null }}' }] },
  ...extra,
];

describe('try/catch/finally', () => {
  it('catch sees the failure (message, step path, screenshot), finally runs, the job goes on', async () => {
    const { result, ran } = await run({
      steps: [
        { id: 'open', action: 'goto', url: `${bed.site.url}/pages/1` },
        {
          id: 'attempt',
          action: 'try',
          steps: [{ id: 'fine', action: 'extractText', target: { css: 'h1' } }, missing('risky'), { id: 'skipped', action: 'setVariable', name: 'skipped', value: 'x' }],
          catch: 'recover',
          finally: 'cleanup',
        },
        { id: 'later', action: 'setVariable', name: 'later', value: '{{ steps.risky.error.step }}' },
      ],
      blocks: blocks(),
    });
    const r = succeeded(result);
    expect(r.vars.why).toBe('attempt.try.risky|attempt.error');
    expect(String(r.vars.whyText)).toMatch(/not-there|Timeout|timed out/i);
    expect(r.vars.cleaned).toBe('yes false');
    expect(r.vars.skipped).toBeUndefined();
    expect(r.vars.later).toBe('attempt.try.risky');
    expect(r.screenshots['attempt.error']?.subarray(1, 4).toString()).toBe('PNG');
    expect(r.outputs.attempt).toMatchObject({ failed: true, error: { step: 'attempt.try.risky', screenshot: 'attempt.error' } });
    expect(ran).toEqual(['open', 'attempt', 'attempt.try.fine', 'attempt.try.risky', 'attempt.catch.why', 'attempt.catch.whyText', 'attempt.finally.done', 'later']);
  }, 60_000);

  it('without catch the failure goes on after finally ran, and fails the attempt at the failed step', async () => {
    const { result, ran } = await run({
      steps: [
        { id: 'open', action: 'goto', url: `${bed.site.url}/pages/1` },
        { id: 'attempt', action: 'try', steps: [missing('risky')], finally: 'cleanup' },
        { id: 'never', action: 'setVariable', name: 'never', value: 'x' },
      ],
      blocks: blocks(),
    });
    const f = failed(result);
    expect(f.error.stepId).toBe('attempt.try.risky');
    expect(ran).toEqual(['open', 'attempt', 'attempt.try.risky', 'attempt.finally.done']);
  }, 60_000);

  it('a failure in catch fails the attempt after finally ran', async () => {
    const { result, ran } = await run({
      steps: [
        { id: 'open', action: 'goto', url: `${bed.site.url}/pages/1` },
        { id: 'attempt', action: 'try', steps: [missing('risky')], catch: 'badCatch', finally: 'cleanup' },
      ],
      blocks: blocks([{ name: 'badCatch', steps: [missing('again')] }]),
    });
    expect(failed(result).error.stepId).toBe('attempt.catch.again');
    expect(ran.slice(-2)).toEqual(['attempt.catch.again', 'attempt.finally.done']);
  }, 60_000);

  it('a try that succeeds skips catch and still runs finally', async () => {
    const { result, ran } = await run({
      steps: [{ id: 'attempt', action: 'try', steps: [{ id: 'ok', action: 'setVariable', name: 'ok', value: '1' }], catch: 'recover', finally: 'cleanup' }],
      blocks: blocks(),
    });
    const r = succeeded(result);
    expect(r.vars).toEqual({ ok: '1', cleaned: 'yes false' });
    expect(ran).toEqual(['attempt', 'attempt.try.ok', 'attempt.finally.done']);
  }, 60_000);
});

describe('run', () => {
  it('runs blocks inside blocks, each step checkpointed under the run step that ran it', async () => {
    const { result, ran } = await run({
      steps: [
        { id: 'first', action: 'run', block: 'outer' },
        { id: 'second', action: 'run', block: 'leaf' },
        { id: 'read', action: 'setVariable', name: 'read', value: '{{ steps.mark.output }}{{ vars.trail }}' },
      ],
      blocks: [
        { name: 'outer', steps: [{ id: 'o', action: 'setVariable', name: 'trail', value: 'o' }, { id: 'toMiddle', action: 'run', block: 'middle' }] },
        { name: 'middle', steps: [{ id: 'm', action: 'if', condition: 'true', then: [{ id: 'toLeaf', action: 'run', block: 'leaf' }] }] },
        { name: 'leaf', steps: [{ id: 'mark', action: 'setVariable', name: 'trail', value: '{{ vars.trail }}L' }] },
      ],
    });
    const r = succeeded(result);
    expect(r.vars.trail).toBe('oLL');
    expect(ran).toEqual([
      'first',
      'first.o',
      'first.toMiddle',
      'first.toMiddle.m',
      'first.toMiddle.m.then.toLeaf',
      'first.toMiddle.m.then.toLeaf.mark',
      'second',
      'second.mark',
      'read',
    ]);
  }, 60_000);
});
