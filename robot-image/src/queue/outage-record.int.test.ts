// A job that finishes while PostgreSQL is away: its record waits for the database (ride-out.ts) instead of
// failing the task. Before, the task threw, graphile-worker 0.18's batched failJob failed too, and
// graphile shut its worker pool down: the robot kept heartbeating, fetched nothing more and held the job's
// lock for good (the chaos suite's stranded jobs). Real PostgreSQL behind a proxy the test cuts.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { jobKey } from '../../../api/queue/identifiers.js';
import type { Producer } from '../../../api/queue/producer.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';
import { startPgProxy, targetOf, type PgProxy } from '../../../e2e/harness/pg-proxy.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { startConsumer, type Consumer } from './consumer.js';

let url: string;
let pool: pg.Pool;
let producer: Producer;
let proxy: PgProxy;
const consumers: Consumer[] = [];

beforeAll(async () => {
  ({ url, pool, producer } = await migratedQueueDatabase('outage_record'));
  proxy = await startPgProxy(targetOf(url));
});
afterAll(async () => {
  await proxy?.up();
  await Promise.all(consumers.map((c) => c.stop({ deadlineMs: 0 }).catch(() => undefined)));
  await proxy?.stop();
  await pool.end();
});


it('records a job that finished during an outage once the database is back, and goes on taking jobs', async () => {
  const ns = `outage-${randomBytes(3).toString('hex')}`;
  const lines: Array<{ msg?: string; level?: string; component?: string }> = [];
  let finish: () => void = () => undefined;
  const finishing = new Promise<void>((r) => (finish = r));
  const started: string[] = [];
  const c = await startConsumer({
    databaseUrl: proxy.url(url),
    robotId: `robot-${randomBytes(3).toString('hex')}`,
    namespace: ns,
    pool: 'web',
    pollIntervalMs: 100,
    logger: createLogger({
      name: 'robot',
      level: 'warn',
      destination: new Writable({
        write: (chunk: Buffer, _e, cb) => {
          lines.push(JSON.parse(chunk.toString()) as { msg?: string });
          cb();
        },
      }),
    }),
    handler: async (ctx) => {
      started.push(ctx.runUid);
      if (started.length === 1) await finishing;
      return { status: 'succeeded', outputs: { n: started.length } };
    },
  });
  consumers.push(c);
  let settled = false;
  void c.done.then(
    () => (settled = true),
    () => (settled = true),
  );

  const first = testPayload({ namespace: ns, pool: 'web' });
  await producer.enqueue({ payload: first });
  await waitFor('the first job to start', async () => (started.length === 1 ? true : undefined), { timeoutMs: 30_000 });
  await proxy.down();
  finish(); // the handler returns while the database is away
  await new Promise((r) => setTimeout(r, 3_000));
  expect(lines.some((l) => l.msg === 'database unreachable: retrying until it answers')).toBe(true);
  await proxy.up();

  await waitFor('the first run to be recorded', async () => ((await producer.getRun(first.uid))?.state === 'succeeded' ? true : undefined), { timeoutMs: 30_000 });
  await waitFor('its graphile job to be completed', async () => ((await pool.query('select 1 from graphile_worker._private_jobs where key = $1', [jobKey(first.uid)])).rowCount === 0 ? true : undefined), { timeoutMs: 30_000 });
  // The worker pool is still up: the next job runs on the same robot.
  const second = testPayload({ namespace: ns, pool: 'web' });
  await producer.enqueue({ payload: second });
  await waitFor('the second run to succeed', async () => ((await producer.getRun(second.uid))?.state === 'succeeded' ? true : undefined), { timeoutMs: 30_000 });
  expect(started).toEqual([first.uid, second.uid]);
  expect(settled).toBe(false);
  expect(lines.filter((l) => /shut its worker pool down|Failed to (fail|complete) jobs/.test(l.msg ?? ''))).toEqual([]);
}, 90_000);
