// Caps on what a job records: step outputs and forEach lists go to DBOS checkpoints and the run
// row, so a step that scrapes a huge page or loops over a huge list fails instead of filling them.
// All sizes are bytes of the value's JSON (UTF-8). The defaults live here and nowhere else.

/** Largest output of one step. */
export const MAX_STEP_OUTPUT_BYTES = 1024 * 1024;
/** Largest sum of a job's top-level step outputs (what the run row keeps). */
export const MAX_JOB_OUTPUTS_BYTES = 4 * 1024 * 1024;
/** Most items a forEach may iterate (each iteration is its own checkpoint). */
export const MAX_FOREACH_ITEMS = 10_000;
/** Largest single forEach item. */
export const MAX_FOREACH_ITEM_BYTES = 64 * 1024;
/** Largest forEach list as a whole (it is checkpointed once, fixed for replays). */
export const MAX_FOREACH_LIST_BYTES = 4 * 1024 * 1024;

export interface OutputLimits {
  stepOutputBytes: number;
  jobOutputsBytes: number;
  forEachItems: number;
  forEachItemBytes: number;
  forEachListBytes: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = {
  stepOutputBytes: MAX_STEP_OUTPUT_BYTES,
  jobOutputsBytes: MAX_JOB_OUTPUTS_BYTES,
  forEachItems: MAX_FOREACH_ITEMS,
  forEachItemBytes: MAX_FOREACH_ITEM_BYTES,
  forEachListBytes: MAX_FOREACH_LIST_BYTES,
};

/** A step's output or list is over a cap: the step fails at once (a retry would produce the same). */
export class LimitExceededError extends Error {
  override name = 'LimitExceededError';
}

/** Bytes of `value` as JSON; undefined counts as 0. */
export function jsonBytes(value: unknown): number {
  const s = JSON.stringify(value);
  return s === undefined ? 0 : Buffer.byteLength(s, 'utf8');
}

/** `1.5 MiB`, `64 KiB`, `812 B`: binary units, one decimal unless it is 0. */
export function formatBytes(n: number): string {
  const units: Array<[string, number]> = [
    ['MiB', 1024 * 1024],
    ['KiB', 1024],
  ];
  for (const [unit, size] of units) {
    if (n >= size) {
      const v = (n / size).toFixed(1);
      return `${v.endsWith('.0') ? v.slice(0, -2) : v} ${unit}`;
    }
  }
  return `${n} B`;
}

/** Throws when step `path`'s output is over the step cap, or would take the job's outputs over theirs. */
export function checkStepOutput(
  path: string,
  output: unknown,
  limits: OutputLimits,
  jobSoFar?: { bytes: number },
  what = 'output of',
): number {
  const bytes = jsonBytes(output);
  if (bytes > limits.stepOutputBytes)
    throw new LimitExceededError(
      `${what} step "${path}" is ${formatBytes(bytes)}, over the ${formatBytes(limits.stepOutputBytes)} limit per step`,
    );
  if (jobSoFar && jobSoFar.bytes + bytes > limits.jobOutputsBytes)
    throw new LimitExceededError(
      `output of step "${path}" (${formatBytes(bytes)}) takes the job's outputs to ${formatBytes(jobSoFar.bytes + bytes)}, over the ${formatBytes(limits.jobOutputsBytes)} limit per job`,
    );
  return bytes;
}

/** Throws when forEach step `path`'s list has too many items, a too-large item, or is too large as a whole. */
export function checkForEachItems(path: string, items: unknown[], limits: OutputLimits): void {
  if (items.length > limits.forEachItems)
    throw new LimitExceededError(
      `forEach "${path}" has ${items.length} items, over the limit of ${limits.forEachItems}`,
    );
  let total = 0;
  for (const [i, item] of items.entries()) {
    const bytes = jsonBytes(item);
    if (bytes > limits.forEachItemBytes)
      throw new LimitExceededError(
        `item ${i} of forEach "${path}" is ${formatBytes(bytes)}, over the ${formatBytes(limits.forEachItemBytes)} limit per item`,
      );
    total += bytes;
    if (total > limits.forEachListBytes)
      throw new LimitExceededError(
        `the list of forEach "${path}" is over the ${formatBytes(limits.forEachListBytes)} limit (reached at item ${i})`,
      );
  }
}
