import pg from 'pg';
import { testPayload } from '../../../api/queue/fixtures.js';
import { createProducer } from '../../../api/queue/producer.js';
import { completeRuns } from '../../../api/queue/sql/runs.js';
import { createDatabase, startPostgres } from '../../../e2e/harness/postgres.js';
import { migrate } from '../../../migrations/index.js';
import { postgresCpuSeconds } from '../cpu.js';
const N = 50000;
const pgServer = await startPostgres();
const url = await createDatabase(pgServer.url, 'u');
await migrate({ databaseUrl: url });
const pool = new pg.Pool({ connectionString: url, max: 2 }); pool.on('error', () => undefined);
const cl = new pg.Client({ connectionString: url }); await cl.connect(); const bpid = (await cl.query('select pg_backend_pid() as p')).rows[0].p;
import { readFileSync } from 'node:fs';
const bcpu = () => { const f = readFileSync(`/proc/${bpid}/stat`, 'utf8'); const a = f.slice(f.lastIndexOf(')') + 2).split(' '); return (Number(a[11]) + Number(a[12])) / 100; };
const producer = createProducer({ pool });
const variants: Record<string, (uids: string[]) => Promise<unknown>> = {
  current: (uids) => completeRuns(cl, { results: uids.map((uid) => ({ uid, outputs: null })), robot: 'r' }),
  anyjoin: (uids) => cl.query(`update aether.runs r set state = 'succeeded', error = null, finished_at = now(), updated_at = now(),
            robot = $3,
            previous_robot = case when r.state = 'queued' then r.robot else r.previous_robot end,
            attempts = r.attempts + case when r.state = 'queued' then 1 else 0 end,
            started_at = coalesce(r.started_at, now()),
            outputs = f.outputs
       from unnest($1::uuid[], $2::jsonb[]) as f(uid, outputs)
      where r.uid = any($1::uuid[]) and r.uid = f.uid
        and r.state not in ('succeeded', 'failed', 'cancelled')`, [uids, uids.map(() => null), 'r']),
  minimal: (uids) => cl.query(`update aether.runs set state = 'succeeded', finished_at = now(), updated_at = now(), robot = $2 where uid = any($1::uuid[]) and state not in ('succeeded','failed','cancelled')`, [uids, 'r']),
  nothing: (uids) => cl.query(`select count(*) from aether.runs where uid = any($1::uuid[])`, [uids]),
  noindex: (uids) => cl.query(`update aether.runs set state = 'succeeded', finished_at = now(), updated_at = now(), robot = $2 where uid = any($1::uuid[]) and state not in ('succeeded','failed','cancelled')`, [uids, 'r']),
};
for (const [name, fn] of Object.entries(variants)) {
  if (name === 'noindex') await pool.query('drop index aether.runs_live_by_pool; drop index aether.runs_failed_by_pool');
  const payloads = Array.from({ length: N }, () => testPayload({ namespace: 'p', pool: 'noop' }));
  for (let i = 0; i < N; i += 5000) await producer.enqueueMany(payloads.slice(i, i + 5000).map((payload) => ({ payload })));
  const uids = payloads.map((p) => p.uid as string);
  await pool.query('checkpoint');
  if (name === 'current' || name === 'anyjoin') console.log((await cl.query(`explain update aether.runs r set outputs = f.outputs from unnest($1::uuid[], $2::jsonb[]) as f(uid, outputs) where ${name === 'anyjoin' ? 'r.uid = any($1::uuid[]) and' : ''} r.uid = f.uid and r.state not in ('succeeded', 'failed', 'cancelled')`, [uids.slice(0, 500), uids.slice(0, 500).map(() => null)])).rows.map((r) => r['QUERY PLAN']).join('\n'));
  const c0 = bcpu(); const t0 = performance.now();
  for (let i = 0; i < N; i += 500) await fn(uids.slice(i, i + 500));
  const wall = performance.now() - t0; const cpu = bcpu() - c0;
  console.log(name.padEnd(10), 'wall', (wall * 1000 / N).toFixed(1), 'us/row; pg cpu', (cpu * 1e6 / N).toFixed(1), 'us/row');
}
await cl.end(); await pool.end(); await pgServer.stop();
