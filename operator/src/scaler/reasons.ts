// The closed set of reasons a scale decision reports (RobotPool status, Events, metrics labels).

export const SCALE_REASONS = [
  /** The computed size applies unchanged. */
  'DesiredWithinRange',
  /** Load is within the tolerance of the current size: no change. */
  'WithinTolerance',
  /** Work arrived for an empty pool: start robots at once. */
  'ScaleFromZero',
  /** No work and minReplicas 0: the pool goes to zero. */
  'ScaleToZero',
  /** Current size below minReplicas: raised to it. */
  'BelowMinReplicas',
  /** Current size above maxReplicas: lowered to it. */
  'AboveMaxReplicas',
  /** A lower recent recommendation within the scale-up window held the size. */
  'ScaleUpStabilized',
  /** A higher recent recommendation within the scale-down window held the size. */
  'ScaleDownStabilized',
  /** A scale-up policy capped the rate. */
  'ScaleUpLimit',
  /** A scale-down policy capped the rate. */
  'ScaleDownLimit',
  /** Scale-up selectPolicy is Disabled. */
  'ScaleUpDisabled',
  /** Scale-down selectPolicy is Disabled. */
  'ScaleDownDisabled',
  /** maxReplicas capped the size. */
  'TooManyReplicas',
  /** minReplicas held the size. */
  'TooFewReplicas',
] as const;

export type ScaleReason = (typeof SCALE_REASONS)[number];
