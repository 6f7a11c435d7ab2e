import pg from 'pg';
import { startPostgres, createDatabase } from '../../e2e/harness/postgres.js';
import { migrate } from '../../migrations/index.js';
import { createProducer } from '../../api/queue/producer.js';
import { testPayload } from '../../api/queue/fixtures.js';
import { claimRuns, completeRuns } from '../../api/queue/sql/runs.js';
const s = await startPostgres();
try {
  const url = await createDatabase(s.url, 'p');
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url }); pool.on('error', () => {});
  const prod = createProducer({ pool });
  const uids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const reqs = Array.from({ length: 5000 }, () => ({ payload: testPayload({ namespace: 'b', pool: 'noop' }) }));
    uids.push(...reqs.map((r) => r.payload.uid!));
    await prod.enqueueMany(reqs);
  }
  const B = 128;
  let tc = 0, tk = 0, n = 0;
  for (let i = 0; i + B <= 12800; i += B) {
    const batch = uids.slice(i, i + B);
    let t = performance.now();
    await claimRuns(pool, { uids: batch, robot: 'r' });
    tc += performance.now() - t;
    t = performance.now();
    await completeRuns(pool, { results: batch.map((uid) => ({ uid, outputs: null })) });
    tk += performance.now() - t;
    n += B;
  }
  console.log(`per row: claim ${(tc * 1000 / n).toFixed(1)} us, complete ${(tk * 1000 / n).toFixed(1)} us`);
  // graphile lock+delete equivalent for comparison
  const jobIds = (await pool.query(`select id from graphile_worker._private_jobs order by id limit 6400`)).rows.map((r) => r.id);
  let tl = 0, td = 0;
  for (let i = 0; i < jobIds.length; i += B) {
    const ids = jobIds.slice(i, i + B);
    let t = performance.now();
    await pool.query(`update graphile_worker._private_jobs set attempts = attempts + 1, locked_by = 'x', locked_at = now() where id = any($1::bigint[])`, [ids]);
    tl += performance.now() - t;
    t = performance.now();
    await pool.query(`delete from graphile_worker._private_jobs where id = any($1::bigint[])`, [ids]);
    td += performance.now() - t;
  }
  console.log(`per row: graphile lock ${(tl * 1000 / jobIds.length).toFixed(1)} us, delete ${(td * 1000 / jobIds.length).toFixed(1)} us`);
  await pool.end();
} finally { await s.stop(); }
