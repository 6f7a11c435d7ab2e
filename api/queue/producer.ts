// The operator's side of the queue: enqueue runs (idempotent per RpaJob UID, bulk), cancel them, read
// their depth and their dead letters.
//
// Enqueue is ONE statement (aether.enqueue_runs): run row + graphile-worker job + NOTIFY commit together.
// Routing: the job's task identifier is its pool's (`rpa.run.<namespace>.<pool>`); robots of a pool only
// know that identifier. Priority: API names/numbers, higher = more urgent, mapped to graphile's
// lower-runs-first. maxAttempts counts REAL failures only (see robot-image/src/queue/consumer.ts).
import type pg from 'pg';
import { withTransaction } from './db.js';
import { CANCEL_CHANNEL, taskIdentifier } from './identifiers.js';
import { parsePayload, type QueuePayload, type QueuePayloadInput } from './payload.js';
import { graphilePriority } from './priority.js';
import { queueDepth, type QueueDepth } from './sql/depth.js';
import {
  clearPristineFlag,
  deleteUnlockedJob,
  getRun,
  insertAudit,
  listDeadLetters,
  markRunCancelled,
  notify,
  requestRunCancel,
  enqueueRuns,
  type EnqueueSpec,
  type RunRow,
} from './sql/runs.js';

export interface EnqueueRequest {
  payload: QueuePayloadInput;
  /** Not before this time (a scheduled or delayed run). Default: now. */
  runAt?: Date;
}

export interface EnqueueResult {
  uid: string;
  /** false when a run with this UID already existed: nothing was queued. */
  enqueued: boolean;
}

export type CancelResult =
  /** The job was still waiting: it is removed and the run is cancelled. */
  | 'cancelled'
  /** A robot holds the job: the run is flagged and the robot told (it stops at the next step boundary). */
  | 'requested'
  /** The run is already finished, or unknown. */
  | 'finished';

export interface Producer {
  enqueue(req: EnqueueRequest): Promise<EnqueueResult>;
  /** Many runs in one statement. */
  enqueueMany(reqs: EnqueueRequest[]): Promise<EnqueueResult[]>;
  cancel(uid: string, opts?: { actor?: string }): Promise<CancelResult>;
  depth(namespace: string, pool: string): Promise<QueueDepth>;
  getRun(uid: string): Promise<RunRow | null>;
  deadLetters(namespace: string, opts?: { pool?: string; limit?: number }): Promise<RunRow[]>;
}

/** The row spec for one request; validates the payload (throws InvalidPayloadError). */
export function toEnqueueSpec(req: EnqueueRequest): EnqueueSpec {
  const payload: QueuePayload = parsePayload(req.payload);
  return {
    uid: payload.uid,
    namespace: payload.namespace,
    name: payload.name,
    pool: payload.pool,
    task_identifier: taskIdentifier(payload.namespace, payload.pool),
    workflow_digest: payload.workflowDigest,
    priority: graphilePriority(payload.priority),
    max_attempts: payload.maxAttempts,
    run_at: req.runAt ? req.runAt.toISOString() : null,
    deadline: payload.deadline,
    payload,
  };
}

export function createProducer(opts: { pool: pg.Pool }): Producer {
  const { pool } = opts;
  const enqueueMany = async (reqs: EnqueueRequest[]): Promise<EnqueueResult[]> => {
    const specs = reqs.map(toEnqueueSpec);
    const rows = await enqueueRuns(pool, { specs });
    const byUid = new Map(rows.map((r) => [r.uid, r.enqueued]));
    // One result per request, in request order (a UID repeated within one call is queued once).
    const seen = new Set<string>();
    return specs.map((s) => {
      const first = !seen.has(s.uid);
      seen.add(s.uid);
      return { uid: s.uid, enqueued: first && (byUid.get(s.uid) ?? false) };
    });
  };
  return {
    enqueueMany,
    async enqueue(req) {
      const [r] = await enqueueMany([req]);
      return r!;
    },
    cancel: (uid, o) =>
      withTransaction(pool, async (tx) => {
        const state = await requestRunCancel(tx, { uid });
        if (state === null) return 'finished';
        const actor = o?.actor ?? 'operator';
        if (state === 'queued' && (await deleteUnlockedJob(tx, { uid }))) {
          await markRunCancelled(tx, { uid });
          await insertAudit(tx, { actor, action: 'run.cancelled', runUid: uid });
          return 'cancelled';
        }
        // Held by a robot (running, or fetched into its local queue): it hears the NOTIFY (delivered at
        // commit); a robot that fetches the job later reads cancel_requested at claim.
        await clearPristineFlag(tx, { uid });
        await notify(tx, { channel: CANCEL_CHANNEL, payload: uid });
        await insertAudit(tx, { actor, action: 'run.cancelRequested', runUid: uid });
        return 'requested';
      }),
    depth: (namespace, p) => queueDepth(pool, { namespace, pool: p }),
    getRun: (uid) => getRun(pool, { uid }),
    deadLetters: (namespace, o) => listDeadLetters(pool, { namespace, ...o }),
  };
}
