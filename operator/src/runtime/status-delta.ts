// The part of a desired status that differs from the current one, so a reconcile writes status only
// when something changed (and a no-op reconcile costs no API write). `null` in `desired` deletes a field.
import { canonicalJson } from '../../../api/queue/digest.js';

export function statusDelta(current: Record<string, unknown> | undefined, desired: Record<string, unknown>): Record<string, unknown> | undefined {
  const delta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(desired)) {
    const now = current?.[key];
    if (value === undefined) continue;
    if (value === null ? now === undefined || now === null : sameValue(value, now)) continue;
    delta[key] = value;
  }
  return Object.keys(delta).length > 0 ? delta : undefined;
}

/** JSON equality; scalars and absent fields skip the canonical serialisation (most fields, every new job). */
function sameValue(value: unknown, now: unknown): boolean {
  if (now === undefined || now === null) return false;
  if (typeof value !== 'object' || typeof now !== 'object') return value === now;
  return canonicalJson(value) === canonicalJson(now);
}
