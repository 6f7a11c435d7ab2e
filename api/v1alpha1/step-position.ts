// Where in a workflow a job is, in the form the RpaJob status can hold. The engine names a nested step by
// its checkpoint path (`rows[2].check.then.open`): far longer than a step id may be (63, IDENTIFIER_PATTERN)
// once ids are long or blocks nest. The status shows the TOP-LEVEL step's id (`stepId`, `currentStep`: an
// identifier, always valid) plus the full path (`stepPath`, `currentStepPath`), shortened to
// STEP_PATH_MAX_CHARS when needed: head … hash … tail, so the failing leaf stays readable and two long
// paths never shorten to the same text. The run row keeps the full path.
import { createHash } from 'node:crypto';

/** maxLength of stepPath / currentStepPath in the CRD. */
export const STEP_PATH_MAX_CHARS = 256;

export interface StepPosition {
  /** The top-level step's id (the first segment of the path, without its loop index). */
  stepId: string;
  /** The checkpoint path, at most STEP_PATH_MAX_CHARS characters. */
  stepPath: string;
}

/** The top-level step id of a checkpoint path: `rows[2].check.then.open` -> `rows`. */
export function topLevelStepId(path: string): string {
  const first = path.split('.')[0] ?? path;
  return first.replace(/\[\d+\]$/, '');
}

/** A path of at most `max` characters: unchanged when it fits, else head…<hash>…tail (tail = the leaf end). */
export function boundedStepPath(path: string, max = STEP_PATH_MAX_CHARS): string {
  if (path.length <= max) return path;
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 10);
  const middle = `…${hash}…`;
  const room = max - middle.length;
  const tail = Math.ceil(room / 2);
  return `${path.slice(0, room - tail)}${middle}${path.slice(path.length - tail)}`;
}

/** The status form of a checkpoint path. */
export function stepPosition(path: string): StepPosition {
  return { stepId: topLevelStepId(path), stepPath: boundedStepPath(path) };
}
