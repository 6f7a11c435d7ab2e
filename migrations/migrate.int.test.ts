import { readdirSync } from 'node:fs';
import pg from 'pg';
import { freshDatabase } from '../e2e/harness/testenv.js';
import { migrate, MIGRATIONS_DIR } from './index.js';

/** Every migration file, in the order they apply. */
const ALL = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.replace(/\.sql$/, ''))
  .sort();

describe('migrate', () => {
  it('creates the aether and graphile_worker schemas, and a second run applies nothing', async () => {
    const url = await freshDatabase('mig');
    const first = await migrate({ databaseUrl: url });
    expect(ALL[0]).toBe('0001_aether_schema');
    expect(first.applied).toEqual(ALL);
    const second = await migrate({ databaseUrl: url });
    expect(second.applied).toEqual([]);

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const t = await c.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = 'aether' order by 1`,
      );
      expect(t.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['audit_log', 'healing_events', 'pgmigrations', 'robots', 'runs', 'screenshots']),
      );
      const g = await c.query(`select to_regclass('graphile_worker._private_jobs') is not null as ok`);
      expect(g.rows[0].ok).toBe(true);
    } finally {
      await c.end();
    }
  });

  it('is safe when several processes migrate the same database at once', async () => {
    const url = await freshDatabase('mig');
    const results = await Promise.all([1, 2, 3].map(() => migrate({ databaseUrl: url })));
    const applied = results.flatMap((r) => r.applied);
    expect(applied).toEqual(ALL);
  });
});
