// The delivery ids and counts of inbound webhooks: one thin function per statement over
// migrations/sql/0014_webhook_replay.sql.
import type { Queryable } from '../../../api/queue/db.js';
import { MAX_TOLERANCE_SECONDS } from '../../../api/v1alpha1/rpatrigger.js';

export interface DeliveryKey {
  triggerUid: string;
  deliveryId: string;
}

/**
 * Records the delivery id as seen; false when the trigger already has it (a replay). Inside the delivery's
 * transaction: a concurrent copy of the same delivery waits here until this one commits (then false) or
 * rolls back (then it goes ahead). The row expires once the signed timestamp is past any tolerance.
 */
export async function claimDelivery(
  db: Queryable,
  d: DeliveryKey & { namespace: string; trigger: string; timestamp: number },
): Promise<boolean> {
  const r = await db.query(
    `insert into aether.webhook_deliveries (trigger_uid, delivery_id, namespace, trigger_name, expires_at)
     values ($1, $2, $3, $4, to_timestamp($5) + make_interval(secs => $6))
     on conflict (trigger_uid, delivery_id) do nothing
     returning 1`,
    [d.triggerUid, d.deliveryId, d.namespace, d.trigger, d.timestamp, MAX_TOLERANCE_SECONDS],
  );
  return r.rowCount === 1;
}

/** Stores what the delivery did (a job's name, item counts) and counts it for the trigger. */
export async function completeDelivery(
  db: Queryable,
  d: DeliveryKey & { namespace: string; trigger: string; result: Record<string, unknown> },
): Promise<void> {
  await db.query(`update aether.webhook_deliveries set result = $3 where trigger_uid = $1 and delivery_id = $2`, [
    d.triggerUid,
    d.deliveryId,
    JSON.stringify(d.result),
  ]);
  await db.query(
    `insert into aether.webhook_triggers (trigger_uid, namespace, trigger_name, deliveries, last_delivery_at)
     values ($1, $2, $3, 1, now())
     on conflict (trigger_uid) do update
        set deliveries = webhook_triggers.deliveries + 1, last_delivery_at = now()`,
    [d.triggerUid, d.namespace, d.trigger],
  );
}

export interface DeliveryCount {
  deliveries: number;
  lastDeliveryAt: Date;
}

/** Accepted deliveries of each trigger uid that has any. */
export async function deliveryCounts(db: Queryable, triggerUids: readonly string[]): Promise<Map<string, DeliveryCount>> {
  if (triggerUids.length === 0) return new Map();
  const r = await db.query<{ trigger_uid: string; deliveries: string; last_delivery_at: Date }>(
    'select trigger_uid, deliveries, last_delivery_at from aether.webhook_triggers where trigger_uid = any($1::uuid[])',
    [triggerUids],
  );
  return new Map(r.rows.map((x) => [x.trigger_uid, { deliveries: Number(x.deliveries), lastDeliveryAt: x.last_delivery_at }]));
}

/** Deletes delivery ids past their expiry (a request that old is refused by its timestamp); returns how many. */
export async function pruneDeliveries(db: Queryable, opts: { limit: number }): Promise<number> {
  const r = await db.query(
    `delete from aether.webhook_deliveries
      where ctid = any (array(select ctid from aether.webhook_deliveries where expires_at < now() limit $1))`,
    [opts.limit],
  );
  return r.rowCount ?? 0;
}

/**
 * Forgets the counts of triggers that no longer exist (uid not in `liveUids`, listed before this call);
 * a count written in the last minute stays, in case its trigger is newer than the list.
 */
export async function forgetTriggers(db: Queryable, liveUids: readonly string[]): Promise<number> {
  const r = await db.query(
    `delete from aether.webhook_triggers
      where not (trigger_uid = any($1::uuid[])) and last_delivery_at < now() - interval '1 minute'`,
    [liveUids],
  );
  return r.rowCount ?? 0;
}
