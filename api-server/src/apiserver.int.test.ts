// The Aether API server against the real test kube-apiserver (TokenReview, SubjectAccessReview, RpaJobs)
// and real PostgreSQL (runs, steps, screenshots, artifacts, robots), through the generated typed client.
import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { migrateDbosSchema } from '../../migrations/dbos.js';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { kubeRequest } from '../../e2e/api/client.js';
import { serviceAccountToken } from '../../e2e/harness/kube.js';
import { bindRole, JOB_SPEC, setUpApiServerEnv, type ApiServerTestEnv } from '../testing/env.js';
import { upsertQueue } from '../../api/queue/items/queues.js';
import { addItems, claimItem, failItem } from '../../api/queue/items/store.js';
import { itemArtifactsUid } from '../../api/queue/items/run-id.js';
import { insertArtifact } from '../../api/queue/sql/artifacts.js';
import { insertScreenshot } from '../../api/queue/sql/runs.js';
import { ROUTES } from './routes.js';
import { waitFor } from '../../e2e/harness/wait.js';
import { openEventStream } from '../testing/sse.js';

let env: ApiServerTestEnv;

beforeAll(async () => {
  env = await setUpApiServerEnv('apisrv');
  await migrateDbosSchema({ databaseUrl: env.databaseUrl, schema: 'dbos' });
}, 180_000);

afterAll(async () => {
  await env?.stop();
});

/** A concrete URL of a route template in `namespace`. */
function urlOf(path: string, namespace: string): string {
  return (
    env.server.url +
    path
      .replace('{namespace}', namespace)
      .replace('{name}', 'some-job')
      .replace('{uid}', randomUUID())
      .replace('{artifact}', 'a.pdf')
      .replace('{id}', '1')
      .replace(/\{\w+\}/g, 'x')
  );
}

async function insertRun(namespace: string, name: string, opts: { uid?: string; state?: string; robot?: string } = {}): Promise<string> {
  const uid = opts.uid ?? randomUUID();
  await env.db.query(
    `insert into aether.runs (uid, namespace, name, pool, task_identifier, workflow_digest, state, attempts, failed_attempts,
                              max_attempts, robot, outputs, error, started_at, finished_at)
     values ($1, $2, $3, 'default', 'rpa.run.' || $2 || '.default', 'd', $4, 2, $5, 3, $6, $7, $8, now(), case when $4 in ('running', 'queued') then null else now() end)`,
    [
      uid,
      namespace,
      name,
      opts.state ?? 'succeeded',
      opts.state === 'failed' ? 3 : 1,
      opts.robot ?? null,
      JSON.stringify({ total: { amount: 42 } }),
      opts.state === 'failed' ? JSON.stringify({ reason: 'StepFailed', message: 'no #pay button' }) : null,
    ],
  );
  return uid;
}

/** A real SSE client of namespace A's event stream. */
const openEvents = (token: string, lastEventId?: string) => openEventStream(`${env.server.url}/api/v1/namespaces/${env.nsA}/events`, token, lastEventId);

