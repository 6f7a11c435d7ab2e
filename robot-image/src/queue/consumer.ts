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
//     running jobs finish until the deadline, then stop the rest at once (their handlers close their
//     browser contexts and record nothing more) and, once each has stopped, hand it back: the run goes
//     back to 'queued' (failed_attempts untouched, fencing token moved on) and its job is re-added at once
//     the same way as a retry.
//   - fencing (at most one running copy): each claim holds the run's fencing token (runs.claim_epoch; see
//     fence.ts and migrations/sql/0008_claim_epoch.sql) and every write for the run checks it. A robot
//     declared dead, or asked to stop, stops its handlers at once and acknowledges when all have stopped;
//     the sweeper releases its jobs on that acknowledgement, or when its lease expired.
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
// Where it lives: task.ts (claim → run → record of one job), record.ts and transactions/*.ts (one function
// per settle transaction: fail-attempt, hand-back, park, fail-invalid-payload), lifecycle.ts (running |
// draining | fenced), in-flight.ts, running-marks.ts, claims.ts, slots.ts; this file wires them.
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
import type pg from 'pg';
import { run, type Runner, type Task, type WorkerEvents } from 'graphile-worker';
import { createPool, type DbSettings } from '../../../api/db/pool.js';
import type { Logger } from '../../../api/log.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../../../api/queue/backoff.js';
import { graphileLogger } from '../../../api/queue/graphile-logger.js';
import { taskIdentifier } from '../../../api/queue/identifiers.js';
import { acknowledgeRobotStopped, requestOwnFence } from '../../../api/queue/sql/fence.js';
import { claimRuns, stopRequested } from '../../../api/queue/sql/runs.js';
import { listenForCancels, type CancelListener } from './cancel-listener.js';
import { createClaimReader } from './claims.js';
import type { JobHandler } from './handler.js';
import { DEFAULT_OUTAGE_BUDGET_MS, startHeartbeat, type Heartbeat } from './heartbeat.js';
import { InFlightJobs } from './in-flight.js';
import { RobotFencedError, type FenceReason } from './lease.js';
import { DEFAULT_STALL_LIMITS, TaskPhases, watchStalls, type StallLimits } from './stall-watch.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import { createRecorder } from './record.js';
import { startRunningMarks } from './running-marks.js';
import { createSlots } from './slots.js';
import { createTask } from './task.js';

export { LostJobError } from './transactions/held-job.js';
export { RobotFencedError } from './lease.js';

export const DEFAULT_LEASE_SECONDS = 5;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1500;
/** How long a fenced robot waits for its handlers to stop (and to acknowledge) before it exits. */
const FENCED_EXIT_WAIT_MS = 5_000;

export interface ConsumerOptions {
  databaseUrl: string;
  /** The RobotPool this robot serves. */
  namespace: string;
  pool: string;
  /** Unique per robot process. */
  robotId: string;
  pod?: string | null;
  /** Recorded with the robot row (the console's Robots page). */
  version?: string | null;
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
  /** Timeouts and keepalive of the consumer's and graphile-worker's connections (api/db/pool.ts defaults). */
  dbSettings?: DbSettings;
  /**
   * How long the robot keeps working on held jobs while its heartbeat cannot reach the database (default
   * 30 s). Past it, it fences itself: `done` rejects with RobotFencedError. See lease.ts.
   */
  outageBudgetMs?: number;
  /** Past these, a job's claim or record counts as stuck and the robot fences itself ('stalled'). Default DEFAULT_STALL_LIMITS. */
  stallLimits?: StallLimits;
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
   * The robot must stop working on its jobs now (e.g. a checkpoint could not be written): handlers are
   * aborted, nothing more is written, `done` rejects with RobotFencedError.
   */
  fence(reason: FenceReason): void;
  /**
   * Graceful shutdown: stop fetching, wait for running jobs until `deadlineMs` (default 30 s), then hand
   * the remaining ones back to the queue. Resolves when the runner has stopped.
   */
  stop(opts?: { deadlineMs?: number }): Promise<void>;
  /**
   * Settles when the runner stops (rejects if it failed). Rejects with RobotFencedError when the robot must
   * stop working on the jobs it holds (see lease.ts): its handlers are aborted then, nothing more is
   * written, and the process should exit non-zero.
   */
  readonly done: Promise<void>;
}

