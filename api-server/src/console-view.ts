// Pure shaping of the web console's answers: run rows as list entries and page cursors, the step timeline
// with durations and take-overs marked, the overview's per-pool series and hourly outcomes.
import type { OutcomeRow, PoolLoadRow, QueueSeriesRow, RunSummaryRow, TakeoverRow } from './console-sql.js';
import type { UnqueuedRow } from './console-unqueued.js';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function runSummaryView(r: RunSummaryRow | UnqueuedRow) {
  return {
    uid: r.uid,
    name: r.name,
    pool: r.pool,
    workflow: r.workflow,
    state: r.state,
    attempts: r.attempts,
    failedAttempts: r.failedAttempts,
    takeovers: r.crashCount,
    robot: r.robot,
    error: r.errorMessage,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
  };
}

/** A page cursor: the last run's creation time (µs) and uid. */
export const cursorOf = (r: Pick<RunSummaryRow, 'createdUs' | 'uid'>) => `${r.createdUs}~${r.uid}`;

export function parseCursor(cursor: string): { createdUs: string; uid: string } {
  const [createdUs, uid] = cursor.split('~') as [string, string];
  return { createdUs, uid };
}

interface TimelineStep {
  step?: string;
  startedAt?: string;
  completedAt?: string;
}

/**
 * Each step with its duration and whether it is the first step begun after a take-over (a robot died
 * holding the run and another resumed it): the place the timeline marks. A step that began and never
 * ended is `interrupted` once a later step began or the run ended. `failedStep` is the step the run failed
 * at (its error's stepId): its last record is `failed` even when the engine stored the step's result
 * and the failure was decided after it (a page answering HTTP 404 to a goto).
 */
export function timeline<S extends TimelineStep & { status: string }>(
  steps: readonly S[],
  takeovers: readonly Pick<TakeoverRow, 'at'>[],
  opts: { runEnded: boolean; failedStep?: string },
) {
  const failedAt = opts.failedStep === undefined ? -1 : steps.findLastIndex((s) => s.step === opts.failedStep);
  const pending = takeovers.map((t) => Date.parse(t.at)).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
  return steps.map((s, i) => {
    const start = s.startedAt === undefined ? NaN : Date.parse(s.startedAt);
    const end = s.completedAt === undefined ? NaN : Date.parse(s.completedAt);
    let afterTakeover = false;
    while (pending.length > 0 && !Number.isNaN(start) && pending[0]! <= start) {
      pending.shift();
      afterTakeover = true;
    }
    // A step still "running" when a later step began, or when the run is over, was cut short.
    const status = i === failedAt ? 'failed' : s.status === 'running' && (opts.runEnded || i < steps.length - 1) ? 'interrupted' : s.status;
    return { ...s, status, durationMs: Number.isNaN(start) || Number.isNaN(end) ? null : Math.max(0, end - start), afterTakeover };
  });
}

/** The queue series rows (one per pool and minute) as one column set per pool. */
export function seriesByPool(rows: readonly QueueSeriesRow[]) {
  const out = new Map<string, { pool: string; at: string[]; depth: number[]; oldestAgeSeconds: Array<number | null> }>();
  for (const r of rows) {
    let s = out.get(r.pool);
    if (s === undefined) out.set(r.pool, (s = { pool: r.pool, at: [], depth: [], oldestAgeSeconds: [] }));
    s.at.push(r.at.toISOString());
    s.depth.push(r.depth);
    s.oldestAgeSeconds.push(r.oldestAgeSeconds === null ? null : Math.round(r.oldestAgeSeconds));
  }
  return [...out.values()];
}

/** Outcome rows (hour, state, count) as one entry per hour with a count per outcome. */
export function outcomesByHour(rows: readonly OutcomeRow[]) {
  const out = new Map<string, { hour: string; succeeded: number; failed: number; cancelled: number }>();
  for (const r of rows) {
    const hour = r.hour.toISOString();
    const e = out.get(hour) ?? { hour, succeeded: 0, failed: 0, cancelled: 0 };
    e[r.state] += r.count;
    out.set(hour, e);
  }
  return [...out.values()].sort((a, b) => a.hour.localeCompare(b.hour));
}

/** Pools from RobotPool status (desired, ready replicas) joined with the robots and runs in PostgreSQL. */
export function poolsView(load: readonly PoolLoadRow[], pools: ReadonlyArray<{ name: string; desired: number | null; ready: number | null }>) {
  const byName = new Map(pools.map((p) => [p.name, p]));
  const names = [...new Set([...pools.map((p) => p.name), ...load.map((l) => l.pool)])].sort();
  return names.map((pool) => {
    const l = load.find((x) => x.pool === pool);
    const p = byName.get(pool);
    return {
      pool,
      desired: p?.desired ?? null,
      ready: p?.ready ?? null,
      robots: l?.robots ?? 0,
      busy: l?.busy ?? 0,
      queued: l?.queued ?? 0,
      running: l?.running ?? 0,
    };
  });
}
