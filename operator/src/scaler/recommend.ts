// The raw recommendation: enough robots for the work, unless the load is within tolerance of the current size.

export interface Recommendation {
  replicas: number;
  /** True when tolerance kept the current size although ceil(work / jobsPerRobot) differs. */
  withinTolerance: boolean;
}

export function recommendReplicas(
  current: number,
  work: number,
  jobsPerRobot: number,
  tolerance: number,
): Recommendation {
  const perRobot = Math.max(1, jobsPerRobot);
  const load = Math.max(0, work);
  const needed = Math.ceil(load / perRobot);
  // An idle pool always heads for zero (or min), whatever the tolerance; an empty one has no ratio.
  if (load === 0 || current === 0 || needed === current) return { replicas: needed, withinTolerance: false };
  const usageRatio = load / (perRobot * current);
  if (Math.abs(1 - usageRatio) <= tolerance) return { replicas: current, withinTolerance: true };
  return { replicas: needed, withinTolerance: false };
}
