// Every pool made by createPool fails within its configured bounds when the database misbehaves, instead
// of hanging: a black-holed server (connections accepted, nothing answered), a stopped server, a slow
// statement, a session left idle in a transaction. A pool of today's shape (new pg.Pool with a URL
// only) is shown hanging on the same black hole. Real PostgreSQL behind a proxy the test controls.
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../log.js';
import { createProducer } from '../queue/producer.js';
import { testPayload } from '../queue/fixtures.js';
import { migratedQueueDatabase } from '../queue/testing/database.js';
import { startPgProxy, targetOf, type PgProxy } from '../../e2e/harness/pg-proxy.js';
import { createSweeper } from '../../operator/src/queue/sweeper.js';
import { createPool, type DbSettings } from './pool.js';

const SETTINGS: DbSettings = {
  connectTimeoutMs: 1000,
  statementTimeoutMs: 1000,
  queryTimeoutMs: 1500,
  idleInTransactionTimeoutMs: 1000,
  keepAliveInitialDelayMs: 1000,
};
const lines: Array<{ msg?: string; dbPool?: string }> = [];
const logger = createLogger({
  name: 'test',
  level: 'warn',
  destination: new Writable({
    write: (c: Buffer, _e, cb) => {
      lines.push(JSON.parse(c.toString()) as { msg?: string });
      cb();
    },
  }),
});

let url: string;
let direct: pg.Pool;
let proxy: PgProxy;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  ({ url, pool: direct } = await migratedQueueDatabase('dbpool'));
  proxy = await startPgProxy(targetOf(url));
});
afterEach(async () => {
  await proxy.up();
});
afterAll(async () => {
  await proxy.up();
  for (const p of pools) await p.end().catch(() => undefined);
  await proxy.stop();
  await direct.end();
});

const pool = (name: string, settings = SETTINGS) => {
  const p = createPool({ connectionString: proxy.url(url), max: 2, settings, logger, name });
  pools.push(p);
  return p;
};

/** How long `work` took to reject, or 'pending' if it had not settled after `giveUpMs`. */
async function timeToFail(work: Promise<unknown>, giveUpMs: number): Promise<number | 'pending' | 'resolved'> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    work.then(
      () => 'resolved' as const,
      () => Date.now() - started,
    ),
    new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), giveUpMs))),
  ]);
  clearTimeout(timer);
  return outcome;
}

describe('a pool from createPool', () => {
  it('fails a query on an open connection within the query timeout when the database is black-holed', async () => {
    const p = pool('blackhole-open');
    await p.query('select 1'); // a connection is open and idle in the pool
    proxy.blackhole();
    const ms = await timeToFail(p.query('select 1'), 10_000);
    expect(typeof ms).toBe('number');
    expect(ms).toBeGreaterThanOrEqual(SETTINGS.queryTimeoutMs - 50);
    expect(ms).toBeLessThan(SETTINGS.queryTimeoutMs + 1500);
  });

  it('fails to connect within the connect timeout when the database is black-holed', async () => {
    const p = pool('blackhole-new');
    proxy.blackhole();
    const ms = await timeToFail(p.query('select 1'), 10_000);
    expect(typeof ms).toBe('number');
    expect(ms).toBeLessThan(SETTINGS.connectTimeoutMs + 1500);
  });

  it("bounds the operator's work on a black-holed database: the sweeper's pass and an enqueue both fail in time", async () => {
    const p = pool('operator');
    const sweeper = createSweeper({ pool: p, logger, intervalMs: 1000 });
    await sweeper.sweepOnce();
    proxy.blackhole();
    const producer = createProducer({ pool: p });
    const [sweep, enqueue] = await Promise.all([
      timeToFail(sweeper.sweepOnce(), 15_000),
      timeToFail(producer.enqueue({ payload: testPayload({ namespace: 'ns', pool: 'p' }) }), 15_000),
    ]);
    const bound = SETTINGS.connectTimeoutMs + SETTINGS.queryTimeoutMs + 2000;
    expect([typeof sweep, typeof enqueue]).toEqual(['number', 'number']);
    expect(sweep).toBeLessThan(bound);
    expect(enqueue).toBeLessThan(bound);
  });

  it('a pool of the old shape (URL only) still hangs on the same black hole after 3x that bound', async () => {
    const old = new pg.Pool({ connectionString: proxy.url(url), max: 1 });
    old.on('error', () => undefined);
    await old.query('select 1');
    proxy.blackhole();
    expect(await timeToFail(old.query('select 1'), 3 * SETTINGS.queryTimeoutMs)).toBe('pending');
    await proxy.up();
    await old.end();
  });

  it('is cancelled by the server after the statement timeout', async () => {
    const p = pool('statement');
    await expect(p.query('select pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
  });

  it('has a session idle in a transaction ended by the server, releasing its locks', async () => {
    const p = pool('idle-tx');
    const c = await p.connect();
    c.on('error', () => undefined);
    await c.query('begin');
    await c.query('lock table aether.robots in access exclusive mode');
    await new Promise((r) => setTimeout(r, SETTINGS.idleInTransactionTimeoutMs + 1000));
    await expect(c.query('select 1')).rejects.toThrow();
    c.release(true);
    // The lock went with the session: another client can use the table at once.
    const free = await direct.query(`select count(*)::int as n from aether.robots`);
    expect(free.rows[0].n).toBeGreaterThanOrEqual(0);
  });

  it('survives its idle connections being cut (a stopped server): logs it and connects again', async () => {
    const p = pool('idle-cut');
    await Promise.all([p.query('select pg_sleep(0.05)'), p.query('select pg_sleep(0.05)')]);
    expect(p.idleCount).toBe(2);
    lines.length = 0;
    await proxy.down();
    await new Promise((r) => setTimeout(r, 200));
    // Without the pool's 'error' handler this would have been an uncaught 'error' event.
    expect(lines.filter((l) => l.dbPool === 'idle-cut' && l.msg?.startsWith('idle database connection failed')).length).toBeGreaterThanOrEqual(1);
    await expect(p.query('select 1')).rejects.toThrow();
    await proxy.up();
    expect((await p.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
  });

  it('survives a checked-out connection being cut between two queries: logs it, fails the next query, connects again', async () => {
    const p = pool('busy-cut');
    const c = await p.connect(); // no 'error' listener of the caller's own, as in most code
    await c.query('begin');
    lines.length = 0;
    await proxy.down();
    await new Promise((r) => setTimeout(r, 200));
    // Without the pool's 'connect' handler this was an uncaught 'error' event: the process died.
    expect(lines.filter((l) => l.dbPool === 'busy-cut' && l.msg === 'database connection failed while in use').length).toBe(1);
    await expect(c.query('select 1')).rejects.toThrow();
    c.release(true);
    await proxy.up();
    expect((await p.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
  });
});
