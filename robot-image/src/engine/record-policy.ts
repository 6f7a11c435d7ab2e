// Pure decisions of the healing resolver: which record a step's element belongs to, when to describe
// and write it again, how long to wait before calling a target broken, and what an abstention says.
import { createHash } from 'node:crypto';
export { locatorFieldsOf, targetKey } from '../../../api/healing/target-key.js';

/** A step's record key: its checkpoint path without loop indexes (`rows[2].typeName` -> `rows.typeName`). */
export function recordKey(stepPath: string): string {
  return stepPath.replace(/\[\d+\]/g, '');
}

/** The step id of a checkpoint path: its last segment without a loop index. */
export function stepIdOf(stepPath: string): string {
  return (stepPath.split('.').pop() ?? stepPath).replace(/\[\d+\]$/, '');
}

export interface RecordMemory {
  /** When this process last described the element. */
  checkedAt: number;
  /** When this process last wrote the record. */
  writtenAt: number;
  digest: string;
  /** The element's look (imageKeyOf) when this process last tried to take its picture. */
  imageKey?: string;
}

export interface RecordTiming {
  /** Describe a step's element at most this often per process (describing costs a page round trip). */
  checkEveryMs: number;
  /** Write an unchanged record again after this long (keeps recorded_at fresh). */
  refreshMs: number;
}

export const DEFAULT_RECORD_TIMING: RecordTiming = { checkEveryMs: 60_000, refreshMs: 6 * 3_600_000 };

/** Before describing: is it time to look at the element again? */
export function shouldDescribe(memory: RecordMemory | undefined, now: number, timing: RecordTiming): boolean {
  return memory === undefined || now - memory.checkedAt >= timing.checkEveryMs;
}

/** After describing: does the record need writing? */
export function shouldWrite(
  memory: RecordMemory | undefined,
  digest: string,
  now: number,
  timing: RecordTiming,
): boolean {
  if (memory === undefined) return true;
  return memory.digest !== digest || now - memory.writtenAt >= timing.refreshMs;
}

/** What a recorded picture depends on: the element's recorded fields and its size (not its position). */
export function imageKeyOf(digest: string, box: { width: number; height: number } | undefined): string {
  return `${digest}|${box ? `${box.width}x${box.height}` : '-'}`;
}

/** Take the element's picture again only when its look changed since the last try (or there was none). */
export function shouldCaptureImage(memory: RecordMemory | undefined, imageKey: string): boolean {
  return memory?.imageKey !== imageKey;
}

/**
 * Digest of what identifies an element: every recorded field but its box (which moves with scrolling
 * and viewport size) so a record is not rewritten for a pixel.
 */
export function descriptorDigest(d: { box?: unknown } & Record<string, unknown>): string {
  const { box: _box, ...rest } = d;
  return 'sha256:' + createHash('sha256').update(stableJson(rest)).digest('hex');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/**
 * How long to wait for a missing target before healing: a page may still be rendering it, but a
 * changed page should not cost the whole step timeout. A quarter of the timeout, 250 ms..3 s.
 */
export function healAfterMs(timeoutMs: number): number {
  return Math.max(250, Math.min(3_000, Math.floor(timeoutMs / 4)));
}

/** The step's error when its target is broken and every tier abstained. */
export function abstainMessage(target: string, matches: number, reason: string | undefined): string {
  const found = matches === 0 ? 'matched 0 elements' : `matched ${matches} elements`;
  return `target ${target} ${found}; healing abstained: ${reason ?? 'no recorded descriptor, fingerprint, anchor or image'}`;
}
