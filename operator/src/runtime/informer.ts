// An informer: the client library's ListWatch (list, then watch from the list's resourceVersion, re-list
// on 410 Gone, an object cache), plus what it leaves to its user: restarting after an error with
// backoff, a bounded watch duration, bookmarks, a resync period, and knowing when the cache is synced.
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '../../../api/log.js';
import { exponentialBackoffMs, withJitter } from '../../../api/queue/backoff.js';

export type InformerEvent = 'add' | 'update' | 'delete' | 'resync';
export type InformerHandler<T> = (obj: T, event: InformerEvent) => void;

export interface InformerOptions<T extends KubernetesObject> {
  /** For logs and metrics, e.g. "rpajobs". */
  name: string;
  /** Collection path, e.g. /api/v1/namespaces/ns/configmaps or /apis/rpa.aether.dev/v1alpha1/rpajobs. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  /** Re-deliver every cached object this often (0 = never); default 10 min. */
  resyncMs?: number;
  /** The server ends each watch after this long and it is resumed from the last resourceVersion; default 5 min. */
  watchTimeoutSeconds?: number;
  logger: Logger;
}

export class Informer<T extends KubernetesObject> {
  readonly name: string;
  private readonly lw: ListWatch<T>;
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly logger: Logger;
  private readonly resyncMs: number;
  private resyncTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = true;
  private lastError: unknown;
  private startPromise: Promise<void> | undefined;
  private syncedFlag = false;
  private syncWaiters: Array<() => void> = [];
  /** Times a watch was (re)opened: after a list, a server-side timeout, an error or a 410. */
  connects = 0;

  constructor(kc: KubeConfig, opts: InformerOptions<T>) {
    this.name = opts.name;
    this.logger = opts.logger.child({ informer: opts.name });
    this.resyncMs = opts.resyncMs ?? 10 * 60_000;
    const timeout = opts.watchTimeoutSeconds ?? 300;
    // ListWatch sends only resourceVersion and selectors; the rest rides on the path's query.
    const sep = opts.path.includes('?') ? '&' : '?';
    const path = `${opts.path}${sep}allowWatchBookmarks=true&timeoutSeconds=${Math.max(1, Math.round(timeout))}`;
    this.lw = new ListWatch<T>(path, new Watch(kc), opts.list, false, opts.labelSelector);
    this.lw.on('add', (o) => this.emit(o, 'add'));
    this.lw.on('update', (o) => this.emit(o, 'update'));
    this.lw.on('delete', (o) => this.emit(o, 'delete'));
    this.lw.on('connect', () => {
      this.connects++;
    });
    this.lw.on('error', (err) => this.onError(err));
  }

  /** True once the first list has filled the cache. */
  get synced(): boolean {
    return this.syncedFlag;
  }

  onChange(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.lw.get(name, namespace);
  }

  list(namespace?: string): ReadonlyArray<T> {
    return this.lw.list(namespace);
  }

  /** Starts listing and watching; resolves once the cache is synced (or the informer is stopped). */
  start(): Promise<void> {
    if (!this.stopped) return this.waitForSync();
    this.stopped = false;
    this.run();
    if (this.resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), this.resyncMs);
      this.resyncTimer.unref();
    }
    return this.waitForSync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    clearTimeout(this.restartTimer);
    for (const w of this.syncWaiters.splice(0)) w();
    await this.lw.stop();
    // A list in flight during stop() goes on to open a watch; abort that one as well.
    await this.startPromise?.catch(() => undefined);
    await this.lw.stop();
  }

  waitForSync(): Promise<void> {
    if (this.syncedFlag || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  private run(): void {
    this.lastError = undefined;
    const attempt = this.lw.start().then(() => {
      if (this.lastError !== undefined || this.stopped) return;
      this.failures = 0;
      if (!this.syncedFlag) {
        this.syncedFlag = true;
        for (const w of this.syncWaiters.splice(0)) w();
      }
    });
    this.startPromise = attempt;
  }

  private onError(err: unknown): void {
    this.lastError = err;
    if (this.stopped) return;
    this.failures++;
    const delay = withJitter(exponentialBackoffMs(this.failures, { baseMs: 500, maxMs: 30_000 }), 0.2);
    this.logger.warn({ err, retryInMs: Math.round(delay) }, 'watch failed; restarting');
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.stopped) this.run();
    }, delay);
  }

  private emit(obj: T, event: InformerEvent): void {
    for (const h of this.handlers) {
      try {
        h(obj, event);
      } catch (err) {
        this.logger.error({ err, event }, 'informer handler threw');
      }
    }
  }

  /** Re-delivers every cached object now (e.g. when this process has just become leader). */
  resyncNow(): void {
    this.resync();
  }

  private resync(): void {
    for (const obj of this.lw.list()) this.emit(obj, 'resync');
  }
}
