// `npm run bench -- queue [jobs]`: no-op jobs through Aether's producer + consumer against raw
// graphile-worker with the same batched settings (localQueue, batched completion), on the same throwaway
// PostgreSQL in the same run; then the depth query with 100,000 jobs queued across 10 pools.
//
// Throughput = jobs / (time from starting the runner to the runner having stopped with every job done).
// Enqueue is timed separately (bulk in both cases). After one unmeasured warm-up round each, the sides
// run ROUNDS times, interleaved; the best round of each counts (the machine is shared and noisy).
//
// Fairness: Aether runs CONCURRENCY handlers at once on a graphile runner of GRAPHILE_CONCURRENCY workers
// (the extra workers hold jobs whose outcome is being written). Raw graphile-worker runs every round once
// with CONCURRENCY and once with GRAPHILE_CONCURRENCY workers, and its best round counts, so Aether gets
// no worker raw graphile-worker does not also get. Same localQueue size and completion batching on both.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import pg from 'pg';
import { makeWorkerUtils, run, runMigrations, type WorkerEvents } from 'graphile-worker';
import { createLogger } from '../../api/log.js';
import { testPayload } from '../../api/queue/fixtures.js';
import { createProducer, type EnqueueRequest } from '../../api/queue/producer.js';
import { queueDepth } from '../../api/queue/sql/depth.js';
import { graphileLogger } from '../../api/queue/graphile-logger.js';
import { createDatabase, startPostgres } from '../../e2e/harness/postgres.js';
import { migrate } from '../../migrations/index.js';
import { startConsumer } from '../../robot-image/src/queue/consumer.js';
import { postgresCpuSeconds, processCpuSeconds } from './cpu.js';

const JOBS = Number(process.argv[2] ?? 50_000);
const WARMUP_JOBS = 5_000;
const ROUNDS = 3;
const CONCURRENCY = 16;
const LOCAL_QUEUE = 500;
/** A whole fetched batch can wait for its outcome write while the next batch runs. */
const GRAPHILE_CONCURRENCY = 2 * LOCAL_QUEUE;
const COMPLETE_BATCH_DELAY_MS = 0;
const ENQUEUE_CHUNK = 5_000;
const DEPTH_POOLS = 10;
const DEPTH_JOBS = 100_000;

