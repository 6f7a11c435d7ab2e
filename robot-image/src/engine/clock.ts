// `now()` in expressions is the attempt's clock, not the machine's clock at evaluation time: the
// robot reads it once per attempt through DBOS.now(), which DBOS records as a step of the workflow.
// A take-over replays the recorded value, so a step that runs again after a crash (or a field refilled
// after a restore) sees the same time as before. Read only when the workflow calls now() at all, so
// other workflows keep their checkpoints as they were.
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import type { AttemptFence } from './fence.js';

/** Whether any field of the workflow may call now() (a textual check: a false positive costs one recorded step). */
export function usesClock(workflow: WorkflowSpec): boolean {
  return /\bnow\s*\(/.test(JSON.stringify(workflow.steps));
}

/** The attempt's clock as ISO 8601, recorded durably on its first read and replayed after. */
export async function attemptClock(fence: AttemptFence): Promise<string> {
  return new Date(await fence.step(() => DBOS.now())).toISOString();
}
