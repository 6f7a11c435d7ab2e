// The robot's side of the queue: a graphile-worker runner that serves exactly one pool's task identifier
// and calls an injected JobHandler for each run it claims.
//
// How attempts are counted (graphile-worker counts an attempt whenever it FETCHES a job, so a crash would
// use one up):
//   - graphile's max_attempts is GRAPHILE_MAX_ATTEMPTS (32767): crashes can never exhaust it, and
//     graphile's own retry (its failJob with exponential delay) is never used for real failures.
//   - aether.runs.failed_attempts counts REAL failures: the handler returned { status: 'failed' } or threw.
//     On such a failure, in ONE transaction, the consumer
//       1. detaches the job it holds (key cleared, attempts = max_attempts: never runnable again) — only
//          if its worker pool still holds it (fencing: a robot declared dead must not re-add anything),
//       2. increments failed_attempts and stores the error (+ screenshot),
//       3. below max_attempts: sets the run 'queued' with run_at = now + retryDelayMs(failed_attempts)
//          and adds a fresh job under the same key 'rpa:<uid>' with that run_at (graphile-worker's poll
//          picks it up when due); at max_attempts (or retryable: false): the run is 'failed' for good, a
//          dead letter with its last error (listDeadLetters).
//     then returns normally, so graphile deletes the detached job.
//   - a crash (SIGKILL, OOM, node loss): the heartbeat stops, the operator's sweeper marks the robot dead,
//     puts its runs back to 'queued' and force-unlocks its worker pools' jobs; another robot claims the
//     same job. failed_attempts is untouched; JobContext.attempt stays the same (the DBOS workflow of the
//     attempt is resumed, not restarted).
//   - graceful shutdown: stop fetching (jobs prefetched into the local queue go back untouched), let
//     running jobs finish until the deadline, then hand the rest back: the run goes back to 'queued'
//     (failed_attempts untouched) and its job is re-added at once the same way as a retry.
//   - suspend (spec.suspend on a job this robot holds; NOTIFY 'suspend:<uid>' on the cancel channel, or
//     suspend_requested read at claim): the handler stops at the next step boundary so that its DBOS
//     workflow can be resumed (HandlerOutcome 'suspended'; a claim that reads the flag does not start it at
//     all), and the consumer parks the run in ONE transaction: detach the held job (fencing as above),
//     run 'suspended' with its payload kept (or 'cancelled' if a cancel came meanwhile). No job is added.
//     failed_attempts, the attempt number and `robot` stay: when the producer resumes the run (job re-added
//     under the same key), the robot that claims it resumes the same workflow at the first step without a
//     checkpoint — its DBOS status CANCELLED, the run not cancel-requested (durable/takeover-decision.ts).
//   - a job whose run is already finished, cancelled, suspended or unknown is stale: it is completed
//     without running.
//
// The path of one job, kept cheap because short jobs are bounded by it:
//   claim    known without a read for a pristine first delivery (see claims.ts), else one batched read;
//   handler  at most `concurrency` at once (slots.ts), whatever graphile's own concurrency is;
//   outcome  successes are written in one batched statement (completeRuns); the task returns (and graphile
//            deletes the job) only after that write, so a crash never loses a finished run's record.
//            With graphileConcurrency above concurrency, a job waiting for its write has already given its
//            handler slot to the next job.
//   A run is marked 'running' only once its handler has run markRunningAfterMs; a short job costs one write.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { run, type Job, type JobHelpers, type Runner, type WorkerEvents } from 'graphile-worker';
import type { Logger } from '../../../api/log.js';
import { DEFAULT_BACKOFF, retryDelayMs, type BackoffPolicy } from '../../../api/queue/backoff.js';
import { withTransaction } from '../../../api/queue/db.js';
import { graphileLogger } from '../../../api/queue/graphile-logger.js';
import { GRAPHILE_MAX_ATTEMPTS, taskIdentifier } from '../../../api/queue/identifiers.js';
import { createPayloadParser, InvalidPayloadError, type QueuePayload } from '../../../api/queue/payload.js';
import {
  addRunJob,
  claimRuns,
  completeRuns,
  detachHeldJob,
  markRunsRunning,
  insertAudit,
  insertScreenshot,
  markRunCancelled,
  parkRun,
  recordRunFailure,
  requeueRun,
  type ClaimedRun,
} from '../../../api/queue/sql/runs.js';
import { createSharedBatcher } from './batcher.js';
import { listenForCancels, type CancelListener } from './cancel-listener.js';
import { createClaimReader } from './claims.js';
import type { AbortReason, JobContext, JobHandler, HandlerOutcome } from './handler.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { createInFlightJob, type InFlightJob } from './in-flight.js';
import { createSlots } from './slots.js';

