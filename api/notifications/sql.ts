// aether.notifications and aether.notification_deliveries (migrations/sql/0015_notifications.sql): one
// function per statement. Glossary there. Deliveries are written by triggers (jobs, items) and by
// recordNotificationEvent (a queue's SLA breach); the operator's sender claims and settles them.
import type { Queryable } from '../queue/db.js';
import type { NotificationEvent } from '../v1alpha1/rpanotification.js';

/** NOTIFY channel: deliveries were recorded in the namespace (payload: the namespace). */
export const NOTIFICATION_CHANNEL = 'aether_notification';

export interface NotificationRow {
  namespace: string;
  name: string;
  uid?: string | undefined;
  url: string;
  events: readonly NotificationEvent[];
  workflows?: readonly string[] | undefined;
  queues?: readonly string[] | undefined;
  pools?: readonly string[] | undefined;
  maxAttempts: number;
  backoffInitialSeconds: number;
  backoffMaxSeconds: number;
  secretName: string;
  secretKey: string;
  /** False while the operator refuses the URL: no event is recorded for it. */
  enabled: boolean;
}

/** Writes the notification's row (insert or update). */
export async function upsertNotification(db: Queryable, n: NotificationRow): Promise<void> {
  await db.query(
    `insert into aether.notifications (namespace, name, uid, url, events, workflows, queues, pools, max_attempts,
                                       backoff_initial_seconds, backoff_max_seconds, secret_name, secret_key, enabled)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     on conflict (namespace, name) do update
        set uid = excluded.uid, url = excluded.url, events = excluded.events, workflows = excluded.workflows,
            queues = excluded.queues, pools = excluded.pools, max_attempts = excluded.max_attempts,
            backoff_initial_seconds = excluded.backoff_initial_seconds, backoff_max_seconds = excluded.backoff_max_seconds,
            secret_name = excluded.secret_name, secret_key = excluded.secret_key, enabled = excluded.enabled,
            updated_at = now()
      where (notifications.uid, notifications.url, notifications.events, notifications.workflows, notifications.queues,
             notifications.pools, notifications.max_attempts, notifications.backoff_initial_seconds,
             notifications.backoff_max_seconds, notifications.secret_name, notifications.secret_key, notifications.enabled)
            is distinct from
            (excluded.uid, excluded.url, excluded.events, excluded.workflows, excluded.queues, excluded.pools,
             excluded.max_attempts, excluded.backoff_initial_seconds, excluded.backoff_max_seconds, excluded.secret_name,
             excluded.secret_key, excluded.enabled)`,
    [
      n.namespace, n.name, n.uid ?? null, n.url, n.events, n.workflows ?? null, n.queues ?? null, n.pools ?? null,
      n.maxAttempts, n.backoffInitialSeconds, n.backoffMaxSeconds, n.secretName, n.secretKey, n.enabled,
    ],
  );
}

/** Deletes the notification and its deliveries; true when it existed. */
export async function deleteNotification(db: Queryable, opts: { namespace: string; name: string }): Promise<boolean> {
  const r = await db.query('delete from aether.notifications where namespace = $1 and name = $2', [opts.namespace, opts.name]);
  return (r.rowCount ?? 0) > 0;
}

/**
 * Records an event the database cannot see by itself (a queue's SLA breach): one delivery per notification
 * of the namespace that wants it. Returns how many. Only the schema owner may call it.
 */
export async function recordNotificationEvent(
  db: Queryable,
  e: { namespace: string; event: NotificationEvent; subject: string; workflow?: string | null; queue?: string | null; pool?: string | null; payload: Record<string, unknown> },
): Promise<number> {
  const r = await db.query<{ n: number }>('select aether.record_notification_event($1, $2, $3, $4, $5, $6, $7) as n', [
    e.namespace, e.event, e.subject, e.workflow ?? null, e.queue ?? null, e.pool ?? null, JSON.stringify(e.payload),
  ]);
  return r.rows[0]?.n ?? 0;
}

