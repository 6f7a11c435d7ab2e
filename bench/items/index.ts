// `npm run bench -- items [n]`: submitting n work items to an RpaQueue (api/queue/items/store.ts addItems,
// one statement) against raw graphile-worker add_jobs of n jobs with job keys, on the same throwaway
// PostgreSQL in the same run; then n items processed by robots' claim + complete (no-op work) with
// CONCURRENCY claimers.
//
// After one unmeasured warm-up each, the two sides are timed ROUNDS times, interleaved, into fresh queues /
// task identifiers; the best round of each counts (the machine is shared and noisy).
//   submit_ms      best time to add n items (parse included: what the API server does per request)
//   add_jobs_ratio items/s over raw graphile-worker add_jobs jobs/s (target >= 0.5)
//   processed_jobs_s  items taken and completed per second (claim_queue_item + complete_queue_item)
//   http_submit_ms best time for n items accepted through the Aether API server (POST .../queues/{q}/items on
//                  loopback, JSON both ways; the caller's TokenReview/SubjectAccessReview answers cached as
//                  between a dispatcher's requests) — the seed's target is < 1000 ms for 1,000
//   http_add_jobs_ratio  the same throughput ratio for the HTTP path
import pg from 'pg';
import { makeWorkerUtils } from 'graphile-worker';
import { graphileLogger } from '../../api/queue/graphile-logger.js';
import { upsertQueue } from '../../api/queue/items/queues.js';
import { addItems, claimItem, completeItem, queueCounts } from '../../api/queue/items/store.js';
import { parseItems } from '../../api/queue/items/validate.js';
import { testQueueRow } from '../../api/queue/testing/queues.js';
import { createDatabase, startPostgres } from '../../e2e/harness/postgres.js';
import { startKube, type RunningKube } from '../../e2e/harness/kube.js';
import { serviceAccountToken } from '../../e2e/harness/kubeclient.js';
import { createLogger } from '../../api/log.js';
import { startApiServer, type RunningApiServer } from '../../api-server/src/server.js';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { migrate } from '../../migrations/index.js';

const N = Number(process.argv[2] ?? 1000);
const ROUNDS = 11;
const CONCURRENCY = 16;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function itemsInput(round: string): unknown[] {
  return Array.from({ length: N }, (_, i) => ({ reference: `inv-${round}-${i}`, data: { invoice: `INV-${i}`, amount: i * 1.5, customer: `c${i % 97}` } }));
}

/** The workflow snapshot the operator would have mirrored: the API server checks each item's data against its params. */
const BENCH_WORKFLOW = {
  params: [
    { name: 'invoice', type: 'string', required: true },
    { name: 'amount', type: 'number', required: true },
    { name: 'customer', type: 'string' },
  ],
  steps: [{ id: 'noop', action: 'setVariable', name: 'done', value: 'yes' }],
};

async function queueOf(pool: pg.Pool, name: string): Promise<{ namespace: string; name: string }> {
  const q = { namespace: 'bench', name };
  await upsertQueue(pool, testQueueRow(q.namespace, q.name, { workflow: BENCH_WORKFLOW, workflowDigest: 'sha256:bench' }));
  return q;
}

async function submitRound(pool: pg.Pool, round: string): Promise<number> {
  const q = await queueOf(pool, `q-${round}`);
  const input = itemsInput(round);
  const t0 = process.hrtime.bigint();
  const added = await addItems(pool, q, parseItems(input));
  const took = ms(t0);
  if (added.filter((a) => a.result === 'added').length !== N) throw new Error(`round ${round}: not every item was added`);
  return took;
}

async function rawRound(utils: Awaited<ReturnType<typeof makeWorkerUtils>>, round: string): Promise<number> {
  const input = itemsInput(round) as Array<{ reference: string; data: unknown }>;
  const t0 = process.hrtime.bigint();
  await utils.addJobs(input.map((x) => ({ identifier: `raw_${round}`, payload: x.data, jobKey: x.reference })));
  return ms(t0);
}

interface HttpSide {
  kube: RunningKube;
  server: RunningApiServer;
  token: string;
}

