// `npm run bench -- console [n]`: the web console's two heaviest reads with n job runs (default 10,000) in
// one namespace of a throwaway PostgreSQL, through the real API server (TokenReview and
// SubjectAccessReview against a real kube-apiserver, answers cached as between a user's clicks):
//   list_p95_ms      GET .../runs: one page of 50, newest first, with the filters the Jobs page offers
//                    (none, a state, a workflow, a pool, a time window, combinations) and pages deep into
//                    the list by cursor
//   job_page_p95_ms  a job's page: GET .../jobs/{name}/detail, /outputs and /artifacts in parallel, as the
//                    page asks them (run, 8 recorded steps, take-overs, healing events)
// SAMPLES requests of each after a warm-up; the target is < 500 ms p95 each.
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createLogger } from '../../api/log.js';
import { enqueueRuns, type EnqueueSpec } from '../../api/queue/sql/runs.js';
import { applyCrds } from '../../e2e/api/crds.js';
import { startKube } from '../../e2e/harness/kube.js';
import { serviceAccountToken } from '../../e2e/harness/kubeclient.js';
import { createDatabase, startPostgres } from '../../e2e/harness/postgres.js';
import { migrateDbosSchema } from '../../migrations/dbos.js';
import { migrate } from '../../migrations/index.js';
import { startApiServer } from '../../api-server/src/server.js';

const N = Number(process.argv[2] ?? 10_000);
const SAMPLES = 300;
const NS = 'bench';
const STATES = ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'running', 'queued'];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!;

async function seed(pool: pg.Pool): Promise<string[]> {
  const names: string[] = [];
  for (let start = 0; start < N; start += 1000) {
    const specs: EnqueueSpec[] = [];
    for (let i = start; i < Math.min(N, start + 1000); i++) {
      const uid = randomUUID();
      names.push(`job-${i}`);
      specs.push({
        uid, namespace: NS, name: `job-${i}`, pool: `pool-${i % 4}`, task_identifier: `rpa.run.${NS}.pool-${i % 4}`, workflow_digest: 'd',
        priority: 0, max_attempts: 3, max_crashes: 3, run_at: null, deadline: null, payload: { uid, workflowRef: { name: `wf-${i % 10}` } },
      });
    }
    await enqueueRuns(pool, { specs });
  }
  // A week of history: states, times, outputs, errors, take-overs on every 20th run.
  await pool.query(
    `with n as (select uid, row_number() over (order by name) as i from aether.runs where namespace = $1)
     update aether.runs r set
       state = ($2::text[])[1 + n.i % array_length($2::text[], 1)],
       created_at = now() - make_interval(secs => (n.i * 60)::float8 * 7 * 24 * 60 / $3),
       started_at = now() - make_interval(secs => (n.i * 60)::float8 * 7 * 24 * 60 / $3 - 5),
       finished_at = case when ($2::text[])[1 + n.i % array_length($2::text[], 1)] in ('succeeded', 'failed', 'cancelled')
                          then now() - make_interval(secs => (n.i * 60)::float8 * 7 * 24 * 60 / $3 - 65) end,
       attempts = 1 + (n.i % 3)::int, robot = 'robot-' || (n.i % 16),
       outputs = jsonb_build_object('total', n.i, 'rows', jsonb_build_array(1, 2, 3)),
       error = case when ($2::text[])[1 + n.i % array_length($2::text[], 1)] = 'failed' then '{"message":"no #pay button","stepId":"pay"}'::jsonb end,
       crash_count = case when n.i % 20 = 0 then 1 else 0 end,
       crashes = case when n.i % 20 = 0 then jsonb_build_array(jsonb_build_object('robot', 'robot-x', 'pod', null, 'reason', 'lease expired', 'at', now())) else '[]'::jsonb end
      from n where r.uid = n.uid`,
    [NS, STATES, N],
  );
  await pool.query(
    `insert into dbos.operation_outputs (workflow_uuid, function_id, function_name, output, started_at_epoch_ms, completed_at_epoch_ms)
     select 'rpa-' || r.uid || '-a1', s, 'step-' || s, '"ok"', extract(epoch from r.started_at)::bigint * 1000 + s * 700,
            extract(epoch from r.started_at)::bigint * 1000 + s * 700 + 650
       from aether.runs r cross join generate_series(0, 7) s where r.namespace = $1`,
    [NS],
  );
  await pool.query(
    `insert into aether.healing_events (workflow_namespace, workflow_name, step_id, run_uid, tier, outcome, chosen_selector, score)
     select $1, 'wf-' || (row_number() over () % 10), 'pay', uid, '1', 'healed', '#pay-button', 0.9
       from aether.runs where namespace = $1 and crash_count > 0`,
    [NS],
  );
  await pool.query('analyze aether.runs');
  return names;
}

