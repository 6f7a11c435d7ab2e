// 1,000 work items through one queue with two real robot processes (robot-image/src/main.ts: DBOS,
// Chromium, the item consumer) on real PostgreSQL, one of them SIGKILLed while it holds items and
// replaced: the sweeper puts its items back once its lease expired, and at the end every item is
// Successful, each run by exactly one durable workflow (the killed robot's item runs are resumed, not
// started again), with no retry used and nothing lost.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '../../api/log.js';
import { workflowDigest } from '../../api/queue/digest.js';
import { upsertQueue } from '../../api/queue/items/queues.js';
import { addItems, queueCounts } from '../../api/queue/items/store.js';
import { parseItems } from '../../api/queue/items/validate.js';
import { testQueueRow } from '../../api/queue/testing/queues.js';
import { createSweeper, type Sweeper } from '../../operator/src/queue/sweeper.js';
import { startRobot, type RobotProcess } from '../../robot-image/src/agent/testing/robot-process.js';
import { startRobotTestBed, type RobotTestBed } from '../../robot-image/src/agent/testing/test-bed.js';
import { waitUntil } from '../../robot-image/src/queue/testing/item-robots.js';
import { kubeconfigPath } from '../harness/testenv.js';

const N = 1000;
const POOL = 'items';
const logger = createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('work items with real robots (e2e)', () => {
  const ns = `items-${randomBytes(4).toString('hex')}`;
  let bed: RobotTestBed | undefined;
  let sweeper: Sweeper | undefined;
  const robots: RobotProcess[] = [];

  beforeAll(async () => {
    bed = await startRobotTestBed({ databasePrefix: 'items', namespace: ns, users: {}, loginSecret: { username: 'x', password: 'y' } });
  }, 120_000);
  afterAll(async () => {
    await sweeper?.stop();
    for (const r of robots) await r.kill().catch(() => undefined);
    await bed?.stop();
  });

  const robot = async (pod: string) => {
    const r = await startRobot({ databaseUrl: bed!.dbUrl, pool: POOL, namespace: ns, pod, kubeconfig: kubeconfigPath(), allow: [], env: { AETHER_CONCURRENCY: '4', AETHER_LOG_LEVEL: 'info' } });
    robots.push(r);
    return r;
  };
  const successful = async () => (await queueCounts(bed!.db, { namespace: ns, queue: 'invoices' })).successful;

  it(
    'processes 1,000 items, each exactly once, with a robot killed mid-item',
    async () => {
      const db = bed!.db;
      const workflow = {
        steps: [
          { id: 'read', action: 'setVariable', name: 'invoice', value: '{{ params.invoice }}' },
          { id: 'book', action: 'setVariable', name: 'booked', value: '{{ params.amount * 2 }}' },
        ],
      };
      await upsertQueue(db, testQueueRow(ns, 'invoices', { pool: POOL, workflow, workflowDigest: workflowDigest(workflow) }));
      const added = await addItems(db, { namespace: ns, name: 'invoices' }, parseItems(Array.from({ length: N }, (_, i) => ({ reference: `inv-${i}`, data: { invoice: `INV-${i}`, amount: i } }))));
      expect(added.filter((a) => a.result === 'added')).toHaveLength(N);
      sweeper = createSweeper({ pool: db, logger, intervalMs: 500 });
      sweeper.start();

      const a = await robot('robot-a-0');
      await robot('robot-b-0');
      await waitUntil('300 items done', async () => (await successful()) >= 300, 180_000);
      await a.kill();
      const held = await db.query<{ id: string }>(`select id from aether.queue_items where namespace = $1 and status = 'InProgress' and robot like 'robot-a-0-%'`, [ns]);
      await robot('robot-a-1');
      await waitUntil('every item done', async () => (await successful()) === N, 300_000);

      const counts = await queueCounts(db, { namespace: ns, queue: 'invoices' });
      expect(counts).toMatchObject({ new: 0, inProgress: 0, successful: N, failed: 0, abandoned: 0 });
      const retried = await db.query(`select id from aether.queue_items where namespace = $1 and retries > 0`, [ns]);
      expect(retried.rows).toEqual([]);
      // One durable workflow per item (attempt 1 of run item-<id>-0), all finished: a crash resumed a run,
      // it never started a second one.
      const wfs = await db.query<{ workflow_uuid: string; status: string }>(`select workflow_uuid, status from dbos.workflow_status where workflow_uuid like 'rpa-item-%'`);
      expect(wfs.rows).toHaveLength(N);
      expect(wfs.rows.filter((w) => w.status !== 'SUCCESS')).toEqual([]);
      expect(new Set(wfs.rows.map((w) => w.workflow_uuid))).toEqual(new Set(added.map((x) => `rpa-item-${x.id}-0-a1`)));
      // The items the killed robot held (it always holds some while 700 wait) were finished by another robot.
      expect(held.rows.length).toBeGreaterThan(0);
      const heldNow = await db.query<{ robot: string }>(`select robot from aether.queue_items where id = any($1::bigint[])`, [held.rows.map((r) => r.id)]);
      expect(heldNow.rows.filter((r) => r.robot.startsWith('robot-a-0-'))).toEqual([]);
    },
    600_000,
  );
});
