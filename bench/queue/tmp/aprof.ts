import { Session } from 'node:inspector';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { createProducer } from '../../../api/queue/producer.js';
import { createDatabase, startPostgres } from '../../../e2e/harness/postgres.js';
import { migrate } from '../../../migrations/index.js';
import { startConsumer } from '../../../robot-image/src/queue/consumer.js';
const silent = createLogger({ name: 'bench', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const session = new Session();
const post = (m: string) => new Promise((res, rej) => session.post(m, (e, r) => (e ? rej(e) : res(r))));
const pgServer = await startPostgres();
const url = await createDatabase(pgServer.url, 'ap');
await migrate({ databaseUrl: url });
const pool = new pg.Pool({ connectionString: url, max: 4 }); pool.on('error', () => undefined);
const producer = createProducer({ pool });
for (const [round, jobs] of [['w', 3000], ['m', 20000]] as const) {
  for (let i = 0; i < jobs; i += 5000) await producer.enqueueMany(Array.from({ length: Math.min(5000, jobs - i) }, () => ({ payload: testPayload({ namespace: 'b' + round, pool: 'noop' }) })));
  (globalThis as any).TRACE = [];
  if (round === 'm') { session.connect(); await post('Profiler.enable'); await post('Profiler.start'); }
  let done = 0; let res!: () => void; const all = new Promise<void>((r) => (res = r));
  const t = performance.now();
  const c = await startConsumer({ databaseUrl: url, namespace: 'b' + round, pool: 'noop', robotId: 'r' + round, concurrency: 16, graphileConcurrency: Number(process.env.GC ?? 64), localQueueSize: 500, logger: silent,
    handler: async () => { if (++done === jobs) res(); return { status: 'succeeded' }; } });
  await all; await c.stop();
  if (round === 'm') { const { profile } = await post('Profiler.stop') as any; (await import('node:fs')).writeFileSync('/tmp/qp/proc.cpuprofile', JSON.stringify(profile)); }
  console.log(round, (jobs / (performance.now() - t) * 1000).toFixed(0), 'jobs/s');
}
await pool.end(); await pgServer.stop();
