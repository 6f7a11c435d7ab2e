// The robot's Prometheus metrics, in a registry of its own (no global state, so tests and several
// robots in one process do not collide).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The `outcome` label of aether_jobs_total and aether_job_duration_seconds: how the robot's part of a job ended. */
export type JobOutcomeLabel = 'succeeded' | 'failed' | 'cancelled' | 'suspended' | 'handed_back' | 'fenced';

export interface AgentMetrics {
  registry: Registry;
  jobsTotal: Counter<'pool' | 'outcome'>;
  jobDuration: Histogram<'pool' | 'outcome'>;
  stepDuration: Histogram<'pool' | 'action'>;
  activeJobs: Gauge<'pool'>;
  browserRestarts: Counter<'pool'>;
  healingEvents: Counter<'pool' | 'tier' | 'outcome'>;
  queueItemsTotal: Counter<'pool' | 'queue' | 'outcome'>;
  queueItemDuration: Histogram<'pool' | 'queue'>;
}

/**
 * The `outcome` label of aether_queue_items_total: the item's status after this robot's run — Successful,
 * Failed (a business failure, or retries used up), retried (an application failure, New again), lost
 * (taken over before the outcome was recorded).
 */
export type ItemOutcomeLabel = 'successful' | 'failed' | 'retried' | 'lost';

// Browser steps take from milliseconds (a fill) to minutes (a slow page); jobs up to an hour.
const STEP_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const JOB_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export function createAgentMetrics(
  opts: {
    processMetrics?: boolean;
    /** Read at each scrape: the browser host keeps its own count of relaunches. */
    browserRestarts?: { pool: string; count: () => number };
  } = {},
): AgentMetrics {
  const restartSource = opts.browserRestarts;
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    jobsTotal: new Counter({
      name: 'aether_jobs_total',
      help: 'Jobs this robot finished, by outcome.',
      labelNames: ['pool', 'outcome'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'aether_job_duration_seconds',
      help: 'Wall time of one job attempt on this robot.',
      labelNames: ['pool', 'outcome'],
      buckets: JOB_BUCKETS,
      registers,
    }),
    stepDuration: new Histogram({
      name: 'aether_step_duration_seconds',
      help: 'Wall time of one workflow step, by action.',
      labelNames: ['pool', 'action'],
      buckets: STEP_BUCKETS,
      registers,
    }),
    activeJobs: new Gauge({
      name: 'aether_active_jobs',
      help: 'Jobs running on this robot now.',
      labelNames: ['pool'],
      registers,
    }),
    browserRestarts: new Counter({
      name: 'aether_browser_restarts_total',
      help: 'Times the shared Chromium had to be launched again after it died.',
      labelNames: ['pool'],
      registers,
      ...(restartSource && {
        collect(this: Counter<'pool'>) {
          this.reset();
          this.inc({ pool: restartSource.pool }, restartSource.count());
        },
      }),
    }),
    healingEvents: new Counter({
      name: 'aether_healing_events_total',
      help: 'Self-healing attempts on element targets, by tier and outcome.',
      labelNames: ['pool', 'tier', 'outcome'],
      registers,
    }),
    queueItemsTotal: new Counter({
      name: 'aether_queue_items_total',
      help: 'Work items this robot ran to an outcome, by queue and outcome.',
      labelNames: ['pool', 'queue', 'outcome'],
      registers,
    }),
    queueItemDuration: new Histogram({
      name: 'aether_queue_item_duration_seconds',
      help: "Wall time of one work item's run on this robot.",
      labelNames: ['pool', 'queue'],
      buckets: JOB_BUCKETS,
      registers,
    }),
  };
}

/** The metric label of the status an item's run left it in. */
export function itemOutcomeLabel(status: 'Successful' | 'Failed' | 'New' | null): ItemOutcomeLabel {
  if (status === 'Successful') return 'successful';
  if (status === 'Failed') return 'failed';
  return status === 'New' ? 'retried' : 'lost';
}
