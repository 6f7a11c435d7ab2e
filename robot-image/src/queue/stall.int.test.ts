// The stall watch against a real PostgreSQL: a claim that stays pending (here: its read waits on a row lock
// another session holds, under a statement timeout set far above the watch's limit) makes the robot fence
// itself 'stalled' without running the job; once it let go, the sweeper hands the job to another robot,
// which runs it once. Before the watch, such a robot kept heartbeating and held the job for as long as the
// claim stayed pending.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { DEFAULT_DB_SETTINGS } from '../../../api/db/pool.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { jobKey } from '../../../api/queue/identifiers.js';
import type { Producer } from '../../../api/queue/producer.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';
import { createSweeper, type Sweeper } from '../../../operator/src/queue/sweeper.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { startConsumer, type Consumer } from './consumer.js';
import { RobotFencedError } from './lease.js';

const quiet = createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let url: string;
let pool: pg.Pool;
let producer: Producer;
const consumers: Consumer[] = [];
let sweeper: Sweeper | null = null;

beforeAll(async () => {
  ({ url, pool, producer } = await migratedQueueDatabase('stall'));
});
afterAll(async () => {
  await sweeper?.stop();
  await Promise.all(consumers.map((c) => c.stop({ deadlineMs: 0 }).catch(() => undefined)));
  await pool.end();
});


it('fences a robot whose claim stays pending past the limit, and the job then runs once on another robot', async () => {
  const ns = `stall-${randomBytes(3).toString('hex')}`;
  const p = testPayload({ namespace: ns, pool: 'web' });
  await producer.enqueue({ payload: p });
  // Not a pristine first delivery: the claim reads (and updates) the run row.
  await pool.query(`update graphile_worker._private_jobs set flags = null where key = $1`, [jobKey(p.uid)]);
  const holder = await pool.connect();
  await holder.query('begin');
  await holder.query('select 1 from aether.runs where uid = $1 for update', [p.uid]);

  const lines: Array<{ msg?: string; phase?: string; graphileJobId?: string }> = [];
  const ran: string[] = [];
  const a = await startConsumer({
    databaseUrl: url,
    robotId: `robot-a-${randomBytes(3).toString('hex')}`,
    namespace: ns,
    pool: 'web',
    pollIntervalMs: 100,
    dbSettings: { ...DEFAULT_DB_SETTINGS, statementTimeoutMs: 60_000, queryTimeoutMs: 65_000, idleInTransactionTimeoutMs: 60_000 },
    stallLimits: { claimMs: 1_000, recordMs: 1_000 },
    logger: createLogger({
      name: 'robot-a',
      level: 'warn',
      destination: new Writable({
        write: (c: Buffer, _e, cb) => {
          lines.push(JSON.parse(c.toString()) as { msg?: string });
          cb();
        },
      }),
    }),
    handler: async (ctx) => {
      ran.push(`a:${ctx.runUid}`);
      return { status: 'succeeded', outputs: {} };
    },
  });
  consumers.push(a);
  const fenced = await a.done.then(
    () => null,
    (err: unknown) => err,
  );
  expect(fenced).toBeInstanceOf(RobotFencedError);
  expect((fenced as RobotFencedError).reason).toBe('stalled');
  const graphileJob = await pool.query<{ id: string }>(`select id::text from graphile_worker._private_jobs where key = $1`, [jobKey(p.uid)]);
  expect(lines.filter((l) => l.phase === 'claim' && l.graphileJobId === graphileJob.rows[0]!.id && /task is stuck/.test(l.msg ?? ''))).toHaveLength(1);
  expect(ran).toEqual([]);

  // The stuck read ends; the fenced robot runs nothing and stops (main.ts exits), and the sweeper gives
  // the job to robot b at once (the robot asked for its own fence and acknowledged it: no lease wait).
  await holder.query('rollback');
  holder.release();
  expect(await pool.query(`select state from aether.robots where id = $1 and fence_requested_at is not null and stopped_at is not null`, [a.robotId])).toMatchObject({ rowCount: 1 });
  sweeper = createSweeper({ pool, logger: quiet });
  sweeper.start();
  // Its task waits for the release before it lets graphile-worker go (record.ts): stopping ends with it.
  const aStopped = a.stop({ deadlineMs: 0 });
  const b = await startConsumer({
    databaseUrl: url,
    robotId: `robot-b-${randomBytes(3).toString('hex')}`,
    namespace: ns,
    pool: 'web',
    pollIntervalMs: 100,
    logger: quiet,
    handler: async (ctx) => {
      ran.push(`b:${ctx.runUid}`);
      return { status: 'succeeded', outputs: { by: 'b' } };
    },
  });
  consumers.push(b);
  const run = await waitFor('the run to succeed', async () => {
    const r = await producer.getRun(p.uid);
    return r?.state === 'succeeded' ? r : undefined;
  }, { timeoutMs: 30_000 });
  expect(run).toMatchObject({ robot: b.robotId, outputs: { by: 'b' } });
  expect(ran).toEqual([`b:${p.uid}`]);
  await aStopped;
}, 90_000);