const FILTERS = [
  '',
  'state=failed',
  'state=running,queued',
  'workflow=wf-3',
  'pool=pool-2',
  'workflow=wf-7&state=succeeded',
  `since=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`,
  'pool=pool-1&state=cancelled',
];

async function main() {
  const silent = createLogger({ name: 'bench', level: 'silent' });
  const postgres = await startPostgres();
  const kube = await startKube({ binDir: process.env.AETHER_KUBE_BIN_DIR || undefined, controllerManager: false, log: silent });
  try {
    const url = await createDatabase(postgres.url, 'bench_console');
    await migrate({ databaseUrl: url });
    await migrateDbosSchema({ databaseUrl: url, schema: 'dbos' });
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined);
    const kc = kube.kubeConfig();
    await applyCrds(kc);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'operator' } } });
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name: 'viewer' }, rules: [{ apiGroups: ['rpa.aether.dev'], resources: ['rpajobs'], verbs: ['get', 'list'] }] } });
    await rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: { metadata: { name: 'viewer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'viewer' }, subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: NS }] },
    });
    const token = await serviceAccountToken(kc, NS, 'operator');
    const t0 = process.hrtime.bigint();
    const names = await seed(pool);
    process.stdout.write(`console bench: ${N} runs seeded in ${(ms(t0) / 1000).toFixed(1)} s; ${SAMPLES} requests of each kind\n`);
    const server = await startApiServer({ config: { databaseUrl: url, host: '127.0.0.1', port: 0, authCacheMs: 600_000, dbosSchema: 'dbos' }, kc, logger: silent });
    const get = async (path: string) => {
      const res = await fetch(`${server.url}/api/v1/namespaces/${NS}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { next?: string; items?: unknown[] };
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    };
    try {
      const list: number[] = [];
      const job: number[] = [];
      const listOnce = async (i: number) => {
        // Every 4th sample pages 5 pages deep first (untimed) and times the 6th page.
        let query = FILTERS[i % FILTERS.length]!;
        if (i % 4 === 3) {
          let before: string | undefined;
          for (let p = 0; p < 5; p++) before = (await get(`/runs?limit=50${query ? `&${query}` : ''}${before ? `&before=${encodeURIComponent(before)}` : ''}`)).next;
          if (before) query += `${query ? '&' : ''}before=${encodeURIComponent(before)}`;
        }
        const s = process.hrtime.bigint();
        const page = await get(`/runs?limit=50${query ? `&${query}` : ''}`);
        const took = ms(s);
        if (!page.items || page.items.length === 0) throw new Error(`no runs for ${query}`);
        return took;
      };
      const jobOnce = async (i: number) => {
        const name = names[(i * 7919) % names.length]!;
        const s = process.hrtime.bigint();
        await Promise.all([get(`/jobs/${name}/detail`), get(`/jobs/${name}/outputs`), get(`/jobs/${name}/artifacts`)]);
        return ms(s);
      };
      for (let i = 0; i < 20; i++) {
        await listOnce(i);
        await jobOnce(i);
      }
      for (let i = 0; i < SAMPLES; i++) {
        list.push(await listOnce(i));
        job.push(await jobOnce(i + 1000));
      }
      process.stdout.write(`  list: median ${[...list].sort((a, b) => a - b)[list.length >> 1]!.toFixed(1)} ms, max ${Math.max(...list).toFixed(1)} ms\n`);
      process.stdout.write(`  job page: median ${[...job].sort((a, b) => a - b)[job.length >> 1]!.toFixed(1)} ms, max ${Math.max(...job).toFixed(1)} ms\n`);
      process.stdout.write(`RESULT console jobs=${N} list_p95_ms=${p95(list).toFixed(1)} job_page_p95_ms=${p95(job).toFixed(1)}\n`);
    } finally {
      await server.close();
      await pool.end();
    }
  } finally {
    await kube.stop();
    await postgres.stop();
  }
}

await main();
