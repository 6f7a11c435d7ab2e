// Local mode: a run's artifacts are also written as files under the data dir (runs/<uid>/artifacts/<name>),
// one at a time. Names are plain file names (the table's check), so they cannot leave the folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Queryable } from '../../../api/queue/db.js';
import { listArtifacts, readArtifactContent } from '../../../api/queue/sql/artifacts.js';
import { artifactNameProblem } from '../../../api/v1alpha1/artifacts.js';

export async function saveArtifacts(db: Queryable, opts: { uid: string; dir: string }): Promise<string[]> {
  const rows = await listArtifacts(db, { runUid: opts.uid });
  if (rows.length === 0) return [];
  mkdirSync(opts.dir, { recursive: true });
  const files: string[] = [];
  for (const r of rows) {
    if (artifactNameProblem(r.name)) continue;
    const content = await readArtifactContent(db, { runUid: opts.uid, name: r.name });
    if (!content) continue;
    const file = join(opts.dir, r.name);
    writeFileSync(file, content);
    files.push(file);
  }
  return files;
}
