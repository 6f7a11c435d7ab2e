// The HPA's scaling policies: how far the size may move given the changes already made within each
// policy's period.
import type { ScaleEvent, ScalingRules } from './types.js';

function changeWithin(periodSeconds: number, events: readonly ScaleEvent[], now: number, sign: 1 | -1): number {
  const cutoff = now - periodSeconds * 1000;
  let total = 0;
  for (const e of events) if (e.at > cutoff && Math.sign(e.change) === sign) total += Math.abs(e.change);
  return total;
}

function periodStart(current: number, periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  return current - changeWithin(periodSeconds, events, now, 1) + changeWithin(periodSeconds, events, now, -1);
}

/** The highest size scale-up policies allow now; `current` when scale-up is Disabled. */
export function scaleUpLimit(current: number, rules: ScalingRules, events: readonly ScaleEvent[], now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = periodStart(current, p.periodSeconds, events, now);
    // Percent rounds up, or a small pool could never grow.
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** The lowest size scale-down policies allow now; `current` when scale-down is Disabled. */
export function scaleDownLimit(
  current: number,
  rules: ScalingRules,
  events: readonly ScaleEvent[],
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // For scale-down the biggest change is the lowest size, so Max picks the minimum.
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = periodStart(current, p.periodSeconds, events, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}
