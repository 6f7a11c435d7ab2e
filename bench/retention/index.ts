// `npm run bench -- retention [runs]`: the retention pruner against 100,000 finished runs (default) that
// are past their retention age — each with a screenshot (the run pointing at it), a healing event, an
// audit row and a finished DBOS workflow of two checkpointed steps — next to 10,000 recent ones that must
// stay, on a throwaway PostgreSQL with the real schemas (Aether's migrations; DBOS's own, from a real
// DBOS launch whose real workflow rows are the template of the synthetic ones).
//
// Lock hold time, measured two ways while the pruner runs:
//   - each batch is one autocommit statement: its duration is the longest any of its row locks is held
//     (max_lock_ms);
//   - a probe on another connection keeps taking the oldest old run `for update` (no SKIP LOCKED: it
//     waits for whatever batch holds it, then moves on when that row is gone) and inserting a run row;
//     the longest either took is probe_max_wait_ms.
// It fails (exit 1) when a row past its age is left, a recent row is gone, or a lock was held > 100 ms.
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { createLogger } from '../../api/log.js';
import { createDatabase, startPostgres } from '../../e2e/harness/postgres.js';
import { migrate } from '../../migrations/index.js';
import { countHistory, seedHistory } from '../../operator/src/retention/history.test-util.js';
import { loadConfig } from '../../operator/src/config.js';
import { createPruner } from '../../operator/src/retention/pruner.js';
import { workflowIdFor } from '../../robot-image/src/durable/ids.js';
import { configureDurable } from '../../robot-image/src/durable/runtime.js';

