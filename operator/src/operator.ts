// The composition root: informers, the controllers, the queue sweeper and the LISTEN loop, wired
// into a Manager (caches warm on every replica; controllers only while leading). Reads like a table.
import type { KubeConfig, KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Tracer } from '@opentelemetry/api';
import { createPool } from '../../api/db/pool.js';
import type { Logger } from '../../api/log.js';
import { createProducer, type Producer } from '../../api/queue/index.js';
import type { OperatorConfig } from './config.js';
import { makeKindCache, type KindCache } from './controllers/cache.js';
import { customSource, deploymentSource, makeClients, podSource } from './controllers/kube.js';
import { closeKeepAlive, withKeepAlive } from './controllers/keep-alive.js';
import { LABELS } from './controllers/names.js';
import type { CustomObject, RobotPoolObject, RpaJobObject, RpaQueueObject, RpaScheduleObject, RpaWorkflowObject } from './controllers/objects.js';
import { createHealingListener } from './controllers/healing-listener.js';
import { createEnqueueListener } from './controllers/robotpool/enqueue-listener.js';
import { robotPoolReconciler } from './controllers/robotpool/controller.js';
import { jobKeysOf, rpaJobReconciler } from './controllers/rpajob/controller.js';
import { jobsCalling } from './controllers/rpajob/call-watch.js';
import { Freshest } from './controllers/freshest.js';
import { owningSchedule, rpaScheduleReconciler } from './controllers/rpaschedule/controller.js';
import { rpaQueueReconciler } from './controllers/rpaqueue/controller.js';
import { createOrphanQueueCollector } from './controllers/rpaqueue/orphans.js';
import { createQueueItemListener } from './controllers/rpaqueue/listener.js';
import { rpaWorkflowReconciler } from './controllers/rpaworkflow.js';
import { createSweeper } from './queue/sweeper.js';
import { createPruner } from './retention/pruner.js';
import { Controller, type Reconcile } from './runtime/controller.js';
import { EventRecorder } from './runtime/events.js';
import { objectKey } from './runtime/key.js';
import { Manager } from './runtime/manager.js';
import { OperatorMetrics } from './runtime/metrics.js';
import { REASONS } from '../../api/v1alpha1/reasons.js';
import { createTenantIssuer } from './tenancy/issuer.js';
import { rpaNotificationReconciler, type RpaNotificationObject } from './notifications/controller.js';
import { createSigningKeys } from './notifications/keys.js';
import { createNotificationSender } from './notifications/sender.js';
import { compileTargetPolicy } from './notifications/target.js';
import { startTracing } from './tracing.js';

export interface OperatorOptions {
  config: OperatorConfig;
  kc: KubeConfig;
  logger: Logger;
  metrics?: OperatorMetrics;
  tracer?: Tracer;
  /** The operator's clock (tests move it to make cron times due). */
  now?: () => number;
  /** RpaJob re-check period of live jobs; default 120 s. */
  jobRecheckMs?: number;
  /** Called when leadership is lost without a shutdown (main.ts exits the process). */
  onLostLeadership?: () => void;
  /** How often rows of deleted RpaQueues are looked for; default 60 s. */
  /** How often the notification sender looks for deleted RpaNotifications' rows and old deliveries; default 60 s. */
  notificationHousekeepingMs?: number;
  orphanQueueIntervalMs?: number;
}

export interface Operator {
  manager: Manager;
  metrics: OperatorMetrics;
  producer: Producer;
  controllers: { rpaJob: Controller; rpaWorkflow: Controller; robotPool: Controller; rpaSchedule: Controller; rpaQueue: Controller; rpaNotification: Controller };
  caches: { jobs: KindCache<RpaJobObject>; pools: KindCache<RobotPoolObject>; deployments: KindCache<V1Deployment> };
  start(): Promise<void>;
  /** Drains reconciles, releases the lease, closes connections. */
  stop(): Promise<void>;
}

