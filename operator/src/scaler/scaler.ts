// The pool scaler: a pure function with the semantics of the HorizontalPodAutoscaler v2 (tolerance,
// stabilisation windows, scaling policies, min/max), driven by queue depth, plus scale to and from zero.
import { DEFAULT_TOLERANCE, longestPeriodSeconds, resolveBehavior } from './behavior.js';
import { scaleDownLimit, scaleUpLimit } from './rate-limit.js';
import type { ScaleReason } from './reasons.js';
import { recommendReplicas } from './recommend.js';
import { stabilize } from './stabilize.js';
import type { ScaleDecision, ScaleEvent, ScaleHistory, ScaleInput, ScalingBehavior } from './types.js';

interface Limited {
  desired: number;
  reason?: ScaleReason;
}

function applyRateAndBounds(
  current: number,
  stabilized: number,
  min: number,
  max: number,
  behavior: ScalingBehavior,
  events: readonly ScaleEvent[],
  now: number,
): Limited {
  if (stabilized > current) {
    if (behavior.scaleUp.selectPolicy === 'Disabled') return { desired: current, reason: 'ScaleUpDisabled' };
    let limit = Math.max(current, scaleUpLimit(current, behavior.scaleUp, events, now));
    // Activation: a Percent policy of an empty pool allows nothing, yet an empty pool must start at once.
    if (current === 0) limit = Math.max(limit, 1);
    const cap = Math.min(max, limit);
    const reason: ScaleReason = max <= limit ? 'TooManyReplicas' : 'ScaleUpLimit';
    return stabilized > cap ? { desired: cap, reason } : { desired: stabilized };
  }
  if (stabilized < current) {
    if (behavior.scaleDown.selectPolicy === 'Disabled') return { desired: current, reason: 'ScaleDownDisabled' };
    const limit = Math.min(current, scaleDownLimit(current, behavior.scaleDown, events, now));
    const floor = Math.max(min, limit);
    const reason: ScaleReason = min >= limit ? 'TooFewReplicas' : 'ScaleDownLimit';
    return stabilized < floor ? { desired: floor, reason } : { desired: stabilized };
  }
  return { desired: current };
}

function nextHistory(
  history: ScaleHistory,
  behavior: ScalingBehavior,
  recommended: number | undefined,
  change: number,
  now: number,
): ScaleHistory {
  const window = Math.max(behavior.scaleUp.stabilizationWindowSeconds, behavior.scaleDown.stabilizationWindowSeconds);
  const recommendations = history.recommendations.filter((r) => r.at > now - window * 1000);
  if (recommended !== undefined) recommendations.push({ at: now, replicas: recommended });
  const events = [...history.events];
  if (change !== 0) events.push({ at: now, change });
  const upKeep = longestPeriodSeconds(behavior.scaleUp) * 1000;
  const downKeep = longestPeriodSeconds(behavior.scaleDown) * 1000;
  return {
    recommendations,
    events: events.filter((e) => e.at > now - (e.change > 0 ? upKeep : downKeep)),
  };
}

function describe(
  reason: ScaleReason,
  d: { current: number; desired: number; recommended: number; stabilized: number; work: number },
): string {
  const move = `${d.current} -> ${d.desired} replicas`;
  switch (reason) {
    case 'DesiredWithinRange':
      return `${move} for ${d.work} jobs`;
    case 'WithinTolerance':
      return `${move}: ${d.work} jobs are within tolerance`;
    case 'ScaleFromZero':
      return `${move}: work arrived for an empty pool`;
    case 'ScaleToZero':
      return `${move}: no work`;
    case 'BelowMinReplicas':
      return `${move}: below minReplicas`;
    case 'AboveMaxReplicas':
      return `${move}: above maxReplicas`;
    case 'ScaleUpStabilized':
      return `${move}: held below ${d.recommended} by a lower recommendation in the scale-up window`;
    case 'ScaleDownStabilized':
      return `${move}: held above ${d.recommended} by a higher recommendation in the scale-down window`;
    case 'ScaleUpLimit':
      return `${move}: scale-up policy caps the rate (wanted ${d.stabilized})`;
    case 'ScaleDownLimit':
      return `${move}: scale-down policy caps the rate (wanted ${d.stabilized})`;
    case 'ScaleUpDisabled':
      return `${move}: scale-up is disabled (wanted ${d.stabilized})`;
    case 'ScaleDownDisabled':
      return `${move}: scale-down is disabled (wanted ${d.stabilized})`;
    case 'TooManyReplicas':
      return `${move}: capped by maxReplicas (wanted ${d.stabilized})`;
    case 'TooFewReplicas':
      return `${move}: held by minReplicas (wanted ${d.stabilized})`;
  }
}

export function decideScale(input: ScaleInput): ScaleDecision {
  const behavior = resolveBehavior(input.behavior);
  const { now, work } = input;
  const current = Math.max(0, Math.trunc(input.currentReplicas));
  const min = Math.max(0, Math.trunc(input.minReplicas));
  const max = Math.max(min, Math.trunc(input.maxReplicas));
  // After a restart the current size counts as a recent recommendation, so nothing shrinks at once.
  const history = input.history ?? { recommendations: [{ at: now, replicas: current }], events: [] };

  if (current > max || current < min) {
    const desired = current > max ? max : min;
    const reason: ScaleReason = current > max ? 'AboveMaxReplicas' : 'BelowMinReplicas';
    return {
      desired,
      recommended: desired,
      stabilized: desired,
      reason,
      message: describe(reason, { current, desired, recommended: desired, stabilized: desired, work }),
      limited: false,
      history: nextHistory(history, behavior, undefined, desired - current, now),
    };
  }

  const { replicas: recommended, withinTolerance } = recommendReplicas(
    current,
    work,
    input.jobsPerRobot,
    input.tolerance ?? DEFAULT_TOLERANCE,
  );
  const fromZero = current === 0 && recommended > 0;
  const stabilized = stabilize({
    currentReplicas: current,
    recommended,
    recommendations: history.recommendations,
    // An empty pool starts at once: its own zero recommendations must not hold it down.
    upWindowSeconds: fromZero ? 0 : behavior.scaleUp.stabilizationWindowSeconds,
    downWindowSeconds: behavior.scaleDown.stabilizationWindowSeconds,
    now,
  });
  const limited = applyRateAndBounds(current, stabilized, min, max, behavior, history.events, now);
  const desired = limited.desired;

  let reason: ScaleReason;
  if (limited.reason && desired !== stabilized) reason = limited.reason;
  else if (stabilized < recommended) reason = 'ScaleUpStabilized';
  else if (stabilized > recommended) reason = 'ScaleDownStabilized';
  else if (desired === 0 && current > 0) reason = 'ScaleToZero';
  else if (current === 0 && desired > 0) reason = 'ScaleFromZero';
  else if (withinTolerance) reason = 'WithinTolerance';
  else reason = 'DesiredWithinRange';

  return {
    desired,
    recommended,
    stabilized,
    reason,
    message: describe(reason, { current, desired, recommended, stabilized, work }),
    limited: desired !== recommended,
    history: nextHistory(history, behavior, recommended, desired - current, now),
  };
}
