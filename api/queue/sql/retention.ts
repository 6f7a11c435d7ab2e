// One thin function per SQL statement that deletes history: a bounded batch of rows older than a cut-off
// per kind (the retention pruner, operator/src/retention), and all rows of one job (a finished RpaJob whose
// ttlSecondsAfterFinished passed). Batches pick their rows through an index on the age column
// (migrations/sql/0006_retention_indexes.sql) and delete them by ctid (a TID scan), so one batch holds its
// row locks for milliseconds; rows another transaction holds are skipped (SKIP LOCKED), not waited for.
//
// DBOS keeps its own schema (default `dbos`); the robots create it on their first launch, so it may be
// missing. Its per-workflow rows hang off workflow_status by foreign keys with ON DELETE CASCADE (steps'
// notifications, events, streams, queue entries), except the payload tables workflow_input,
// workflow_output and operation_outputs, which carry none (DBOS's own deleteWorkflows deletes those
// first, by workflow_uuid): so do we.
import type { Queryable } from '../db.js';

/** The kinds of history the pruner deletes, each with its own age. */
export type RetentionKind = 'runs' | 'screenshots' | 'healing' | 'audit' | 'workflows';

export const DEFAULT_DBOS_SCHEMA = 'dbos';
/** DBOS statuses after which a workflow never runs again. */
const FINISHED_WORKFLOW_STATUSES = ['SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'];
const DBOS_PAYLOAD_TABLES = ['workflow_input', 'workflow_output', 'operation_outputs'] as const;

export interface PruneBatch {
  /** Rows older than this go (runs: finished before it; DBOS workflows: created before it). */
  before: Date;
  /** At most this many rows (of the kind's main table) per statement. */
  limit: number;
}

function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

async function deleteByCtid(db: Queryable, table: string, where: string, opts: PruneBatch): Promise<number> {
  const r = await db.query(
    `delete from ${table} where ctid = any(array(
       select ctid from ${table} where ${where} limit $2 for update skip locked))`,
    [opts.before, opts.limit],
  );
  return r.rowCount ?? 0;
}

/** Finished runs (succeeded, failed, cancelled) whose finished_at is older than `before`; their screenshots go with them (cascade). */
export function deleteFinishedRunsBefore(db: Queryable, opts: PruneBatch): Promise<number> {
  return deleteByCtid(db, 'aether.runs', `state in ('succeeded', 'failed', 'cancelled') and finished_at < $1`, opts);
}

/** Screenshots taken before `before` (a run keeps its row; its screenshot_id becomes null). */
export function deleteScreenshotsBefore(db: Queryable, opts: PruneBatch): Promise<number> {
  return deleteByCtid(db, 'aether.screenshots', 'taken_at < $1', opts);
}

/** Healing events recorded before `before` (the element descriptors they learned from stay). */
export function deleteHealingEventsBefore(db: Queryable, opts: PruneBatch): Promise<number> {
  return deleteByCtid(db, 'aether.healing_events', 'at < $1', opts);
}

/** Audit rows written before `before`. */
export function deleteAuditRowsBefore(db: Queryable, opts: PruneBatch): Promise<number> {
  return deleteByCtid(db, 'aether.audit_log', 'at < $1', opts);
}

/** Whether DBOS's schema exists in this database (robots create it when they first launch). */
export async function dbosSchemaExists(db: Queryable, opts: { schema?: string } = {}): Promise<boolean> {
  const r = await db.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [
    `${ident(opts.schema ?? DEFAULT_DBOS_SCHEMA)}.workflow_status`,
  ]);
  return r.rows[0]?.ok ?? false;
}

/** The statement that deletes the DBOS workflows chosen by `doomed` (a CTE yielding workflow_uuid), payload tables first. */
function deleteWorkflowsSql(schema: string, doomed: string): string {
  const s = ident(schema);
  const payload = DBOS_PAYLOAD_TABLES.map(
    (t, i) => `p${i} as (delete from ${s}.${t} where workflow_uuid in (select workflow_uuid from doomed))`,
  );
  return `with doomed as (${doomed}), ${payload.join(', ')}
    delete from ${s}.workflow_status where workflow_uuid in (select workflow_uuid from doomed)`;
}

/** Finished DBOS workflows created before `before`, with their steps' outputs, inputs and events. */
export async function deleteFinishedWorkflowsBefore(db: Queryable, opts: PruneBatch & { schema?: string }): Promise<number> {
  const schema = opts.schema ?? DEFAULT_DBOS_SCHEMA;
  const doomed = `select workflow_uuid from ${ident(schema)}.workflow_status
     where created_at < $1 and status = any($3::text[]) limit $2 for update skip locked`;
  const r = await db.query(deleteWorkflowsSql(schema, doomed), [
    opts.before.getTime(),
    opts.limit,
    FINISHED_WORKFLOW_STATUSES,
  ]);
  return r.rowCount ?? 0;
}

/**
 * The DBOS workflows of one job: one per attempt, `rpa-<uid>-a<n>` (robot-image/src/durable/ids.ts) for
 * n = 1 .. the run's max_attempts (an attempt starts only after a real failure, so n never exceeds it), or
 * `attempts` when the run row is already gone.
 */
export async function deleteJobWorkflows(db: Queryable, opts: { uid: string; attempts: number; schema?: string }): Promise<number> {
  const doomed = `select 'rpa-' || $1::text || '-a' || n as workflow_uuid
     from generate_series(1, greatest($2::int, coalesce((select max_attempts from aether.runs where uid = $1::uuid), 1))) n`;
  const r = await db.query(deleteWorkflowsSql(opts.schema ?? DEFAULT_DBOS_SCHEMA, doomed), [opts.uid, opts.attempts]);
  return r.rowCount ?? 0;
}

export interface JobRowsDeleted {
  runs: number;
  healing: number;
  audit: number;
}

/** The run row of one job (its screenshots by cascade), its healing events and its audit rows. */
export async function deleteJobRows(db: Queryable, opts: { uid: string }): Promise<JobRowsDeleted> {
  const r = await db.query<{ runs: number; healing: number; audit: number }>(
    `with h as (delete from aether.healing_events where run_uid = $1::uuid returning 1),
          a as (delete from aether.audit_log where run_uid = $1::uuid returning 1),
          r as (delete from aether.runs where uid = $1::uuid returning 1)
     select (select count(*) from r)::int as runs, (select count(*) from h)::int as healing, (select count(*) from a)::int as audit`,
    [opts.uid],
  );
  return r.rows[0] ?? { runs: 0, healing: 0, audit: 0 };
}
