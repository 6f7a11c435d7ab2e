// The RpaJobs of a namespace that have no run row (console-unqueued.ts), kept from a watch the API server
// holds while the console lists that namespace: the first list request lists its RpaJobs once (a page at a
// time) and watches from there; a namespace not listed for `idleMs` is let go. Only the few jobs without a
// run are kept, so the runs list stays a PostgreSQL keyset page plus a merge of these.
import type { Queryable } from '../../api/queue/db.js';
import type { Logger } from '../../api/log.js';
import { runUidsAmong, type RunFilter } from './console-sql.js';
import { matchesFilter, mergePage, unqueuedRow, type UnqueuedRow } from './console-unqueued.js';
import type { KubeClient, RpaJobObject } from './kube.js';

const LIST_PAGE = 500;
const REWATCH_MS = 1000;

interface Tracked {
  rows: Map<string, UnqueuedRow>;
  ready: Promise<void>;
  usedAt: number;
  stop: () => void;
  stopped: boolean;
}

export class UnqueuedJobs {
  private readonly namespaces = new Map<string, Tracked>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly kube: Pick<KubeClient, 'listJobs' | 'watchJobs'>,
    private readonly log: Logger,
    private readonly idleMs = 10 * 60_000,
  ) {
    this.sweep = setInterval(() => this.dropIdle(), Math.max(1000, idleMs / 2));
    this.sweep.unref();
  }

  /** The namespace's jobs without a run, as list rows (none when its RpaJobs cannot be read). */
  async list(namespace: string): Promise<UnqueuedRow[]> {
    let t = this.namespaces.get(namespace);
    if (t === undefined) this.namespaces.set(namespace, (t = this.track(namespace)));
    t.usedAt = Date.now();
    await t.ready;
    return [...t.rows.values()];
  }

  close(): void {
    clearInterval(this.sweep);
    for (const t of this.namespaces.values()) this.untrack(t);
    this.namespaces.clear();
  }

  private dropIdle(): void {
    const now = Date.now();
    for (const [ns, t] of this.namespaces)
      if (now - t.usedAt > this.idleMs) {
        this.untrack(t);
        this.namespaces.delete(ns);
      }
  }

  private untrack(t: Tracked): void {
    t.stopped = true;
    t.stop();
  }

  private track(namespace: string): Tracked {
    const t: Tracked = { rows: new Map(), ready: Promise.resolve(), usedAt: Date.now(), stop: () => undefined, stopped: false };
    const apply = (type: string, job: RpaJobObject) => {
      const row = type === 'DELETED' ? null : unqueuedRow(job);
      if (row === null) t.rows.delete(job.metadata.uid);
      else t.rows.set(row.uid, row);
    };
    const start = async (): Promise<void> => {
      const rows = new Map<string, UnqueuedRow>();
      let cont: string | undefined;
      let resourceVersion: string | undefined;
      do {
        const page = await this.kube.listJobs(namespace, { limit: LIST_PAGE, ...(cont && { continue: cont }) });
        for (const job of page.items) {
          const row = unqueuedRow(job);
          if (row !== null) rows.set(row.uid, row);
        }
        cont = page.metadata?.continue;
        resourceVersion = page.metadata?.resourceVersion;
      } while (cont);
      if (t.stopped) return;
      t.rows = rows;
      t.stop = await this.kube.watchJobs(namespace, apply, (err) => {
        if (t.stopped) return;
        this.log.debug({ namespace, err: err === undefined ? undefined : String(err) }, 'unqueued RpaJobs watch ended: listing again');
        setTimeout(() => void start().catch(failed), REWATCH_MS).unref();
      }, resourceVersion);
    };
    const failed = (err: unknown) => {
      this.log.warn({ namespace, err: String(err) }, 'cannot read RpaJobs: the runs list shows queued jobs only');
      // Try again on the next list request.
      if (this.namespaces.get(namespace) === t) this.namespaces.delete(namespace);
      this.untrack(t);
    };
    t.ready = start().catch(failed);
    return t;
  }
}

/**
 * The unqueued rows that belong on the page `f` asks for (at most f.limit, newest first), without the
 * ones whose run row exists meanwhile (the list reads those from PostgreSQL).
 */
export async function unqueuedRows(ctx: { deps: { db: Queryable; unqueued?: UnqueuedJobs } }, f: RunFilter): Promise<UnqueuedRow[]> {
  if (ctx.deps.unqueued === undefined) return [];
  const rows = (await ctx.deps.unqueued.list(f.namespace)).filter((r) => matchesFilter(r, f));
  const candidates = mergePage(rows, [], f.limit).items;
  const queued = await runUidsAmong(ctx.deps.db, { uids: candidates.map((r) => r.uid) });
  return candidates.filter((r) => !queued.has(r.uid));
}
