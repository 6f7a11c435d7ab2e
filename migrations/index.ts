// Applies every schema Aether needs, in order: graphile-worker's own migrations, then Aether's SQL files
// (migrations/sql/*.sql, `-- Up Migration` / `-- Down Migration` sections) through node-pg-migrate.
// Idempotent, and safe when several processes start at once: one session-level advisory lock
// serialises whole runs of migrate(), so the second process waits and then finds nothing to do.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runMigrations as runGraphileMigrations } from 'graphile-worker';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../api/log.js';
import { graphileLogger } from '../api/queue/graphile-logger.js';

/** Arbitrary constant: the advisory lock key owned by Aether's migrate(). */
const AETHER_MIGRATE_LOCK = 4_712_019_884_101;
export const AETHER_SCHEMA = 'aether';
export const MIGRATIONS_DIR = fileURLToPath(new URL('./sql', import.meta.url));

export interface MigrateOptions {
  databaseUrl: string;
  logger?: Logger;
}

export interface MigrateResult {
  /** Names of Aether migrations applied by this call (empty when the schema was up to date). */
  applied: string[];
}

export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  const lockClient = new pg.Client({ connectionString: opts.databaseUrl });
  await lockClient.connect();
  try {
    await lockClient.query('select pg_advisory_lock($1)', [AETHER_MIGRATE_LOCK]);
    await runGraphileMigrations({ connectionString: opts.databaseUrl, logger: graphileLogger(opts.logger) });
    const applied = await runner({
      databaseUrl: opts.databaseUrl,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      migrationsSchema: AETHER_SCHEMA,
      createMigrationsSchema: true,
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      log: () => {},
    });
    const names = applied.map((m) => m.name);
    if (names.length > 0) opts.logger?.info({ migrations: names }, 'applied database migrations');
    return { applied: names };
  } finally {
    await lockClient.query('select pg_advisory_unlock($1)', [AETHER_MIGRATE_LOCK]).catch(() => undefined);
    await lockClient.end();
  }
}