export const DEFAULT_LEASE_SECONDS = 5;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1500;
const MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024;

export interface ConsumerOptions {
  databaseUrl: string;
  /** The RobotPool this robot serves. */
  namespace: string;
  pool: string;
  /** Unique per robot process. */
  robotId: string;
  pod?: string | null;
  handler: JobHandler;
  /** Handlers run at once (browsers per robot). Default 1. */
  concurrency?: number;
  /**
   * graphile-worker's own concurrency: jobs held between fetch and return, i.e. running, waiting for one
   * of the `concurrency` handler slots, or having their outcome written. Default: concurrency. Raise it
   * (with localQueueSize) for short jobs: a finished job then frees its handler slot while its outcome is
   * being written, and outcome writes batch better. Every extra worker may hold one more job locked.
   */
  graphileConcurrency?: number;
  /**
   * Jobs fetched (and locked) per round trip (graphile's localQueue). Default: graphileConcurrency. Larger = more
   * throughput for short jobs, but prefetched jobs wait behind running ones while another robot may be
   * idle, and graphile hands out one fetched batch in no particular order: priority is honoured between
   * fetches, so keep it at concurrency where strict priority matters.
   */
  localQueueSize?: number;
  /** How long prefetched jobs may wait locally before they go back. Default 30 s. */
  localQueueTtlMs?: number;
  /** Batch window for graphile's job completion. Default 0 (batch what completes in the same tick). */
  completeJobBatchDelayMs?: number;
  /** Heartbeat older than this -> the robot is dead. Default 5. */
  leaseSeconds?: number;
  heartbeatIntervalMs?: number;
  /**
   * A run is marked 'running' (robot, claim count) once its handler has run this long; a shorter job is
   * recorded by its outcome alone, in one write. Default 200.
   */
  markRunningAfterMs?: number;
  /** How often graphile-worker polls for due delayed jobs (retries). Default 1000. */
  pollIntervalMs?: number;
  backoff?: BackoffPolicy;
  /** graphile-worker's connection pool size. Default min(graphileConcurrency, 32) + 3 (the local queue fetches and completes in batches, on few connections). */
  maxPoolSize?: number;
  logger: Logger;
}

export interface Consumer {
  readonly robotId: string;
  readonly taskIdentifier: string;
  workerPoolIds(): string[];
  /** Handlers running now. */
  jobsHeld(): number;
  /**
   * Graceful shutdown: stop fetching, wait for running jobs until `deadlineMs` (default 30 s), then hand
   * the remaining ones back to the queue. Resolves when the runner has stopped.
   */
  stop(opts?: { deadlineMs?: number }): Promise<void>;
  /** Settles when the runner stops (rejects if it failed). */
  readonly done: Promise<void>;
}

/** How a handler's run ended: its outcome, or one of the ABORTED markers (allocated once, not per job). */
interface Aborted {
  readonly aborted: AbortReason;
}
const ABORTED: Readonly<Record<AbortReason, Aborted>> = {
  cancelled: { aborted: 'cancelled' },
  suspended: { aborted: 'suspended' },
  shutdown: { aborted: 'shutdown' },
  fenced: { aborted: 'fenced' },
};
type Settled = HandlerOutcome | Aborted;
const isAborted = (s: Settled): s is Aborted => s === ABORTED.shutdown || s === ABORTED.fenced || s === ABORTED.cancelled;

