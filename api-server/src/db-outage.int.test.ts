// The Aether API server while PostgreSQL is away (a restart, a failover): requests that need the database
// answer 503 ServiceUnavailable with Retry-After (a client retries; nothing reads as a server bug), /readyz
// says not ready, open event streams stay open, and when the database is back the streams say item
// events may have been missed (`items-reset`) and deliver new ones again — without a client reconnecting.
import { randomUUID } from 'node:crypto';
import { DEFAULT_DB_SETTINGS } from '../../api/db/pool.js';
import { createLogger } from '../../api/log.js';
import { upsertQueue } from '../../api/queue/items/queues.js';
import { kubeRequest } from '../../e2e/api/client.js';
import { startPgProxy, targetOf, type PgProxy } from '../../e2e/harness/pg-proxy.js';
import { waitFor } from '../../e2e/harness/wait.js';
import { setUpApiServerEnv, type ApiServerTestEnv } from '../testing/env.js';
import { openEventStream } from '../testing/sse.js';
import { startApiServer, type RunningApiServer } from './server.js';
import { signDelivery } from './webhooks/signature.js';

let env: ApiServerTestEnv;
let proxy: PgProxy;
let server: RunningApiServer;

beforeAll(async () => {
  env = await setUpApiServerEnv('apidown');
  proxy = await startPgProxy(targetOf(env.databaseUrl));
  // A second API server whose database connections all pass through the proxy.
  server = await startApiServer({
    config: { databaseUrl: proxy.url(env.databaseUrl), host: '127.0.0.1', port: 0, authCacheMs: 2000, dbosSchema: 'dbos', database: { ...DEFAULT_DB_SETTINGS, connectTimeoutMs: 1000 }, watchNamespaces: [env.nsA, env.nsB] },
    kc: env.kc,
    logger: createLogger({ name: 'api-server-outage-test', level: process.env.AETHER_TEST_LOG_LEVEL ?? 'silent' }),
    keepAliveMs: 500,
  });
  await upsertQueue(env.db, {
    namespace: env.nsA, name: 'invoices', pool: 'default', workflowRef: { name: 'invoice' }, maxRetries: 0, backoffSeconds: 1,
    backoffMaxSeconds: 10, uniqueReference: 'reject', inProgressTimeoutSeconds: 60, priority: 0,
  });
  const created = await Promise.all([
    kubeRequest(env.kc, 'POST', `/api/v1/namespaces/${env.nsA}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook-key' }, data: { hmac: Buffer.from(HOOK_KEY).toString('base64') } }),
    kubeRequest(env.kc, 'POST', `/apis/rpa.aether.dev/v1alpha1/namespaces/${env.nsA}/rpatriggers`, {
      apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaTrigger', metadata: { name: 'invoices-hook' },
      spec: { secretRef: { name: 'hook-key', key: 'hmac' }, queue: { name: 'invoices' } },
    }),
  ]);
  expect(created.map((r) => r.status)).toEqual([201, 201]);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await proxy?.stop();
  await env?.stop();
});

const HOOK_KEY = 'outage-hmac-key';

/** A signed delivery to the queue trigger (as the README tells senders to sign). */
function deliver(delivery: string, body: unknown): Promise<Response> {
  const raw = Buffer.from(JSON.stringify(body));
  const ts = String(Math.floor(Date.now() / 1000));
  return fetch(`${server.url}/hooks/v1/namespaces/${env.nsA}/triggers/invoices-hook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Aether-Timestamp': ts, 'X-Aether-Delivery': delivery, 'X-Aether-Signature': signDelivery(Buffer.from(HOOK_KEY), ts, raw) },
    body: raw,
  });
}

const itemsUrl = () => `${server.url}/api/v1/namespaces/${env.nsA}/queues/invoices/items`;
const get = (url: string) => fetch(url, { headers: { Authorization: `Bearer ${env.tokens.editor}` } });
const add = (reference: string) =>
  fetch(itemsUrl(), {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.tokens.editor}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ items: [{ reference }] }),
  });

describe('Aether API server during a database outage', () => {
  it('answers 503 with Retry-After while PostgreSQL is away, keeps event streams open and resumes item events after it', async () => {
    expect((await get(itemsUrl())).status).toBe(200);
    const events = await openEventStream(`${server.url}/api/v1/namespaces/${env.nsA}/events`, env.tokens.viewer);
    expect((await add('before')).status).toBe(200);
    expect(JSON.parse((await events.next('item', 'invoices')).data)).toEqual({ queue: 'invoices' });

    await proxy.down();
    const listed = await get(itemsUrl());
    expect(listed.status).toBe(503);
    expect(listed.headers.get('retry-after')).toBe('1');
    expect(await listed.json()).toEqual({ reason: 'ServiceUnavailable', message: expect.stringContaining('unreachable') });
    const added = await add('during');
    expect(added.status).toBe(503);
    // A webhook sender is told to retry (every sender retries a 5xx) and its delivery id is not used up:
    // the id is claimed in the transaction that stores the item, which never began.
    const delivery = `outage-${randomUUID()}`;
    const hooked = await deliver(delivery, { reference: 'hooked' });
    expect([hooked.status, hooked.headers.get('retry-after')]).toEqual([503, '1']);
    expect(await hooked.json()).toMatchObject({ reason: 'ServiceUnavailable' });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    // The stream is still open: its keep-alive comments keep coming (no reconnect storm from every console).
    await new Promise((r) => setTimeout(r, 1500));

    await proxy.up();
    await waitFor('the API server ready again', async () => ((await fetch(`${server.url}/readyz`)).status === 200 ? true : undefined));
    expect(JSON.parse((await events.next('items-reset', 'Reconnected')).data)).toMatchObject({ reason: 'Reconnected' });
    const itemFrames = () => events.frames().filter((f) => f.event === 'item').length;
    const seen = itemFrames();
    expect((await add('after')).status).toBe(200);
    // The sender's retry of the refused delivery is accepted once, and a second retry is a replay.
    expect((await deliver(delivery, { reference: 'hooked' })).status).toBe(200);
    expect((await deliver(delivery, { reference: 'hooked' })).status).toBe(409);
    await events.until(() => (itemFrames() > seen ? true : undefined));
    // Nothing the refused request carried was stored; what came before and after was.
    const refs = (await env.db.query<{ reference: string }>('select reference from aether.queue_items where namespace = $1 order by id', [env.nsA])).rows.map((r) => r.reference);
    expect(refs).toEqual(['before', 'after', 'hooked']);
    await events.close();
  });
});
