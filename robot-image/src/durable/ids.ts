// Names that tie a durable run to the job: stable for one attempt, so a take-over after a crash
// finds the same DBOS workflow, and a new attempt (after a real failure) starts a fresh one.

/** DBOS workflow ID of one attempt of a run: `rpa-<uid>-a<attempt>`. */
export function workflowIdFor(runUid: string, attempt: number): string {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(runUid))
    throw new Error(`run uid ${JSON.stringify(runUid)} is not usable in a workflow ID`);
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`attempt must be a positive integer, got ${attempt}`);
  return `rpa-${runUid}-a${attempt}`;
}

/** This process's own DBOS queue: a workflow resumed onto it runs here and nowhere else. */
export function queueNameFor(executorId: string): string {
  return `q-${executorId}`;
}