export function buildOperator(opts: OperatorOptions): Operator {
  const { config, logger } = opts;
  const kc = withKeepAlive(opts.kc);
  const metrics = opts.metrics ?? new OperatorMetrics();
  const now = opts.now ?? Date.now;
  const tracer = opts.tracer ?? startTracing({ env: {} }).tracer;
  const clients = makeClients(kc);
  const db = createPool({
    connectionString: config.databaseUrl,
    max: Math.max(4, config.reconcileConcurrency + 4),
    settings: config.database,
    logger,
    name: 'aether-operator',
  });
  const producer = createProducer({ pool: db });
  const events = new EventRecorder(kc, { component: 'aether-operator', instance: config.leaderElection.identity, logger });
  const scope = { namespaces: config.watchNamespaces, logger };

  const jobs = makeKindCache<RpaJobObject>(kc, customSource(clients.custom, 'RpaJob'), scope);
  const workflows = makeKindCache<RpaWorkflowObject>(kc, customSource(clients.custom, 'RpaWorkflow'), scope);
  const pools = makeKindCache<RobotPoolObject>(kc, customSource(clients.custom, 'RobotPool'), scope);
  const schedules = makeKindCache<RpaScheduleObject>(kc, customSource(clients.custom, 'RpaSchedule'), scope);
  const queues = makeKindCache<RpaQueueObject>(kc, customSource(clients.custom, 'RpaQueue'), scope);
  const notifications = makeKindCache<RpaNotificationObject>(kc, customSource(clients.custom, 'RpaNotification'), scope);
  const deployments = makeKindCache<V1Deployment>(kc, deploymentSource(clients.apps), scope);
  const pods = makeKindCache<V1Pod>(kc, podSource(clients.core), scope);

  const manager = new Manager({
    kc,
    logger,
    metrics,
    http: config.http,
    leaderElection: config.leaderElection.enabled
      ? {
          namespace: config.operatorNamespace,
          leaseName: config.leaderElection.leaseName,
          identity: config.leaderElection.identity,
          leaseDurationMs: config.leaderElection.leaseDurationMs,
          renewDeadlineMs: config.leaderElection.renewDeadlineMs,
          retryPeriodMs: config.leaderElection.retryPeriodMs,
        }
      : undefined,
    onLostLeadership: opts.onLostLeadership,
  });
  const register = <T extends KubernetesObject>(cache: KindCache<T>) => cache.informers.forEach((i) => manager.addInformer(i));
  [jobs, workflows, pools, schedules, queues, notifications].forEach((c) => register<CustomObject<unknown>>(c as KindCache<CustomObject<unknown>>));
  register(deployments);
  register(pods);

  const controller = (name: string, reconcile: Reconcile, concurrency = 2) =>
    manager.addController(new Controller({ name, reconcile, logger, metrics, concurrency }));
  const jobWrites = new Freshest<RpaJobObject>();
  const rpaJob = controller(
    'rpajob',
    rpaJobReconciler({ clients, jobs, workflows, producer, db, events, tracer, now, recheckMs: opts.jobRecheckMs, writes: jobWrites, dbosSchema: config.dbosSchema, metrics, queuedEvents: config.queuedEvents }),
    config.reconcileConcurrency,
  );
  const rpaWorkflow = controller('rpaworkflow', rpaWorkflowReconciler({ clients, workflows, events, now, healing: { db } }));
  const robotPool = controller(
    'robotpool',
    robotPoolReconciler({
      clients,
      pools,
      deployments,
      pods,
      producer,
      db,
      events,
      metrics,
      robotDefaults: {
        serviceAccountName: config.robot.serviceAccountName,
        databaseSecret: config.robot.databaseSecret,
        issuedSecret: config.robot.tenancy !== undefined,
        clusterCidrs: config.robot.clusterCidrs,
        databaseEnv: config.robot.databaseEnv,
      },
      confinement: config.robot.confinement,
      ...(config.robot.tenancy && {
        tenancy: createTenantIssuer({
          core: clients.core,
          db,
          databaseUrl: config.databaseUrl,
          secretName: config.robot.tenancy.secretName,
          rolePrefix: config.robot.tenancy.rolePrefix,
          now,
          logger,
        }),
      }),
      now,
    }),
  );
  const rpaSchedule = controller('rpaschedule', rpaScheduleReconciler({ clients, schedules, jobs, events, now }));
  const rpaQueue = controller('rpaqueue', rpaQueueReconciler({ clients, queues, workflows, db, events, now }));
  const signingKeys = createSigningKeys({ core: clients.core, now });
  const targetPolicy = compileTargetPolicy(config.notifications);
  const rpaNotification = controller('rpanotification', rpaNotificationReconciler({ clients, notifications, db, events, keys: signingKeys, policy: targetPolicy, now }));

  // Which keys each object concerns.
  for (const i of jobs.informers) {
    rpaJob.watch(i, jobKeysOf(jobWrites));
    rpaSchedule.watch(i, (job) => [owningSchedule(job)].filter((k): k is string => k !== undefined));
  }
  for (const i of workflows.informers) {
    rpaWorkflow.watch(i);
    // Queues running this workflow snapshot it again.
    rpaQueue.watch(i, (wf) =>
      queues
        .list(wf.metadata.namespace)
        .filter((q) => (q.spec as { workflowRef?: { name?: string } } | undefined)?.workflowRef?.name === wf.metadata.name)
        .map((q) => objectKey(q)),
    );
    // Jobs waiting for this workflow (not yet queued) try again.
    rpaJob.watch(i, (wf) =>
      jobs
        .list(wf.metadata.namespace)
        .filter((j) => (j.spec as { workflowRef?: { name?: string } } | undefined)?.workflowRef?.name === wf.metadata.name && !j.status?.queuedAt)
        .map((j) => objectKey(j)),
    );
    // Jobs waiting for a workflow they call (call-watch.ts) try again.
    rpaJob.watch(i, (wf) =>
      jobsCalling(jobs.list(wf.metadata.namespace), wf.metadata.name, (name) => workflows.get(wf.metadata.namespace, name)).map((j) => objectKey(j)),
    );
  }
  for (const i of pools.informers) robotPool.watch(i);
  for (const i of schedules.informers) rpaSchedule.watch(i);
  for (const i of queues.informers) rpaQueue.watch(i);
  for (const i of notifications.informers) rpaNotification.watch(i);
  const ownerPool = (o: V1Deployment | V1Pod) => {
    const ref = o.metadata?.ownerReferences?.find((r) => r.kind === 'RobotPool' && r.controller);
    return ref ? [`${o.metadata!.namespace}/${ref.name}`] : [];
  };
  for (const i of deployments.informers) robotPool.watch(i, ownerPool);

  const sweeper = createSweeper({ pool: db, logger, intervalMs: config.sweepIntervalMs });
  manager.addLeaderTask({ start: () => sweeper.start(), stop: () => sweeper.stop() });
  for (const i of pods.informers) {
    i.onChange((pod, event) => {
      if (event !== 'delete' || !manager.isLeader || !pod.metadata?.labels?.[LABELS.pool]) return;
      // A deleted robot pod: release its jobs now instead of after its heartbeat lease.
      sweeper.markPodDead(pod.metadata.namespace!, pod.metadata.name!).catch((err: unknown) => logger.warn({ err, pod: pod.metadata?.name }, 'releasing the jobs of a deleted pod failed'));
    });
  }
  if (config.retention) {
    // History older than its retention age goes, in small batches, from the leader only.
    const pruner = createPruner({ pool: db, logger, metrics, policy: config.retention, now });
    manager.addLeaderTask({ start: () => pruner.start(), stop: () => pruner.stop() });
  }
  const listener = createEnqueueListener({
    databaseUrl: config.databaseUrl,
    dbSettings: config.database,
    logger,
    onPool: (namespace, pool) => {
      if (config.watchNamespaces.length === 0 || config.watchNamespaces.includes(namespace)) robotPool.enqueue(`${namespace}/${pool}`);
    },
    onReconnect: () => pools.list().forEach((p) => robotPool.enqueue(objectKey(p))),
  });
  manager.addLeaderTask({ start: () => listener.start(), stop: () => listener.stop() });
  // Robots NOTIFY when they record a heal: the workflow's suggestions reach its status at once.
  const healingListener = createHealingListener({
    databaseUrl: config.databaseUrl,
    dbSettings: config.database,
    logger,
    onWorkflow: (namespace, name) => {
      if (config.watchNamespaces.length === 0 || config.watchNamespaces.includes(namespace)) rpaWorkflow.enqueue(`${namespace}/${name}`);
    },
    onReconnect: () => workflows.list().forEach((w) => rpaWorkflow.enqueue(objectKey(w))),
  });
  manager.addLeaderTask({ start: () => healingListener.start(), stop: () => healingListener.stop() });
  // Items moved: the queue's counts (rate-limited in the controller) and the pool's size follow at once.
  const queueItemListener = createQueueItemListener({
    databaseUrl: config.databaseUrl,
    dbSettings: config.database,
    logger,
    onQueue: (namespace, name) => {
      if (config.watchNamespaces.length > 0 && !config.watchNamespaces.includes(namespace)) return;
      rpaQueue.enqueue(`${namespace}/${name}`);
      const pool = (queues.get(namespace, name)?.spec as { pool?: string } | undefined)?.pool;
      if (pool) robotPool.enqueue(`${namespace}/${pool}`);
    },
    onReconnect: () => queues.list().forEach((q) => rpaQueue.enqueue(objectKey(q))),
  });
  manager.addLeaderTask({ start: () => queueItemListener.start(), stop: () => queueItemListener.stop() });
  const watched = (ns: string) => config.watchNamespaces.length === 0 || config.watchNamespaces.includes(ns);
  // Outbound notifications: each settled attempt refreshes its notification's status (rate-limited there).
  const sender = createNotificationSender({
    db,
    databaseUrl: config.databaseUrl,
    dbSettings: config.database,
    logger,
    metrics,
    keys: signingKeys,
    policy: targetPolicy,
    pollMs: config.notifications.pollMs,
    timeoutMs: config.notifications.timeoutMs,
    keyRetryMs: config.notifications.keyRetryMs,
    now,
    housekeeping: {
      lookup: (ns, name) => (watched(ns) ? notifications.get(ns, name)?.metadata?.uid : null),
      synced: () => notifications.informers.every((i) => i.synced),
      ...(opts.notificationHousekeepingMs !== undefined && { intervalMs: opts.notificationHousekeepingMs }),
    },
    onSettled: (d, result) => {
      rpaNotification.enqueue(`${d.namespace}/${d.notification}`);
      const n = notifications.get(d.namespace, d.notification);
      if (n && result.state === 'Failed')
        void events.record(n, { type: 'Warning', reason: REASONS.DeliveryFailed, message: `${d.event} of ${d.subject}: ${result.error}` });
    },
  });
  manager.addLeaderTask({ start: () => sender.start(), stop: () => sender.stop() });
  // RpaQueues deleted while no operator watched (or recreated under the same name) leave rows behind.
  const orphanQueues = createOrphanQueueCollector({
    db,
    logger,
    lookup: (ns, name) => (watched(ns) ? queues.get(ns, name)?.metadata?.uid : null),
    synced: () => queues.informers.every((i) => i.synced),
    ...(opts.orphanQueueIntervalMs !== undefined && { intervalMs: opts.orphanQueueIntervalMs }),
  });
  manager.addLeaderTask({ start: () => orphanQueues.start(), stop: () => orphanQueues.stop() });

  return {
    manager,
    metrics,
    producer,
    controllers: { rpaJob, rpaWorkflow, robotPool, rpaSchedule, rpaQueue, rpaNotification },
    caches: { jobs, pools, deployments },
    start: () => manager.start(),
    async stop() {
      await manager.shutdown();
      await db.end();
      closeKeepAlive(kc);
    },
  };
}