/** A control plane for the callers' tokens and the API server on the bench's database. */
async function startHttpSide(databaseUrl: string): Promise<HttpSide> {
  const silent = createLogger({ name: 'bench', level: 'silent' });
  const kube = await startKube({ binDir: process.env.AETHER_KUBE_BIN_DIR || undefined, controllerManager: false, log: silent });
  const kc = kube.kubeConfig();
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'bench' } } });
  await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace: 'bench', body: { metadata: { name: 'dispatcher' } } });
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: 'bench',
    body: { metadata: { name: 'dispatcher' }, rules: [{ apiGroups: ['rpa.aether.dev'], resources: ['rpaqueues/items'], verbs: ['create'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: 'bench',
    body: {
      metadata: { name: 'dispatcher' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'dispatcher' },
      subjects: [{ kind: 'ServiceAccount', name: 'dispatcher', namespace: 'bench' }],
    },
  });
  const token = await serviceAccountToken(kc, 'bench', 'dispatcher');
  const server = await startApiServer({
    config: { databaseUrl, host: '127.0.0.1', port: 0, authCacheMs: 600_000, dbosSchema: 'dbos' },
    kc,
    logger: silent,
  });
  return { kube, server, token };
}

async function httpRound(side: HttpSide, pool: pg.Pool, round: string): Promise<number> {
  const q = await queueOf(pool, `h-${round}`);
  const input = itemsInput(round);
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${side.server.url}/api/v1/namespaces/${q.namespace}/queues/${q.name}/items`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${side.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ items: input }),
  });
  const body = (await res.json()) as { added?: number; message?: string };
  const took = ms(t0);
  if (res.status !== 200 || body.added !== N) throw new Error(`round ${round}: HTTP ${res.status}: ${body.message ?? `${body.added} added`}`);
  return took;
}

async function processRound(pool: pg.Pool, round: string): Promise<number> {
  const q = await queueOf(pool, `p-${round}`);
  await addItems(pool, q, parseItems(itemsInput(round)));
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (;;) {
        const item = await claimItem(pool, { namespace: q.namespace, queue: q.name, robot: `robot-${w}` });
        if (!item) return;
        if (!(await completeItem(pool, { id: item.id, epoch: item.claimEpoch, outputs: { ok: true } }))) throw new Error('lost an item');
      }
    }),
  );
  const took = ms(t0);
  const counts = await queueCounts(pool, { namespace: q.namespace, queue: q.name });
  if (counts.successful !== N) throw new Error(`processed ${counts.successful} of ${N}`);
  return (N / took) * 1000;
}

async function main() {
  const server = await startPostgres();
  try {
    const url = await createDatabase(server.url, 'bench_items');
    await migrate({ databaseUrl: url });
    const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY + 2 });
    // idle connections are cut when the throwaway server stops
    pool.on('error', () => undefined);
    pool.on('connect', (c) => c.on('error', () => undefined));
    const utils = await makeWorkerUtils({ pgPool: pool, logger: graphileLogger(undefined) });
    const http = await startHttpSide(url);
    process.stdout.write(`items bench: ${N} items per submit (one addItems call) vs graphile-worker addJobs of ${N} keyed jobs, ${ROUNDS} rounds each after a warm-up\n`);
    await submitRound(pool, 'warmup');
    await rawRound(utils, 'warmup');
    const ours: number[] = [];
    const raw: number[] = [];
    const overHttp: number[] = [];
    try {
      await httpRound(http, pool, 'warmup');
      for (let r = 0; r < ROUNDS; r++) {
        ours.push(await submitRound(pool, String(r)));
        raw.push(await rawRound(utils, String(r)));
        overHttp.push(await httpRound(http, pool, String(r)));
        process.stdout.write(`  round ${r}: items ${ours.at(-1)!.toFixed(1)} ms, add_jobs ${raw.at(-1)!.toFixed(1)} ms, HTTP API ${overHttp.at(-1)!.toFixed(1)} ms\n`);
      }
    } finally {
      await http.server.close();
      await http.kube.stop();
    }
    const submitMs = Math.min(...ours);
    const rawMs = Math.min(...raw);
    const httpMs = Math.min(...overHttp);
    const ratio = rawMs / submitMs;
    await processRound(pool, 'warmup');
    const processed = Math.max(await processRound(pool, '0'), await processRound(pool, '1'));
    await utils.release();
    await pool.end();
    process.stdout.write(`submit: best ${submitMs.toFixed(1)} ms for ${N} items vs add_jobs ${rawMs.toFixed(1)} ms (throughput ratio ${ratio.toFixed(2)}, target >= 0.5)\n`);
    process.stdout.write(
      `RESULT items n=${N} submit_ms=${submitMs.toFixed(1)} per_item_us=${((submitMs * 1000) / N).toFixed(1)} add_jobs_ratio=${ratio.toFixed(2)} processed_jobs_s=${processed.toFixed(0)} http_submit_ms=${httpMs.toFixed(1)} http_add_jobs_ratio=${(rawMs / httpMs).toFixed(2)}\n`,
    );
  } finally {
    await server.stop();
  }
}

await main();