export async function startConsumer(opts: ConsumerOptions): Promise<Consumer> {
  const concurrency = opts.concurrency ?? 1;
  const graphileConcurrency = Math.max(concurrency, opts.graphileConcurrency ?? concurrency);
  const identifier = taskIdentifier(opts.namespace, opts.pool);
  const log = opts.logger.child({ robot: opts.robotId, namespace: opts.namespace, pool: opts.pool });
  const db = createPool({ connectionString: opts.databaseUrl, max: 4, ...(opts.dbSettings && { settings: opts.dbSettings }), logger: log, name: 'aether-robot-queue' });
  let fencedBy: (err: RobotFencedError) => void = () => undefined;
  const fencedSignal = new Promise<never>((_resolve, reject) => (fencedBy = reject));
  fencedSignal.catch(() => undefined);
  const fence = (reason: FenceReason) => {
    if (!lifecycle.fence()) return;
    stopAcknowledged = acknowledgeStop(reason === 'stalled' || reason === 'durable-fault' || reason === 'runner-failed');
    // Exit (main.ts) once the stop is acknowledged — or, when the database is what failed, once the
    // handlers stopped — or after a few seconds: a stuck handler must not keep a fenced process alive (the
    // sweeper then releases its jobs at lease expiry).
    const databaseFailed = reason === 'outage-budget-exceeded' || reason === 'durable-fault';
    const ready = databaseFailed ? inFlight.idle() : stopAcknowledged;
    void Promise.race([ready, new Promise((r) => setTimeout(r, FENCED_EXIT_WAIT_MS).unref())]).then(() => fencedBy(new RobotFencedError(reason)));
  };

  const inFlight = new InFlightJobs();
  const lifecycle = createLifecycle(inFlight);
  let runner: Runner | null = null;
  /** A fenced robot acknowledges once every handler it ran has stopped: the sweeper may then release its jobs. */
  let stopAcknowledged: Promise<void> | null = null;
  const acknowledgeStop = (selfFenced: boolean) =>
    inFlight
      .idle()
      .then(async () => {
        if (selfFenced) await requestOwnFence(db, { id: opts.robotId });
        await acknowledgeRobotStopped(db, { id: opts.robotId });
      })
      .then(() => log.info('fenced: every handler stopped; acknowledged'))
      .catch((err: unknown) => log.warn({ err }, 'could not acknowledge the stop'));
  const heartbeat = await startHeartbeat({
    pool: db,
    robotId: opts.robotId,
    namespace: opts.namespace,
    poolName: opts.pool,
    pod: opts.pod ?? null,
    version: opts.version ?? null,
    leaseSeconds: opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
    intervalMs: opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    ...(opts.outageBudgetMs !== undefined && { outageBudgetMs: opts.outageBudgetMs }),
    jobsHeld: () => inFlight.size,
    // Handlers are aborted at once; the runner is left as it is (stopping it would write to the queue),
    // the stop is acknowledged once they all ended, and the process exits (main.ts).
    onFenced: (reason) => fence(reason),
    logger: log,
  }).catch(async (err: unknown) => {
    await db.end().catch(() => undefined);
    throw err;
  });

  let cancels: CancelListener | null = null;
  let marks: { stop(): void } | null = null;
  let stalls: { stop(): void } | null = null;
  let graphilePool: pg.Pool | null = null;
  const close = async (retire: boolean) => {
    await stopAcknowledged;
    marks?.stop();
    stalls?.stop();
    await cancels?.stop().catch(() => undefined);
    await heartbeat.stop({ retire }).catch((err: unknown) => log.warn({ err }, 'could not retire the robot'));
    await graphilePool?.end().catch(() => undefined);
    await db.end().catch(() => undefined);
  };
  const claims = createClaimReader({
    readRuns: (held) => claimRuns(db, { uids: held.map((h) => h.uid), held }),
    listeningSince: () => cancels?.listeningSince() ?? null,
  });
  const pools = workerPoolRegistration(heartbeat, log);
  // graphile-worker shuts its worker pool down by itself when it cannot complete or fail a job (it then
  // calls the queue inconsistent) or a worker dies: it fetches nothing more, yet its locks stay. A robot
  // left so would heartbeat on and strand those jobs: it stops instead, and the sweeper releases them.
  pools.events.on('pool:gracefulShutdown', ({ message }) => {
    if (lifecycle.state.phase !== 'running') return; // our own stop
    log.error({ reason: message }, 'graphile-worker shut its worker pool down by itself: stopping the robot');
    fence('runner-failed');
  });
  try {
    cancels = await listenForCancels({
      pool: db,
      logger: log,
      onNotice: ({ kind, uid }) => {
        claims.cancelNotified(uid);
        if (!inFlight.get(uid)) return;
        // A notice is only a hint (any role may NOTIFY): the run row must carry the request.
        stopRequested(db, { uid, kind })
          .then((requested) => {
            if (requested) inFlight.get(uid)?.abort(kind === 'cancel' ? 'cancelled' : 'suspended');
            else log.warn({ jobUid: uid, kind }, 'ignored a stop notice the run row does not carry');
          })
          .catch((err: unknown) => {
            // Unverifiable (database unreachable): a real request must not be lost, so it is honoured.
            log.warn({ err, jobUid: uid, kind }, 'could not check a stop notice against the run row; acting on it');
            inFlight.get(uid)?.abort(kind === 'cancel' ? 'cancelled' : 'suspended');
          });
      },
    });
    marks = startRunningMarks({ db, robot: opts.robotId, inFlight, afterMs: opts.markRunningAfterMs ?? 200, logger: log });
    const recorder = createRecorder({ db, robot: opts.robotId, backoff: opts.backoff ?? DEFAULT_BACKOFF, logger: log });
    const slots = createSlots(concurrency);
    const phases = new TaskPhases();
    stalls = watchStalls({
      phases,
      limits: opts.stallLimits ?? DEFAULT_STALL_LIMITS,
      onStall: (stall) => {
        log.error(stall, "a job's task is stuck in a database-only phase far past the timeouts: stopping the robot so that its jobs go to others");
        fence('stalled');
      },
    });
    const task = createTask({
      db,
      robot: opts.robotId,
      handler: opts.handler,
      slots,
      claims,
      inFlight,
      lifecycle,
      recorder,
      phases,
      outageBudgetMs: opts.outageBudgetMs ?? DEFAULT_OUTAGE_BUDGET_MS,
      logger: log,
    });
    graphilePool = createPool({
      connectionString: opts.databaseUrl,
      max: opts.maxPoolSize ?? Math.min(graphileConcurrency, 32) + 3,
      ...(opts.dbSettings && { settings: opts.dbSettings }),
      logger: log,
      name: 'aether-robot-worker',
    });
    runner = await startRunner(opts, { identifier, task, graphileConcurrency, pgPool: graphilePool, events: pools.events, log });
  } catch (err) {
    await close(true);
    throw err;
  }
  await pools.registered();
  log.info({ taskIdentifier: identifier, concurrency, graphileConcurrency }, 'consumer started');

  const theRunner = runner;
  const done = Promise.race([theRunner.promise, fencedSignal]);
  done.catch(() => undefined);
  let stopping: Promise<void> | null = null;

  return {
    robotId: opts.robotId,
    taskIdentifier: identifier,
    workerPoolIds: () => heartbeat.workerPoolIds(),
    jobsHeld: () => inFlight.size,
    fence,
    stop: (o = {}) => (stopping ??= shutdown({ lifecycle, heartbeat, runner: theRunner, close, log }, o.deadlineMs ?? 30_000)),
    done,
  };
}

