// DBOS for one robot process: its system database on the job Postgres, an executor ID unique to
// this process, and a queue of its own so that a workflow it resumes runs here and nowhere else.
// Workflows and steps must be registered (createEngine does that) between configure and launch.
import { DBOS, type DLogger } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import { createPool, type DbSettings } from '../../../api/db/pool.js';
import { createLogger, type Logger } from '../../../api/log.js';
import { queueNameFor } from './ids.js';

export interface DurableConfig {
  /** DBOS application name; every robot of the platform shares it. */
  appName: string;
  systemDatabaseUrl: string;
  /** The schema of DBOS's system tables. Default 'dbos'. */
  schemaName?: string;
  /**
   * Create or migrate that schema at launch (default true). False where the database role has no DDL: the
   * owner migrated it (the operator, per robot namespace) and launch only checks its version.
   */
  runMigrations?: boolean;
  /** Unique per process (e.g. pod name + a random suffix): DBOS fences and routes by it. */
  executorId: string;
  /** Robots that may take over each other's workflows must agree on it; DBOS derives one if unset. */
  applicationVersion?: string;
  /** How often this process polls its own queue; a take-over waits about this long. */
  queuePollingMs?: number;
  systemDatabasePoolSize?: number;
  /** Timeouts and keepalive of the system database pool (api/db/pool.ts defaults). */
  dbSettings?: DbSettings;
  logger?: Logger;
}

export interface Durable {
  readonly executorId: string;
  readonly queueName: string;
  launch(): Promise<void>;
  shutdown(): Promise<void>;
  readonly launched: boolean;
}

/** DBOS's internal log lines go through our structured logger, at one level lower than ours. */
function dbosLogger(logger: Logger): DLogger {
  const log = logger.child({ component: 'dbos' });
  const text = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e));
  return {
    info: (e) => log.debug(text(e)),
    debug: (e) => log.trace(text(e)),
    warn: (e) => log.warn(text(e)),
    error: (e) => log.error({ err: e instanceof Error ? e : undefined }, text(e)),
  };
}

/** Sets DBOS up for this process. Call once, before registering workflows. */
export function configureDurable(cfg: DurableConfig): Durable {
  const queueName = queueNameFor(cfg.executorId);
  // Our pool, so DBOS's connections get the same timeouts and keepalive as every other (durable/fault.ts
  // says what becomes of a write that fails).
  let pool: pg.Pool | null = null;
  const systemDatabasePool = () =>
    (pool ??= createPool({
      connectionString: cfg.systemDatabaseUrl,
      max: cfg.systemDatabasePoolSize ?? 10,
      ...(cfg.dbSettings && { settings: cfg.dbSettings }),
      logger: cfg.logger ?? createLogger({ name: 'dbos', level: 'warn' }),
      name: 'aether-robot-dbos',
    }));
  DBOS.setConfig({
    name: cfg.appName,
    systemDatabaseUrl: cfg.systemDatabaseUrl,
    ...(cfg.schemaName ? { systemDatabaseSchemaName: cfg.schemaName } : {}),
    systemDatabasePool: systemDatabasePool(),
    executorID: cfg.executorId,
    ...(cfg.applicationVersion ? { applicationVersion: cfg.applicationVersion } : {}),
    ...(cfg.logger ? { logger: dbosLogger(cfg.logger) } : { logLevel: 'warn' }),
    // Only our own queue: workflows resumed by other robots onto theirs are theirs to run.
    listenQueues: [queueName],
    runMigrations: cfg.runMigrations ?? true,
  });
  let launched = false;
  return {
    executorId: cfg.executorId,
    queueName,
    get launched() {
      return launched;
    },
    async launch() {
      await DBOS.launch();
      await DBOS.registerQueue(queueName, {
        minPollingIntervalMs: cfg.queuePollingMs ?? 100,
        onConflict: 'always_update',
      });
      launched = true;
    },
    async shutdown() {
      if (!launched) return;
      launched = false;
      await DBOS.shutdown();
      await pool?.end().catch(() => undefined);
      pool = null;
    },
  };
}