const silent = createLogger({ name: 'bench', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

interface Round {
  jobsPerSec: number;
  enqueuePerSec: number;
  /** CPU per job while processing, in µs: this process (runner, handlers) and PostgreSQL. */
  nodeUs: number;
  pgUs: number;
}

/** Lets the backends of a stopped runner exit and be reaped, so their CPU time is counted. */
const settleBackends = () => new Promise((r) => setTimeout(r, 300));

/** The PostgreSQL server's pid, for CPU accounting. */
let pgPid = 0;

function cpuMeter(): () => { nodeUs: (jobs: number) => number; pgUs: (jobs: number) => number } {
  const node0 = processCpuSeconds();
  const pg0 = postgresCpuSeconds(pgPid);
  return () => {
    // (call after the backends of the round have exited: a backend's time moves to the postmaster when reaped)
    const node = processCpuSeconds() - node0;
    const pgs = postgresCpuSeconds(pgPid) - pg0;
    return { nodeUs: (jobs) => (node / jobs) * 1e6, pgUs: (jobs) => (pgs / jobs) * 1e6 };
  };
}

async function rawRound(url: string, round: string, jobs: number, workers: number): Promise<Round> {
  const task = `noop_${round}`;
  const utils = await makeWorkerUtils({ connectionString: url, logger: graphileLogger(undefined) });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < jobs; i += ENQUEUE_CHUNK) {
    const n = Math.min(ENQUEUE_CHUNK, jobs - i);
    await utils.addJobs(Array.from({ length: n }, (_, k) => ({ identifier: task, payload: { i: i + k }, jobKey: `raw-${round}-${i + k}` })));
  }
  const enqueueMs = ms(t0);
  await utils.release();

  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const t1 = process.hrtime.bigint();
  const cpu = cpuMeter();
  const runner = await run({
    connectionString: url,
    concurrency: workers,
    maxPoolSize: workers + 3,
    noHandleSignals: true,
    pollInterval: 1000,
    events: new EventEmitter() as WorkerEvents,
    logger: graphileLogger(undefined),
    taskList: {
      [task]: async () => {
        if (++done === jobs) resolveAll();
      },
    },
    preset: { worker: { localQueue: { size: LOCAL_QUEUE }, completeJobBatchDelay: COMPLETE_BATCH_DELAY_MS } },
  });
  await all;
  await runner.stop();
  const runMs = ms(t1);
  await settleBackends();
  const used = cpu();
  const left = await countRows(url, `select count(*)::int as n from graphile_worker.jobs where task_identifier = '${task}'`);
  if (left !== 0) throw new Error(`raw graphile-worker left ${left} jobs`);
  return { jobsPerSec: (jobs / runMs) * 1000, enqueuePerSec: (jobs / enqueueMs) * 1000, nodeUs: used.nodeUs(jobs), pgUs: used.pgUs(jobs) };
}

async function aetherRound(url: string, round: string, jobs: number): Promise<Round> {
  const namespace = `bench${round}`;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // idle connections are cut when the throwaway server stops
  const producer = createProducer({ pool });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < jobs; i += ENQUEUE_CHUNK) {
    const n = Math.min(ENQUEUE_CHUNK, jobs - i);
    const reqs: EnqueueRequest[] = Array.from({ length: n }, () => ({ payload: testPayload({ namespace, pool: 'noop' }) }));
    await producer.enqueueMany(reqs);
  }
  const enqueueMs = ms(t0);

  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const t1 = process.hrtime.bigint();
  const cpu = cpuMeter();
  const consumer = await startConsumer({
    databaseUrl: url,
    namespace,
    pool: 'noop',
    robotId: `bench-robot-${round}`,
    concurrency: CONCURRENCY,
    graphileConcurrency: GRAPHILE_CONCURRENCY,
    localQueueSize: LOCAL_QUEUE,
    completeJobBatchDelayMs: COMPLETE_BATCH_DELAY_MS,
    logger: silent,
    handler: async () => {
      if (++done === jobs) resolveAll();
      return { status: 'succeeded' };
    },
  });
  await all;
  await consumer.stop();
  const runMs = ms(t1);
  await settleBackends();
  const used = cpu();
  const ok = await countRows(url, `select count(*)::int as n from aether.runs where namespace = '${namespace}' and state = 'succeeded'`);
  const left = await countRows(url, `select count(*)::int as n from graphile_worker.jobs where task_identifier = 'rpa.run.${namespace}.noop'`);
  await pool.end();
  if (ok !== jobs || left !== 0) throw new Error(`aether: ${ok} of ${jobs} runs succeeded, ${left} jobs left`);
  return { jobsPerSec: (jobs / runMs) * 1000, enqueuePerSec: (jobs / enqueueMs) * 1000, nodeUs: used.nodeUs(jobs), pgUs: used.pgUs(jobs) };
}

async function countRows(url: string, sql: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>(sql)).rows[0]!.n;
  } finally {
    await c.end();
  }
}

/** 100,000 runs across 10 pools (a fifth delayed, a tenth running), then the depth query per pool. */
async function depthBench(url: string): Promise<{ medianMs: number; p95Ms: number }> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // idle connections are cut when the throwaway server stops
  const producer = createProducer({ pool });
  const later = new Date(Date.now() + 3600_000);
  const perPool = DEPTH_JOBS / DEPTH_POOLS;
  const t0 = process.hrtime.bigint();
  for (let p = 0; p < DEPTH_POOLS; p++) {
    for (let i = 0; i < perPool; i += ENQUEUE_CHUNK) {
      const reqs: EnqueueRequest[] = Array.from({ length: Math.min(ENQUEUE_CHUNK, perPool - i) }, (_, k) => ({
        payload: testPayload({ namespace: 'depth', pool: `pool-${p}` }),
        runAt: (i + k) % 5 === 0 ? later : undefined,
      }));
      await producer.enqueueMany(reqs);
    }
  }
  process.stdout.write(`depth: enqueued ${DEPTH_JOBS} runs across ${DEPTH_POOLS} pools in ${(ms(t0) / 1000).toFixed(1)} s\n`);
  // A tenth of each pool claimed by a robot.
  await pool.query(`update aether.runs set state = 'running', robot = 'r' where namespace = 'depth' and run_at <= now() and random() < 0.125`);
  const expected = await pool.query<{ pool: string; ready: number; delayed: number; running: number }>(
    `select pool, count(*) filter (where state = 'queued' and run_at <= now())::int as ready,
            count(*) filter (where state = 'queued' and run_at > now())::int as delayed,
            count(*) filter (where state = 'running')::int as running
       from aether.runs where namespace = 'depth' group by pool`,
  );
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const e of expected.rows) {
      const t = process.hrtime.bigint();
      const d = await queueDepth(pool, { namespace: 'depth', pool: e.pool });
      times.push(ms(t));
      if (d.ready !== e.ready || d.delayed !== e.delayed || d.running !== e.running) {
        throw new Error(`depth of ${e.pool} is ${JSON.stringify(d)}, expected ${JSON.stringify(e)}`);
      }
    }
  }
  await pool.end();
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, p95Ms: times[Math.floor(times.length * 0.95)]! };
}

