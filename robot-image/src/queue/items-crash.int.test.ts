// 1,000 work items through one queue with two robot processes that are SIGKILLed mid-item (twice) and
// replaced: the sweeper puts the killed robots' items back to New once their leases expire, the other
// robots take them, and at the end every item is Successful, recorded exactly once (by the holder of its
// last claim), with no retry used and nothing lost.
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { upsertQueue } from '../../../api/queue/items/queues.js';
import { addItems, queueCounts } from '../../../api/queue/items/store.js';
import { parseItems } from '../../../api/queue/items/validate.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';
import { TEST_QUEUE_WORKFLOW, testQueueRow } from '../../../api/queue/testing/queues.js';
import { createSweeper, type Sweeper } from '../../../operator/src/queue/sweeper.js';
import { ItemRobots, waitUntil as waitFor } from './testing/item-robots.js';

const logger = createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const N = 1000;
const NS = 'items';

let url: string;
let pool: pg.Pool;
let sweeper: Sweeper | null = null;
const robots = new ItemRobots(new URL('./fixtures/item-robot-child.ts', import.meta.url));
const spawnRobot = (id: string) =>
  robots.start(id, { DATABASE_URL: url, AETHER_NAMESPACE: NS, AETHER_POOL: 'p', ITEM_CONCURRENCY: '4', ITEM_WORK_MS: '20' }, 'ITEM ');

beforeAll(async () => {
  ({ url, pool } = await migratedQueueDatabase('itemcrash'));
  await pool.query('create table test_item_effects (item_id bigint not null, robot text not null, epoch int not null, at timestamptz not null default now())');
});
afterAll(async () => {
  await sweeper?.stop();
  robots.killAll();
  await pool.end();
});

const successful = async () => (await queueCounts(pool, { namespace: NS, queue: 'invoices' })).successful;

describe('work items with robots killed mid-item', () => {
  it('processes 1,000 items, each exactly once, nothing lost', async () => {
    await upsertQueue(pool, testQueueRow(NS, 'invoices', { pool: 'p', workflow: TEST_QUEUE_WORKFLOW, workflowDigest: 'sha256:test' }));
    const added = await addItems(pool, { namespace: NS, name: 'invoices' }, parseItems(Array.from({ length: N }, (_, i) => ({ reference: `inv-${i}`, data: { n: i } }))));
    expect(added.filter((a) => a.result === 'added')).toHaveLength(N);
    sweeper = createSweeper({ pool, logger, intervalMs: 500 });
    sweeper.start();

    const a = await spawnRobot('robot-a');
    const b = await spawnRobot('robot-b');
    await waitFor('200 items done', async () => (await successful()) >= 200);
    await robots.kill(a);
    // Mid-item: robot a held items it had started (effect rows written, no outcome); its lease has not expired yet.
    const heldByA = await pool.query<{ id: string }>(`select id from aether.queue_items where status = 'InProgress' and robot = 'robot-a'`);
    const a2 = await spawnRobot('robot-a2');
    await waitFor('600 items done', async () => (await successful()) >= 600);
    await robots.kill(b);
    await spawnRobot('robot-b2');
    await waitFor('every item done', async () => (await successful()) === N, 120_000);

    const counts = await queueCounts(pool, { namespace: NS, queue: 'invoices' });
    expect(counts).toMatchObject({ new: 0, inProgress: 0, successful: N, failed: 0, abandoned: 0 });
    // Each item's outcome was recorded by the robot holding its last claim, exactly once, and no retry was used.
    const items = await pool.query<{ id: string; claim_epoch: number; retries: number; by: string }>(
      `select id, claim_epoch, retries, outputs->>'robot' as by from aether.queue_items where namespace = $1`,
      [NS],
    );
    expect(items.rows).toHaveLength(N);
    expect(items.rows.filter((r) => r.retries !== 0)).toEqual([]);
    const effects = await pool.query<{ item_id: string; robot: string; epoch: number }>('select item_id::text, robot, epoch from test_item_effects');
    const finalRuns = new Map<string, number>();
    for (const e of effects.rows) {
      const item = items.rows.find((r) => r.id === e.item_id)!;
      if (e.epoch === item.claim_epoch) finalRuns.set(e.item_id, (finalRuns.get(e.item_id) ?? 0) + 1);
    }
    expect(finalRuns.size).toBe(N);
    expect([...finalRuns.values()].every((n) => n === 1)).toBe(true);
    for (const r of items.rows) expect(effects.rows.find((e) => e.item_id === r.id && e.epoch === r.claim_epoch)!.robot).toBe(r.by);
    // The items robot a held when it was killed (started, or claimed and about to start) were run again
    // and recorded by another robot (a crash is not a failure).
    for (const { id } of heldByA.rows) {
      expect(items.rows.find((r) => r.id === id)!.by).not.toBe('robot-a');
      expect(effects.rows.some((e) => e.item_id === id && e.robot !== 'robot-a')).toBe(true);
    }
    expect(heldByA.rows.length).toBeGreaterThan(0);
    // Re-runs happen only for items held at a kill: at most a robot's concurrency per kill.
    expect(effects.rows.length - N).toBeLessThanOrEqual(8);
    expect(a2.lines.length).toBeGreaterThan(0);
  });
});
