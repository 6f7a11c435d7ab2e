// One controller: a work queue of keys fed by informers, a bounded number of workers, and a reconcile
// function whose typed result decides what happens to the key next.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../../api/log.js';
import type { Informer, InformerEvent } from './informer.js';
import { objectKey, parseKey, type ObjectKey } from './key.js';
import type { OperatorMetrics } from './metrics.js';
import { TerminalError, type ReconcileOutcome, type ReconcileResult } from './result.js';
import { WorkQueue } from './workqueue.js';

export interface ReconcileContext {
  logger: Logger;
  /** Aborted when the controller stops: long waits inside a reconcile should end early. */
  signal: AbortSignal;
}

export type Reconcile = (key: ObjectKey, ctx: ReconcileContext) => Promise<ReconcileResult>;

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Reconciles running at once (different keys); default 2. */
  concurrency?: number;
  queue?: WorkQueue;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly reconcileFn: Reconcile;
  private readonly logger: Logger;
  private readonly metrics: OperatorMetrics | undefined;
  private readonly concurrency: number;
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.reconcileFn = opts.reconcile;
    this.logger = opts.logger.child({ controller: opts.name });
    this.metrics = opts.metrics;
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.queue = opts.queue ?? new WorkQueue();
    this.metrics?.trackQueueDepth(this.name, () => this.queue.length);
  }

  get running(): boolean {
    return this.workers.length > 0;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  /**
   * Feeds the queue from an informer. `toKeys` maps an object to the keys it concerns (default: its
   * own key); e.g. a Deployment maps to its owning RobotPool.
   */
  watch<T extends KubernetesObject>(
    informer: Informer<T>,
    toKeys: (obj: T, event: InformerEvent) => string[] = (o) => [objectKey(o)],
  ): void {
    informer.onChange((obj, event) => {
      for (const key of toKeys(obj, event)) this.enqueue(key);
    });
  }

  /** Starts the workers; keys queued before now are processed too. */
  start(): void {
    if (this.workers.length > 0) return;
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.work());
  }

  /** Stops taking keys, waits for reconciles in flight (the drain), then returns. */
  async stop(): Promise<void> {
    const drained = this.queue.shutDown();
    this.abort.abort();
    await drained;
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.processOne(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async processOne(key: string): Promise<void> {
    const ref = parseKey(key);
    // The child logger is made on first use: most reconciles log nothing.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= this.logger.child({ namespace: ref.namespace, name: ref.name }));
    const ctx: ReconcileContext = {
      get logger() {
        return log();
      },
      signal: this.abort.signal,
    };
    const started = process.hrtime.bigint();
    let outcome: ReconcileOutcome;
    try {
      const result = await this.reconcileFn(ref, ctx);
      this.queue.forget(key);
      if (result.type === 'requeueAfter') {
        this.queue.addAfter(key, result.afterMs);
        outcome = 'requeue';
      } else {
        outcome = 'success';
      }
      if (this.logger.isLevelEnabled('debug')) log().debug({ outcome }, 'reconciled');
    } catch (err) {
      if (err instanceof TerminalError) {
        // A bad spec: the reconcile has reported it on the resource; a retry would not help.
        this.queue.forget(key);
        outcome = 'terminal';
        log().warn({ err }, 'reconcile failed terminally');
      } else {
        const delayMs = this.queue.addRateLimited(key);
        outcome = 'error';
        log().warn({ err, retryInMs: delayMs, attempt: this.queue.numRequeues(key) }, 'reconcile failed; retrying');
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.metrics?.reconciles.inc({ controller: this.name, result: outcome });
    if (outcome === 'error' || outcome === 'terminal') this.metrics?.reconcileErrors.inc({ controller: this.name });
    this.metrics?.reconcileDuration.observe({ controller: this.name }, seconds);
  }
}
