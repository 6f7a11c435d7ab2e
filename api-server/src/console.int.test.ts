// The web console against the real stack: the API server (in this process) with the real test
// kube-apiserver (TokenReview, SubjectAccessReview, RpaJobs, RpaWorkflows) and real PostgreSQL, its
// console driven in real Chromium. Also the console's endpoints through the generated typed client.
import type { Browser, Page } from 'playwright-core';
import { migrateDbosSchema } from '../../migrations/dbos.js';
import { kubeRequest } from '../../e2e/api/client.js';
import { launchChromium, signIn } from '../testing/browser.js';
import { createJob, enqueue, seedConsole, SUGGESTED, WORKFLOW, writeStatus, type ConsoleSeed } from '../testing/console-seed.js';
import { setUpApiServerEnv, type ApiServerTestEnv } from '../testing/env.js';
import { startUiProxy } from '../plugin/ui-proxy.js';

let env: ApiServerTestEnv;
let seed: ConsoleSeed;
let browser: Browser;
let editor: Page;

beforeAll(async () => {
  env = await setUpApiServerEnv('console');
  await migrateDbosSchema({ databaseUrl: env.databaseUrl, schema: 'dbos' });
  seed = await seedConsole(env);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

const jobPath = (name: string) => `/apis/rpa.aether.dev/v1alpha1/namespaces/${env.nsA}/rpajobs/${name}`;

describe('console endpoints', () => {
  it('tells each caller which operations it may call, by SubjectAccessReview', async () => {
    const ed = await env.client(env.tokens.editor).GET('/api/v1/namespaces/{namespace}/access', { params: { path: { namespace: env.nsA } } });
    const vi = await env.client(env.tokens.viewer).GET('/api/v1/namespaces/{namespace}/access', { params: { path: { namespace: env.nsA } } });
    expect(ed.data!.username).toBe(`system:serviceaccount:${env.nsA}:editor`);
    expect(ed.data!.allowed).toMatchObject({ cancelJob: true, applySuggestion: true, suspendJob: true, retryQueueItem: true, listRuns: true });
    expect(vi.data!.allowed).toMatchObject({ cancelJob: false, applySuggestion: false, suspendJob: false, retryQueueItem: false, listRuns: true, getWorkflow: true });
    const none = await env.client().GET('/api/v1/namespaces/{namespace}/access', { params: { path: { namespace: env.nsA } } });
    expect(none.response.status).toBe(401);
  });

  it('pages the runs list newest first with filters, each page once', async () => {
    const api = env.client(env.tokens.viewer);
    const path = { namespace: env.nsA };
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await api.GET('/api/v1/namespaces/{namespace}/runs', { params: { path, query: { limit: 7, ...(before && { before }) } } });
      expect(page.response.status).toBe(200);
      seen.push(...page.data!.items.map((r) => r.uid));
      const times = page.data!.items.map((r) => Date.parse(r.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      if (!page.data!.next) break;
      before = page.data!.next;
    }
    expect(seen.length).toBe(43);
    expect(new Set(seen).size).toBe(43);
    const failed = await api.GET('/api/v1/namespaces/{namespace}/runs', { params: { path, query: { state: 'failed', workflow: WORKFLOW } } });
    expect(failed.data!.items.length).toBeGreaterThanOrEqual(2);
    expect(failed.data!.items.every((r) => r.state === 'failed' && r.workflow === WORKFLOW)).toBe(true);
    expect(failed.data!.items.find((r) => r.name === seed.crashed)).toMatchObject({ takeovers: 2, attempts: 3 });
    const bad = await api.GET('/api/v1/namespaces/{namespace}/runs', { params: { path, query: { state: 'nope' as 'failed' } } });
    expect(bad.response.status).toBe(400);
    expect(bad.error!.message).toMatch(/state/);
  });

  it("gives a job's page its steps with durations, take-overs marked, and healing events", async () => {
    const d = await env.client(env.tokens.viewer).GET('/api/v1/namespaces/{namespace}/jobs/{name}/detail', { params: { path: { namespace: env.nsA, name: seed.crashed } } });
    expect(d.response.status).toBe(200);
    expect(d.data!.run).toMatchObject({ uid: seed.crashedUid, state: 'failed', hasScreenshot: true });
    expect(d.data!.workflow).toBe(WORKFLOW);
    expect(d.data!.takeovers.count).toBe(2);
    expect(d.data!.steps.map((s) => [s.step, s.status, s.afterTakeover, s.durationMs])).toEqual([
      ['open', 'succeeded', false, 1000],
      ['pay', 'interrupted', false, null],
      ['pay', 'succeeded', true, 1000],
      ['confirm', 'failed', true, 30000],
    ]);
    expect(d.data!.healing).toEqual([expect.objectContaining({ stepId: 'pay', outcome: 'healed', chosenSelector: '[data-testid="pay-button"]' })]);
  });

  it('aggregates the overview: pools, an hour of queue series, outcomes per hour, SLA breaches', async () => {
    const o = await env.client(env.tokens.viewer).GET('/api/v1/namespaces/{namespace}/overview', { params: { path: { namespace: env.nsA } } });
    expect(o.response.status).toBe(200);
    expect(o.data!.pools).toEqual([expect.objectContaining({ pool: 'default', robots: 1, busy: 1, running: 1 })]);
    const series = o.data!.queueSeries.find((s) => s.pool === 'default')!;
    expect(series.at.length).toBeGreaterThanOrEqual(60);
    expect(Math.max(...series.depth)).toBeGreaterThanOrEqual(1);
    const total = o.data!.outcomes.reduce((n, h) => n + h.succeeded + h.failed, 0);
    expect(total).toBe(42);
    expect(o.data!.sla.queueBreaches).toBeGreaterThanOrEqual(4);
  });

  it('suspends and resumes a job through a patch of its spec', async () => {
    const api = env.client(env.tokens.editor);
    const path = { namespace: env.nsA, name: seed.ok };
    expect((await api.POST('/api/v1/namespaces/{namespace}/jobs/{name}/suspend', { params: { path } })).response.status).toBe(200);
    expect((await kubeRequest<{ spec: { suspend?: boolean } }>(env.kc, 'GET', jobPath(seed.ok))).body.spec.suspend).toBe(true);
    expect((await api.POST('/api/v1/namespaces/{namespace}/jobs/{name}/resume', { params: { path } })).response.status).toBe(200);
    expect((await kubeRequest<{ spec: { suspend?: boolean } }>(env.kc, 'GET', jobPath(seed.ok))).body.spec.suspend).toBe(false);
  });
});

describe('the console in Chromium', () => {
  beforeAll(async () => {
    editor = await signIn(browser, env.server.url, env.tokens.editor, env.nsA);
  }, 60_000);

  it('refuses a token the Kubernetes API server does not accept, and keeps a good one for this tab only', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${env.server.url}/ui/`);
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByLabel('Namespace').fill(env.nsA);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/did not accept/);
    await page.context().close();
    expect(await editor.evaluate(() => Object.keys(localStorage).length)).toBe(0);
    expect(await editor.evaluate(() => sessionStorage.getItem('aether.token'))).toBe(env.tokens.editor);
    expect(await editor.content()).not.toContain(env.tokens.editor);
  });

  it('shows the overview with the pool, the chart and the outcomes', async () => {
    await editor.goto(`${env.server.url}/ui/#/overview`);
    const pool = editor.locator('tr[data-pool="default"]');
    await pool.waitFor();
    expect(await pool.locator('td').allTextContents()).toEqual(['—', '—', '1', '1', '0', '1']);
    await editor.locator('figure.chart canvas').first().waitFor();
    expect(await editor.locator('figure.chart').count()).toBe(2);
    expect(await editor.locator('table.outcomes tbody tr').count()).toBeGreaterThanOrEqual(1);
  });

  it('lists jobs with filters and pages', async () => {
    await editor.goto(`${env.server.url}/ui/#/jobs`);
    await editor.locator(`tr[data-job="${seed.crashed}"]`).waitFor();
    expect(await editor.locator('table.runs tbody tr').count()).toBe(43);
    await editor.getByLabel('State').selectOption('failed');
    await editor.getByRole('button', { name: 'Apply filters' }).click();
    // The filtered page replaces the list: rows again, fewer than before.
    await editor.waitForFunction(() => {
      const rows = document.querySelectorAll('table.runs tbody tr .badge').length;
      return rows > 0 && rows < 43;
    });
    const states = await editor.locator('table.runs tbody tr .badge').allTextContents();
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(new Set(states)).toEqual(new Set(['failed']));
  });

  it("shows a crashed job's timeline with take-overs, its error screenshot, artifact, outputs and healing", async () => {
    await editor.goto(`${env.server.url}/ui/#/jobs/${seed.crashed}`);
    await editor.getByRole('heading', { name: 'Step timeline' }).waitFor();
    expect(await editor.locator('table.timeline tbody tr').count()).toBe(4);
    expect(await editor.locator('table.timeline tr.takeover').count()).toBe(2);
    expect(await editor.locator('ul.takeovers li').allTextContents()).toEqual([expect.stringContaining('robot-19ab'), expect.stringContaining('robot-3c05')]);
    const shot = editor.getByRole('img', { name: /Screenshot/ });
    await shot.waitFor();
    await editor.waitForFunction(() => (document.querySelector('img.screenshot') as HTMLImageElement | null)?.naturalWidth === 64);
    expect(await editor.locator('.error').first().textContent()).toContain('no element matches role=button name=Confirm');
    const [download] = await Promise.all([editor.waitForEvent('download'), editor.getByRole('button', { name: 'Download receipt.pdf' }).click()]);
    expect(download.suggestedFilename()).toBe('receipt.pdf');
    expect(await editor.locator('section[aria-labelledby="s-healing-events"] tbody tr').count()).toBe(1);
    // A dead letter: retry is offered, cancel is not (the job is finished).
    expect(await editor.locator('button[data-op="replayDeadLetter"]').count()).toBe(1);
    expect(await editor.locator('button[data-op="cancelJob"]').count()).toBe(0);
  });

  it('updates a running job within 1 s of its RpaJob changing', async () => {
    await editor.goto(`${env.server.url}/ui/#/jobs/${seed.live}`);
    const phase = editor.getByTestId('phase');
    await phase.getByText('Running').waitFor();
    await editor.locator('.dot.on').waitFor();
    const t0 = Date.now();
    await writeStatus(env, 'rpajobs', seed.live, { phase: 'Succeeded', attempts: 1, robot: 'robot-7f2c' });
    await phase.getByText('Succeeded').waitFor({ timeout: 5000 });
    const ms = Date.now() - t0;
    process.stdout.write(`console live update: ${ms} ms\n`);
    expect(ms).toBeLessThan(1000);
  });

  it('cancels a job from its page: the RpaJob is deleted on the Kubernetes API server', async () => {
    const uid = await createJob(env, 'inv-cancel');
    await enqueue(env, uid, 'inv-cancel');
    await writeStatus(env, 'rpajobs', 'inv-cancel', { phase: 'Queued' });
    await editor.goto(`${env.server.url}/ui/#/jobs/inv-cancel`);
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await editor.getByText('Cancel: done').waitFor();
    const res = await kubeRequest(env.kc, 'GET', jobPath('inv-cancel'));
    expect(res.status === 404 || (res.body as { metadata?: { deletionTimestamp?: string } }).metadata?.deletionTimestamp !== undefined).toBe(true);
  });

  it('shows queues and their items, and retries a failed item', async () => {
    await editor.goto(`${env.server.url}/ui/#/queues`);
    const row = editor.locator('tr[data-queue="invoices"]');
    await row.waitFor();
    expect(await row.locator('td.num').allTextContents()).toEqual(['4', '1', '0', '1', '0', '5']);
    await row.getByRole('link', { name: 'invoices' }).click();
    const failed = editor.locator('tr', { has: editor.locator('.badge', { hasText: 'Failed' }) });
    await failed.waitFor();
    const id = await failed.locator('th').textContent();
    await failed.getByRole('button', { name: 'Retry' }).click();
    await editor.getByText('Retry: done').waitFor();
    const r = await env.db.query<{ status: string }>('select status from aether.queue_items where id = $1', [id]);
    expect(r.rows[0]!.status).toBe('New');
  });

  it('shows the robots with their heartbeat and current job', async () => {
    await editor.goto(`${env.server.url}/ui/#/robots`);
    await editor.locator('tr[data-robot="robot-7f2c"]').waitFor();
    expect(await editor.locator('tbody tr').count()).toBe(3);
    expect(await editor.locator('tr[data-robot="robot-19ab"] .badge').textContent()).toBe('dead');
    const cols = (id: string) => editor.locator(`tr[data-robot="${id}"] td[data-col="version"], tr[data-robot="${id}"] td[data-col="restarts"]`).allTextContents();
    expect(await cols('robot-3c05')).toEqual(['0.4.2', '1']);
    expect(await cols('robot-19ab')).toEqual(['0.4.1', '0']);
  });

  it('applies a healing suggestion from the workflow page: the RpaWorkflow step target changes', async () => {
    await editor.goto(`${env.server.url}/ui/#/workflows`);
    await editor.locator(`tr[data-workflow="${WORKFLOW}"]`).getByRole('link').click();
    const s = editor.locator('li[data-suggestion="pay"]');
    await s.waitFor();
    expect(await s.locator('pre.del').textContent()).toContain('"css": "#pay"');
    expect(await s.locator('pre.add').textContent()).toContain('"testId": "pay-button"');
    expect(await editor.locator('table.runs tbody tr').count()).toBeGreaterThanOrEqual(3);
    await s.getByRole('button', { name: 'Apply suggestion' }).click();
    await editor.getByText('Apply suggestion: done').waitFor();
    const wf = await kubeRequest<{ spec: { steps: Array<{ id: string; target?: unknown }> } }>(env.kc, 'GET', `/apis/rpa.aether.dev/v1alpha1/namespaces/${env.nsA}/rpaworkflows/${WORKFLOW}`);
    expect(wf.body.spec.steps.find((x) => x.id === 'pay')!.target).toEqual(SUGGESTED);
  });

  it('shows a user without rights no action buttons, and the API refuses them when forced', async () => {
    const viewer = await signIn(browser, env.server.url, env.tokens.viewer, env.nsA);
    await viewer.goto(`${env.server.url}/ui/#/jobs/${seed.crashed}`);
    await viewer.getByRole('heading', { name: 'Step timeline' }).waitFor();
    expect(await viewer.locator('button[data-op]').count()).toBe(0);
    await viewer.goto(`${env.server.url}/ui/#/queues/invoices`);
    await viewer.locator('tr[data-item]').first().waitFor();
    expect(await viewer.locator('button[data-op]').count()).toBe(0);
    await viewer.goto(`${env.server.url}/ui/#/workflows/${WORKFLOW}`);
    await viewer.getByRole('heading', { name: 'Definition' }).waitFor();
    expect(await viewer.locator('button[data-op]').count()).toBe(0);
    const statuses = await viewer.evaluate(
      async ({ ns, job, wf }) => {
        const auth = { Authorization: `Bearer ${sessionStorage.getItem('aether.token')}` };
        const del = await fetch(`/api/v1/namespaces/${ns}/jobs/${job}`, { method: 'DELETE', headers: auth });
        const apply = await fetch(`/api/v1/namespaces/${ns}/workflows/${wf}/suggestions/pay/apply`, { method: 'POST', headers: auth });
        return [del.status, apply.status];
      },
      { ns: env.nsA, job: seed.ok, wf: WORKFLOW },
    );
    expect(statuses).toEqual([403, 403]);
    expect((await kubeRequest(env.kc, 'GET', jobPath(seed.ok))).status).toBe(200);
    await viewer.context().close();
  });

  it('kubectl aether ui: a local proxy signs the console in as the kubeconfig user, and lends the token to no one else', async () => {
    const proxy = await startUiProxy({ server: env.server.url, token: env.tokens.viewer, namespace: env.nsA });
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(proxy.url);
      await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      expect(await page.locator('.who').textContent()).toContain(`system:serviceaccount:${env.nsA}:viewer`);
      await page.goto(`http://127.0.0.1:${proxy.port}/ui/#/jobs/${seed.crashed}`);
      await page.getByRole('heading', { name: 'Step timeline' }).waitFor();
      expect(await page.locator('button[data-op]').count()).toBe(0);
      expect(await page.evaluate(() => sessionStorage.getItem('aether.token'))).not.toBe(env.tokens.viewer);
      // Live updates pass through the proxy too.
      await page.locator('.dot.on').waitFor();
      await page.context().close();
      const api = `http://127.0.0.1:${proxy.port}/api/v1/namespaces/${env.nsA}/runs`;
      expect((await fetch(api)).status).toBe(401);
      expect((await fetch(api, { headers: { Authorization: `Bearer ${env.tokens.viewer}` } })).status).toBe(401);
      const key = new URL(proxy.url).hash.match(/signin=([^&]+)/)![1]!;
      expect((await fetch(api, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
      expect((await fetch(api, { headers: { Authorization: `Bearer ${key}`, Origin: 'https://evil.example' } })).status).toBe(403);
    } finally {
      await proxy.close();
    }
  });
});
