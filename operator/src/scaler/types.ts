// Shapes of the pool scaler's input and output. Semantics follow the HorizontalPodAutoscaler v2
// (autoscaling/v2 `behavior`), with queue depth as the one external metric.

export type ScalingPolicyType = 'Pods' | 'Percent';

/** At most `value` pods (or percent of the replicas at the start of the period) per `periodSeconds`. */
export interface ScalingPolicy {
  type: ScalingPolicyType;
  value: number;
  periodSeconds: number;
}

/** Max: the policy allowing the biggest change wins; Min: the smallest; Disabled: no change this way. */
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: SelectPolicy;
  policies: ScalingPolicy[];
}

export interface ScalingBehavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

/** What a user may leave out; missing parts take the HPA defaults. */
export interface PartialScalingBehavior {
  scaleUp?: Partial<ScalingRules>;
  scaleDown?: Partial<ScalingRules>;
}

/** One past raw recommendation (before stabilisation), as the HPA keeps them. */
export interface TimedRecommendation {
  /** epoch milliseconds */
  at: number;
  replicas: number;
}

/** One applied scale change: positive when replicas were added, negative when removed. */
export interface ScaleEvent {
  /** epoch milliseconds */
  at: number;
  change: number;
}

/** The scaler's memory between two decisions for one pool. */
export interface ScaleHistory {
  recommendations: TimedRecommendation[];
  events: ScaleEvent[];
}

export interface ScaleInput {
  currentReplicas: number;
  /** Jobs that need a robot now: ready + running (+ delayed ones due soon). */
  work: number;
  /** How many jobs one robot runs at once. */
  jobsPerRobot: number;
  minReplicas: number;
  maxReplicas: number;
  /** Relative change of load ignored as noise; default 0.1. */
  tolerance?: number;
  behavior?: PartialScalingBehavior;
  /** Undefined when unknown (e.g. after an operator restart): the current size then counts as a recent recommendation. */
  history?: ScaleHistory;
  /** epoch milliseconds */
  now: number;
}

export interface ScaleDecision {
  /** The replica count to apply now. */
  desired: number;
  /** ceil(work / jobsPerRobot), or the current count when within tolerance. */
  recommended: number;
  /** The recommendation after the stabilisation windows, before rate limits and bounds. */
  stabilized: number;
  reason: import('./reasons.js').ScaleReason;
  message: string;
  /** True when a window, a rate policy or a bound kept `desired` from the recommendation. */
  limited: boolean;
  /** The history to pass to the next decision, assuming `desired` is applied. */
  history: ScaleHistory;
}
