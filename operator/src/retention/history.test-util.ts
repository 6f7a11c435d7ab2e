// Test and bench support: history rows of finished runs written straight into a migrated database — runs
// finished at a given time, each with a screenshot, a healing event and an audit row of that time.
import type pg from 'pg';

export interface HistoryBatch {
  /** How many finished runs. */
  runs: number;
  /** When they finished (and their screenshots, healing events and audit rows were written). */
  at: Date;
  /** Name prefix, to tell batches apart. */
  prefix: string;
  state?: 'succeeded' | 'failed' | 'cancelled' | 'queued' | 'running';
}

/** Inserts one batch in one statement per table; returns the run UIDs. */
export async function seedHistory(db: pg.Pool, b: HistoryBatch): Promise<string[]> {
  const state = b.state ?? 'succeeded';
  const finished = state === 'queued' || state === 'running' ? null : b.at;
  const runs = await db.query<{ uid: string }>(
    `insert into aether.runs (uid, namespace, name, pool, task_identifier, workflow_digest, state, attempts, max_attempts,
                              created_at, updated_at, started_at, finished_at)
     select gen_random_uuid(), 'history', $1 || '-' || g, 'p', 'rpa.run.history.p', 'digest', $2, 1, 3, $3, $3, $3, $4
       from generate_series(1, $5::int) g
     returning uid`,
    [b.prefix, state, b.at, finished, b.runs],
  );
  const uids = runs.rows.map((r) => r.uid);
  // As a robot leaves a failed step: the screenshot, and the run pointing at it.
  await db.query(
    `with s as (insert into aether.screenshots (run_uid, step_id, image, taken_at)
                select u, 'step', '\\x89504e470d0a1a0a'::bytea, $2 from unnest($1::uuid[]) u returning id, run_uid)
     update aether.runs r set screenshot_id = s.id from s where r.uid = s.run_uid`,
    [uids, b.at],
  );
  await db.query(
    `insert into aether.healing_events (workflow_namespace, workflow_name, step_id, run_uid, tier, outcome, at)
     select 'history', 'wf', 'step', u, 'text', 'healed', $2 from unnest($1::uuid[]) u`,
    [uids, b.at],
  );
  await db.query(
    `insert into aether.audit_log (at, actor, action, namespace, name, run_uid) select $2, 'test', 'run.finished', 'history', 'x', u from unnest($1::uuid[]) u`,
    [uids, b.at],
  );
  return uids;
}

/** Rows per table whose run is one of `uids` (healing and audit by run_uid). */
export async function countHistory(db: pg.Pool, uids: string[]): Promise<{ runs: number; screenshots: number; healing: number; audit: number }> {
  const r = await db.query<{ runs: number; screenshots: number; healing: number; audit: number }>(
    `select (select count(*) from aether.runs where uid = any($1::uuid[]))::int as runs,
            (select count(*) from aether.screenshots where run_uid = any($1::uuid[]))::int as screenshots,
            (select count(*) from aether.healing_events where run_uid = any($1::uuid[]))::int as healing,
            (select count(*) from aether.audit_log where run_uid = any($1::uuid[]))::int as audit`,
    [uids],
  );
  return r.rows[0]!;
}
