// A job's artifacts in PostgreSQL (aether.artifacts), as the file steps use them. Written inside the
// download step, before its checkpoint: a robot that crashed after the write and before the checkpoint
// runs the step again, finds the row (same job, same name, same step) and returns it without downloading
// again. Caps come from the RobotPool (spec.artifacts); a file over one fails the step naming the limit.
import type { Readable } from 'node:stream';
import type { Queryable } from '../../../api/queue/db.js';
import {
  artifactBytesOfRun,
  findArtifact,
  insertArtifact,
  listArtifacts,
  readArtifactContent,
  type ArtifactRow,
} from '../../../api/queue/sql/artifacts.js';
import type { ArtifactCaps, ArtifactSummary } from '../../../api/v1alpha1/artifacts.js';
import { ArtifactLimitError, readCapped } from './read-capped.js';

export { ArtifactLimitError };

/** The file services of one step (bound to its checkpoint path). */
export interface StepFiles {
  /** The artifact this step stored before (a resumed step), or undefined. Throws if another step stored the name. */
  stored(name: string): Promise<ArtifactSummary | undefined>;
  /** Stores a file read from `stream` (hashed while read, refused past the caps). */
  store(opts: { name: string; contentType: string; stream: Readable }): Promise<ArtifactSummary>;
  /** An artifact of this job, content included (one file in memory). */
  read(name: string): Promise<ArtifactSummary & { content: Buffer }>;
  /** A ConfigMap key of the job's namespace, as bytes (absent: this robot cannot read ConfigMaps). */
  configMapFile?: (ref: { name: string; key: string }) => Promise<Buffer>;
}

export interface JobFiles {
  forStep(stepPath: string): StepFiles;
}

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactError';
  }
}

export function summaryOf(r: ArtifactRow): ArtifactSummary {
  return { name: r.name, size: r.size, sha256: r.sha256, contentType: r.contentType };
}

export interface JobArtifactsOptions {
  db: Queryable;
  runUid: string;
  namespace: string;
  caps: ArtifactCaps;
  configMapFile?: (ref: { name: string; key: string }) => Promise<Buffer>;
  /** The work item whose run this is (its artifacts go with the item); absent: a job's run. */
  queueItem?: string;
}

export function jobArtifacts(o: JobArtifactsOptions): JobFiles {
  const { db, runUid } = o;
  return {
    forStep(stepPath) {
      const ownedHere = (row: ArtifactRow): ArtifactSummary => {
        if (row.stepPath !== stepPath)
          throw new ArtifactError(`artifact "${row.name}" was already stored by step ${row.stepPath}: each artifact name of a job is stored once`);
        return summaryOf(row);
      };
      return {
        async stored(name) {
          const row = await findArtifact(db, { runUid, name });
          return row && ownedHere(row);
        },
        async store({ name, contentType, stream }) {
          const used = await artifactBytesOfRun(db, { runUid });
          const room = o.caps.maxJobBytes - used;
          const max = Math.min(o.caps.maxFileBytes, Math.max(0, room));
          const { content, sha256 } = await readCapped(stream, max, (read) =>
            read > o.caps.maxFileBytes
              ? `the downloaded file is larger than the pool's artifacts.maxFileBytes (${o.caps.maxFileBytes} bytes)`
              : `the job's artifacts would exceed the pool's artifacts.maxJobBytes (${o.caps.maxJobBytes} bytes; ${used} already stored)`,
          );
          return ownedHere(await insertArtifact(db, { runUid, namespace: o.namespace, name, stepPath, contentType, sha256, content, ...(o.queueItem !== undefined && { queueItem: o.queueItem }) }));
        },
        async read(name) {
          const row = await findArtifact(db, { runUid, name });
          const content = row && (await readArtifactContent(db, { runUid, name }));
          if (!row || !content) throw new ArtifactError(`this job has no artifact "${name}" (a download step stores one)`);
          return { ...summaryOf(row), content };
        },
        ...(o.configMapFile && { configMapFile: o.configMapFile }),
      };
    },
  };
}

/** A run's artifacts as the status lists them (at most `limit`). */
export async function artifactSummaries(db: Queryable, runUid: string, limit: number): Promise<ArtifactSummary[]> {
  return (await listArtifacts(db, { runUid, limit })).map(summaryOf);
}
