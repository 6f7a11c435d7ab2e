// The sender when PostgreSQL goes away (real server behind a TCP proxy that cuts it, the signing key from a
// real Secret): it keeps retrying with back-off instead of failing, and once the database is back the
// delivery recorded meanwhile goes out, signed, exactly once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import pg from 'pg';
import { createPool } from '../../../api/db/pool.js';
import { createLogger } from '../../../api/log.js';
import { listDeliveries, recordNotificationEvent, upsertNotification } from '../../../api/notifications/sql.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';
import { verifyWebhook } from '../../../api/webhooks/signature.js';
import { freshNamespace, deleteNamespace, testKubeConfig } from '../../../e2e/harness/kubeclient.js';
import { startPgProxy, targetOf, type PgProxy } from '../../../e2e/harness/pg-proxy.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { OperatorMetrics } from '../runtime/metrics.js';
import { createSigningKeys } from './keys.js';
import { createNotificationSender, type NotificationSender } from './sender.js';
import { compileTargetPolicy } from './target.js';

jest.setTimeout(90_000);

const KEY = 'outage-test-key-0123456789abcdef';

describe('notification sender through a database outage', () => {
  const kc = testKubeConfig();
  let namespace: string;
  let owner: pg.Pool;
  let proxy: PgProxy;
  let viaProxy: pg.Pool;
  let sender: NotificationSender;
  let receiver: http.Server;
  const hits: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const logs: Array<{ msg: string; level: number }> = [];
  const metrics = new OperatorMetrics({ processMetrics: false });

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    namespace = await freshNamespace(kc, 'notify-outage');
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace, body: { metadata: { name: 'hook-key' }, stringData: { key: KEY } } });
    let url: string;
    ({ url, pool: owner } = await migratedQueueDatabase('notify_outage'));
    await upsertNotification(owner, {
      namespace,
      name: 'hook',
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      events: ['JobFailed'],
      maxAttempts: 5,
      backoffInitialSeconds: 1,
      backoffMaxSeconds: 2,
      secretName: 'hook-key',
      secretKey: 'key',
      enabled: true,
    });
    proxy = await startPgProxy(targetOf(url));
    const logger = createLogger({
      name: 'test',
      level: 'info',
      destination: new Writable({ write: (c, _e, cb) => (logs.push(JSON.parse(String(c)) as { msg: string; level: number }), cb()) }),
    });
    const settings = { connectTimeoutMs: 1000, statementTimeoutMs: 2000, queryTimeoutMs: 3000, idleInTransactionTimeoutMs: 5000, keepAliveInitialDelayMs: 1000 };
    viaProxy = createPool({ connectionString: proxy.url(url), max: 3, settings, logger, name: 'sender-test' });
    sender = createNotificationSender({
      db: viaProxy,
      databaseUrl: proxy.url(url),
      dbSettings: settings,
      logger,
      metrics,
      keys: createSigningKeys({ core: kc.makeApiClient(CoreV1Api) }),
      policy: compileTargetPolicy({ allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] }),
      pollMs: 500,
    });
    await sender.start();
  });
  afterAll(async () => {
    await sender?.stop();
    await viaProxy?.end();
    await proxy?.stop();
    await owner?.end();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    if (namespace) await deleteNamespace(kc, namespace);
  });

  const event = (subject: string) =>
    recordNotificationEvent(owner, { namespace, event: 'JobFailed', subject, payload: { job: { name: subject } } });

  it('delivers while the database is up', async () => {
    expect(await event(`${namespace}/before`)).toBe(1);
    await waitFor('the first POST', async () => (hits.length === 1 ? true : undefined));
  });

  it('retries with back-off while the database is down, then delivers what was recorded meanwhile', async () => {
    await proxy.down();
    expect(await event(`${namespace}/during`)).toBe(1); // recorded by a robot on a working connection
    await waitFor('a logged database failure', async () => logs.find((l) => l.msg.includes('could not reach the database')), { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 2000));
    expect(hits).toHaveLength(1);
    await proxy.up();
    await waitFor('the POST after the outage', async () => (hits.length === 2 ? true : undefined), { timeoutMs: 40_000 });
    const hit = hits[1]!;
    expect(JSON.parse(hit.body)).toMatchObject({ event: 'JobFailed', subject: `${namespace}/during` });
    expect(verifyWebhook(KEY, String(hit.headers['x-aether-timestamp']), hit.body, String(hit.headers['x-aether-signature']))).toBe(true);
    await waitFor('both Delivered', async () => ((await listDeliveries(owner, { namespace })).every((d) => d.state === 'Delivered') ? true : undefined));
    expect((await listDeliveries(owner, { namespace })).map((d) => d.attempts)).toEqual([1, 1]);
    // Logged once the pass that delivered returns (after the rows were written): wait for it.
    await waitFor('the recovery logged', async () => (logs.some((l) => l.msg.includes('reached the database again')) ? true : undefined));
    expect(logs.map((l) => JSON.stringify(l)).join('\n')).not.toContain(KEY);
  });
});
