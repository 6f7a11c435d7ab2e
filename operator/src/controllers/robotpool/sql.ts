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
