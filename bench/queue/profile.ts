// Phase timings of Aether's per-job queue work (not a bench with a RESULT line): payload parse, claim read,
// finish write, at several batch sizes, on a throwaway PostgreSQL.
import pg from 'pg';
import { testPayload } from '../../api/queue/fixtures.js';
import { createProducer } from '../../api/queue/producer.js';
import { parsePayload } from '../../api/queue/payload.js';
import { claimRuns, completeRuns } from '../../api/queue/sql/runs.js';
import { createDatabase, startPostgres } from '../../e2e/harness/postgres.js';
import { migrate } from '../../migrations/index.js';

const N = 20_000;
const us = (t0: bigint, n: number) => (Number(process.hrtime.bigint() - t0) / 1e3 / n).toFixed(1);

const pgServer = await startPostgres();
try {
  const url = await createDatabase(pgServer.url, 'prof');
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const producer = createProducer({ pool });
  const payloads = Array.from({ length: N }, () => testPayload({ namespace: 'p', pool: 'noop' }));
  const raw = payloads.map((p) => JSON.parse(JSON.stringify(parsePayload(p))));
  let t = process.hrtime.bigint();
  for (const r of raw) parsePayload(r);
  console.log(`parsePayload: ${us(t, N)} us/job`);
  for (let i = 0; i < N; i += 5000) await producer.enqueueMany(payloads.slice(i, i + 5000).map((payload) => ({ payload })));
  const uids = payloads.map((p) => p.uid as string);
  for (const batch of [16, 100, 500]) {
    const part = uids.slice(0, 5000);
    t = process.hrtime.bigint();
    for (let i = 0; i < part.length; i += batch) await claimRuns(pool, { uids: part.slice(i, i + batch) });
    console.log(`claimRuns batch ${batch}: ${us(t, part.length)} us/job`);
  }
  let off = 0;
  for (const batch of [16, 100, 500]) {
    const part = uids.slice(off, off + 5000);
    off += 5000;
    t = process.hrtime.bigint();
    for (let i = 0; i < part.length; i += batch) {
      await completeRuns(pool, { results: part.slice(i, i + batch).map((uid) => ({ uid, outputs: null })), robot: 'r' });
    }
    console.log(`completeRuns batch ${batch}: ${us(t, part.length)} us/job`);
  }
  await pool.end();
} finally {
  await pgServer.stop();
}
