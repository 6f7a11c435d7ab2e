// The system the chaos suite breaks: its own PostgreSQL (the suite stops it, so never the shared one),
// the CRDs and a namespace on a real API server with a controller manager, robot RBAC and the database
// Secret, the node simulator running robot Deployments as robot processes, two operator replicas with
// leader election, the local test site and the counting sink.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import pg from 'pg';
import { createLogger, type Logger } from '../../api/log.js';
import { API, PLURALS } from '../../operator/src/controllers/names.js';
import { selectorString } from '../../operator/src/controllers/robotpool/deployment.js';
import { migrate } from '../../migrations/index.js';
import { applyCrds } from '../api/crds.js';
import { deleteNamespace, ensureServiceAccount, freshNamespace } from '../harness/kubeclient.js';
import { createDatabase, startPostgres, type RunningPostgres } from '../harness/postgres.js';
import { waitFor } from '../harness/wait.js';
import { NodeSimulator } from '../nodesim/simulator.js';
import { REPO_ROOT, startOperatorProcess, type OperatorProcess } from '../operator/operator-process.js';
import { startTestSite, type TestSite } from '../site/server.js';
import { postgresOutages, type PostgresOutages } from './postgres-outage.js';
import { startCountingSink, type CountingSink } from './sink.js';

export const ROBOT_IMAGE = 'aether.dev/robot';
export const POOL = 'chaos';

export interface StackOptions {
  kc: KubeConfig;
  kubeconfigPath: string;
  /** Operator, robot and database logs go here (kept after the run). */
  logDir: string;
  robots: { min: number; max: number; concurrency: number };
  log: Logger;
}

/**
 * The operator replicas, supervised as their Deployment would be: one that exits on its own is started
 * again (and counted); the leader is found by its aether_leader gauge; a killed leader is replaced.
 */
export class OperatorReplicas {
  private readonly live: OperatorProcess[] = [];
  private readonly killed = new Set<OperatorProcess>();
  private started = 0;
  private stopping = false;
  /** Replicas that exited without the suite killing them. */
  readonly crashes: Array<{ identity: string; code: number | null; signal: string | null; logFile: string }> = [];

  constructor(
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    private readonly log: Logger,
  ) {}

  async add(): Promise<OperatorProcess> {
    const op = await startOperatorProcess({ identity: `op-${this.started++}`, env: this.env, logDir: this.logDir });
    this.live.push(op);
    void op.exited.then(() => {
      if (this.stopping || this.killed.has(op)) return;
      const crash = { identity: op.identity, code: op.proc.exitCode, signal: op.proc.signalCode, logFile: op.logFile };
      this.crashes.push(crash);
      this.log.warn(crash, 'an operator replica exited on its own; starting it again');
      setTimeout(
        () =>
          void (this.stopping
            ? undefined
            : this.add().catch((err: unknown) => this.log.error({ err }, 'could not restart an operator'))),
        1000,
      );
    });
    return op;
  }

  alive(): OperatorProcess[] {
    return this.live.filter((o) => o.proc.exitCode === null && o.proc.signalCode === null);
  }

  async leader(): Promise<OperatorProcess | undefined> {
    for (const o of this.alive()) if ((await o.metric('aether_leader')) === 1) return o;
    return undefined;
  }

  /** SIGKILLs the leader (no chance to release its Lease) and starts a replacement replica. */
  async killLeader(): Promise<string> {
    const leader = await this.leader();
    if (!leader) return 'skipped: no leader (an election is in progress)';
    this.killed.add(leader);
    leader.proc.kill('SIGKILL');
    await leader.exited;
    const next = await this.add();
    return `SIGKILLed leader ${leader.identity} (pid ${leader.proc.pid}); started ${next.identity}`;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.live.map((o) => o.stop(5000)));
  }
}

export interface Stack {
  kc: KubeConfig;
  namespace: string;
  pg: RunningPostgres;
  databaseUrl: string;
  db: pg.Pool;
  outages: PostgresOutages;
  site: TestSite;
  sink: CountingSink;
  sim: NodeSimulator;
  operators: OperatorReplicas;
  /** The robot pods of the pool now. */
  robotPods(): Promise<V1Pod[]>;
  stop(): Promise<void>;
}

