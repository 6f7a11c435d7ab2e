import { readdirSync } from 'node:fs';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { testPayload } from '../api/queue/fixtures.js';
import { toEnqueueSpec } from '../api/queue/producer.js';
import { freshDatabase } from '../e2e/harness/testenv.js';
import { AETHER_SCHEMA, migrate, MIGRATIONS_DIR } from './index.js';

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

  it('0005_crash_count: runs get max_crashes from the payload; the migration goes down and up again', async () => {
    const url = await freshDatabase('mig');
    await migrate({ databaseUrl: url });
    const step = (direction: 'up' | 'down') =>
      runner({
        databaseUrl: url,
        dir: MIGRATIONS_DIR,
        direction,
        // 0005 and every migration after it.
        count: ALL.length - ALL.indexOf('0005_crash_count'),
        migrationsTable: 'pgmigrations',
        migrationsSchema: AETHER_SCHEMA,
        log: () => {},
      });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const enqueue = async (maxCrashes: number) => {
      const spec = toEnqueueSpec({ payload: testPayload({ maxCrashes }) });
      await c.query('select * from aether.enqueue_runs($1::jsonb)', [JSON.stringify([spec])]);
      return spec.uid;
    };
    const columns = async () =>
      (
        await c.query<{ n: string }>(
          `select column_name as n from information_schema.columns where table_schema = 'aether' and table_name = 'runs' and column_name like '%crash%' order by 1`,
        )
      ).rows.map((r) => r.n);
    try {
      const uid = await enqueue(7);
      expect(
        (await c.query(`select crash_count, max_crashes, crashes from aether.runs where uid = $1`, [uid])).rows[0],
      ).toEqual({ crash_count: 0, max_crashes: 7, crashes: [] });
      await step('down');
      expect(await columns()).toEqual([]);
      const older = await enqueue(5); // enqueue_runs as 0003 left it
      expect((await c.query(`select count(*)::int as n from aether.runs where uid = $1`, [older])).rows[0].n).toBe(1);
      await step('up');
      expect(await columns()).toEqual(['crash_count', 'crashes', 'max_crashes']);
      expect((await c.query(`select max_crashes from aether.runs where uid = $1`, [older])).rows[0].max_crashes).toBe(
        3,
      );
    } finally {
      await c.end();
    }
  });

  it('0015/0017: runs carry the workflow their payload names, the console pages read it from an index; both go down and up again', async () => {
    const url = await freshDatabase('mig');
    await migrate({ databaseUrl: url });
    // 0017 and every migration after it: down to before 0017, then up again.
    const count = ALL.length - ALL.indexOf('0017_console_runs');
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(ALL.length);
    const step = (direction: 'up' | 'down') =>
      runner({ databaseUrl: url, dir: MIGRATIONS_DIR, direction, count, migrationsTable: 'pgmigrations', migrationsSchema: AETHER_SCHEMA, log: () => {} });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const enqueue = async (workflowRef?: { name: string }) => {
      const spec = toEnqueueSpec({ payload: testPayload(workflowRef ? { workflowRef } : {}) });
      await c.query('select * from aether.enqueue_runs($1::jsonb)', [JSON.stringify([spec])]);
      return spec.uid;
    };
    const workflowOf = async (uid: string) => (await c.query(`select workflow_name from aether.runs where uid = $1`, [uid])).rows[0].workflow_name as string | null;
    const indexes = async () =>
      (await c.query<{ indexname: string }>(`select indexname from pg_indexes where schemaname = 'aether' and indexname like 'runs\\_by\\_%' order by 1`)).rows.map((r) => r.indexname);
    try {
      expect(await workflowOf(await enqueue({ name: 'invoice-export' }))).toBe('invoice-export');
      expect(await workflowOf(await enqueue())).toBeNull();
      expect(await indexes()).toEqual(expect.arrayContaining(['runs_by_name_created', 'runs_by_namespace_created', 'runs_by_state_created', 'runs_by_workflow_created']));
      await step('down');
      expect(await indexes()).not.toContain('runs_by_workflow_created');
      // enqueue_runs as 0015 left it still records the workflow.
      expect(await workflowOf(await enqueue({ name: 'invoice-export' }))).toBe('invoice-export');
      await step('up');
      expect(await indexes()).toContain('runs_by_workflow_created');
      expect(await workflowOf(await enqueue({ name: 'other' }))).toBe('other');
    } finally {
      await c.end();
    }
  });
});
