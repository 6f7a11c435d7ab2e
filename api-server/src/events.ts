// Server-Sent Events for one namespace: `job` events from a watch on its RpaJobs (the custom resource is
// the truth), `item` events from PostgreSQL NOTIFY aether_queue_item when the queue tables exist, `robot`
// events from NOTIFY aether_robot (a robot registered or changed state). A
// comment line every `keepAliveMs` keeps proxies from closing an idle stream. When the watch ends the
// stream ends too, and the client reconnects (EventSource does so by itself after `retry`). A `job`
// event's id is the RpaJob's resourceVersion: a client reconnecting with Last-Event-ID gets what changed
// while it was away; when that is too old for the API server (410), a `reset` event clears the id and
// the client re-lists.
import type { ServerResponse } from 'node:http';
import type pg from 'pg';
import type { Logger } from '../../api/log.js';
import { createClient } from '../../api/db/pool.js';
import type { KubeApi, RpaJobObject } from './kube.js';

import { parseQueueKey, QUEUE_ITEM_CHANNEL } from '../../api/queue/items/notify.js';

export const ITEM_CHANNEL = QUEUE_ITEM_CHANNEL;
/** A robot registered or changed state (migrations/sql/0019_robot_version.sql): '<namespace>/<robot id>'. */
export const ROBOT_CHANNEL = 'aether_robot';

/** What a `robot` event carries: the robot whose row changed (read the robots again). */
export function robotEvent(payload: string): { namespace: string; robot: string } | undefined {
  const key = parseQueueKey(payload);
  return key ? { namespace: key.namespace, robot: key.queue } : undefined;
}

/** What a `job` event carries: the RpaJob's identity and the status fields a dashboard shows. */
export function jobEvent(type: string, job: RpaJobObject): Record<string, unknown> {
  const s = job.status ?? {};
  return {
    type,
    name: job.metadata.name,
    uid: job.metadata.uid,
    resourceVersion: (job.metadata as { resourceVersion?: string }).resourceVersion,
    phase: s.phase,
    attempts: s.attempts,
    robot: s.robot,
    progress: s.progress,
    currentStep: s.currentStep,
    ...(s.error !== undefined && { error: s.error }),
  };
}

/** The namespace a queue item notification (`<namespace>/<queue>`, api/queue/items/notify.ts) is about. */
export function itemNamespace(payload: string): string | undefined {
  return parseQueueKey(payload)?.namespace;
}

/** What an `item` event carries: the queue whose items changed (read them with listQueueItems). */
export function itemEvent(payload: string): { queue: string } | undefined {
  const key = parseQueueKey(payload);
  return key ? { queue: key.queue } : undefined;
}

