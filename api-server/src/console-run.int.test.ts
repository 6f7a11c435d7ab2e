// The web console on a real run: the operator (in this process: informers, the queue producer, the
// sweeper, the RpaWorkflow reconciler with its healing suggestions), real robot processes
// (robot-image/src/main.ts), a local test site, the API server with the real kube-apiserver and
// PostgreSQL, and the console in real Chromium. One RpaJob records its step targets; the next runs on a
// changed page (its save button's selector broken, so the step heals) and its robot is SIGKILLed in the
// middle of a slow step, so another robot takes the run over; the killed robot's pod then restarts. The
// console must show all of it: the take-over and the healing event on the job page, the suggestion with
// its diff (applied through the UI, checked on the kube API), both robots with version and restarts, the
// outcomes on the overview, and a running job's step within 1 s of its checkpoint.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { Browser, Page } from 'playwright-core';
import { enqueueRuns, type EnqueueSpec } from '../../api/queue/sql/runs.js';
import { kubeRequest } from '../../e2e/api/client.js';
import { kubeconfigPath } from '../../e2e/harness/testenv.js';
import { waitFor } from '../../e2e/harness/wait.js';
import type { Operator } from '../../operator/src/operator.js';
import { createObject, startTestOperator, waitForObject, type AnyObject, type TestEnv } from '../../operator/src/testing/operator-env.js';
import { startRobot, tail, type RobotProcess } from '../../robot-image/src/agent/testing/robot-process.js';
import { launchChromium, signIn } from '../testing/browser.js';
import { setUpApiServerEnv, type ApiServerTestEnv } from '../testing/env.js';

const POOL = 'console-run';
const WF = 'customer-entry';
const LONG = 300_000;
const VERSION_A = 'robot-a-1.2.3';

// Version 1 of the page; version 2 renames the save button's id and class (its text stays): the step
// that clicks '#save-btn' heals from the descriptor recorded on version 1.
const V1 = `<!doctype html><html><head><title>Customers</title></head><body>
<h1>New customer</h1>
<form id="customer-form">
  <label for="cust-name">Full name</label> <input id="cust-name" name="fullName">
  <button id="save-btn" class="btn btn-primary" type="submit">Save customer</button>
</form>
<p data-testid="result"></p>
<script>
document.querySelector('form').addEventListener('submit', (e) => {
  e.preventDefault();
  document.querySelector('[data-testid=result]').textContent = 'Saved ' + new FormData(e.target).get('fullName');
});
</script></body></html>`;
const V2 = V1.replace('<button id="save-btn" class="btn btn-primary"', '<div class="toolbar"><button type="button">Cancel</button></div><button id="btn_9911" class="css-j1k2l3"');

const WORKFLOW = {
  params: [{ name: 'url', type: 'string', required: true }],
  timeouts: { stepSeconds: 15 },
  steps: [
    { id: 'open', action: 'goto', url: '{{ params.url }}/customers/new' },
    { id: 'typeName', action: 'fill', target: { css: '#cust-name' }, value: 'Ada Lovelace' },
    { id: 'pause', action: 'waitFor', seconds: 6 },
    { id: 'save', action: 'click', target: { css: '#save-btn' } },
    { id: 'result', action: 'extractText', target: { testId: 'result' } },
  ],
};

let env: ApiServerTestEnv;
let opEnv: TestEnv;
let operator: Operator;
let site: Server;
let siteUrl: string;
let page = V1;
let browser: Browser;
let editor: Page;
const robots: RobotProcess[] = [];
let recordUid: string;
/** The robot SIGKILLed inside a step of heal-crash. */
let victim: RobotProcess;
let crashUid: string;

const finished = (o: AnyObject) => ['Succeeded', 'Failed', 'Cancelled'].includes(o.status?.phase);

