// Caps on what a job records: step outputs and forEach lists go to DBOS checkpoints and the run
// row, so a step that scrapes a huge page or loops over a huge list fails instead of filling them.
// All sizes are bytes of the value's JSON (UTF-8). The defaults: api/v1alpha1/output-limits.ts.

import { DEFAULT_OUTPUT_LIMITS as DEFAULTS, type OutputLimits } from '../../../api/v1alpha1/output-limits.js';

export type { OutputLimits };
export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { ...DEFAULTS };
export const MAX_STEP_OUTPUT_BYTES = DEFAULTS.stepOutputBytes;
export const MAX_JOB_OUTPUTS_BYTES = DEFAULTS.jobOutputsBytes;
export const MAX_FOREACH_ITEMS = DEFAULTS.forEachItems;

/** The engine's caps with a workflow's `limits` block over them. */
export function limitsFor(base: OutputLimits, workflow?: Partial<OutputLimits>): OutputLimits {
  const set = Object.entries(workflow ?? {}).filter(([, v]) => v !== undefined);
  return { ...base, ...Object.fromEntries(set) };
}

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

/** `size` and `limit` for a message: exact byte counts when rounding would make them look equal. */
function sizes(size: number, limit: number): [string, string] {
  const [a, b] = [formatBytes(size), formatBytes(limit)];
  return a === b ? [`${size} B`, `${limit} B`] : [a, b];
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
  if (bytes > limits.stepOutputBytes) {
    const [size, limit] = sizes(bytes, limits.stepOutputBytes);
    throw new LimitExceededError(`${what} step "${path}" is ${size}, over the ${limit} limit per step`);
  }
  if (jobSoFar && jobSoFar.bytes + bytes > limits.jobOutputsBytes) {
    const [total, limit] = sizes(jobSoFar.bytes + bytes, limits.jobOutputsBytes);
    throw new LimitExceededError(
      `output of step "${path}" (${formatBytes(bytes)}) takes the job's outputs to ${total}, over the ${limit} limit per job`,
    );
  }
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
    if (bytes > limits.forEachItemBytes) {
      const [size, limit] = sizes(bytes, limits.forEachItemBytes);
      throw new LimitExceededError(`item ${i} of forEach "${path}" is ${size}, over the ${limit} limit per item`);
    }
    total += bytes;
    if (total > limits.forEachListBytes)
      throw new LimitExceededError(
        `the list of forEach "${path}" is over the ${formatBytes(limits.forEachListBytes)} limit (reached at item ${i})`,
      );
  }
}
