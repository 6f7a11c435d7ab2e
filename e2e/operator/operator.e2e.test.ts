// End to end with the node simulator: two operator processes (leader election on a Lease), a RobotPool
// (min 0, max 5) whose robots run as local processes (robot-image/src/main.ts), and 20 RpaJobs. The
// Deployment scales up, every job ends Succeeded on the API server, the leader is SIGKILLed mid-run and
// the stand-by takes over with nothing lost or queued twice, and the pool scales back to 0. Operator
// and robots export their spans to a local OTLP/HTTP receiver: one connected trace per job.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, RbacAuthorizationV1Api, type V1Deployment } from '@kubernetes/client-node';
import { ensureServiceAccount } from '../harness/kubeclient.js';
import { kubeconfigPath } from '../harness/testenv.js';
import { waitFor } from '../harness/wait.js';
import { NodeSimulator } from '../nodesim/simulator.js';
import { deploymentName } from '../../operator/src/controllers/robotpool/deployment.js';
import {
  createObject,
  eventsFor,
  getObject,
  setUpEnv,
  silentLogger,
  tearDownEnv,
  type TestEnv,
} from '../../operator/src/testing/operator-env.js';
import { REPO_ROOT, startOperatorProcess, type OperatorProcess } from './operator-process.js';

jest.setTimeout(600_000);

const ROBOT_IMAGE = 'aether.dev/robot';
const JOBS = 20;
const JOB_MS = 2500;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: { stringValue?: string } }>;
}

/** A local OTLP/HTTP (JSON) trace receiver, and the slow endpoint the jobs call. */
function startReceiver(): Promise<{ server: Server; port: number; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/slow')) {
      setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}'), JOB_MS);
      return;
    }
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      try {
        const json = JSON.parse(body) as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> };
        for (const rs of json.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      } catch {
        /* not JSON: ignored */
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, spans })),
  );
}

