// `node --import tsx bench/queue/profile.ts`: per-job cost of each phase of Aether's queue work on a
// throwaway PostgreSQL (no RESULT line; `npm run bench -- queue` is the bench). Prints wall time per job and
// the PostgreSQL backend's CPU per job for the statements, at the batch sizes the consumer produces.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { testPayload } from '../../api/queue/fixtures.js';
import { createPayloadParser, parsePayload } from '../../api/queue/payload.js';
import { createProducer } from '../../api/queue/producer.js';
import { claimRuns, completeRuns } from '../../api/queue/sql/runs.js';
import { createDatabase, startPostgres } from '../../e2e/harness/postgres.js';
import { migrate } from '../../migrations/index.js';

const N = 20_000;
const perJob = (ms: number, n: number) => ((ms * 1000) / n).toFixed(1);

function backendCpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const pgServer = await startPostgres();
try {
  const url = await createDatabase(pgServer.url, 'prof');
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  const producer = createProducer({ pool });
  const payloads = Array.from({ length: N }, () => testPayload({ namespace: 'p', pool: 'noop' }));

  const stored = payloads.map((p) => JSON.stringify(parsePayload(p)));
  const parse = createPayloadParser();
  for (const [name, fn] of [
    ['parsePayload', parsePayload],
    ['cached parser', parse],
  ] as const) {
    const raws = stored.map((t) => JSON.parse(t) as unknown);
    const t = performance.now();
    for (const r of raws) fn(r);
    process.stdout.write(`${name.padEnd(28)} ${perJob(performance.now() - t, N)} µs/job\n`);
  }

  for (let i = 0; i < N; i += 5000) await producer.enqueueMany(payloads.slice(i, i + 5000).map((payload) => ({ payload })));
  const uids = payloads.map((p) => p.uid!);
  const client = await pool.connect();
  const backend = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  let offset = 0;
  for (const [name, batch, fn] of [
    ['claimRuns (read) batch 16', 16, (u: string[]) => claimRuns(client, { uids: u })],
    ['claimRuns (read) batch 500', 500, (u: string[]) => claimRuns(client, { uids: u })],
    ['completeRuns batch 16', 16, (u: string[]) => completeRuns(client, { results: u.map((uid) => ({ uid, outputs: null })), robot: 'r' })],
    ['completeRuns batch 500', 500, (u: string[]) => completeRuns(client, { results: u.map((uid) => ({ uid, outputs: null })), robot: 'r' })],
  ] as const) {
    const part = uids.slice(offset, offset + 5000);
    offset = (offset + 5000) % N;
    const cpu0 = backendCpuSeconds(backend);
    const t = performance.now();
    for (let i = 0; i < part.length; i += batch) await fn(part.slice(i, i + batch));
    const wall = performance.now() - t;
    const cpu = backendCpuSeconds(backend) - cpu0;
    process.stdout.write(`${name.padEnd(28)} ${perJob(wall, part.length)} µs/job, postgres CPU ${perJob(cpu * 1000, part.length)} µs/job\n`);
  }
  client.release();
  await pool.end();
} finally {
  await pgServer.stop();
}