async function robot(pod: string, version?: string): Promise<RobotProcess> {
  const r = await startRobot({
    databaseUrl: env.databaseUrl,
    pool: POOL,
    namespace: env.nsA,
    pod,
    kubeconfig: kubeconfigPath(),
    allow: [new URL(siteUrl).host],
    ...(version !== undefined && { env: { AETHER_ROBOT_VERSION: version } }),
  });
  robots.push(r);
  return r;
}

async function submit(name: string): Promise<string> {
  const job = await createObject(opEnv, 'RpaJob', name, { workflowRef: { name: WF }, pool: POOL, maxAttempts: 1, params: { url: siteUrl } });
  return job.metadata.uid;
}

async function succeeded(name: string): Promise<AnyObject> {
  const job = await waitForObject(opEnv, 'RpaJob', name, 'finished', finished, 150_000);
  if (job.status!.phase !== 'Succeeded') throw new Error(`job ${name} ${job.status!.phase}: ${JSON.stringify(job.status!.error)}\n${robots.map((r) => tail(r)).join('\n')}`);
  return job;
}

beforeAll(async () => {
  site = createServer((req, res) => {
    res.writeHead(req.url === '/customers/new' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.url === '/customers/new' ? page : '');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  env = await setUpApiServerEnv('consolerun');
  opEnv = { kc: env.kc, namespace: env.nsA, databaseUrl: env.databaseUrl, db: env.db, custom: env.kc.makeApiClient(CustomObjectsApi), core: env.kc.makeApiClient(CoreV1Api) };
  await createObject(opEnv, 'RpaWorkflow', WF, WORKFLOW);
  operator = await startTestOperator(opEnv);
  browser = await launchChromium();
  editor = await signIn(browser, env.server.url, env.tokens.editor, env.nsA);
}, LONG);

afterAll(async () => {
  await browser?.close();
  await Promise.all(robots.map((r) => r.stop()));
  await operator?.stop();
  await env?.stop();
  await new Promise((r) => site?.close(r));
}, LONG);

describe('the console on a real run with a crash and a healing event', () => {
  it(
    'runs a job on version 1, then one on version 2 that heals while its robot is SIGKILLed and another takes it over',
    async () => {
      const a = await robot('robot-a', VERSION_A);
      const b = await robot('robot-b');
      recordUid = await submit('record');
      await succeeded('record');

      page = V2;
      crashUid = await submit('heal-crash');
      // Whichever robot claims the run is SIGKILLed inside the 6 s step; the other takes it over.
      victim = await waitFor('a robot to start heal-crash', async () => [a, b].find((r) => r.startedAttempt(crashUid)), { timeoutMs: 120_000, intervalMs: 50 });
      await waitFor(`${victim.pod} inside the slow step`, async () => (victim.stepsStarted(crashUid).at(-1) === 'pause' ? true : undefined), {
        timeoutMs: 120_000,
        intervalMs: 50,
      });
      await victim.kill();
      // The pod restarts its container: a new robot process with the same pod name.
      await robot(victim.pod, victim === a ? VERSION_A : undefined);
      const job = await succeeded('heal-crash');
      expect(job.status!.outputs).toMatchObject({ result: 'Saved Ada Lovelace' });
      const run = await env.db.query(`select crash_count, attempts from aether.runs where uid = $1`, [crashUid]);
      expect(run.rows[0]).toEqual({ crash_count: 1, attempts: 2 });
      await waitForObject(opEnv, 'RpaWorkflow', WF, 'a suggestion for step save', (o) => (o.status?.healingSuggestions ?? []).some((s: { stepId: string }) => s.stepId === 'save'), 60_000);
    },
    LONG,
  );

  it("shows the job's step timeline with the take-over marked and the healing event", async () => {
    await editor.goto(`${env.server.url}/ui/#/jobs/heal-crash`);
    await editor.getByRole('heading', { name: 'Step timeline' }).waitFor();
    await editor.locator('tr[data-step="result"]').waitFor();
    const rows = await editor.locator('table.timeline tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-step'), tr.querySelector('.badge')?.textContent, tr.classList.contains('takeover')]),
    );
    // The victim checkpointed open and typeName; the robot that took over ran pause again (the victim died inside it), save and result.
    expect(rows).toEqual([
      ['open', 'succeeded', false],
      ['typeName', 'succeeded', false],
      ['pause', 'succeeded', true],
      ['save', 'succeeded', false],
      ['result', 'succeeded', false],
    ]);
    expect(await editor.locator('ul.takeovers li').allTextContents()).toEqual([expect.stringContaining(`(pod ${victim.pod})`)]);
    const healing = editor.locator('section[aria-labelledby="s-healing-events"] tbody tr');
    expect(await healing.count()).toBe(1);
    expect(await healing.locator('th').textContent()).toBe('save');
    expect(await healing.locator('td').nth(1).textContent()).toBe('healed');
  });

  it('shows both robots (the killed one dead, its pod restarted alive, the other alive), with versions and restarts', async () => {
    const ids = await env.db.query<{ id: string; pod: string; state: string }>(`select id, pod, state from aether.robots where namespace = $1 order by started_at`, [env.nsA]);
    expect(ids.rows.map((r) => r.pod)).toEqual(['robot-a', 'robot-b', victim.pod]);
    await editor.goto(`${env.server.url}/ui/#/robots`);
    const cells = async (id: string) => {
      const tr = editor.locator(`tr[data-robot="${id}"]`);
      await tr.waitFor();
      return [await tr.locator('.badge').textContent(), await tr.locator('td[data-col="version"]').textContent(), await tr.locator('td[data-col="restarts"]').textContent()];
    };
    const [a, b, restarted] = ids.rows.map((r) => r.id) as [string, string, string];
    const pkg = (await import('../../api/version.js')).packageVersion();
    // robot-a reports AETHER_ROBOT_VERSION (as the operator sets it from the image tag), robot-b its package version.
    const versionOf = (pod: string) => (pod === 'robot-a' ? VERSION_A : pkg);
    const [killed, survivor] = victim.pod === 'robot-a' ? [a, b] : [b, a];
    const survivorPod = victim.pod === 'robot-a' ? 'robot-b' : 'robot-a';
    expect(await cells(killed)).toEqual(['dead', versionOf(victim.pod), '0']);
    expect(await cells(restarted)).toEqual(['alive', versionOf(victim.pod), '1']);
    expect(await cells(survivor)).toEqual(['alive', versionOf(survivorPod), '0']);
    expect(await editor.locator('tbody tr').count()).toBe(3);
    expect(await editor.locator(`tr[data-robot="${survivor}"] td[data-col="heartbeat"]`).textContent()).toMatch(/ ago$/);
  });

  it('shows the suggestion with its diff and applies it through the UI: the RpaWorkflow changes on the kube API', async () => {
    await editor.goto(`${env.server.url}/ui/#/workflows/${WF}`);
    const s = editor.locator('li[data-suggestion="save"]');
    await s.waitFor();
    expect(await s.locator('pre.del').textContent()).toContain('"css": "#save-btn"');
    const after = await s.locator('pre.add').textContent();
    expect(after).not.toContain('#save-btn');
    await s.getByRole('button', { name: 'Apply suggestion' }).click();
    await editor.getByText('Apply suggestion: done').waitFor();
    const wf = await kubeRequest<{ metadata: { generation: number }; spec: { steps: Array<{ id: string; target?: unknown }> } }>(
      env.kc,
      'GET',
      `/apis/rpa.aether.dev/v1alpha1/namespaces/${env.nsA}/rpaworkflows/${WF}`,
    );
    const target = wf.body.spec.steps.find((x) => x.id === 'save')!.target;
    expect(target).not.toEqual({ css: '#save-btn' });
    // The diff's added side is the new target, a '+ ' before each line.
    expect(JSON.parse(after!.split('\n').map((l) => l.replace(/^\+ ?/, '')).join('\n'))).toEqual(target);
    expect(wf.body.metadata.generation).toBe(2);
  });

  it('shows a running job step within 1 s of its checkpoint being written', async () => {
    const uid = await submit('live');
    // Open the job's page while the run is in its first steps (before the 6 s pause ends).
    await waitFor('the live run to start', async () => ((await env.db.query(`select 1 from aether.runs where uid = $1 and state = 'running'`, [uid])).rowCount ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    await editor.goto(`${env.server.url}/ui/#/jobs/live`);
    await editor.getByRole('heading', { name: 'Step timeline' }).waitFor();
    expect(await editor.locator('tr[data-step="pause"]').count()).toBe(0);
    await editor.evaluate(() => {
      const w = window as unknown as { pauseShownAt?: number };
      new MutationObserver(() => {
        if (w.pauseShownAt === undefined && document.querySelector('tr[data-step="pause"] .badge')?.textContent === 'succeeded') w.pauseShownAt = Date.now();
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const shownAt = await editor.waitForFunction(() => (window as unknown as { pauseShownAt?: number }).pauseShownAt, undefined, { timeout: 60_000, polling: 50 });
    const r = await env.db.query<{ at: string }>(
      `select completed_at_epoch_ms::text as at from dbos.operation_outputs where workflow_uuid like 'rpa-' || $1 || '-a%' and function_name = 'pause'`,
      [uid],
    );
    const ms = Number(await shownAt.jsonValue()) - Number(r.rows[0]!.at);
    process.stdout.write(`console live step: ${ms} ms from the checkpoint to the DOM\n`);
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1000);
    await succeeded('live');
  }, LONG);

  it('lists RpaJobs the operator did not queue (waiting for a workflow, refused) with their condition, across pages', async () => {
    await createObject(opEnv, 'RpaJob', 'no-workflow', { workflowRef: { name: 'missing' }, pool: POOL });
    await createObject(opEnv, 'RpaJob', 'bad-params', { workflowRef: { name: WF }, pool: POOL, params: { url: 42 } });
    const falseCondition = (o: AnyObject) => (o.status?.conditions ?? []).some((c: { status: string; message?: string }) => c.status === 'False' && c.message);
    await waitForObject(opEnv, 'RpaJob', 'no-workflow', 'a False condition', falseCondition);
    await waitForObject(opEnv, 'RpaJob', 'bad-params', 'a False condition', falseCondition);
    const api = env.client(env.tokens.viewer);
    const path = { namespace: env.nsA };
    // Each watch event reaches the API server's cache soon after the status write.
    const all = await waitFor('both unqueued jobs with their conditions in the runs list', async () => {
      const seen: Array<{ name: string; state: string; error: string | null }> = [];
      let before: string | undefined;
      for (;;) {
        const page = await api.GET('/api/v1/namespaces/{namespace}/runs', { params: { path, query: { limit: 2, ...(before && { before }) } } });
        seen.push(...page.data!.items);
        if (!page.data!.next) break;
        before = page.data!.next;
      }
      return seen.filter((r) => r.error !== null || r.state !== 'pending').length === seen.length ? seen : undefined;
    }, { timeoutMs: 10_000, intervalMs: 200 });
    expect(all.map((r) => r.name).sort()).toEqual(['bad-params', 'heal-crash', 'live', 'no-workflow', 'record']);
    expect(all.find((r) => r.name === 'no-workflow')).toMatchObject({ state: 'pending', error: expect.stringMatching(/^WorkflowNotFound: .*missing/) });
    expect(all.find((r) => r.name === 'bad-params')).toMatchObject({ state: 'invalid', error: expect.stringMatching(/^Invalid: .*url/) });
    const invalid = await api.GET('/api/v1/namespaces/{namespace}/runs', { params: { path, query: { state: 'invalid' } } });
    expect(invalid.data!.items.map((r) => r.name)).toEqual(['bad-params']);
    const succeededOnly = await api.GET('/api/v1/namespaces/{namespace}/runs', { params: { path, query: { state: 'succeeded' } } });
    expect(succeededOnly.data!.items.map((r) => r.name)).toEqual(['live', 'heal-crash', 'record']);

    await editor.goto(`${env.server.url}/ui/#/jobs`);
    const row = editor.locator('tr[data-job="bad-params"]');
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('invalid');
    expect(await row.locator('.error').textContent()).toMatch(/^Invalid: .*url/);
    expect(await editor.locator('tr[data-job="no-workflow"] .badge').textContent()).toBe('pending');
    // Its page says why there is no run.
    await row.getByRole('link', { name: 'bad-params' }).click();
    await expect(editor.getByRole('alert').textContent()).resolves.toMatch(/has no run: it is invalid \(Invalid: /);
  });

  it('shows the outcomes on the overview and every job in the list', async () => {
    await editor.goto(`${env.server.url}/ui/#/overview`);
    await editor.locator('table.outcomes tbody tr').first().waitFor();
    // Succeeded per hour (the three jobs may straddle an hour).
    const succeededPerHour = await editor.locator('table.outcomes tbody tr td:nth-of-type(1)').allTextContents();
    expect(succeededPerHour.reduce((n, x) => n + Number(x), 0)).toBe(3);
    await editor.goto(`${env.server.url}/ui/#/jobs`);
    await editor.locator('tr[data-job="live"]').waitFor();
    const jobs = await editor.locator('table.runs tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-job'), tr.querySelector('.badge')?.textContent]));
    expect(jobs.slice(2)).toEqual([
      ['live', 'succeeded'],
      ['heal-crash', 'succeeded'],
      ['record', 'succeeded'],
    ]);
    expect(recordUid).not.toBe(crashUid);
  });

  it('updates a later page of the jobs list live when a job it shows changes', async () => {
    // 50 runs created "in the future" fill the newest page for good: the next real job lands on page 2.
    const specs: EnqueueSpec[] = Array.from({ length: 50 }, (_, i) => {
      const uid = randomUUID();
      return {
        uid, namespace: env.nsA, name: `filler-${i}`, pool: 'filler', task_identifier: `rpa.run.${env.nsA}.filler`, workflow_digest: 'd',
        priority: 0, max_attempts: 1, max_crashes: 3, run_at: null, deadline: null, payload: { uid },
      };
    });
    await enqueueRuns(env.db, { specs });
    await env.db.query(`update aether.runs set state = 'cancelled', created_at = now() + interval '1 hour', finished_at = now() where namespace = $1 and pool = 'filler'`, [env.nsA]);
    await submit('later-page');
    await editor.goto(`${env.server.url}/ui/#/jobs`);
    await editor.locator('tr[data-job="filler-0"]').waitFor();
    await editor.getByRole('button', { name: 'Older' }).click();
    const row = editor.locator('tr[data-job="later-page"]');
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('.badge').textContent()).not.toBe('succeeded');
    // No navigation from here: the row changes through the event stream only.
    await row.locator('.badge', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    expect(await editor.locator('tr[data-job="filler-0"]').count()).toBe(0);
  }, LONG);

  it('updates the Robots page live when a robot registers and when it is declared dead', async () => {
    await editor.goto(`${env.server.url}/ui/#/robots`);
    await editor.locator('tbody tr').first().waitFor();
    const before = await editor.locator('tbody tr').count();
    const c = await robot('robot-c');
    const id = await waitFor('robot-c registered', async () => (await env.db.query<{ id: string }>(`select id from aether.robots where pod = 'robot-c'`)).rows[0]?.id);
    const tr = editor.locator(`tr[data-robot="${id}"]`);
    await tr.waitFor({ timeout: 5000 });
    expect(await editor.locator('tbody tr').count()).toBe(before + 1);
    expect(await tr.locator('.badge').textContent()).toBe('alive');
    await c.kill();
    // The operator's sweeper declares it dead once its 5 s lease ran out.
    await tr.locator('.badge', { hasText: 'dead' }).waitFor({ timeout: 30_000 });
  }, LONG);
});