const RUNS = Number(process.argv[2] ?? 100_000);
const RECENT = Math.max(1, Math.round(RUNS / 10));
const CHUNK = 10_000;
const DAY = 86_400_000;
const LOCK_LIMIT_MS = 100;
const silent = createLogger({ name: 'bench', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

const twoSteps = DBOS.registerWorkflow(
  async (input: string) => {
    const a = await DBOS.runStep(async () => `${input}-1`, { name: 'first' });
    return DBOS.runStep(async () => `${a}-2`, { name: 'second' });
  },
  { name: 'retentionBenchTwoSteps' },
);

/** DBOS's schema and one real finished workflow (the template), from a real launch. */
async function dbosTemplate(url: string): Promise<string> {
  const durable = configureDurable({ appName: 'aether-robot', systemDatabaseUrl: url, executorId: 'bench-' + randomBytes(3).toString('hex'), applicationVersion: 'bench', logger: silent });
  await durable.launch();
  try {
    const id = workflowIdFor(randomUUID(), 1);
    await (await DBOS.startWorkflow(twoSteps, { workflowID: id })('x')).getResult();
    return id;
  } finally {
    await durable.shutdown();
  }
}

/** Copies of the template workflow's rows (status, inputs, outputs, steps), one per run UID, created at `createdAt`. */
async function cloneWorkflows(db: pg.Pool, template: string, uids: string[], createdAt: number): Promise<void> {
  for (const table of ['workflow_status', 'workflow_input', 'workflow_output', 'operation_outputs']) {
    const extra = table === 'workflow_status' ? `, 'created_at', $3::bigint, 'updated_at', $3::bigint` : '';
    await db.query(
      `insert into dbos.${table}
       select (jsonb_populate_record(null::dbos.${table}, to_jsonb(t) || jsonb_build_object('workflow_uuid', 'rpa-' || u || '-a1'${extra}))).*
         from dbos.${table} t, unnest($2::text[]) u where t.workflow_uuid = $1`,
      table === 'workflow_status' ? [template, uids, createdAt] : [template, uids],
    );
  }
}

async function dbosCount(db: pg.Pool, uids: string[]): Promise<{ workflows: number; steps: number }> {
  const ids = uids.map((u) => workflowIdFor(u, 1));
  const r = await db.query<{ workflows: number; steps: number }>(
    `select (select count(*) from dbos.workflow_status where workflow_uuid = any($1))::int as workflows,
            (select count(*) from dbos.operation_outputs where workflow_uuid = any($1))::int as steps`,
    [ids],
  );
  return r.rows[0]!;
}

/** Until stopped: lock the oldest old run (waiting for any batch that holds it) and insert a run; the longest wait. */
function startProbe(url: string, cutoff: Date): { stop: () => Promise<{ maxWaitMs: number; probes: number }> } {
  let stopped = false;
  let maxWaitMs = 0;
  let probes = 0;
  const done = (async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`set lock_timeout = '5s'`);
      while (!stopped) {
        let t0 = performance.now();
        await c.query('begin');
        await c.query(
          `select uid from aether.runs where state in ('succeeded', 'failed', 'cancelled') and finished_at < $1 order by finished_at limit 1 for update`,
          [cutoff],
        );
        await c.query('commit');
        maxWaitMs = Math.max(maxWaitMs, performance.now() - t0);
        t0 = performance.now();
        await c.query(
          `insert into aether.runs (uid, namespace, name, pool, task_identifier, workflow_digest, max_attempts) values (gen_random_uuid(), 'probe', 'p', 'p', 'rpa.run.probe.p', 'd', 1)`,
        );
        maxWaitMs = Math.max(maxWaitMs, performance.now() - t0);
        probes++;
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await c.end();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return { maxWaitMs, probes };
    },
  };
}

/** DBOS 5.3 leaves an idle pool behind after shutdown; the server's stop ends its connections: that is no failure. */
let serverStopping = false;
process.on('uncaughtException', (err) => {
  if (serverStopping && (err as { code?: string }).code === '57P01') return;
  console.error(err);
  process.exit(1);
});

async function main(): Promise<void> {
  const server = await startPostgres();
  const problems: string[] = [];
  try {
    const url = await createDatabase(server.url, 'bench_retention');
    await migrate({ databaseUrl: url });
    const template = await dbosTemplate(url);
    const db = new pg.Pool({ connectionString: url, max: 4 });
    try {
      const now = Date.now();
      const seedStarted = performance.now();
      const old: string[] = [];
      // Finished 31 to 60 days ago, in chunks: the batches see a spread of ages, as in a real table.
      for (let i = 0; i < RUNS; i += CHUNK) {
        const at = now - (31 + Math.floor((29 * i) / RUNS)) * DAY;
        const uids = await seedHistory(db, { runs: Math.min(CHUNK, RUNS - i), at: new Date(at), prefix: `old${i}`, state: i % 3 === 0 ? 'failed' : 'succeeded' });
        await cloneWorkflows(db, template, uids, at);
        old.push(...uids);
      }
      const recent = await seedHistory(db, { runs: RECENT, at: new Date(now - DAY), prefix: 'recent' });
      await cloneWorkflows(db, template, recent, now - DAY);
      await db.query('analyze');
      console.log(`seeded ${RUNS} old and ${RECENT} recent finished runs with screenshots, healing, audit and DBOS rows in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

      // The shipped defaults (batch size, pause, target batch time), with a 30-day age for every kind.
      const days = Object.fromEntries(['RUNS', 'SCREENSHOTS', 'HEALING', 'AUDIT', 'WORKFLOWS'].map((k) => [`AETHER_RETENTION_${k}_DAYS`, '30']));
      const policy = loadConfig({ AETHER_DATABASE_URL: url, AETHER_RETENTION_ENABLED: 'true', ...days }).retention!;
      const probe = startProbe(url, new Date(now - 30 * DAY));
      const t0 = performance.now();
      const batchMs: number[] = [];
      const loadBefore = loadavg()[0]!;
      const result = await createPruner({ pool: db, logger: silent, policy, now: () => now, onBatch: (_k, _n, ms) => batchMs.push(ms) }).pruneOnce();
      const wallS = (performance.now() - t0) / 1000;
      const { maxWaitMs, probes } = await probe.stop();

      const oldLeft = await countHistory(db, old);
      const recentLeft = await countHistory(db, recent);
      const oldDbos = await dbosCount(db, old);
      const recentDbos = await dbosCount(db, recent);
      console.log(`deleted per kind: ${JSON.stringify(result.deleted)} in ${result.batches} batches of at most ${policy.batchSize}`);
      console.log(`longest batch per kind (ms): ${JSON.stringify(Object.fromEntries(Object.entries(result.maxBatchMsByKind).map(([k, v]) => [k, Math.round(v)])))}`);
      console.log(`old rows left: ${JSON.stringify({ ...oldLeft, ...oldDbos })}; recent rows: ${JSON.stringify({ ...recentLeft, ...recentDbos })}`);
      console.log(`probe: ${probes} lock-and-insert rounds, longest wait ${maxWaitMs.toFixed(1)} ms`);
      const sorted = [...batchMs].sort((x, y) => x - y);
      const pct = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(1);
      const over = sorted.filter((ms) => ms > LOCK_LIMIT_MS).length;
      console.log(`batch ms: p50 ${pct(50)} p90 ${pct(90)} p99 ${pct(99)} max ${pct(100)}; ${over} of ${sorted.length} over ${LOCK_LIMIT_MS} ms`);
      console.log(`load average (1 min) ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on ${cpus().length} cores`);

      if (Object.values({ ...oldLeft, ...oldDbos }).some((n) => n !== 0)) problems.push('rows past their age are left');
      const want = { runs: RECENT, screenshots: RECENT, healing: RECENT, audit: RECENT, workflows: RECENT, steps: 2 * RECENT };
      if (JSON.stringify({ ...recentLeft, ...recentDbos }) !== JSON.stringify(want)) problems.push(`recent rows are not all there (want ${JSON.stringify(want)})`);
      if (result.deleted.runs !== RUNS) problems.push(`deleted ${result.deleted.runs} runs, not ${RUNS}`);
      if (result.maxBatchMs > LOCK_LIMIT_MS) problems.push(`a batch held its locks ${result.maxBatchMs.toFixed(1)} ms`);
      if (maxWaitMs > LOCK_LIMIT_MS) problems.push(`the probe waited ${maxWaitMs.toFixed(1)} ms`);
      const total = Object.values(result.deleted).reduce((a, b) => a + b, 0);
      console.log(
        `RESULT retention runs=${RUNS} deleted=${result.deleted.runs} rows_deleted=${total} batches=${result.batches} max_lock_ms=${result.maxBatchMs.toFixed(1)} probe_max_wait_ms=${maxWaitMs.toFixed(1)} wall_s=${wallS.toFixed(2)}`,
      );
    } finally {
      await db.end();
    }
  } finally {
    serverStopping = true;
    await server.stop();
  }
  if (problems.length > 0) {
    console.error(`FAILED: ${problems.join('; ')}`);
    process.exitCode = 1;
  }
}

await main();
