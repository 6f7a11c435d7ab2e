// DBOS's system tables in a schema of Aether's database, created and migrated by the schema owner (the
// operator, for each robot namespace's schema), so robots launch DBOS with runMigrations: false and need
// no DDL. DBOS 5.3: DBOS.migrate(url, { schemaName }) creates or upgrades the schema (its own advisory lock).
import { DBOS } from '@dbos-inc/dbos-sdk';

export async function migrateDbosSchema(opts: { databaseUrl: string; schema: string }): Promise<void> {
  await DBOS.migrate(opts.databaseUrl, { schemaName: opts.schema });
}
