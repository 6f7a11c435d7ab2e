// The run id of a work item's durable workflow: 'item-<id>-<runSeq>' (see robot-image/src/queue/item-run.ts).
// The robot runs it as DBOS workflow 'rpa-<run id>-a<attempt>' (attempt = retries + 1), where the API
// server finds the item's step log.
import { createHash } from 'node:crypto';

export function itemRunUid(item: { id: string; runSeq: number }): string {
  return `item-${item.id}-${item.runSeq}`;
}

/**
 * The uuid an item run's artifacts are kept under (aether.artifacts.run_uid; an item run has no aether.runs
 * row): derived from its run id, so every robot that runs or resumes the run finds the same files.
 */
export function itemArtifactsUid(item: { id: string; runSeq: number }): string {
  const h = createHash('sha256').update(`aether.item-run/${itemRunUid(item)}`).digest('hex');
  // RFC 4122 layout, version 8 (custom), variant 10.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
