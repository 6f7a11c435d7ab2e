// The notification sender (leader only): claims due deliveries (`for update skip locked`, a lease instead
// of an open transaction), signs and POSTs each, and records the attempt. Wakes on NOTIFY
// aether_notification and when the next retry is due; polls as a fallback. A database that goes away
// costs a backed-off retry of the loop, never the process.
import type pg from 'pg';
import type { DbSettings } from '../../../api/db/pool.js';
import type { Logger } from '../../../api/log.js';
import {
  claimDueDeliveries,
  deferDelivery,
  deleteFinishedDeliveriesBefore,
  deleteNotificationIfUid,
  listNotificationKeys,
  nextDueInMs,
  NOTIFICATION_CHANNEL,
  pendingDeliveries,
  settleDelivery,
  type AttemptResult,
  type ClaimedDelivery,
} from '../../../api/notifications/sql.js';
import { exponentialBackoffMs } from '../../../api/queue/backoff.js';
import { createChannelListener } from '../../../api/queue/listen.js';
import { orphanedQueues, type QueueLookup } from '../controllers/rpaqueue/orphans.js';
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../api/webhooks/signature.js';
import type { OperatorMetrics } from '../runtime/metrics.js';
import { KeyUnavailableError, type SigningKeys } from './keys.js';
import { attemptResult, keyUnavailableResult } from './outcome.js';
import { postDelivery, type PostResult, type Resolver } from './post.js';
import type { TargetPolicy } from './target.js';

export const DELIVERY_HEADERS = { event: 'X-Aether-Event', delivery: 'X-Aether-Delivery' } as const;

export interface NotificationSenderOptions {
  db: pg.Pool;
  databaseUrl: string;
  dbSettings?: DbSettings;
  logger: Logger;
  metrics: OperatorMetrics;
  keys: SigningKeys;
  policy: TargetPolicy;
  /** Longest sleep without a NOTIFY (default 5 s). */
  pollMs?: number;
  /** Per POST (default 10 s). */
  timeoutMs?: number;
  /** Deliveries POSTed at once (default 16). */
  batchSize?: number;
  /** How soon a delivery whose signing key could not be read is tried again (no attempt used). Default 30 s. */
  keyRetryMs?: number;
  now?: () => number;
  resolve?: Resolver;
  /** An attempt was recorded (the notification's status follows). */
  onSettled?: (d: ClaimedDelivery, result: AttemptResult) => void;
  /**
   * Housekeeping between passes: rows of RpaNotifications deleted while no operator watched (their
   * deliveries would go on being recorded and sent) and finished deliveries older than retentionMs.
   */
  housekeeping?: {
    /** The live RpaNotification's uid; undefined: none; null: not a watched namespace. */
    lookup: QueueLookup;
    /** False until the informers listed (an empty cache is not "all deleted"). */
    synced: () => boolean;
    intervalMs?: number;
    retentionMs?: number;
  };
}

/** Finished deliveries are kept this long by default. */
export const DELIVERY_RETENTION_MS = 7 * 86_400_000;

export interface NotificationSender {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createNotificationSender(opts: NotificationSenderOptions): NotificationSender {
  const log = opts.logger.child({ component: 'notification-sender' });
  const pollMs = opts.pollMs ?? 5000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const batchSize = opts.batchSize ?? 16;
  // A claim outlives the POST by a margin: only a sender that died leaves a delivery to be taken again.
  const leaseSeconds = Math.ceil(timeoutMs / 1000) + 30;
  const now = opts.now ?? Date.now;
  let stopped = true;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const listener = createChannelListener({
    databaseUrl: opts.databaseUrl,
    ...(opts.dbSettings && { dbSettings: opts.dbSettings }),
    channel: NOTIFICATION_CHANNEL,
    logger: log,
    onNotification: wake,
    onReconnect: wake,
    fallback: 'polling',
  });

  const keyRetryMs = opts.keyRetryMs ?? 30_000;

  async function attempt(d: ClaimedDelivery, key: Buffer): Promise<PostResult> {
    const body = JSON.stringify(d.payload);
    const timestamp = String(Math.floor(now() / 1000));
    return postDelivery({
      url: d.url,
      body,
      timeoutMs,
      policy: opts.policy,
      ...(opts.resolve && { resolve: opts.resolve }),
      headers: {
        [DELIVERY_HEADERS.event]: d.event,
        [DELIVERY_HEADERS.delivery]: d.id,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signWebhook(key, timestamp, body),
        'user-agent': 'aether-operator',
      },
    });
  }

