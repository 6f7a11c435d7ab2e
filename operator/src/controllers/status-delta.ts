// The part of a desired status that differs from the current one, so a reconcile writes status only
// when something changed (and a no-op reconcile costs no API write). `null` in `desired` deletes a field.
import { canonicalJson } from '../../../api/queue/digest.js';

export function statusDelta(current: Record<string, unknown> | undefined, desired: Record<string, unknown>): Record<string, unknown> | undefined {
  const delta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(desired)) {
    const now = current?.[key];
    if (value === undefined) continue;
    if (value === null ? now === undefined || now === null : canonicalJson(value) === canonicalJson(now)) continue;
    delta[key] = value;
  }
  return Object.keys(delta).length > 0 ? delta : undefined;
}
