// The HPA's stabilisation windows: the size may rise only to the lowest recommendation seen within the
// scale-up window, and fall only to the highest seen within the scale-down window.
import type { TimedRecommendation } from './types.js';

export interface StabilizeInput {
  currentReplicas: number;
  recommended: number;
  recommendations: readonly TimedRecommendation[];
  upWindowSeconds: number;
  downWindowSeconds: number;
  now: number;
}

export function stabilize(input: StabilizeInput): number {
  const upCutoff = input.now - input.upWindowSeconds * 1000;
  const downCutoff = input.now - input.downWindowSeconds * 1000;
  let upper = input.recommended; // lowest recent recommendation: the most we may scale up to
  let lower = input.recommended; // highest recent recommendation: the least we may scale down to
  for (const rec of input.recommendations) {
    if (rec.at > upCutoff) upper = Math.min(upper, rec.replicas);
    if (rec.at > downCutoff) lower = Math.max(lower, rec.replicas);
  }
  let result = input.currentReplicas;
  if (result < upper) result = upper;
  if (result > lower) result = lower;
  return result;
}
