// One thin function per SQL statement on aether.artifacts (migrations/sql/0011_artifacts.sql). A robot
// role sees only its namespace's rows; the bytes are read only by readArtifactContent.
import type { Queryable } from '../db.js';

export interface ArtifactRow {
  name: string;
  stepPath: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: Date;
}

const COLUMNS = `name, step_path as "stepPath", content_type as "contentType", size::int8::float8 as size, sha256, created_at as "createdAt"`;

/**
 * Stores an artifact unless the run already has one of that name (`queueItem`: the run is that work item's,
 * migrations/sql/0016_queue_add_step.sql); either way returns the row now stored
 * under the name (the caller compares its step path: the same step resuming, or another step's name).
 */
export async function insertArtifact(
  db: Queryable,
  a: { runUid: string; namespace: string; name: string; stepPath: string; contentType: string; sha256: string; content: Buffer; queueItem?: string },
): Promise<ArtifactRow> {
  const r = await db.query<ArtifactRow>(
    `with ins as (
       insert into aether.artifacts (run_uid, namespace, name, step_path, content_type, size, sha256, content, queue_item)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (run_uid, name) do nothing
       returning ${COLUMNS})
     select * from ins
     union all
     select ${COLUMNS} from aether.artifacts where run_uid = $1 and name = $3 and not exists (select 1 from ins)`,
    [a.runUid, a.namespace, a.name, a.stepPath, a.contentType, a.content.length, a.sha256, a.content, a.queueItem ?? null],
  );
  return r.rows[0]!;
}

export async function findArtifact(db: Queryable, opts: { runUid: string; name: string }): Promise<ArtifactRow | undefined> {
  const r = await db.query<ArtifactRow>(`select ${COLUMNS} from aether.artifacts where run_uid = $1 and name = $2`, [opts.runUid, opts.name]);
  return r.rows[0];
}

/** A run's artifacts, oldest first. */
export async function listArtifacts(db: Queryable, opts: { runUid: string; limit?: number }): Promise<ArtifactRow[]> {
  const r = await db.query<ArtifactRow>(
    `select ${COLUMNS} from aether.artifacts where run_uid = $1 order by created_at, name limit $2`,
    [opts.runUid, opts.limit ?? 1000],
  );
  return r.rows;
}

/** Bytes a run's artifacts take together. */
export async function artifactBytesOfRun(db: Queryable, opts: { runUid: string }): Promise<number> {
  const r = await db.query<{ total: number }>(`select coalesce(sum(size), 0)::float8 as total from aether.artifacts where run_uid = $1`, [opts.runUid]);
  return r.rows[0]!.total;
}

export async function readArtifactContent(db: Queryable, opts: { runUid: string; name: string }): Promise<Buffer | undefined> {
  const r = await db.query<{ content: Buffer }>(`select content from aether.artifacts where run_uid = $1 and name = $2`, [opts.runUid, opts.name]);
  return r.rows[0]?.content;
}
