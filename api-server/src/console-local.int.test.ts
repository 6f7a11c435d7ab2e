// The local console's server (`aether run --ui`) on a real, migrated PostgreSQL: sign-in with the one-time
// key, the RpaJob and RpaWorkflow answered from the run's files and rows (a healing suggestion from a heal
// event), what local mode refuses (403 with the reason), cancel, live job events, and its address check.
import { request } from 'node:http';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../../api/log.js';
import { insertHealingEvent } from '../../api/healing/sql.js';
import { targetKey } from '../../api/healing/target-key.js';
import { enqueueRuns } from '../../api/queue/sql/runs.js';
import { freshDatabase } from '../../e2e/harness/testenv.js';
import { migrate } from '../../migrations/index.js';
import { startLocalConsole, type LocalConsole } from './console-local.js';
import type { RpaJobObject } from './kube.js';

const logger = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const UID = '0f5a3c1e-7d2b-4e7a-9a41-2b6c8d9e0f11';
const KEY = 'k'.repeat(32);
const HEALING_KEY = 'inline-0123456789abcdef';
const cancels: string[] = [];

let db: pg.Pool;
let ui: LocalConsole;
let base: string;
let token: string;

const api = (path: string, init: RequestInit = {}, bearer = token) =>
  fetch(`${base}/api/v1/namespaces/default${path}`, { ...init, headers: { Authorization: `Bearer ${bearer}`, ...(init.headers as Record<string, string>) } });

beforeAll(async () => {
  const url = await freshDatabase('localui');
  await migrate({ databaseUrl: url, logger });
  db = new pg.Pool({ connectionString: url, max: 3 });
  await enqueueRuns(db, {
    specs: [
      {
        uid: UID,
        namespace: 'default',
        name: 'local-job',
        pool: 'default',
        task_identifier: 'rpa.run.default.default',
        workflow_digest: 'sha256:0123456789abcdef',
        priority: 0,
        max_attempts: 1,
        max_crashes: 3,
        run_at: null,
        deadline: null,
        payload: { uid: UID },
      },
    ],
  });
  await insertHealingEvent(db, {
    workflow: { namespace: 'default', name: HEALING_KEY },
    stepId: 'pay',
    stepPath: 'pay',
    runUid: UID,
    tier: 1,
    outcome: 'healed',
    suggestion: { testId: 'pay-button' },
    score: 0.9,
    target: targetKey({ css: '#pay' }),
    reason: null,
  });
  ui = await startLocalConsole({
    source: {
      db,
      namespace: 'default',
      job: { metadata: { name: 'local-job' }, spec: { pool: 'default', workflowRef: { name: 'pay-invoices' } } },
      workflows: { 'pay-invoices': { spec: { steps: [{ id: 'pay', action: 'click', target: { css: '#pay' } }] }, healingKey: HEALING_KEY } },
      uid: () => UID,
      cancel: async () => void cancels.push(UID),
      pollMs: 50,
    },
    logger,
    key: KEY,
  });
  base = new URL(ui.url).origin;
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await db?.end();
});

describe('the local console server', () => {
  it('prints a URL with the key in its fragment and the job to open', () => {
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/ui/#signin=${KEY}&namespace=default&job=local-job`);
  });

  it('swaps the key for a session once; nothing is answered without the session', async () => {
    expect((await api('/access', {}, KEY)).status).toBe(401);
    const res = await fetch(`${base}/api/local/session`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { token: string; namespace: string };
    expect(body.namespace).toBe('default');
    token = body.token;
    const again = await fetch(`${base}/api/local/session`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}` } });
    expect(again.status).toBe(401);
    expect((await api('/runs', {}, 'wrong')).status).toBe(401);
    expect((await api('/runs')).status).toBe(200);
  });

  it('answers only its own address and origin', async () => {
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${base}/api/v1/namespaces/default/runs`, { headers: { Authorization: `Bearer ${token}`, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject).end();
      });
    expect(await status({ Host: `localhost:${ui.port}` })).toBe(200);
    expect(await status({ Host: `attacker.example:${ui.port}` })).toBe(403);
    expect(await status({ Origin: 'http://attacker.example' })).toBe(403);
    expect(await status({ Origin: base })).toBe(200);
  });

  it('says what local mode refuses and why, and refuses it when forced', async () => {
    const access = (await (await api('/access')).json()) as { allowed: Record<string, boolean>; reasons: Record<string, string> };
    expect(access.allowed).toMatchObject({ getJobDetail: true, cancelJob: true, applySuggestion: false, suspendJob: false, createJob: false, addQueueItems: false });
    expect(access.reasons.applySuggestion).toMatch(/the workflow is your YAML file/);
    expect(access.reasons.getJobDetail).toBeUndefined();
    const apply = await api('/workflows/pay-invoices/suggestions/pay/apply', { method: 'POST' });
    expect(apply.status).toBe(403);
    expect(((await apply.json()) as { message: string }).message).toMatch(/does not apply healing suggestions/);
    expect((await api('/jobs/local-job/suspend', { method: 'POST' })).status).toBe(403);
  });

  it('shows the workflow from the file with the suggestion its heal events make', async () => {
    const list = (await (await api('/workflows')).json()) as { items: Array<{ name: string; stepCount: number; ready: boolean; suggestions: number }> };
    expect(list.items).toEqual([{ name: 'pay-invoices', stepCount: 1, ready: true, suggestions: 1, description: null }]);
    const w = (await (await api('/workflows/pay-invoices')).json()) as { suggestions: Array<Record<string, unknown>> };
    expect(w.suggestions).toEqual([expect.objectContaining({ stepId: 'pay', field: 'target', count: 1, tier: 1, before: { css: '#pay' }, after: { testId: 'pay-button' } })]);
  });

  it('shows the job with the run row and the robot status patches, as the RpaJob of a cluster', async () => {
    const events: RpaJobObject[] = [];
    const stop = await ui.kube.watchJobs('default', (_t, job) => events.push(job), () => undefined);
    try {
      ui.kube.status.apply({ currentStep: 'pay', progress: '1/1' });
      const deadline = Date.now() + 5000;
      while (!events.some((e) => e.status?.currentStep === 'pay') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(events.at(-1)).toMatchObject({ metadata: { name: 'local-job', uid: UID }, status: { phase: 'Queued', currentStep: 'pay', progress: '1/1' } });
    } finally {
      stop();
    }
    const detail = (await (await api('/jobs/local-job/detail')).json()) as { job: RpaJobObject; run: { state: string }; workflow: string };
    expect(detail).toMatchObject({ job: { metadata: { uid: UID } }, run: { state: 'queued' }, workflow: 'pay-invoices' });
    expect((await api('/jobs/other')).status).toBe(404);
  });

  it('cancels the local run', async () => {
    expect((await api('/jobs/local-job', { method: 'DELETE' })).status).toBe(202);
    expect(cancels).toEqual([UID]);
  });
});
