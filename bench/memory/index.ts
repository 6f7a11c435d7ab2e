// `npm run bench -- memory [count]`: the operator's resident memory (its own process, from
// process_resident_memory_bytes on /metrics) with 10,000 RpaJobs in the cluster, every one reconciled to
// Queued (informer caches full, a run row each). The operator runs compiled (node dist/.../main.js), as in
// its image. Baseline in the same run: the same process idle, before the jobs exist.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { NOOP_WORKFLOW } from '../../api/queue/fixtures.js';
import { withKeepAlive } from '../../operator/src/controllers/keep-alive.js';
import { API } from '../../operator/src/controllers/names.js';
import { elapsedMs, inParallel, startBenchCluster } from '../../e2e/operator/bench-env.js';
import { compileOperator, startOperatorProcess, type OperatorProcess } from '../../e2e/operator/operator-process.js';

const COUNT = Number(process.argv[2] ?? 10_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssMb(op: OperatorProcess, samples = 5): Promise<number> {
  let max = 0;
  for (let i = 0; i < samples; i++) {
    max = Math.max(max, (await op.metric('process_resident_memory_bytes')) ?? 0);
    await sleep(1000);
  }
  return max / 2 ** 20;
}

// The compiled operator, as the image runs it (tsx alone would add ~80 MB of transpiled sources).
const compiledRoot = compileOperator();
const cluster = await startBenchCluster();
const { namespace } = cluster;
const kc = withKeepAlive(cluster.kc);
const custom = kc.makeApiClient(CustomObjectsApi);
const db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
const operator = await startOperatorProcess({
  identity: 'bench',
  logDir: mkdtempSync(join(tmpdir(), 'aether-bench-memory-')),
  compiledRoot,
  env: { AETHER_DATABASE_URL: cluster.databaseUrl, KUBECONFIG: cluster.kube.kubeconfigPath, AETHER_WATCH_NAMESPACE: namespace, AETHER_LEADER_ELECTION: 'false', AETHER_LOG_LEVEL: 'warn' },
});
const stopAll = async () => {
  await operator.stop();
  await db.end();
  await cluster.stop();
};
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
process.once('SIGTERM', () => void stopAll().then(() => process.exit(143)));
try {
  while (!(await operator.ready())) {
    if (operator.proc.exitCode !== null) throw new Error(`operator exited; see ${operator.logFile}`);
    await sleep(200);
  }
  await sleep(3000);
  const idle = await rssMb(operator);

  const t0 = process.hrtime.bigint();
  await inParallel(Array.from({ length: COUNT }, (_, i) => i), 32, async (i) => {
    await custom.createNamespacedCustomObject({
      ...API,
      plural: 'rpajobs',
      namespace,
      body: { apiVersion: `${API.group}/${API.version}`, kind: 'RpaJob', metadata: { name: `job-${i}` }, spec: { pool: 'bench', workflow: NOOP_WORKFLOW, params: {} } },
    });
    if ((i + 1) % 2000 === 0) console.error(`${i + 1} RpaJobs created`);
  });
  console.error(`${COUNT} RpaJobs created in ${(elapsedMs(t0) / 1000).toFixed(1)} s; waiting until every one is queued`);
  for (;;) {
    const n = Number((await db.query(`select count(*) from aether.runs`)).rows[0].count);
    if (n >= COUNT && (await operator.metric('aether_workqueue_depth{controller="rpajob"}')) === 0) break;
    await sleep(2000);
  }
  await sleep(5000); // the status writes and their watch events settle
  const loaded = await rssMb(operator, 10);
  console.log(`operator RSS: idle ${idle.toFixed(0)} MB, with ${COUNT} RpaJobs ${loaded.toFixed(0)} MB (${(loaded / idle).toFixed(2)}x idle)`);
  console.log(`RESULT memory rpajobs=${COUNT} rss_mb=${Math.round(loaded)} idle_rss_mb=${Math.round(idle)}`);
} finally {
  await stopAll();
}
