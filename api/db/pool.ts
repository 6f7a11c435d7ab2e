// The one way product code opens PostgreSQL connections. Every pool (ours, graphile-worker's, DBOS's)
// and every dedicated client gets the same fault settings, so a database that refuses, drops or
// black-holes connections makes a query fail within a bound instead of hanging a reconcile or a robot:
//   connectTimeoutMs            a connection attempt gives up (pg connectionTimeoutMillis);
//   statementTimeoutMs          the server cancels a statement running longer (statement_timeout);
//   queryTimeoutMs              the client gives up waiting for an answer (pg query_timeout) — the bound
//                               when the server cannot even be told to cancel (a black-holed network);
//   idleInTransactionTimeoutMs  the server ends a session idle inside a transaction, releasing its locks;
//   keepAliveInitialDelayMs     TCP keepalive on every socket, so a dead peer is found on idle
//                               connections (LISTEN) too.
// An 'error' on an idle pooled client (the server restarted, the network dropped) is logged and the
// client discarded; it never reaches the process as an unhandled 'error' event.
import pg from 'pg';
import type { Logger } from '../log.js';

export interface DbSettings {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  queryTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  keepAliveInitialDelayMs: number;
}

export const DEFAULT_DB_SETTINGS: Readonly<DbSettings> = Object.freeze({
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 15_000,
  queryTimeoutMs: 20_000,
  idleInTransactionTimeoutMs: 30_000,
  keepAliveInitialDelayMs: 10_000,
});

/** Connection settings of one client (also what graphile-worker's and DBOS's pools are built from). */
export function clientConfig(connectionString: string, settings: DbSettings = DEFAULT_DB_SETTINGS, applicationName?: string): pg.ClientConfig {
  return {
    connectionString,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.queryTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: settings.keepAliveInitialDelayMs,
    ...(applicationName && { application_name: applicationName }),
  };
}

export interface PoolOptions {
  connectionString: string;
  /** Most connections at once. */
  max: number;
  settings?: DbSettings;
  logger: Logger;
  /** Names the pool in logs and in pg_stat_activity.application_name. */
  name: string;
}

/** A pg.Pool with the fault settings and an 'error' handler. */
export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(opts.connectionString, opts.settings, opts.name), max: opts.max });
  const log = opts.logger.child({ dbPool: opts.name });
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle database connection failed; discarded'));
  // A checked-out client has no listener of pg-pool's own: without one, its connection failing between two
  // queries (a database restart) is an unhandled 'error' event, and the process dies. The query in flight,
  // or the next one, still fails with the error, and pg-pool discards the client when it is released.
  pool.on('connect', (client) => client.on('error', (err) => log.warn({ err: err.message }, 'database connection failed while in use')));
  return pool;
}

/** A dedicated pg.Client (e.g. a LISTEN connection) with the fault settings; the caller handles its 'error'. */
export function createClient(connectionString: string, settings?: DbSettings, applicationName?: string): pg.Client {
  return new pg.Client(clientConfig(connectionString, settings, applicationName));
}
