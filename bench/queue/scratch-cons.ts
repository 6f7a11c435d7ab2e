import { Writable } from 'node:stream';
import pg from 'pg';
import { startPostgres, createDatabase } from '../../e2e/harness/postgres.js';
import { migrate } from '../../migrations/index.js';
import { createProducer, toEnqueueSpec } from '../../api/queue/producer.js';
import { enqueueRuns } from '../../api/queue/sql/runs.js';
import { testPayload } from '../../api/queue/fixtures.js';
import { createLogger } from '../../api/log.js';
import { startConsumer } from '../../robot-image/src/queue/consumer.js';
const silent = createLogger({ name: 'b', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const N = Number(process.argv[2] ?? 10000);
const s = await startPostgres();
try {
  const url = await createDatabase(s.url, 'p');
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url }); pool.on('error', () => {});
  let t = performance.now();
  const reqs = Array.from({ length: N }, () => ({ payload: testPayload({ namespace: 'b', pool: 'noop' }) }));
  const specs = reqs.map(toEnqueueSpec);
  console.log('parse+spec ms', performance.now() - t);
  t = performance.now();
  for (let i = 0; i < N; i += 5000) await enqueueRuns(pool, { specs: specs.slice(i, i + 5000) });
  console.log('enqueue sql ms', performance.now() - t);
  let done = 0;
  let res!: () => void;
  const all = new Promise<void>((r) => (res = r));
  t = performance.now();
  const c = await startConsumer({ databaseUrl: url, namespace: 'b', pool: 'noop', robotId: 'r', concurrency: Number(process.argv[3] ?? 16), localQueueSize: 500, logger: silent,
    handler: async () => { if (++done === N) res(); return { status: 'succeeded' }; } });
  await all;
  await c.stop();
  console.log('consume ms', performance.now() - t, 'jobs/s', N / ((performance.now() - t) / 1000));
  await pool.end();
} finally { await s.stop(); }