export interface ClaimedDelivery {
  id: string;
  namespace: string;
  notification: string;
  event: NotificationEvent;
  subject: string;
  payload: Record<string, unknown>;
  /** POSTs started, this one included. */
  attempts: number;
  url: string;
  secretName: string;
  secretKey: string;
  maxAttempts: number;
  backoffInitialSeconds: number;
  backoffMaxSeconds: number;
  /** When the event was recorded. */
  createdAt: Date;
}

/**
 * Takes up to `limit` due Pending deliveries for one attempt each: attempts + 1, and next_attempt_at moved
 * `leaseSeconds` ahead, so a sender that dies mid-POST leaves the delivery due again then (never lost, never
 * sent by two senders at once). One short statement: no transaction stays open during the POST.
 */
export async function claimDueDeliveries(db: Queryable, opts: { limit: number; leaseSeconds: number }): Promise<ClaimedDelivery[]> {
  const r = await db.query<ClaimedDelivery>(
    `with due as (
       select d.id from aether.notification_deliveries d
        where d.state = 'Pending' and d.next_attempt_at <= now()
        order by d.next_attempt_at
        limit $1
        for update skip locked
     )
     update aether.notification_deliveries d
        set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
       from due, aether.notifications n
      where d.id = due.id and n.namespace = d.namespace and n.name = d.notification
     returning d.id::text, d.namespace, d.notification, d.event, d.subject, d.payload, d.attempts, n.url,
               n.secret_name as "secretName", n.secret_key as "secretKey", n.max_attempts as "maxAttempts",
               n.backoff_initial_seconds as "backoffInitialSeconds", n.backoff_max_seconds as "backoffMaxSeconds",
               d.created_at as "createdAt"`,
    [opts.limit, opts.leaseSeconds],
  );
  return r.rows;
}

export type AttemptResult =
  | { state: 'Delivered'; status: number }
  | { state: 'Pending'; status: number | null; error: string; retryInMs: number }
  | { state: 'Failed'; status: number | null; error: string };

