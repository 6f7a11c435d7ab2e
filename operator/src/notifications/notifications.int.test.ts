// Outbound notifications end to end on the real API server and Postgres, with a receiver on 127.0.0.1
// (allowed by AETHER_NOTIFICATIONS_ALLOWED_HOSTS, as the chart value notifications.allowedHosts would): a job
// finishing (marked terminal by the robot's own SQL) produces exactly one signed POST; 500, 500, 200 gets
// three attempts with growing delays and ends Delivered; a receiver that is down ends Failed after
// maxAttempts; an SLA breach produces QueueSlaBreached; another namespace's job fires nothing here; a URL to
// the metadata address is refused in status; a notification whose Secret is missing uses up no attempt
// while it waits, and delivers once the Secret exists.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { waitFor } from '../../../e2e/harness/wait.js';
import { listDeliveries, listNotificationKeys, upsertNotification } from '../../../api/notifications/sql.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { addItems } from '../../../api/queue/items/store.js';
import { parseItems } from '../../../api/queue/items/validate.js';
import { completeRuns, markRunCancelled } from '../../../api/queue/sql/runs.js';
import { verifyWebhook } from '../../../api/webhooks/signature.js';
import type { Operator } from '../operator.js';
import { counterValue, createObject, eventsFor, NOOP_WORKFLOW, setUpEnv, startTestOperator, tearDownEnv, waitForObject, type TestEnv } from '../testing/operator-env.js';

jest.setTimeout(120_000);

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

const KEY = 'not-a-real-key-but-long-enough-0123456789';

