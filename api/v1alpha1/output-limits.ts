// Caps on what a job records (step outputs, forEach lists): the defaults the robot applies, and the
// ceilings up to which a workflow's `limits` block may raise them. The one place these numbers live.

const KiB = 1024;
const MiB = 1024 * KiB;

export const DEFAULT_OUTPUT_LIMITS = {
  /** Largest output of one step (bytes of its JSON). */
  stepOutputBytes: 1 * MiB,
  /** Largest sum of a job's step outputs (what the run row keeps). */
  jobOutputsBytes: 4 * MiB,
  /** Most items a forEach may iterate (each iteration is its own checkpoint). */
  forEachItems: 10_000,
  /** Largest single forEach item. */
  forEachItemBytes: 64 * KiB,
  /** Largest forEach list as a whole (it is checkpointed once, fixed for replays). */
  forEachListBytes: 4 * MiB,
} as const;

export type OutputLimits = { -readonly [K in keyof typeof DEFAULT_OUTPUT_LIMITS]: number };

/** The most a workflow may ask for. */
export const MAX_OUTPUT_LIMITS: OutputLimits = {
  stepOutputBytes: 8 * MiB,
  jobOutputsBytes: 16 * MiB,
  forEachItems: 100_000,
  forEachItemBytes: 1 * MiB,
  forEachListBytes: 16 * MiB,
};
