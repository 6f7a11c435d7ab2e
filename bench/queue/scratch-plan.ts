import pg from 'pg';
import { startPostgres, createDatabase } from '../../e2e/harness/postgres.js';
import { migrate } from '../../migrations/index.js';
import { createProducer } from '../../api/queue/producer.js';
import { testPayload } from '../../api/queue/fixtures.js';
const s = await startPostgres();
try {
  const url = await createDatabase(s.url, 'p');
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url });
  const prod = createProducer({ pool });
  let t = performance.now();
  const uids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const reqs = Array.from({ length: 5000 }, () => ({ payload: testPayload({ namespace: 'b', pool: 'noop' }) }));
    uids.push(...reqs.map((r) => r.payload.uid!));
    await prod.enqueueMany(reqs);
  }
  console.log('enqueue 30k ms', performance.now() - t);
  const some = uids.slice(0, 16);
  const e1 = await pool.query(`explain analyze update aether.runs r set state = 'running', attempts = r.attempts + 1 from aether.runs prior where prior.uid = r.uid and r.uid = any($1::uuid[]) and r.state in ('queued','running') returning r.uid, prior.robot`, [some]);
  console.log(e1.rows.map((r) => r['QUERY PLAN']).join('\n'));
  const e2 = await pool.query(`explain analyze update aether.runs r set state = 'succeeded', outputs = f.outputs from jsonb_to_recordset($1::jsonb) as f(uid uuid, outputs jsonb) where r.uid = f.uid and r.state = 'running'`, [JSON.stringify(some.map((uid) => ({ uid, outputs: null })))]);
  console.log(e2.rows.map((r) => r['QUERY PLAN']).join('\n'));
  await pool.end();
} finally { await s.stop(); }
