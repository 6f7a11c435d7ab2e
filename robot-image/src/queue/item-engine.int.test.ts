// Work items through the real durable engine (DBOS on PostgreSQL, Chromium) in robot processes: a robot
// SIGKILLed after an item's first step leaves the item to the next robot, which resumes the same run at
// the second step; an uncaught assert fails an item for good (business), a step that cannot run is retried
// up to maxRetries (application).
import pg from 'pg';
import { upsertQueue } from '../../../api/queue/items/queues.js';
import { addItems, getItem, releaseItemsOfRobots } from '../../../api/queue/items/store.js';
import { parseItems } from '../../../api/queue/items/validate.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';
import { testQueueRow } from '../../../api/queue/testing/queues.js';
import { ItemRobots, waitUntil as waitFor } from './testing/item-robots.js';

const NS = 'items';

let url: string;
let pool: pg.Pool;
const robots = new ItemRobots(new URL('./fixtures/item-engine-child.ts', import.meta.url));

beforeAll(async () => {
  ({ url, pool } = await migratedQueueDatabase('itemengine'));
});
afterAll(async () => {
  robots.killAll();
  await pool.end();
});

const spawnRobot = (id: string, pool_: string, env: Record<string, string> = {}) =>
  robots.start(id, { DATABASE_URL: url, AETHER_NAMESPACE: NS, AETHER_POOL: pool_, ...env }, 'STEP ');

const itemDone = (id: string) => waitFor(`item ${id} finished`, async () => {
  const it = await getItem(pool, { namespace: NS, queue: 'q', id });
  return it && ['Successful', 'Failed'].includes(it.status) ? it : undefined;
}, 90_000);

describe('work items through the durable engine', () => {
  it('a robot killed after the first step: the next robot resumes the item at the second step', async () => {
    const workflow = {
      steps: [
        { id: 'first', action: 'setVariable', name: 'a', value: '{{ params.n }}' },
        { id: 'second', action: 'setVariable', name: 'b', value: 'two' },
        { id: 'third', action: 'setVariable', name: 'c', value: 'three' },
      ],
    };
    await upsertQueue(pool, testQueueRow(NS, 'q', { pool: 'crash', workflow, workflowDigest: 'sha256:crash' }));
    const [added] = await addItems(pool, { namespace: NS, name: 'q' }, parseItems([{ reference: 'one', data: { n: 7 } }]));
    const id = added!.id;

    const a = await spawnRobot('robot-a', 'crash', { CRASH_AFTER_STEP: '1' });
    await a.exited;
    expect(a.child.signalCode).toBe('SIGKILL');
    expect(a.lines).toEqual([`${id} first`]);
    expect(await getItem(pool, { namespace: NS, queue: 'q', id })).toMatchObject({ status: 'InProgress', robot: 'robot-a' });
    // What the operator's sweeper does once robot a's lease expired.
    expect(await releaseItemsOfRobots(pool, { robots: ['robot-a'] })).toEqual([id]);

    const b = await spawnRobot('robot-b', 'crash');
    const item = await itemDone(id);
    expect(item).toMatchObject({ status: 'Successful', retries: 0, robot: 'robot-b' });
    expect(b.lines).toEqual([`${id} second`, `${id} third`]);
  });

  it('an uncaught assert is a business failure (no retry); a step that cannot run is retried, then Failed', async () => {
    const workflow = {
      steps: [
        { id: 'check', action: 'assert', condition: 'params.amount > 0', message: 'the amount must be positive' },
        { id: 'book', action: 'goto', url: '{{ params.url }}' },
      ],
    };
    await upsertQueue(pool, testQueueRow(NS, 'q', { pool: 'fail', workflow, workflowDigest: 'sha256:fail', maxRetries: 1 }));
    const added = await addItems(
      pool,
      { namespace: NS, name: 'q' },
      parseItems([
        { reference: 'negative', data: { amount: -5, url: 'about:blank' } },
        // loopback is refused by the default egress policy: the step fails, not the data
        { reference: 'unreachable', data: { amount: 5, url: 'http://127.0.0.1:9/' } },
      ]),
    );
    await spawnRobot('robot-c', 'fail');
    const business = await itemDone(added[0]!.id);
    expect(business).toMatchObject({ status: 'Failed', retries: 0, error: { kind: 'business', step: 'check' } });
    const application = await itemDone(added[1]!.id);
    expect(application).toMatchObject({ status: 'Failed', retries: 1, error: { kind: 'application', step: 'book' } });
  });
});
