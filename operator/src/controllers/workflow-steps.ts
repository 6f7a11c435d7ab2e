// Counting a workflow's steps, nested ones (if/forEach bodies) included.
import { childStepLists, type Step } from '../../../api/v1alpha1/index.js';

export function countSteps(steps: readonly Step[]): number {
  return steps.reduce((n, s) => n + 1 + childStepLists(s).reduce((m, c) => m + countSteps(c.steps), 0), 0);
}