export async function startConsumer(opts: ConsumerOptions): Promise<Consumer> {
  const concurrency = opts.concurrency ?? 1;
  const graphileConcurrency = Math.max(concurrency, opts.graphileConcurrency ?? concurrency);
  const identifier = taskIdentifier(opts.namespace, opts.pool);
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const log = opts.logger.child({ robot: opts.robotId, namespace: opts.namespace, pool: opts.pool });
  const db = new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
  db.on('error', (err) => log.warn({ err }, 'idle database connection failed'));

  const inFlight = new Map<string, InFlightJob>();
  let shutdownDeadlinePassed = false;
  let fenced = false;

  const abortAll = (reason: AbortReason) => {
    for (const f of inFlight.values()) f.abort(reason);
  };

  let runner: Runner | null = null;
  let heartbeat: Heartbeat | null = null;
  heartbeat = await startHeartbeat({
    pool: db,
    robotId: opts.robotId,
    namespace: opts.namespace,
    poolName: opts.pool,
    pod: opts.pod ?? null,
    leaseSeconds: opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
    intervalMs: opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    jobsHeld: () => inFlight.size,
    onFenced: () => {
      fenced = true;
      abortAll('fenced');
      void runner?.stop('robot declared dead').catch(() => undefined);
    },
    logger: log,
  });

  let cancels: CancelListener | null = null;
  const claims = createClaimReader({
    readRuns: (uids) => claimRuns(db, { uids }),
    listeningSince: () => cancels?.listeningSince() ?? null,
  });
  try {
    cancels = await listenForCancels({
      pool: db,
      logger: log,
      onNotice: ({ kind, uid }) => {
        claims.cancelNotified(uid);
        inFlight.get(uid)?.abort(kind === 'cancel' ? 'cancelled' : 'suspended');
      },
    });
  } catch (err) {
    await heartbeat.stop({ retire: true }).catch(() => undefined);
    await db.end();
    throw err;
  }

  const completions = createSharedBatcher<{ uid: string; outputs: unknown }>((results) => completeRuns(db, { results, robot: opts.robotId }));
  const runningMarks = createSharedBatcher<string>((uids) => markRunsRunning(db, { uids, robot: opts.robotId }));
  const markRunningAfterMs = opts.markRunningAfterMs ?? 200;

  /** Records a real failure and re-adds the job for a retry, or dead-letters the run. */
  const recordFailure = async (job: Job, payload: QueuePayload, claim: ClaimedRun, outcome: Extract<HandlerOutcome, { status: 'failed' }>) => {
    const retryable = outcome.retryable !== false;
    const delay = retryDelayMs(claim.failedAttempts + 1, backoff);
    const kept = await withTransaction(db, async (tx) => {
      if (!(await detachHeldJob(tx, { graphileJobId: job.id, workerPoolId: job.locked_by! }))) return null;
      let screenshotId: string | null = null;
      if (outcome.screenshot && outcome.screenshot.length <= MAX_SCREENSHOT_BYTES) {
        screenshotId = await insertScreenshot(tx, { uid: claim.uid, stepId: outcome.error.stepId ?? 'unknown', image: outcome.screenshot });
      }
      const rec = await recordRunFailure(tx, { uid: claim.uid, robot: opts.robotId, error: outcome.error, retryable, retryDelayMs: delay, screenshotId });
      if (rec?.state === 'queued') {
        await addRunJob(tx, {
          uid: claim.uid,
          taskIdentifier: rec.taskIdentifier,
          payload,
          runAt: rec.runAt,
          priority: rec.priority,
          maxAttempts: GRAPHILE_MAX_ATTEMPTS,
        });
      } else if (rec?.state === 'failed') {
        await insertAudit(tx, {
          actor: `robot/${opts.robotId}`,
          action: 'run.deadLettered',
          namespace: payload.namespace,
          name: payload.name,
          runUid: claim.uid,
          details: { failedAttempts: rec.failedAttempts, error: outcome.error },
        });
      }
      return rec;
    });
    if (kept === null) throw new LostJobError(claim.uid);
    return kept;
  };

  /** Shutdown deadline passed: put the run back in the queue at once, unchanged. */
  const handBack = async (job: Job, payload: QueuePayload, uid: string) => {
    const ok = await withTransaction(db, async (tx) => {
      if (!(await detachHeldJob(tx, { graphileJobId: job.id, workerPoolId: job.locked_by! }))) return false;
      const run = await requeueRun(tx, { uid, robot: opts.robotId });
      if (run) {
        await addRunJob(tx, { uid, taskIdentifier: run.taskIdentifier, payload, runAt: new Date(), priority: run.priority, maxAttempts: GRAPHILE_MAX_ATTEMPTS });
      }
      return true;
    });
    if (!ok) throw new LostJobError(uid);
  };

  /** Suspended: park the run (payload kept, no job re-added) until the producer resumes it. */
  const park = async (job: Job, payload: QueuePayload, uid: string, robot: string | null) => {
    const state = await withTransaction(db, async (tx) => {
      if (!(await detachHeldJob(tx, { graphileJobId: job.id, workerPoolId: job.locked_by! }))) return false;
      const parked = await parkRun(tx, { uid, payload, robot });
      if (parked === 'suspended') {
        await insertAudit(tx, { actor: `robot/${opts.robotId}`, action: 'run.suspended', namespace: payload.namespace, name: payload.name, runUid: uid });
      }
      return parked;
    });
    if (state === false) throw new LostJobError(uid);
    return state;
  };

  const parsePayload = createPayloadParser();
  // Built only when something is logged: the common path logs nothing per job.
  const jobLog = (payload: QueuePayload) => log.child({ kind: 'RpaJob', namespace: payload.namespace, name: payload.name, jobUid: payload.uid });
  const slots = createSlots(concurrency);

  const task = async (rawPayload: unknown, helpers: JobHelpers): Promise<void> => {
    const job = helpers.job;
    let payload: QueuePayload;
    try {
      payload = parsePayload(rawPayload);
    } catch (err) {
      if (!(err instanceof InvalidPayloadError)) throw err;
      await failUnreadablePayload(job, rawPayload, err);
      return;
    }

    let claim: ClaimedRun | undefined;
    let settled: Settled;
    // Synchronous fast paths first: most jobs find a free slot and a claim known without a read.
    if (!slots.tryAcquire()) await slots.acquire();
    try {
      // Read after the slot is ours, so the claim is as fresh as possible when the handler starts.
      claim = claims.known(job, payload) ?? (await claims.claim(job, payload));
      if (!claim) {
        jobLog(payload).info('skipped a stale job: its run is finished or unknown');
        return;
      }
      if (claim.state === 'cancelled') {
        jobLog(payload).info('cancelled before it started');
        return;
      }
      if (claim.suspendRequested) {
        // Not started here: a run waiting since an earlier claim keeps that robot as its last holder.
        const state = await park(job, payload, claim.uid, null);
        jobLog(payload).info({ state }, 'suspended before it started');
        return;
      }
      const running = track(claim.uid);
      try {
        settled = await runHandler(opts.handler, new ClaimContext(payload, claim, job.id, opts.robotId, running), running);
      } finally {
        inFlight.delete(claim.uid);
      }
    } finally {
      // The slot goes to the next job now; this job's outcome is written below, outside it.
      slots.release();
    }

    if (isAborted(settled)) {
      if (settled.aborted === 'fenced') throw new LostJobError(claim.uid);
      await handBack(job, payload, claim.uid);
      jobLog(payload).info('handed the job back at shutdown');
      return;
    }
    const outcome = settled;
    if (outcome.status === 'succeeded') {
      await completions.submit({ uid: claim.uid, outputs: outcome.outputs ?? null });
    } else if (outcome.status === 'cancelled') {
      await markRunCancelled(db, { uid: claim.uid });
      jobLog(payload).info('run cancelled');
    } else if (outcome.status === 'suspended') {
      const state = await park(job, payload, claim.uid, opts.robotId);
      jobLog(payload).info({ state, stepId: outcome.stepId }, 'run suspended at a step boundary');
    } else {
      const rec = await recordFailure(job, payload, claim, outcome);
      if (rec?.state === 'failed') {
        jobLog(payload).warn({ failedAttempts: rec.failedAttempts, error: outcome.error }, 'run failed for good (dead letter)');
      } else if (rec) {
        jobLog(payload).info({ failedAttempts: rec.failedAttempts, runAt: rec.runAt, error: outcome.error }, 'attempt failed; retry scheduled');
      }
    }
  };

  /** A claimed run whose handler starts now, tracked in inFlight (for cancels, aborts and the heartbeat). */
  const track = (uid: string): InFlightJob => {
    const running = createInFlightJob(uid, Date.now());
    inFlight.set(uid, running);
    if (shutdownDeadlinePassed) running.abort('shutdown');
    if (fenced) running.abort('fenced');
    return running;
  };

  // A claim is written only for jobs that run a while (markRunningAfterMs): short ones are recorded by
  // their outcome alone, in one write. One timer looks over the running jobs.
  const markRunningTimer = setInterval(
    () => {
      const now = Date.now();
      for (const f of inFlight.values()) {
        if (f.marked || now - f.startedAt < markRunningAfterMs) continue;
        f.marked = true;
        runningMarks.submit(f.uid).catch((err: unknown) => log.warn({ err, jobUid: f.uid }, 'could not mark the run running'));
      }
    },
    Math.max(10, Math.round(markRunningAfterMs / 4)),
  );
  markRunningTimer.unref();

  /** A payload that does not parse can never run: fail its run for good (if it names one) and drop it. */
  const failUnreadablePayload = async (job: Job, raw: unknown, err: InvalidPayloadError) => {
    const uid = typeof raw === 'object' && raw !== null ? (raw as { uid?: unknown }).uid : undefined;
    log.error({ graphileJobId: job.id, err: err.message }, 'dropped a job with an invalid payload');
    if (typeof uid !== 'string' || !/^[0-9a-f-]{36}$/i.test(uid)) return;
    const [claim] = await claimRuns(db, { uids: [uid] });
    if (claim && claim.state !== 'cancelled') {
      await withTransaction(db, (tx) =>
        recordRunFailure(tx, { uid, robot: opts.robotId, error: { message: err.message, code: 'InvalidPayload' }, retryable: false, retryDelayMs: 0, screenshotId: null }),
      );
    }
  };

  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  let registerPool: Promise<void> = Promise.resolve();
  events.on('pool:create', ({ workerPool }) => {
    registerPool = heartbeat!.addWorkerPoolId(workerPool.id).catch((err: unknown) => log.error({ err }, 'could not register the worker pool id'));
  });

  try {
    runner = await run({
      connectionString: opts.databaseUrl,
      concurrency: graphileConcurrency,
      maxPoolSize: opts.maxPoolSize ?? Math.min(graphileConcurrency, 32) + 3,
      noHandleSignals: true,
      pollInterval: opts.pollIntervalMs ?? 1000,
      taskList: { [identifier]: task },
      events,
      logger: graphileLogger(log),
      preset: {
        worker: {
          localQueue: { size: opts.localQueueSize ?? graphileConcurrency, ttl: opts.localQueueTtlMs ?? 30_000 },
          completeJobBatchDelay: opts.completeJobBatchDelayMs ?? 0,
          failJobBatchDelay: 0,
          // We abort handlers ourselves at the stop() deadline; graphile's own abort is not used.
          gracefulShutdownAbortTimeout: 2 ** 31 - 1,
        },
      },
    });
  } catch (err) {
    clearInterval(markRunningTimer);
    await cancels?.stop().catch(() => undefined);
    await heartbeat.stop({ retire: true }).catch(() => undefined);
    await db.end();
    throw err;
  }
  await registerPool;
  log.info({ taskIdentifier: identifier, concurrency, graphileConcurrency }, 'consumer started');

  let stopping: Promise<void> | null = null;
  const theRunner = runner;
  const done = theRunner.promise;
  done.catch(() => undefined);

  const stop = (o: { deadlineMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      const deadlineMs = o.deadlineMs ?? 30_000;
      await heartbeat!.beat('draining').catch(() => undefined);
      const timer = setTimeout(() => {
        shutdownDeadlinePassed = true;
        abortAll('shutdown');
      }, deadlineMs);
      try {
        await theRunner.stop('consumer stopping').catch((err: unknown) => {
          if (!fenced) log.warn({ err }, 'runner stopped with an error');
        });
      } finally {
        clearTimeout(timer);
        clearInterval(markRunningTimer);
        await cancels?.stop().catch(() => undefined);
        await heartbeat!.stop({ retire: !fenced }).catch((err: unknown) => log.warn({ err }, 'could not retire the robot'));
        await db.end().catch(() => undefined);
        log.info('consumer stopped');
      }
    })();
    return stopping;
  };

  return {
    robotId: opts.robotId,
    taskIdentifier: identifier,
    workerPoolIds: () => heartbeat!.workerPoolIds(),
    jobsHeld: () => inFlight.size,
    stop,
    done,
  };
}

