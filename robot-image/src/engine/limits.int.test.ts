// Output and forEach caps against real Postgres (DBOS) and real Chromium: a step whose output is
// megabytes, outputs that add up past the job's cap, and a forEach over 100,000 items each fail the
// step with a message naming it and the limit, and no checkpoint of the attempt holds the big value.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import type { AttemptResult } from './engine.js';
import { MAX_FOREACH_ITEMS, MAX_JOB_OUTPUTS_BYTES, MAX_STEP_OUTPUT_BYTES } from './limits.js';
import { startEngineBed, testUid, type EngineBed } from './testing/engine-bed.js';

let server: Server;
let origin: string;
let bed: EngineBed;

/** `/json?kb=N`: a JSON body of about N KiB; `/page?kb=N`: an HTML page with about N KiB of text. */
function handler(url: URL): { type: string; body: string } {
  const kb = Number(url.searchParams.get('kb') ?? '1');
  const text = 'x'.repeat(kb * 1024);
  if (url.pathname === '/page') return { type: 'text/html', body: `<html><body><p id="big">${text}</p></body></html>` };
  return { type: 'application/json', body: JSON.stringify({ text }) };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const { type, body } = handler(new URL(req.url ?? '/', 'http://x'));
    res.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  bed = await startEngineBed('limits-test', { allow: [new URL(origin).host] });
}, 60_000);

afterAll(async () => {
  await bed?.stop();
  await new Promise((r) => server?.close(r));
});

function failed(r: AttemptResult): Extract<AttemptResult, { status: 'failed' }> {
  if (r.status !== 'failed') throw new Error(`expected failure, got ${r.status}`);
  return r;
}

/** The largest checkpoint (DBOS step output) of the attempt, and how many steps it recorded. */
async function checkpoints(workflowId: string): Promise<{ largest: number; count: number }> {
  const c = new pg.Client({ connectionString: bed.dbUrl });
  await c.connect();
  try {
    const r = await c.query<{ largest: number | null; count: string }>(
      `select max(octet_length(coalesce(output, ''))) as largest, count(*) as count
         from dbos.operation_outputs where workflow_uuid = $1`,
      [workflowId],
    );
    return { largest: r.rows[0]!.largest ?? 0, count: Number(r.rows[0]!.count) };
  } finally {
    await c.end();
  }
}

const workflowIdOf = (runUid: string) => `rpa-${runUid}-a1`;

describe('output limits', () => {
  it('fails an http step whose output is over the per-step cap, without recording it', async () => {
    const runUid = testUid();
    const workflow: WorkflowSpec = {
      steps: [
        { id: 'small', action: 'http', method: 'GET', url: `${origin}/json?kb=1` },
        { id: 'big', action: 'http', method: 'GET', url: `${origin}/json?kb=3000`, onError: { policy: 'retry', retries: 2 } },
        { id: 'never', action: 'http', method: 'GET', url: `${origin}/json?kb=1` },
      ],
    };
    const r = failed(await bed.engine.runAttempt({ runUid, attempt: 1, workflow }));
    expect(r.error.stepId).toBe('big');
    expect(r.error.message).toMatch(/^output of step "big" is 2\.9 MiB, over the 1 MiB limit per step$/);
    const cps = await checkpoints(workflowIdOf(runUid));
    expect(cps.count).toBe(2);
    expect(cps.largest).toBeLessThan(64 * 1024);
  }, 60_000);

  it('fails an extractText step that reads megabytes of page text', async () => {
    const runUid = testUid();
    const workflow: WorkflowSpec = {
      steps: [
        { id: 'open', action: 'goto', url: `${origin}/page?kb=2048` },
        { id: 'read', action: 'extractText', target: { css: '#big' } },
      ],
    };
    const r = failed(await bed.engine.runAttempt({ runUid, attempt: 1, workflow }));
    expect(r.error.stepId).toBe('read');
    expect(r.error.message).toContain('output of step "read" is 2 MiB, over the 1 MiB limit per step');
    expect((await checkpoints(workflowIdOf(runUid))).largest).toBeLessThan(MAX_STEP_OUTPUT_BYTES);
  }, 60_000);

  it("fails the step that takes the job's outputs over the per-job cap", async () => {
    const runUid = testUid();
    const perStepKb = 900;
    const steps = Array.from({ length: 6 }, (_, i) => ({
      id: `part${i}`,
      action: 'http' as const,
      method: 'GET' as const,
      url: `${origin}/json?kb=${perStepKb}`,
    }));
    const r = failed(await bed.engine.runAttempt({ runUid, attempt: 1, workflow: { steps } }));
    const fitting = Math.floor(MAX_JOB_OUTPUTS_BYTES / (perStepKb * 1024 + 100));
    expect(r.error.stepId).toBe(`part${fitting}`);
    expect(r.error.message).toContain(`output of step "part${fitting}"`);
    expect(r.error.message).toContain('over the 4 MiB limit per job');
    const cps = await checkpoints(workflowIdOf(runUid));
    expect(cps.count).toBe(fitting + 1);
  }, 60_000);

  it('fails a forEach over 100,000 items before iterating, without recording the list', async () => {
    const runUid = testUid();
    const items = Array.from({ length: 100_000 }, (_, i) => ({ n: i, name: `item ${i}` }));
    const workflow: WorkflowSpec = {
      steps: [
        {
          id: 'each',
          action: 'forEach',
          items: 'params.items',
          steps: [{ id: 'note', action: 'setVariable', name: 'last', value: '{{ item.n }}' }],
        },
      ],
    };
    const r = failed(await bed.engine.runAttempt({ runUid, attempt: 1, workflow, params: { items } }));
    expect(r.error.stepId).toBe('each');
    expect(r.error.message).toBe(`forEach "each" has 100000 items, over the limit of ${MAX_FOREACH_ITEMS}`);
    const cps = await checkpoints(workflowIdOf(runUid));
    expect(cps.count).toBe(1);
    expect(cps.largest).toBeLessThan(4096);
  }, 60_000);

  it('fails a forEach with one item over the per-item cap', async () => {
    const runUid = testUid();
    const items = ['small', 'y'.repeat(100 * 1024)];
    const workflow: WorkflowSpec = {
      steps: [
        {
          id: 'each',
          action: 'forEach',
          items: 'params.items',
          steps: [{ id: 'note', action: 'setVariable', name: 'last', value: '{{ item }}' }],
        },
      ],
    };
    const r = failed(await bed.engine.runAttempt({ runUid, attempt: 1, workflow, params: { items } }));
    expect(r.error.message).toBe('item 1 of forEach "each" is 100 KiB, over the 64 KiB limit per item');
  }, 60_000);

  it("applies the workflow's own limits block over the defaults", async () => {
    const runUid = testUid();
    const workflow: WorkflowSpec = {
      limits: { stepOutputBytes: 2048 },
      steps: [
        { id: 'fits', action: 'http', method: 'GET', url: `${origin}/json?kb=1` },
        { id: 'over', action: 'http', method: 'GET', url: `${origin}/json?kb=3` },
      ],
    };
    const r = failed(await bed.engine.runAttempt({ runUid, attempt: 1, workflow }));
    expect(r.error.stepId).toBe('over');
    expect(r.error.message).toBe('output of step "over" is 3 KiB, over the 2 KiB limit per step');
  }, 60_000);
});
