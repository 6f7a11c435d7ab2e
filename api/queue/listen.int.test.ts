// The one LISTEN helper on a real PostgreSQL: notifications arrive, a killed connection is replaced
// (onReconnect says NOTIFYs may have been missed), listeningSince is the database's time, a pooled
// connection goes back to its pool without listening, and failFast rejects a first connection that fails.
import pg from 'pg';
import { freshDatabase } from '../../e2e/harness/testenv.js';
import { createLogger } from '../log.js';
import { createChannelListener, type ChannelListener } from './listen.js';

const logger = createLogger({ name: 'listen-test', level: 'silent' });
const waitFor = async <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

let url: string;
let pool: pg.Pool;
const listeners: ChannelListener[] = [];

beforeAll(async () => {
  url = await freshDatabase('listen');
  pool = new pg.Pool({ connectionString: url, max: 3 });
});
afterAll(async () => {
  for (const l of listeners) await l.stop();
  await pool.end();
});

const notify = (channel: string, payload: string) => pool.query('select pg_notify($1, $2)', [channel, payload]);
/** The backend of a connection whose last statement was its LISTEN (or, with trackSince, the clock read right after). */
const listenerPids = async (channel: string) =>
  (
    await pool.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and query = any($1::text[])`, [
      [`LISTEN "${channel}"`, 'select clock_timestamp() as t'],
    ])
  ).rows.map((r) => r.pid);

describe.each([
  ['a dedicated connection', () => ({ databaseUrl: url })],
  ['a connection of a pool', () => ({ pool })],
])('createChannelListener on %s', (_n, source) => {
  it('delivers NOTIFYs of its channel only, reconnects after the connection dies, and tells since when it listens', async () => {
    const channel = `ch_${Math.random().toString(36).slice(2, 8)}`;
    const got: Array<string | undefined> = [];
    let reconnects = 0;
    const listener = createChannelListener({
      ...source(),
      channel,
      logger,
      onNotification: (p) => got.push(p),
      onReconnect: () => reconnects++,
      fallback: 'the test',
      reconnect: { baseMs: 50, factor: 2, maxMs: 200, jitter: 0 },
      trackSince: true,
    });
    listeners.push(listener);
    const before = (await pool.query<{ t: Date }>('select clock_timestamp() as t')).rows[0]!.t;
    await listener.start();
    const since = listener.listeningSince();
    expect(since).toBeInstanceOf(Date);
    expect(since!.getTime()).toBeGreaterThanOrEqual(before.getTime());

    await notify(channel, 'one');
    await notify(`${channel}_other`, 'not ours');
    await waitFor('the first NOTIFY', () => (got.includes('one') ? true : undefined));

    const [pid] = await waitFor('the LISTEN connection', async () => ((await listenerPids(channel)).length > 0 ? listenerPids(channel) : undefined));
    await pool.query('select pg_terminate_backend($1)', [pid]);
    await waitFor('the reconnect', () => (reconnects > 0 && listener.listeningSince() !== null ? true : undefined));
    expect(listener.listeningSince()!.getTime()).toBeGreaterThan(since!.getTime());
    await notify(channel, 'two');
    await waitFor('a NOTIFY after the reconnect', () => (got.includes('two') ? true : undefined));
    expect(got).not.toContain('not ours');

    await listener.stop();
    expect(listener.listeningSince()).toBeNull();
    await notify(channel, 'three');
    await new Promise((r) => setTimeout(r, 200));
    expect(got).not.toContain('three');
  });
});

it('a pooled connection goes back to its pool no longer listening', async () => {
  const own = new pg.Pool({ connectionString: url, max: 1 });
  const listener = createChannelListener({ pool: own, channel: 'back_to_pool', logger, onNotification: () => undefined, fallback: 'the test' });
  await listener.start();
  const during = await pool.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and query = 'LISTEN "back_to_pool"'`);
  expect(during.rows[0].n).toBe(1);
  await listener.stop();
  // The pool's only connection is the one that listened.
  const c = await own.connect();
  const r = await c.query<{ n: number; pid: number }>('select (select count(*)::int from pg_listening_channels()) as n, pg_backend_pid() as pid');
  expect(r.rows[0]!.n).toBe(0);
  c.release();
  await own.end();
});

it('failFast rejects when the first connection fails; otherwise it retries in the background', async () => {
  const bad = url.replace(/\/[^/]+$/, '/no_such_database');
  const strict = createChannelListener({ databaseUrl: bad, channel: 'x', logger, onNotification: () => undefined, fallback: 'the test', failFast: true });
  await expect(strict.start()).rejects.toThrow(/no_such_database/);
  const lenient = createChannelListener({ databaseUrl: bad, channel: 'x', logger, onNotification: () => undefined, fallback: 'the test', reconnect: { baseMs: 10_000, factor: 1, maxMs: 10_000, jitter: 0 } });
  await expect(lenient.start()).resolves.toBeUndefined();
  expect(lenient.listeningSince()).toBeNull();
  await lenient.stop();
});
