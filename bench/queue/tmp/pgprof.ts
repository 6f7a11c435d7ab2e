import { graphileLogger } from '../../../api/queue/graphile-logger.js';
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { createProducer } from '../../../api/queue/producer.js';
import { createDatabase, startPostgres, postgresBinDir } from '../../../e2e/harness/postgres.js';
import { migrate } from '../../../migrations/index.js';
import { startConsumer } from '../../../robot-image/src/queue/consumer.js';
import { makeWorkerUtils, run } from 'graphile-worker';
const silent = createLogger({ name: 'bench', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const pgServer = await startPostgres();
const a = new pg.Client({ connectionString: pgServer.url }); await a.connect();
await a.query(`alter system set shared_preload_libraries = 'pg_stat_statements'`); await a.end();
const uid = Number(execFileSync('id', ['-u', 'postgres']).toString()); const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
execFileSync(postgresBinDir() + '/pg_ctl', ['-D', pgServer.dataDir, '-w', 'restart', '-m', 'fast', '-l', pgServer.dataDir + '/log'], { uid, gid, stdio: 'ignore' });
const url = await createDatabase(pgServer.url, 'ap');
await migrate({ databaseUrl: url });
const pool = new pg.Pool({ connectionString: url, max: 4 }); pool.on('error', () => undefined);
await pool.query('create extension pg_stat_statements');
const producer = createProducer({ pool });
const mode = process.env.MODE ?? 'aether';
const jobs = 20000;
if (mode === 'aether') {
  for (let i = 0; i < jobs; i += 5000) await producer.enqueueMany(Array.from({ length: Math.min(5000, jobs - i) }, () => ({ payload: testPayload({ namespace: 'b', pool: 'noop' }) })));
} else {
  const u = await makeWorkerUtils({ connectionString: url });
  const big = process.env.BIG === '1';
  const { parsePayload } = await import('../../../api/queue/payload.js');
  for (let i = 0; i < jobs; i += 5000) await u.addJobs(Array.from({ length: 5000 }, (_, k) => ({ identifier: 'noop', jobKey: 'k' + (i + k), payload: big ? parsePayload(testPayload()) : { i: i + k }, ...(big ? { flags: ['aether:pristine'] } : {}) })));
  await u.release();
}
await pool.query('select pg_stat_statements_reset()');
let done = 0; let res!: () => void; const all = new Promise<void>((r) => (res = r));
const t = performance.now();
if (mode === 'aether') {
  const c = await startConsumer({ databaseUrl: url, namespace: 'b', pool: 'noop', robotId: 'r', concurrency: 16, graphileConcurrency: Number(process.env.GC ?? 64), localQueueSize: 500, logger: silent,
    handler: async () => { if (++done === jobs) res(); return { status: 'succeeded' }; } });
  await all; await c.stop();
} else {
  const r = await run({ connectionString: url, concurrency: 16, noHandleSignals: true, logger: graphileLogger(undefined), taskList: { noop: async () => { if (++done === jobs) res(); } }, preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0 } } });
  await all; await r.stop();
}
console.log(mode, (jobs / (performance.now() - t) * 1000).toFixed(0), 'jobs/s');
const st = await pool.query(`select calls, round(total_exec_time::numeric,1) as ms, round((total_exec_time*1000/${jobs})::numeric,1) as us_per_job, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as q from pg_stat_statements order by total_exec_time desc limit 12`);
console.table(st.rows);
await pool.end(); await pgServer.stop();
