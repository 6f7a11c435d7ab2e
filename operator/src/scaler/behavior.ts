// HPA v2 default behaviour, and filling a user's partial behaviour with it.
import type { PartialScalingBehavior, ScalingBehavior, ScalingRules } from './types.js';

export const DEFAULT_TOLERANCE = 0.1;

/** autoscaling/v2 defaults: up at once, 100% or 4 pods per 15 s (Max); down after 300 s, 100% per 15 s. */
export const DEFAULT_BEHAVIOR: ScalingBehavior = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  },
};

function fill(rules: Partial<ScalingRules> | undefined, defaults: ScalingRules): ScalingRules {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: rules?.selectPolicy ?? defaults.selectPolicy,
    policies: rules?.policies && rules.policies.length > 0 ? rules.policies : defaults.policies,
  };
}

export function resolveBehavior(behavior: PartialScalingBehavior | undefined): ScalingBehavior {
  return {
    scaleUp: fill(behavior?.scaleUp, DEFAULT_BEHAVIOR.scaleUp),
    scaleDown: fill(behavior?.scaleDown, DEFAULT_BEHAVIOR.scaleDown),
  };
}

export function longestPeriodSeconds(rules: ScalingRules): number {
  return rules.policies.reduce((longest, p) => Math.max(longest, p.periodSeconds), 0);
}
