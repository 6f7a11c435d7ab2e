// RpaJob priority -> graphile-worker priority. In the API a HIGHER number is MORE urgent (like a
// Kubernetes PriorityClass), integers in [-1000, 1000], or one of the names below. graphile-worker runs
// the numerically LOWEST priority first, so the mapping negates.

export const PRIORITY_NAMES = { low: -100, normal: 0, high: 100, urgent: 200 } as const;
export type PriorityName = keyof typeof PRIORITY_NAMES;
export type Priority = PriorityName | number;
export const PRIORITY_MIN = -1000;
export const PRIORITY_MAX = 1000;

/** The API's number for a priority (names resolved, integers clamped to the allowed range). */
export function priorityValue(p: Priority | undefined): number {
  if (p === undefined) return 0;
  if (typeof p === 'string') return PRIORITY_NAMES[p];
  if (!Number.isFinite(p)) throw new RangeError(`priority must be a finite number, got ${p}`);
  return Math.min(PRIORITY_MAX, Math.max(PRIORITY_MIN, Math.trunc(p)));
}

/** graphile-worker's priority (smallint, lower runs first). */
export function graphilePriority(p: Priority | undefined): number {
  return -priorityValue(p) || 0; // `|| 0` turns -0 into 0
}
