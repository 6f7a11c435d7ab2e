// The database fault settings as environment variables (operator and robot read the same names; the
// chart's `database.timeouts` values set them). Parsed at the edge with the rest of each configuration.
import { z } from 'zod';
import { DEFAULT_DB_SETTINGS, type DbSettings } from './pool.js';
import { DEFAULT_STARTUP_WAIT_MS } from './wait.js';

const seconds = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, `must be a number of seconds from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional();

/** Spread into a configuration's env schema; keys are the variable names. */
export const DB_SETTINGS_ENV = {
  AETHER_DB_CONNECT_TIMEOUT_SECONDS: seconds(0.1, 300),
  AETHER_DB_STATEMENT_TIMEOUT_SECONDS: seconds(0.1, 3600),
  /** Default: the statement timeout + 5 s (the server cancels first when it can be reached). */
  AETHER_DB_QUERY_TIMEOUT_SECONDS: seconds(0.1, 3600),
  AETHER_DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS: seconds(0.1, 3600),
  AETHER_DB_KEEPALIVE_SECONDS: seconds(1, 3600),
  /** At process start, how long to wait for the database to answer before exiting (api/db/wait.ts). */
  AETHER_DB_STARTUP_WAIT_SECONDS: seconds(0, 3600),
};

type Parsed = { [K in keyof typeof DB_SETTINGS_ENV]?: number | undefined };

/** AETHER_DB_STARTUP_WAIT_SECONDS in ms, or the default of api/db/wait.ts when unset. */
export function startupWaitMsFrom(e: Parsed): number {
  return e.AETHER_DB_STARTUP_WAIT_SECONDS === undefined
    ? DEFAULT_STARTUP_WAIT_MS
    : Math.round(e.AETHER_DB_STARTUP_WAIT_SECONDS * 1000);
}

/** The settings from parsed variables, or the problems (variable: message). */
export function dbSettingsFrom(e: Parsed): { settings: DbSettings; problems: string[] } {
  const ms = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1000));
  const statementTimeoutMs = ms(e.AETHER_DB_STATEMENT_TIMEOUT_SECONDS) ?? DEFAULT_DB_SETTINGS.statementTimeoutMs;
  const settings: DbSettings = {
    connectTimeoutMs: ms(e.AETHER_DB_CONNECT_TIMEOUT_SECONDS) ?? DEFAULT_DB_SETTINGS.connectTimeoutMs,
    statementTimeoutMs,
    queryTimeoutMs: ms(e.AETHER_DB_QUERY_TIMEOUT_SECONDS) ?? statementTimeoutMs + 5_000,
    idleInTransactionTimeoutMs:
      ms(e.AETHER_DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS) ?? DEFAULT_DB_SETTINGS.idleInTransactionTimeoutMs,
    keepAliveInitialDelayMs: ms(e.AETHER_DB_KEEPALIVE_SECONDS) ?? DEFAULT_DB_SETTINGS.keepAliveInitialDelayMs,
  };
  const problems: string[] = [];
  if (settings.queryTimeoutMs < settings.statementTimeoutMs)
    problems.push(
      'AETHER_DB_QUERY_TIMEOUT_SECONDS: must not be shorter than AETHER_DB_STATEMENT_TIMEOUT_SECONDS (the server should cancel first)',
    );
  return { settings, problems };
}
