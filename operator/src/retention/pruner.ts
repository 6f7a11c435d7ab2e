// Retention: history older than its kind's maximum age is deleted, on an interval, by the leader only (a
// leader task). Each kind goes in batches of `batchSize` rows, one short autocommit statement per batch
// (api/queue/sql/retention.ts), with a pause between batches so that robots and reconciles writing the same
// tables never wait long for a lock. A kind without a maximum age is kept forever.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import {
  dbosSchemaExists,
  deleteAuditRowsBefore,
  deleteFinishedRunsBefore,
  deleteFinishedWorkflowsBefore,
  deleteHealingEventsBefore,
  deleteScreenshotsBefore,
  type PruneBatch,
  type RetentionKind,
} from '../../../api/queue/sql/retention.js';
import { tenantDbosSchemas } from '../../../api/tenancy/sql.js';
import { sleep } from '../runtime/clock.js';
import type { OperatorMetrics } from '../runtime/metrics.js';

export interface RetentionPolicy {
  /** How old a row of each kind may get; a kind left out is kept forever. */
  maxAgeMs: Partial<Record<RetentionKind, number>>;
  /** Time between passes. */
  intervalMs: number;
  /** Rows per delete statement, at most. */
  batchSize: number;
  /**
   * How long one batch (and so its row locks) should take. Each kind starts with a small batch; a slower
   * batch shrinks the next one in proportion, one under half of it lets the next grow (doubling) up to
   * batchSize. Default 20 ms.
   */
  targetBatchMs?: number;
  /** Pause between two batches of a pass. Default 10 ms. */
  pauseMs?: number;
  /** DBOS's schema in the database (the robots' systemDatabaseUrl). Default `dbos`. */
  dbosSchema?: string;
}

export interface PruneResult {
  deleted: Record<RetentionKind, number>;
  /** The longest single batch (its statement, and so its transaction and row locks). */
  maxBatchMs: number;
  maxBatchMsByKind: Record<RetentionKind, number>;
  batches: number;
}

export interface Pruner {
  /** One pass over every kind; stops between batches when `signal` aborts. */
  pruneOnce(signal?: AbortSignal): Promise<PruneResult>;
  start(): void;
  stop(): Promise<void>;
}

export interface PrunerOptions {
  pool: pg.Pool;
  logger: Logger;
  policy: RetentionPolicy;
  metrics?: OperatorMetrics;
  now?: () => number;
  /** Called after every batch (benchmarks use it for the distribution of batch times). */
  onBatch?: (kind: RetentionKind, rows: number, ms: number) => void;
}

/** In this order: DBOS rows and screenshots are the bulk; runs last (their screenshots cascade). */
const ORDER: readonly RetentionKind[] = ['workflows', 'screenshots', 'healing', 'audit', 'runs'];

/** The next batch's size: shrunk in proportion when the last took longer than the target, doubled (up to max) when it took under half. */
export function nextBatchSize(size: number, tookMs: number, targetMs: number, max: number): number {
  if (tookMs > targetMs) return Math.max(MIN_BATCH, Math.floor((size * targetMs) / tookMs));
  if (tookMs < targetMs / 2) return Math.min(max, size * 2);
  return size;
}

const MIN_BATCH = 10;
const START_BATCH = 50;

export function createPruner(opts: PrunerOptions): Pruner {
  const { policy } = opts;
  const now = opts.now ?? Date.now;
  const pauseMs = policy.pauseMs ?? 10;
  const targetMs = policy.targetBatchMs ?? 20;
  const log = opts.logger.child({ component: 'retention' });
  let stopper: AbortController | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  /** DBOS's schemas: the shared one (local mode, shared database role) and each robot namespace's own. */
  const workflowSchemas = async (): Promise<string[]> => {
    const all = [...new Set([policy.dbosSchema ?? 'dbos', ...(await tenantDbosSchemas(opts.pool))])];
    const present = await Promise.all(all.map((schema) => dbosSchemaExists(opts.pool, { schema })));
    return all.filter((_, i) => present[i]);
  };

  const statement = (kind: RetentionKind, schema?: string): ((b: PruneBatch) => Promise<number>) => {
    switch (kind) {
      case 'runs':
        return (b) => deleteFinishedRunsBefore(opts.pool, b);
      case 'screenshots':
        return (b) => deleteScreenshotsBefore(opts.pool, b);
      case 'healing':
        return (b) => deleteHealingEventsBefore(opts.pool, b);
      case 'audit':
        return (b) => deleteAuditRowsBefore(opts.pool, b);
      case 'workflows':
        return (b) => deleteFinishedWorkflowsBefore(opts.pool, { ...b, schema: schema ?? policy.dbosSchema });
    }
  };

  const pruneOnce = async (signal?: AbortSignal): Promise<PruneResult> => {
    const zero = (): Record<RetentionKind, number> => ({ runs: 0, screenshots: 0, healing: 0, audit: 0, workflows: 0 });
    const result: PruneResult = { deleted: zero(), maxBatchMs: 0, maxBatchMsByKind: zero(), batches: 0 };
    const started = performance.now();
    for (const kind of ORDER) {
      const maxAge = policy.maxAgeMs[kind];
      if (maxAge === undefined || signal?.aborted) continue;
      const schemas: Array<string | undefined> = kind === 'workflows' ? await workflowSchemas() : [undefined];
      const before = new Date(now() - maxAge);
      const kindStarted = performance.now();
      for (const schema of schemas) {
        const del = statement(kind, schema);
        // Slow start: the first batch of a kind finds cold pages; it is small, and the next ones grow.
        let limit = Math.min(policy.batchSize, START_BATCH);
        for (;;) {
          const t0 = performance.now();
          const n = await del({ before, limit });
          const ms = performance.now() - t0;
          result.batches++;
          result.maxBatchMs = Math.max(result.maxBatchMs, ms);
          result.maxBatchMsByKind[kind] = Math.max(result.maxBatchMsByKind[kind], ms);
          result.deleted[kind] += n;
          opts.metrics?.retentionBatchDuration.observe({ kind }, ms / 1000);
          opts.metrics?.retentionRowsPruned.inc({ kind }, n);
          opts.onBatch?.(kind, n, ms);
          if (n < limit || signal?.aborted) break;
          limit = nextBatchSize(limit, ms, targetMs, policy.batchSize);
          await sleep(pauseMs, signal);
        }
      }
      opts.metrics?.retentionPruneDuration.observe({ kind }, (performance.now() - kindStarted) / 1000);
    }
    const summary = {
      deleted: result.deleted,
      batches: result.batches,
      maxBatchMs: Math.round(result.maxBatchMs),
      durationMs: Math.round(performance.now() - started),
    };
    if (Object.values(result.deleted).some((n) => n > 0)) log.info(summary, 'pruned old history');
    else log.debug(summary, 'found no history to prune');
    return result;
  };

  const tick = () => {
    const signal = stopper?.signal;
    running = pruneOnce(signal)
      .catch((err: unknown) => log.error({ err }, 'pruning old history failed; trying again next interval'))
      .finally(() => {
        if (timer) timer = setTimeout(tick, policy.intervalMs);
      });
  };

  return {
    pruneOnce,
    start() {
      if (timer) return;
      stopper = new AbortController();
      timer = setTimeout(tick, 0);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      stopper?.abort();
      await running;
    },
  };
}
