// status.artifacts: what a job's download steps stored (name, size, sha256, contentType; never the bytes),
// read from aether.artifacts at the end of each attempt and sent with its final status patch.
import type { Logger } from '../../../api/log.js';
import type { Queryable } from '../../../api/queue/db.js';
import { MAX_STATUS_ARTIFACTS } from '../../../api/v1alpha1/artifacts.js';
import { artifactSummaries } from '../artifacts/store.js';
import type { JobReporter } from './reporter.js';

/** The job's stored artifacts on its status (with the attempt's final patch); nothing when it has none. */
export async function reportArtifacts(c: { db: Queryable; uid: string; report: Pick<JobReporter, 'update'>; log: Logger }): Promise<void> {
  try {
    const artifacts = await artifactSummaries(c.db, c.uid, MAX_STATUS_ARTIFACTS);
    if (artifacts.length > 0) c.report.update({ artifacts });
  } catch (err) {
    c.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not list the artifacts for the status');
  }
}

