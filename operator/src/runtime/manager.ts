// Runs the pieces of the operator together: informers (started at once, so a standby has warm caches),
// controllers (started only while this process leads), leader election, the HTTP endpoint, and an
// orderly shutdown: stop controllers (drain reconciles in flight), stop informers, release the lease,
// close the HTTP server.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../../api/log.js';
import type { Controller } from './controller.js';
import { startHttpServer, type HealthCheck, type RunningHttpServer } from './http-server.js';
import type { Informer } from './informer.js';
import { LeaderElector } from './leader-election.js';
import type { OperatorMetrics } from './metrics.js';

export interface ManagerOptions {
  kc: KubeConfig;
  logger: Logger;
  metrics: OperatorMetrics;
  http: { host: string; port: number };
  /** Undefined: no election, this process always leads (one replica, or tests). */
  leaderElection?: {
    namespace: string;
    leaseName: string;
    identity: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** Called when leadership is lost without a shutdown: the process should exit and restart clean. */
  onLostLeadership?: () => void;
}

export class Manager {
  private readonly informers: Informer<KubernetesObject>[] = [];
  private readonly controllers: Controller[] = [];
  /** Work that runs only while leading (e.g. the queue sweeper, LISTEN loops). */
  private readonly leaderTasks: Array<{ start: () => void | Promise<void>; stop: () => Promise<void> }> = [];
  private readonly opts: ManagerOptions;
  private elector: LeaderElector | undefined;
  private http: RunningHttpServer | undefined;
  private leading = false;
  private shuttingDown = false;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
  }

  addInformer<T extends KubernetesObject>(informer: Informer<T>): Informer<T> {
    this.informers.push(informer as unknown as Informer<KubernetesObject>);
    return informer;
  }

  addController(controller: Controller): Controller {
    this.controllers.push(controller);
    return controller;
  }

  addLeaderTask(task: { start: () => void | Promise<void>; stop: () => Promise<void> }): void {
    this.leaderTasks.push(task);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get httpPort(): number | undefined {
    return this.http?.port;
  }

  async start(): Promise<void> {
    const { logger, metrics } = this.opts;
    const readiness: HealthCheck[] = [
      {
        name: 'informers',
        check: () =>
          this.informers.every((i) => i.synced)
            ? undefined
            : `not synced: ${this.informers
                .filter((i) => !i.synced)
                .map((i) => i.name)
                .join(', ')}`,
      },
      { name: 'shutdown', check: () => (this.shuttingDown ? 'shutting down' : undefined) },
    ];
    const liveness: HealthCheck[] = [{ name: 'ping', check: () => undefined }];
    this.http = await startHttpServer({ ...this.opts.http, registry: metrics.registry, liveness, readiness });
    logger.info({ port: this.http.port }, 'serving metrics and health');

    await Promise.all(this.informers.map((i) => i.start()));
    logger.info({ informers: this.informers.map((i) => i.name) }, 'caches synced');

    const le = this.opts.leaderElection;
    if (!le) {
      await this.startLeading();
      return;
    }
    this.elector = new LeaderElector(this.opts.kc, {
      namespace: le.namespace,
      name: le.leaseName,
      identity: le.identity,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      logger,
      onStartedLeading: () => void this.startLeading(),
      onStoppedLeading: () => {
        if (this.shuttingDown) return;
        void this.stopLeading().then(() => this.opts.onLostLeadership?.());
      },
    });
    this.elector.start();
  }

  /** Orderly stop; safe to call twice. */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.opts.logger.info('shutting down');
    await this.stopLeading();
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.elector?.stop(); // releases the lease only after our reconciles have drained
    this.opts.metrics.leader.set(0);
    await this.http?.close();
    this.opts.logger.info('shut down');
  }

  private async startLeading(): Promise<void> {
    if (this.leading || this.shuttingDown) return;
    this.leading = true;
    this.opts.metrics.leader.set(1);
    for (const c of this.controllers) c.start();
    for (const t of this.leaderTasks) await t.start();
    // Everything known so far needs a first reconcile by this leader.
    for (const i of this.informers) i.resyncNow();
  }

  private async stopLeading(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.opts.metrics.leader.set(0);
    await Promise.all([...this.controllers.map((c) => c.stop()), ...this.leaderTasks.map((t) => t.stop())]);
  }
}