describe('operator end to end (node simulator, robots, leader hand-over)', () => {
  let env: TestEnv;
  let sim: NodeSimulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const operators: OperatorProcess[] = [];
  const logDir = mkdtempSync(join(tmpdir(), 'aether-op-e2e-'));

  beforeAll(async () => {
    env = await setUpEnv('op-e2e');
    receiver = await startReceiver();
    const ns = env.namespace;
    await ensureServiceAccount(env.kc, ns, 'aether-robot');
    const rbac = env.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'robot' },
        rules: [
          { apiGroups: ['rpa.aether.dev'], resources: ['rpajobs'], verbs: ['get'] },
          { apiGroups: ['rpa.aether.dev'], resources: ['rpajobs/status'], verbs: ['get', 'patch'] },
          // As the chart's robot Role: the checkpoint key (created by the operator) and audit Events.
          { apiGroups: [''], resources: ['secrets'], resourceNames: ['aether-checkpoint-key'], verbs: ['get'] },
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
          { apiGroups: [''], resources: ['events'], verbs: ['create'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'robot' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'robot' },
        subjects: [{ kind: 'ServiceAccount', name: 'aether-robot', namespace: ns }],
      },
    });
    await env.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'db' }, stringData: { url: env.databaseUrl } },
    });
    sim = new NodeSimulator({
      kubeConfig: env.kc,
      nodeName: `sim-${ns}`,
      namespace: ns,
      images: {
        // The robot reads its kubeconfig from AETHER_KUBECONFIG; the simulator hands out KUBECONFIG.
        [ROBOT_IMAGE]: {
          command: 'sh',
          args: ['-c', 'AETHER_KUBECONFIG="$KUBECONFIG" exec node --import tsx robot-image/src/main.ts'],
          cwd: REPO_ROOT,
        },
      },
      restartBackoffMs: { base: 500, max: 5000 },
      log: silentLogger,
    });
    await sim.start();
    const operatorEnv = {
      AETHER_DATABASE_URL: env.databaseUrl,
      KUBECONFIG: kubeconfigPath(),
      AETHER_WATCH_NAMESPACE: ns,
      AETHER_OPERATOR_NAMESPACE: ns,
      AETHER_LEADER_ELECTION: 'true',
      AETHER_LEASE_DURATION_SECONDS: '4',
      AETHER_LEASE_RENEW_DEADLINE_SECONDS: '3',
      AETHER_LEASE_RETRY_PERIOD_SECONDS: '1',
      // The Queued Event on, so the test sees each job queued exactly once across the fail-over.
      AETHER_QUEUED_EVENTS: 'true',
      AETHER_ROBOT_IMAGE: `${ROBOT_IMAGE}:dev`, // the one image the pool may run (RobotPool confinement)
      AETHER_ROBOT_SERVICE_ACCOUNT: 'aether-robot',
      AETHER_ROBOT_DATABASE_SECRET_NAME: 'db',
      AETHER_ROBOT_DATABASE_SECRET_KEY: 'url',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    const a = await startOperatorProcess({ identity: 'op-a', env: operatorEnv, logDir });
    operators.push(a);
    await waitFor('op-a to lead', async () => ((await a.metric('aether_leader')) === 1 ? true : undefined), {
      timeoutMs: 60_000,
      failFast: () => (a.proc.exitCode !== null ? `op-a exited (${a.logFile})` : undefined),
    });
    const b = await startOperatorProcess({ identity: 'op-b', env: operatorEnv, logDir });
    operators.push(b);
    // A stand-by replica is ready (warm caches) without leading.
    await waitFor('op-b ready as a stand-by', async () => ((await b.ready()) ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect(await b.metric('aether_leader')).toBe(0);
  });

  afterAll(async () => {
    for (const o of operators) await o.stop();
    await sim?.stop();
    await new Promise((r) => receiver?.server.close(r));
    await tearDownEnv(env);
  });

  it('scales robots up for 20 jobs, survives the leader being killed, finishes every job once, scales back to 0', async () => {
    const [a, b] = operators as [OperatorProcess, OperatorProcess];
    const apps = env.kc.makeApiClient(AppsV1Api);
    await createObject(env, 'RobotPool', 'e2e', {
      image: `${ROBOT_IMAGE}:dev`,
      concurrencyPerRobot: 2,
      terminationGracePeriodSeconds: 15,
      autoscaling: { minReplicas: 0, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 3 } } },
      // The jobs call a receiver on loopback, which robots refuse unless their pool allows it.
      network: { allow: [`127.0.0.1:${receiver.port}`] },
      env: [
        { name: 'AETHER_METRICS_PORT', value: '0' }, // robots share this machine's ports
        { name: 'AETHER_METRICS_HOST', value: '127.0.0.1' },
        { name: 'AETHER_SHUTDOWN_GRACE_SECONDS', value: '5' },
        { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: `http://127.0.0.1:${receiver.port}` },
        { name: 'OTEL_BSP_SCHEDULE_DELAY', value: '200' },
      ],
    });
    const workflow = {
      steps: [
        { id: 'call', action: 'http', url: `http://127.0.0.1:${receiver.port}/slow` },
        { id: 'mark', action: 'setVariable', name: 'done', value: 'yes' },
      ],
    };
    const names = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    const uids = await Promise.all(
      names.map(async (n) => (await createObject(env, 'RpaJob', n, { pool: 'e2e', workflow })).metadata.uid),
    );

    const maxReplicas = { seen: 0 };
    const deployment = async (): Promise<V1Deployment | undefined> =>
      apps.readNamespacedDeployment({ name: deploymentName('e2e'), namespace: env.namespace }).catch(() => undefined);
    await waitFor(
      'the Deployment to scale up',
      async () => {
        const r = (await deployment())?.spec?.replicas ?? 0;
        maxReplicas.seen = Math.max(maxReplicas.seen, r);
        return r >= 2 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    await waitFor(
      'a job Running on a robot pod',
      async () => {
        for (const n of names) if ((await getObject(env, 'RpaJob', n))?.status?.phase === 'Running') return true;
        return undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );

    // Mid-run: the leader dies without a chance to release its lease.
    a.proc.kill('SIGKILL');
    await a.exited;
    await waitFor('op-b to take over', async () => ((await b.metric('aether_leader')) === 1 ? true : undefined), {
      timeoutMs: 60_000,
    });

    const finished = await waitFor(
      'every job to finish',
      async () => {
        const r = (await deployment())?.spec?.replicas ?? 0;
        maxReplicas.seen = Math.max(maxReplicas.seen, r);
        const jobs = await Promise.all(names.map((n) => getObject(env, 'RpaJob', n)));
        return jobs.every((j) => ['Succeeded', 'Failed', 'Cancelled'].includes(j?.status?.phase)) ? jobs : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    expect(finished.map((j) => j!.status!.phase)).toEqual(names.map(() => 'Succeeded'));
    expect(maxReplicas.seen).toBeGreaterThanOrEqual(2);
    expect(maxReplicas.seen).toBeLessThanOrEqual(5);

    // Nothing queued twice: one run per job, each Queued event once, each job's step effect once.
    const runs = (await env.db.query(`select uid::text, state from aether.runs where uid = any($1::uuid[])`, [uids]))
      .rows as Array<{ uid: string; state: string }>;
    expect(runs).toHaveLength(JOBS);
    expect(runs.every((r) => r.state === 'succeeded')).toBe(true);
    for (const n of names)
      expect((await eventsFor(env, n)).filter((e) => e.reason === 'Queued')).toEqual([
        expect.objectContaining({ count: 1 }),
      ]);

    // Idle: after the scale-down window the pool is back to zero robots.
    await waitFor(
      'the pool to scale back to 0',
      async () => ((await deployment())?.spec?.replicas === 0 ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const pool = await getObject(env, 'RobotPool', 'e2e');
    expect(pool!.status!.desiredReplicas).toBe(0);
    expect(pool!.status!.queue).toEqual({ ready: 0, delayed: 0, running: 0 });

    // One connected trace for a job: operator reconcile -> robot job -> its steps.
    const traced = await waitFor(
      'spans of a job from operator and robot',
      async () => {
        for (const uid of uids) {
          const jobSpan = receiver.spans.find(
            (s) =>
              s.name === 'rpa.job' &&
              s.attributes?.some((a) => a.key === 'aether.run_uid' && a.value.stringValue === uid),
          );
          if (!jobSpan) continue;
          const parent = receiver.spans.find((s) => s.spanId === jobSpan.parentSpanId);
          const steps = receiver.spans.filter(
            (s) => s.parentSpanId === jobSpan.spanId && s.name.startsWith('rpa.step'),
          );
          if (parent && steps.length >= 2) return { jobSpan, parent, steps };
        }
        return undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(traced.parent.name).toBe('reconcile RpaJob');
    expect(traced.parent.traceId).toBe(traced.jobSpan.traceId);
    expect(traced.steps.map((s) => s.traceId)).toEqual(traced.steps.map(() => traced.jobSpan.traceId));
  });
});
