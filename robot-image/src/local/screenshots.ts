// Screenshots of a run are kept in Postgres (the cluster has no shared disk); locally they are also
// written as PNG files, so a user can open them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Queryable } from '../../../api/queue/db.js';

export async function listRunScreenshots(
  db: Queryable,
  opts: { uid: string },
): Promise<Array<{ id: string; stepId: string; image: Buffer }>> {
  const r = await db.query<{ id: string; stepId: string; image: Buffer }>(
    `select id::text as id, step_id as "stepId", image from aether.screenshots where run_uid = $1 order by id`,
    [opts.uid],
  );
  return r.rows;
}

/** Writes the run's screenshots to `dir` as `<step>-<id>.png`; returns the files. */
export async function saveScreenshots(db: Queryable, opts: { uid: string; dir: string }): Promise<string[]> {
  const shots = await listRunScreenshots(db, opts);
  if (shots.length === 0) return [];
  mkdirSync(opts.dir, { recursive: true });
  return shots.map((s) => {
    const file = join(opts.dir, `${s.stepId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${s.id}.png`);
    writeFileSync(file, s.image);
    return file;
  });
}
