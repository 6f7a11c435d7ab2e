// Names shared by producer, consumer and sweeper. Glossary:
//   pool key        '<namespace>/<pool>' — a RobotPool; the NOTIFY payload on ENQUEUE_CHANNEL.
//   task identifier graphile-worker's routing key: one per pool, 'rpa.run.<namespace>.<pool>'. A robot's
//                   runner knows only its pool's identifier, so it only ever fetches that pool's jobs.
//                   (graphile's queue_name would serialise jobs; it is never used.)
//   job key         'rpa:<uid>' — graphile-worker job key derived from the RpaJob UID.
//   worker pool id  graphile-worker's per-runner id (`locked_by` of the jobs it holds), 'pool-<hex>'.
//   pristine job    a job as enqueue_runs added it, whose run nobody has touched since (flag PRISTINE_FLAG).
import { createHash } from 'node:crypto';

/** NOTIFY channel on enqueue; payload = pool key. */
export const ENQUEUE_CHANNEL = 'aether_enqueue';
/**
 * NOTIFY channel for a cancel or a suspend of a job a robot holds. Payload: the run UID for a cancel,
 * 'suspend:<uid>' for a suspend (see stopNotice / parseStopNotice).
 */
export const CANCEL_CHANNEL = 'aether_cancel';
/** graphile-worker's own wake-up channel (its runners LISTEN on it). */
export const GRAPHILE_JOBS_CHANNEL = 'jobs:insert';
/**
 * graphile-worker counts an attempt whenever a job is fetched, so a crash uses one up. Its max_attempts is
 * set to the smallint maximum so crashes can never exhaust it; real failures are counted in
 * aether.runs.failed_attempts instead.
 */
export const GRAPHILE_MAX_ATTEMPTS = 32767;
/**
 * graphile-worker job flag set by enqueue_runs (migrations/sql/0003_pristine_jobs.sql) and removed when a
 * cancel is requested while a robot holds the job: on its first fetch, such a job's run is known without
 * reading it (robot-image/src/queue/claims.ts).
 */
export const PRISTINE_FLAG = 'aether:pristine';

const TASK_PREFIX = 'rpa.run.';
/** graphile-worker's limit on task identifiers. */
const TASK_IDENTIFIER_MAX = 128;

export function poolKey(namespace: string, pool: string): string {
  return `${namespace}/${pool}`;
}

export function parsePoolKey(key: string): { namespace: string; pool: string } | null {
  const i = key.indexOf('/');
  if (i <= 0 || i === key.length - 1) return null;
  return { namespace: key.slice(0, i), pool: key.slice(i + 1) };
}

/**
 * The graphile-worker task identifier of a pool. Namespaces have no dots, so the first segment after the
 * prefix is always the namespace. Names too long for graphile's 128 characters are shortened with a hash.
 */
export function taskIdentifier(namespace: string, pool: string): string {
  const full = `${TASK_PREFIX}${namespace}.${pool}`;
  if (full.length <= TASK_IDENTIFIER_MAX) return full;
  const hash = createHash('sha256').update(poolKey(namespace, pool)).digest('hex').slice(0, 12);
  return `${full.slice(0, TASK_IDENTIFIER_MAX - hash.length - 1)}~${hash}`;
}

/** What a robot is told on CANCEL_CHANNEL about a run it may hold. */
export interface StopNotice {
  kind: 'cancel' | 'suspend';
  uid: string;
}

const SUSPEND_PREFIX = 'suspend:';

export function stopNotice(notice: StopNotice): string {
  return notice.kind === 'cancel' ? notice.uid : `${SUSPEND_PREFIX}${notice.uid}`;
}

/** A bare UID is a cancel (what robots have always been sent); 'suspend:<uid>' a suspend. */
export function parseStopNotice(payload: string): StopNotice {
  return payload.startsWith(SUSPEND_PREFIX) ? { kind: 'suspend', uid: payload.slice(SUSPEND_PREFIX.length) } : { kind: 'cancel', uid: payload };
}

/** The job key lives with the other shared names of the kinds. */
export { jobKey } from '../v1alpha1/names.js';