/** Records how one attempt ended (the delivery must be at that attempt: a stale sender writes nothing). */
export async function settleDelivery(db: Queryable, opts: { id: string; attempt: number; result: AttemptResult }): Promise<boolean> {
  const { result } = opts;
  const error = result.state === 'Delivered' ? null : result.error.slice(0, 1024);
  const r = await db.query(
    `update aether.notification_deliveries
        set state = $3, last_status = $4, last_error = $5, last_attempt_at = now(),
            next_attempt_at = case when $3 = 'Pending' then now() + make_interval(secs => $6::double precision / 1000) else next_attempt_at end,
            delivered_at = case when $3 = 'Delivered' then now() else delivered_at end,
            finished_at = case when $3 = 'Pending' then null else now() end
      where id = $1 and attempts = $2 and state = 'Pending'`,
    [opts.id, opts.attempt, result.state, result.status, error, result.state === 'Pending' ? result.retryInMs : 0],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Gives a claimed delivery back without counting its attempt (nothing was POSTed: the sender had no signing
 * key), due again in `retryInMs`, with why in last_error. A stale sender writes nothing.
 */
export async function deferDelivery(db: Queryable, opts: { id: string; attempt: number; error: string; retryInMs: number }): Promise<boolean> {
  const r = await db.query(
    `update aether.notification_deliveries
        set attempts = attempts - 1, last_error = $3,
            next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
      where id = $1 and attempts = $2 and state = 'Pending'`,
    [opts.id, opts.attempt, opts.error.slice(0, 1024), opts.retryInMs],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Seconds until the next Pending delivery is due (0: one is due now); null when none is pending. */
export async function nextDueInMs(db: Queryable): Promise<number | null> {
  const r = await db.query<{ ms: number | null }>(
    `select greatest(0, extract(epoch from (min(next_attempt_at) - now())) * 1000)::float8 as ms
       from aether.notification_deliveries where state = 'Pending'`,
  );
  return r.rows[0]?.ms ?? null;
}

export interface NotificationCounts {
  pending: number;
  delivered: number;
  failed: number;
  /** The last attempt of any delivery of the notification. */
  last?: { at: Date; status: number | null; state: 'Pending' | 'Delivered' | 'Failed' };
}

/** The notification's deliveries by state, and its last attempt. */
export async function notificationCounts(db: Queryable, opts: { namespace: string; name: string }): Promise<NotificationCounts> {
  const counts = await db.query<{ state: string; n: number }>(
    `select state, count(*)::int as n from aether.notification_deliveries
      where namespace = $1 and notification = $2 group by state`,
    [opts.namespace, opts.name],
  );
  const last = await db.query<{ at: Date; status: number | null; state: 'Pending' | 'Delivered' | 'Failed' }>(
    `select last_attempt_at as at, last_status as status, state from aether.notification_deliveries
      where namespace = $1 and notification = $2 and last_attempt_at is not null
      order by last_attempt_at desc limit 1`,
    [opts.namespace, opts.name],
  );
  const by = Object.fromEntries(counts.rows.map((r) => [r.state, r.n]));
  return {
    pending: by.Pending ?? 0,
    delivered: by.Delivered ?? 0,
    failed: by.Failed ?? 0,
    ...(last.rows[0] && { last: last.rows[0] }),
  };
}

/** Pending deliveries of every notification (the pending gauge). */
export async function pendingDeliveries(db: Queryable): Promise<number> {
  const r = await db.query<{ n: number }>(`select count(*)::int as n from aether.notification_deliveries where state = 'Pending'`);
  return r.rows[0]?.n ?? 0;
}

export interface DeliveryRow {
  id: string;
  notification: string;
  event: NotificationEvent;
  subject: string;
  state: 'Pending' | 'Delivered' | 'Failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  payload: Record<string, unknown>;
}

/** A namespace's deliveries, oldest first (tests, troubleshooting). */
export async function listDeliveries(db: Queryable, opts: { namespace: string; notification?: string }): Promise<DeliveryRow[]> {
  const r = await db.query<DeliveryRow>(
    `select id::text, notification, event, subject, state, attempts, last_status as "lastStatus", last_error as "lastError", payload
       from aether.notification_deliveries
      where namespace = $1 and ($2::text is null or notification = $2)
      order by created_at, id`,
    [opts.namespace, opts.notification ?? null],
  );
  return r.rows;
}

/** Deletes up to `limit` Delivered/Failed deliveries finished before `before`; returns how many. */
export async function deleteFinishedDeliveriesBefore(db: Queryable, opts: { before: Date; limit: number }): Promise<number> {
  const r = await db.query(
    `delete from aether.notification_deliveries where id in (
       select id from aether.notification_deliveries where state <> 'Pending' and finished_at < $1 limit $2)`,
    [opts.before, opts.limit],
  );
  return r.rowCount ?? 0;
}

export interface NotificationKey {
  namespace: string;
  name: string;
  uid: string | null;
}

/** Every mirrored notification's identity (housekeeping compares them with the RpaNotifications that exist). */
export async function listNotificationKeys(db: Queryable): Promise<NotificationKey[]> {
  const r = await db.query<NotificationKey>('select namespace, name, uid::text as uid from aether.notifications order by namespace, name');
  return r.rows;
}

/** Removes the notification and its deliveries only while its row still has this uid (not one recreated meanwhile). */
export async function deleteNotificationIfUid(db: Queryable, key: NotificationKey): Promise<boolean> {
  const r = await db.query('delete from aether.notifications where namespace = $1 and name = $2 and uid is not distinct from $3::uuid', [key.namespace, key.name, key.uid]);
  return (r.rowCount ?? 0) > 0;
}
