// Pure: RpaJobs that never reached the queue (no row in aether.runs) as entries of the console's runs list
// — `pending` (waiting, e.g. for their RpaWorkflow) or `invalid` (refused by the operator: Valid=False,
// reason Invalid or WorkflowInvalid), the False condition's message as the error — and their merge into a
// page of runs read from PostgreSQL, by the same keyset (creation time in µs, uid; newest first).
import type { RunFilter, RunSummaryRow } from './console-sql.js';
import type { RpaJobObject } from './kube.js';

export const UNQUEUED_STATES = ['pending', 'invalid'] as const;
export type UnqueuedState = (typeof UNQUEUED_STATES)[number];

/** A run-list row of a job without a run: same shape as the rows read from aether.runs. */
export type UnqueuedRow = Omit<RunSummaryRow, 'state'> & { state: UnqueuedState };

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The job as a list row when it has no run yet (phase unset or Pending), else null. */
export function unqueuedRow(job: RpaJobObject): UnqueuedRow | null {
  const status = (job.status ?? {}) as { phase?: string; conditions?: Condition[] };
  if (status.phase !== undefined && status.phase !== 'Pending') return null;
  const conditions = status.conditions ?? [];
  const refused = conditions.find((c) => c.type === 'Valid' && c.status === 'False');
  const waiting = refused ?? conditions.find((c) => c.status === 'False' && c.message);
  const created = new Date(job.metadata.creationTimestamp ?? 0);
  const ref = job.spec.workflowRef as { name?: string } | undefined;
  return {
    uid: job.metadata.uid,
    name: job.metadata.name,
    pool: typeof job.spec.pool === 'string' ? job.spec.pool : 'default',
    workflow: ref?.name ?? null,
    state: refused ? 'invalid' : 'pending',
    attempts: 0,
    failedAttempts: 0,
    crashCount: 0,
    robot: null,
    errorMessage: waiting ? `${waiting.reason ? `${waiting.reason}: ` : ''}${waiting.message ?? ''}` : null,
    createdAt: created,
    createdUs: String(created.getTime() * 1000),
    startedAt: null,
    finishedAt: null,
  };
}

type Keyed = Pick<RunSummaryRow, 'createdUs' | 'uid'>;

/** Newest first: creation time, then uid (as the SQL's `order by created_at desc, uid desc`). */
function newerFirst(a: Keyed, b: Keyed): number {
  const d = BigInt(b.createdUs) - BigInt(a.createdUs);
  if (d !== 0n) return d > 0n ? 1 : -1;
  return a.uid < b.uid ? 1 : a.uid > b.uid ? -1 : 0;
}

/** Whether an unqueued row belongs on a page of `f` (its filters and its cursor). */
export function matchesFilter(r: UnqueuedRow, f: Omit<RunFilter, 'namespace' | 'limit' | 'states'> & { states?: readonly string[] }): boolean {
  if (f.states && !f.states.includes(r.state)) return false;
  if (f.pool !== undefined && r.pool !== f.pool) return false;
  if (f.workflow !== undefined && r.workflow !== f.workflow) return false;
  if (f.since && r.createdAt < f.since) return false;
  if (f.until && r.createdAt >= f.until) return false;
  if (f.before && newerFirst(r, f.before) <= 0) return false;
  return true;
}

/**
 * One page: the runs read from PostgreSQL (at most `limit`, newest first) merged with the unqueued rows
 * that match the page, newest first, cut at `limit`. `more`: whether anything follows the page.
 */
export function mergePage<R extends Keyed>(dbRows: readonly R[], unqueued: readonly R[], limit: number): { items: R[]; more: boolean } {
  const all = [...dbRows, ...unqueued].sort(newerFirst);
  return { items: all.slice(0, limit), more: all.length > limit || dbRows.length === limit };
}