/**
 * Graceful shutdown: stop fetching (draining), let running handlers finish until the deadline (then they
 * are abandoned and their jobs handed back), and close everything. A fenced robot is not retired: it
 * holds nothing, and the sweeper has already dealt with it.
 */
async function shutdown(
  c: { lifecycle: Lifecycle; heartbeat: Heartbeat; runner: Runner; close: (retire: boolean) => Promise<void>; log: Logger },
  deadlineMs: number,
): Promise<void> {
  const fenced = () => c.lifecycle.state.phase === 'fenced';
  c.lifecycle.drain();
  await c.heartbeat.beat('draining').catch(() => undefined);
  const timer = setTimeout(() => c.lifecycle.passDeadline(), deadlineMs);
  try {
    await c.runner.stop('consumer stopping').catch((err: unknown) => {
      if (!fenced()) c.log.warn({ err }, 'runner stopped with an error');
    });
  } finally {
    clearTimeout(timer);
    await c.close(!fenced());
    c.log.info('consumer stopped');
  }
}

/** graphile-worker's events, registering each worker pool id in the heartbeat (the sweeper's key to its locks). */
function workerPoolRegistration(heartbeat: Heartbeat, log: Logger): { events: WorkerEvents; registered(): Promise<void> } {
  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  let registering: Promise<void> = Promise.resolve();
  events.on('pool:create', ({ workerPool }) => {
    registering = heartbeat.addWorkerPoolId(workerPool.id).catch((err: unknown) => log.error({ err }, 'could not register the worker pool id'));
  });
  return { events, registered: () => registering };
}

/** graphile-worker's runner, serving only this pool's task identifier. */
function startRunner(
  opts: ConsumerOptions,
  c: { identifier: string; task: Task; graphileConcurrency: number; pgPool: pg.Pool; events: WorkerEvents; log: Logger },
): Promise<Runner> {
  return run({
    // Our pool (api/db/pool.ts): graphile's queries get the same timeouts and keepalive as ours.
    pgPool: c.pgPool,
    concurrency: c.graphileConcurrency,
    noHandleSignals: true,
    pollInterval: opts.pollIntervalMs ?? 1000,
    taskList: { [c.identifier]: c.task },
    events: c.events,
    logger: graphileLogger(c.log),
    preset: {
      worker: {
        localQueue: { size: opts.localQueueSize ?? c.graphileConcurrency, ttl: opts.localQueueTtlMs ?? 30_000 },
        completeJobBatchDelay: opts.completeJobBatchDelayMs ?? 0,
        failJobBatchDelay: 0,
        // We abort handlers ourselves at the stop() deadline; graphile's own abort is not used.
        gracefulShutdownAbortTimeout: 2 ** 31 - 1,
      },
    },
  });
}