async function main() {
  const pgServer = await startPostgres();
  pgPid = pgServer.pid;
  try {
    const rawUrl = await createDatabase(pgServer.url, 'bench_raw');
    const aetherUrl = await createDatabase(pgServer.url, 'bench_aether');
    await runMigrations({ connectionString: rawUrl, logger: graphileLogger(undefined) });
    await migrate({ databaseUrl: aetherUrl });
    process.stdout.write(
      `queue bench: ${JOBS} no-op jobs, concurrency ${CONCURRENCY} (aether on ${GRAPHILE_CONCURRENCY} graphile workers; raw with ${CONCURRENCY} and ${GRAPHILE_CONCURRENCY}), localQueue ${LOCAL_QUEUE}, completeJobBatchDelay ${COMPLETE_BATCH_DELAY_MS}, warm-up ${WARMUP_JOBS} jobs, ${ROUNDS} rounds each\n`,
    );
    await rawRound(rawUrl, 'warmup', WARMUP_JOBS, CONCURRENCY);
    await aetherRound(aetherUrl, 'warmup', WARMUP_JOBS);

    const raw: number[] = [];
    const aether: number[] = [];
    const fmt = (r: Round) =>
      `${r.jobsPerSec.toFixed(0)} jobs/s, CPU ${r.nodeUs.toFixed(0)} µs node + ${r.pgUs.toFixed(0)} µs postgres per job (bulk enqueue ${r.enqueuePerSec.toFixed(0)} jobs/s)`;
    for (let round = 0; round < ROUNDS; round++) {
      for (const workers of [CONCURRENCY, GRAPHILE_CONCURRENCY]) {
        const r = await rawRound(rawUrl, `${round}_${workers}`, JOBS, workers);
        raw.push(r.jobsPerSec);
        process.stdout.write(`  raw graphile-worker  round ${round}, ${String(workers).padStart(3)} workers: ${fmt(r)}\n`);
      }
      const a = await aetherRound(aetherUrl, String(round), JOBS);
      aether.push(a.jobsPerSec);
      process.stdout.write(`  aether               round ${round}, ${String(CONCURRENCY).padStart(3)} handlers: ${fmt(a)}\n`);
    }
    const rawBest = Math.max(...raw);
    const aetherBest = Math.max(...aether);
    const ratio = aetherBest / rawBest;
    process.stdout.write(`throughput: aether ${aetherBest.toFixed(0)} jobs/s vs raw ${rawBest.toFixed(0)} jobs/s, ratio ${ratio.toFixed(2)} (target >= 0.8)\n`);

    const depthUrl = await createDatabase(pgServer.url, 'bench_depth');
    await migrate({ databaseUrl: depthUrl });
    const depth = await depthBench(depthUrl);
    process.stdout.write(`depth query (${DEPTH_JOBS} jobs, ${DEPTH_POOLS} pools): median ${depth.medianMs.toFixed(2)} ms, p95 ${depth.p95Ms.toFixed(2)} ms (target < 5 ms)\n`);
    process.stdout.write(
      `RESULT queue aether_jobs_s=${aetherBest.toFixed(0)} raw_jobs_s=${rawBest.toFixed(0)} ratio=${ratio.toFixed(2)} depth_ms=${depth.medianMs.toFixed(2)}\n`,
    );
  } finally {
    await pgServer.stop();
  }
}

await main();
