// The pool's reads from Postgres beyond the queue depth: its oldest waiting job, and which robot pods hold jobs.
import type { Queryable } from '../../../../api/queue/db.js';

/** Seconds the oldest ready (due, unclaimed) job of a pool has waited; 0 when none waits. */
export async function oldestReadyAgeSeconds(db: Queryable, opts: { namespace: string; pool: string }): Promise<number> {
  const r = await db.query<{ age: number }>(
    `select coalesce(extract(epoch from now() - min(run_at)), 0)::float8 as age
       from aether.runs where namespace = $1 and pool = $2 and state = 'queued' and run_at <= now()`,
    [opts.namespace, opts.pool],
  );
  return r.rows[0]?.age ?? 0;
}

/** Jobs held per robot pod of a pool (live robots only). */
export async function jobsHeldByPod(db: Queryable, opts: { namespace: string; pool: string }): Promise<Map<string, number>> {
  const r = await db.query<{ pod: string; held: number }>(
    `select pod, sum(jobs_held)::int as held from aether.robots
      where namespace = $1 and pool = $2 and state <> 'dead' and pod is not null group by pod`,
    [opts.namespace, opts.pool],
  );
  return new Map(r.rows.map((x) => [x.pod, x.held]));
}

/**
 * Records a RobotPool confinement refusal in the audit log, once per pool generation and message: a
 * second reconcile of the same refused spec (a watch event before the status write is seen) adds nothing.
 */
export async function auditPoolRefusal(
  db: Queryable,
  opts: { namespace: string; name: string; generation: number | null; message: string },
): Promise<void> {
  const details = JSON.stringify({ reason: 'Forbidden', message: opts.message, generation: opts.generation });
  await db.query(
    `insert into aether.audit_log (actor, action, namespace, name, details)
     select 'operator', 'robotpool.forbidden', $1, $2, $3::jsonb
      where not exists (
        select 1 from aether.audit_log
         where action = 'robotpool.forbidden' and namespace = $1 and name = $2
           and details->'generation' = ($3::jsonb)->'generation' and details->>'message' = $4)`,
    [opts.namespace, opts.name, details, opts.message],
  );
}
