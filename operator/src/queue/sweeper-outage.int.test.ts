// The sweeper does not declare robots dead for what it could not see: a database outage that the sweeper
// lived through too (its connections go through a proxy the test takes down) gives every robot a full
// lease after the outage, while a robot that stops beating with the sweeper watching is still released
// after its lease.
import { Writable } from 'node:stream';
import type pg from 'pg';
import { createPool } from '../../../api/db/pool.js';
import { createLogger } from '../../../api/log.js';
import { heartbeatRobot, registerRobot } from '../../../api/queue/sql/robots.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';
import { startPgProxy, targetOf, type PgProxy } from '../../../e2e/harness/pg-proxy.js';
import { createSweeper, type Sweeper } from './sweeper.js';

const logger = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const LEASE_SECONDS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let direct: pg.Pool;
let viaProxy: pg.Pool;
let proxy: PgProxy;
let sweeper: Sweeper;

beforeAll(async () => {
  const db = await migratedQueueDatabase('sweepout');
  direct = db.pool;
  proxy = await startPgProxy(targetOf(db.url));
  viaProxy = createPool({
    connectionString: proxy.url(db.url),
    max: 2,
    settings: { connectTimeoutMs: 1000, statementTimeoutMs: 2000, queryTimeoutMs: 2500, idleInTransactionTimeoutMs: 5000, keepAliveInitialDelayMs: 1000 },
    logger,
    name: 'sweeper-test',
  });
});

afterAll(async () => {
  await sweeper?.stop();
  await viaProxy?.end();
  await proxy?.stop();
  await direct?.end();
});

const stateOf = async (id: string) => (await direct.query<{ state: string }>('select state from aether.robots where id = $1', [id])).rows[0]?.state;
const deaths = async (id: string) =>
  (await direct.query<{ n: number }>(`select count(*)::int as n from aether.audit_log where action = 'robot.dead' and details->>'robot' = $1`, [id])).rows[0]!.n;

it('gives every robot a full lease after an outage the sweeper could not see through, and still releases a robot that died', async () => {
  await registerRobot(direct, { id: 'survivor', namespace: 'ns', pool: 'p', pod: 'pod-s', leaseSeconds: LEASE_SECONDS });
  await registerRobot(direct, { id: 'victim', namespace: 'ns', pool: 'p', pod: 'pod-v', leaseSeconds: LEASE_SECONDS });
  sweeper = createSweeper({ pool: viaProxy, logger, intervalMs: 200 });
  sweeper.start();
  const beat = (id: string) => heartbeatRobot(direct, { id, workerPoolIds: [], jobsHeld: 1 });
  // Both beat while the sweeper watches.
  for (let i = 0; i < 6; i++) {
    await Promise.all([beat('survivor'), beat('victim')]);
    await sleep(250);
  }
  expect([await stateOf('survivor'), await stateOf('victim')]).toEqual(['alive', 'alive']);

  // The database "goes away" for the sweeper for twice the lease; the robots cannot beat either.
  await proxy.down();
  await sleep(LEASE_SECONDS * 2000);
  await proxy.up();
  // Back: the survivor's beats reach the database a second later (its own reconnect), well within a lease.
  await sleep(1000);
  expect(await stateOf('survivor')).toBe('alive');
  for (let i = 0; i < 8; i++) {
    await beat('survivor');
    await sleep(250);
  }
  expect(await stateOf('survivor')).toBe('alive');
  expect(await deaths('survivor')).toBe(0);

  // The victim never beats again: with the sweeper seeing, it is released one lease after the outage.
  for (let i = 0; i < 40 && (await stateOf('victim')) !== 'dead'; i++) await sleep(100);
  expect(await stateOf('victim')).toBe('dead');
  expect(await deaths('victim')).toBe(1);
});