const robotRole = {
  metadata: { name: 'robot' },
  rules: [
    { apiGroups: ['rpa.aether.dev'], resources: ['rpajobs'], verbs: ['get'] },
    { apiGroups: ['rpa.aether.dev'], resources: ['rpajobs/status'], verbs: ['get', 'patch'] },
    // As the chart's robot Role: the checkpoint key (created by the operator) and audit Events.
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['aether-checkpoint-key'], verbs: ['get'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  ],
};

export async function startStack(o: StackOptions): Promise<Stack> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanUp = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => o.log.warn({ err }, 'cleanup step failed'));
  };
  try {
    mkdirSync(o.logDir, { recursive: true });
    const pgServer = await startPostgres();
    const outages = postgresOutages(pgServer);
    cleanups.push(() => outages.shutdown());
    const databaseUrl = await createDatabase(pgServer.url, 'chaos');
    await migrate({ databaseUrl });
    // Few connections, and an error on an idle one (the database went away) is not a crash of the suite.
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 5000 });
    db.on('error', () => undefined);
    cleanups.push(() => db.end());

    await applyCrds(o.kc);
    const namespace = await freshNamespace(o.kc, 'chaos');
    const core = o.kc.makeApiClient(CoreV1Api);
    await ensureServiceAccount(o.kc, namespace, 'aether-robot');
    const rbac = o.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace, body: robotRole });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'robot' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'robot' },
        subjects: [{ kind: 'ServiceAccount', name: 'aether-robot', namespace }],
      },
    });
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'db' }, stringData: { url: databaseUrl } },
    });

    const site = await startTestSite();
    cleanups.push(() => site.stop());
    const sink = await startCountingSink();
    cleanups.push(() => sink.stop());

    const sim = new NodeSimulator({
      kubeConfig: o.kc,
      nodeName: `sim-${namespace}`,
      namespace,
      workDir: join(o.logDir, 'pods'),
      keepWorkDir: true,
      images: {
        // The robot reads its kubeconfig from AETHER_KUBECONFIG; the simulator hands out KUBECONFIG.
        [ROBOT_IMAGE]: {
          command: 'sh',
          args: ['-c', 'AETHER_KUBECONFIG="$KUBECONFIG" exec node --import tsx robot-image/src/main.ts'],
          cwd: REPO_ROOT,
        },
      },
      // The kubelet's own back-off (10 s doubling to 5 min) would hide a restart loop behind waiting.
      restartBackoffMs: { base: 1000, max: 10_000 },
      log: o.log.child({ component: 'nodesim' }),
    });
    await sim.start();
    cleanups.push(() => sim.stop());

    const operators = new OperatorReplicas(
      {
        AETHER_DATABASE_URL: databaseUrl,
        KUBECONFIG: o.kubeconfigPath,
        AETHER_WATCH_NAMESPACE: namespace,
        AETHER_OPERATOR_NAMESPACE: namespace,
        AETHER_LEADER_ELECTION: 'true',
        AETHER_LEASE_DURATION_SECONDS: '4',
        AETHER_LEASE_RENEW_DEADLINE_SECONDS: '3',
        AETHER_LEASE_RETRY_PERIOD_SECONDS: '1',
        AETHER_ROBOT_IMAGE: `${ROBOT_IMAGE}:dev`,
        AETHER_ROBOT_SERVICE_ACCOUNT: 'aether-robot',
        AETHER_ROBOT_DATABASE_SECRET_NAME: 'db',
        AETHER_ROBOT_DATABASE_SECRET_KEY: 'url',
      },
      o.logDir,
      o.log,
    );
    cleanups.push(() => operators.stop());
    const first = await operators.add();
    await waitFor(
      'the first operator to lead',
      async () => ((await first.metric('aether_leader')) === 1 ? true : undefined),
      {
        timeoutMs: 90_000,
        failFast: () => (first.proc.exitCode !== null ? `it exited (${first.logFile})` : undefined),
      },
    );
    const second = await operators.add();
    await waitFor(
      'the second operator to be ready as a stand-by',
      async () => ((await second.ready()) ? true : undefined),
      { timeoutMs: 90_000 },
    );

    const custom = o.kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      ...API,
      plural: PLURALS.RobotPool,
      namespace,
      body: {
        apiVersion: `${API.group}/${API.version}`,
        kind: 'RobotPool',
        metadata: { name: POOL },
        spec: {
          image: `${ROBOT_IMAGE}:dev`,
          concurrencyPerRobot: o.robots.concurrency,
          terminationGracePeriodSeconds: 10,
          autoscaling: {
            minReplicas: o.robots.min,
            maxReplicas: o.robots.max,
            behavior: { scaleDown: { stabilizationWindowSeconds: 30 } },
          },
          // Both servers are on loopback, which robots refuse unless their pool allows it.
          network: { allow: [sink.host, new URL(site.url).host] },
          env: [
            { name: 'AETHER_METRICS_PORT', value: '0' }, // robots share this machine's ports
            { name: 'AETHER_METRICS_HOST', value: '127.0.0.1' },
            { name: 'AETHER_LOG_LEVEL', value: 'info' },
          ],
        },
      },
    });
    const robotPods = async () =>
      (await core.listNamespacedPod({ namespace, labelSelector: selectorString(POOL) })).items;
    // A pod is Ready as soon as its process runs (the simulator has no probes); a robot is ready once it
    // has registered and keeps its heartbeat, which takes a while (tsx, DBOS, Chromium).
    await waitFor(
      `${o.robots.min} robot(s) registered and heart-beating`,
      async () => {
        const r = await db.query(
          `select count(distinct pod)::int as n from aether.robots where namespace = $1 and state = 'alive' and heartbeat_at > now() - interval '5 seconds'`,
          [namespace],
        );
        return (r.rows[0] as { n: number }).n >= o.robots.min ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    return {
      kc: o.kc,
      namespace,
      pg: pgServer,
      databaseUrl,
      db,
      outages,
      site,
      sink,
      sim,
      operators,
      robotPods,
      async stop() {
        await deleteNamespace(o.kc, namespace);
        await cleanUp();
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/** The run's own log (faults applied, simulator warnings): JSON lines in `file`. */
export function chaosLogger(file: string): Logger {
  return createLogger({ name: 'chaos', level: 'info', destination: createWriteStream(file, { flags: 'a' }) });
}
