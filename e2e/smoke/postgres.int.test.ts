import pg from 'pg';
import { freshDatabase } from '../harness/testenv.js';

describe('PostgreSQL', () => {
  it('runs a query in a fresh database on 127.0.0.1', async () => {
    const url = await freshDatabase();
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c.query<{ v: number; db: string }>('select (2 + 3)::int as v, current_database() as db');
      expect(r.rows[0]).toEqual({ v: 5, db: new URL(url).pathname.slice(1) });
      const ver = await c.query<{ server_version_num: string }>('show server_version_num');
      expect(Number(ver.rows[0]!.server_version_num)).toBeGreaterThanOrEqual(150000);
    } finally {
      await c.end();
    }
  });
});