describe('RpaNotification', () => {
  let env: TestEnv;
  let operator: Operator;
  let receiver: http.Server;
  let base: string;
  let downUrl: string;
  const received: Received[] = [];
  const answers: Record<string, number[]> = { '/flaky': [500, 500, 200] };
  const at = (path: string) => received.filter((r) => r.path === path);

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        res.statusCode = answers[req.url ?? '']?.shift() ?? 200;
        res.end(res.statusCode >= 300 ? 'receiver says no '.repeat(40) : 'ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // A port nothing listens on: bound and closed again.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    downUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/down`;
    await new Promise<void>((r) => probe.close(() => r()));

    env = await setUpEnv('notify');
    // The row of an RpaNotification deleted while no operator ran: housekeeping must remove it.
    await upsertNotification(env.db, { namespace: env.namespace, name: 'deleted-meanwhile', uid: randomUUID(), url: `${base}/deleted`, events: ['JobSucceeded'], maxAttempts: 1, backoffInitialSeconds: 1, backoffMaxSeconds: 1, secretName: 'hook-key', secretKey: 'key', enabled: true });
    operator = await startTestOperator(env, { notificationHousekeepingMs: 300, extraEnv: { AETHER_NOTIFICATIONS_ALLOWED_HOSTS: '127.0.0.1', AETHER_NOTIFICATIONS_POLL_SECONDS: '1', AETHER_NOTIFICATIONS_KEY_RETRY_SECONDS: '1' } });
    await env.core.createNamespacedSecret({ namespace: env.namespace, body: { metadata: { name: 'hook-key' }, stringData: { key: KEY } } });
  });
  afterAll(async () => {
    await operator?.stop();
    await tearDownEnv(env);
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  });

  const notification = (name: string, spec: Record<string, unknown>) =>
    createObject(env, 'RpaNotification', name, { secretRef: { name: 'hook-key', key: 'key' }, retry: { maxAttempts: 3, backoff: { initialSeconds: 1, maxSeconds: 10 } }, ...spec });
  const ready = (name: string) =>
    waitForObject(env, 'RpaNotification', name, 'Ready', (o) => o.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ?? false);
  /** A job of `namespace` queued and finished through the robot's SQL. */
  const finishJob = async (namespace: string, how: 'succeeded' | 'cancelled') => {
    const p = testPayload({ namespace, workflowRef: { name: 'invoice' } });
    await operator.producer.enqueue({ payload: p });
    if (how === 'succeeded') expect(await completeRuns(env.db, { results: [{ uid: p.uid, outputs: { total: 1 } }], robot: 'robot-1' })).toBe(1);
    else expect(await markRunCancelled(env.db, { uid: p.uid })).toBe(true);
    return p;
  };

  it("the row of an RpaNotification deleted while no operator ran is removed, so it never fires", async () => {
    await waitFor('the orphan row gone', async () => ((await listNotificationKeys(env.db)).some((k) => k.name === 'deleted-meanwhile') ? undefined : true));
  });

  it('a finished job produces exactly one delivery with a valid signature', async () => {
    await notification('ok', { url: `${base}/ok`, events: ['JobSucceeded'] });
    await ready('ok');
    const job = await finishJob(env.namespace, 'succeeded');
    const [hit] = await waitFor('the POST', async () => (at('/ok').length > 0 ? at('/ok') : undefined));
    const h = hit!.headers;
    expect(h['x-aether-event']).toBe('JobSucceeded');
    expect(h['content-type']).toBe('application/json');
    expect(verifyWebhook(KEY, String(h['x-aether-timestamp']), hit!.body, String(h['x-aether-signature']))).toBe(true);
    expect(verifyWebhook('another key', String(h['x-aether-timestamp']), hit!.body, String(h['x-aether-signature']))).toBe(false);
    expect(Math.abs(Number(h['x-aether-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(JSON.parse(hit!.body)).toMatchObject({ event: 'JobSucceeded', namespace: env.namespace, notification: 'ok', job: { name: job.name, uid: job.uid, phase: 'Succeeded', workflow: 'invoice' } });
    const rows = await listDeliveries(env.db, { namespace: env.namespace, notification: 'ok' });
    expect(rows).toHaveLength(1);
    expect(h['x-aether-delivery']).toBe(rows[0]!.id);
    await waitFor('Delivered', async () => ((await listDeliveries(env.db, { namespace: env.namespace, notification: 'ok' }))[0]?.state === 'Delivered') || undefined);
    const o = await waitForObject(env, 'RpaNotification', 'ok', 'delivered in status', (x) => x.status?.delivered === 1);
    expect(o.status?.lastDelivery).toMatchObject({ httpStatus: 200, outcome: 'Delivered' });
    // Still exactly one after a while (no second POST from a retry or a second sender pass).
    await new Promise((r) => setTimeout(r, 1500));
    expect(at('/ok')).toHaveLength(1);
    expect(await counterValue(operator, 'aether_notification_deliveries_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(1);
  });

  it('500, 500, 200: three attempts with growing delays, the same delivery id, then Delivered', async () => {
    await notification('flaky', { url: `${base}/flaky`, events: ['JobCancelled'] });
    await ready('flaky');
    await finishJob(env.namespace, 'cancelled');
    const hits = await waitFor('three attempts', async () => (at('/flaky').length >= 3 ? at('/flaky') : undefined), { timeoutMs: 20_000 });
    expect(new Set(hits.map((x) => x.headers['x-aether-delivery'])).size).toBe(1);
    const gap1 = hits[1]!.at - hits[0]!.at;
    const gap2 = hits[2]!.at - hits[1]!.at;
    expect(gap1).toBeGreaterThanOrEqual(700);
    expect(gap2).toBeGreaterThan(gap1);
    const row = await waitFor('Delivered', async () => {
      const [r] = await listDeliveries(env.db, { namespace: env.namespace, notification: 'flaky' });
      return r?.state === 'Delivered' ? r : undefined;
    });
    expect(row).toMatchObject({ attempts: 3, lastStatus: 200 });
    expect(at('/flaky')).toHaveLength(3);
  });

  it('a receiver that is down: Failed after maxAttempts, the error recorded, counted in status', async () => {
    await notification('down', { url: downUrl, events: ['JobSucceeded'], retry: { maxAttempts: 2, backoff: { initialSeconds: 1, maxSeconds: 1 } } });
    await ready('down');
    await finishJob(env.namespace, 'succeeded');
    const row = await waitFor('Failed', async () => {
      const [r] = await listDeliveries(env.db, { namespace: env.namespace, notification: 'down' });
      return r?.state === 'Failed' ? r : undefined;
    }, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ attempts: 2, lastStatus: null, lastError: expect.stringMatching(/ECONNREFUSED.*attempt 2 of 2/) });
    expect(row.lastError).not.toContain(KEY);
    await waitForObject(env, 'RpaNotification', 'down', 'failed in status', (x) => x.status?.failed === 1);
    await waitFor('a DeliveryFailed event', async () => (await eventsFor(env, 'down')).find((e) => e.reason === 'DeliveryFailed'));
  });

  it('an SLA breach produces QueueSlaBreached', async () => {
    await notification('sla', { url: `${base}/sla`, events: ['QueueSlaBreached'], queues: ['urgent'] });
    await ready('sla');
    await createObject(env, 'RpaWorkflow', 'invoice', NOOP_WORKFLOW);
    await createObject(env, 'RpaQueue', 'urgent', { pool: 'web', workflowRef: { name: 'invoice' }, slaSeconds: 1 });
    await waitFor('the queue row', async () => (await env.db.query('select 1 from aether.queues where namespace = $1 and name = $2', [env.namespace, 'urgent'])).rowCount || undefined);
    await addItems(env.db, { namespace: env.namespace, name: 'urgent' }, parseItems([{ reference: 'late' }]));
    const [hit] = await waitFor('the SLA POST', async () => (at('/sla').length > 0 ? at('/sla') : undefined), { timeoutMs: 30_000 });
    expect(hit!.headers['x-aether-event']).toBe('QueueSlaBreached');
    expect(JSON.parse(hit!.body)).toMatchObject({ event: 'QueueSlaBreached', subject: `${env.namespace}/urgent`, queue: { queue: 'urgent', slaSeconds: 1, new: 1 } });
  });

  it("another namespace's job fires nothing here", async () => {
    const before = received.length;
    const okBefore = await waitFor('earlier POSTs settled', async () => {
      const pending = (await listDeliveries(env.db, { namespace: env.namespace, notification: 'ok' })).filter((d) => d.state === 'Pending');
      return pending.length === 0 ? at('/ok').length : undefined;
    });
    const other = await finishJob('someone-else', 'succeeded');
    // Our own job after it: once its POST arrived, the other one would have too.
    const ours = await finishJob(env.namespace, 'succeeded');
    await waitFor('our next POST', async () => (at('/ok').length > okBefore ? true : undefined));
    expect(at('/ok').some((r) => r.body.includes(ours.uid))).toBe(true);
    expect(received.slice(before).some((r) => r.body.includes(other.uid))).toBe(false);
    expect(at('/deleted')).toEqual([]);
    expect(await listDeliveries(env.db, { namespace: 'someone-else' })).toEqual([]);
  });

  it('a URL to the metadata address is refused in status, and records no delivery', async () => {
    await notification('metadata', { url: 'https://169.254.169.254/latest/meta-data', events: ['JobSucceeded'] });
    const o = await waitForObject(env, 'RpaNotification', 'metadata', 'UrlRefused', (x) => x.status?.conditions?.some((c: { reason: string }) => c.reason === 'UrlRefused') ?? false);
    expect(o.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.message).toMatch(/link-local/);
    await finishJob(env.namespace, 'succeeded');
    await new Promise((r) => setTimeout(r, 500));
    expect(await listDeliveries(env.db, { namespace: env.namespace, notification: 'metadata' })).toEqual([]);
  });

  it('a missing signing Secret uses up no attempt: the delivery waits, then goes out signed once the Secret exists', async () => {
    // maxAttempts 1: had the missing key counted as an attempt, the delivery would be Failed at once.
    await notification('late', { url: `${base}/late`, events: ['JobSucceeded'], secretRef: { name: 'late-key', key: 'key' }, retry: { maxAttempts: 1, backoff: { initialSeconds: 1, maxSeconds: 1 } } });
    const o = await waitForObject(env, 'RpaNotification', 'late', 'SecretMissing', (x) => x.status?.conditions?.some((c: { reason: string }) => c.reason === 'SecretMissing') ?? false);
    expect(o.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.message).toMatch(/late-key does not exist.*retried/);
    const job = await finishJob(env.namespace, 'succeeded');
    await waitFor('the delivery waiting for its key', async () => {
      const [r] = await listDeliveries(env.db, { namespace: env.namespace, notification: 'late' });
      return r?.lastError?.includes('waiting for the signing key') ? r : undefined;
    });
    // Several 1 s deferrals later: still Pending, no attempt counted, nothing POSTed.
    await new Promise((r) => setTimeout(r, 2500));
    const [waiting] = await listDeliveries(env.db, { namespace: env.namespace, notification: 'late' });
    expect(waiting).toMatchObject({ state: 'Pending', attempts: 0, lastStatus: null, lastError: expect.stringContaining('Secret late-key does not exist') });
    expect(at('/late')).toEqual([]);

    await env.core.createNamespacedSecret({ namespace: env.namespace, body: { metadata: { name: 'late-key' }, stringData: { key: 'the-late-key-0123456789' } } });
    const [hit] = await waitFor('the POST', async () => (at('/late').length > 0 ? at('/late') : undefined), { timeoutMs: 20_000 });
    expect(verifyWebhook('the-late-key-0123456789', String(hit!.headers['x-aether-timestamp']), hit!.body, String(hit!.headers['x-aether-signature']))).toBe(true);
    expect(JSON.parse(hit!.body)).toMatchObject({ job: { uid: job.uid } });
    const row = await waitFor('Delivered', async () => {
      const [r] = await listDeliveries(env.db, { namespace: env.namespace, notification: 'late' });
      return r?.state === 'Delivered' ? r : undefined;
    });
    expect(row).toMatchObject({ attempts: 1, lastStatus: 200 });
    await ready('late');
  });
});
