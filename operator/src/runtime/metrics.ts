// The operator's Prometheus metrics, on a registry of its own (tests may create several).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();

  readonly reconciles = new Counter({
    name: 'aether_reconcile_total',
    help: 'Reconciles by controller and outcome (success, requeue, error, terminal).',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });

  readonly reconcileErrors = new Counter({
    name: 'aether_reconcile_errors_total',
    help: 'Reconciles that ended in an error (retryable or terminal), by controller.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });

  readonly reconcileDuration = new Histogram({
    name: 'aether_reconcile_duration_seconds',
    help: 'Time spent in one reconcile, by controller.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  /** Each controller's queue length, read when the metrics are scraped (not on every add). */
  private readonly queueDepths = new Map<string, () => number>();

  readonly workQueueDepth = new Gauge({
    name: 'aether_workqueue_depth',
    help: 'Keys waiting in a controller work queue.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [controller, depth] of this.queueDepths) this.workQueueDepth.set({ controller }, depth());
    },
  });

  readonly leader = new Gauge({
    name: 'aether_leader',
    help: '1 while this operator process holds the leader lease, else 0.',
    registers: [this.registry],
  });

  readonly poolQueueDepth = new Gauge({
    name: 'aether_pool_queue_depth',
    help: 'Jobs of a robot pool in the queue, by state (ready, delayed, running).',
    labelNames: ['namespace', 'pool', 'state'] as const,
    registers: [this.registry],
  });

  readonly poolDesiredReplicas = new Gauge({
    name: 'aether_pool_desired_replicas',
    help: 'Robots the scaler wants for a pool.',
    labelNames: ['namespace', 'pool'] as const,
    registers: [this.registry],
  });

  readonly poolActualReplicas = new Gauge({
    name: 'aether_pool_actual_replicas',
    help: 'Robots of a pool that are ready.',
    labelNames: ['namespace', 'pool'] as const,
    registers: [this.registry],
  });

  readonly retentionRowsPruned = new Counter({
    name: 'aether_retention_rows_pruned_total',
    help: 'History rows deleted by retention, by kind (runs, screenshots, healing, audit, workflows, job).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly retentionPruneDuration = new Histogram({
    name: 'aether_retention_prune_duration_seconds',
    help: 'Time one retention pass spent on one kind of row (all its batches).',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly retentionBatchDuration = new Histogram({
    name: 'aether_retention_batch_duration_seconds',
    help: 'Time one retention delete batch (one short transaction: the longest any of its row locks is held), by kind.',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly notificationDeliveries = new Counter({
    name: 'aether_notification_deliveries_total',
    help: 'Notification POST attempts by outcome (delivered, retry: failed with attempts left, failed: gave up).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly notificationsPending = new Gauge({
    name: 'aether_notification_deliveries_pending',
    help: 'Notification deliveries waiting for their first or next attempt (as the sender last counted them).',
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    this.leader.set(0);
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Reports `depth()` as the work-queue depth of `controller` at every scrape. */
  trackQueueDepth(controller: string, depth: () => number): void {
    this.queueDepths.set(controller, depth);
  }

  /** Drops a deleted pool's series so it does not linger on dashboards. */
  forgetPool(namespace: string, pool: string): void {
    for (const state of ['ready', 'delayed', 'running']) this.poolQueueDepth.remove({ namespace, pool, state });
    this.poolDesiredReplicas.remove({ namespace, pool });
    this.poolActualReplicas.remove({ namespace, pool });
  }
}