describe('Aether API server', () => {
  it('serves its OpenAPI 3.1 document at /openapi.json, valid for a standard validator', async () => {
    const res = await fetch(`${env.server.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(Object.keys(doc.paths as object)).toContain('/api/v1/namespaces/{namespace}/jobs');
  });

  it('answers 401 without a token and with a token the Kubernetes API server does not accept', async () => {
    const none = await env.client().GET('/api/v1/namespaces/{namespace}/jobs', { params: { path: { namespace: env.nsA } } });
    expect(none.response.status).toBe(401);
    const forged = await env.client('not-a-token').GET('/api/v1/namespaces/{namespace}/jobs', { params: { path: { namespace: env.nsA } } });
    expect(forged.response.status).toBe(401);
    expect(forged.error).toMatchObject({ reason: 'Unauthorized' });
  });

  it('gives a token that may not create rpajobs 403 from every write endpoint, and writes nothing', async () => {
    const writes = ROUTES.filter((r) => r.method !== 'get');
    expect(writes.length).toBeGreaterThanOrEqual(3);
    for (const route of writes) {
      const res = await fetch(urlOf(route.path, env.nsA), {
        method: route.method.toUpperCase(),
        headers: { Authorization: `Bearer ${env.tokens.viewer}`, ...('body' in route && { 'Content-Type': 'application/json' }) },
        ...('body' in route && { body: JSON.stringify(route.operationId === 'createJob' ? { name: 'viewer-job', spec: JOB_SPEC } : { items: [{ reference: 'r' }] }) }),
      });
      expect([route.operationId, res.status]).toEqual([route.operationId, 403]);
    }
    const list = await env.client(env.tokens.viewer).GET('/api/v1/namespaces/{namespace}/jobs', { params: { path: { namespace: env.nsA } } });
    expect(list.response.status).toBe(200);
    expect(list.data!.items.map((j) => j.metadata.name)).not.toContain('viewer-job');
  });

  it("keeps a token of namespace A out of namespace B's jobs, history, robots and events", async () => {
    const created = await kubeRequest(env.kc, 'POST', `/apis/rpa.aether.dev/v1alpha1/namespaces/${env.nsB}/rpajobs`, {
      apiVersion: 'rpa.aether.dev/v1alpha1',
      kind: 'RpaJob',
      metadata: { name: 'b-job' },
      spec: JOB_SPEC,
    });
    expect(created.status).toBe(201);
    await insertRun(env.nsB, 'b-job', { state: 'failed' });
    await upsertQueue(env.db, {
      namespace: env.nsB, name: 'x', pool: 'default', workflowRef: { name: 'wf' }, maxRetries: 0, backoffSeconds: 1,
      backoffMaxSeconds: 10, uniqueReference: 'reject', inProgressTimeoutSeconds: 60, priority: 0,
    });
    const [bItem] = await addItems(env.db, { namespace: env.nsB, name: 'x' }, [{ reference: 'b-secret', data: { n: 1 } }]);
    expect(bItem!.id).toMatch(/^\d+$/);
    // getAccess answers any authenticated caller about its own rights: in B, none.
    const access = await env.client(env.tokens.editor).GET('/api/v1/namespaces/{namespace}/access', { params: { path: { namespace: env.nsB } } });
    expect(access.response.status).toBe(200);
    expect(Object.values(access.data!.allowed).filter(Boolean)).toEqual([true]);
    expect(access.data!.allowed.getAccess).toBe(true);
    for (const route of ROUTES.filter((r) => r.method === 'get' && r.access !== 'authenticated')) {
      const url = urlOf(route.path, env.nsB).replace('some-job', 'b-job').replace('/items/1', `/items/${bItem!.id}`);
      const res = await fetch(url, { headers: { Authorization: `Bearer ${env.tokens.editor}` } });
      expect([route.operationId, res.status]).toEqual([route.operationId, 403]);
      expect(await res.text()).not.toContain('b-secret');
    }
  });

  it('creates, reads, lists and cancels a job through the Kubernetes API, annotated with its submitter', async () => {
    const api = env.client(env.tokens.editor);
    const path = { namespace: env.nsA };
    const created = await api.POST('/api/v1/namespaces/{namespace}/jobs', { params: { path }, body: { generateName: 'inv-', spec: JOB_SPEC } });
    expect(created.response.status).toBe(201);
    const job = created.data!;
    expect(job.metadata.name).toMatch(/^inv-/);
    expect(job.metadata.annotations?.['rpa.aether.dev/submitted-by']).toBe(`system:serviceaccount:${env.nsA}:editor`);

    const direct = await kubeRequest<{ metadata: { uid: string } }>(env.kc, 'GET', `/apis/rpa.aether.dev/v1alpha1/namespaces/${env.nsA}/rpajobs/${job.metadata.name}`);
    expect(direct.body.metadata.uid).toBe(job.metadata.uid);

    const got = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}', { params: { path: { ...path, name: job.metadata.name } } });
    expect(got.data!.spec).toMatchObject(JOB_SPEC);
    const list = await api.GET('/api/v1/namespaces/{namespace}/jobs', { params: { path } });
    expect(list.data!.items.map((j) => j.metadata.uid)).toContain(job.metadata.uid);

    const cancelled = await api.DELETE('/api/v1/namespaces/{namespace}/jobs/{name}', { params: { path: { ...path, name: job.metadata.name } } });
    expect(cancelled.response.status).toBe(202);
    expect(cancelled.data).toEqual({ name: job.metadata.name, uid: job.metadata.uid });
    const after = await kubeRequest(env.kc, 'GET', `/apis/rpa.aether.dev/v1alpha1/namespaces/${env.nsA}/rpajobs/${job.metadata.name}`);
    expect(after.status).toBe(404);
  });

  it("passes on the Kubernetes API server's refusal of a bad spec (422) and of a taken name (409)", async () => {
    const api = env.client(env.tokens.editor);
    const path = { namespace: env.nsA };
    const bad = await api.POST('/api/v1/namespaces/{namespace}/jobs', { params: { path }, body: { name: 'bad', spec: { pool: 'default' } } });
    expect(bad.response.status).toBe(422);
    expect(bad.error!.message).toMatch(/exactly one of workflowRef, workflow/);
    const first = await api.POST('/api/v1/namespaces/{namespace}/jobs', { params: { path }, body: { name: 'taken', spec: JOB_SPEC } });
    expect(first.response.status).toBe(201);
    const second = await api.POST('/api/v1/namespaces/{namespace}/jobs', { params: { path }, body: { name: 'taken', spec: JOB_SPEC } });
    expect(second.response.status).toBe(409);
    const invalid = await api.POST('/api/v1/namespaces/{namespace}/jobs', { params: { path }, body: { name: 'Not_A_Name', spec: JOB_SPEC } });
    expect(invalid.response.status).toBe(400);
  });

  it("serves a job's step log, outputs, screenshot and artifacts from PostgreSQL", async () => {
    const uid = await insertRun(env.nsA, 'history', { state: 'failed' });
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await env.db.query(
      `with s as (insert into aether.screenshots (run_uid, step_id, image) values ($1, 'pay', $2) returning id)
       update aether.runs set screenshot_id = (select id from s) where uid = $1`,
      [uid, png],
    );
    const pdf = Buffer.from('%PDF-1.4 invoice');
    await env.db.query(
      `insert into aether.artifacts (run_uid, namespace, name, step_path, content_type, size, sha256, content)
       values ($1, $2, 'invoice.pdf', 'download', 'application/pdf', $3, encode(sha256($4), 'hex'), $4)`,
      [uid, env.nsA, pdf.length, pdf],
    );
    await env.db.query(
      `insert into dbos.operation_outputs (workflow_uuid, function_id, function_name, output, error, started_at_epoch_ms, completed_at_epoch_ms)
       values ($1, 0, 'open', '"ok"', null, 1000, 1100), ($1, 1, 'pay', null, $3, 1200, 1300), ($2, 0, 'pay', null, $3, 2000, 2100)`,
      [`rpa-${uid}-a1`, `rpa-${uid}-a2`, JSON.stringify({ name: 'Error', message: 'no #pay button' })],
    );
    const api = env.client(env.tokens.viewer);
    const path = { namespace: env.nsA, name: 'history' };

    const log = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/log', { params: { path } });
    expect(log.response.status).toBe(200);
    expect(log.data!.run).toMatchObject({ uid, state: 'failed', hasScreenshot: true });
    expect(log.data!.steps.map((s) => [s.attempt, s.step, s.status, s.error])).toEqual([
      [1, 'open', 'succeeded', undefined],
      [1, 'pay', 'failed', 'no #pay button'],
      [2, 'pay', 'failed', 'no #pay button'],
    ]);

    const outputs = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/outputs', { params: { path } });
    expect(outputs.data).toEqual({ uid, outputs: { total: { amount: 42 } } });

    const shot = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/screenshot', { params: { path }, parseAs: 'arrayBuffer' });
    expect(shot.response.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(shot.data as ArrayBuffer)).toEqual(png);

    const artifacts = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/artifacts', { params: { path } });
    expect(artifacts.data!.items).toEqual([expect.objectContaining({ name: 'invoice.pdf', size: pdf.length, contentType: 'application/pdf' })]);
    const file = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/artifacts/{artifact}', {
      params: { path: { ...path, artifact: 'invoice.pdf' } },
      parseAs: 'arrayBuffer',
    });
    expect(Buffer.from(file.data as ArrayBuffer)).toEqual(pdf);

    const missing = await api.GET('/api/v1/namespaces/{namespace}/jobs/{name}/log', { params: { path: { ...path, name: 'never-ran' } } });
    expect(missing.response.status).toBe(404);
  });

  it("serves a work item's step log (the steps of its run's attempts, from DBOS) and its run's artifacts", async () => {
    await upsertQueue(env.db, {
      namespace: env.nsA, name: 'logged', pool: 'default', workflowRef: { name: 'wf' }, maxRetries: 1, backoffSeconds: 0,
      backoffMaxSeconds: 0, uniqueReference: 'reject', inProgressTimeoutSeconds: 60, priority: 0,
    });
    const [added] = await addItems(env.db, { namespace: env.nsA, name: 'logged' }, [{ reference: 'inv-1', data: { n: 1 } }]);
    const id = added!.id;
    // Attempt 1 failed at `pay` (an application error: retried), attempt 2 is running `pay`.
    await env.db.query(`update aether.queue_items set retries = 1, status = 'InProgress', robot = 'r9' where id = $1`, [id]);
    await env.db.query(
      `insert into dbos.operation_outputs (workflow_uuid, function_id, function_name, output, error, started_at_epoch_ms, completed_at_epoch_ms)
       values ($1, 0, 'open', '"ok"', null, 1000, 1100), ($1, 1, 'pay', null, $3, 1200, 1300), ($2, 0, 'pay', null, null, 2000, null)`,
      [`rpa-item-${id}-0-a1`, `rpa-item-${id}-0-a2`, JSON.stringify({ name: 'Error', message: 'no #pay button' })],
    );
    const api = env.client(env.tokens.viewer);
    const log = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/log', { params: { path: { namespace: env.nsA, queue: 'logged', id } } });
    expect(log.response.status).toBe(200);
    expect(log.data!.item).toMatchObject({ id, reference: 'inv-1', status: 'InProgress', retries: 1 });
    expect(log.data!.steps.map((s) => [s.attempt, s.step, s.status, s.error])).toEqual([
      [1, 'open', 'succeeded', undefined],
      [1, 'pay', 'failed', 'no #pay button'],
      [2, 'pay', 'running', undefined],
    ]);
    const missing = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/log', { params: { path: { namespace: env.nsA, queue: 'logged', id: '999999' } } });
    expect(missing.response.status).toBe(404);

    // The item run's artifacts (kept with the item, under the uuid of its run).
    const csv = Buffer.from('a,b\n1,2\n');
    await insertArtifact(env.db, { runUid: itemArtifactsUid({ id, runSeq: 0 }), namespace: env.nsA, name: 'o.csv', stepPath: 'csv', contentType: 'text/csv', sha256: '0'.repeat(64), content: csv, queueItem: id });
    const itemPath = { namespace: env.nsA, queue: 'logged', id };
    const list = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/artifacts', { params: { path: itemPath } });
    expect(list.data).toEqual({ uid: itemArtifactsUid({ id, runSeq: 0 }), items: [expect.objectContaining({ name: 'o.csv', size: csv.length, stepPath: 'csv' })] });
    const file = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/artifacts/{artifact}', { params: { path: { ...itemPath, artifact: 'o.csv' } }, parseAs: 'arrayBuffer' });
    expect(Buffer.from(file.data as ArrayBuffer)).toEqual(csv);
    const none = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/artifacts/{artifact}', { params: { path: { ...itemPath, artifact: 'x.csv' } } });
    expect(none.response.status).toBe(404);

    // The failed step's screenshot: the newest one of the item's run.
    const noShot = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/screenshot', { params: { path: itemPath } });
    expect(noShot.response.status).toBe(404);
    const png = Buffer.from('89504e470d0a1a0a00', 'hex');
    await insertScreenshot(env.db, { uid: itemArtifactsUid({ id, runSeq: 0 }), stepId: 'pay', image: Buffer.from('89504e47', 'hex'), queueItem: id });
    await insertScreenshot(env.db, { uid: itemArtifactsUid({ id, runSeq: 0 }), stepId: 'pay', image: png, queueItem: id });
    const shot = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/screenshot', { params: { path: itemPath }, parseAs: 'arrayBuffer' });
    expect(shot.response.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(shot.data as ArrayBuffer)).toEqual(png);
  });

  it('lists dead letters and replays one as a new RpaJob; 410 once the original RpaJob is gone', async () => {
    const api = env.client(env.tokens.editor);
    const path = { namespace: env.nsA };
    const created = await api.POST('/api/v1/namespaces/{namespace}/jobs', { params: { path }, body: { name: 'flaky', spec: JOB_SPEC } });
    const uid = created.data!.metadata.uid;
    await insertRun(env.nsA, 'flaky', { uid, state: 'failed' });

    const dlq = await api.GET('/api/v1/namespaces/{namespace}/deadletters', { params: { path } });
    expect(dlq.data!.items.map((r) => r.uid)).toContain(uid);
    expect(dlq.data!.items.find((r) => r.uid === uid)!.error).toEqual({ reason: 'StepFailed', message: 'no #pay button' });

    const replay = await api.POST('/api/v1/namespaces/{namespace}/deadletters/{uid}/replay', { params: { path: { ...path, uid } } });
    expect(replay.response.status).toBe(201);
    expect(replay.data!.metadata.name).toMatch(/^flaky-replay-/);
    expect(replay.data!.metadata.annotations).toMatchObject({ 'rpa.aether.dev/replay-of': uid });
    expect(replay.data!.spec).toMatchObject(JOB_SPEC);

    await api.DELETE('/api/v1/namespaces/{namespace}/jobs/{name}', { params: { path: { ...path, name: 'flaky' } } });
    const gone = await api.POST('/api/v1/namespaces/{namespace}/deadletters/{uid}/replay', { params: { path: { ...path, uid } } });
    expect(gone.response.status).toBe(410);
    expect(gone.error).toMatchObject({ reason: 'Gone' });
  });

  it('lists robots with their heartbeat and the job they run now', async () => {
    await env.db.query(`insert into aether.robots (id, namespace, pool, pod, jobs_held, lease_seconds) values ('r1', $1, 'default', 'robot-0', 1, 30)`, [env.nsA]);
    await env.db.query(`insert into aether.robots (id, namespace, pool, pod, state, lease_seconds) values ('r0', $1, 'default', 'robot-x', 'dead', 30)`, [env.nsA]);
    const uid = await insertRun(env.nsA, 'busy', { state: 'running', robot: 'r1' });
    const api = env.client(env.tokens.viewer);
    const live = await api.GET('/api/v1/namespaces/{namespace}/robots', { params: { path: { namespace: env.nsA } } });
    expect(live.data!.items).toEqual([expect.objectContaining({ id: 'r1', state: 'alive', pod: 'robot-0', currentJobs: [{ uid, name: 'busy' }] })]);
    const all = await api.GET('/api/v1/namespaces/{namespace}/robots', { params: { path: { namespace: env.nsA }, query: { all: 'true' } } });
    expect(all.data!.items.map((r) => r.id).sort()).toEqual(['r0', 'r1']);
  });

  it('delivers an RpaJob change to a real Server-Sent Events client', async () => {
    const events = await openEvents(env.tokens.viewer);
    const created = await env.client(env.tokens.editor).POST('/api/v1/namespaces/{namespace}/jobs', {
      params: { path: { namespace: env.nsA } },
      body: { name: 'live', spec: JOB_SPEC },
    });
    const frame = await events.next('job', '"name":"live"');
    expect(JSON.parse(frame.data)).toMatchObject({ type: 'ADDED', name: 'live', uid: created.data!.metadata.uid });
    expect(frame.id).toMatch(/^\d+$/);
    await events.close();

    // Away, then back with Last-Event-ID: what changed meanwhile arrives.
    const missed = await env.client(env.tokens.editor).POST('/api/v1/namespaces/{namespace}/jobs', {
      params: { path: { namespace: env.nsA } },
      body: { name: 'while-away', spec: JOB_SPEC },
    });
    const resumed = await openEvents(env.tokens.viewer, frame.id);
    expect(JSON.parse((await resumed.next('job', '"name":"while-away"')).data)).toMatchObject({ type: 'ADDED', uid: missed.data!.metadata.uid });
    await resumed.close();
  });

  it('ends an event stream once its caller loses the right to watch', async () => {
    await bindRole(env.kc, env.nsA, 'watcher', 'aether-viewer');
    const events = await openEvents(await serviceAccountToken(env.kc, env.nsA, 'watcher'));
    await env.kc.makeApiClient(RbacAuthorizationV1Api).deleteNamespacedRoleBinding({ namespace: env.nsA, name: 'watcher' });
    const text = await events.ended();
    expect(text).toMatch(/event: error\ndata: \{"reason":"Forbidden"/);
  });

  it('lets one user hold at most 16 event streams (each is a Kubernetes watch): the 17th gets 429 until one closes', async () => {
    await bindRole(env.kc, env.nsA, 'streamer', 'aether-viewer');
    const token = await serviceAccountToken(env.kc, env.nsA, 'streamer');
    const streams = await Promise.all(Array.from({ length: 16 }, () => openEvents(token)));
    const url = `${env.server.url}/api/v1/namespaces/${env.nsA}/events`;
    const refused = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } });
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '1']);
    expect(await refused.json()).toEqual({ reason: 'TooManyRequests', message: expect.stringContaining('16 event streams open (at most 16)') });
    // Another user is not held back by this one.
    const other = await openEvents(env.tokens.viewer);
    await other.close();
    await streams.pop()!.close();
    const again = await waitFor('a slot free again', async () => {
      try {
        return await openEvents(token);
      } catch {
        return undefined;
      }
    });
    await Promise.all([...streams, again].map((s) => s.close()));
  });

  it('adds 1,000 items in one request idempotently by reference, checks their params, lists, retries and deletes them', async () => {
    const namespace = env.nsA;
    await upsertQueue(env.db, {
      namespace, name: 'invoices', pool: 'default', workflowRef: { name: 'invoice-wf' }, maxRetries: 0, backoffSeconds: 1,
      backoffMaxSeconds: 10, uniqueReference: 'reject', inProgressTimeoutSeconds: 60, priority: 0,
    });
    const wf = await kubeRequest(env.kc, 'POST', `/apis/rpa.aether.dev/v1alpha1/namespaces/${namespace}/rpaworkflows`, {
      apiVersion: 'rpa.aether.dev/v1alpha1',
      kind: 'RpaWorkflow',
      metadata: { name: 'invoice-wf' },
      spec: { params: [{ name: 'amount', type: 'number', required: true }], steps: [{ id: 'open', action: 'goto', url: 'https://example.com/' }] },
    });
    expect(wf.status).toBe(201);
    const events = await openEvents(env.tokens.viewer);
    const api = env.client(env.tokens.editor);
    const path = { namespace, queue: 'invoices' };
    const items = Array.from({ length: 1000 }, (_, i) => ({ reference: `inv-${i}`, data: { amount: i } }));

    const first = await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path }, body: { items } });
    expect(first.response.status).toBe(200);
    expect([first.data!.added, first.data!.duplicate, first.data!.items.length]).toEqual([1000, 0, 1000]);
    expect(JSON.parse((await events.next('item', 'invoices')).data)).toEqual({ queue: 'invoices' });
    await events.close();

    const again = await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path }, body: { items: [...items.slice(0, 10), { reference: 'inv-new', data: { amount: 1 } }] } });
    expect([again.data!.added, again.data!.duplicate]).toEqual([1, 10]);
    expect(again.data!.items[3]!.id).toBe(first.data!.items[3]!.id);

    const wrong = await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path }, body: { items: [{ data: { amount: 'ten' } }] } });
    expect(wrong.response.status).toBe(422);
    expect(wrong.error!.message).toContain('items[0].data.amount: must be of type number');
    // A queue the operator resolved is checked against its snapshot (what robots run), not the RpaWorkflow of now:
    // this one's workflow exists in no RpaWorkflow at all.
    await upsertQueue(env.db, {
      namespace, name: 'snapshotted', pool: 'default', workflowRef: { name: 'gone-wf' }, maxRetries: 0, backoffSeconds: 1,
      backoffMaxSeconds: 10, uniqueReference: 'reject', inProgressTimeoutSeconds: 60, priority: 0,
      workflow: { params: [{ name: 'total', type: 'number', required: true }], steps: [{ id: 'open', action: 'goto', url: 'https://example.com/' }] },
      workflowDigest: 'sha256:snap',
    });
    const snapPath = { namespace, queue: 'snapshotted' };
    const offSnapshot = await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path: snapPath }, body: { items: [{ data: { total: 'many' } }] } });
    expect(offSnapshot.response.status).toBe(422);
    expect(offSnapshot.error!.message).toContain('items[0].data.total: must be of type number');
    expect((await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path: snapPath }, body: { items: [{ data: { total: 3 } }] } })).response.status).toBe(200);
    const noQueue = await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path: { namespace, queue: 'nope' } }, body: { items: [{}] } });
    expect(noQueue.response.status).toBe(404);

    const page = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path, query: { limit: 600 } } });
    expect(page.data!.items).toHaveLength(600);
    const rest = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path, query: { after: page.data!.next!, limit: 600 } } });
    expect(rest.data!.items).toHaveLength(401);
    expect(rest.data!.next).toBeUndefined();

    const id = first.data!.items[0]!.id;
    const item = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}', { params: { path: { ...path, id } } });
    expect(item.data).toMatchObject({ id, reference: 'inv-0', status: 'New', data: { amount: 0 } });
    const notFailed = await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/retry', { params: { path: { ...path, id } } });
    expect(notFailed.response.status).toBe(409);

    const claimed = (await claimItem(env.db, { namespace, queue: 'invoices', robot: 'r9' }))!;
    expect(await failItem(env.db, { id: claimed.id, epoch: claimed.claimEpoch, error: { kind: 'business', message: 'unknown customer' } })).toBe('Failed');
    const failed = await api.GET('/api/v1/namespaces/{namespace}/queues/{queue}/items', { params: { path, query: { status: 'Failed' } } });
    expect(failed.data!.items.map((i) => [i.id, i.error?.message])).toEqual([[claimed.id, 'unknown customer']]);
    const retried = await api.POST('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}/retry', { params: { path: { ...path, id: claimed.id } } });
    expect(retried.data).toMatchObject({ id: claimed.id, status: 'New', error: null, retries: 0 });

    const deleted = await api.DELETE('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}', { params: { path: { ...path, id } } });
    expect(deleted.data).toMatchObject({ id, status: 'Deleted' });
    const twice = await api.DELETE('/api/v1/namespaces/{namespace}/queues/{queue}/items/{id}', { params: { path: { ...path, id } } });
    expect(twice.response.status).toBe(409);
  });

});
