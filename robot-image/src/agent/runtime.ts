// The part of a robot process that the cluster agent and `aether run` share: the durable engine on
// Chromium and the queue consumer whose handler runs each claimed job on it. Only the edges differ
// between the two (where status goes, where credentials come from, health and tracing), so those
// come in as arguments.
import type pg from 'pg';
import type { DbSettings } from '../../../api/db/pool.js';
import type { Logger } from '../../../api/log.js';
import { compileEgressPolicy, type EgressPolicy } from '../egress/decide.js';
import { DEFAULT_BACKOFF } from '../../../api/queue/backoff.js';
import { configureDurable, createEngine, type BrowserHost, type Durable, type Engine, type EngineOptions } from '../engine/index.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, startConsumer, type Consumer } from '../queue/consumer.js';
import { createJobHandler, type JobHandlerDeps } from './robot.js';

/** Every robot of the platform shares it, so any robot can take over another's workflow. */
export const DBOS_APP_NAME = 'aether-robot';

export interface RobotRuntimeOptions {
  /** DBOS's system database and the job queue's database. */
  databaseUrl: string;
  /** DBOS's schema and whether this process migrates it (default: 'dbos', yes). */
  dbos?: { schema: string; migrate: boolean };
  /** The job Postgres for the handler (screenshots). */
  db: pg.Pool;
  /** Timeouts and keepalive of DBOS's and the queue's connections (api/db/pool.ts defaults). */
  dbSettings?: DbSettings;
  namespace: string;
  pool: string;
  /** Reported as status.robot and recorded with the robot row. */
  pod: string;
  /** Recorded with the robot row (AETHER_ROBOT_VERSION, else the package version). */
  version?: string;
  /** Unique per process: DBOS routes take-overs by it and the sweeper releases jobs by it. */
  robotId: string;
  browser: BrowserHost;
  logger: Logger;
  /** Robots that take over each other's workflows must agree on it; DBOS derives one if unset. */
  applicationVersion?: string;
  resolveTarget?: EngineOptions['resolveTarget'];
  defaultStepTimeoutMs?: number;
  /**
   * Where jobs may send requests. The cluster agent always passes its pool's policy (agent/config.ts).
   * Absent: the local-machine policy of `aether run` (localEgressPolicy: loopback allowed, since the
   * sites are the user's own; schemes, link-local and everything else as in a cluster).
   */
  egress?: EgressPolicy;
  /** The audit hook for egress refusals. */
  onEgressRefused?: EngineOptions['onEgressRefused'];
}

/** `aether run` on a laptop: the user's own loopback sites are reachable; nothing else is widened. */
export function localEgressPolicy(): EgressPolicy {
  return compileEgressPolicy({ allow: ['127.0.0.0/8', '::1', 'localhost'] });
}

export interface ConsumerSettings {
  concurrency: number;
  retryBackoffBaseMs: number;
  pollIntervalMs?: number;
  /** How long a robot's heartbeat stays valid; the sweeper releases its jobs after that. */
  leaseSeconds?: number;
  /** How long the robot works on through a database outage while holding jobs (queue/lease.ts). */
  outageBudgetMs?: number;
  /** The edges of the job handler: status reporter, credentials, metrics, tracer, test hooks. */
  handler: Omit<JobHandlerDeps, 'engine' | 'db' | 'logger' | 'pool' | 'podName' | 'browserReady' | 'onEnvironmentFault'>;
}

export interface RobotRuntime {
  durable: Durable;
  engine: Engine;
  /** Starts the queue consumer; call after durable.launch(). */
  startConsumer(settings: ConsumerSettings): Promise<Consumer>;
  /**
   * Resolves when the robot cannot run jobs (its browser does not start). The consumer has then been
   * stopped at once, handing its jobs back to the queue; the process should report not ready and exit.
   */
  environmentFault: Promise<Error>;
}

/** Configures DBOS and the engine; the caller launches DBOS (and registers its shutdown) when ready. */
export function createRobotRuntime(opts: RobotRuntimeOptions): RobotRuntime {
  const log = opts.logger;
  const durable = configureDurable({
    appName: DBOS_APP_NAME,
    systemDatabaseUrl: opts.databaseUrl,
    ...(opts.dbos && { schemaName: opts.dbos.schema, runMigrations: opts.dbos.migrate }),
    executorId: opts.robotId,
    ...(opts.applicationVersion !== undefined && { applicationVersion: opts.applicationVersion }),
    ...(opts.dbSettings && { dbSettings: opts.dbSettings }),
    logger: log,
  });
  let consumer: Consumer | null = null;
  // A checkpoint that cannot be written is a crash (durable/fault.ts): the consumer fences itself (handlers
  // aborted, nothing more written) and the process exits non-zero.
  const onDurableFault = (err: Error) => {
    log.error({ err: err.message }, 'the durable state could not be written: stopping as a crash');
    if (consumer) consumer.fence('durable-fault');
    else throw err;
  };
  const engine = createEngine({
    durable,
    browser: opts.browser,
    logger: log,
    ...(opts.resolveTarget && { resolveTarget: opts.resolveTarget }),
    ...(opts.defaultStepTimeoutMs !== undefined && { defaultStepTimeoutMs: opts.defaultStepTimeoutMs }),
    egress: opts.egress ?? localEgressPolicy(),
    ...(opts.onEgressRefused && { onEgressRefused: opts.onEgressRefused }),
    onDurableFault,
  });
  // An environment fault stops the consumer with no grace: every held job goes back to the queue as
  // at a shutdown (the handler waits for that), so none of them uses up an attempt.
  let fault: Error | null = null;
  let signalFault: (err: Error) => void = () => undefined;
  const environmentFault = new Promise<Error>((resolve) => (signalFault = resolve));
  const stopForFault = () => {
    consumer?.stop({ deadlineMs: 0 }).catch((err: unknown) => log.warn({ err }, 'stopping after an environment fault failed'));
  };
  const onEnvironmentFault = (err: Error) => {
    if (fault) return;
    fault = err;
    log.error({ err: err.message }, 'environment fault: stopped taking jobs and handed the held ones back');
    signalFault(err);
    stopForFault();
  };
  const browserReady = () => opts.browser.browser();

  return {
    durable,
    engine,
    environmentFault,
    startConsumer: async (s) => {
      consumer = await startConsumer({
        databaseUrl: opts.databaseUrl,
        namespace: opts.namespace,
        pool: opts.pool,
        robotId: opts.robotId,
        pod: opts.pod,
        ...(opts.version !== undefined && { version: opts.version }),
        concurrency: s.concurrency,
        ...(opts.dbSettings && { dbSettings: opts.dbSettings }),
        ...(s.outageBudgetMs !== undefined && { outageBudgetMs: s.outageBudgetMs }),
        ...(s.pollIntervalMs !== undefined && { pollIntervalMs: s.pollIntervalMs }),
        ...(s.leaseSeconds !== undefined && {
          leaseSeconds: s.leaseSeconds,
          // At least three heartbeats per lease, so one slow beat does not declare a live robot dead.
          heartbeatIntervalMs: Math.min(DEFAULT_HEARTBEAT_INTERVAL_MS, Math.floor((s.leaseSeconds * 1000) / 3)),
        }),
        backoff: { ...DEFAULT_BACKOFF, baseMs: s.retryBackoffBaseMs },
        logger: log,
        handler: createJobHandler({
          ...s.handler,
          engine,
          db: opts.db,
          logger: log,
          pool: opts.pool,
          podName: opts.pod,
          browserReady,
          onEnvironmentFault,
        }),
      });
      if (fault) stopForFault();
      return consumer;
    },
  };
}