  /** The delivery's signing key, or why there is none (its Secret is missing, unreadable or lacks the key). */
  async function signingKey(d: ClaimedDelivery): Promise<Buffer | KeyUnavailableError> {
    try {
      return await opts.keys.get(d.namespace, { name: d.secretName, key: d.secretKey });
    } catch (err) {
      if (err instanceof KeyUnavailableError) return err;
      throw err;
    }
  }

  async function deliver(d: ClaimedDelivery): Promise<void> {
    const fields = { namespace: d.namespace, notification: d.notification, delivery: d.id, event: d.event, attempt: d.attempts };
    const key = await signingKey(d);
    let result: AttemptResult;
    if (key instanceof KeyUnavailableError) {
      const waiting = keyUnavailableResult({ error: key.message, createdAt: d.createdAt, now: now(), retryMs: keyRetryMs });
      if (waiting.state === 'Deferred') {
        if (await deferDelivery(opts.db, { id: d.id, attempt: d.attempts, error: waiting.error, retryInMs: waiting.retryInMs }))
          log.warn({ ...fields, error: waiting.error, retryInMs: waiting.retryInMs }, 'notification delivery waits for its signing key');
        return;
      }
      result = waiting;
    } else {
      const posted = await attempt(d, key);
      result = attemptResult({
        attempt: d.attempts,
        maxAttempts: d.maxAttempts,
        backoff: { initialSeconds: d.backoffInitialSeconds, maxSeconds: d.backoffMaxSeconds },
        ...(posted.status !== undefined && { status: posted.status }),
        ...(posted.error !== undefined && { error: posted.error }),
      });
    }
    const written = await settleDelivery(opts.db, { id: d.id, attempt: d.attempts, result });
    if (!written) return; // deleted meanwhile (its notification went away)
    opts.metrics.notificationDeliveries.inc({ outcome: result.state === 'Delivered' ? 'delivered' : result.state === 'Failed' ? 'failed' : 'retry' });
    const status = result.status;
    if (result.state === 'Failed') log.warn({ ...fields, status, error: result.error }, 'notification delivery failed for good');
    else if (result.state === 'Pending') log.info({ ...fields, status, error: result.error, retryInMs: result.retryInMs }, 'notification delivery failed; retry scheduled');
    opts.onSettled?.(d, result);
  }

  let lastHousekeeping = -Infinity;
  async function housekeeping(): Promise<void> {
    const h = opts.housekeeping;
    if (!h || now() - lastHousekeeping < (h.intervalMs ?? 60_000) || !h.synced()) return;
    lastHousekeeping = now();
    for (const key of orphanedQueues(await listNotificationKeys(opts.db), h.lookup)) {
      if (h.lookup(key.namespace, key.name) === key.uid) continue;
      if (await deleteNotificationIfUid(opts.db, key))
        log.info({ kind: 'RpaNotification', namespace: key.namespace, name: key.name, uid: key.uid }, 'deleted the deliveries of an RpaNotification that no longer exists');
    }
    await deleteFinishedDeliveriesBefore(opts.db, { before: new Date(now() - (h.retentionMs ?? DELIVERY_RETENTION_MS)), limit: 1000 });
  }

  /** Sends everything due; returns how long to sleep. */
  async function pass(): Promise<number> {
    await housekeeping();
    for (;;) {
      const claimed = await claimDueDeliveries(opts.db, { limit: batchSize, leaseSeconds });
      await Promise.all(claimed.map(deliver));
      if (claimed.length < batchSize || stopped) break;
    }
    opts.metrics.notificationsPending.set(await pendingDeliveries(opts.db));
    const next = await nextDueInMs(opts.db);
    return next === null ? pollMs : Math.min(pollMs, Math.max(10, Math.ceil(next)));
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      let sleepMs: number;
      woken = false;
      try {
        sleepMs = await pass();
        if (failures > 0) log.info({ failures }, 'notification sender reached the database again');
        failures = 0;
      } catch (err) {
        failures++;
        sleepMs = exponentialBackoffMs(failures, { baseMs: 500, maxMs: 30_000 });
        if (failures === 1 || failures % 10 === 0)
          log.warn({ err: err instanceof Error ? err.message : String(err), failures, retryInMs: sleepMs }, 'notification sender could not reach the database; retrying');
      }
      if (stopped || woken) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, sleepMs);
        wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  }

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      await listener.start();
      loop = run();
    },
    async stop() {
      stopped = true;
      wake();
      await listener.stop();
      await loop;
      loop = undefined;
    },
  };
}
