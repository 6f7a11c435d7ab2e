// Waiting for PostgreSQL at process start. An operator or robot that starts while the database is away
// (a restart, a failover, a node drain that moved both) would otherwise exit at its first query and go
// into CrashLoopBackOff, restarting later than the database came back. Instead it retries the
// connection with backoff for a bounded time (AETHER_DB_STARTUP_WAIT_SECONDS, default 120 s), logging
// each failure, and only then exits non-zero with the last error. Errors that are not about reaching the
// database (bad password, unknown database) fail at once: waiting cannot fix them.
import pg from 'pg';
import type { Logger } from '../log.js';
import { exponentialBackoffMs } from '../queue/backoff.js';
import { clientConfig, DEFAULT_DB_SETTINGS, type DbSettings } from './pool.js';

export const DEFAULT_STARTUP_WAIT_MS = 120_000;

const UNREACHABLE_MESSAGES = [
  'connection terminated',
  'timeout exceeded when trying to connect',
  'connection timeout',
  'server closed the connection',
  'query read timeout',
];

/**
 * True when the error says the database could not be reached or is not accepting connections yet:
 * socket errors (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENOTFOUND, …), SQLSTATE class 08 (connection
 * exception), 57P01–57P03 (shutting down, crash recovery, cannot connect now) and 53300 (too many
 * connections). Authentication and catalog errors (28xxx, 3D000) are not.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (/^E[A-Z]+$/.test(code)) return true;
      if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code)) return false;
    }
    const message = e instanceof Error ? e.message.toLowerCase() : '';
    if (UNREACHABLE_MESSAGES.some((m) => message.includes(m))) return true;
    // AggregateError (several addresses tried): unreachable when every one was.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.every(isDatabaseUnreachable);
  }
  return false;
}

export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
  constructor(waitedMs: number, cause: unknown) {
    super(
      `PostgreSQL could not be reached for ${Math.round(waitedMs / 1000)} s (AETHER_DB_STARTUP_WAIT_SECONDS): ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
}

export interface WaitForDatabaseOptions {
  logger: Logger;
  settings?: DbSettings;
  /** Give up after this long (0: one try). */
  budgetMs?: number;
  /** One connection attempt; default: connect, `select 1`, close. */
  probe?: () => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

async function probeOnce(url: string, settings: DbSettings): Promise<void> {
  const client = new pg.Client(clientConfig(url, settings, 'aether-startup-probe'));
  client.on('error', () => undefined); // a connection dropped after connect: the query rejects
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Resolves once the database answers; throws DatabaseUnreachableError past the budget, or the first other error. */
export async function waitForDatabase(url: string, opts: WaitForDatabaseOptions): Promise<void> {
  const settings = opts.settings ?? DEFAULT_DB_SETTINGS;
  const budgetMs = opts.budgetMs ?? DEFAULT_STARTUP_WAIT_MS;
  const probe = opts.probe ?? (() => probeOnce(url, settings));
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const start = now();
  for (let attempt = 1; ; attempt++) {
    try {
      await probe();
      if (attempt > 1) opts.logger.info({ attempts: attempt, waitedMs: now() - start }, 'database reachable');
      return;
    } catch (err) {
      if (!isDatabaseUnreachable(err)) throw err;
      const waited = now() - start;
      if (waited >= budgetMs) throw new DatabaseUnreachableError(waited, err);
      const delay = Math.min(exponentialBackoffMs(attempt, { baseMs: 500, maxMs: 10_000 }), budgetMs - waited);
      opts.logger.warn(
        { err: (err as Error).message, attempt, retryInMs: delay },
        'database unreachable at start; waiting',
      );
      await sleep(delay);
    }
  }
}