/** The handler's view of a claimed run: a class, so a job costs one object and no getter closure. */
class ClaimContext implements JobContext {
  readonly runUid: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly claims: number;
  readonly previousRobot: string | null;

  constructor(
    readonly payload: QueuePayload,
    claim: ClaimedRun,
    readonly graphileJobId: string,
    readonly robotId: string,
    private readonly running: InFlightJob,
  ) {
    this.runUid = claim.uid;
    this.attempt = claim.failedAttempts + 1;
    this.maxAttempts = claim.maxAttempts;
    this.claims = claim.attempts + 1;
    this.previousRobot = claim.previousRobot;
  }

  get signal(): AbortSignal {
    return this.running.signal;
  }
}

/** Thrown from a task when this robot no longer holds its job: graphile's failJob then changes nothing. */
export class LostJobError extends Error {
  constructor(uid: string) {
    super(`robot no longer holds the job of run ${uid} (declared dead and released)`);
    this.name = 'LostJobError';
  }
}

/**
 * Runs the handler until it settles. A 'shutdown' or 'fenced' abort settles at once (the handler is left
 * to notice its signal; it is not started at all when the abort came first); a 'cancelled' or 'suspended'
 * abort waits for the handler to stop at its next step boundary.
 */
function runHandler(handler: JobHandler, ctx: JobContext, running: InFlightJob): Promise<Settled> {
  if (running.abandoned) return Promise.resolve(ABORTED[running.abandoned]);
  return new Promise<Settled>((resolve) => {
    running.onAbandon = (reason) => resolve(ABORTED[reason]);
    let outcome: Promise<HandlerOutcome>;
    try {
      outcome = handler(ctx);
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome.then(resolve, (err: unknown) => resolve(handlerFailure(err)));
  });
}

/** A handler that threw (or rejected) failed its attempt with the error's message. */
function handlerFailure(err: unknown): HandlerOutcome {
  return { status: 'failed', error: { message: err instanceof Error ? err.message : String(err), code: 'HandlerError' } };
}
