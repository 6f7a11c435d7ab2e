import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { createProducer } from '../../../api/queue/producer.js';
import { createDatabase, startPostgres } from '../../../e2e/harness/postgres.js';
import { migrate } from '../../../migrations/index.js';
import { startConsumer } from '../../../robot-image/src/queue/consumer.js';
const session = new Session(); session.connect();
const post = (m: string) => new Promise((res, rej) => session.post(m, (e, r) => (e ? rej(e) : res(r))));
const silent = createLogger({ name: 'bench', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const pgServer = await startPostgres();
const url = await createDatabase(pgServer.url, 'ap');
await migrate({ databaseUrl: url });
const pool = new pg.Pool({ connectionString: url, max: 4 }); pool.on('error', () => undefined);
const producer = createProducer({ pool });
for (const [round, jobs] of [['w', 5000], ['m', 30000]] as const) {
  for (let i = 0; i < jobs; i += 5000) await producer.enqueueMany(Array.from({ length: Math.min(5000, jobs - i) }, () => ({ payload: testPayload({ namespace: 'b' + round, pool: 'noop' }) })));
  let done = 0; let res!: () => void; const all = new Promise<void>((r) => (res = r));
  if (round === 'm') { await post('Profiler.enable'); await post('Profiler.start'); }
  const t = performance.now();
  const c = await startConsumer({ databaseUrl: url, namespace: 'b' + round, pool: 'noop', robotId: 'r' + round, concurrency: 16, graphileConcurrency: 1000, localQueueSize: 500, logger: silent,
    handler: async () => { if (++done === jobs) res(); return { status: 'succeeded' }; } });
  await all; await c.stop();
  console.log(round, (jobs / (performance.now() - t) * 1000).toFixed(0), 'jobs/s');
  if (round === 'm') { const { profile } = await post('Profiler.stop') as any; writeFileSync('/tmp/qp/proc.cpuprofile', JSON.stringify(profile)); }
}
await pool.end(); await pgServer.stop();