export function sseFrame(event: string, data: unknown, id?: string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A Last-Event-ID worth resuming from: a resourceVersion (digits). */
export function resumeFrom(lastEventId: string | undefined): string | undefined {
  return lastEventId !== undefined && /^[0-9]{1,20}$/.test(lastEventId) ? lastEventId : undefined;
}

export interface ItemListener {
  /** A queue's items changed (the NOTIFY payload `<namespace>/<queue>`). */
  item: (payload: string) => void;
  /** A robot registered or changed state. */
  robot?: (event: { robot: string }) => void;
  /** Notifications may have been missed (the LISTEN connection was lost and is back): re-list. */
  gap: () => void;
}

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * One LISTEN connection for every stream; started on the first subscriber. When PostgreSQL goes away the
 * streams stay open: the connection is made again with back-off while anyone listens, and every listener
 * is told that item events may have been missed meanwhile.
 */
export class ItemNotifications {
  private client: pg.Client | undefined;
  private starting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private closed = false;
  private readonly listeners = new Map<string, Set<ItemListener>>();

  constructor(
    private readonly databaseUrl: string,
    private readonly log: Logger,
  ) {}

  async subscribe(namespace: string, listener: ItemListener): Promise<() => void> {
    await this.start();
    let set = this.listeners.get(namespace);
    if (set === undefined) this.listeners.set(namespace, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(namespace);
    };
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const client = createClient(this.databaseUrl, undefined, 'aether-api-server-listen');
      client.on('error', (err) => {
        // While connecting, connect() rejects instead; once replaced, an old client's errors do not matter.
        if (this.client !== client) return;
        this.log.warn({ err: err.message }, 'queue item LISTEN connection lost; connecting again');
        this.lost(client);
      });
      client.on('end', () => {
        if (this.client === client) this.lost(client);
      });
      client.on('notification', (n) => {
        if (n.payload === undefined) return;
        if (n.channel === ROBOT_CHANNEL) {
          const r = robotEvent(n.payload);
          if (r !== undefined) for (const l of this.listeners.get(r.namespace) ?? []) l.robot?.({ robot: r.robot });
          return;
        }
        if (n.channel !== ITEM_CHANNEL) return;
        const ns = itemNamespace(n.payload);
        if (ns === undefined) return;
        for (const l of this.listeners.get(ns) ?? []) l.item(n.payload);
      });
      try {
        await client.connect();
        await client.query(`listen ${ITEM_CHANNEL}; listen ${ROBOT_CHANNEL}`);
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
      this.client = client;
      this.reconnectDelayMs = RECONNECT_MIN_MS;
    })();
    this.starting.catch(() => (this.starting = undefined));
    return this.starting;
  }

  private lost(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    this.starting = undefined;
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || this.listeners.size === 0) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(RECONNECT_MAX_MS, this.reconnectDelayMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.start().then(
        () => {
          this.log.info('queue item LISTEN connection is back');
          for (const set of this.listeners.values()) for (const l of set) l.gap();
        },
        (err: unknown) => {
          this.log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: this.reconnectDelayMs }, 'queue item LISTEN connection failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.client = undefined;
    this.starting = undefined;
    await c?.end().catch(() => undefined);
  }
}

export interface StreamOptions {
  namespace: string;
  kube: KubeApi;
  /** Undefined when the queue tables do not exist. */
  items?: ItemNotifications;
  keepAliveMs: number;
  /** Checks again that the caller may watch (token still valid, RBAC unchanged); rejects when not. */
  recheck: () => Promise<void>;
  /** How often `recheck` runs: a revoked right ends the stream within this time. */
  recheckMs: number;
  /** The reconnecting client's Last-Event-ID header. */
  lastEventId?: string;
  log: Logger;
}

/** Streams the namespace's events to `res` until the client goes away or the watch ends. */
export async function streamEvents(res: ServerResponse, closed: Promise<void>, opts: StreamOptions): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const stops: Array<() => void> = [];
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    for (const stop of stops.splice(0)) stop();
    res.end();
  };
  void closed.then(end);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), opts.keepAliveMs);
  stops.push(() => clearInterval(keepAlive));
  const recheck = setInterval(() => {
    opts.recheck().catch((err: unknown) => {
      if (ended) return;
      opts.log.info({ namespace: opts.namespace, err: String(err) }, 'event stream ended: the caller may no longer watch');
      res.write(sseFrame('error', { reason: 'Forbidden', message: 'access to this stream was withdrawn' }));
      end();
    });
  }, opts.recheckMs);
  stops.push(() => clearInterval(recheck));
  try {
    if (opts.items) {
      const unsubscribe = await opts.items.subscribe(opts.namespace, {
        item: (payload) => {
          const event = itemEvent(payload);
          if (event) res.write(sseFrame('item', event));
        },
        robot: (event) => res.write(sseFrame('robot', event)),
        gap: () => res.write(sseFrame('items-reset', { reason: 'Reconnected', message: 'item events may have been missed while the database was away: list the items again' })),
      });
      stops.push(unsubscribe);
    }
    const stopWatch = await opts.kube.watchJobs(
      opts.namespace,
      (type, job) => {
        if (type === 'ERROR') {
          // 410: the client's Last-Event-ID is older than the API server keeps; it must list again.
          if ((job as unknown as { code?: number }).code === 410) res.write(`id\n${sseFrame('reset', { reason: 'Expired', message: 'events since the last id are gone: list the jobs again' })}`);
          end();
          return;
        }
        if (type === 'BOOKMARK') return;
        res.write(sseFrame('job', jobEvent(type, job), (job.metadata as { resourceVersion?: string }).resourceVersion));
      },
      (err) => {
        if (err !== undefined && !ended) opts.log.info({ namespace: opts.namespace, err: String(err) }, 'job watch of an event stream ended');
        end();
      },
      resumeFrom(opts.lastEventId),
    );
    stops.push(stopWatch);
    if (ended) stopWatch();
    else res.write(': ready\n\n');
  } catch (err) {
    opts.log.warn({ namespace: opts.namespace, err: String(err) }, 'event stream could not start');
    end();
  }
}
